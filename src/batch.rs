//! Batch production: one agreement per partner of a programme, or per config.
//!
//! In: programme configs (a normal config plus a `[programme]` table and partners from
//! `[[partners]]`, a folder of partner files, or a CSV file) and/or ordinary configs. Out: a
//! list of [`Job`]s, each a checked model ready to render, or the reason it cannot be built.
//!
//! A programme is a config whose party `programme.partner_party` is a stand-in: each partner
//! replaces it with its own party details, and may override only the fields the programme
//! lists in `programme.overridable`.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::diag::{Diagnostic, SourceFile};
use crate::load::{Spans, load_json, parse_tree};
use crate::model::Model;

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
    /// The merged config as canonical JSON text: part of the inputs hash.
    pub canonical: String,
    pub model: Result<Model, Vec<Diagnostic>>,
}

/// Read inputs into jobs. An input that cannot be read at all yields a failed job.
pub fn jobs(inputs: &[PathBuf]) -> Vec<Job> {
    let mut out = Vec::new();
    for path in inputs {
        let text = match std::fs::read(path).map(String::from_utf8) {
            Ok(Ok(t)) => t,
            Ok(Err(_)) => {
                out.push(failed(path, "the file is not valid UTF-8"));
                continue;
            }
            Err(e) => {
                out.push(failed(path, &format!("cannot read {}: {e}", path.display())));
                continue;
            }
        };
        let source = SourceFile::new(path, &text);
        let (raw, spans) = match parse_tree(&source) {
            Ok(x) => x,
            Err(d) => {
                out.push(Job { name: stem(path), origin: path.display().to_string(), file: path.clone(), canonical: String::new(), model: Err(d) });
                continue;
            }
        };
        if raw.get("programme").is_some() {
            out.extend(programme_jobs(path, &source, raw, spans));
        } else {
            let canonical = canonical(&raw);
            let model = load_json(source, raw, spans).and_then(crate::model::build);
            out.push(Job { name: stem(path), origin: path.display().to_string(), file: path.clone(), canonical, model });
        }
    }
    out
}

fn stem(path: &Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "config".into())
}

fn failed(path: &Path, msg: &str) -> Job {
    Job {
        name: stem(path),
        origin: path.display().to_string(),
        file: path.to_path_buf(),
        canonical: String::new(),
        model: Err(vec![Diagnostic::error("batch::input", msg.to_owned())]),
    }
}

fn canonical(v: &Value) -> String {
    // serde_json's map is ordered by key, so this text is stable.
    serde_json::to_string(v).unwrap_or_default()
}

/// A partner before merging: its JSON, where its spans come from, and a name for messages.
struct PartnerInput {
    value: Value,
    spans: Spans,
    /// Pointer of the partner table inside `spans` (`/partners/2` or ``).
    root: String,
    origin: String,
}

fn programme_jobs(path: &Path, source: &SourceFile, mut raw: Value, spans: Spans) -> Vec<Job> {
    let fail_all = |d: Diagnostic| vec![Job { name: stem(path), origin: path.display().to_string(), file: path.to_path_buf(), canonical: String::new(), model: Err(vec![d]) }];
    let programme: Programme = match serde_json::from_value(raw.get("programme").cloned().unwrap_or(Value::Null)) {
        Ok(p) => p,
        Err(e) => {
            return fail_all(spans.at_value(
                Diagnostic::error("batch::programme", format!("[programme] is not valid: {e}"))
                    .help("[programme] needs partner_party and reference_prefix; optional: overridable, partners_dir, partners_csv"),
                "/programme",
            ));
        }
    };
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let mut partners = Vec::new();
    if let Some(list) = raw.get("partners").and_then(Value::as_array) {
        for (i, p) in list.iter().enumerate() {
            partners.push(PartnerInput { value: p.clone(), spans: spans.clone(), root: format!("/partners/{i}"), origin: format!("{} [[partners]] #{}", path.display(), i + 1) });
        }
    }
    if let Some(dir) = &programme.partners_dir {
        let dir = base_dir.join(dir);
        match std::fs::read_dir(&dir) {
            Ok(entries) => {
                let mut files: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "toml")).collect();
                files.sort();
                for f in files {
                    match std::fs::read_to_string(&f) {
                        Ok(text) => {
                            let src = SourceFile::new(&f, &text);
                            match parse_tree(&src) {
                                Ok((value, pspans)) => partners.push(PartnerInput { value, spans: pspans, root: String::new(), origin: f.display().to_string() }),
                                Err(d) => return_partner_error(&mut partners, &f, d),
                            }
                        }
                        Err(e) => return fail_all(Diagnostic::error("io::read", format!("cannot read {}: {e}", f.display()))),
                    }
                }
            }
            Err(e) => {
                return fail_all(spans.at_value(Diagnostic::error("io::read", format!("cannot read the partners folder {}: {e}", dir.display())), "/programme/partners_dir"));
            }
        }
    }
    if let Some(csv_path) = &programme.partners_csv {
        let csv_path = base_dir.join(csv_path);
        match read_csv_partners(&csv_path) {
            Ok(list) => partners.extend(list),
            Err(d) => return fail_all(d),
        }
    }

    // The base config: everything but [programme] and [[partners]].
    if let Value::Object(m) = &mut raw {
        m.remove("programme");
        m.remove("partners");
    }
    let mut base_spans = spans.clone();
    base_spans.remove_under("/programme");
    base_spans.remove_under("/partners");
    let party_index = raw
        .get("parties")
        .and_then(Value::as_array)
        .and_then(|ps| ps.iter().position(|p| p.get("id").and_then(Value::as_str) == Some(programme.partner_party.as_str())));
    let Some(party_index) = party_index else {
        return fail_all(spans.at_value(
            Diagnostic::error("batch::no-partner-party", format!("no party has the id `{}` named by programme.partner_party", programme.partner_party))
                .help("add a [[parties]] entry that stands for the partner, and name its id in partner_party"),
            "/programme/partner_party",
        ));
    };

    partners.into_iter().map(|p| merge_partner(path, source, &programme, &raw, &base_spans, party_index, p)).collect()
}

fn return_partner_error(partners: &mut Vec<PartnerInput>, f: &Path, d: Vec<Diagnostic>) {
    // Keep the failure as a partner that will not load; its diagnostics travel in `value`.
    partners.push(PartnerInput {
        value: Value::String(crate::diag::render(&d, crate::diag::DiagnosticFormat::Short)),
        spans: Spans::default(),
        root: String::new(),
        origin: f.display().to_string(),
    });
}

fn merge_partner(path: &Path, source: &SourceFile, programme: &Programme, base: &Value, base_spans: &Spans, party_index: usize, p: PartnerInput) -> Job {
    let job = |name: String, canonical: String, model| Job { name, origin: p.origin.clone(), file: path.to_path_buf(), canonical, model };
    let Value::Object(partner) = &p.value else {
        let msg = p.value.as_str().unwrap_or("a partner must be a table").to_owned();
        return job(p.origin.clone(), String::new(), Err(vec![Diagnostic::error("batch::partner", msg)]));
    };
    let mut diags = Vec::new();
    let id = partner.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
    if !crate::model::is_valid_reference(&id) || id.is_empty() {
        diags.push(p.spans.at_value(
            Diagnostic::error("batch::partner-id", format!("partner id `{id}` cannot be used in a file name"))
                .help("give each partner an `id` of letters, digits, '-' and '_' (e.g. \"ke-telco\")"),
            &format!("{}/id", p.root),
        ));
    }
    let mut merged = base.clone();
    let mut spans = base_spans.clone();
    let party_ptr = format!("/parties/{party_index}");
    // The partner's party details replace the stand-in's; the stand-in keeps its id and role.
    let mut party = merged.pointer(&party_ptr).cloned().unwrap_or(Value::Object(Map::new()));
    if let Value::Object(pm) = &mut party {
        for f in PARTY_FIELDS {
            pm.remove(*f);
        }
        spans.remove_under(&party_ptr);
    }
    for (k, v) in partner {
        let ptr = format!("{}/{k}", p.root);
        match k.as_str() {
            "id" | "overrides" => {}
            k if PARTY_FIELDS.contains(&k) => {
                if let Value::Object(pm) = &mut party {
                    pm.insert(k.to_owned(), v.clone());
                }
            }
            other => {
                let mut d = Diagnostic::error("batch::unknown-partner-key", format!("unknown key `{other}` in a partner"))
                    .help(format!("a partner has `id`, party fields ({}) and an `overrides` table", PARTY_FIELDS.join(", ")));
                if let Some(s) = crate::diag::did_you_mean(other, PARTY_FIELDS.iter().copied()) {
                    d = d.help(format!("did you mean `{s}`?"));
                }
                diags.push(p.spans.at_key(d, &ptr));
            }
        }
    }
    if let Some(slot) = merged.pointer_mut(&party_ptr) {
        *slot = party;
    }
    spans.graft(&p.spans, &p.root, &party_ptr);
    // The partner's own keys under /parties/i now include `overrides` and `id`: harmless, unused.

    // Overrides.
    if let Some(Value::Object(ov)) = partner.get("overrides") {
        for (path_key, value) in ov {
            let ptr = format!("{}/overrides/{}", p.root, path_key.replace('~', "~0").replace('/', "~1"));
            let allowed = programme.overridable.iter().any(|a| path_key == a || path_key.starts_with(&format!("{a}.")));
            if !allowed {
                diags.push(p.spans.at_key(
                    Diagnostic::error("batch::override-not-allowed", format!("the programme does not let partners override `{path_key}`"))
                        .help(if programme.overridable.is_empty() {
                            "the programme allows no overrides; add the path to programme.overridable if partners may vary it".to_owned()
                        } else {
                            format!("overridable fields: {}", programme.overridable.join(", "))
                        }),
                    &ptr,
                ));
                continue;
            }
            let target = format!("/{}", path_key.replace('.', "/"));
            if set_path(&mut merged, path_key, value.clone()) {
                spans.remove_under(&target);
                spans.graft(&p.spans, &ptr, &target);
            } else {
                diags.push(p.spans.at_key(Diagnostic::error("batch::bad-override", format!("`{path_key}` does not name a field that can be set")), &ptr));
            }
        }
    }
    let reference = format!("{}-{}", programme.reference_prefix, id.to_uppercase());
    set_path(&mut merged, "agreement.reference", Value::String(reference));
    if !diags.is_empty() {
        return job(if id.is_empty() { p.origin.clone() } else { id }, String::new(), Err(diags));
    }
    let canonical = canonical(&merged);
    let model = load_json(source.clone(), merged, spans).and_then(crate::model::build).map_err(|ds| {
        ds.into_iter().map(|d| d.field_prefix_note(&p.origin)).collect()
    });
    job(id, canonical, model)
}

/// Set a dotted path (`agreement.forum`) in a JSON object, creating tables on the way.
fn set_path(root: &mut Value, dotted: &str, value: Value) -> bool {
    let mut cur = root;
    let segs: Vec<&str> = dotted.split('.').collect();
    for (i, seg) in segs.iter().enumerate() {
        let Value::Object(m) = cur else { return false };
        if i == segs.len() - 1 {
            m.insert((*seg).to_owned(), value);
            return true;
        }
        cur = m.entry((*seg).to_owned()).or_insert_with(|| Value::Object(Map::new()));
    }
    false
}

/// Partners from a CSV file. Columns are party fields; nested fields use dots
/// (`contact.name`, `contact.email`, `signatory.name`, `signatory.title`); list fields
/// (`certifications`) are separated by `;`; `override:<path>` columns set overrides.
fn read_csv_partners(path: &Path) -> Result<Vec<PartnerInput>, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| Diagnostic::error("io::read", format!("cannot read {}: {e}", path.display())))?;
    let source = SourceFile::new(path, &text);
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| Diagnostic::error("batch::csv", format!("{}: {e}", path.display())))?.clone();
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| Diagnostic::error("batch::csv", format!("{}: {e}", path.display())).help("check quoting and that every row has as many columns as the header"))?;
        let start = rec.position().map_or(0, |p| p.byte() as usize);
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
            } else if h == "certifications" {
                m.insert(h.to_owned(), Value::Array(v.split(';').map(|s| Value::String(s.trim().to_owned())).collect()));
            } else if h == "privileges_and_immunities" {
                m.insert(h.to_owned(), Value::Bool(matches!(v, "true" | "yes" | "1")));
            } else if let Some((table, k)) = h.split_once('.') {
                let t = m.entry(table.to_owned()).or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(t) = t {
                    t.insert(k.to_owned(), val);
                }
            } else {
                m.insert(h.to_owned(), val);
            }
        }
        if !signatory.is_empty() {
            m.insert("signatories".into(), Value::Array(vec![Value::Object(signatory)]));
        }
        if !overrides.is_empty() {
            m.insert("overrides".into(), Value::Object(overrides));
        }
        let value = Value::Object(m);
        let mut spans = Spans::default();
        spans.graft_flat(&source, span, "", &value);
        out.push(PartnerInput { value, spans, root: String::new(), origin: format!("{}:{}", path.display(), i + 2) });
    }
    Ok(out)
}

/// Pick the jobs of shard `k` of `n` (1-based), by name, so a CI matrix can split a batch.
pub fn shard(mut jobs: Vec<Job>, k: usize, n: usize) -> Vec<Job> {
    jobs.sort_by(|a, b| a.name.cmp(&b.name).then(a.origin.cmp(&b.origin)));
    jobs.into_iter().enumerate().filter(|(i, _)| i % n == k - 1).map(|(_, j)| j).collect()
}

/// Names of output files claimed by more than one job.
pub fn collisions(refs: &[(usize, String)]) -> BTreeMap<String, Vec<usize>> {
    let mut by: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in refs {
        by.entry(r.to_lowercase()).or_default().push(*i);
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
    /// sha256 over the merged config, the library hash, the formats, the typst version and
    /// datapact's version.
    pub inputs_hash: String,
    pub outputs: Vec<OutputFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutputFile {
    pub file: String,
    pub sha256: String,
}

impl Manifest {
    pub fn read(dir: &Path) -> Manifest {
        std::fs::read_to_string(dir.join("manifest.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// Whether an entry with this inputs hash exists and all its outputs are intact.
    pub fn up_to_date(&self, dir: &Path, reference: &str, inputs_hash: &str) -> bool {
        self.agreements.iter().any(|e| {
            e.reference == reference
                && e.inputs_hash == inputs_hash
                && e.outputs.iter().all(|o| {
                    std::fs::read(dir.join(&o.file)).is_ok_and(|b| crate::library::sha256_hex(&b) == o.sha256)
                })
        })
    }

    pub fn entry(&self, reference: &str) -> Option<&ManifestEntry> {
        self.agreements.iter().find(|e| e.reference == reference)
    }
}
