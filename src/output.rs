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
    write_atomic_with(path, bytes, Durability::EachFile)
}

/// When written files reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Each file is flushed to disk before it is renamed into place.
    EachFile,
    /// Files are renamed into place unflushed (still all-or-nothing if the process dies); the
    /// caller calls [`sync_filesystem`] once before recording them (a batch, before its
    /// manifest). A flush per file was a sixth of a Markdown batch's time.
    Deferred,
}

/// Flush every written file on the filesystem holding `dir` to disk: `syncfs` on Linux; on
/// other Unix systems, which have no `syncfs`, `sync` (every file system).
pub fn sync_filesystem(dir: &Path) -> Result<(), WriteError> {
    let err = |source| WriteError {
        path: dir.to_path_buf(),
        source,
    };
    let d = std::fs::File::open(dir).map_err(err)?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: `d` is an open file descriptor for the duration of the call.
        if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
            return Err(err(std::io::Error::last_os_error()));
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        drop(d);
        // SAFETY: `sync` takes no arguments and cannot fail.
        unsafe { libc::sync() };
    }
    Ok(())
}

/// [`write_atomic`], flushing the file now or leaving that to the caller.
pub fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    durability: Durability,
) -> Result<(), WriteError> {
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
    if durability == Durability::EachFile {
        tmp.as_file().sync_all().map_err(err)?;
    }
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
