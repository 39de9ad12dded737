// The clause library and templates are embedded with include_dir!, which cargo cannot see
// through on stable: rebuild whenever a file under them changes.
fn main() {
    println!("cargo:rerun-if-changed=clauses");
    println!("cargo:rerun-if-changed=templates");
}
