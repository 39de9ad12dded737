//! Agreement Markdown (body and annexes) → Word paragraphs and tables.
//!
//! In: the same Markdown the PDF is typeset from. Out: a list of [`Block`]s, with a
//! [`Block::EndOfBody`] where the PDF puts its signature blocks (before the first annex, or at
//! the end). Headings carry the PDF's numbers as text ([`super::numbers`]); a cross-reference
//! is the link text (a link to the heading's bookmark) followed by "(clause 7.2)", as in the
//! PDF; tables are Word tables with a bold, shaded header row that repeats on every page.
//! Nothing a config holds is ever read as markup: text goes into Word runs as it stands.

use std::collections::HashMap;
use std::ops::Range;

use docx_rs::{
    AlignmentType, BreakType, FieldCharType, Footnote, IndentLevel, InstrText, NumberingId,
    Paragraph, Run, RunFonts, Shading, SpecialIndentType, Table, TableCell, TableRow, WidthType,
};
use pulldown_cmark::{Alignment, Event, LinkType, Parser, Tag, TagEnd};

use super::numbers::{Kind, Numbers};
use super::{DocxError, Ids, style};

/// A block of the document body.
pub enum Block {
    Paragraph(Box<Paragraph>),
    Table(Box<Table>),
    /// Where the signature blocks go.
    EndOfBody,
}

/// The converted body, and the list numbering instances it uses.
pub struct Body {
    pub blocks: Vec<Block>,
    /// `(numbering id, abstract numbering id, start)` of every list: each list restarts.
    pub lists: Vec<(usize, usize, usize)>,
    /// Level-1 headings (sections and annexes), for the contents list: number, title, bookmark.
    pub outline: Vec<(Kind, String, String, String)>,
}

/// Abstract numberings defined in [`super::numbering_definitions`].
pub const ABSTRACT_BULLET: usize = 1;
pub const ABSTRACT_ORDERED: usize = 2;

/// Twips of indent per list level.
const LIST_INDENT: i32 = 425;

struct ListState {
    num_id: usize,
    /// Whether the current item's first paragraph has been written (later ones are indented
    /// without a number).
    item_numbered: bool,
}

#[derive(Default)]
struct CellState {
    paragraphs: Vec<Paragraph>,
    /// Characters of text, to share the table's width out as typst's `auto` columns do.
    chars: usize,
}

struct TableState {
    aligns: Vec<Alignment>,
    head: Vec<CellState>,
    rows: Vec<Vec<CellState>>,
    in_head: bool,
}

/// Inline formatting in force.
#[derive(Default, Clone, Copy)]
struct Format {
    bold: u8,
    italic: u8,
    strike: u8,
}

enum LinkState {
    /// Runs go into a hyperlink to a bookmark, then "(clause 7.2)".
    Internal {
        bookmark: String,
        reference: String,
        runs: Vec<Run>,
    },
    /// A field `HYPERLINK "url"` around the runs (a field needs no package relationship).
    External { url: String, runs: Vec<Run> },
    /// A scheme that is not allowed: the text, then the URL in parentheses (as the PDF).
    Plain { url: String, show_url: bool },
}

struct Writer<'e, 'a> {
    events: &'e [(Event<'a>, Range<usize>)],
    md: &'e str,
    numbers: &'e Numbers,
    ids: &'e mut Ids,
    /// Heading id → bookmark name.
    bookmarks: HashMap<String, String>,
    blocks: Vec<Block>,
    lists: Vec<(usize, usize, usize)>,
    outline: Vec<(Kind, String, String, String)>,
    paragraph: Option<Paragraph>,
    format: Format,
    list_stack: Vec<ListState>,
    quote_depth: usize,
    tables: Vec<TableState>,
    links: Vec<LinkState>,
    /// The next paragraph continues the current one (a definition after its term).
    continue_paragraph: bool,
    in_term: bool,
    heading: Option<(Kind, String)>,
    body_ended: bool,
    footnotes: HashMap<String, Range<usize>>,
    /// Footnotes written: label → id (a second reference repeats the number).
    footnote_ids: HashMap<String, usize>,
    /// Inside a footnote definition being rendered: its paragraphs.
    footnote_depth: usize,
    footnote_paragraphs: Vec<Paragraph>,
}

/// Converts the agreement Markdown (as [`crate::pdf::markdown_to_typst`] reads it).
pub(super) fn convert(md: &str, ids: &mut Ids) -> Result<Body, DocxError> {
    let events: Vec<(Event<'_>, Range<usize>)> =
        Parser::new_ext(md, crate::render::markdown_options())
            .into_offset_iter()
            .collect();
    let numbers = Numbers::scan(&events);
    let mut bookmarks = HashMap::new();
    let mut footnotes = HashMap::new();
    let mut open: Option<(String, usize)> = None;
    for (i, (ev, _)) in events.iter().enumerate() {
        match ev {
            Event::Start(Tag::FootnoteDefinition(label)) => open = Some((label.to_string(), i + 1)),
            Event::End(TagEnd::FootnoteDefinition) => {
                if let Some((label, start)) = open.take() {
                    footnotes.insert(label, start..i);
                }
            }
            _ => {}
        }
    }
    for (i, h) in &numbers.headings {
        if let Some(id) = &h.id {
            bookmarks.insert(id.clone(), bookmark_name(*i, id));
        }
    }
    let mut w = Writer {
        events: &events,
        md,
        numbers: &numbers,
        ids,
        bookmarks,
        blocks: Vec::new(),
        lists: Vec::new(),
        outline: Vec::new(),
        paragraph: None,
        format: Format::default(),
        list_stack: Vec::new(),
        quote_depth: 0,
        tables: Vec::new(),
        links: Vec::new(),
        continue_paragraph: false,
        in_term: false,
        heading: None,
        body_ended: false,
        footnotes,
        footnote_ids: HashMap::new(),
        footnote_depth: 0,
        footnote_paragraphs: Vec::new(),
    };
    w.render(0..events.len())?;
    w.flush_paragraph();
    if !w.body_ended {
        w.blocks.push(Block::EndOfBody);
    }
    Ok(Body {
        blocks: w.blocks,
        lists: w.lists,
        outline: w.outline,
    })
}

/// A Word bookmark name: a letter first, letters, digits and `_` only, at most 40 characters;
/// the event index keeps it unique.
fn bookmark_name(index: usize, id: &str) -> String {
    let clean: String = id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut name = format!("dp{index}_{clean}");
    name.truncate(40);
    name
}

type Step = Result<usize, DocxError>;

impl<'e, 'a> Writer<'e, 'a> {
    fn error(&self, i: usize, message: impl Into<String>) -> DocxError {
        let offset = self.events.get(i).map_or(0, |(_, r)| r.start);
        let before = self.md.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before
            .rsplit('\n')
            .next()
            .map_or(1, |l| l.chars().count() + 1);
        DocxError::Convert {
            line,
            column,
            message: message.into(),
        }
    }

    fn render(&mut self, range: Range<usize>) -> Result<(), DocxError> {
        let mut i = range.start;
        while i < range.end {
            i = self.event(i)?;
        }
        Ok(())
    }

    fn event(&mut self, i: usize) -> Step {
        let Some((ev, _)) = self.events.get(i) else {
            return Ok(i + 1);
        };
        match ev {
            Event::Start(tag) => self.start(tag, i),
            Event::End(tag) => self.end(*tag, i),
            Event::Text(t) => {
                self.count_cell_chars(t.chars().count());
                let run = self.styled(Run::new().add_text(t.as_ref()));
                self.push_run(run);
                Ok(i + 1)
            }
            Event::Code(c) => {
                let run = self.styled(
                    Run::new()
                        .add_text(c.as_ref())
                        .fonts(mono())
                        .size(style::CODE_SIZE),
                );
                self.push_run(run);
                Ok(i + 1)
            }
            Event::SoftBreak => {
                let run = self.styled(Run::new().add_text(" "));
                self.push_run(run);
                Ok(i + 1)
            }
            Event::HardBreak => {
                self.push_run(Run::new().add_break(BreakType::TextWrapping));
                Ok(i + 1)
            }
            Event::Rule => {
                self.flush_paragraph();
                let p = self
                    .ids
                    .paragraph()
                    .align(AlignmentType::Center)
                    .add_run(Run::new().add_text("* * *").color(style::MUTED));
                self.push_paragraph(p);
                Ok(i + 1)
            }
            Event::FootnoteReference(label) => self.footnote_reference(label, i),
            Event::InlineHtml(h) | Event::Html(h) => {
                if is_html_comment(h) {
                    Ok(i + 1)
                } else {
                    Err(self.error(i, format!("raw HTML `{}` is not supported", h.trim())))
                }
            }
            Event::InlineMath(_) | Event::DisplayMath(_) => {
                Err(self.error(i, "math is not supported"))
            }
            Event::TaskListMarker(_) => Err(self.error(i, "task lists are not supported")),
        }
    }

    fn start(&mut self, tag: &Tag<'a>, i: usize) -> Step {
        match tag {
            Tag::Paragraph => {
                if std::mem::take(&mut self.continue_paragraph) && self.paragraph.is_some() {
                    return Ok(i + 1);
                }
                self.flush_paragraph();
                self.open_paragraph();
            }
            Tag::Heading { .. } => return self.heading_start(i),
            Tag::BlockQuote(_) => {
                self.flush_paragraph();
                self.quote_depth += 1;
            }
            Tag::CodeBlock(_) => return self.code_block(i),
            Tag::HtmlBlock => return self.html_block(i),
            Tag::List(start) => {
                self.flush_paragraph();
                let num_id = self.ids.numbering();
                let (abstract_id, start) = match start {
                    Some(n) => (ABSTRACT_ORDERED, (*n).max(1) as usize),
                    None => (ABSTRACT_BULLET, 1),
                };
                self.lists.push((num_id, abstract_id, start));
                self.list_stack.push(ListState {
                    num_id,
                    item_numbered: false,
                });
            }
            Tag::Item => {
                self.flush_paragraph();
                if let Some(l) = self.list_stack.last_mut() {
                    l.item_numbered = false;
                }
                self.open_paragraph();
            }
            Tag::FootnoteDefinition(_) => return Ok(self.skip_to_end(i)),
            Tag::DefinitionList => self.flush_paragraph(),
            Tag::DefinitionListTitle => {
                self.flush_paragraph();
                self.open_paragraph();
                self.in_term = true;
            }
            Tag::DefinitionListDefinition => {
                if self.in_term {
                    // The first definition follows its term on the same line, as in the PDF.
                    self.in_term = false;
                    self.continue_paragraph = true;
                    let run = Run::new().add_text(": ");
                    self.push_run(run);
                } else {
                    self.flush_paragraph();
                    self.open_paragraph();
                    self.continue_paragraph = true;
                }
            }
            Tag::Table(aligns) => {
                self.flush_paragraph();
                self.tables.push(TableState {
                    aligns: aligns.clone(),
                    head: Vec::new(),
                    rows: Vec::new(),
                    in_head: false,
                });
            }
            Tag::TableHead => {
                if let Some(t) = self.tables.last_mut() {
                    t.in_head = true;
                }
            }
            Tag::TableRow => {
                if let Some(t) = self.tables.last_mut() {
                    t.rows.push(Vec::new());
                }
            }
            Tag::TableCell => {
                if let Some(t) = self.tables.last_mut() {
                    if t.in_head {
                        t.head.push(CellState::default());
                    } else if let Some(r) = t.rows.last_mut() {
                        r.push(CellState::default());
                    }
                }
                self.open_paragraph();
            }
            Tag::Emphasis => self.format.italic += 1,
            Tag::Strong => self.format.bold += 1,
            Tag::Strikethrough => self.format.strike += 1,
            Tag::Link {
                link_type,
                dest_url,
                ..
            } => return self.link_start(*link_type, dest_url, i),
            Tag::Image { .. } => return Err(self.error(i, "images are not supported")),
            Tag::Superscript | Tag::Subscript => {
                return Err(self.error(i, "superscript/subscript are not supported"));
            }
            Tag::MetadataBlock(_) => {
                return Err(self.error(i, "metadata blocks are not supported"));
            }
        }
        Ok(i + 1)
    }

    fn end(&mut self, tag: TagEnd, i: usize) -> Step {
        match tag {
            TagEnd::Paragraph => self.flush_paragraph(),
            TagEnd::Heading(_) => self.heading_end(),
            TagEnd::BlockQuote(_) => {
                self.flush_paragraph();
                self.quote_depth = self.quote_depth.saturating_sub(1);
            }
            TagEnd::List(_) => {
                self.flush_paragraph();
                self.list_stack.pop();
            }
            TagEnd::Item => self.flush_paragraph(),
            TagEnd::DefinitionList => self.flush_paragraph(),
            TagEnd::DefinitionListTitle => {}
            TagEnd::DefinitionListDefinition => {
                self.continue_paragraph = false;
                self.flush_paragraph();
            }
            TagEnd::Table => self.table_end(),
            TagEnd::TableHead => {
                if let Some(t) = self.tables.last_mut() {
                    t.in_head = false;
                }
            }
            TagEnd::TableRow => {}
            TagEnd::TableCell => self.flush_paragraph(),
            TagEnd::Emphasis => self.format.italic = self.format.italic.saturating_sub(1),
            TagEnd::Strong => self.format.bold = self.format.bold.saturating_sub(1),
            TagEnd::Strikethrough => self.format.strike = self.format.strike.saturating_sub(1),
            TagEnd::Link => return self.link_end(i),
            TagEnd::CodeBlock
            | TagEnd::HtmlBlock
            | TagEnd::FootnoteDefinition
            | TagEnd::Image
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::MetadataBlock(_) => {}
        }
        Ok(i + 1)
    }

    fn count_cell_chars(&mut self, n: usize) {
        if let Some(t) = self.tables.last_mut() {
            let cell = if t.in_head {
                t.head.last_mut()
            } else {
                t.rows.last_mut().and_then(|r| r.last_mut())
            };
            if let Some(c) = cell {
                c.chars += n;
            }
        }
    }

    // -- paragraphs ----------------------------------------------------------

    fn open_paragraph(&mut self) {
        if self.paragraph.is_none() {
            self.paragraph = Some(self.ids.paragraph());
        }
    }

    fn styled(&self, mut run: Run) -> Run {
        if self.format.bold > 0 {
            run = run.bold();
        }
        if self.format.italic > 0 {
            run = run.italic();
        }
        if self.format.strike > 0 {
            run = run.strike();
        }
        run
    }

    fn push_run(&mut self, run: Run) {
        if let Some(LinkState::Internal { runs, .. } | LinkState::External { runs, .. }) =
            self.links.last_mut()
        {
            runs.push(run);
            return;
        }
        self.open_paragraph();
        if let Some(p) = self.paragraph.take() {
            self.paragraph = Some(p.add_run(run));
        }
    }

    /// Closes the open paragraph (if any), giving it the indent and numbering of where it
    /// sits: list item, quote, table cell, footnote.
    fn flush_paragraph(&mut self) {
        let Some(mut p) = self.paragraph.take() else {
            return;
        };
        if p.children.is_empty() && self.tables.is_empty() {
            return;
        }
        let depth = self.list_stack.len();
        if let Some(list) = self.list_stack.last_mut() {
            let left = LIST_INDENT * (depth as i32) + LIST_INDENT;
            if list.item_numbered {
                p = p.indent(Some(left), None, None, None);
            } else {
                list.item_numbered = true;
                p = p
                    .numbering(NumberingId::new(list.num_id), IndentLevel::new(depth - 1))
                    .indent(
                        Some(left),
                        Some(SpecialIndentType::Hanging(LIST_INDENT)),
                        None,
                        None,
                    );
            }
        } else if self.quote_depth > 0 {
            p = p.indent(Some(567 * self.quote_depth as i32), None, None, None);
        }
        self.push_paragraph(p);
    }

    fn push_paragraph(&mut self, p: Paragraph) {
        if self.footnote_depth > 0 {
            self.footnote_paragraphs.push(p.style(style::FOOTNOTE_TEXT));
            return;
        }
        if let Some(t) = self.tables.last_mut() {
            let cell = if t.in_head {
                t.head.last_mut()
            } else {
                t.rows.last_mut().and_then(|r| r.last_mut())
            };
            if let Some(c) = cell {
                c.paragraphs.push(p);
                return;
            }
        }
        self.blocks.push(Block::Paragraph(Box::new(p)));
    }

    // -- headings ------------------------------------------------------------

    fn heading_start(&mut self, i: usize) -> Step {
        self.flush_paragraph();
        let Some(h) = self.numbers.headings.get(&i).cloned() else {
            return Err(self.error(i, "internal error: heading not numbered"));
        };
        if h.kind == Kind::Title {
            // The cover shows the title.
            return Ok(self.skip_to_end(i));
        }
        if h.kind == Kind::Annex && !self.body_ended {
            self.blocks.push(Block::EndOfBody);
            self.body_ended = true;
        }
        let style_id = match h.kind {
            Kind::Section | Kind::Annex => style::HEADING_1,
            Kind::Clause | Kind::AnnexClause => style::HEADING_2,
            _ => style::HEADING_3,
        };
        let mut p = self.ids.paragraph().style(style_id);
        if h.kind == Kind::Annex {
            // Each annex starts a page, its heading centred, as in the PDF.
            p = p
                .page_break_before(true)
                .align(AlignmentType::Center)
                .indent(Some(0), None, None, None);
        }
        if let Some(id) = &h.id
            && let Some(name) = self.bookmarks.get(id)
        {
            let bm = self.ids.bookmark();
            p = p.add_bookmark_start(bm, name.clone()).add_bookmark_end(bm);
        }
        match h.kind {
            Kind::Annex => {
                p = p.add_run(Run::new().add_text(format!("Annex {} — ", h.number)));
            }
            Kind::Section | Kind::Clause | Kind::AnnexClause => {
                p = p.add_run(Run::new().add_text(h.number.clone()).add_tab());
            }
            _ => {}
        }
        self.paragraph = Some(p);
        self.heading = Some((h.kind, h.number.clone()));
        if matches!(h.kind, Kind::Section | Kind::Annex) {
            let bookmark =
                h.id.as_ref()
                    .and_then(|id| self.bookmarks.get(id))
                    .cloned()
                    .unwrap_or_default();
            self.outline
                .push((h.kind, h.number, String::new(), bookmark));
        }
        Ok(i + 1)
    }

    fn heading_end(&mut self) {
        if let Some((kind, _)) = self.heading.take()
            && matches!(kind, Kind::Section | Kind::Annex)
            && let Some(entry) = self.outline.last_mut()
            && let Some(p) = &self.paragraph
        {
            entry.2 = paragraph_text(p);
            // Drop the number prefix the paragraph starts with.
            if kind == Kind::Annex {
                let prefix = format!("Annex {} — ", entry.1);
                entry.2 = entry.2.trim_start_matches(prefix.as_str()).to_owned();
            } else {
                entry.2 = entry.2.trim_start_matches(entry.1.as_str()).to_owned();
            }
        }
        if let Some(p) = self.paragraph.take() {
            self.blocks.push(Block::Paragraph(Box::new(p)));
        }
    }

    // -- code and HTML -------------------------------------------------------

    fn code_block(&mut self, i: usize) -> Step {
        self.flush_paragraph();
        let end = self.skip_to_end(i);
        let mut code = String::new();
        for (ev, _) in &self.events[i + 1..end.saturating_sub(1).max(i + 1)] {
            if let Event::Text(t) = ev {
                code.push_str(t);
            }
        }
        let mut p = self.ids.paragraph();
        for (n, line) in code.trim_end_matches('\n').split('\n').enumerate() {
            let mut run = Run::new().fonts(mono()).size(style::CODE_SIZE);
            if n > 0 {
                run = run.add_break(BreakType::TextWrapping);
            }
            p = p.add_run(run.add_text(line));
        }
        self.push_paragraph(p);
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

    // -- tables --------------------------------------------------------------

    fn table_end(&mut self) {
        self.flush_paragraph();
        let Some(t) = self.tables.pop() else {
            return;
        };
        let columns = t
            .aligns
            .len()
            .max(t.head.len())
            .max(t.rows.iter().map(Vec::len).max().unwrap_or(0))
            .max(1);
        let widths = column_widths(columns, &t.head, &t.rows);
        let align = |c: usize| match t.aligns.get(c) {
            Some(Alignment::Center) => Some(AlignmentType::Center),
            Some(Alignment::Right) => Some(AlignmentType::Right),
            _ => None,
        };
        let make_row = |ids: &mut Ids, cells: Vec<CellState>, head: bool| {
            let mut out = Vec::with_capacity(columns);
            let mut cells = cells.into_iter();
            for (c, width) in widths.iter().enumerate() {
                let paragraphs = cells.next().map(|c| c.paragraphs).unwrap_or_default();
                let mut cell = TableCell::new().width(*width, WidthType::Dxa);
                if head {
                    cell = cell.shading(Shading::new().fill(style::HEADER_FILL));
                }
                let mut any = false;
                for mut p in paragraphs {
                    p = p.style(if head {
                        style::TABLE_HEADER
                    } else {
                        style::TABLE_TEXT
                    });
                    if let Some(a) = align(c) {
                        p = p.align(a);
                    }
                    cell = cell.add_paragraph(p);
                    any = true;
                }
                if !any {
                    cell = cell.add_paragraph(ids.paragraph().style(style::TABLE_TEXT));
                }
                out.push(cell);
            }
            TableRow::new(out).cant_split()
        };
        let mut rows = Vec::new();
        if !t.head.is_empty() {
            rows.push(make_row(self.ids, t.head, true));
        }
        for r in t.rows {
            rows.push(make_row(self.ids, r, false));
        }
        let table = Table::new(rows)
            .set_grid(widths.clone())
            .width(style::TEXT_WIDTH, WidthType::Dxa)
            .layout(docx_rs::TableLayoutType::Fixed);
        if self.tables.is_empty() {
            self.blocks.push(Block::Table(Box::new(table)));
            // A paragraph after a table keeps the next table from merging into it.
            let spacer = self.ids.paragraph().style(style::TABLE_AFTER);
            self.blocks.push(Block::Paragraph(Box::new(spacer)));
        } else {
            // A table inside a table cell (not produced by the library): its cells' text,
            // cell by cell.
            for row in table.rows {
                let docx_rs::TableChild::TableRow(row) = row;
                for cell in row.cells {
                    let docx_rs::TableRowChild::TableCell(cell) = cell;
                    for content in cell.children {
                        if let docx_rs::TableCellContent::Paragraph(p) = content {
                            self.push_paragraph(*p);
                        }
                    }
                }
            }
        }
    }

    // -- links -----------------------------------------------------------------

    fn link_start(&mut self, link_type: LinkType, dest: &str, i: usize) -> Step {
        if let Some(id) = dest.strip_prefix('#') {
            let (Some(bookmark), Some(reference)) =
                (self.bookmarks.get(id), self.numbers.refs.get(id))
            else {
                return Err(self.error(i, format!("cross-reference to unknown heading id `{id}`")));
            };
            self.links.push(LinkState::Internal {
                bookmark: bookmark.clone(),
                reference: reference.clone(),
                runs: Vec::new(),
            });
            return Ok(i + 1);
        }
        let url = if link_type == LinkType::Email {
            format!("mailto:{dest}")
        } else {
            dest.to_owned()
        };
        if is_allowed_url(&url) {
            self.links.push(LinkState::External {
                url,
                runs: Vec::new(),
            });
        } else {
            let show_url =
                !matches!(link_type, LinkType::Autolink | LinkType::Email) && !url.is_empty();
            self.links.push(LinkState::Plain { url, show_url });
        }
        Ok(i + 1)
    }

    fn link_end(&mut self, i: usize) -> Step {
        match self.links.pop() {
            Some(LinkState::Internal {
                bookmark,
                reference,
                runs,
            }) => {
                let mut link = docx_rs::Hyperlink::new(bookmark, docx_rs::HyperlinkType::Anchor);
                for r in runs {
                    link = link.add_run(r);
                }
                self.open_paragraph();
                if let Some(p) = self.paragraph.take() {
                    self.paragraph = Some(p.add_hyperlink(link));
                }
                let run = self.styled(Run::new().add_text(format!(" ({reference})")));
                self.push_run(run);
            }
            Some(LinkState::External { url, runs }) => {
                // Quotes and backslashes would end the field's argument.
                let target = url.replace('\\', "%5C").replace('"', "%22");
                self.push_run(Run::new().add_field_char(FieldCharType::Begin, false));
                self.push_run(
                    Run::new()
                        .add_instr_text(InstrText::Unsupported(format!("HYPERLINK \"{target}\""))),
                );
                self.push_run(Run::new().add_field_char(FieldCharType::Separate, false));
                for r in runs {
                    self.push_run(r.style(style::HYPERLINK));
                }
                self.push_run(Run::new().add_field_char(FieldCharType::End, false));
            }
            Some(LinkState::Plain { url, show_url }) => {
                if show_url {
                    let run = self.styled(Run::new().add_text(format!(" ({url})")));
                    self.push_run(run);
                }
            }
            None => return Err(self.error(i, "internal error: unbalanced link")),
        }
        Ok(i + 1)
    }

    // -- footnotes -------------------------------------------------------------

    fn footnote_reference(&mut self, label: &str, i: usize) -> Step {
        let Some(range) = self.footnotes.get(label).cloned() else {
            return Err(self.error(i, format!("footnote `[^{label}]` has no definition")));
        };
        if let Some(id) = self.footnote_ids.get(label) {
            // A second reference to the same note: its number, as the PDF repeats it.
            let run = Run::new()
                .add_text(id.to_string())
                .style(style::FOOTNOTE_REFERENCE);
            self.push_run(run);
            return Ok(i + 1);
        }
        if self.footnote_depth > 0 {
            return Err(self.error(i, format!("footnote `[^{label}]` inside a footnote")));
        }
        // Render the definition into its own paragraphs, keeping the paragraph in progress.
        let saved_paragraph = self.paragraph.take();
        let saved_format = std::mem::take(&mut self.format);
        self.footnote_depth += 1;
        self.render(range)?;
        self.flush_paragraph();
        self.footnote_depth -= 1;
        self.format = saved_format;
        self.paragraph = saved_paragraph;
        let id = self.ids.footnote();
        self.footnote_ids.insert(label.to_owned(), id);
        let mut note = Footnote::new();
        note.id = id;
        for p in std::mem::take(&mut self.footnote_paragraphs) {
            note = note.add_content(p);
        }
        let run = Run::new()
            .add_footnote_reference(note)
            .style(style::FOOTNOTE_REFERENCE);
        self.push_run(run);
        Ok(i + 1)
    }
}

/// Column widths in twips, summing to the text width: each column gets a share that grows
/// with its longest cell (up to a line's worth), and at least a narrow minimum.
fn column_widths(columns: usize, head: &[CellState], rows: &[Vec<CellState>]) -> Vec<usize> {
    let mut longest = vec![1usize; columns];
    for row in std::iter::once(head).chain(rows.iter().map(Vec::as_slice)) {
        for (c, cell) in row.iter().enumerate().take(columns) {
            longest[c] = longest[c].max(cell.chars.min(60));
        }
    }
    let weights: Vec<usize> = longest.iter().map(|l| l + 8).collect();
    let total: usize = weights.iter().sum();
    let mut widths: Vec<usize> = weights
        .iter()
        .map(|w| style::TEXT_WIDTH * w / total)
        .collect();
    let used: usize = widths.iter().sum();
    if let Some(last) = widths.last_mut() {
        *last += style::TEXT_WIDTH - used;
    }
    widths
}

/// The text of a paragraph's runs (for the contents list).
fn paragraph_text(p: &Paragraph) -> String {
    let mut out = String::new();
    for child in &p.children {
        if let docx_rs::ParagraphChild::Run(r) = child {
            for c in &r.children {
                match c {
                    docx_rs::RunChild::Text(t) => out.push_str(&unescape(&t.text)),
                    docx_rs::RunChild::Tab(_) => out.push(' '),
                    _ => {}
                }
            }
        }
    }
    out.trim().to_owned()
}

/// docx-rs stores text XML-escaped; the contents list is built from it again.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn mono() -> RunFonts {
    RunFonts::new()
        .ascii(style::MONO_FONT)
        .hi_ansi(style::MONO_FONT)
        .cs(style::MONO_FONT)
}

fn is_html_comment(html: &str) -> bool {
    let t = html.trim();
    t.starts_with("<!--") && t.ends_with("-->") && !t[4..].trim_end_matches("-->").contains("-->")
}

/// Only these schemes become clickable links (as in the PDF).
fn is_allowed_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
}
