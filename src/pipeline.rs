//! The early stages every command shares: load a config, check it, pick its library, render.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::diag::Diagnostic;
use crate::library::Library;
use crate::model::Model;
use crate::render::Rendered;

/// A config carried through to rendered Markdown.
pub struct Prepared {
    pub model: Model,
    pub library: Arc<Library>,
    pub check: Check,
    pub rendered: Rendered,
}

/// What `datapact check` finds in an agreement: findings and safeguard coverage.
#[derive(Debug, Clone)]
pub struct Check {
    pub findings: Vec<Diagnostic>,
    pub coverage: Vec<crate::lint::SafeguardCoverage>,
}

impl Check {
    pub fn run(model: &Model) -> Check {
        let findings = crate::lint::run(model);
        let coverage = crate::lint::coverage(model, &findings);
        Check { findings, coverage }
    }
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|d| d.severity == crate::diag::Severity::Error)
            .count()
    }
}

/// Which library a config uses: `--library`, else `library = "…"` in the config (relative to
/// the config file), else the built-in one.
pub fn library_for(
    model: &Model,
    cli_library: Option<&Path>,
) -> Result<Arc<Library>, Vec<Diagnostic>> {
    if let Some(dir) = cli_library {
        return Library::from_dir(dir).map(Arc::new);
    }
    if let Some(rel) = &model.config().library {
        let base = model.loaded.source.path.parent().unwrap_or(Path::new("."));
        let dir: PathBuf = base.join(rel);
        return Library::from_dir(&dir).map(Arc::new).map_err(|ds| {
            ds.into_iter()
                .map(|d| model.loaded.diag_at(d, "/library"))
                .collect()
        });
    }
    builtin_library()
}

/// The built-in library, compiled once per process and shared.
pub fn builtin_library() -> Result<Arc<Library>, Vec<Diagnostic>> {
    static BUILTIN: OnceLock<Result<Arc<Library>, Vec<Diagnostic>>> = OnceLock::new();
    BUILTIN
        .get_or_init(|| Library::builtin().map(Arc::new))
        .clone()
}

/// Load and check a config (no rendering).
pub fn load_model(path: &Path) -> Result<Model, Vec<Diagnostic>> {
    let loaded = crate::load::load_file(path)?;
    crate::model::build(loaded)
}

/// Load, check and render a config.
pub fn prepare(path: &Path, cli_library: Option<&Path>) -> Result<Prepared, Vec<Diagnostic>> {
    let model = load_model(path)?;
    finish(model, cli_library)
}

/// Like [`prepare`], for config text that is not a file (e.g. from a git revision); `label`
/// names it in messages and locates a relative `library`.
pub fn prepare_text(
    label: &Path,
    text: &str,
    cli_library: Option<&Path>,
) -> Result<Prepared, Vec<Diagnostic>> {
    let loaded = crate::load::load_str(label, text)?;
    let model = crate::model::build(loaded)?;
    finish(model, cli_library)
}

fn finish(model: Model, cli_library: Option<&Path>) -> Result<Prepared, Vec<Diagnostic>> {
    let library = library_for(&model, cli_library)?;
    let check = Check::run(&model);
    // A config with errors can make the clause library fail (e.g. a clause referring to
    // another one its condition left out): the config's own errors come first, since they
    // are what to fix.
    let rendered = crate::render::render(&model, &library, &check).map_err(|ds| {
        let mut out: Vec<Diagnostic> = check
            .findings
            .iter()
            .filter(|d| d.severity == crate::diag::Severity::Error)
            .cloned()
            .collect();
        out.extend(ds);
        out
    })?;
    Ok(Prepared {
        model,
        library,
        check,
        rendered,
    })
}

/// A final agreement is not generated while `check` finds errors; drafts are, with the open
/// findings listed in a draft annex. Returns why generation is refused.
pub fn final_refusal(model: &Model, check: &Check) -> Option<String> {
    let errors = check.errors();
    (model.config().agreement.status == crate::config::Status::Final && errors > 0).then(|| {
        format!(
            "status is \"final\" but `datapact check` finds {errors} error{}; fix {} or set status = \"draft\"",
            if errors == 1 { "" } else { "s" },
            if errors == 1 { "it" } else { "them" }
        )
    })
}
