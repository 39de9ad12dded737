//! Writing an agreement's outputs: Markdown, and the PDF through typst.
//!
//! In: a checked model and its rendered Markdown. Out: files in the output folder, each
//! written atomically, with their sha256.

use std::path::{Path, PathBuf};

use crate::batch::OutputFile;
use crate::cli::OutputFormat;
use crate::library::{Library, sha256_hex};
use crate::model::Model;
use crate::output::write_atomic;
use crate::render::Rendered;

/// Everything needed to write outputs, set up once per run.
pub struct Emitter {
    formats: Vec<OutputFormat>,
    out_dir: PathBuf,
}

impl Emitter {
    pub fn new(formats: &[OutputFormat], out_dir: &Path, _typst: Option<&Path>, _pdfa: bool) -> Result<Emitter, String> {
        if formats.contains(&OutputFormat::Pdf) {
            return Err("PDF output is not available yet: use --format md".into());
        }
        Ok(Emitter { formats: formats.to_vec(), out_dir: out_dir.to_path_buf() })
    }

    pub fn out_dir(&self) -> &Path {
        &self.out_dir
    }

    /// What, besides the inputs, decides the outputs: the formats and tool versions.
    pub fn fingerprint(&self) -> String {
        format!("{:?}", self.formats)
    }

    pub fn emit(&self, model: &Model, rendered: &Rendered, _lib: &Library) -> Result<Vec<OutputFile>, String> {
        let reference = &model.config().agreement.reference;
        let mut outputs = Vec::new();
        if self.formats.contains(&OutputFormat::Md) {
            let name = format!("{reference}.md");
            write_atomic(&self.out_dir.join(&name), rendered.markdown.as_bytes()).map_err(|e| e.to_string())?;
            outputs.push(OutputFile { file: name, sha256: sha256_hex(rendered.markdown.as_bytes()) });
        }
        Ok(outputs)
    }
}
