//! Helpers shared by integration tests.

use std::path::PathBuf;

/// The example configs (`examples/*.toml`), sorted; at least four.
pub fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("examples")
        .expect("examples/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    assert!(v.len() >= 4, "at least four examples");
    v
}
