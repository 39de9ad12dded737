//! Reading a file as it was at a git revision (`REV:PATH`), for `datapact diff`.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::diag::Diagnostic;

/// Split `REV:PATH` (git's own object syntax, e.g. `HEAD~1:examples/mno.toml` or
/// `main:examples/mno.toml`). A plain path that exists is never treated as a revision.
pub fn parse_rev_path(arg: &str) -> Option<(&str, &str)> {
    if Path::new(arg).exists() {
        return None;
    }
    let (rev, path) = arg.split_once(':')?;
    (!rev.is_empty() && !path.is_empty()).then_some((rev, path))
}

/// The text of `path` at `rev`, read with `git show` from the current directory's repository.
/// `path` is relative to the current directory, as in `git show REV:./PATH`.
pub fn show(rev: &str, path: &str) -> Result<String, Diagnostic> {
    let spec = if path.starts_with("./") || path.starts_with('/') {
        format!("{rev}:{path}")
    } else {
        format!("{rev}:./{path}")
    };
    let out = Command::new("git")
        .args(["show", "--no-textconv", &spec])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| {
            Diagnostic::error("git::missing", format!("cannot run git: {e}"))
                .help("install git, or compare two config files instead of revisions")
        })?;
    if !out.status.success() {
        let msg = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        return Err(Diagnostic::error("git::show", format!("cannot read `{rev}:{path}`: {msg}"))
            .help("write REV:PATH with a revision git knows (e.g. HEAD~1, main, a tag) and a path relative to the current folder"));
    }
    String::from_utf8(out.stdout).map_err(|_| {
        Diagnostic::error(
            "config::encoding",
            format!("`{rev}:{path}` is not valid UTF-8"),
        )
    })
}
