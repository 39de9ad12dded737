//! Writing output files atomically: a file appears complete or not at all.

use std::io::Write;
use std::path::{Path, PathBuf};

/// An operational failure while writing output.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct WriteError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Write `bytes` to `path` through a temporary file in the same folder, then rename it into
/// place, so an interrupted run never leaves a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let err = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".datapact-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    // Temporary files are created private; the output is an ordinary file.
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(err)?;
    }
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// Remove the temporary files that interrupted runs (a crash, a SIGKILL) left in `dir`: the
/// hidden `.datapact-*.tmp` files of [`write_atomic`] and `.<name>.pdf*.part` files of the PDF
/// runner, last modified before `before`. Errors are ignored: this is housekeeping. Returns how
/// many were removed. Runs writing into the same folder at the same time are not supported (they
/// would also overwrite each other's `manifest.json`).
pub fn remove_stale_temp_files(dir: &Path, before: std::time::SystemTime) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = (name.starts_with(".datapact-") && name.ends_with(".tmp"))
            || (name.starts_with('.') && name.ends_with(".part") && name.contains(".pdf"));
        let stale = entry
            .metadata()
            .is_ok_and(|m| m.is_file() && m.modified().is_ok_and(|t| t < before));
        if ours && stale && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}
