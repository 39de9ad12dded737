//! Markdown → Typst body conversion.
//!
//! The output is the *body* of an agreement; it is appended to
//! `templates/agreement.typ`, which defines the two helpers the body calls:
//!
//! * `dp-annex-numbering`: the numbering function of annex headings
//!   (A, B, … and A.1, A.2, …);
//! * `dp-end-of-body()`: signature blocks and the switch to annexes. The
//!   converter emits exactly one call: right before the first annex, or at
//!   the end of the document when there is none.
//!
//! Markdown conventions (no numbers in the Markdown; the PDF numbers):
//!
//! | Markdown                          | Typst                                   |
//! |-----------------------------------|-----------------------------------------|
//! | `# Title` (first block only)      | dropped: the title page shows the title |
//! | `## Section {#id}`                | level-1 heading, numbered 1, 2, …       |
//! | `### Clause {#id}`                | level-2 heading, numbered 1.1, …        |
//! | `#### Sub-heading`                | level-3 heading, unnumbered             |
//! | `## Parties {#id .annex}`         | level-1 heading, lettered A, B, …       |
//! | `### Item {#id}` inside an annex  | level-2 heading, numbered A.1, …        |
//! | `[text](#id)`                     | `text (clause 7.2)` / `(Annex C)` …     |
//!
//! Every numbered heading gets a label (its id, or `dp-h-N` when it has
//! none). Before each level-2 / level-3 Markdown heading a marker comment
//! (`// section: id`, `// annex: id`, `// clause: id`) is written so that a
//! Typst diagnostic line can be mapped back with [`clause_at_line`].

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{
    Alignment, CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Parser, Tag, TagEnd,
};

use super::escape::{escape_markup, push_str_literal};

/// A Markdown construct that cannot be converted, with its position in the
/// Markdown (1-based line, 1-based column counted in characters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ConvertError {
    pub message: String,
    pub line: usize,
    pub column: usize,
}

/// The pulldown-cmark options datapact uses everywhere (one definition, in
/// [`crate::render::markdown_options`], so the PDF reads the Markdown exactly
/// as the renderer meant it).
pub use crate::render::markdown_options;

/// Converts agreement Markdown to the Typst body (see the module docs).
pub fn markdown_to_typst(md: &str) -> Result<String, ConvertError> {
    let events: Vec<(Event<'_>, Range<usize>)> = Parser::new_ext(md, markdown_options())
        .into_offset_iter()
        .collect();
    let lines = LineIndex::new(md);
    let doc = DocIndex::scan(&events, &lines)?;
    let mut w = Writer::new(&events, &lines, &doc);
    w.render(0..events.len())?;
    w.finish()
}

/// Maps a line of generated Typst (1-based, as in Typst diagnostics for the
/// body) to the id of the innermost enclosing Markdown heading that carries
/// a marker: the clause (`###`) if the line is inside one, else the section
/// or annex (`##`). `None` before the first marker or when that heading has
/// no id.
pub fn clause_at_line(typ: &str, line: usize) -> Option<String> {
    let mut found: Option<&str> = None;
    for l in typ.lines().take(line) {
        for prefix in [MARK_CLAUSE, MARK_SECTION, MARK_ANNEX] {
            if let Some(id) = l.strip_prefix(prefix) {
                found = Some(id.trim());
            }
        }
    }
    found.filter(|id| !id.is_empty()).map(str::to_owned)
}

const MARK_CLAUSE: &str = "// clause: ";
const MARK_SECTION: &str = "// section: ";
const MARK_ANNEX: &str = "// annex: ";
const RESERVED_PREFIX: &str = "dp-";

// ---------------------------------------------------------------------------
// Positions

struct LineIndex<'a> {
    md: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(md: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(md.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { md, starts }
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> ConvertError {
        let offset = offset.min(self.md.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = self
            .md
            .get(start..offset)
            .map_or(1, |prefix| prefix.chars().count() + 1);
        ConvertError {
            message: message.into(),
            line,
            column,
        }
    }
}

// ---------------------------------------------------------------------------
// Pass 1: headings, cross-reference targets, footnote definitions

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeadingKind {
    Title,
    Section,
    Clause,
    Annex,
    AnnexClause,
    Sub,
}

#[derive(Debug, Clone)]
struct HeadingInfo {
    kind: HeadingKind,
    /// Label written after the heading (`None` for title and unlabeled
    /// sub-headings).
    label: Option<String>,
    /// Id from `{#id}`.
    id: Option<String>,
}

#[derive(Debug, Default)]
struct DocIndex {
    /// Heading info keyed by the index of its `Start(Heading)` event.
    headings: HashMap<usize, HeadingInfo>,
    /// Heading id → label of the numbered heading a reference should cite.
    ref_targets: HashMap<String, String>,
    /// Footnote label → event range of the definition's content.
    footnotes: HashMap<String, Range<usize>>,
    /// Footnote label → offset of the definition (for error messages).
    footnote_pos: HashMap<String, usize>,
}

impl DocIndex {
    fn scan(events: &[(Event<'_>, Range<usize>)], lines: &LineIndex) -> Result<Self, ConvertError> {
        let mut doc = DocIndex::default();
        let mut scan = HeadingScan::default();
        let mut open_footnote: Option<(String, usize)> = None;
        // Only HTML comments may precede the title.
        let mut before_content = true;
        for (i, (ev, range)) in events.iter().enumerate() {
            let at_start = before_content;
            if !matches!(
                ev,
                Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) | Event::Html(_)
            ) {
                before_content = false;
            }
            match ev {
                Event::Start(Tag::Heading {
                    level,
                    id,
                    classes,
                    attrs,
                }) => {
                    let info = scan
                        .heading(*level, id.as_deref(), classes, attrs, at_start)
                        .map_err(|m| lines.error(range.start, m))?;
                    // Ids are unique (checked by the scan).
                    if let (Some(id), Some(target)) = (&info.id, &scan.ref_label) {
                        doc.ref_targets.insert(id.clone(), target.clone());
                    }
                    doc.headings.insert(i, info);
                }
                Event::Start(Tag::FootnoteDefinition(label)) => {
                    if doc.footnotes.contains_key(label.as_ref()) || open_footnote.is_some() {
                        return Err(lines.error(
                            range.start,
                            format!("footnote `[^{label}]` is defined more than once"),
                        ));
                    }
                    open_footnote = Some((label.to_string(), i + 1));
                    doc.footnote_pos.insert(label.to_string(), range.start);
                }
                Event::End(TagEnd::FootnoteDefinition) => {
                    if let Some((label, start)) = open_footnote.take() {
                        doc.footnotes.insert(label, start..i);
                    }
                }
                _ => {}
            }
        }
        Ok(doc)
    }
}

/// Numbering state while scanning headings in document order.
#[derive(Default)]
struct HeadingScan {
    in_annexes: bool,
    in_numbered: bool,
    auto_labels: usize,
    seen_ids: Vec<String>,
    /// Label of the innermost numbered heading so far.
    ref_label: Option<String>,
    /// Label of the current level-1 (section/annex) heading.
    top_label: Option<String>,
}

impl HeadingScan {
    fn heading(
        &mut self,
        level: HeadingLevel,
        id: Option<&str>,
        classes: &[CowStr<'_>],
        attrs: &[(CowStr<'_>, Option<CowStr<'_>>)],
        first_event: bool,
    ) -> Result<HeadingInfo, String> {
        let annex = check_heading_attributes(id, classes, attrs)?;
        if let Some(id) = id {
            if self.seen_ids.iter().any(|s| s == id) {
                return Err(format!("duplicate heading id `{id}`"));
            }
            self.seen_ids.push(id.to_owned());
        }
        let kind = match level {
            HeadingLevel::H1 if first_event && !annex => HeadingKind::Title,
            HeadingLevel::H1 => {
                return Err(
                    "a level-1 heading (`#`) is only allowed as the document title, \
                            the first line; use `##` for sections"
                        .into(),
                );
            }
            HeadingLevel::H2 if annex => HeadingKind::Annex,
            HeadingLevel::H2 if self.in_annexes => {
                return Err(
                    "a section heading after an annex: annexes must come after all sections".into(),
                );
            }
            HeadingLevel::H2 => HeadingKind::Section,
            _ if annex => return Err("`.annex` is only allowed on `##` headings".into()),
            HeadingLevel::H3 if self.top_label.is_none() => {
                return Err("a clause heading (`###`) before the first section (`##`)".into());
            }
            HeadingLevel::H3 if self.in_annexes => HeadingKind::AnnexClause,
            HeadingLevel::H3 => HeadingKind::Clause,
            _ => HeadingKind::Sub,
        };
        let numbered = !matches!(kind, HeadingKind::Title | HeadingKind::Sub);
        let label = if numbered {
            Some(match id {
                Some(id) => id.to_owned(),
                None => {
                    self.auto_labels += 1;
                    format!("{RESERVED_PREFIX}h-{}", self.auto_labels)
                }
            })
        } else {
            id.map(str::to_owned)
        };
        match kind {
            HeadingKind::Section | HeadingKind::Annex => {
                self.in_annexes |= kind == HeadingKind::Annex;
                self.top_label = label.clone();
                self.ref_label = label.clone();
                self.in_numbered = true;
            }
            HeadingKind::Clause | HeadingKind::AnnexClause => {
                self.ref_label = label.clone();
                self.in_numbered = true;
            }
            HeadingKind::Title => {
                self.ref_label = None;
            }
            HeadingKind::Sub => {
                if !self.in_numbered {
                    self.ref_label = None;
                }
            }
        }
        if kind == HeadingKind::Title {
            // The title is not rendered, so it cannot be referenced.
            return Ok(HeadingInfo {
                kind,
                label: None,
                id: None,
            });
        }
        if kind == HeadingKind::Sub && self.ref_label.is_none() && id.is_some() {
            return Err("a sub-heading with an id outside any section cannot be referenced".into());
        }
        Ok(HeadingInfo {
            kind,
            label,
            id: id.map(str::to_owned),
        })
    }
}

/// Returns whether the heading is an annex; rejects other attributes.
fn check_heading_attributes(
    id: Option<&str>,
    classes: &[CowStr<'_>],
    attrs: &[(CowStr<'_>, Option<CowStr<'_>>)],
) -> Result<bool, String> {
    if let Some(id) = id {
        if id.is_empty() {
            return Err("empty heading id".into());
        }
        if id.starts_with(RESERVED_PREFIX) {
            return Err(format!(
                "heading id `{id}`: ids starting with `{RESERVED_PREFIX}` are reserved"
            ));
        }
        if id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("heading id `{id}` contains whitespace"));
        }
    }
    let mut annex = false;
    for class in classes {
        match class.as_ref() {
            "annex" => annex = true,
            other => {
                return Err(format!(
                    "unknown heading class `.{other}` (only `.annex` is supported)"
                ));
            }
        }
    }
    if let Some((key, _)) = attrs.first() {
        return Err(format!(
            "unsupported heading attribute `{key}` (only `#id` and `.annex` are supported)"
        ));
    }
    Ok(annex)
}

// ---------------------------------------------------------------------------
// Pass 2: writing Typst

enum LinkState {
    /// `#link("url")[text];`
    External,
    /// `#link(label("id"))[text]; (#ref(label("target"));)`
    CrossRef { target: String },
    /// Scheme not allowed: text, then the URL in parentheses.
    Plain { url: String, show_url: bool },
}

#[derive(Default)]
struct TableState {
    columns: usize,
    cells_in_row: usize,
}

#[derive(Default)]
struct TermsState {
    item_open: bool,
    definitions: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FootnoteState {
    Rendering,
    Emitted,
}

struct Writer<'e, 'a> {
    events: &'e [(Event<'a>, Range<usize>)],
    lines: &'e LineIndex<'e>,
    doc: &'e DocIndex,
    out: String,
    links: Vec<LinkState>,
    tables: Vec<TableState>,
    terms: Vec<TermsState>,
    heading: Option<HeadingInfo>,
    footnotes: HashMap<String, FootnoteState>,
    body_ended: bool,
}

type Step = Result<usize, ConvertError>;

impl<'e, 'a> Writer<'e, 'a> {
    fn new(
        events: &'e [(Event<'a>, Range<usize>)],
        lines: &'e LineIndex<'e>,
        doc: &'e DocIndex,
    ) -> Self {
        Writer {
            events,
            lines,
            doc,
            out: String::with_capacity(events.len() * 16),
            links: Vec::new(),
            tables: Vec::new(),
            terms: Vec::new(),
            heading: None,
            footnotes: HashMap::new(),
            body_ended: false,
        }
    }

    fn finish(mut self) -> Result<String, ConvertError> {
        let mut unused: Vec<(&String, &usize)> = self
            .doc
            .footnote_pos
            .iter()
            .filter(|(label, _)| !self.footnotes.contains_key(*label))
            .collect();
        unused.sort_by_key(|(_, pos)| **pos);
        if let Some((label, pos)) = unused.first() {
            return Err(self.lines.error(
                **pos,
                format!("footnote `[^{label}]` is defined but never referenced"),
            ));
        }
        if !self.body_ended {
            self.end_of_body();
        }
        trim_trailing_ws(&mut self.out);
        self.out.push('\n');
        Ok(self.out)
    }

    fn error(&self, i: usize, message: impl Into<String>) -> ConvertError {
        let offset = self.events.get(i).map_or(0, |(_, r)| r.start);
        self.lines.error(offset, message)
    }

    fn render(&mut self, range: Range<usize>) -> Result<(), ConvertError> {
        let mut i = range.start;
        while i < range.end {
            i = self.event(i)?;
        }
        Ok(())
    }

    /// Handles the event at `i`; returns the index of the next event.
    fn event(&mut self, i: usize) -> Step {
        let Some((ev, _)) = self.events.get(i) else {
            return Ok(i + 1);
        };
        match ev {
            Event::Start(tag) => self.start(tag, i),
            Event::End(tag) => self.end(*tag, i),
            Event::Text(text) => {
                escape_markup(text, &mut self.out);
                Ok(i + 1)
            }
            Event::Code(code) => self.inline_code(code, i),
            Event::SoftBreak => {
                self.out.push(' ');
                Ok(i + 1)
            }
            Event::HardBreak => {
                self.out.push_str("#linebreak();");
                Ok(i + 1)
            }
            Event::Rule => self.rule(i),
            Event::FootnoteReference(label) => self.footnote_reference(label, i),
            Event::InlineHtml(html) => self.inline_html(html, i),
            Event::Html(_) => Err(self.error(i, "raw HTML is not supported")),
            Event::InlineMath(_) | Event::DisplayMath(_) => {
                Err(self.error(i, "math is not supported"))
            }
            Event::TaskListMarker(_) => Err(self.error(i, "task lists are not supported")),
        }
    }

    fn start(&mut self, tag: &Tag<'a>, i: usize) -> Step {
        match tag {
            Tag::Paragraph => self.paragraph_start(i),
            Tag::Heading { .. } => self.heading_start(i),
            Tag::BlockQuote(_) => self.block_open(i, "#quote(block: true)["),
            Tag::CodeBlock(kind) => self.code_block(kind, i),
            Tag::HtmlBlock => self.html_block(i),
            Tag::List(start) => self.list_start(*start, i),
            Tag::Item => self.inline_open(i, "["),
            Tag::FootnoteDefinition(_) => self.skip_footnote_definition(i),
            Tag::DefinitionList => self.terms_start(i),
            Tag::DefinitionListTitle => self.term_title_start(i),
            Tag::DefinitionListDefinition => self.term_definition_start(i),
            Tag::Table(aligns) => self.table_start(aligns, i),
            Tag::TableHead => self.inline_open(i, "table.header("),
            Tag::TableRow => self.table_row_start(i),
            Tag::TableCell => self.table_cell_start(i),
            Tag::Emphasis => self.inline_open(i, "#emph["),
            Tag::Strong => self.inline_open(i, "#strong["),
            Tag::Strikethrough => self.inline_open(i, "#strike["),
            Tag::Link {
                link_type,
                dest_url,
                ..
            } => self.link_start(*link_type, dest_url, i),
            Tag::Image { .. } => Err(self.error(i, "images are not supported")),
            Tag::Superscript | Tag::Subscript => {
                Err(self.error(i, "superscript/subscript are not supported"))
            }
            Tag::MetadataBlock(_) => Err(self.error(i, "metadata blocks are not supported")),
        }
    }

    fn end(&mut self, tag: TagEnd, i: usize) -> Step {
        match tag {
            TagEnd::Paragraph => self.block_close(i, ""),
            TagEnd::Heading(_) => self.heading_end(i),
            TagEnd::BlockQuote(_) => self.block_close(i, "];"),
            TagEnd::List(_) => self.block_close(i, ");"),
            TagEnd::Item => self.container_close(i, "], "),
            TagEnd::DefinitionList => self.terms_end(i),
            TagEnd::DefinitionListTitle => self.inline_open(i, "], ["),
            TagEnd::DefinitionListDefinition => Ok(i + 1),
            TagEnd::Table => self.block_close(i, ");"),
            TagEnd::TableHead => self.table_head_end(i),
            TagEnd::TableRow => self.table_row_end(i),
            TagEnd::TableCell => self.container_close(i, "], "),
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => self.inline_open(i, "];"),
            TagEnd::Link => self.link_end(i),
            // Starts of these are rejected or consume their whole content.
            TagEnd::CodeBlock
            | TagEnd::HtmlBlock
            | TagEnd::FootnoteDefinition
            | TagEnd::Image
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::MetadataBlock(_) => Ok(i + 1),
        }
    }

    // -- generic helpers ----------------------------------------------------

    fn inline_open(&mut self, i: usize, s: &str) -> Step {
        self.out.push_str(s);
        Ok(i + 1)
    }

    /// Starts a block: on a fresh line.
    fn block_open(&mut self, i: usize, s: &str) -> Step {
        self.begin_block();
        self.out.push_str(s);
        Ok(i + 1)
    }

    /// Closes a block-level construct and separates it from what follows.
    fn block_close(&mut self, i: usize, s: &str) -> Step {
        if !s.is_empty() {
            trim_trailing_ws(&mut self.out);
            self.out.push_str(s);
        }
        self.out.push_str("\n\n");
        Ok(i + 1)
    }

    /// Closes a content block that may end with block separators.
    fn container_close(&mut self, i: usize, s: &str) -> Step {
        trim_trailing_ws(&mut self.out);
        self.out.push_str(s);
        Ok(i + 1)
    }

    fn begin_block(&mut self) {
        match self.out.chars().next_back() {
            None | Some('\n') | Some('[') | Some('(') => {}
            Some(' ') if self.out.ends_with(", ") => {}
            Some(_) => self.out.push('\n'),
        }
    }

    // -- paragraphs, headings, rules ---------------------------------------

    fn paragraph_start(&mut self, i: usize) -> Step {
        self.begin_block();
        Ok(i + 1)
    }

    fn heading_start(&mut self, i: usize) -> Step {
        let info = self
            .doc
            .headings
            .get(&i)
            .cloned()
            .ok_or_else(|| self.error(i, "internal error: heading not indexed"))?;
        if info.kind == HeadingKind::Title {
            return Ok(self.skip_to_end(i));
        }
        if info.kind == HeadingKind::Annex && !self.body_ended {
            self.end_of_body();
        }
        // Marker comments must start a line (see `clause_at_line`).
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        let id = info.id.as_deref().unwrap_or("");
        let (marker, args) = match info.kind {
            HeadingKind::Section => (Some(MARK_SECTION), "level: 1, supplement: [section]"),
            HeadingKind::Clause => (Some(MARK_CLAUSE), "level: 2, supplement: [clause]"),
            HeadingKind::Annex => (
                Some(MARK_ANNEX),
                "level: 1, numbering: dp-annex-numbering, supplement: [Annex]",
            ),
            HeadingKind::AnnexClause => (
                Some(MARK_CLAUSE),
                "level: 2, numbering: dp-annex-numbering, supplement: [paragraph]",
            ),
            _ => (None, "level: 3, numbering: none, outlined: false"),
        };
        if let Some(marker) = marker {
            self.out.push_str(marker);
            // The id cannot contain a newline (checked in pass 1).
            self.out.push_str(id);
            self.out.push('\n');
        }
        self.out.push_str("#heading(");
        self.out.push_str(args);
        self.out.push_str(")[");
        self.heading = Some(info);
        Ok(i + 1)
    }

    fn heading_end(&mut self, i: usize) -> Step {
        trim_trailing_ws(&mut self.out);
        self.out.push(']');
        if let Some(label) = self.heading.take().and_then(|h| h.label) {
            self.out.push_str("#label(");
            push_str_literal(&label, &mut self.out);
            self.out.push(')');
        }
        self.out.push_str(";\n\n");
        Ok(i + 1)
    }

    fn end_of_body(&mut self) {
        self.begin_block();
        self.out.push_str("#dp-end-of-body();\n\n");
        self.body_ended = true;
    }

    fn rule(&mut self, i: usize) -> Step {
        self.begin_block();
        self.out
            .push_str("#align(center, line(length: 30%, stroke: 0.5pt + gray));\n\n");
        Ok(i + 1)
    }

    /// Index after the `End` matching the `Start` at `i`.
    fn skip_to_end(&self, i: usize) -> usize {
        let mut depth = 0usize;
        for (j, (ev, _)) in self.events.iter().enumerate().skip(i) {
            match ev {
                Event::Start(_) => depth += 1,
                Event::End(_) => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return j + 1;
                    }
                }
                _ => {}
            }
        }
        self.events.len()
    }

    // -- code and HTML -----------------------------------------------------

    fn inline_code(&mut self, code: &str, i: usize) -> Step {
        self.out.push_str("#raw(");
        push_str_literal(code, &mut self.out);
        self.out.push_str(");");
        Ok(i + 1)
    }

    fn code_block(&mut self, kind: &CodeBlockKind<'a>, i: usize) -> Step {
        let end = self.skip_to_end(i);
        let mut code = String::new();
        for (ev, _) in &self.events[i + 1..end.saturating_sub(1).max(i + 1)] {
            if let Event::Text(t) = ev {
                code.push_str(t);
            }
        }
        self.begin_block();
        self.out.push_str("#raw(block: true, ");
        if let CodeBlockKind::Fenced(info) = kind
            && let Some(lang) = info.split_whitespace().next()
        {
            self.out.push_str("lang: ");
            push_str_literal(lang, &mut self.out);
            self.out.push_str(", ");
        }
        push_str_literal(&code, &mut self.out);
        self.out.push_str(");\n\n");
        Ok(end)
    }

    fn html_block(&mut self, i: usize) -> Step {
        let end = self.skip_to_end(i);
        let mut html = String::new();
        for (ev, _) in &self.events[i + 1..end.saturating_sub(1).max(i + 1)] {
            if let Event::Html(t) | Event::Text(t) = ev {
                html.push_str(t);
            }
        }
        if is_html_comment(&html) {
            Ok(end)
        } else {
            Err(self.error(
                i,
                "raw HTML is not supported (only <!-- comments --> are allowed)",
            ))
        }
    }

    fn inline_html(&mut self, html: &str, i: usize) -> Step {
        if is_html_comment(html) {
            Ok(i + 1)
        } else {
            Err(self.error(i, format!("raw HTML `{}` is not supported", html.trim())))
        }
    }

    // -- lists -------------------------------------------------------------

    fn list_start(&mut self, start: Option<u64>, i: usize) -> Step {
        self.begin_block();
        match start {
            None => self.out.push_str("#list("),
            Some(n) => {
                // Letters cannot represent zero: a list written `0.` starts at (a).
                self.out.push_str("#enum(start: ");
                self.out.push_str(&n.max(1).to_string());
                self.out.push_str(", ");
            }
        }
        Ok(i + 1)
    }

    fn terms_start(&mut self, i: usize) -> Step {
        self.terms.push(TermsState::default());
        self.block_open(i, "#terms(")
    }

    fn term_title_start(&mut self, i: usize) -> Step {
        let Some(state) = self.terms.last_mut() else {
            return Err(self.error(i, "definition title outside a definition list"));
        };
        let was_open = std::mem::replace(&mut state.item_open, true);
        state.definitions = 0;
        if was_open {
            self.container_close(i, "]), ")?;
        }
        self.out.push_str("terms.item([");
        Ok(i + 1)
    }

    fn term_definition_start(&mut self, i: usize) -> Step {
        let Some(state) = self.terms.last_mut() else {
            return Err(self.error(i, "definition outside a definition list"));
        };
        state.definitions += 1;
        if state.definitions > 1 {
            // Further definitions of the same term: a new paragraph.
            trim_trailing_ws(&mut self.out);
            self.out.push_str("\n\n");
        }
        Ok(i + 1)
    }

    fn terms_end(&mut self, i: usize) -> Step {
        let open = self.terms.pop().is_some_and(|s| s.item_open);
        if open {
            self.container_close(i, "]), ")?;
        }
        self.block_close(i, ");")
    }

    // -- tables ------------------------------------------------------------

    fn table_start(&mut self, aligns: &[Alignment], i: usize) -> Step {
        self.begin_block();
        self.tables.push(TableState {
            columns: aligns.len().max(1),
            cells_in_row: 0,
        });
        self.out.push_str("#table(columns: ");
        self.out.push_str(&aligns.len().max(1).to_string());
        self.out.push_str(", align: (");
        for a in aligns {
            self.out.push_str(match a {
                Alignment::None => "auto",
                Alignment::Left => "left",
                Alignment::Center => "center",
                Alignment::Right => "right",
            });
            self.out.push_str(", ");
        }
        self.out.push_str("), ");
        Ok(i + 1)
    }

    fn table_row_start(&mut self, i: usize) -> Step {
        if let Some(t) = self.tables.last_mut() {
            t.cells_in_row = 0;
        }
        Ok(i + 1)
    }

    fn table_cell_start(&mut self, i: usize) -> Step {
        if let Some(t) = self.tables.last_mut() {
            t.cells_in_row += 1;
        }
        self.inline_open(i, "[")
    }

    /// Pads a short row with empty cells so later rows stay aligned.
    fn pad_row(&mut self) {
        if let Some(t) = self.tables.last_mut() {
            let missing = t.columns.saturating_sub(t.cells_in_row);
            t.cells_in_row = 0;
            for _ in 0..missing {
                self.out.push_str("[], ");
            }
        }
    }

    fn table_head_end(&mut self, i: usize) -> Step {
        self.pad_row();
        self.inline_open(i, "), ")
    }

    fn table_row_end(&mut self, i: usize) -> Step {
        self.pad_row();
        Ok(i + 1)
    }

    // -- links and cross-references ----------------------------------------

    fn link_start(&mut self, link_type: LinkType, dest: &str, i: usize) -> Step {
        if let Some(id) = dest.strip_prefix('#') {
            let Some(target) = self.doc.ref_targets.get(id) else {
                return Err(self.error(i, format!("cross-reference to unknown heading id `{id}`")));
            };
            self.out.push_str("#link(label(");
            push_str_literal(id, &mut self.out);
            self.out.push_str("))[");
            self.links.push(LinkState::CrossRef {
                target: target.clone(),
            });
            return Ok(i + 1);
        }
        let url = if link_type == LinkType::Email {
            format!("mailto:{dest}")
        } else {
            dest.to_owned()
        };
        if is_allowed_url(&url) {
            self.out.push_str("#link(");
            push_str_literal(&url, &mut self.out);
            self.out.push_str(")[");
            self.links.push(LinkState::External);
        } else {
            let show_url =
                !matches!(link_type, LinkType::Autolink | LinkType::Email) && !url.is_empty();
            self.links.push(LinkState::Plain { url, show_url });
        }
        Ok(i + 1)
    }

    fn link_end(&mut self, i: usize) -> Step {
        match self.links.pop() {
            Some(LinkState::External) => self.out.push_str("];"),
            Some(LinkState::CrossRef { target }) => {
                self.out.push_str("]; \\(#ref(label(");
                push_str_literal(&target, &mut self.out);
                self.out.push_str("));\\)");
            }
            Some(LinkState::Plain { url, show_url }) => {
                if show_url {
                    self.out.push_str(" \\(");
                    escape_markup(&url, &mut self.out);
                    self.out.push_str("\\)");
                }
            }
            None => return Err(self.error(i, "internal error: unbalanced link")),
        }
        Ok(i + 1)
    }

    // -- footnotes ---------------------------------------------------------

    fn skip_footnote_definition(&mut self, i: usize) -> Step {
        // Rendered at the first reference instead.
        Ok(self.skip_to_end(i))
    }

    fn footnote_reference(&mut self, label: &str, i: usize) -> Step {
        let Some(range) = self.doc.footnotes.get(label).cloned() else {
            return Err(self.error(i, format!("footnote `[^{label}]` has no definition")));
        };
        let typst_label = format!("{RESERVED_PREFIX}fn-{label}");
        match self.footnotes.get(label) {
            Some(FootnoteState::Emitted) => {
                self.out.push_str("#footnote(label(");
                push_str_literal(&typst_label, &mut self.out);
                self.out.push_str("));");
            }
            Some(FootnoteState::Rendering) => {
                return Err(self.error(i, format!("footnote `[^{label}]` refers to itself")));
            }
            None => {
                self.footnotes
                    .insert(label.to_owned(), FootnoteState::Rendering);
                self.out.push_str("#footnote[");
                // A definition's paragraphs are blocks; keep them inside.
                self.render(range)?;
                trim_trailing_ws(&mut self.out);
                self.out.push_str("]#label(");
                push_str_literal(&typst_label, &mut self.out);
                self.out.push_str(");");
                self.footnotes
                    .insert(label.to_owned(), FootnoteState::Emitted);
            }
        }
        Ok(i + 1)
    }
}

fn trim_trailing_ws(out: &mut String) {
    let len = out.trim_end_matches([' ', '\n']).len();
    out.truncate(len);
}

fn is_html_comment(html: &str) -> bool {
    let t = html.trim();
    t.starts_with("<!--") && t.ends_with("-->") && !t[4..].trim_end_matches("-->").contains("-->")
}

/// Only these schemes become clickable links.
fn is_allowed_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Converts `md` and compares with `expected` (surrounding whitespace
    /// ignored; the trailing `#dp-end-of-body();` is stripped when the
    /// expectation does not mention it).
    #[track_caller]
    fn check(md: &str, expected: &str) {
        let got = markdown_to_typst(md).unwrap_or_else(|e| panic!("conversion failed: {e}"));
        let got = if expected.contains("dp-end-of-body") {
            got.trim().to_owned()
        } else {
            got.trim()
                .trim_end_matches("#dp-end-of-body();")
                .trim()
                .to_owned()
        };
        assert_eq!(
            got,
            expected.trim(),
            "\n--- markdown ---\n{md}\n--- got ---\n{got}\n"
        );
    }

    #[track_caller]
    fn check_err(md: &str, line: usize, column: usize, needle: &str) {
        match markdown_to_typst(md) {
            Ok(t) => panic!("expected an error containing {needle:?}, got:\n{t}"),
            Err(e) => {
                assert!(
                    e.message.contains(needle),
                    "message {:?} lacks {needle:?}",
                    e.message
                );
                assert_eq!((e.line, e.column), (line, column), "position of {e}");
            }
        }
    }

    #[test]
    fn paragraphs_and_inline() {
        let cases: &[(&str, &str)] = &[
            ("Hello world.", "Hello world\\."),
            (
                "One sentence.\nAnother one.",
                "One sentence\\. Another one\\.",
            ),
            ("a\n\nb", "a\n\nb"),
            (
                "*em* **strong** ~~gone~~",
                "#emph[em]; #strong[strong]; #strike[gone];",
            ),
            ("**a *b* c**", "#strong[a #emph[b]; c];"),
            ("line  \nbreak", "line#linebreak();break"),
            ("line\\\nbreak", "line#linebreak();break"),
            ("use `a\\\"b`", "use #raw(\"a\\\\\\\"b\");"),
            ("«quote» — ‘x’ …", "«quote» — ‘x’ …"),
            (
                "5 * 3 = 15 # $ @x \\<y> a<b",
                "5 \\* 3 \\= 15 \\# \\$ \\@x \\<y\\> a\\<b",
            ),
            ("a ~ b -- c ... d", "a \\~ b \\-\\- c \\.\\.\\. d"),
            ("tab\there", "tab here"),
        ];
        for (md, typ) in cases {
            check(md, typ);
        }
    }

    #[test]
    fn headings_and_numbering() {
        check(
            "# Agreement title\n\nPreamble.\n\n## Definitions {#sec-defs}\n\n### Terms {#cl-terms}\n\nText.\n\n#### Detail\n",
            "Preamble\\.\n\n\
             // section: sec-defs\n#heading(level: 1, supplement: [section])[Definitions]#label(\"sec-defs\");\n\n\
             // clause: cl-terms\n#heading(level: 2, supplement: [clause])[Terms]#label(\"cl-terms\");\n\n\
             Text\\.\n\n\
             #heading(level: 3, numbering: none, outlined: false)[Detail];",
        );
        // Headings without ids still get a label so they can be numbered/referenced.
        check(
            "## A\n### B",
            "// section: \n#heading(level: 1, supplement: [section])[A]#label(\"dp-h-1\");\n\n// clause: \n#heading(level: 2, supplement: [clause])[B]#label(\"dp-h-2\");",
        );
        // Only HTML comments may precede the title.
        check("<!-- generated -->\n# Title\n\nText", "Text");
    }

    #[test]
    fn annexes_end_body_once() {
        check(
            "## Body {#b}\n\nx\n\n## Parties {#annex-parties .annex}\n\n### First {#p1}\n\n## Data {#annex-data .annex}\n",
            "// section: b\n#heading(level: 1, supplement: [section])[Body]#label(\"b\");\n\nx\n\n\
             #dp-end-of-body();\n\n\
             // annex: annex-parties\n#heading(level: 1, numbering: dp-annex-numbering, supplement: [Annex])[Parties]#label(\"annex-parties\");\n\n\
             // clause: p1\n#heading(level: 2, numbering: dp-annex-numbering, supplement: [paragraph])[First]#label(\"p1\");\n\n\
             // annex: annex-data\n#heading(level: 1, numbering: dp-annex-numbering, supplement: [Annex])[Data]#label(\"annex-data\");",
        );
        check("Only text.", "Only text\\.\n\n#dp-end-of-body();");
    }

    #[test]
    fn cross_references() {
        check(
            "## S {#s}\n### Retention and disposal {#retention-disposal}\n#### Sub {#sub}\n\nSee [Retention and disposal](#retention-disposal), [here](#sub) and [the section](#s).",
            "// section: s\n#heading(level: 1, supplement: [section])[S]#label(\"s\");\n\n\
             // clause: retention-disposal\n#heading(level: 2, supplement: [clause])[Retention and disposal]#label(\"retention-disposal\");\n\n\
             #heading(level: 3, numbering: none, outlined: false)[Sub]#label(\"sub\");\n\n\
             See #link(label(\"retention-disposal\"))[Retention and disposal]; \\(#ref(label(\"retention-disposal\"));\\)\\, \
             #link(label(\"sub\"))[here]; \\(#ref(label(\"retention-disposal\"));\\) and \
             #link(label(\"s\"))[the section]; \\(#ref(label(\"s\"));\\)\\.",
        );
        check_err(
            "## S {#s}\n\nSee\n[x](#nope).",
            4,
            1,
            "unknown heading id `nope`",
        );
    }

    #[test]
    fn links() {
        let cases: &[(&str, &str)] = &[
            (
                "[site](https://ex.org/a?b=\"c\")",
                "#link(\"https://ex.org/a?b=\\\"c\\\"\")[site];",
            ),
            (
                "<https://ex.org/x_y>",
                "#link(\"https://ex.org/x_y\")[https\\:\\/\\/ex\\.org\\/x\\_y];",
            ),
            (
                "<dpo@ex.org>",
                "#link(\"mailto:dpo@ex.org\")[dpo\\@ex\\.org];",
            ),
            ("[mail](MAILTO:a@b)", "#link(\"MAILTO:a@b\")[mail];"),
            (
                "[x](javascript:alert(1))",
                "x \\(javascript\\:alert\\(1\\)\\)",
            ),
            (
                "[x](file:///etc/passwd)",
                "x \\(file\\:\\/\\/\\/etc\\/passwd\\)",
            ),
            ("[x](other.md)", "x \\(other\\.md\\)"),
        ];
        for (md, typ) in cases {
            check(md, typ);
        }
    }

    #[test]
    fn lists() {
        check("- a\n- b", "#list([a], [b],);");
        check("3. x\n4. y", "#enum(start: 3, [x], [y],);");
        check("0. x", "#enum(start: 1, [x],);");
        check(
            "1. a\n   - b\n   - c\n2. d",
            "#enum(start: 1, [a\n#list([b], [c],);], [d],);",
        );
        check("- p1\n\n  p2\n- q", "#list([p1\n\np2], [q],);");
    }

    #[test]
    fn tables() {
        check(
            "| Party | Role | Fee |\n|:--|:-:|--:|\n| A_B [x] | ctl | 1 |\n| C | | |",
            "#table(columns: 3, align: (left, center, right, ), table.header([Party], [Role], [Fee], ), \
             [A\\_B \\[x\\]], [ctl], [1], [C], [], [],);",
        );
        check(
            "| a |\n|---|\n| b |",
            "#table(columns: 1, align: (auto, ), table.header([a], ), [b],);",
        );
    }

    #[test]
    fn quotes_code_rules() {
        check("> quoted\n> text", "#quote(block: true)[quoted text];");
        check(
            "```rust\nfn x() { \"\\\\\" }\n```",
            "#raw(block: true, lang: \"rust\", \"fn x() { \\\"\\\\\\\\\\\" }\\n\");",
        );
        check("    indented\n", "#raw(block: true, \"indented\\n\");");
        check(
            "a\n\n---\n\nb",
            "a\n\n#align(center, line(length: 30%, stroke: 0.5pt + gray));\n\nb",
        );
    }

    #[test]
    fn footnotes() {
        check(
            "A[^n] and B[^n].\n\n[^n]: The *note*.",
            "A#footnote[The #emph[note];\\.]#label(\"dp-fn-n\"); and B#footnote(label(\"dp-fn-n\"));\\.",
        );
        check_err("A.\n\n[^u]: unused", 3, 1, "never referenced");
        check_err("A[^x].\n\n[^x]: see[^x]", 3, 10, "refers to itself");
    }

    #[test]
    fn definition_lists() {
        check(
            "Personal data\n: any information\n\nController\n: decides\n: also this",
            "#terms(terms.item([Personal data], [any information]), terms.item([Controller], [decides\n\nalso this]),);",
        );
    }

    #[test]
    fn unsupported_constructs_are_positioned_errors() {
        check_err("Text\n\n![img](a.png)", 3, 1, "images");
        check_err("a <b>bold</b>", 1, 3, "raw HTML");
        check_err("x\n\n<div>\nhi\n</div>", 3, 1, "raw HTML");
        check_err("## S {#s}\n\n# Late title", 3, 1, "level-1 heading");
        check_err("### C {#c}", 1, 1, "before the first section");
        check_err("## A {#a .annex}\n\n## B {#b}", 3, 1, "after an annex");
        check_err("## A {#a .anex}", 1, 1, "unknown heading class");
        check_err("## A {#a}\n## B {#a}", 2, 1, "duplicate heading id");
        check_err("## A {#dp-x}", 1, 1, "reserved");
        check_err("## A {#a key=v}", 1, 1, "unsupported heading attribute");
        check_err("### A {#a .annex}", 1, 1, "only allowed on `##`");
        // Columns count characters, not bytes.
        check_err("ééé <span>", 1, 5, "raw HTML");
    }

    #[test]
    fn disabled_extensions_stay_literal_text() {
        check("- [ ] task", "#list([\\[ \\] task],);");
        check("$x^2$", "\\$x\\^2\\$");
        check("H~2~O", "H\\~2\\~O");
    }

    #[test]
    fn clause_lookup() {
        let typ = markdown_to_typst(
            "Intro.\n\n## S {#s}\n\nA.\n\n### C {#c}\n\nB.\n\n### D\n\nE.\n\n## X {#x .annex}\n\nF.",
        )
        .unwrap();
        let line_of = |needle: &str| typ.lines().position(|l| l.contains(needle)).unwrap() + 1;
        assert_eq!(clause_at_line(&typ, line_of("Intro")), None);
        assert_eq!(clause_at_line(&typ, line_of("A\\.")).as_deref(), Some("s"));
        assert_eq!(clause_at_line(&typ, line_of("B\\.")).as_deref(), Some("c"));
        assert_eq!(clause_at_line(&typ, line_of("E\\.")), None);
        assert_eq!(clause_at_line(&typ, line_of("F\\.")).as_deref(), Some("x"));
    }
}
