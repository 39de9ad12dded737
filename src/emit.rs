//! Writing an agreement's outputs: Markdown, its machine-readable twin (JSON), and the PDF
//! through typst.
//!
//! In: a checked model and its rendered Markdown. Out: files in the output folder, each
//! written atomically, with their sha256.

use std::path::{Path, PathBuf};

use crate::library::{Library, sha256_hex};
use crate::manifest::{OutputFile, safe_file_name};
use crate::model::Model;
use crate::output::{Durability, WriteError, write_atomic, write_atomic_with};
use crate::pdf::{
    CompileOptions, FontSet, PdfError, PdfMeta, PdfParty, PdfSignatory, PdfStatus, StagedFonts,
    Typst,
};
use crate::render::Rendered;

/// A format `generate` and `batch` write (the JSON twin is always written).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Markdown, for review in git.
    Md,
    /// Typeset PDF, through the typst CLI.
    Pdf,
    /// Word document, for counterparties who negotiate in Word.
    Docx,
}

/// Why an agreement's outputs could not be written (an operational failure, or an agreement
/// that cannot be typeset); nothing incomplete is left behind.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    #[error(
        "the output {0} is a file, not a folder; give -o a folder (it is created when missing)"
    )]
    OutputIsFile(PathBuf),
    #[error("reference `{0}` cannot be used as a file name")]
    UnsafeName(String),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("cannot create {path}: {source}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read back {path}: {source}")]
    ReadBack {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the JSON of {what}: {source}")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error(transparent)]
    Typst(#[from] PdfError),
    /// The agreement cannot be typeset as it is (a character no font draws, a date typst cannot
    /// use): the message says what to change.
    #[error("{0}")]
    Typeset(String),
}

/// What the PDF stage needs, set up once per run.
struct PdfSetup {
    typst: Typst,
    /// Found and staged on first use, so that a run with nothing to typeset (an incremental
    /// batch with every agreement up to date) does not pay for it.
    fonts: std::sync::OnceLock<Result<(FontSet, StagedFonts), String>>,
    pdfa: bool,
}

impl PdfSetup {
    fn fonts(&self) -> Result<&(FontSet, StagedFonts), EmitError> {
        self.fonts
            .get_or_init(|| {
                let fonts = FontSet::discover().map_err(|e| format!("{e}; install the fonts with `bash .ci/setup` (Debian: fonts-noto-core fonts-noto-cjk) or set DATAPACT_FONT_PATH"))?;
                let staged = fonts.stage().map_err(|e| format!("cannot prepare the fonts for typst: {e}"))?;
                Ok((fonts, staged))
            })
            .as_ref()
            .map_err(|e| EmitError::Typeset(e.clone()))
    }
}

/// Everything needed to write outputs, set up once per run.
pub struct Emitter {
    formats: Vec<Format>,
    out_dir: PathBuf,
    pdf: Option<PdfSetup>,
    /// Also write each PDF's typst input (`generate --emit-typ`).
    emit_typ: bool,
    durability: Durability,
}

impl Emitter {
    /// Locate typst when PDF output is asked for (an error says how to install); the fonts are
    /// found when the first PDF is prepared.
    pub fn new(
        formats: &[Format],
        out_dir: &Path,
        typst: Option<&Path>,
        pdfa: bool,
    ) -> Result<Emitter, EmitError> {
        if out_dir.exists() && !out_dir.is_dir() {
            return Err(EmitError::OutputIsFile(out_dir.to_path_buf()));
        }
        let pdf = if formats.contains(&Format::Pdf) {
            let typst = Typst::locate(typst)?;
            Some(PdfSetup {
                typst,
                fonts: std::sync::OnceLock::new(),
                pdfa,
            })
        } else {
            None
        };
        Ok(Emitter {
            formats: formats.to_vec(),
            out_dir: out_dir.to_path_buf(),
            pdf,
            emit_typ: false,
            durability: Durability::EachFile,
        })
    }

    /// Also write, beside each PDF, the exact input typst compiles: `<reference>.typ` and
    /// `<reference>.meta.json` (to compile it by hand, copy them into one folder as
    /// `main.typ` and `meta.json`). Used by `benches/pdf-overhead.sh`.
    pub fn with_typ_output(mut self, on: bool) -> Emitter {
        self.emit_typ = on;
        self
    }

    /// Leave flushing the Markdown and JSON files to the caller (see [`Durability::Deferred`]).
    pub fn with_durability(mut self, durability: Durability) -> Emitter {
        self.durability = durability;
        self
    }

    pub fn out_dir(&self) -> &Path {
        &self.out_dir
    }

    /// The checked typst input of an agreement's PDF (body, metadata, options): what
    /// [`Emitter::emit`] compiles, for `datapact watch`, which feeds a kept typst process
    /// instead. `None` when PDF output is not asked for.
    pub fn pdf_input(
        &self,
        model: &Model,
        rendered: &Rendered,
        lib: &Library,
    ) -> Result<Option<(String, PdfMeta, CompileOptions)>, EmitError> {
        self.pdf
            .as_ref()
            .map(|setup| prepare_pdf(setup, model, rendered, lib))
            .transpose()
    }

    /// The located typst, when PDF output is asked for.
    pub fn typst(&self) -> Option<&Typst> {
        self.pdf.as_ref().map(|p| &p.typst)
    }

    /// What, besides the inputs, decides the outputs: the formats and the typst version.
    pub fn fingerprint(&self) -> String {
        let typst = self
            .pdf
            .as_ref()
            .map(|p| p.typst.version().to_owned())
            .unwrap_or_default();
        let pdfa = self.pdf.as_ref().is_some_and(|p| p.pdfa);
        format!(
            "{:?} {typst} pdfa={pdfa} epoch={}",
            self.formats,
            std::env::var("SOURCE_DATE_EPOCH").unwrap_or_default()
        )
    }

    /// Write every output of one agreement. On failure, nothing new is left for this agreement
    /// except files already complete (each file is written atomically).
    pub fn emit(
        &self,
        model: &Model,
        rendered: &Rendered,
        lib: &Library,
    ) -> Result<Vec<OutputFile>, EmitError> {
        let reference = &model.config().agreement.reference;
        // The model accepts only references that are plain file names; make sure of it here
        // too, before anything is written.
        if !safe_file_name(&format!("{reference}.md")) {
            return Err(EmitError::UnsafeName(reference.clone()));
        }
        let mut outputs = Vec::new();
        // Check and build the PDF input first, so an agreement that cannot be typeset
        // writes nothing at all.
        let pdf_input = match &self.pdf {
            Some(setup) => Some(prepare_pdf(setup, model, rendered, lib)?),
            None => None,
        };
        if self.formats.contains(&Format::Md) {
            let name = format!("{reference}.md");
            write_atomic_with(
                &self.out_dir.join(&name),
                rendered.markdown.as_bytes(),
                self.durability,
            )?;
            outputs.push(OutputFile::new(
                name,
                sha256_hex(rendered.markdown.as_bytes()),
            ));
        }
        if self.formats.contains(&Format::Docx) {
            let name = format!("{reference}.docx");
            let bytes = docx_bytes(model, rendered, lib)?;
            write_atomic_with(&self.out_dir.join(&name), &bytes, self.durability)?;
            outputs.push(OutputFile::new(name, sha256_hex(&bytes)));
        }
        let twin = crate::twin::build(model, rendered, lib);
        let twin_text = format!(
            "{}\n",
            serde_json::to_string_pretty(&twin).map_err(|source| EmitError::Json {
                what: "the agreement's twin",
                source
            })?
        );
        let name = format!("{reference}.json");
        write_atomic_with(
            &self.out_dir.join(&name),
            twin_text.as_bytes(),
            self.durability,
        )?;
        outputs.push(OutputFile::new(name, sha256_hex(twin_text.as_bytes())));

        if let (Some(setup), Some((typ, meta, opts))) = (&self.pdf, pdf_input) {
            let name = format!("{reference}.pdf");
            let path = self.out_dir.join(&name);
            std::fs::create_dir_all(&self.out_dir).map_err(|source| EmitError::CreateDir {
                path: self.out_dir.clone(),
                source,
            })?;
            if self.emit_typ {
                let template = opts
                    .template
                    .as_deref()
                    .unwrap_or(crate::pdf::AGREEMENT_TEMPLATE);
                let (main, _) = crate::pdf::main_typ_with(template, &typ);
                let meta_json =
                    serde_json::to_vec_pretty(&meta).map_err(|source| EmitError::Json {
                        what: "the PDF's metadata",
                        source,
                    })?;
                for (ext, bytes) in [
                    ("typ", main.as_bytes()),
                    ("meta.json", meta_json.as_slice()),
                ] {
                    write_atomic(&self.out_dir.join(format!("{reference}.{ext}")), bytes)?;
                }
            }
            setup.typst.compile(&typ, &meta, &opts, &path)?;
            let bytes = std::fs::read(&path).map_err(|source| EmitError::ReadBack {
                path: path.clone(),
                source,
            })?;
            outputs.push(OutputFile::new(name, sha256_hex(&bytes)));
        }
        Ok(outputs)
    }
}

/// The provenance line: config hash, library version and hash, datapact version.
pub fn provenance(model: &Model, lib: &Library) -> String {
    format!(
        "config sha256 {}; library {} sha256 {}; datapact {}",
        crate::twin::config_hash(model),
        lib.version,
        lib.hash,
        env!("CARGO_PKG_VERSION")
    )
}

/// The PDF's creation timestamp: `SOURCE_DATE_EPOCH` when set, else the effective date.
fn timestamp(model: &Model) -> Result<i64, EmitError> {
    if let Ok(s) = std::env::var("SOURCE_DATE_EPOCH") {
        return s.trim().parse().map_err(|_| {
            EmitError::Typeset(format!(
                "SOURCE_DATE_EPOCH=`{s}` is not a number of seconds"
            ))
        });
    }
    let effective = model.config().agreement.effective_date.to_string();
    crate::pdf::date_to_unix(&effective).ok_or_else(|| {
        EmitError::Typeset(
            "the effective date is before 1970 and cannot date the PDF; set SOURCE_DATE_EPOCH"
                .to_owned(),
        )
    })
}

fn prepare_pdf(
    setup: &PdfSetup,
    model: &Model,
    rendered: &Rendered,
    lib: &Library,
) -> Result<(String, PdfMeta, CompileOptions), EmitError> {
    // Every character a user typed must have a glyph: typst would draw an empty box silently.
    let (fonts, staged) = setup.fonts()?;
    let missing = fonts.check_json_strings(&model.loaded.raw);
    if !missing.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .take(10)
            .map(|m| {
                format!(
                    "{}: character {:?} (U+{:04X}) at position {}",
                    m.path,
                    m.ch,
                    m.ch as u32,
                    m.position + 1
                )
            })
            .collect();
        return Err(EmitError::Typeset(format!(
            "{} character{} no font can draw: {}; remove or replace {}, or add a font that covers it with DATAPACT_FONT_PATH",
            missing.len(),
            if missing.len() == 1 { "" } else { "s" },
            list.join("; "),
            if missing.len() == 1 { "it" } else { "them" }
        )));
    }
    let body_md = format!("{}\n{}", rendered.pdf_body, rendered.pdf_annexes);
    let clause_text_missing = fonts.missing_glyphs_at(&body_md);
    if let Some(m) = clause_text_missing.first() {
        return Err(EmitError::Typeset(format!(
            "the clause text has a character no font can draw: {:?} (U+{:04X}) at line {} of the rendered Markdown",
            m.ch, m.ch as u32, m.line
        )));
    }
    let typ = crate::pdf::markdown_to_typst(&body_md)
        .map_err(|e| EmitError::Typeset(format!("cannot typeset the agreement: {e}")))?;
    let meta = pdf_meta(model, lib);
    let mut opts = CompileOptions::new(timestamp(model)?);
    opts.pdfa = setup.pdfa;
    opts.font_dirs = vec![staged.path().to_path_buf()];
    opts.template = lib.template_files.get("agreement.typ").cloned();
    Ok((typ, meta, opts))
}

/// The agreement's .docx: the PDF's cover, parties and provenance around the same body.
fn docx_bytes(model: &Model, rendered: &Rendered, lib: &Library) -> Result<Vec<u8>, EmitError> {
    let body_md = format!("{}\n{}", rendered.pdf_body, rendered.pdf_annexes);
    crate::docx::agreement(&pdf_meta(model, lib), &body_md, timestamp(model)?)
        .map_err(|e| EmitError::Typeset(format!("cannot write the Word document: {e}")))
}

/// What the PDF's template (and the .docx's cover) shows besides the body.
pub fn pdf_meta(model: &Model, lib: &Library) -> PdfMeta {
    let cfg = model.config();
    PdfMeta {
        title: cfg.agreement.title.clone(),
        reference: cfg.agreement.reference.clone(),
        version: cfg.agreement.version.clone(),
        status: match cfg.agreement.status {
            crate::config::Status::Draft => PdfStatus::Draft,
            crate::config::Status::Final => PdfStatus::Final,
        },
        date: cfg.agreement.effective_date.to_string(),
        binding: cfg.agreement.kind.binding(),
        kind_label: match cfg.agreement.kind {
            crate::config::DocumentKind::ProcessorTerms => "Processing terms",
            crate::config::DocumentKind::Agreement => "Data-sharing agreement",
            crate::config::DocumentKind::Protocol => "Information-sharing protocol",
        }
        .to_owned(),
        parties: cfg
            .parties
            .iter()
            .map(|p| PdfParty {
                legal_name: p.legal_name.clone(),
                short_name: p.short_name.clone().unwrap_or_default(),
                kind: p.kind.as_str().to_owned(),
                country: crate::model::country_name(&p.country),
                address: p.address.clone(),
                role: crate::render::roles_text(model, &p.id),
                acceded: p.acceded.map(crate::dates::long_date).unwrap_or_default(),
                signatories: p
                    .signatories
                    .iter()
                    .map(|s| PdfSignatory {
                        name: s.name.clone(),
                        title: s.title.clone(),
                    })
                    .collect(),
            })
            .collect(),
        provenance: provenance(model, lib),
    }
}
