//! Programmes: one config whose stand-in party each partner replaces.
//!
//! In: a programme file (a config plus `[programme]` and partners). Out: one [`Planned`]
//! agreement per partner, the partner's party fields and allowed overrides merged into the
//! shared config; or diagnostics naming the partner and the field.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::partners::{PartnerInput, read_csv_partners, read_partner_file};
use super::{Planned, Reader, State, Whole, digest, failed, library_of};
use crate::diag::{Diagnostic, SourceFile};
use crate::load::{Spans, load_json};
use crate::model::is_valid_reference;

/// What every partner of a programme shares.
struct Base {
    source: SourceFile,
    /// Spans of the programme without `[programme]`, `[[partners]]` and the stand-in party.
    spans: Spans,
    party_ptr: String,
}

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

/// `[programme]`, checked: a reference prefix that can start a file name, and only fields a
/// partner can override.
fn read_programme(raw: &Value, spans: &Spans) -> Result<Programme, Diagnostic> {
    let programme: Programme =
        serde_json::from_value(raw.get("programme").cloned().unwrap_or(Value::Null)).map_err(
            |e| {
                spans.at_value(
                    Diagnostic::error("batch::programme", format!("[programme] is not valid: {e}"))
                        .help("[programme] needs partner_party and reference_prefix; optional: overridable, partners_dir, partners_csv"),
                    "/programme",
                )
            },
        )?;
    if !is_valid_reference(&programme.reference_prefix) || programme.reference_prefix.len() > 60 {
        return Err(spans.at_value(
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
            return Err(spans.at_value(
                Diagnostic::error(
                    "batch::bad-overridable",
                    format!(
                        "`{entry}` in programme.overridable is not a field a partner can override"
                    ),
                )
                .help(help),
                &format!("/programme/overridable/{i}"),
            ));
        }
    }
    Ok(programme)
}

/// Every partner, as written: `[[partners]]`, then the partner files, then the CSV rows.
fn collect_partners(
    reader: &Reader,
    path: &Path,
    programme: &Programme,
    raw: &Value,
    shared_spans: &Arc<Spans>,
) -> Result<Vec<PartnerInput>, Diagnostic> {
    let base_dir = path.parent().unwrap_or(Path::new("."));
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
        match reader.files_in(&dir) {
            Ok(files) => {
                // Partner files: `*.toml` in any case (`.TOML` too), not hidden files such as
                // an editor's `.#partner.toml` lock.
                let files: Vec<PathBuf> = files
                    .into_iter()
                    .filter(|p| {
                        p.extension()
                            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
                            && p.file_name()
                                .and_then(|n| n.to_str())
                                .is_some_and(|n| !n.starts_with('.'))
                    })
                    .collect();
                let read: Vec<PartnerInput> = files
                    .par_iter()
                    .map(|f| read_partner_file(reader, f))
                    .collect();
                partners.extend(read);
            }
            Err(e) => {
                return Err(shared_spans
                    .at_value(Diagnostic::error("io::read", e), "/programme/partners_dir"));
            }
        }
    }
    if let Some(csv_path) = &programme.partners_csv {
        match read_csv_partners(reader, &base_dir.join(csv_path)) {
            Ok(list) => partners.extend(list),
            // Errors located in the CSV file keep that place; the others point at the setting.
            Err(d) if d.location.is_some() => return Err(*d),
            Err(d) => return Err(shared_spans.at_value(*d, "/programme/partners_csv")),
        }
    }
    Ok(partners)
}

pub(super) fn plan(
    reader: &Reader,
    path: &Path,
    source: SourceFile,
    source_hash: Arc<str>,
    mut raw: Value,
    spans: Spans,
) -> Vec<Planned> {
    let fail_all = |d: Diagnostic| vec![failed(path, "", d)];
    let programme = match read_programme(&raw, &spans) {
        Ok(p) => p,
        Err(d) => return fail_all(d),
    };
    let shared_spans = Arc::new(spans);
    let partners = match collect_partners(reader, path, &programme, &raw, &shared_spans) {
        Ok(p) => p,
        Err(d) => return fail_all(d),
    };
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
    // The whole programme with its stand-in as written: checked once, before documents are
    // split off it (see `Merger::whole_check`).
    let mut full_spans = (*shared_spans).clone();
    full_spans.remove_under("/programme");
    full_spans.remove_under("/partners");
    let full = Whole {
        raw: raw.clone(),
        spans: full_spans,
    };
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
    // A processor that serves the programme's own party only: its processing terms are one
    // document for the whole programme, made from the programme with the stand-in in place.
    let mut with_stand_in = raw.clone();
    if let Some(slot) = with_stand_in.pointer_mut(&party_ptr) {
        let mut s = stand_in.clone();
        if let Value::Object(m) = &mut s {
            m.insert(
                "legal_name".into(),
                Value::String("each partner of the programme".into()),
            );
        }
        *slot = s;
    }
    let parts: Vec<Planned> = super::split::split(&with_stand_in, &base_spans)
        .map(|(_, _, parts)| parts)
        .unwrap_or_default()
        .into_iter()
        .map(|part| super::planned_part(path, &source, &source_hash, part, None))
        .collect();
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
        full,
        full_checked: std::sync::OnceLock::new(),
    });
    let mut planned: Vec<Planned> = partners
        .into_par_iter()
        .map(|p| Merger::plan(&merger, p))
        .collect();
    planned.extend(parts);
    planned
}

/// What merging a programme's partners needs, shared by all of them.
pub(super) struct Merger {
    path: PathBuf,
    programme: Programme,
    base: Arc<Base>,
    /// The programme without [programme] and [[partners]], the stand-in party set to null.
    raw: Value,
    stand_in: Value,
    /// The stand-in's `short_name` and `legal_name`, as the programme wrote them.
    stand_in_names: Vec<(&'static str, String)>,
    source_hash: Arc<str>,
    /// The programme with its stand-in as written, and its spans.
    full: Whole,
    /// Whether `full` passes the model's checks, found once for all partners.
    full_checked: std::sync::OnceLock<Result<(), Vec<Diagnostic>>>,
}

impl Merger {
    /// Check partner `p`'s merged config into a model; every message says where the partner
    /// came from.
    pub(super) fn model(
        &self,
        p: &PartnerInput,
        reference: &str,
    ) -> Result<crate::model::Model, Vec<Diagnostic>> {
        let (merged, _) = self.merged(p, reference);
        let spans = partner_spans(&self.base, p, &merged);
        // Without the processors whose terms are a document of the programme's own (see
        // `split`), once the whole merged config is found free of errors.
        let (merged, spans) = match super::split::split(&merged, &spans) {
            Some((sharing, sharing_spans, _)) => {
                // A partner's own fields stay in its agreement; only its overrides can reach
                // what is split off, so only a partner with overrides needs its whole config
                // checked. The programme's own text is checked once for all.
                let overrides =
                    matches!(&p.value, Ok(Value::Object(m)) if m.contains_key("overrides"));
                if overrides {
                    Whole { raw: merged, spans }
                        .check(&self.base.source)
                        .map_err(|ds| {
                            ds.into_iter()
                                .map(|d| d.field_prefix_note(&p.origin))
                                .collect::<Vec<_>>()
                        })?;
                } else {
                    self.full_checked
                        .get_or_init(|| self.full.check(&self.base.source))
                        .clone()?;
                }
                (sharing, sharing_spans)
            }
            None => (merged, spans),
        };
        load_json(self.base.source.clone(), merged, spans)
            .and_then(crate::model::build)
            .map_err(|ds| {
                ds.into_iter()
                    .map(|d| d.field_prefix_note(&p.origin))
                    .collect()
            })
    }

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
            partner: true,
            part: false,
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
