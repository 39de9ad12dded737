//! Where input files are read from: the working tree, or a git revision (`REV:PATH`), so that
//! a programme at an old revision is read with its partner files as they were then.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::diag::{Diagnostic, SourceFile};

/// The working tree, or a git revision of the repository in the current folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reader {
    Disk,
    Git(String),
}

impl Reader {
    /// A config file as a source (UTF-8, without a byte-order mark, within the size limit).
    pub fn source(&self, path: &Path) -> Result<SourceFile, Vec<Diagnostic>> {
        match self {
            Reader::Disk => crate::load::read_source(path),
            Reader::Git(rev) => {
                let text = crate::git::show(rev, &path.to_string_lossy()).map_err(|d| vec![d])?;
                crate::load::source_from_text(path, &text)
            }
        }
    }

    /// The bytes of a file (a partner file or CSV); the error says why not, naming the file.
    pub fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        match self {
            Reader::Disk => {
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
            }
            Reader::Git(rev) => crate::git::show(rev, &path.to_string_lossy())
                .map(String::into_bytes)
                .map_err(|d| d.message),
        }
    }

    /// The files (not folders) directly in `dir`, in name order.
    pub fn files_in(&self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        let mut files = match self {
            Reader::Disk => std::fs::read_dir(dir)
                .map_err(|e| format!("cannot read the partners folder {}: {e}", dir.display()))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| !p.is_dir())
                .collect::<Vec<_>>(),
            Reader::Git(rev) => git_files_in(rev, dir)?,
        };
        files.sort();
        Ok(files)
    }
}

/// `git ls-tree REV ./DIR/`: the blobs directly in a folder at a revision.
fn git_files_in(rev: &str, dir: &Path) -> Result<Vec<PathBuf>, String> {
    let shown = dir.to_string_lossy();
    let spec = if shown.starts_with("./") || shown.starts_with('/') {
        format!("{}/", shown.trim_end_matches('/'))
    } else {
        format!("./{}/", shown.trim_end_matches('/'))
    };
    let out = Command::new("git")
        .args(["ls-tree", rev, "--", &spec])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cannot list {} at {rev}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    // `<mode> <type> <object>\t<path>`; paths are relative to the current folder.
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .filter(|(meta, _)| meta.split_whitespace().nth(1) == Some("blob"))
        .map(|(_, path)| dir.join(Path::new(path).file_name().unwrap_or_default()))
        .collect())
}
