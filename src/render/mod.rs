//! Rendering an agreement to Markdown through tera.
//!
//! In: a checked [`Model`] and a [`Library`]. Out: the agreement as Markdown (one sentence
//! per line, no numbers, no timestamps), plus the parts the PDF needs.
//!
//! Every value from the config is escaped for Markdown by tera's autoescape, so a party named
//! `*ACME* <Ltd> # 1` or `{{ x }}` appears literally and can change neither the document's
//! structure nor run as a template. Templates get no access to the environment or files.

mod terms;

use std::collections::{BTreeMap, HashSet};

use pulldown_cmark::Options;
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::diag::Diagnostic;
use crate::library::{Library, Selection, join_words, tera_error_text};
use crate::lint::Check;
use crate::model::{Model, country_name};

use terms::Terms;
pub use terms::{check_cross_references, mark_terms, mark_terms_in};

/// The Markdown options used everywhere datapact parses its own output. No smart punctuation:
/// the Markdown already carries typographic characters, and user text must stay literal.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_DEFINITION_LIST
}

/// The text a Markdown parser reads in `md`: what a reader reads (for the length report, and
/// for tests: a value must come out literally).
pub(crate) fn md_text(md: &str) -> String {
    use pulldown_cmark::{Event, Parser};
    let mut s = String::new();
    for ev in Parser::new_ext(md, markdown_options()) {
        match ev {
            Event::Text(t) | Event::Code(t) => s.push_str(&t),
            Event::SoftBreak => s.push(' '),
            _ => {}
        }
    }
    s
}

/// The data every template and clause condition sees: the config with its defaults,
/// `derived`, lookups by id (`party`, `dataset`, `purpose`) and the findings of `check`.
pub fn context_value(model: &Model, check: &Check) -> Value {
    let cfg = model.config();
    let mut root = serde_json::to_value(cfg).unwrap_or_else(|_| json!({}));
    let derived = serde_json::to_value(&model.derived).unwrap_or_else(|_| json!({}));
    let mut parties = Map::new();
    for p in &cfg.parties {
        let mut v = serde_json::to_value(p).unwrap_or_else(|_| json!({}));
        if let Value::Object(m) = &mut v {
            m.insert(
                "name".into(),
                Value::String(p.short_name.clone().unwrap_or_else(|| p.legal_name.clone())),
            );
            m.insert(
                "country_name".into(),
                Value::String(country_name(&p.country)),
            );
            m.insert("roles_text".into(), Value::String(roles_text(model, &p.id)));
        }
        parties.insert(p.id.clone(), v);
    }
    let by_id = |items: &Value| -> Value {
        let mut m = Map::new();
        if let Value::Array(a) = items {
            for it in a {
                if let Some(id) = it.get("id").and_then(Value::as_str) {
                    m.insert(id.to_owned(), it.clone());
                }
            }
        }
        Value::Object(m)
    };
    if let Value::Object(m) = &mut root {
        let datasets = by_id(m.get("datasets").unwrap_or(&Value::Null));
        // Data a party keeps to itself (`shared = false`) is listed apart, as its own input;
        // every clause that goes through `datasets` sees the shared data only.
        if let Some(Value::Array(all)) = m.get_mut("datasets") {
            let (shared, held): (Vec<Value>, Vec<Value>) = std::mem::take(all)
                .into_iter()
                .partition(|d| d.get("shared").and_then(Value::as_bool) != Some(false));
            *all = shared;
            m.insert("held_datasets".into(), Value::Array(held));
        }
        let purposes = by_id(m.get("purposes").unwrap_or(&Value::Null));
        m.insert("dataset".into(), datasets);
        let levels = by_id(m.get("classification").unwrap_or(&Value::Null));
        m.insert("level".into(), levels);
        let bilateral: Vec<Value> = cfg
            .bilateral
            .iter()
            .map(|b| {
                json!({
                    "reference": b.reference_in(&cfg.agreement.reference),
                    "parties": b.parties,
                    "datasets": b.covers,
                })
            })
            .collect();
        m.insert("bilateral_docs".into(), Value::Array(bilateral));
        m.insert("purpose".into(), purposes);
        m.insert("party".into(), Value::Object(parties));
        m.insert("derived".into(), derived);
        m.insert("check".into(), check_value(check));
    }
    root
}

/// The roles a party takes in the agreement's flows, each once, in flow order: "controller
/// and processor".
pub fn roles_text(model: &Model, party: &str) -> String {
    let mut roles: Vec<String> = Vec::new();
    let personal = model.derived.has_personal_data;
    for f in &model.derived.flows {
        for (id, role, side) in [(&f.from, f.from_role, 0), (&f.to, f.to_role, 1)] {
            let r = if personal {
                role_text(role)
            } else {
                plain_role_text(role, side == 0)
            };
            if id == party && !roles.iter().any(|x| x == r) {
                roles.push(r.to_owned());
            }
        }
    }
    join_words(&roles, "and")
}

/// A party's part in a flow where no data is personal: data-protection roles do not arise,
/// so the text names what the party does.
pub fn plain_role_text(r: crate::config::LegalRole, provides: bool) -> &'static str {
    use crate::config::LegalRole::*;
    match (r, provides) {
        (Processor | SubProcessor, _) => "service provider",
        (_, true) => "provider",
        (_, false) => "recipient",
    }
}

pub fn role_text(r: crate::config::LegalRole) -> &'static str {
    use crate::config::LegalRole::*;
    match r {
        Controller => "controller",
        JointController => "joint controller",
        Processor => "processor",
        SubProcessor => "sub-processor",
        ThirdPartyRecipient => "third-party recipient",
    }
}

/// Findings and coverage as templates see them (`check.findings`, `check.coverage`,
/// `check.errors`).
fn check_value(check: &Check) -> Value {
    let findings: Vec<Value> = check
        .findings
        .iter()
        .map(|d| {
            json!({
                "rule": d.code,
                "severity": d.severity,
                "message": d.message,
                "help": d.help,
                "field": d.field,
                "line": d.location.as_ref().map(|l| l.line),
            })
        })
        .collect();
    json!({
        "findings": findings,
        "errors": check.errors(),
        "coverage": check.coverage,
    })
}

/// A rendered clause.
#[derive(Debug, Clone, Serialize)]
pub struct RenderedClause {
    pub id: String,
    pub title: String,
    pub version: String,
    pub body: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RenderedSection {
    pub id: String,
    pub title: String,
    pub annex: bool,
    pub clauses: Vec<RenderedClause>,
}

/// An agreement rendered to Markdown.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The whole agreement, for review in git.
    pub markdown: String,
    /// Body sections and annexes only (the PDF draws the cover and signatures itself).
    pub pdf_body: String,
    pub pdf_annexes: String,
    pub sections: Vec<RenderedSection>,
    pub selection: Selection,
}

/// Select clauses and render the agreement.
pub fn render(model: &Model, lib: &Library, check: &Check) -> Result<Rendered, Vec<Diagnostic>> {
    let mut ctx = tera::Context::from_serialize(&context_value(model, check)).map_err(|e| {
        vec![Diagnostic::error(
            "library::render-failed",
            tera_error_text(&e),
        )]
    })?;
    let cfg = model.config();
    let frames = lib.laws.frames(&cfg.parties).map_err(|es| {
        es.into_iter()
            .map(|(pointer, d)| model.loaded.diag_at(d, &pointer))
            .collect::<Vec<_>>()
    })?;
    ctx.insert("law", &frames);
    ctx.insert("periods", &lib.periods);
    let selection = lib
        .select(
            cfg.agreement.kind.as_str(),
            &ctx,
            &cfg.clauses.include,
            &cfg.clauses.exclude,
        )
        .map_err(|ds| {
            ds.into_iter()
                .map(|d| at_config(model, d))
                .collect::<Vec<_>>()
        })?;
    ctx.insert("safeguard_clauses", &safeguard_clauses(lib, &selection));
    // The clauses in the agreement, so that a clause can refer to another only when it is in.
    ctx.insert("included", &selection.included().collect::<Vec<&str>>());
    let (sections, terms) = render_clauses(lib, &selection, &ctx, cfg.agreement.kind.as_str())?;
    let diags = terms.check();
    if !diags.is_empty() {
        return Err(diags);
    }
    let [markdown, pdf_body, pdf_annexes] = documents(lib, &ctx, &sections)?;
    check_cross_references(&markdown)?;
    Ok(Rendered {
        markdown,
        pdf_body,
        pdf_annexes,
        sections,
        selection,
    })
}

/// Which included body clauses serve each safeguard, for the safeguards checklist
/// (`safeguard_clauses`).
fn safeguard_clauses(lib: &Library, selection: &Selection) -> Vec<Value> {
    let included: HashSet<&str> = selection.included().collect();
    let annexes: HashSet<&str> = lib
        .sections
        .iter()
        .filter(|s| s.annex)
        .map(|s| s.id.as_str())
        .collect();
    (1..=7u8)
        .map(|n| {
            let clauses: Vec<Value> = lib
                .clauses
                .iter()
                .filter(|c| {
                    c.meta.safeguards.contains(&n)
                        && included.contains(c.meta.id.as_str())
                        && !annexes.contains(c.meta.section.as_str())
                })
                .map(|c| json!({"id": c.meta.id, "title": c.meta.title, "section": c.meta.section}))
                .collect();
            // The sections given over to the safeguard (sections.toml) in which some included
            // clause serves it, in document order: where a reader looks for it.
            let sections: Vec<Value> = lib
                .sections
                .iter()
                .filter(|s| {
                    s.safeguards.contains(&n)
                        && lib.clauses.iter().any(|c| {
                            c.meta.section == s.id
                                && included.contains(c.meta.id.as_str())
                                && c.meta.safeguards.contains(&n)
                        })
                })
                .map(|s| json!({"id": s.id, "title": s.title, "anchor": if s.annex { s.id.clone() } else { format!("sec-{}", s.id) }}))
                .collect();
            json!({"number": n, "clauses": clauses, "sections": sections})
        })
        .collect()
}

/// Every included clause's body, grouped by section in document order (a clause whose body
/// comes out empty is left out), and the defined terms they define and use.
fn render_clauses(
    lib: &Library,
    selection: &Selection,
    ctx: &tera::Context,
    kind: &str,
) -> Result<(Vec<RenderedSection>, Terms), Vec<Diagnostic>> {
    let vocabulary = lib.terms.get(kind);
    use rayon::prelude::*;
    let included: HashSet<&str> = selection.included().collect();
    let mut diags = Vec::new();
    let mut terms = Terms::default();
    let mut sections: Vec<RenderedSection> = Vec::new();
    // Each body renders on its own (in parallel); they are put in order after.
    let chosen: Vec<(usize, &crate::library::Clause)> = lib
        .clauses
        .iter()
        .enumerate()
        .filter(|(_, c)| included.contains(c.meta.id.as_str()))
        .collect();
    let bodies: Vec<Result<String, tera::Error>> = chosen
        .par_iter()
        .with_min_len(32)
        .map(|(i, _)| lib.render_body(*i, ctx))
        .collect();
    for ((_, c), rendered) in chosen.into_iter().zip(bodies) {
        let body = match rendered {
            Ok(b) => {
                let (markdown, defined, used) = mark_terms_in(&normalise_body(&b), vocabulary);
                terms.add(&c.meta.id, defined, used);
                markdown
            }
            Err(e) => {
                diags.push(
                    Diagnostic::error(
                        "library::render-failed",
                        format!(
                            "clause `{}` could not be rendered: {}",
                            c.meta.id,
                            tera_error_text(&e)
                        ),
                    )
                    .field(c.path.clone()),
                );
                continue;
            }
        };
        if body.trim().is_empty() {
            continue;
        }
        let rc = RenderedClause {
            id: c.meta.id.clone(),
            title: c.meta.title.clone(),
            version: c.meta.version.clone(),
            body,
        };
        match sections.last_mut() {
            Some(s) if s.id == c.meta.section => s.clauses.push(rc),
            _ => {
                let Some(sec) = lib.section(&c.meta.section) else {
                    continue;
                };
                sections.push(RenderedSection {
                    id: sec.id.clone(),
                    title: sec.title_for(kind).to_owned(),
                    annex: sec.annex,
                    clauses: vec![rc],
                });
            }
        }
    }
    if diags.is_empty() {
        Ok((sections, terms))
    } else {
        Err(diags)
    }
}

/// The whole agreement, the body and the annexes (`agreement.md`, `body.md`, `annexes.md`).
///
/// The body and the annexes are rendered once: the PDF typesets them between its own cover and
/// signature pages, and agreement.md puts them in place as `body_md` and `annexes_md` (a
/// library whose agreement.md still includes body.md and annexes.md gets the same text).
fn documents(
    lib: &Library,
    ctx: &tera::Context,
    sections: &[RenderedSection],
) -> Result<[String; 3], Vec<Diagnostic>> {
    let mut doc_ctx = ctx.clone();
    // Each section's text is made a template value once; the three lists share it.
    let values: Vec<(bool, tera::Value)> = sections
        .iter()
        .map(|s| (s.annex, tera::Value::from_serializable(s)))
        .collect();
    let list = |keep: &dyn Fn(bool) -> bool| -> tera::Value {
        values
            .iter()
            .filter(|(annex, _)| keep(*annex))
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
            .into()
    };
    doc_ctx.insert_value("sections", list(&|_| true));
    doc_ctx.insert_value("body_sections", list(&|annex| !annex));
    doc_ctx.insert_value("annex_sections", list(&|annex| annex));
    let body = normalise_document(&render_document(lib, "body.md", &doc_ctx)?);
    let annexes = normalise_document(&render_document(lib, "annexes.md", &doc_ctx)?);
    doc_ctx.insert("body_md", &tera::Value::safe_string(&body));
    doc_ctx.insert("annexes_md", &tera::Value::safe_string(&annexes));
    let markdown = normalise_document(&render_document(lib, "agreement.md", &doc_ctx)?);
    Ok([markdown, body, annexes])
}

fn render_document(
    lib: &Library,
    name: &str,
    ctx: &tera::Context,
) -> Result<String, Vec<Diagnostic>> {
    lib.tera.render(name, ctx).map_err(|e| {
        vec![Diagnostic::error(
            "library::render-failed",
            format!(
                "template `{name}` could not be rendered: {}",
                tera_error_text(&e)
            ),
        )]
    })
}

fn at_config(model: &Model, d: Diagnostic) -> Diagnostic {
    match d.field.as_deref() {
        Some(f) if f.starts_with("clauses") => {
            let pointer = format!("/{}", f.replace('.', "/"));
            model.loaded.diag_at(d, &pointer)
        }
        _ => d,
    }
}

/// Trim trailing spaces and collapse runs of blank lines left by template logic.
fn normalise_body(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut blank = 0;
    for line in s.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        out.push_str(line);
    }
    out
}

fn normalise_document(s: &str) -> String {
    let mut out = normalise_body(s);
    out.push('\n');
    out
}

/// Clause ids per section in document order (for listings and tests).
pub fn clause_ids(r: &Rendered) -> BTreeMap<usize, Vec<String>> {
    r.sections
        .iter()
        .enumerate()
        .map(|(i, s)| (i, s.clauses.iter().map(|c| c.id.clone()).collect()))
        .collect()
}
