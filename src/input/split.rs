//! Processing terms apart: a processor that serves one party only has no contract with the
//! other parties, so its terms are a document of their own between it and the party it serves.
//!
//! In: a config as JSON, with its spans. Out: when some processor serves one party of three or
//! more, the sharing agreement without it (the party it serves lists it, with its
//! sub-processors, as one of its own processors) and, per such processor, the config of its
//! processing terms: the party it serves and the processor, the flows between them, the
//! datasets and purposes of those flows, the processor's storage, measures, sub-processors and
//! transfers. Both are ordinary configs, checked and rendered as any other; every value keeps
//! the span of the line it came from.
//!
//! A processor is split off only when nothing ties it to a third party: every flow it takes part
//! in is with the one party it serves, and no other field names it except those moved with it.
//! `[parties.processing_terms] separate = false` keeps it a party to the sharing agreement.

use serde_json::{Value, json};

use crate::load::Spans;

/// One document of a split config.
pub(super) struct Part {
    /// `processing-<processor id>`; names the document after the config file's name.
    pub name: String,
    pub reference: String,
    pub raw: Value,
    pub spans: Spans,
}

/// Fields that may name a processor that is split off, besides those moved with it.
const MOVED_WITH: &[&str] = &[
    "/flows",
    "/storage",
    "/security/measures",
    "/subprocessors",
    "/transfers",
    "/retention",
];

/// The sharing agreement without the processors that serve one party only, and their
/// processing terms; `None` when no processor is split off.
pub(super) fn split(raw: &Value, spans: &Spans) -> Option<(Value, Spans, Vec<Part>)> {
    if raw.pointer("/agreement/kind").and_then(Value::as_str) == Some("protocol") {
        return super::bilateral::split(raw, spans);
    }
    let apart = apart(raw);
    if apart.is_empty() {
        return None;
    }
    let mut sharing = (raw.clone(), spans.clone());
    let mut parts = Vec::new();
    for (p, c) in &apart {
        parts.push(processing_terms(raw, spans, p, c));
        sharing = without(&sharing.0, &sharing.1, p, c);
    }
    Some((sharing.0, sharing.1, parts))
}

/// The processors to split off, each with the one party it serves.
pub(super) fn apart(raw: &Value) -> Vec<(String, String)> {
    let parties = arr(raw, "/parties");
    let ids: Vec<&str> = parties.iter().filter_map(|p| s(p, "id")).collect();
    if ids.len() < 3 {
        return Vec::new();
    }
    let flows = arr(raw, "/flows");
    let mut out = Vec::new();
    for p in parties {
        let (Some(id), Some("processor")) = (s(p, "id"), s(p, "role")) else {
            continue;
        };
        if p.pointer("/processing_terms/separate") == Some(&Value::Bool(false)) {
            continue;
        }
        let mut served: Vec<&str> = Vec::new();
        for f in flows
            .iter()
            .filter(|f| s(f, "from") == Some(id) || s(f, "to") == Some(id))
        {
            let other = if s(f, "to") == Some(id) {
                s(f, "from")
            } else {
                s(f, "to")
            };
            let controller = s(f, "on_behalf_of").or(other);
            served.extend(other);
            served.extend(controller);
        }
        served.sort_unstable();
        served.dedup();
        let [c] = served[..] else { continue };
        if !ids.contains(&c) || c == id || named_elsewhere(raw, id) {
            continue;
        }
        out.push((id.to_owned(), c.to_owned()));
    }
    // The sharing agreement needs two parties: a party with its processors only is one
    // document of processing terms, as written.
    if ids.len() - out.len() < 2 {
        out.clear();
    }
    out
}

/// Whether a field other than those moved with a processor names party `id`.
fn named_elsewhere(raw: &Value, id: &str) -> bool {
    fn walk(v: &Value, ptr: &str, id: &str) -> bool {
        if MOVED_WITH.contains(&ptr) || ptr.starts_with("/parties") {
            return false;
        }
        match v {
            Value::String(x) => x == id,
            Value::Array(a) => a
                .iter()
                .enumerate()
                .any(|(i, v)| walk(v, &format!("{ptr}/{i}"), id)),
            Value::Object(m) => m
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "reference" | "description" | "title"))
                .any(|(k, v)| walk(v, &format!("{ptr}/{k}"), id)),
            _ => false,
        }
    }
    walk(raw, "", id)
}

/// The sharing agreement without processor `p`, which `c` now lists as its own processor.
fn without(raw: &Value, spans: &Spans, p: &str, c: &str) -> (Value, Spans) {
    let mut out = Doc::new(raw, spans);
    let party = find(raw, "/parties", "id", p)
        .cloned()
        .unwrap_or(Value::Null);
    let p_name = s(&party, "legal_name").unwrap_or(p).to_owned();
    let subs: Vec<Value> = arr(raw, "/subprocessors")
        .iter()
        .filter(|x| s(x, "processor") == Some(p))
        .cloned()
        .collect();
    let sub_ids: Vec<&str> = subs.iter().filter_map(|x| s(x, "id")).collect();
    // The party it serves lists it, and its sub-processors.
    let mut listed = vec![json!({
        "name": p_name,
        "country": s(&party, "country").unwrap_or_default(),
        "service": party.pointer("/processing_terms/service").and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("processing on the instructions of {}", name_of(raw, c))),
        "terms": terms_reference(raw, &party),
    })];
    for x in &subs {
        listed.push(json!({
            "name": s(x, "name").unwrap_or_default(),
            "country": s(x, "country").unwrap_or_default(),
            "service": s(x, "service").unwrap_or_default(),
            "engaged_by": p_name,
        }));
    }
    out.keep("/parties", |v| s(v, "id") != Some(p));
    if let Some(cp) = out
        .raw
        .pointer_mut("/parties")
        .and_then(Value::as_array_mut)
        .and_then(|a| a.iter_mut().find(|v| s(v, "id") == Some(c)))
        .and_then(Value::as_object_mut)
    {
        let list = cp
            .entry("processors")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(a) = list {
            a.extend(listed);
        }
    }
    out.keep("/flows", |f| {
        s(f, "from") != Some(p) && s(f, "to") != Some(p)
    });
    out.keep("/subprocessors", |x| s(x, "processor") != Some(p));
    out.keep("/transfers", |t| {
        !s(t, "importer").is_some_and(|i| i == p || sub_ids.contains(&i))
    });
    out.keep("/retention", |r| s(r, "party") != Some(p));
    // What the processor stores, it stores for the party it serves.
    out.map("/storage", |st| {
        if s(st, "party") == Some(p) {
            st["party"] = json!(c);
            st["hosted_by"] = json!(p_name);
        } else if s(st, "hosted_by") == Some(p) {
            st["hosted_by"] = json!(p_name);
        }
    });
    // Its measures are the measures of the party it serves.
    out.map("/security/measures", |m| {
        if let Some(Value::Array(a)) = m.get_mut("applies_to") {
            for x in a.iter_mut() {
                if x.as_str() == Some(p) {
                    *x = json!(c);
                }
            }
            let mut seen = Vec::new();
            a.retain(|x| {
                let new = !seen.contains(x);
                seen.push(x.clone());
                new
            });
        }
    });
    (out.raw, out.spans)
}

/// A document between two of the parties has no withdrawal of one party while the others go
/// on: leaving it ends it, so the terms of leaving a multi-party agreement stay with that one.
pub(super) fn without_withdrawal(raw: &mut Value) {
    if let Some(t) = raw.get_mut("term").and_then(Value::as_object_mut) {
        for key in [
            "withdrawal_notice_days",
            "withdrawal_copies",
            "withdrawal_provided_data",
        ] {
            t.remove(key);
        }
    }
}

/// The processing terms between `c` and its processor `p`.
fn processing_terms(raw: &Value, spans: &Spans, p: &str, c: &str) -> Part {
    let mut out = Doc::new(raw, spans);
    let party = find(raw, "/parties", "id", p)
        .cloned()
        .unwrap_or(Value::Null);
    let terms = party.get("processing_terms").cloned().unwrap_or(json!({}));
    let two = |v: &Value| matches!(v.as_str(), Some(x) if x == p || x == c);
    let flows: Vec<Value> = arr(raw, "/flows")
        .iter()
        .filter(|f| s(f, "from") == Some(p) || s(f, "to") == Some(p))
        .cloned()
        .collect();
    let listed = |key: &str| -> Vec<String> {
        let mut ids: Vec<String> = flows
            .iter()
            .flat_map(|f| arr(f, &format!("/{key}")).iter().filter_map(Value::as_str))
            .map(str::to_owned)
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let (datasets, purposes) = (listed("datasets"), listed("purposes"));
    let subs: Vec<String> = arr(raw, "/subprocessors")
        .iter()
        .filter(|x| s(x, "processor") == Some(p))
        .filter_map(|x| s(x, "id").map(str::to_owned))
        .collect();

    let reference = terms_reference(raw, &party);
    let title = s(raw.get("agreement").unwrap_or(&Value::Null), "title").unwrap_or_default();
    if let Some(a) = out.raw.get_mut("agreement").and_then(Value::as_object_mut) {
        a.insert("reference".into(), json!(reference));
        a.insert("kind".into(), json!("processor_terms"));
        a.insert("title".into(), json!(format!("Processing terms: {title}")));
        a.insert(
            "background".into(),
            json!([format!(
                "{} receives the data these terms cover from {} under the data-sharing agreement {}, which binds it to hold its processors to the restrictions of that agreement.",
                crate::library::filters::capfirst(&short_of(raw, c)),
                providers(raw, c, p),
                s(raw.get("agreement").unwrap_or(&Value::Null), "reference").unwrap_or_default(),
            )]),
        );
        for key in ["review_owner", "drafted_by"] {
            if !a.get(key).is_some_and(two) {
                a.remove(key);
            }
        }
        for key in ["governing_law", "forum"] {
            if let Some(v) = terms.get(key) {
                a.insert(key.into(), v.clone());
            }
        }
    }
    if let (Some(d), Some(m)) = (terms.get("disputes"), out.raw.as_object_mut()) {
        m.insert("disputes".into(), d.clone());
    }
    // Between a controller and its processor, the notice between the parties is the
    // processor's notice to its controller: one deadline, the processor's.
    if let Some(h) = raw
        .pointer("/breach/processor_to_controller_hours")
        .cloned()
        && let Some(m) = out.raw.as_object_mut()
    {
        let breach = m.entry("breach").or_insert_with(|| json!({}));
        if let Some(b) = breach.as_object_mut() {
            b.insert("party_to_party_hours".into(), h);
        }
    }
    without_withdrawal(&mut out.raw);
    out.keep("/parties", |v| s(v, "id").is_some_and(|x| x == p || x == c));
    out.map("/parties", |v| {
        if let Some(m) = v.as_object_mut() {
            m.remove("processing_terms");
        }
    });
    out.keep("/flows", |f| {
        s(f, "from") == Some(p) || s(f, "to") == Some(p)
    });
    out.keep("/datasets", |d| {
        s(d, "id").is_some_and(|x| datasets.iter().any(|y| y == x))
    });
    out.map("/datasets", |d| {
        if !d.get("provider").is_some_and(two) {
            d["provider"] = json!(c);
        }
        // Who collected the data stays said, by name once it is no party.
        if let Some(oc) = d.pointer_mut("/provenance/original_controller")
            && !two(oc)
            && let Some(id) = oc.as_str().map(str::to_owned)
            && find(raw, "/parties", "id", &id).is_some()
        {
            *oc = json!(name_of(raw, &id));
        }
    });
    out.keep("/purposes", |u| {
        s(u, "id").is_some_and(|x| purposes.iter().any(|y| y == x))
    });
    out.keep("/legal_bases", |b| {
        s(b, "party") == Some(c) && s(b, "purpose").is_some_and(|x| purposes.iter().any(|y| y == x))
    });
    out.keep_for_two(&two, &datasets);
    out.remove("/transparency/exemption");
    out.keep("/storage", |st| s(st, "party") == Some(p));
    out.keep("/subprocessors", |x| s(x, "processor") == Some(p));
    out.keep("/transfers", |t| {
        s(t, "importer").is_some_and(|i| i == p || subs.iter().any(|x| x == i))
    });
    for ptr in ["/onward_sharing", "/outputs"] {
        out.remove(ptr);
    }
    Part {
        name: format!("processing-{p}"),
        reference,
        raw: out.raw,
        spans: out.spans,
    }
}

/// The reference of a processor's processing terms.
fn terms_reference(raw: &Value, party: &Value) -> String {
    party
        .pointer("/processing_terms/reference")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| {
            format!(
                "{}-{}",
                raw.pointer("/agreement/reference")
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
                s(party, "id").unwrap_or_default().to_uppercase()
            )
        })
}

/// The legal names of the parties that send `c` data, but its processor `p`, joined in words.
fn providers(raw: &Value, c: &str, p: &str) -> String {
    let mut names: Vec<String> = Vec::new();
    for f in arr(raw, "/flows") {
        if s(f, "to") == Some(c)
            && let Some(from) = s(f, "from").filter(|x| *x != p)
        {
            let n = name_of(raw, from);
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    match names.as_slice() {
        [] => "the other parties".to_owned(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The name a party goes by in the text: its short name, else its legal name.
pub(super) fn short_of(raw: &Value, id: &str) -> String {
    find(raw, "/parties", "id", id)
        .and_then(|p| s(p, "short_name").or_else(|| s(p, "legal_name")))
        .unwrap_or(id)
        .to_owned()
}

/// A party's legal name.
pub(super) fn name_of(raw: &Value, id: &str) -> String {
    let party = find(raw, "/parties", "id", id);
    party
        .and_then(|p| s(p, "legal_name"))
        .unwrap_or(id)
        .to_owned()
}

/// A config being cut down, with its spans kept in step.
pub(super) struct Doc {
    pub(super) raw: Value,
    pub(super) spans: Spans,
}

impl Doc {
    pub(super) fn new(raw: &Value, spans: &Spans) -> Doc {
        Doc {
            raw: raw.clone(),
            spans: spans.clone(),
        }
    }

    /// Keep the elements of the array at `ptr` that `f` accepts; each kept element keeps its
    /// spans under its new index.
    pub(super) fn keep(&mut self, ptr: &str, f: impl Fn(&Value) -> bool) {
        let Some(Value::Array(a)) = self.raw.pointer_mut(ptr) else {
            return;
        };
        let mut kept = Vec::new();
        let mut indices = Vec::new();
        for (i, v) in std::mem::take(a).into_iter().enumerate() {
            if f(&v) {
                indices.push(i);
                kept.push(v);
            }
        }
        *a = kept;
        self.spans.keep_elements(ptr, &indices);
    }

    /// Keep what concerns only the two parties `two` accepts, when a document between them is
    /// cut from a config: their notices; the consent, rights and impact-assessment roles held
    /// by one of them; the security measures that apply to them (narrowed to them); the
    /// retention of `datasets` and derived data that is not another party's.
    pub(super) fn keep_for_two(&mut self, two: &dyn Fn(&Value) -> bool, datasets: &[String]) {
        let out = self;
        out.keep("/transparency/notices", |n| n.get("party").is_some_and(two));
        for ptr in [
            "/consent/obtained_by",
            "/rights/contact_point",
            "/dpia/owner",
        ] {
            if !out.raw.pointer(ptr).is_none_or(two) {
                out.remove(ptr);
            }
        }
        out.keep("/security/measures", |m| {
            arr(m, "/applies_to").is_empty() || arr(m, "/applies_to").iter().any(two)
        });
        out.map("/security/measures", |m| {
            if let Some(Value::Array(a)) = m.get_mut("applies_to") {
                a.retain(|v| two(v));
            }
        });
        out.keep("/retention", |r| {
            s(r, "dataset").is_some_and(|x| x == "derived" || datasets.iter().any(|y| y == x))
                && r.get("party").is_none_or(two)
        });
    }

    /// Change each element of the array at `ptr` in place.
    pub(super) fn map(&mut self, ptr: &str, f: impl Fn(&mut Value)) {
        if let Some(Value::Array(a)) = self.raw.pointer_mut(ptr) {
            a.iter_mut().for_each(f);
        }
    }

    /// Remove the field at `ptr`.
    pub(super) fn remove(&mut self, ptr: &str) {
        let Some((parent, key)) = ptr.rsplit_once('/') else {
            return;
        };
        if let Some(Value::Object(m)) = self.raw.pointer_mut(parent) {
            m.remove(key);
        }
        self.spans.remove_under(ptr);
    }
}

pub(super) fn arr<'a>(v: &'a Value, ptr: &str) -> &'a [Value] {
    v.pointer(ptr)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

pub(super) fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

pub(super) fn find<'a>(raw: &'a Value, ptr: &str, key: &str, id: &str) -> Option<&'a Value> {
    arr(raw, ptr).iter().find(|v| s(v, key) == Some(id))
}
