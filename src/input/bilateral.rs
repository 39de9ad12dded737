//! Personal data outside a protocol: a non-binding protocol covers no personal data, so the
//! personal data two participants exchange moves under a bilateral agreement of their own.
//!
//! In: a protocol's config as JSON, with its spans. Out: when a flow carries personal data
//! (`identifiability` `identified` or `pseudonymised`), the protocol without that data, and,
//! per pair of participants with such flows, the config of their bilateral agreement: the two
//! participants, the flows between them that carry personal data, those datasets and
//! purposes, and the tables that govern them (legal bases, transparency, DPIA, storage,
//! security, retention, transfers). `[[bilateral]]` gives a pair's reference, law and
//! disputes. The protocol's `[[bilateral]]` list names each agreement and the data it covers,
//! and the protocol's scope clause cites them. Every value keeps the span of its line.

use serde_json::{Value, json};

use super::split::{Doc, Part, arr, find, name_of, s, short_of};
use crate::load::Spans;

/// Tables about personal data only: the bilateral agreements carry them, the protocol not.
const PERSONAL_TABLES: &[&str] = &[
    "/legal_bases",
    "/transparency",
    "/consent",
    "/rights",
    "/dpia",
];

/// The protocol without the personal data its participants exchange, and their bilateral
/// agreements; `None` when no flow of the protocol carries personal data.
pub(super) fn split(raw: &Value, spans: &Spans) -> Option<(Value, Spans, Vec<Part>)> {
    let personal: Vec<String> = arr(raw, "/datasets")
        .iter()
        .filter(|d| {
            matches!(
                s(d, "identifiability"),
                Some("identified" | "pseudonymised")
            )
        })
        .filter_map(|d| s(d, "id").map(str::to_owned))
        .collect();
    let carries = |f: &Value| {
        arr(f, "/datasets")
            .iter()
            .filter_map(Value::as_str)
            .any(|d| personal.iter().any(|p| p == d))
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    for f in arr(raw, "/flows").iter().filter(|f| carries(f)) {
        let (Some(a), Some(b)) = (s(f, "from"), s(f, "to")) else {
            continue;
        };
        let pair = pair_of(a, b);
        if !pairs.contains(&pair) {
            pairs.push(pair);
        }
    }
    if pairs.is_empty() {
        return None;
    }
    let parts: Vec<Part> = pairs
        .iter()
        .map(|(a, b)| bilateral(raw, spans, a, b, &personal))
        .collect();
    let (rest, rest_spans) = protocol(raw, spans, &personal, &pairs, &parts);
    Some((rest, rest_spans, parts))
}

/// Two participant ids in a stable (alphabetical) order.
fn pair_of(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_owned(), b.to_owned())
    } else {
        (b.to_owned(), a.to_owned())
    }
}

/// The `[[bilateral]]` entry for participants `a` and `b`, if any.
fn entry<'a>(raw: &'a Value, a: &str, b: &str) -> Option<&'a Value> {
    arr(raw, "/bilateral").iter().find(|e| {
        let ps: Vec<&str> = arr(e, "/parties")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        ps.len() == 2 && ps.contains(&a) && ps.contains(&b)
    })
}

fn reference(raw: &Value, a: &str, b: &str) -> String {
    if let Some(r) = entry(raw, a, b).and_then(|e| s(e, "reference")) {
        return r.to_owned();
    }
    let ids: Vec<String> = match entry(raw, a, b) {
        Some(e) => arr(e, "/parties")
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_uppercase)
            .collect(),
        None => vec![a.to_uppercase(), b.to_uppercase()],
    };
    format!(
        "{}-{}",
        raw.pointer("/agreement/reference")
            .and_then(Value::as_str)
            .unwrap_or_default(),
        ids.join("-")
    )
}

/// The titles of the personal datasets on the flows between `a` and `b`.
fn covered(raw: &Value, a: &str, b: &str, personal: &[String]) -> Vec<String> {
    let mut ids: Vec<&str> = Vec::new();
    for f in arr(raw, "/flows").iter().filter(|f| between(f, a, b)) {
        for d in arr(f, "/datasets").iter().filter_map(Value::as_str) {
            if personal.iter().any(|p| p == d) && !ids.contains(&d) {
                ids.push(d);
            }
        }
    }
    ids.iter()
        .map(|d| {
            find(raw, "/datasets", "id", d)
                .and_then(|v| s(v, "title"))
                .unwrap_or(d)
                .to_owned()
        })
        .collect()
}

fn between(f: &Value, a: &str, b: &str) -> bool {
    matches!((s(f, "from"), s(f, "to")), (Some(x), Some(y)) if (x == a && y == b) || (x == b && y == a))
}

/// The protocol without personal data: flows carry only the rest, and `[[bilateral]]` names
/// each agreement with the data it covers.
fn protocol(
    raw: &Value,
    spans: &Spans,
    personal: &[String],
    pairs: &[(String, String)],
    parts: &[Part],
) -> (Value, Spans) {
    let mut out = Doc::new(raw, spans);
    let is_personal = |d: &Value| d.as_str().is_some_and(|d| personal.iter().any(|p| p == d));
    out.map("/flows", |f| {
        if let Some(Value::Array(ds)) = f.get_mut("datasets") {
            ds.retain(|d| !is_personal(d));
        }
    });
    out.keep("/flows", |f| !arr(f, "/datasets").is_empty());
    out.keep("/datasets", |d| {
        !s(d, "id").is_some_and(|id| personal.iter().any(|p| p == id))
    });
    let used: Vec<String> = arr(&out.raw, "/flows")
        .iter()
        .flat_map(|f| arr(f, "/purposes").iter().filter_map(Value::as_str))
        .map(str::to_owned)
        .collect();
    out.keep("/purposes", |p| {
        s(p, "id").is_some_and(|id| used.iter().any(|u| u == id))
    });
    out.keep("/retention", |r| {
        !s(r, "dataset").is_some_and(|d| personal.iter().any(|p| p == d))
    });
    out.map("/storage", |st| {
        if let Some(Value::Array(ds)) = st.get_mut("datasets") {
            ds.retain(|d| !is_personal(d));
        }
    });
    for t in PERSONAL_TABLES {
        out.remove(t);
    }
    // Name every bilateral agreement, with what it covers: those written from the flows, and
    // those the participants made elsewhere.
    let mut listed: Vec<Value> = arr(raw, "/bilateral")
        .iter()
        .filter(|e| {
            let ps: Vec<&str> = arr(e, "/parties")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            !pairs
                .iter()
                .any(|(a, b)| ps.len() == 2 && ps.contains(&a.as_str()) && ps.contains(&b.as_str()))
        })
        .cloned()
        .collect();
    for ((a, b), part) in pairs.iter().zip(parts) {
        let mut e = entry(raw, a, b)
            .cloned()
            .unwrap_or_else(|| json!({ "parties": [a, b] }));
        e["reference"] = json!(part.reference);
        e["covers"] = json!(covered(raw, a, b, personal));
        listed.push(e);
    }
    if let Some(m) = out.raw.as_object_mut() {
        m.insert("bilateral".into(), Value::Array(listed));
    }
    (out.raw, out.spans)
}

/// The bilateral agreement between participants `a` and `b` for the personal data they
/// exchange.
fn bilateral(raw: &Value, spans: &Spans, a: &str, b: &str, personal: &[String]) -> Part {
    let mut out = Doc::new(raw, spans);
    let two = |v: &Value| matches!(v.as_str(), Some(x) if x == a || x == b);
    let is_personal = |d: &Value| d.as_str().is_some_and(|d| personal.iter().any(|p| p == d));
    let terms = entry(raw, a, b).cloned().unwrap_or(json!({}));
    let reference = reference(raw, a, b);
    let covers = covered(raw, a, b, personal);
    // The two in the order the `[[bilateral]]` entry names them, else as `[[parties]]` does.
    let order: Vec<&str> = match entry(raw, a, b) {
        Some(e) => arr(e, "/parties")
            .iter()
            .filter_map(Value::as_str)
            .collect(),
        None => arr(raw, "/parties")
            .iter()
            .filter_map(|p| s(p, "id"))
            .filter(|id| *id == a || *id == b)
            .collect(),
    };
    let (first, second) = match order[..] {
        [x, y] => (x, y),
        _ => (a, b),
    };
    let protocol_ref = raw
        .pointer("/agreement/reference")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let protocol_title = raw
        .pointer("/agreement/title")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    super::split::without_withdrawal(&mut out.raw);
    if let Some(ag) = out.raw.get_mut("agreement").and_then(Value::as_object_mut) {
        ag.insert("kind".into(), json!("agreement"));
        ag.insert("reference".into(), json!(reference));
        ag.insert(
            "title".into(),
            json!(format!(
                "Exchange of {} between {} and {}",
                and_list(&covers).to_lowercase(),
                name_of(raw, first),
                name_of(raw, second)
            )),
        );
        ag.insert(
            "background".into(),
            json!([format!(
                "{} and {} take part in the {} ({}), which covers no Personal Data. This Agreement governs the Personal Data they exchange: {}.",
                crate::library::filters::capfirst(&short_of(raw, first)),
                short_of(raw, second),
                protocol_title.trim_end_matches('.'),
                protocol_ref,
                and_list(&covers).to_lowercase(),
            )]),
        );
        for key in ["review_owner", "drafted_by"] {
            if !ag.get(key).is_some_and(two) {
                ag.remove(key);
            }
        }
        for key in ["governing_law", "forum"] {
            match terms.get(key) {
                Some(v) => {
                    ag.insert(key.into(), v.clone());
                }
                None => {
                    ag.remove(key);
                }
            }
        }
    }
    if let Some(m) = out.raw.as_object_mut() {
        match terms.get("disputes") {
            Some(d) => {
                m.insert("disputes".into(), d.clone());
            }
            None => {
                m.remove("disputes");
            }
        }
    }
    for t in ["/classification", "/accession", "/bilateral"] {
        out.remove(t);
    }
    out.keep("/parties", |p| s(p, "id").is_some_and(|x| x == a || x == b));
    if let Some(Value::Array(ps)) = out.raw.get_mut("parties")
        && ps.first().and_then(|p| s(p, "id")) != Some(first)
    {
        ps.reverse();
        let n = ps.len();
        out.spans
            .keep_elements("/parties", &(0..n).rev().collect::<Vec<_>>());
    }
    out.map("/parties", |p| {
        if let Some(m) = p.as_object_mut() {
            m.remove("acceded");
        }
    });
    out.keep("/flows", |f| {
        between(f, a, b) && arr(f, "/datasets").iter().any(is_personal)
    });
    out.map("/flows", |f| {
        if let Some(Value::Array(ds)) = f.get_mut("datasets") {
            ds.retain(is_personal);
        }
    });
    let listed = |doc: &Value, key: &str| -> Vec<String> {
        let mut ids: Vec<String> = arr(doc, "/flows")
            .iter()
            .flat_map(|f| arr(f, &format!("/{key}")).iter().filter_map(Value::as_str))
            .map(str::to_owned)
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let (datasets, purposes) = (listed(&out.raw, "datasets"), listed(&out.raw, "purposes"));
    out.keep("/datasets", |d| {
        s(d, "id").is_some_and(|x| datasets.iter().any(|y| y == x))
    });
    out.map("/datasets", |d| {
        if let Some(m) = d.as_object_mut() {
            m.remove("classification");
        }
    });
    out.keep("/purposes", |u| {
        s(u, "id").is_some_and(|x| purposes.iter().any(|y| y == x))
    });
    out.keep("/legal_bases", |lb| {
        s(lb, "party").is_some_and(|p| p == a || p == b)
            && s(lb, "purpose").is_some_and(|x| purposes.iter().any(|y| y == x))
    });
    out.keep_for_two(&two, &datasets);
    out.keep("/storage", |st| st.get("party").is_some_and(two));
    out.map("/storage", |st| {
        if let Some(Value::Array(ds)) = st.get_mut("datasets") {
            ds.retain(|d| d.as_str().is_some_and(|d| datasets.iter().any(|y| y == d)));
        }
    });
    out.keep("/subprocessors", |x| x.get("processor").is_some_and(two));
    out.keep("/transfers", |t| t.get("importer").is_some_and(two));
    out.keep("/onward_sharing/permitted", |o| {
        o.get("shared_by").is_some_and(two)
            && arr(o, "/datasets")
                .iter()
                .all(|d| d.as_str().is_some_and(|d| datasets.iter().any(|y| y == d)))
    });
    Part {
        name: format!("bilateral-{a}-{b}"),
        reference,
        raw: out.raw,
        spans: out.spans,
    }
}

fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
