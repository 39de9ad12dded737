//! Rendering an agreement to Markdown through tera.
//!
//! In: a checked [`Model`] and a [`Library`]. Out: the agreement as Markdown (one sentence
//! per line, no numbers, no timestamps), plus the parts the PDF needs.
//!
//! Every value from the config is escaped for Markdown by tera's autoescape, so a party named
//! `*ACME* <Ltd> # 1` or `{{ x }}` appears literally and can change neither the document's
//! structure nor run as a template. Templates get no access to the environment or files.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use pulldown_cmark::Options;
use std::sync::Arc;

use crate::library::RenderedBody;
use crate::render_cache::Memo;
use serde::Serialize;
use serde_json::{Map, Value, json};
use tera::{Kwargs, State};

use crate::diag::Diagnostic;
use crate::library::{Library, Selection, tera_error_text};
use crate::model::{Model, country_name};

/// The Markdown options used everywhere datapact parses its own output. No smart punctuation:
/// the Markdown already carries typographic characters, and user text must stay literal.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_DEFINITION_LIST
}

/// Escape text so CommonMark shows it literally wherever a template puts it.
///
/// Characters that can open inline markup anywhere are always escaped; the rest of ASCII
/// punctuation only where it could start a block (the first character, or an ordered-list
/// marker after leading digits). Line breaks become spaces so a value never starts a new
/// block. The Markdown stays readable in a git diff: "S.A." is not written "S\.A\.".
pub fn escape_markdown(input: &str, out: &mut dyn Write) -> std::io::Result<()> {
    // Most values (names, titles, dates) need nothing escaped: printable ASCII without markup
    // characters, not starting with punctuation or a digit.
    let plain = input.bytes().enumerate().all(|(i, b)| {
        (b' '..=b'~').contains(&b)
            && !matches!(
                b,
                b'\\'
                    | b'`'
                    | b'*'
                    | b'_'
                    | b'['
                    | b']'
                    | b'<'
                    | b'>'
                    | b'&'
                    | b'|'
                    | b'~'
                    | b'{'
                    | b'}'
                    | b'#'
                    | b'!'
                    | b'$'
                    | b'^'
                    | b'"'
            )
            && (i > 0 || !(b.is_ascii_punctuation() || b.is_ascii_digit()))
    });
    if plain {
        return out.write_all(input.as_bytes());
    }
    escape_markdown_in_full(input, out)
}

fn escape_markdown_in_full(input: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let mut buf = String::with_capacity(input.len() + 8);
    let leading_digits = input.chars().take_while(char::is_ascii_digit).count();
    for (i, (b, c)) in input.char_indices().enumerate() {
        match c {
            '\n' | '\r' | '\t' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                buf.push(' ')
            }
            c if c.is_control() => {}
            // `""` is defined-term markup in clause bodies (see `mark_terms`): a value never makes one.
            '"' if (b > 0 && input.as_bytes()[b - 1] == b'"')
                || input.as_bytes().get(b + 1) == Some(&b'"') =>
            {
                buf.push('\\');
                buf.push(c);
            }
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '{' | '}' | '#'
            | '!' | '$' | '^' => {
                buf.push('\\');
                buf.push(c);
            }
            c if i == 0 && c.is_ascii_punctuation() => {
                buf.push('\\');
                buf.push(c);
            }
            '.' | ')'
                if i == leading_digits
                    && i > 0
                    && input[input.char_indices().nth(i).map_or(0, |(b, _)| b) + 1..]
                        .chars()
                        .next()
                        .is_none_or(char::is_whitespace) =>
            {
                buf.push('\\');
                buf.push(c);
            }
            c => buf.push(c),
        }
    }
    // A value made only of spaces would vanish; nothing else needs trimming.
    out.write_all(buf.as_bytes())
}

#[cfg(test)]
fn escape_str(s: &str) -> String {
    let mut v = Vec::new();
    let _ = escape_markdown(s, &mut v);
    String::from_utf8(v).unwrap_or_default()
}

/// A tera instance set up for Markdown: autoescape on `.md` templates with
/// [`escape_markdown`], and datapact's filters. No function can read files or the environment
/// (tera 2 has no `get_env`, and none is registered).
pub fn markdown_tera() -> tera::Tera {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".md"]);
    tera.set_escape_fn(escape_markdown);
    tera.register_filter("and_list", |v: &tera::Value, _: Kwargs, _: &State| {
        join_list(v, "and")
    });
    tera.register_filter("or_list", |v: &tera::Value, _: Kwargs, _: &State| {
        join_list(v, "or")
    });
    tera.register_filter("names", names_filter);
    tera.register_filter("name", name_filter);
    tera.register_filter("humanize", |v: &str, _: Kwargs, _: &State| {
        v.replace('_', " ")
    });
    tera.register_filter("country", |v: &str, _: Kwargs, _: &State| country_name(v));
    tera.register_filter("capfirst", |v: &str, _: Kwargs, _: &State| capfirst(v));
    tera.register_filter("thousands", |v: &tera::Value, _: Kwargs, _: &State| {
        thousands(v)
    });
    tera.register_filter("long_date", |v: &str, _: Kwargs, _: &State| long_date(v));
    tera.register_filter("anchor", |v: &str, _: Kwargs, _: &State| {
        tera::Value::safe_string(&format!("{{#{v}}}"))
    });
    tera
}

/// Upper-case the first letter only ("the Agency" → "The Agency").
pub fn capfirst(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// 4000000 → "4,000,000".
fn thousands(v: &tera::Value) -> String {
    let Some(n) = v.as_i64().or_else(|| v.as_u64().map(|u| u as i64)) else {
        return value_to_text(v);
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// `2026-04-01` → "1 April 2026"; anything else unchanged.
pub fn long_date(iso: &str) -> String {
    match crate::dates::parse_date(iso) {
        Ok(d) => crate::dates::long_date(d),
        Err(_) => iso.to_owned(),
    }
}

fn value_to_text(v: &tera::Value) -> String {
    v.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| v.to_string())
}

fn join_list(v: &tera::Value, word: &str) -> String {
    let items: Vec<String> = v
        .as_array()
        .map(|a| a.iter().map(value_to_text).collect())
        .unwrap_or_else(|| vec![value_to_text(v)]);
    join_words(&items, word)
}

/// "a", "a and b", "a, b and c".
pub fn join_words(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {word} {last}", rest.join(", ")),
    }
}

fn party_display(state: &State, id: &str) -> String {
    let parties: Option<tera::Value> = state.get::<tera::Value>("party").ok().flatten();
    let shown = parties
        .as_ref()
        .and_then(|p| p.as_map())
        .and_then(|m| m.get(&tera::value::Key::Str(id)).cloned())
        .and_then(|p| {
            p.as_map()
                .and_then(|m| m.get(&tera::value::Key::Str("name")).map(value_to_text))
        })
        .unwrap_or_else(|| id.to_owned());
    crate::render_cache::note_party_read(id, &shown);
    shown
}

fn name_filter(id: &str, _: Kwargs, state: &State) -> String {
    party_display(state, id)
}

fn names_filter(v: &tera::Value, _: Kwargs, state: &State) -> String {
    let ids: Vec<String> = v
        .as_array()
        .map(|a| a.iter().map(value_to_text).collect())
        .unwrap_or_default();
    let names: Vec<String> = ids.iter().map(|id| party_display(state, id)).collect();
    join_words(&names, "and")
}

/// The data every template sees: the config with its defaults, `derived`, and lookups by id
/// (`party`, `dataset`, `purpose`).
pub fn context_value(model: &Model) -> Value {
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
            let roles: Vec<&str> = model
                .derived
                .flows
                .iter()
                .flat_map(|f| {
                    let mut r = Vec::new();
                    if f.from == p.id {
                        r.push(role_text(f.from_role));
                    }
                    if f.to == p.id {
                        r.push(role_text(f.to_role));
                    }
                    r
                })
                .fold(Vec::new(), |mut acc, r| {
                    if !acc.contains(&r) {
                        acc.push(r);
                    }
                    acc
                });
            m.insert(
                "roles_text".into(),
                Value::String(join_words(
                    &roles.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                    "and",
                )),
            );
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
        let purposes = by_id(m.get("purposes").unwrap_or(&Value::Null));
        m.insert("dataset".into(), datasets);
        m.insert("purpose".into(), purposes);
        m.insert("party".into(), Value::Object(parties));
        m.insert("derived".into(), derived);
    }
    root
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
fn check_value(check: &crate::pipeline::Check) -> Value {
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
pub fn render(
    model: &Model,
    lib: &Library,
    check: &crate::pipeline::Check,
) -> Result<Rendered, Vec<Diagnostic>> {
    let mut ctx_value = context_value(model);
    if let Value::Object(m) = &mut ctx_value {
        m.insert("check".into(), check_value(check));
    }
    let cfg = model.config();
    let mut memo = Memo::new();
    let mut ctx = memo.tera_context(&lib.cache.index, &ctx_value);
    let selection = lib
        .select(
            &ctx,
            &ctx_value,
            &mut memo,
            &cfg.clauses.include,
            &cfg.clauses.exclude,
        )
        .map_err(|ds| {
            ds.into_iter()
                .map(|d| at_config(model, d))
                .collect::<Vec<_>>()
        })?;
    // Which clauses serve each safeguard, for the safeguards checklist.
    let included: HashSet<&str> = selection.included().collect();
    let annexes: HashSet<&str> = lib
        .sections
        .iter()
        .filter(|s| s.annex)
        .map(|s| s.id.as_str())
        .collect();
    let by_safeguard: Vec<Value> = (1..=7u8)
        .map(|n| {
            let clauses: Vec<Value> = lib
                .clauses
                .iter()
                .filter(|c| {
                    c.meta.safeguards.contains(&n)
                        && included.contains(c.meta.id.as_str())
                        && !annexes.contains(c.meta.section.as_str())
                })
                .map(|c| json!({"id": c.meta.id, "title": c.meta.title}))
                .collect();
            json!({"number": n, "clauses": clauses})
        })
        .collect();
    ctx.insert("safeguard_clauses", &by_safeguard);
    if let Value::Object(m) = &mut ctx_value {
        m.insert("safeguard_clauses".into(), Value::Array(by_safeguard));
    }
    memo.forget(&lib.cache.index, "safeguard_clauses");

    let mut diags = Vec::new();
    // Each included clause's rendered body, for the defined-terms check.
    let mut bodies: Vec<(&str, Arc<RenderedBody>)> = Vec::new();
    let mut sections: Vec<RenderedSection> = Vec::new();
    for (i, c) in lib.clauses.iter().enumerate() {
        if !included.contains(c.meta.id.as_str()) {
            continue;
        }
        let name = c.template_name();
        let rendered = lib.cache.bodies.get_or_render(
            i,
            &lib.cache.index,
            &mut memo,
            &ctx_value,
            &name,
            || {
                lib.tera.render(&name, &ctx).map(|b| {
                    let (markdown, defined, used) = mark_terms(&normalise_body(&b));
                    Arc::new(RenderedBody {
                        markdown,
                        defined,
                        used,
                    })
                })
            },
        );
        let body = match rendered {
            Ok(b) => {
                let md = b.markdown.clone();
                bodies.push((&c.meta.id, b));
                md
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
                    title: sec.title.clone(),
                    annex: sec.annex,
                    clauses: vec![rc],
                });
            }
        }
    }
    memo.finish(&lib.cache.index, ctx_value);
    let mut terms = Terms::default();
    for (clause, b) in &bodies {
        for t in &b.defined {
            terms.defined.entry(t).or_insert(clause);
        }
        for t in &b.used {
            terms.used.entry(t).or_insert(clause);
        }
    }
    diags.extend(terms.check());
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
    if lib.splices()
        && let Some(docs) = spliced_documents(lib, ctx, sections)?
    {
        if cfg!(debug_assertions) {
            assert_eq!(
                docs,
                plain_documents(lib, ctx, sections)?,
                "splicing changed the document"
            );
        }
        return Ok(docs);
    }
    plain_documents(lib, ctx, sections)
}

fn document_context(ctx: &tera::Context, sections: &[RenderedSection]) -> tera::Context {
    let mut doc_ctx = ctx.clone();
    doc_ctx.insert("sections", &sections);
    let body_sections: Vec<&RenderedSection> = sections.iter().filter(|s| !s.annex).collect();
    let annex_sections: Vec<&RenderedSection> = sections.iter().filter(|s| s.annex).collect();
    doc_ctx.insert("body_sections", &body_sections);
    doc_ctx.insert("annex_sections", &annex_sections);
    doc_ctx
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

/// [`documents`] with every clause body handed to tera.
fn plain_documents(
    lib: &Library,
    ctx: &tera::Context,
    sections: &[RenderedSection],
) -> Result<[String; 3], Vec<Diagnostic>> {
    let mut doc_ctx = document_context(ctx, sections);
    let body = normalise_document(&render_document(lib, "body.md", &doc_ctx)?);
    let annexes = normalise_document(&render_document(lib, "annexes.md", &doc_ctx)?);
    doc_ctx.insert("body_md", &tera::Value::safe_string(&body));
    doc_ctx.insert("annexes_md", &tera::Value::safe_string(&annexes));
    let markdown = normalise_document(&render_document(lib, "agreement.md", &doc_ctx)?);
    Ok([markdown, body, annexes])
}

/// [`documents`] rendered with a sentinel for each clause body, `body_md` and `annexes_md`,
/// which are then replaced by the text they stand for (see [`crate::splice`]); `None` when a
/// sentinel came out damaged.
fn spliced_documents(
    lib: &Library,
    ctx: &tera::Context,
    sections: &[RenderedSection],
) -> Result<Option<[String; 3]>, Vec<Diagnostic>> {
    use crate::splice::{sentinel, splice};
    use std::fmt::Write as _;
    // Piece k is the k-th body in document order; the skeleton depends only on the list of
    // sections and clauses (titles and versions come from the library).
    let mut pieces: Vec<&str> = Vec::new();
    let mut key = String::new();
    for s in sections {
        // Lengths first, so that no id can run into the next.
        let _ = write!(key, "{}:{}{}", s.id.len(), s.id, s.clauses.len());
        for c in &s.clauses {
            pieces.push(&c.body);
            let _ = write!(key, ",{}:{}", c.id.len(), c.id);
        }
        key.push(';');
    }
    let values = lib.cache.skeleton(key, || {
        let mut k = 0;
        let skeleton: Vec<RenderedSection> = sections
            .iter()
            .map(|s| RenderedSection {
                id: s.id.clone(),
                title: s.title.clone(),
                annex: s.annex,
                clauses: s
                    .clauses
                    .iter()
                    .map(|c| {
                        k += 1;
                        RenderedClause {
                            id: c.id.clone(),
                            title: c.title.clone(),
                            version: c.version.clone(),
                            body: sentinel(k - 1),
                        }
                    })
                    .collect(),
            })
            .collect();
        let part = |annex: bool| {
            let v: Vec<&RenderedSection> = skeleton.iter().filter(|s| s.annex == annex).collect();
            tera::Value::from_serializable(&v)
        };
        [
            tera::Value::from_serializable(&skeleton),
            part(false),
            part(true),
        ]
    });
    let mut doc_ctx = ctx.clone();
    for (name, v) in ["sections", "body_sections", "annex_sections"]
        .into_iter()
        .zip(values.iter())
    {
        doc_ctx.insert_value(name, v.clone());
    }
    let Some(body) = splice(&render_document(lib, "body.md", &doc_ctx)?, &pieces) else {
        return Ok(None);
    };
    let Some(annexes) = splice(&render_document(lib, "annexes.md", &doc_ctx)?, &pieces) else {
        return Ok(None);
    };
    let (body, annexes) = (normalise_document(&body), normalise_document(&annexes));
    let n = pieces.len();
    doc_ctx.insert("body_md", &tera::Value::safe_string(&sentinel(n)));
    doc_ctx.insert("annexes_md", &tera::Value::safe_string(&sentinel(n + 1)));
    let out = render_document(lib, "agreement.md", &doc_ctx)?;
    pieces.push(&body);
    pieces.push(&annexes);
    let Some(markdown) = splice(&out, &pieces) else {
        return Ok(None);
    };
    let markdown = normalise_document(&markdown);
    Ok(Some([markdown, body, annexes]))
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

/// Defined terms seen while rendering: the first clause that defines, and that uses, each.
#[derive(Default)]
struct Terms<'a> {
    defined: BTreeMap<&'a str, &'a str>,
    used: BTreeMap<&'a str, &'a str>,
}

impl Terms<'_> {
    fn check(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (term, clause) in &self.used {
            if !self.defined.contains_key(term) {
                out.push(
                    Diagnostic::error("library::undefined-term", format!("clause `{clause}` uses the term “{term}”, which this agreement does not define"))
                        .help(format!("define it as \"\"{term}\"\" in the definitions clause, under the same condition as the clauses that use it")),
                );
            }
        }
        for (term, clause) in &self.defined {
            if !self.used.contains_key(term) {
                out.push(
                    Diagnostic::error("library::unused-term", format!("clause `{clause}` defines “{term}”, but no clause in this agreement uses it"))
                        .help(format!("use it as <{term}> where it applies, or define it only under the condition of the clauses that use it")),
                );
            }
        }
        out
    }
}

/// Resolve defined-term markup in a rendered clause body.
///
/// `""Term""` defines a term (rendered bold, in quotation marks) and `<Term>` uses one
/// (rendered as plain text). Values from the config cannot produce this markup: the Markdown
/// escape turns their `<` into `\<` and `"` is only special when doubled here.
pub fn mark_terms(body: &str) -> (String, Vec<String>, Vec<String>) {
    let mut out = String::with_capacity(body.len() + 16);
    let mut defined = Vec::new();
    let mut used = Vec::new();
    let mut rest = body;
    // Only a `"` or a `<` can start markup: copy everything up to the next one in one go.
    while let Some(pos) = memchr::memchr2(b'"', b'<', rest.as_bytes()) {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        if let Some(after) = rest.strip_prefix("\"\"")
            && let Some(end) = after.find("\"\"")
            && is_term(&after[..end])
        {
            let term = &after[..end];
            out.push_str("**“");
            out.push_str(term);
            out.push_str("”**");
            defined.push(term.to_owned());
            rest = &after[end + 2..];
            continue;
        }
        if let Some(after) = rest.strip_prefix('<')
            && !out.ends_with('\\')
            && let Some(end) = after.find('>')
            && is_term(&after[..end])
        {
            let term = &after[..end];
            out.push_str(term);
            used.push(term.to_owned());
            rest = &after[end + 1..];
            continue;
        }
        // A lone `"` or `<` (both one byte): keep it.
        out.push_str(&rest[..1]);
        rest = &rest[1..];
    }
    out.push_str(rest);
    (out, defined, used)
}

fn is_term(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.len() <= 60
        && s.chars()
            .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '-')
        && !s.ends_with(' ')
}

/// Every `#id` link must point at a heading in the document.
///
/// A line scan rather than a Markdown parse (this runs once per agreement, also in batches of
/// thousands): headings end in `{#id}` (the `anchor` filter), and a link to one is `](#id)`,
/// which a config value can never produce because its `]` and `#` are escaped.
pub fn check_cross_references(md: &str) -> Result<(), Vec<Diagnostic>> {
    use memchr::memmem;
    let bytes = md.as_bytes();
    let mut ids = HashSet::new();
    let mut links: Vec<(&str, &str)> = Vec::new();
    let mut current = "(cover)";
    // Heading lines and link openings, in document order, each found with one SIMD search
    // over the whole text (a search per line cost more than the rest of the scan).
    let mut headings = md
        .starts_with('#')
        .then_some(0)
        .into_iter()
        .chain(memmem::find_iter(bytes, b"\n#").map(|p| p + 1))
        .peekable();
    let mut openings = memmem::find_iter(bytes, b"](#").peekable();
    // Where the last link target ended: an opening before it is part of that target.
    let mut consumed = 0;
    loop {
        let h = headings.peek().copied();
        let o = openings.peek().copied();
        match (h, o) {
            (Some(h), o) if o.is_none_or(|o| h < o) => {
                headings.next();
                let end = memchr::memchr(b'\n', &bytes[h..]).map_or(md.len(), |e| h + e);
                let line = md[h..end].strip_suffix('\r').unwrap_or(&md[h..end]);
                if let Some(open) = line.rfind("{#")
                    && line.ends_with('}')
                {
                    let level = line.bytes().take_while(|&b| b == b'#').count();
                    let id = line[open + 2..line.len() - 1]
                        .split_whitespace()
                        .next()
                        .unwrap_or("");
                    ids.insert(id);
                    if level <= 3 {
                        current = id;
                    }
                }
            }
            (_, Some(p)) => {
                openings.next();
                if p < consumed {
                    continue;
                }
                let escaped = bytes[consumed..p]
                    .iter()
                    .rev()
                    .take_while(|&&b| b == b'\\')
                    .count()
                    % 2
                    == 1;
                let after = &md[p + 3..];
                let end = after
                    .find(|c: char| c == ')' || c.is_whitespace())
                    .unwrap_or(after.len());
                if !escaped {
                    links.push((&after[..end], current));
                }
                consumed = p + 3 + end;
            }
            _ => break,
        }
    }
    let diags: Vec<Diagnostic> = links
        .into_iter()
        .filter(|(t, _)| !ids.contains(t))
        .map(|(t, from)| {
            Diagnostic::error("library::dangling-reference", format!("clause `{from}` refers to `{t}`, which is not in this agreement"))
                .help(format!("make the reference conditional on the same condition as `{t}`, or include `{t}` under [clauses] include"))
        })
        .collect();
    if diags.is_empty() { Ok(()) } else { Err(diags) }
}

/// Clause ids per section in document order (for listings and tests).
pub fn clause_ids(r: &Rendered) -> BTreeMap<usize, Vec<String>> {
    r.sections
        .iter()
        .enumerate()
        .map(|(i, s)| (i, s.clauses.iter().map(|c| c.id.clone()).collect()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::{Event, HeadingLevel, LinkType, Parser, Tag};

    fn md_text(md: &str) -> String {
        let mut s = String::new();
        for ev in Parser::new_ext(md, markdown_options()) {
            match ev {
                Event::Text(t) => s.push_str(&t),
                Event::Code(t) => s.push_str(&t),
                Event::SoftBreak => s.push(' '),
                _ => {}
            }
        }
        s
    }

    #[test]
    fn escaped_values_parse_back_literally() {
        for v in [
            "*ACME* <Ltd> # 1",
            "{{ x }} {% if %}",
            "1. not a list",
            "- not a list",
            "# not a heading",
            "> not a quote",
            "[link](http://x) ![img](y)",
            "a_b_c __d__ `e` ~~f~~ | g |",
            "Société Générale & Cie",
            "&amp; &copy;",
            "Example S.A. (Belgium)",
            "===",
            "+ plus",
            "2) two",
            "back\\slash",
            "[^1] footnote",
            ": definition",
        ] {
            for wrap in ["{}", "- {}", "Party: {}", "| {} |"] {
                let escaped = escape_str(v);
                let md = wrap.replace("{}", &escaped);
                let text = md_text(&md);
                assert!(
                    text.contains(v),
                    "{v:?} in {wrap:?} gave {text:?} from {md:?}"
                );
            }
        }
    }

    use proptest::strategy::Strategy;
    proptest::proptest! {
        // Many cases: a plain value with one markup character in it is a small share of them.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(8192))]
        #[test]
        fn plain_values_are_copied_as_the_full_escape_would(
            s in proptest::collection::vec(
                proptest::sample::select("ab Z.,:;()-'/09\\`*_[]<>&|~{}#!$^\"é\n".chars().collect::<Vec<_>>()),
                0..6,
            ).prop_map(|v| v.into_iter().collect::<String>())
        ) {
            let mut full = Vec::new();
            escape_markdown_in_full(&s, &mut full).unwrap();
            proptest::prop_assert_eq!(escape_str(&s), String::from_utf8(full).unwrap());
        }
    }

    #[test]
    fn doubled_quotes_in_values_are_not_terms() {
        // Regression: a value `""Controller""` became the bold defined term “Controller”.
        let escaped = escape_str("He said \"\"Controller\"\" and \"\"\"\"");
        let (out, defined, _) = mark_terms(&escaped);
        assert!(defined.is_empty(), "{out}");
        assert_eq!(md_text(&out), "He said \"\"Controller\"\" and \"\"\"\"");
        assert_eq!(escape_str("a \"quoted\" name"), "a \"quoted\" name");
    }

    #[test]
    fn terms_are_defined_and_used() {
        let (out, d, u) = mark_terms(
            "\"\"Shared Data\"\"\n: the data. The <Parties> use <Shared Data> but not \\<Fake> or <lower>.",
        );
        assert_eq!(d, vec!["Shared Data"]);
        assert_eq!(u, vec!["Parties", "Shared Data"]);
        assert!(out.starts_with("**“Shared Data”**"));
        assert!(out.contains("\\<Fake>"));
        assert!(out.contains("<lower>"));
    }

    #[test]
    fn long_dates() {
        assert_eq!(long_date("2026-04-01"), "1 April 2026");
        assert_eq!(long_date("2024-02-29"), "29 February 2024");
        assert_eq!(long_date("soon"), "soon");
    }

    #[test]
    fn join_words_reads_naturally() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(join_words(&s(&["a"]), "and"), "a");
        assert_eq!(join_words(&s(&["a", "b"]), "and"), "a and b");
        assert_eq!(join_words(&s(&["a", "b", "c"]), "or"), "a, b or c");
    }

    /// The line scan finds exactly the heading ids and `#` links a Markdown parser finds.
    #[test]
    fn cross_reference_scan_agrees_with_the_parser() {
        let md = "# Title\n\n## Section {#sec-a}\n\n### One {#one}\n\nSee [two](#two), \
                  a value \\](\\#x) and [three](#three \"t\").\n\n- item [one](#one)\n\n\
                  | a | [b](#one) |\n|---|---|\n\n## Annex {#annex-x .annex}\n\n\
                  #### Deep {#deep}\n\nBack to [x](#annex-x).\n";
        let (mut ids, mut links) = (Vec::new(), Vec::new());
        for ev in Parser::new_ext(md, markdown_options()) {
            match ev {
                Event::Start(Tag::Heading {
                    id: Some(id),
                    level,
                    ..
                }) => {
                    assert!(level >= HeadingLevel::H2);
                    ids.push(id.to_string())
                }
                Event::Start(Tag::Link {
                    link_type: LinkType::Inline,
                    dest_url,
                    ..
                }) => {
                    if let Some(t) = dest_url.strip_prefix('#') {
                        links.push(t.to_owned())
                    }
                }
                _ => {}
            }
        }
        assert_eq!(ids, ["sec-a", "one", "annex-x", "deep"]);
        assert_eq!(links, ["two", "three", "one", "one", "annex-x"]);
        let e = check_cross_references(md).unwrap_err();
        let mut dangling: Vec<&str> = e
            .iter()
            .map(|d| d.message.split('`').nth(3).unwrap_or(""))
            .collect();
        dangling.sort();
        assert_eq!(dangling, ["three", "two"]);
        assert!(e.iter().all(|d| d.message.starts_with("clause `one`")));
    }

    #[test]
    fn dangling_reference_is_reported() {
        let md = "### One {#one}\n\nSee [two](#two) and [one](#one).\n";
        let e = check_cross_references(md).unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].message.contains("`two`"));
    }
}
