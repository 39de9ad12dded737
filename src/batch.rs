//! Batch production: one agreement per partner of a programme, or per config.
//!
//! In: programme configs (a normal config plus a `[programme]` table and partners from
//! `[[partners]]`, a folder of partner files, or a CSV file) and/or ordinary configs. Out: a
//! list of [`Planned`] agreements (cheap: parsed and merged, with the reference that names their
//! files and the text their inputs hash is made from), each of which [`Planned::build`] turns
//! into a [`Job`] holding a checked model ready to render, or the reason it cannot be built.
//! [`jobs`] does both.
//!
//! A programme is a config whose party `programme.partner_party` is a stand-in: each partner
//! replaces it with its own party details, and may override only the fields the programme
//! lists in `programme.overridable`.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::diag::{Diagnostic, SourceFile};
use crate::library::sha256_hex;
use crate::load::{Spans, load_json, parse_tree};
use crate::model::{Model, is_valid_reference};

/// `[programme]`
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Programme {
    /// The id of the party in this file that each partner replaces.
    pub partner_party: String,
    /// Each partner's agreement reference is `<reference_prefix>-<PARTNER ID>`.
    pub reference_prefix: String,
    /// Fields a partner may override, as dotted paths (`agreement.governing_law`) or whole
    /// tables (`storage`). Anything else in a partner's `overrides` is an error.
    #[serde(default)]
    pub overridable: Vec<String>,
    /// A folder of partner files (one TOML table per file), relative to the programme file.
    #[serde(default)]
    pub partners_dir: Option<String>,
    /// A CSV file of partners, relative to the programme file.
    #[serde(default)]
    pub partners_csv: Option<String>,
}

/// Party fields a partner provides (the same as `[[parties]]`, without `id` and `role`).
const PARTY_FIELDS: &[&str] = &[
    "legal_name",
    "short_name",
    "kind",
    "country",
    "address",
    "registration",
    "contact",
    "dpo",
    "signatories",
    "privileges_and_immunities",
    "legal_power",
    "certifications",
    "due_diligence",
];

/// One agreement to build.
pub struct Job {
    /// Stable name: the partner id, or the config file's stem.
    pub name: String,
    /// Where it came from, for messages: `programme.toml [[partners]] #2`, `partners.csv:4`.
    pub origin: String,
    /// The programme or config file it belongs to.
    pub file: PathBuf,
    /// The agreement reference, which names the output files (empty when unknown).
    pub reference: String,
    /// sha256 of the merged config as canonical JSON text: part of the inputs hash.
    pub config_digest: String,
    pub model: Result<Model, Vec<Diagnostic>>,
}

/// One agreement, read and merged but not yet checked.
pub struct Planned {
    /// Stable name: the partner id, or the config file's stem.
    pub name: String,
    /// Where it came from, for messages: `programme.toml [[partners]] #2`, `partners.csv:4`.
    pub origin: String,
    /// The programme or config file it belongs to.
    pub file: PathBuf,
    /// The agreement reference, which names the output files; empty when the input did not
    /// get that far (then the job has failed).
    pub reference: String,
    /// The clause library folder the config names (`library = "…"`, resolved against its file).
    pub library: Option<PathBuf>,
    /// sha256 of the merged config as canonical JSON text (the merged config itself is only
    /// made again when the agreement is built, so a large programme's plan stays small).
    pub config_digest: String,
    /// sha256 of the programme or config file's text: the agreement's provenance cites it.
    pub source_hash: Arc<str>,
    state: State,
}

enum State {
    Failed(Vec<Diagnostic>),
    Config {
        source: SourceFile,
        raw: Value,
        spans: Spans,
    },
    Partner {
        merger: Arc<Merger>,
        input: PartnerInput,
    },
}

/// What every partner of a programme shares.
struct Base {
    source: SourceFile,
    /// Spans of the programme without `[programme]`, `[[partners]]` and the stand-in party.
    spans: Spans,
    party_ptr: String,
}

impl Planned {
    /// The diagnostics of an input that failed before checking, if it did.
    pub fn failure(&self) -> Option<&[Diagnostic]> {
        match &self.state {
            State::Failed(d) => Some(d),
            _ => None,
        }
    }

    /// The inputs hash: the merged config and its file's text, the clause library and
    /// templates (`library_hash`, e.g. from [`library_fingerprint`]), what else decides the
    /// outputs (`fingerprint`: formats, typst version) and datapact's version.
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

    /// Check the merged config: schema, model, derived facts.
    pub fn build(self) -> Job {
        let model = match self.state {
            State::Failed(d) => Err(d),
            State::Config { source, raw, spans } => {
                load_json(source, raw, spans).and_then(crate::model::build)
            }
            State::Partner { merger, input } => {
                let (merged, _) = merger.merged(&input, &self.reference);
                let base = &merger.base;
                let spans = partner_spans(base, &input, &merged);
                load_json(base.source.clone(), merged, spans)
                    .and_then(crate::model::build)
                    .map_err(|ds| {
                        ds.into_iter()
                            .map(|d| d.field_prefix_note(&input.origin))
                            .collect()
                    })
            }
        };
        Job {
            name: self.name,
            origin: self.origin,
            file: self.file,
            reference: self.reference,
            config_digest: self.config_digest,
            model,
        }
    }
}

/// Read inputs into jobs with checked models (in parallel). An input that cannot be read at all
/// yields a failed job.
pub fn jobs(inputs: &[PathBuf]) -> Vec<Job> {
    plan(inputs).into_par_iter().map(Planned::build).collect()
}

static BUILTIN_CLAUSES: include_dir::Dir<'_> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/clauses");
static BUILTIN_TEMPLATES: include_dir::Dir<'_> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/templates");

/// A fingerprint of a clause library: sha256 over the path and content of every file under its
/// `clauses/` and `templates/` (the built-in library's when `dir` is `None`). Part of the
/// inputs hash; much cheaper than loading the library, which a rerun with nothing to build
/// never does.
pub fn library_fingerprint(dir: Option<&Path>) -> Result<String, String> {
    use sha2::{Digest, Sha256};
    fn embedded<'a>(d: &'a include_dir::Dir<'a>, prefix: &str, out: &mut Vec<(String, &'a [u8])>) {
        for f in d.files() {
            out.push((format!("{prefix}/{}", f.path().display()), f.contents()));
        }
        for sub in d.dirs() {
            embedded(sub, prefix, out);
        }
    }
    fn on_disk(root: &Path, sub: &str, out: &mut Vec<(String, Vec<u8>)>) -> Result<(), String> {
        let mut stack = vec![root.join(sub)];
        while let Some(dir) = stack.pop() {
            let entries = std::fs::read_dir(&dir)
                .map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
            for e in entries {
                let path = e
                    .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
                    .path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let bytes = std::fs::read(&path)
                        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                    let rel = path
                        .strip_prefix(root)
                        .unwrap_or(&path)
                        .display()
                        .to_string();
                    out.push((rel, bytes));
                }
            }
        }
        Ok(())
    }
    fn digest<B: AsRef<[u8]>>(mut files: Vec<(String, B)>) -> String {
        files.sort_by(|a, b| a.0.cmp(&b.0));
        let mut h = Sha256::new();
        for (rel, bytes) in &files {
            h.update(rel.as_bytes());
            h.update([0]);
            h.update((bytes.as_ref().len() as u64).to_le_bytes());
            h.update(bytes.as_ref());
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
    match dir {
        None => {
            static BUILTIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
            Ok(BUILTIN
                .get_or_init(|| {
                    let mut files = Vec::new();
                    embedded(&BUILTIN_CLAUSES, "clauses", &mut files);
                    embedded(&BUILTIN_TEMPLATES, "templates", &mut files);
                    digest(files)
                })
                .clone())
        }
        Some(dir) => {
            let mut files = Vec::new();
            on_disk(dir, "clauses", &mut files)?;
            on_disk(dir, "templates", &mut files)?;
            Ok(digest(files))
        }
    }
}

/// Whether a file is a programme (a config with a `[programme]` table).
pub fn is_programme(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .is_some_and(|t| t.contains_key("programme"))
}

/// Read inputs and merge every partner, without checking the results.
pub fn plan(inputs: &[PathBuf]) -> Vec<Planned> {
    let per_input: Vec<Vec<Planned>> = inputs.par_iter().map(|p| plan_input(p)).collect();
    per_input.into_iter().flatten().collect()
}

fn plan_input(path: &Path) -> Vec<Planned> {
    let text = match std::fs::read(path).map(String::from_utf8) {
        Ok(Ok(t)) => t,
        Ok(Err(_)) => {
            return vec![failed(
                path,
                "",
                Diagnostic::error(
                    "batch::input",
                    format!("{} is not valid UTF-8", path.display()),
                ),
            )];
        }
        Err(e) => {
            return vec![failed(
                path,
                "",
                Diagnostic::error(
                    "batch::input",
                    format!("cannot read {}: {e}", path.display()),
                ),
            )];
        }
    };
    let source = SourceFile::new(path, &text);
    let source_hash: Arc<str> = Arc::from(sha256_hex(text.as_bytes()));
    let (raw, spans) = match parse_tree(&source) {
        Ok(x) => x,
        Err(d) => return vec![failed_all(path, "", d)],
    };
    if raw.get("programme").is_some() {
        return programme_jobs(path, source, source_hash, raw, spans);
    }
    let reference = raw
        .pointer("/agreement/reference")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let library = library_of(path, &raw);
    let config_digest = digest(&raw);
    vec![Planned {
        name: stem(path),
        origin: path.display().to_string(),
        file: path.to_path_buf(),
        reference,
        library,
        config_digest,
        source_hash,
        state: State::Config { source, raw, spans },
    }]
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
        state: State::Failed(d),
    }
}

/// sha256 of a config's canonical JSON text (serde_json's map is ordered by key, so the text is
/// stable).
fn digest(v: &Value) -> String {
    sha256_hex(&serde_json::to_vec(v).unwrap_or_default())
}

/// A partner before merging: its JSON, where its spans come from, and a name for messages.
struct PartnerInput {
    value: Result<Value, Vec<Diagnostic>>,
    spans: Arc<Spans>,
    /// Pointer of the partner table inside `spans` (`/partners/2` or ``).
    root: String,
    origin: String,
    /// The id to use when the partner has none (a partner file's stem).
    default_id: Option<String>,
}

fn programme_jobs(
    path: &Path,
    source: SourceFile,
    source_hash: Arc<str>,
    mut raw: Value,
    spans: Spans,
) -> Vec<Planned> {
    let fail_all = |d: Diagnostic| vec![failed(path, "", d)];
    let programme: Programme = match serde_json::from_value(
        raw.get("programme").cloned().unwrap_or(Value::Null),
    ) {
        Ok(p) => p,
        Err(e) => {
            return fail_all(spans.at_value(
                Diagnostic::error("batch::programme", format!("[programme] is not valid: {e}"))
                    .help("[programme] needs partner_party and reference_prefix; optional: overridable, partners_dir, partners_csv"),
                "/programme",
            ));
        }
    };
    if !is_valid_reference(&programme.reference_prefix) || programme.reference_prefix.len() > 60 {
        return fail_all(spans.at_value(
            Diagnostic::error(
                "batch::reference-prefix",
                format!("reference_prefix `{}` cannot start a file name", programme.reference_prefix),
            )
            .help("use letters, digits, '.', '-' and '_' only, not starting with '.', at most 60 characters (e.g. \"DSA-2026\")"),
            "/programme/reference_prefix",
        ));
    }
    for (i, entry) in programme.overridable.iter().enumerate() {
        if let Err(help) = overridable_path(entry) {
            return fail_all(spans.at_value(
                Diagnostic::error(
                    "batch::bad-overridable",
                    format!("`{entry}` in programme.overridable is not a field a partner can override"),
                )
                .help(help),
                &format!("/programme/overridable/{i}"),
            ));
        }
    }
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let shared_spans = Arc::new(spans);
    let mut partners = Vec::new();
    if let Some(list) = raw.get("partners").and_then(Value::as_array) {
        for (i, p) in list.iter().enumerate() {
            partners.push(PartnerInput {
                value: Ok(p.clone()),
                spans: shared_spans.clone(),
                root: format!("/partners/{i}"),
                origin: format!("{} [[partners]] #{}", path.display(), i + 1),
                default_id: None,
            });
        }
    }
    if let Some(dir) = &programme.partners_dir {
        let dir = base_dir.join(dir);
        match std::fs::read_dir(&dir) {
            Ok(entries) => {
                let mut files: Vec<PathBuf> = entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    // Partner files: `*.toml` in any case (`.TOML` too), not hidden files
                    // such as an editor's `.#partner.toml` lock.
                    .filter(|p| {
                        p.extension()
                            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
                            && p.file_name()
                                .and_then(|n| n.to_str())
                                .is_some_and(|n| !n.starts_with('.'))
                            && !p.is_dir()
                    })
                    .collect();
                files.sort();
                let read: Vec<PartnerInput> =
                    files.par_iter().map(|f| read_partner_file(f)).collect();
                partners.extend(read);
            }
            Err(e) => {
                return fail_all(shared_spans.at_value(
                    Diagnostic::error(
                        "io::read",
                        format!("cannot read the partners folder {}: {e}", dir.display()),
                    ),
                    "/programme/partners_dir",
                ));
            }
        }
    }
    if let Some(csv_path) = &programme.partners_csv {
        match read_csv_partners(&base_dir.join(csv_path)) {
            Ok(list) => partners.extend(list),
            // Errors located in the CSV file keep that place; the others point at the setting.
            Err(d) if d.location.is_some() => return fail_all(*d),
            Err(d) => return fail_all(shared_spans.at_value(*d, "/programme/partners_csv")),
        }
    }
    if partners.is_empty() {
        return fail_all(shared_spans.at_value(
            Diagnostic::error("batch::no-partners", "the programme has no partners")
                .help("add [[partners]] tables, or name a folder of partner files (partners_dir) or a CSV file (partners_csv) in [programme]"),
            "/programme",
        ));
    }

    // The base config: everything but [programme] and [[partners]].
    if let Value::Object(m) = &mut raw {
        m.remove("programme");
        m.remove("partners");
    }
    let party_index = raw.get("parties").and_then(Value::as_array).and_then(|ps| {
        ps.iter().position(|p| {
            p.get("id").and_then(Value::as_str) == Some(programme.partner_party.as_str())
        })
    });
    let Some(party_index) = party_index else {
        return fail_all(shared_spans.at_value(
            Diagnostic::error("batch::no-partner-party", format!("no party has the id `{}` named by programme.partner_party", programme.partner_party))
                .help("add a [[parties]] entry that stands for the partner, and name its id in partner_party"),
            "/programme/partner_party",
        ));
    };
    let party_ptr = format!("/parties/{party_index}");
    let mut base_spans = (*shared_spans).clone();
    base_spans.remove_under("/programme");
    base_spans.remove_under("/partners");
    // The stand-in's party details are replaced; keep the spans of its id and role.
    for f in PARTY_FIELDS {
        base_spans.remove_under(&format!("{party_ptr}/{f}"));
    }
    // The names the stand-in goes by, which each partner replaces (see `stale_names`).
    let stand_in_names: Vec<(&'static str, String)> = ["short_name", "legal_name"]
        .into_iter()
        .filter_map(|f| {
            let v = raw.pointer(&format!("{party_ptr}/{f}"))?.as_str()?;
            Some((f, v.to_owned()))
        })
        .collect();
    // The stand-in's party, without the fields a partner provides.
    let mut stand_in = raw
        .pointer(&party_ptr)
        .cloned()
        .unwrap_or(Value::Object(Map::new()));
    if let Value::Object(pm) = &mut stand_in {
        for f in PARTY_FIELDS {
            pm.remove(*f);
        }
    }
    if let Some(slot) = raw.pointer_mut(&party_ptr) {
        *slot = Value::Null;
    }
    let base = Arc::new(Base {
        source,
        spans: base_spans,
        party_ptr,
    });
    let merger = Arc::new(Merger {
        path: path.to_path_buf(),
        programme,
        base,
        raw,
        stand_in,
        stand_in_names,
        source_hash,
    });
    partners
        .into_par_iter()
        .map(|p| Merger::plan(&merger, p))
        .collect()
}

fn read_partner_file(f: &Path) -> PartnerInput {
    let default_id = Some(stem(f));
    let origin = f.display().to_string();
    let text = match std::fs::read(f).map(String::from_utf8) {
        Ok(Ok(t)) => t,
        Ok(Err(_)) => {
            let d = Diagnostic::error("batch::input", format!("{origin} is not valid UTF-8"));
            return PartnerInput {
                value: Err(vec![d]),
                spans: Arc::default(),
                root: String::new(),
                origin,
                default_id,
            };
        }
        Err(e) => {
            let d = Diagnostic::error("io::read", format!("cannot read {origin}: {e}"));
            return PartnerInput {
                value: Err(vec![d]),
                spans: Arc::default(),
                root: String::new(),
                origin,
                default_id,
            };
        }
    };
    let src = SourceFile::new(f, &text);
    match parse_tree(&src) {
        Ok((value, spans)) => PartnerInput {
            value: Ok(value),
            spans: Arc::new(spans),
            root: String::new(),
            origin,
            default_id,
        },
        Err(d) => PartnerInput {
            value: Err(d),
            spans: Arc::default(),
            root: String::new(),
            origin,
            default_id,
        },
    }
}

/// What merging a programme's partners needs, shared by all of them.
struct Merger {
    path: PathBuf,
    programme: Programme,
    base: Arc<Base>,
    /// The programme without [programme] and [[partners]], the stand-in party set to null.
    raw: Value,
    stand_in: Value,
    /// The stand-in's `short_name` and `legal_name`, as the programme wrote them.
    stand_in_names: Vec<(&'static str, String)>,
    source_hash: Arc<str>,
}

impl Merger {
    /// Check a partner and merge it into the programme; keep only what the plan needs (the
    /// merged config is made again by [`Merger::merged`] when the agreement is built).
    fn plan(this: &Arc<Merger>, p: PartnerInput) -> Planned {
        let programme = &this.programme;
        let planned = |name: String,
                       reference: String,
                       config: Option<&Value>,
                       state: State,
                       origin: String| Planned {
            name,
            origin,
            file: this.path.clone(),
            reference,
            library: config.and_then(|m| library_of(&this.path, m)),
            config_digest: config.map(digest).unwrap_or_default(),
            source_hash: this.source_hash.clone(),
            state,
        };
        let partner = match &p.value {
            Ok(Value::Object(m)) => m,
            Ok(_) => {
                let d = p.spans.at_value(
                    Diagnostic::error("batch::partner", "a partner must be a table"),
                    &p.root,
                );
                return planned(
                    p.origin.clone(),
                    String::new(),
                    None,
                    State::Failed(vec![d]),
                    p.origin,
                );
            }
            Err(d) => {
                let name = p.default_id.clone().unwrap_or_else(|| p.origin.clone());
                return planned(
                    name,
                    String::new(),
                    None,
                    State::Failed(d.clone()),
                    p.origin,
                );
            }
        };
        let mut diags = Vec::new();
        let id = match partner.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(_) => String::new(),
            None => p.default_id.clone().unwrap_or_default(),
        };
        let id_ok = is_valid_reference(&id) && id.len() <= 40;
        if !id_ok {
            let shown = if id.is_empty() {
                "(none)".to_owned()
            } else {
                format!("`{id}`")
            };
            diags.push(p.spans.at_value(
                Diagnostic::error("batch::partner-id", format!("partner id {shown} cannot be used in a file name"))
                    .help("give each partner an `id` of letters, digits, '.', '-' and '_', not starting with '.', at most 40 characters (e.g. \"ke-telco\")"),
                &format!("{}/id", p.root),
            ));
        }
        let reference = if id_ok {
            format!("{}-{}", programme.reference_prefix, id.to_uppercase())
        } else {
            String::new()
        };
        let name = if id.is_empty() {
            p.origin.clone()
        } else {
            id.clone()
        };

        let (merged, more) = this.merged(&p, &reference);
        diags.extend(more);
        if !diags.is_empty() {
            return planned(name, reference, None, State::Failed(diags), p.origin);
        }
        let origin = p.origin.clone();
        planned(
            name,
            reference,
            Some(&merged),
            State::Partner {
                merger: this.clone(),
                input: p,
            },
            origin,
        )
    }

    /// A name of the stand-in party that this partner replaces but the shared text still uses
    /// ("the Operator" in the recitals of a partner called "Funknetz"): that text would name
    /// a party the agreement does not define.
    fn stale_names(
        &self,
        p: &PartnerInput,
        partner: &Map<String, Value>,
        merged: &Value,
    ) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (field, old) in &self.stand_in_names {
            let (field, old) = (*field, old.as_str());
            let Some(new) = partner.get(field).and_then(Value::as_str) else {
                continue;
            };
            if old.trim().is_empty() || old == new {
                continue;
            }
            let mut places = Vec::new();
            crate::model::walk_strings(merged, &mut |pointer, _, text| {
                let in_party = pointer
                    .strip_prefix(self.base.party_ptr.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
                if !in_party && mentions(text, old) {
                    places.push(crate::load::pointer_to_field(pointer));
                }
            });
            if places.is_empty() {
                continue;
            }
            let shown: Vec<&str> = places.iter().take(3).map(String::as_str).collect();
            let more = if places.len() > 3 {
                format!(" and {} more", places.len() - 3)
            } else {
                String::new()
            };
            let d = Diagnostic::error(
                "batch::stand-in-name",
                format!(
                    "this partner's {} is “{new}”, but the programme's text still calls it “{old}” (in {}{more})",
                    field.replace('_', " "),
                    shown.join(", ")
                ),
            )
            .help(if field == "short_name" {
                format!("leave short_name out, so that every partner is called “{old}” as the shared text does; or write that text without the name")
            } else {
                format!("write the programme's text without “{old}”: each partner replaces it")
            });
            out.push(p.spans.at_key(d, &format!("{}/{field}", p.root)));
        }
        out
    }

    /// The programme with this partner's party fields and overrides, and the agreement
    /// reference set; and what is wrong with the partner's keys and overrides.
    fn merged(&self, p: &PartnerInput, reference: &str) -> (Value, Vec<Diagnostic>) {
        let programme = &self.programme;
        let mut diags = Vec::new();
        let mut merged = self.raw.clone();
        let Ok(Value::Object(partner)) = &p.value else {
            return (merged, diags);
        };
        let mut party = self.stand_in.clone();
        for (k, v) in partner {
            match k.as_str() {
                "id" | "overrides" => {}
                k if PARTY_FIELDS.contains(&k) => {
                    if let Value::Object(pm) = &mut party {
                        pm.insert(k.to_owned(), v.clone());
                    }
                }
                other => {
                    let mut d = Diagnostic::error(
                        "batch::unknown-partner-key",
                        format!("unknown key `{other}` in a partner"),
                    )
                    .help(format!(
                        "a partner has `id`, party fields ({}) and an `overrides` table",
                        PARTY_FIELDS.join(", ")
                    ));
                    if let Some(s) = crate::diag::did_you_mean(other, PARTY_FIELDS.iter().copied())
                    {
                        d = d.help(format!("did you mean `{s}`?"));
                    }
                    diags.push(p.spans.at_key(d, &format!("{}/{k}", p.root)));
                }
            }
        }
        // A partner that gives no short name goes by the stand-in's ("the Operator"), the
        // name the shared text uses for it.
        if let Value::Object(pm) = &mut party
            && !pm.contains_key("short_name")
            && let Some((_, short)) = self.stand_in_names.iter().find(|(f, _)| *f == "short_name")
        {
            pm.insert("short_name".into(), Value::String(short.clone()));
        }
        if let Some(slot) = merged.pointer_mut(&self.base.party_ptr) {
            *slot = party;
        }
        match partner.get("overrides") {
            None => {}
            Some(Value::Object(ov)) => {
                for (path_key, value) in ov {
                    let ptr = format!("{}/overrides/{}", p.root, escape_pointer(path_key));
                    if !allowed(programme, path_key) {
                        diags.push(p.spans.at_key(
                            Diagnostic::error("batch::override-not-allowed", format!("the programme does not let partners override `{path_key}`")).help(
                                if programme.overridable.is_empty() {
                                    "the programme allows no overrides; add the path to programme.overridable if partners may vary it".to_owned()
                                } else {
                                    format!("overridable fields: {}", programme.overridable.join(", "))
                                },
                            ),
                            &ptr,
                        ));
                        continue;
                    }
                    if !set_path(&mut merged, path_key, value.clone()) {
                        diags.push(p.spans.at_key(
                            Diagnostic::error(
                                "batch::bad-override",
                                format!("`{path_key}` does not name a field that can be set"),
                            ),
                            &ptr,
                        ));
                    }
                }
            }
            Some(_) => diags.push(
                p.spans.at_value(
                    Diagnostic::error(
                        "batch::partner",
                        "`overrides` must be a table of dotted paths",
                    )
                    .help("e.g. [partners.overrides] \"agreement.forum\" = \"…\""),
                    &format!("{}/overrides", p.root),
                ),
            ),
        }
        diags.extend(self.stale_names(p, partner, &merged));
        set_path(
            &mut merged,
            "agreement.reference",
            Value::String(reference.to_owned()),
        );
        (merged, diags)
    }
}

/// Whether a partner could override `path` (dotted, e.g. `agreement.forum`): it names a field
/// of the config schema, and not one the programme itself sets for each partner.
fn overridable_path(path: &str) -> Result<(), String> {
    let first = path.split('.').next().unwrap_or("");
    match first {
        "parties" => {
            return Err("a partner's own party fields (names, address, contacts, due diligence…) are set directly in the partner, not through overrides; the other parties stay the programme's".into());
        }
        "programme" => return Err("[programme] describes the batch itself".into()),
        _ => {}
    }
    if path == "agreement.reference" {
        return Err("each agreement's reference is the programme's reference_prefix and the partner id; change reference_prefix instead".into());
    }
    let schema = crate::load::config_schema();
    let defs = schema.get("$defs");
    // Follow `$ref` (also inside anyOf/allOf, as optional fields are written).
    let resolve = |mut node: &'static Value| -> &'static Value {
        for _ in 0..8 {
            if let Some(r) = node.get("$ref").and_then(Value::as_str) {
                match r.strip_prefix("#/$defs/").and_then(|n| defs?.get(n)) {
                    Some(n) => node = n,
                    None => break,
                }
            } else if let Some(n) = ["anyOf", "allOf", "oneOf"].iter().find_map(|k| {
                node.get(*k)?
                    .as_array()?
                    .iter()
                    .find(|v| v.get("$ref").is_some() || v.get("properties").is_some())
            }) {
                node = n;
            } else {
                break;
            }
        }
        node
    };
    let mut node = resolve(schema);
    for (depth, seg) in path.split('.').enumerate() {
        let props = node.get("properties").and_then(Value::as_object);
        match props.and_then(|p| p.get(seg)) {
            Some(next) => node = resolve(next),
            None => {
                let known: Vec<&str> = props
                    .map(|p| p.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let at = path.split('.').take(depth).collect::<Vec<_>>().join(".");
                return Err(
                    match crate::diag::did_you_mean(seg, known.iter().copied()) {
                        Some(s) if depth == 0 => format!("did you mean `{s}`?"),
                        Some(s) => format!("did you mean `{at}.{s}`?"),
                        None if known.is_empty() => {
                            format!("`{at}` has no fields of its own: override `{at}` as a whole")
                        }
                        None if depth == 0 => format!(
                            "no config table is called `{seg}`; tables: {}",
                            known.join(", ")
                        ),
                        None => format!(
                            "`{at}` has no field `{seg}`; its fields: {}",
                            known.join(", ")
                        ),
                    },
                );
            }
        }
    }
    Ok(())
}

/// Whether `text` uses the name `name` as a name: whole words, the first letter in either
/// case ("the Operator" at the start of a sentence is "The Operator").
fn mentions(text: &str, name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    let rest = chars.as_str();
    if rest.is_empty() {
        return false;
    }
    text.match_indices(rest).any(|(at, _)| {
        let Some(c) = text[..at].chars().next_back() else {
            return false;
        };
        let start = at - c.len_utf8();
        let end = at + rest.len();
        let same_first = c == first || c.to_lowercase().eq(first.to_lowercase());
        let open_before = text[..start]
            .chars()
            .next_back()
            .is_none_or(|b| !b.is_alphanumeric());
        let open_after = text[end..]
            .chars()
            .next()
            .is_none_or(|a| !a.is_alphanumeric());
        same_first && open_before && open_after
    })
}

fn allowed(programme: &Programme, path_key: &str) -> bool {
    programme.overridable.iter().any(|a| {
        path_key == a
            || path_key
                .strip_prefix(a.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

fn escape_pointer(seg: &str) -> String {
    seg.replace('~', "~0").replace('/', "~1")
}

/// Spans for a merged partner: the programme's, with the partner's party fields and overrides
/// pointing into the partner's own file (or CSV row).
fn partner_spans(base: &Base, p: &PartnerInput, merged: &Value) -> Spans {
    let mut spans = base.spans.clone();
    spans.graft(&p.spans, &p.root, &base.party_ptr);
    if let Ok(Value::Object(partner)) = &p.value
        && let Some(Value::Object(ov)) = partner.get("overrides")
    {
        for path_key in ov.keys() {
            let target = format!(
                "/{}",
                path_key
                    .split('.')
                    .map(escape_pointer)
                    .collect::<Vec<_>>()
                    .join("/")
            );
            if merged.pointer(&target).is_some() {
                spans.remove_under(&target);
                spans.graft(
                    &p.spans,
                    &format!("{}/overrides/{}", p.root, escape_pointer(path_key)),
                    &target,
                );
            }
        }
    }
    spans
}

/// Set a dotted path (`agreement.forum`) in a JSON object, creating tables on the way.
fn set_path(root: &mut Value, dotted: &str, value: Value) -> bool {
    let mut cur = root;
    let segs: Vec<&str> = dotted.split('.').collect();
    if segs.iter().any(|s| s.is_empty()) {
        return false;
    }
    for (i, seg) in segs.iter().enumerate() {
        let Value::Object(m) = cur else { return false };
        if i == segs.len() - 1 {
            m.insert((*seg).to_owned(), value);
            return true;
        }
        cur = m
            .entry((*seg).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    false
}

/// CSV columns holding lists, written with `;` between items.
const CSV_LIST_COLUMNS: &[&str] = &[
    "certifications",
    "due_diligence.scope",
    "due_diligence.conditions",
    "due_diligence.evidence",
];

/// Partners from a CSV file. Columns are party fields; nested fields use dots
/// (`contact.name`, `contact.email`, `signatory.name`, `signatory.title`); list fields
/// (`certifications`, `due_diligence.scope`, `.conditions`, `.evidence`) are separated by `;`;
/// `override:<path>` columns set overrides (as text). Empty cells are left out.
fn read_csv_partners(path: &Path) -> Result<Vec<PartnerInput>, Box<Diagnostic>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Diagnostic::error("io::read", format!("cannot read {}: {e}", path.display()))
    })?;
    let source = SourceFile::new(path, &text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| Diagnostic::error("batch::csv", format!("{}: {e}", path.display())))?
        .clone();
    // A column named twice: the later value would silently replace the earlier.
    for (j, h) in headers.iter().enumerate() {
        if let Some(first) = headers.iter().take(j).position(|o| o == h) {
            let header_end = text.find('\n').unwrap_or(text.len());
            let header = &text[..header_end];
            // The repeated cell when the header is plain (no quotes); else the whole line.
            let span = if header.contains('"') {
                0..header_end
            } else {
                let start: usize = header.split(',').take(j).map(|c| c.len() + 1).sum();
                let len = header.split(',').nth(j).map_or(0, |c| c.trim_end().len());
                start..start + len
            };
            return Err(Box::new(
                Diagnostic::error(
                    "batch::csv",
                    format!(
                        "column `{h}` appears twice in the header of {} (columns {} and {})",
                        path.display(),
                        first + 1,
                        j + 1
                    ),
                )
                .help(format!(
                    "keep one `{h}` column; each column is one field of the partner"
                ))
                .at(&source, Some(span)),
            ));
        }
    }
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| {
            Diagnostic::error("batch::csv", format!("{}: {e}", path.display()))
                .help("check quoting and that every row has as many columns as the header")
        })?;
        // The reader's position is where it began reading, before any blank lines it skipped.
        let mut start = rec.position().map_or(0, |p| p.byte() as usize);
        while matches!(text.as_bytes().get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        let line = text[..start].matches('\n').count() + 1;
        let line_end = text[start..].find('\n').map_or(text.len(), |n| start + n);
        let span: Range<usize> = start..line_end;
        let mut m = Map::new();
        let mut overrides = Map::new();
        let mut signatory = Map::new();
        for (h, v) in headers.iter().zip(rec.iter()) {
            if v.is_empty() {
                continue;
            }
            let val = Value::String(v.to_owned());
            if let Some(path_key) = h.strip_prefix("override:") {
                overrides.insert(path_key.to_owned(), val);
            } else if let Some(k) = h.strip_prefix("signatory.") {
                signatory.insert(k.to_owned(), val);
            } else if CSV_LIST_COLUMNS.contains(&h) {
                let list = Value::Array(
                    v.split(';')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::String(s.to_owned()))
                        .collect(),
                );
                insert_dotted(&mut m, h, list);
            } else if h == "privileges_and_immunities" {
                m.insert(h.to_owned(), Value::Bool(matches!(v, "true" | "yes" | "1")));
            } else {
                insert_dotted(&mut m, h, val);
            }
        }
        if !signatory.is_empty() {
            m.insert(
                "signatories".into(),
                Value::Array(vec![Value::Object(signatory)]),
            );
        }
        if !overrides.is_empty() {
            m.insert("overrides".into(), Value::Object(overrides));
        }
        let value = Value::Object(m);
        let mut spans = Spans::default();
        spans.graft_flat(&source, span, "", &value);
        out.push(PartnerInput {
            value: Ok(value),
            spans: Arc::new(spans),
            root: String::new(),
            origin: format!("{}:{line}", path.display()),
            default_id: None,
        });
    }
    Ok(out)
}

fn insert_dotted(m: &mut Map<String, Value>, key: &str, val: Value) {
    match key.split_once('.') {
        Some((table, k)) => {
            if let Value::Object(t) = m
                .entry(table.to_owned())
                .or_insert_with(|| Value::Object(Map::new()))
            {
                t.insert(k.to_owned(), val);
            }
        }
        None => {
            m.insert(key.to_owned(), val);
        }
    }
}

/// Pick shard `k` of `n` (1-based): every `n`th job in order of name, so that the shards are
/// disjoint, their union is the whole batch, and their sizes differ by at most one.
pub fn shard<T: Sharded>(mut jobs: Vec<T>, k: usize, n: usize) -> Vec<T> {
    jobs.sort_by(|a, b| a.key().cmp(&b.key()));
    jobs.into_iter()
        .enumerate()
        .filter(|(i, _)| i % n == k - 1)
        .map(|(_, j)| j)
        .collect()
}

/// What [`shard`] orders by.
pub trait Sharded {
    fn key(&self) -> (&str, &str);
}

impl Sharded for Job {
    fn key(&self) -> (&str, &str) {
        (&self.name, &self.origin)
    }
}

impl Sharded for Planned {
    fn key(&self) -> (&str, &str) {
        (&self.name, &self.origin)
    }
}

/// Output names claimed by more than one job, compared case-insensitively (as on macOS and
/// Windows file systems): lower-cased reference → indexes of the jobs claiming it.
pub fn collisions(refs: &[(usize, String)]) -> BTreeMap<String, Vec<usize>> {
    let mut by: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in refs {
        if !r.is_empty() {
            by.entry(r.to_lowercase()).or_default().push(*i);
        }
    }
    by.retain(|_, v| v.len() > 1);
    by
}

impl Diagnostic {
    /// Add where a partner came from to a diagnostic's help.
    pub fn field_prefix_note(mut self, origin: &str) -> Self {
        let note = format!("partner from {origin}");
        self.help = Some(match self.help {
            Some(h) => format!("{h} ({note})"),
            None => note,
        });
        self
    }
}

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
