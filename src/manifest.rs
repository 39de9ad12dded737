//! `manifest.json`: what `datapact batch` built, so that a rerun builds only what changed.
//!
//! In: the output folder. Out: each agreement's inputs hash and its output files with their
//! sha256 (and size and time, so that a rerun need not read them again).

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::digest::sha256_hex;

/// `manifest.json` in the output folder: every agreement built, with its inputs' and outputs'
/// hashes. A rerun skips an agreement whose inputs hash is unchanged and whose outputs are
/// intact.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub manifest_version: u32,
    pub datapact_version: String,
    pub agreements: Vec<ManifestEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub name: String,
    pub reference: String,
    pub origin: String,
    /// The programme or config file.
    #[serde(default)]
    pub config: String,
    /// sha256 over the programme or config file's text, the merged config (with the partner),
    /// the clause library's and templates' files, the formats, the typst version and
    /// datapact's version.
    pub inputs_hash: String,
    pub outputs: Vec<OutputFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutputFile {
    pub file: String,
    pub sha256: String,
    /// Size and modification time when written: while both are unchanged, a rerun trusts
    /// `sha256` without reading the file again (as git's index does); otherwise it hashes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stamp: Option<FileStamp>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileStamp {
    pub bytes: u64,
    /// Nanoseconds since the Unix epoch.
    pub modified_ns: u64,
}

impl FileStamp {
    pub fn of(path: &Path) -> Option<FileStamp> {
        let m = std::fs::metadata(path).ok()?;
        let modified = m
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?;
        Some(FileStamp {
            bytes: m.len(),
            modified_ns: u64::try_from(modified.as_nanos()).ok()?,
        })
    }
}

impl OutputFile {
    pub fn new(file: String, sha256: String) -> OutputFile {
        OutputFile {
            file,
            sha256,
            stamp: None,
        }
    }

    /// Whether the file in `dir` still has this content: by size and modification time when
    /// they match the stamp, else by its sha256.
    pub fn is_intact(&self, dir: &Path) -> bool {
        if !safe_file_name(&self.file) {
            return false;
        }
        let path = dir.join(&self.file);
        if self.stamp.is_some() && FileStamp::of(&path) == self.stamp {
            return true;
        }
        std::fs::read(&path).is_ok_and(|b| sha256_hex(&b) == self.sha256)
    }
}

impl Manifest {
    pub fn read(dir: &Path) -> Manifest {
        std::fs::read_to_string(dir.join("manifest.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// Entries by reference.
    pub fn index(&self) -> HashMap<&str, &ManifestEntry> {
        self.agreements
            .iter()
            .map(|e| (e.reference.as_str(), e))
            .collect()
    }

    /// Whether an entry with this inputs hash exists and all its outputs are intact.
    pub fn up_to_date(&self, dir: &Path, reference: &str, inputs_hash: &str) -> bool {
        self.entry(reference)
            .is_some_and(|e| e.is_current(dir, inputs_hash))
    }

    pub fn entry(&self, reference: &str) -> Option<&ManifestEntry> {
        self.agreements.iter().find(|e| e.reference == reference)
    }
}

impl ManifestEntry {
    /// Whether this entry has `inputs_hash` and every output on disk still has its hash.
    pub fn is_current(&self, dir: &Path, inputs_hash: &str) -> bool {
        self.inputs_hash == inputs_hash
            && !self.outputs.is_empty()
            && self.outputs.iter().all(|o| o.is_intact(dir))
    }
}

/// Whether `name` is a plain file name (no folder, no `..`): outputs stay in the output folder.
pub fn safe_file_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && Path::new(name).file_name().is_some_and(|f| f == name)
        && !name.contains(['/', '\\'])
}
