//! The one way an agreement is built, for every command.
//!
//! In: a [`Planned`] agreement (a config, or one partner of a programme; see [`crate::input`])
//! and the clause libraries of the run. Out: the built [`Agreement`] (checked model, findings,
//! rendered Markdown, the library it used), or the diagnostics that stopped it.
//!
//! Stages: model (load and check the config) → lint (findings) → library (select clauses) →
//! render (Markdown). Writing files is the caller's (see [`crate::emit`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::diag::{Diagnostic, Severity};
use crate::input::Planned;
use crate::library::Library;
use crate::lint::Check;
use crate::model::Model;
use crate::render::Rendered;

/// A built agreement.
pub struct Agreement {
    /// How commands name it: the config file, or `<programme>#<partner id>`.
    pub label: String,
    /// The config or programme file, as the user named it.
    pub file: PathBuf,
    /// The partner's id, for one partner of a programme.
    pub partner: Option<String>,
    pub model: Model,
    pub library: Arc<Library>,
    pub check: Check,
    pub rendered: Rendered,
}

impl Agreement {
    /// Why a `final` agreement may not be written: `check` finds errors in it (a draft is
    /// written, with its open findings in an annex).
    pub fn final_refusal(&self) -> Option<String> {
        let errors = self.check.errors();
        (self.model.config().agreement.status == crate::config::Status::Final && errors > 0)
            .then(|| {
                format!(
                    "status is \"final\" but `datapact check` finds {errors} error{}; fix {} or set status = \"draft\"",
                    if errors == 1 { "" } else { "s" },
                    if errors == 1 { "it" } else { "them" }
                )
            })
    }

    /// The findings that are errors.
    pub fn errors(&self) -> Vec<Diagnostic> {
        self.check.with_severity(Severity::Error).cloned().collect()
    }
}

/// The clause libraries of one run, each loaded once, on first use: `--library` for every
/// agreement when given; else the folder a config names (`library = "…"`); else the built-in
/// library.
pub struct Libraries {
    cli: Option<PathBuf>,
    loaded: Mutex<HashMap<Option<PathBuf>, Loaded>>,
}

/// A library, or why it could not be loaded.
type Loaded = Result<Arc<Library>, Vec<Diagnostic>>;

impl Libraries {
    pub fn new(cli: Option<&Path>) -> Libraries {
        Libraries {
            cli: cli.map(Path::to_path_buf),
            loaded: Mutex::default(),
        }
    }

    /// Which library an agreement uses: a folder, or `None` for the built-in one.
    pub fn key(&self, planned: &Planned) -> Option<PathBuf> {
        self.cli.clone().or_else(|| planned.library.clone())
    }

    /// The library under `key`, loaded on first use.
    pub fn get(&self, key: &Option<PathBuf>) -> Loaded {
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(found) = loaded.get(key) {
            return found.clone();
        }
        let lib = match key {
            Some(dir) => Library::from_dir(dir),
            None => Library::builtin(),
        }
        .map(Arc::new);
        loaded.insert(key.clone(), lib.clone());
        lib
    }
}

/// Build one agreement: check the config, find its findings, select and render its clauses.
pub fn build(planned: Planned, libraries: &Libraries) -> Result<Agreement, Vec<Diagnostic>> {
    let label = planned.label();
    let file = planned.file.clone();
    let partner = (planned.partner || planned.part).then(|| planned.name.clone());
    let key = libraries.key(&planned);
    let from_config = key.is_some() && libraries.cli.is_none();
    // The model and the library are independent: load them side by side (loading the
    // built-in library is most of a one-agreement run).
    let (model, library) = rayon::join(|| planned.model(), || libraries.get(&key));
    let mut model = model?;
    let library = library.map_err(|ds| {
        if from_config {
            // The folder `library = "…"` names: point at that line.
            ds.into_iter()
                .map(|d| model.loaded.diag_at(d, "/library"))
                .collect()
        } else {
            ds
        }
    })?;
    // Transfers are decided under each exporter's law, from the library's law profiles.
    model.apply_laws(&library.laws);
    let mut check = Check::run(&model);
    // A config with errors can make the clause library fail (e.g. a clause referring to
    // another one its condition left out): the config's own errors come first, since they are
    // what to fix.
    let rendered = crate::render::render(&model, &library, &check).map_err(|ds| {
        let mut out: Vec<Diagnostic> = check.with_severity(Severity::Error).cloned().collect();
        out.extend(ds);
        out
    })?;
    // The rules that compare the chosen clauses with the config, and read the text.
    let mut fit = crate::lint::fit::after_selection(&model, &library, &rendered.selection);
    fit.extend(crate::lint::text::after_render(&model, &rendered.markdown));
    check.add_after_selection(&model, fit);
    Ok(Agreement {
        label,
        file,
        partner,
        model,
        library,
        check,
        rendered,
    })
}

/// Build every agreement the arguments name (configs, programmes, `programme#partner`,
/// `REV:PATH`), in order: each with its label, built or not.
pub fn build_all(
    args: &[String],
    libraries: &Libraries,
) -> Vec<(String, Result<Agreement, Vec<Diagnostic>>)> {
    use rayon::prelude::*;
    args.iter()
        .flat_map(|a| crate::input::plan_arg(a))
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|p| (p.label(), build(p, libraries)))
        .collect()
}

/// Build the one config at `path` (for a programme, its first partner; [`build_all`] builds
/// every one). For tests and tools that work on one file.
pub fn build_file(path: &Path, library: Option<&Path>) -> Result<Agreement, Vec<Diagnostic>> {
    build(first(path)?, &Libraries::new(library))
}

/// Load and check the one config at `path`, without rendering it (for tests and tools).
pub fn load_model(path: &Path) -> Result<Model, Vec<Diagnostic>> {
    first(path)?.model()
}

fn first(path: &Path) -> Result<Planned, Vec<Diagnostic>> {
    crate::input::plan_arg(&path.to_string_lossy())
        .into_iter()
        .next()
        .ok_or_else(|| {
            vec![Diagnostic::error(
                "input::empty",
                format!("{} names no agreement", path.display()),
            )]
        })
}
