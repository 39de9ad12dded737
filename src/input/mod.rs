//! Reading inputs: a config file, or a programme (one config, many partners), into the
//! agreements to build.
//!
//! In: paths as the user wrote them (`mno.toml`, `programme.toml`, `programme.toml#ke-rift`,
//! `HEAD~1:programme.toml#ke-rift`). Out: a list of [`Planned`] agreements, cheap to make
//! (parsed and merged, with the reference that names their files and the text their inputs hash
//! is made from); [`Planned::model`] checks one into a [`Model`] or says why it cannot be.
//!
//! A programme is a config whose party `programme.partner_party` is a stand-in: each partner
//! replaces it with its own party details, and may override only the fields the programme
//! lists in `programme.overridable` (see [`programme`]).

mod bilateral;
mod partners;
mod programme;
mod reader;
mod shard;
mod split;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::Value;

use crate::diag::{Diagnostic, SourceFile};
use crate::digest::sha256_hex;
use crate::load::{Spans, load_json, parse_tree};
use crate::model::Model;

pub use programme::Programme;
pub use reader::Reader;
pub use shard::{Sharded, collisions, shard};

use partners::PartnerInput;
use programme::Merger;

/// One agreement, read and merged but not yet checked.
pub struct Planned {
    /// Stable name: the partner id, or the config file's stem.
    pub name: String,
    /// Where it came from, for messages: `programme.toml [[partners]] #2`, `partners.csv:4`.
    pub origin: String,
    /// The programme or config file it belongs to, as the user named it.
    pub file: PathBuf,
    /// The agreement reference, which names the output files; empty when the input did not
    /// get that far (then it has failed).
    pub reference: String,
    /// The clause library folder the config names (`library = "…"`, resolved against its file).
    pub library: Option<PathBuf>,
    /// sha256 of the merged config as canonical JSON text (the merged config itself is only
    /// made again when the agreement is built, so a large programme's plan stays small).
    pub config_digest: String,
    /// sha256 of the programme or config file's text: the agreement's provenance cites it.
    pub source_hash: Arc<str>,
    /// Whether this is one partner of a programme.
    pub partner: bool,
    /// Whether this is a document split off a config beside its agreement (the processing
    /// terms of a processor that serves one party only; see `split`).
    pub part: bool,
    state: State,
}

/// A whole config, before documents were split off it.
struct Whole {
    raw: Value,
    spans: Spans,
}

impl Whole {
    /// Whether the whole config passes the model's checks (its diagnostics if not).
    fn check(&self, source: &SourceFile) -> Result<(), Vec<Diagnostic>> {
        load_json(source.clone(), self.raw.clone(), self.spans.clone())
            .and_then(crate::model::build)
            .map(drop)
    }
}

enum State {
    Failed(Vec<Diagnostic>),
    Config {
        source: SourceFile,
        raw: Value,
        spans: Spans,
        /// For a document split off a config (see `split`), the whole config: it is checked
        /// first, so that an error split off with one document is not lost.
        whole: Option<Arc<Whole>>,
    },
    Partner {
        merger: Arc<Merger>,
        input: PartnerInput,
    },
}

impl Planned {
    /// How commands name this agreement: the config file, or `<programme file>#<partner id>`.
    pub fn label(&self) -> String {
        if self.partner || self.part {
            format!("{}#{}", self.file.display(), self.name)
        } else {
            self.file.display().to_string()
        }
    }

    /// The diagnostics of an input that failed before checking, if it did.
    pub fn failure(&self) -> Option<&[Diagnostic]> {
        match &self.state {
            State::Failed(d) => Some(d),
            _ => None,
        }
    }

    /// The inputs hash: the merged config and its file's text, the clause library and
    /// templates (`library_hash`), what else decides the outputs (`fingerprint`: formats, typst
    /// version) and datapact's version.
    pub fn inputs_hash(&self, library_hash: &str, fingerprint: &str) -> String {
        let mut text = String::with_capacity(400);
        for part in [
            &*self.source_hash,
            library_hash,
            fingerprint,
            env!("CARGO_PKG_VERSION"),
            &self.reference,
            &self.config_digest,
        ] {
            text.push_str(part);
            text.push('\n');
        }
        sha256_hex(text.as_bytes())
    }

    /// Check the (merged) config: schema, model, derived facts.
    pub fn model(self) -> Result<Model, Vec<Diagnostic>> {
        match self.state {
            State::Failed(d) => Err(d),
            State::Config {
                source,
                raw,
                spans,
                whole,
            } => {
                if let Some(w) = whole
                    && let Err(ds) = w.check(&source)
                {
                    // The sharing agreement reports the config's errors; its split-off
                    // documents only say why they were not built.
                    return Err(if self.part {
                        vec![Diagnostic::error(
                            "input::config-has-errors",
                            format!(
                                "{} is not built: its config has errors, reported for the agreement",
                                self.name
                            ),
                        )]
                    } else {
                        ds
                    });
                }
                load_json(source, raw, spans).and_then(crate::model::build)
            }
            State::Partner { merger, input } => merger.model(&input, &self.reference),
        }
    }
}

/// Read inputs and merge every partner, without checking the results (in parallel). An input
/// that cannot be read at all yields one failed agreement.
pub fn plan(inputs: &[PathBuf]) -> Vec<Planned> {
    let per_input: Vec<Vec<Planned>> = inputs
        .par_iter()
        .map(|p| plan_arg(&p.to_string_lossy()))
        .collect();
    per_input.into_iter().flatten().collect()
}

/// The agreements one argument names: `PATH`, `PATH#PARTNER`, `REV:PATH` or
/// `REV:PATH#PARTNER` (git's revision syntax). A path that exists is always a path.
pub fn plan_arg(arg: &str) -> Vec<Planned> {
    let (spec, partner) = split_partner(arg);
    let (reader, path) = match crate::git::parse_rev_path(spec) {
        Some((rev, path)) => (Reader::Git(rev.to_owned()), path),
        None => (Reader::Disk, spec),
    };
    let mut planned = plan_input(&reader, Path::new(path));
    // Name agreements by the argument as written, so that two revisions of one file stay apart.
    if spec != path {
        for p in &mut planned {
            p.file = PathBuf::from(spec);
        }
    }
    match partner {
        None => planned,
        Some(id) => select_partner(planned, spec, id),
    }
}

/// `file.toml#partner` → (`file.toml`, `partner`); a path that exists as written is never split.
fn split_partner(arg: &str) -> (&str, Option<&str>) {
    if Path::new(arg).exists() {
        return (arg, None);
    }
    match arg.rsplit_once('#') {
        Some((spec, id)) if !spec.is_empty() && !id.is_empty() => (spec, Some(id)),
        _ => (arg, None),
    }
}

/// The one partner `id` of a programme; a failed agreement naming the partners there are when
/// there is no such partner (or the file is no programme).
fn select_partner(planned: Vec<Planned>, spec: &str, id: &str) -> Vec<Planned> {
    if planned
        .iter()
        .any(|p| p.failure().is_some() && !p.partner && !p.part)
    {
        return planned;
    }
    let known: Vec<String> = planned
        .iter()
        .filter(|p| p.partner || p.part)
        .map(|p| p.name.clone())
        .collect();
    let mut chosen: Vec<Planned> = planned
        .into_iter()
        .filter(|p| (p.partner || p.part) && p.name == id)
        .collect();
    if chosen.is_empty() {
        let help = if known.is_empty() {
            format!("`{spec}` is not a programme: name it without `#{id}`")
        } else {
            match crate::diag::did_you_mean(id, known.iter().map(String::as_str)) {
                Some(s) => format!(
                    "did you mean `{spec}#{s}`? its partners: {}",
                    known.join(", ")
                ),
                None => format!("its partners: {}", known.join(", ")),
            }
        };
        let d = Diagnostic::error(
            "input::unknown-partner",
            format!("`{spec}` has no partner `{id}`"),
        )
        .help(help);
        return vec![failed(Path::new(spec), "", d)];
    }
    chosen.truncate(1);
    chosen
}

/// Whether a file is a programme (a config with a `[programme]` table).
pub fn is_programme(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("programme"))
}

fn plan_input(reader: &Reader, path: &Path) -> Vec<Planned> {
    let source = match reader.source(path) {
        Ok(s) => s,
        Err(d) => return vec![failed_all(path, "", d)],
    };
    let source_hash: Arc<str> = Arc::from(sha256_hex(source.text.as_bytes()));
    let (raw, spans) = match parse_tree(&source) {
        Ok(x) => x,
        Err(d) => return vec![failed_all(path, "", d)],
    };
    if raw.get("programme").is_some() {
        return programme::plan(reader, path, source, source_hash, raw, spans);
    }
    let (raw, spans, parts, whole) = match split::split(&raw, &spans) {
        Some((sharing, sharing_spans, parts)) => {
            let whole = Arc::new(Whole { raw, spans });
            (sharing, sharing_spans, parts, Some(whole))
        }
        None => (raw, spans, Vec::new(), None),
    };
    let reference = raw
        .pointer("/agreement/reference")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let parts: Vec<Planned> = parts
        .into_iter()
        .map(|part| planned_part(path, &source, &source_hash, part, whole.clone()))
        .collect();
    let mut planned = vec![Planned {
        name: stem(path),
        origin: path.display().to_string(),
        file: path.to_path_buf(),
        reference,
        library: library_of(path, &raw),
        config_digest: digest(&raw),
        source_hash,
        partner: false,
        part: false,
        state: State::Config {
            source: source.clone(),
            raw,
            spans,
            whole,
        },
    }];
    planned.extend(parts);
    planned
}

/// A document split off the config at `path` (see `split`), ready to be checked.
fn planned_part(
    path: &Path,
    source: &SourceFile,
    source_hash: &Arc<str>,
    part: split::Part,
    whole: Option<Arc<Whole>>,
) -> Planned {
    Planned {
        name: part.name,
        origin: path.display().to_string(),
        file: path.to_path_buf(),
        reference: part.reference,
        library: library_of(path, &part.raw),
        config_digest: digest(&part.raw),
        source_hash: source_hash.clone(),
        partner: false,
        part: true,
        state: State::Config {
            source: source.clone(),
            raw: part.raw,
            spans: part.spans,
            whole,
        },
    }
}

fn library_of(path: &Path, raw: &Value) -> Option<PathBuf> {
    raw.get("library")
        .and_then(Value::as_str)
        .map(|rel| path.parent().unwrap_or(Path::new(".")).join(rel))
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config".into())
}

fn failed(path: &Path, reference: &str, d: Diagnostic) -> Planned {
    failed_all(path, reference, vec![d])
}

fn failed_all(path: &Path, reference: &str, d: Vec<Diagnostic>) -> Planned {
    Planned {
        name: stem(path),
        origin: path.display().to_string(),
        file: path.to_path_buf(),
        reference: reference.to_owned(),
        library: None,
        config_digest: String::new(),
        source_hash: Arc::from(""),
        partner: false,
        part: false,
        state: State::Failed(d),
    }
}

/// sha256 of a config's canonical JSON text (serde_json's map is ordered by key, so the text is
/// stable).
fn digest(v: &Value) -> String {
    sha256_hex(&serde_json::to_vec(v).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partner_is_split_off_only_when_the_path_does_not_exist() {
        assert_eq!(
            split_partner("no/such/programme.toml#ke-rift"),
            ("no/such/programme.toml", Some("ke-rift"))
        );
        assert_eq!(
            split_partner("HEAD~1:a.toml#x"),
            ("HEAD~1:a.toml", Some("x"))
        );
        assert_eq!(split_partner("a.toml#"), ("a.toml#", None));
        assert_eq!(split_partner("#x"), ("#x", None));
        let dir = tempfile::tempdir().unwrap();
        let odd = dir.path().join("odd#name.toml");
        std::fs::write(&odd, "").unwrap();
        let odd = odd.to_string_lossy().into_owned();
        assert_eq!(split_partner(&odd), (odd.as_str(), None));
    }
}
