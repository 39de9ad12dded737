//! Word (.docx) agreements, for counterparties who negotiate in Word.
//!
//! In: the PDF's metadata ([`PdfMeta`]: cover, parties, signatories, provenance) and the
//! Markdown the PDF is typeset from (body and annexes). Out: the bytes of a .docx holding the
//! same agreement in the same order as the PDF: cover page, contents, numbered sections and
//! clauses (the PDF's numbers, [`numbers`]), cross-references as clause numbers, Word tables,
//! signature blocks before the annexes, a running header with the reference and title, "Page
//! N of M" in the footer, and the provenance in the document properties and on the last page.
//!
//! The document is built with docx-rs; the package is then re-zipped ([`package`]) so that the
//! same inputs always give the same bytes: every zip entry is dated 1980-01-01, the core
//! properties carry the agreement's own date, and every id (paragraph, bookmark, numbering,
//! footnote) is counted from 1 per document rather than by docx-rs's process-wide counters.

mod body;
mod numbers;
mod package;
pub(crate) mod style;

use docx_rs::{
    AbstractNumbering, AlignmentType, Docx, Footer, Header, Level, LevelJc, LevelOverride,
    LevelText, NumPages, NumberFormat, Numbering, PageMargin, PageNum, Paragraph, Run, RunFonts,
    SpecialIndentType, Start, Tab, TabValueType, Table, TableCell, TableCellBorder,
    TableCellBorderPosition, TableCellBorders, TableRow, WidthType,
};

use crate::pdf::{PdfMeta, PdfParty, PdfSignatory, PdfStatus};

pub use numbers::letters;

/// Why a .docx could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DocxError {
    /// The Markdown holds a construct Word output does not support (the same ones the PDF
    /// refuses).
    #[error("line {line}, column {column} of the rendered Markdown: {message}")]
    Convert {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("invalid agreement metadata: {0}")]
    Meta(String),
    #[error("cannot assemble the .docx package: {0}")]
    Package(String),
}

/// Ids that must be unique within one document, counted from 1 for each document (docx-rs's
/// own counters are process-wide, which would make a document's bytes depend on what else the
/// process wrote before it).
#[derive(Debug, Default)]
pub(crate) struct Ids {
    paragraph: usize,
    bookmark: usize,
    numbering: usize,
    footnote: usize,
}

impl Ids {
    fn new() -> Ids {
        Ids {
            // Numbering instance ids start after the abstract numberings' ids, for readability
            // of the XML only.
            numbering: 10,
            ..Ids::default()
        }
    }

    /// A new paragraph with a per-document id.
    pub(crate) fn paragraph(&mut self) -> Paragraph {
        self.paragraph += 1;
        Paragraph::new().id(format!("{:08X}", self.paragraph))
    }

    pub(crate) fn bookmark(&mut self) -> usize {
        self.bookmark += 1;
        self.bookmark
    }

    pub(crate) fn numbering(&mut self) -> usize {
        self.numbering += 1;
        self.numbering
    }

    pub(crate) fn footnote(&mut self) -> usize {
        self.footnote += 1;
        self.footnote
    }
}

/// The .docx of an agreement. `body_md` is the Markdown the PDF is typeset from (body, then
/// annexes); `timestamp` (unix seconds) dates the document, as it dates the PDF.
pub fn agreement(meta: &PdfMeta, body_md: &str, timestamp: i64) -> Result<Vec<u8>, DocxError> {
    meta.validate()
        .map_err(|e| DocxError::Meta(e.to_string()))?;
    let created = jiff::Timestamp::from_second(timestamp)
        .map_err(|e| DocxError::Meta(format!("timestamp {timestamp}: {e}")))?
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let mut ids = Ids::new();
    let body = body::convert(body_md, &mut ids)?;

    let mut docx = Docx::new()
        .page_size(style::PAGE_WIDTH, style::PAGE_HEIGHT)
        .page_margin(
            PageMargin::new()
                .top(style::MARGIN_TOP)
                .bottom(style::MARGIN_BOTTOM)
                .left(style::MARGIN_SIDE)
                .right(style::MARGIN_SIDE)
                .header(style::HEADER_DISTANCE)
                .footer(style::FOOTER_DISTANCE),
        )
        .default_fonts(style::body_fonts())
        .default_size(style::BODY_SIZE)
        .default_line_spacing(docx_rs::LineSpacing::new().after(style::PARAGRAPH_AFTER))
        .created_at(&created)
        .updated_at(&created);
    for s in style::styles() {
        docx = docx.add_style(s);
    }
    docx = docx
        .add_abstract_numbering(bullet_numbering())
        .add_abstract_numbering(ordered_numbering());
    for (num_id, abstract_id, start) in &body.lists {
        let mut n = Numbering::new(*num_id, *abstract_id);
        if *abstract_id == body::ABSTRACT_ORDERED {
            n = n.add_override(LevelOverride::new(0).start(*start));
        }
        docx = docx.add_numbering(n);
    }

    // The title page has no running header and no page number, as in the PDF.
    docx = docx
        .title_pg()
        .first_header(Header::new().add_paragraph(ids.paragraph()))
        .header(running_header(meta, &mut ids))
        .first_footer(Footer::new().add_paragraph(ids.paragraph()))
        .footer(page_footer(&mut ids));

    for p in cover(meta, &mut ids) {
        docx = add_block(docx, p);
    }
    for p in contents(&body.outline, &mut ids) {
        docx = add_block(docx, p);
    }
    let mut first = true;
    for block in body.blocks {
        // The body starts on a page of its own, after the contents (as in the PDF).
        let starts_body = std::mem::replace(&mut first, false);
        match block {
            body::Block::Paragraph(p) if starts_body => {
                docx = docx.add_paragraph(p.page_break_before(true));
            }
            body::Block::Paragraph(p) => docx = docx.add_paragraph(*p),
            body::Block::Table(t) => docx = docx.add_table(*t),
            body::Block::EndOfBody => {
                for b in signatures(meta, &mut ids) {
                    docx = add_block(docx, b);
                }
            }
        }
    }
    if !meta.provenance.is_empty() {
        docx = docx.add_paragraph(
            ids.paragraph()
                .style(style::PROVENANCE)
                .add_run(Run::new().add_text(meta.provenance.as_str())),
        );
    }

    let mut raw = std::io::Cursor::new(Vec::new());
    docx.build()
        .pack(&mut raw)
        .map_err(|e| DocxError::Package(e.to_string()))?;
    package::canonical(
        &raw.into_inner(),
        &package::core_xml(meta, &created),
        &package::custom_xml(meta),
    )
}

enum Item {
    P(Box<Paragraph>),
    T(Box<Table>),
}

fn p_item(p: Paragraph) -> Item {
    Item::P(Box::new(p))
}

fn t_item(t: Table) -> Item {
    Item::T(Box::new(t))
}

fn add_block(docx: Docx, item: Item) -> Docx {
    match item {
        Item::P(p) => docx.add_paragraph(*p),
        Item::T(t) => docx.add_table(*t),
    }
}

// ---------------------------------------------------------------------------
// Numbering of lists: (a), (i), (A), (1) as in the PDF; bullets •, –, ◦.

fn bullet_numbering() -> AbstractNumbering {
    let marks = ["•", "–", "◦"];
    let mut a = AbstractNumbering::new(body::ABSTRACT_BULLET);
    for level in 0..6 {
        a = a.add_level(
            Level::new(
                level,
                Start::new(1),
                NumberFormat::new("bullet"),
                LevelText::new(marks[level % marks.len()]),
                LevelJc::new("left"),
            )
            .indent(
                Some(425 * (level as i32 + 2)),
                Some(SpecialIndentType::Hanging(425)),
                None,
                None,
            ),
        );
    }
    a
}

fn ordered_numbering() -> AbstractNumbering {
    let formats = [
        ("lowerLetter", "(%1)"),
        ("lowerRoman", "(%2)"),
        ("upperLetter", "(%3)"),
        ("decimal", "(%4)"),
        ("decimal", "(%5)"),
        ("decimal", "(%6)"),
    ];
    let mut a = AbstractNumbering::new(body::ABSTRACT_ORDERED);
    for (level, (format, text)) in formats.into_iter().enumerate() {
        a = a.add_level(
            Level::new(
                level,
                Start::new(1),
                NumberFormat::new(format),
                LevelText::new(text),
                LevelJc::new("left"),
            )
            .indent(
                Some(425 * (level as i32 + 2)),
                Some(SpecialIndentType::Hanging(425)),
                None,
                None,
            ),
        );
    }
    a
}

// ---------------------------------------------------------------------------
// Page furniture

fn running_header(meta: &PdfMeta, ids: &mut Ids) -> Header {
    let mut p = ids
        .paragraph()
        .style(style::HEADER)
        .add_tab(Tab::new().val(TabValueType::Right).pos(style::TEXT_WIDTH))
        .add_run(Run::new().add_text(meta.reference.as_str()));
    if meta.status == PdfStatus::Draft {
        p = p.add_run(
            Run::new()
                .add_text("  DRAFT")
                .bold()
                .color(style::DRAFT_RED),
        );
    }
    p = p.add_run(Run::new().add_tab().add_text(meta.title.as_str()));
    Header::new().add_paragraph(p)
}

fn page_footer(ids: &mut Ids) -> Footer {
    let p = ids
        .paragraph()
        .style(style::FOOTER)
        .align(AlignmentType::Center)
        .add_run(Run::new().add_text("Page "))
        .add_page_num(PageNum::new())
        .add_run(Run::new().add_text(" of "))
        .add_num_pages(NumPages::new());
    Footer::new().add_paragraph(p)
}

// ---------------------------------------------------------------------------
// Title page, as `templates/agreement.typ` draws it

/// "4 May 2026" from "2026-05-04".
fn long_date(date: &str) -> Result<String, DocxError> {
    let d = crate::dates::parse_date(date)
        .map_err(|_| DocxError::Meta(format!("date {date:?} is not a valid YYYY-MM-DD date")))?;
    Ok(d.strftime("%-d %B %Y").to_string())
}

fn party_kind(kind: &str) -> String {
    match kind {
        "company" => "company".to_owned(),
        "ngo" => "non-governmental organisation".to_owned(),
        "international_organisation" => "international organisation".to_owned(),
        "public_authority" => "public authority".to_owned(),
        "university" => "university".to_owned(),
        "research_body" => "research body".to_owned(),
        other => other.replace('_', " "),
    }
}

fn no_borders() -> TableCellBorders {
    TableCellBorders::with_empty()
}

fn cover(meta: &PdfMeta, ids: &mut Ids) -> Vec<Item> {
    let mut out = Vec::new();
    out.push(p_item(
        ids.paragraph()
            .style(style::COVER_KIND)
            .add_run(Run::new().add_text(meta.kind_label.to_uppercase())),
    ));
    out.push(p_item(
        ids.paragraph()
            .style(style::TITLE)
            .add_run(Run::new().add_text(meta.title.as_str())),
    ));
    let date = long_date(&meta.date).unwrap_or_else(|_| meta.date.clone());
    let status = match meta.status {
        PdfStatus::Draft => Run::new()
            .add_text("Draft — not for signature")
            .bold()
            .color(style::DRAFT_RED),
        PdfStatus::Final => Run::new().add_text("Final"),
    };
    let nature = if meta.binding {
        "Legally binding agreement"
    } else {
        "Non-binding arrangement"
    };
    let rows: Vec<(&str, Run)> = vec![
        ("Reference", Run::new().add_text(meta.reference.as_str())),
        ("Version", Run::new().add_text(meta.version.as_str())),
        ("Status", status),
        ("Effective date", Run::new().add_text(date)),
        ("Nature", Run::new().add_text(nature)),
    ];
    let label_width = 2000;
    let rows: Vec<TableRow> = rows
        .into_iter()
        .map(|(label, value)| {
            TableRow::new(vec![
                TableCell::new()
                    .width(label_width, WidthType::Dxa)
                    .set_borders(no_borders())
                    .add_paragraph(
                        ids.paragraph()
                            .style(style::COVER_LABEL)
                            .add_run(Run::new().add_text(label.to_uppercase())),
                    ),
                TableCell::new()
                    .width(style::TEXT_WIDTH - label_width, WidthType::Dxa)
                    .set_borders(no_borders())
                    .add_paragraph(ids.paragraph().style(style::COVER_VALUE).add_run(value)),
            ])
        })
        .collect();
    out.push(t_item(
        Table::without_borders(rows)
            .set_grid(vec![label_width, style::TEXT_WIDTH - label_width])
            .width(style::TEXT_WIDTH, WidthType::Dxa),
    ));
    out.push(p_item(ids.paragraph().style(style::COVER_BETWEEN).add_run(
        Run::new().add_text(if meta.binding {
            "BETWEEN"
        } else {
            "ADOPTED BY"
        }),
    )));
    for (i, p) in meta.parties.iter().enumerate() {
        out.extend(cover_party(i, p, meta.binding, ids));
    }
    out
}

fn cover_party(i: usize, p: &PdfParty, binding: bool, ids: &mut Ids) -> Vec<Item> {
    let mut name = ids
        .paragraph()
        .style(style::COVER_PARTY)
        .keep_next(true)
        .indent(Some(567), Some(SpecialIndentType::Hanging(567)), None, None)
        .add_run(
            Run::new()
                .add_text(format!("({})", i + 1))
                .bold()
                .color(style::ACCENT),
        )
        .add_run(Run::new().add_tab())
        .add_run(Run::new().add_text(p.legal_name.as_str()).bold());
    if !p.short_name.is_empty() && p.short_name != p.legal_name {
        name = name.add_run(Run::new().add_text(format!(" (“{}”)", p.short_name)));
    }
    let details = ids
        .paragraph()
        .style(style::COVER_PARTY_DETAIL)
        .keep_next(true)
        .indent(Some(567), None, None, None)
        .add_run(
            Run::new()
                .add_text(format!(
                    "{} · {} · {}",
                    party_kind(&p.kind),
                    p.country,
                    p.address
                ))
                .color(style::MUTED),
        );
    let mut out = vec![p_item(name), p_item(details)];
    // As the PDF: a protocol shows no data-protection roles; an acceded party its date.
    if binding {
        out.push(p_item(
            ids.paragraph()
                .style(style::COVER_PARTY_DETAIL)
                .indent(Some(567), None, None, None)
                .add_run(Run::new().add_text("Role: "))
                .add_run(Run::new().add_text(p.role.replace('_', " ")).italic()),
        ));
    }
    if !p.acceded.is_empty() {
        out.push(p_item(
            ids.paragraph()
                .style(style::COVER_PARTY_DETAIL)
                .indent(Some(567), None, None, None)
                .add_run(Run::new().add_text(format!("Acceded on {}", p.acceded))),
        ));
    }
    out
}

fn contents(outline: &[(numbers::Kind, String, String, String)], ids: &mut Ids) -> Vec<Item> {
    let mut out = vec![p_item(
        ids.paragraph()
            .style(style::CONTENTS_HEADING)
            .page_break_before(true)
            .add_run(Run::new().add_text("Contents")),
    )];
    let mut signatures_listed = false;
    for (kind, number, title, bookmark) in outline {
        if *kind == numbers::Kind::Annex && !signatures_listed {
            out.push(p_item(contents_entry(
                ids,
                "",
                "Signatures",
                SIGNATURES_BOOKMARK,
            )));
            signatures_listed = true;
        }
        let p = match kind {
            numbers::Kind::Annex => {
                contents_entry(ids, "", &format!("Annex {number} — {title}"), bookmark)
            }
            _ => contents_entry(ids, number, title, bookmark),
        };
        out.push(p_item(p));
    }
    if !signatures_listed {
        out.push(p_item(contents_entry(
            ids,
            "",
            "Signatures",
            SIGNATURES_BOOKMARK,
        )));
    }
    out
}

fn contents_entry(ids: &mut Ids, number: &str, title: &str, bookmark: &str) -> Paragraph {
    let mut text = Run::new();
    if !number.is_empty() {
        text = text.add_text(number).add_tab();
    }
    text = text.add_text(title);
    let mut p = ids.paragraph().style(style::CONTENTS_ENTRY);
    if bookmark.is_empty() {
        p = p.add_run(text);
    } else {
        p = p.add_hyperlink(
            docx_rs::Hyperlink::new(bookmark, docx_rs::HyperlinkType::Anchor).add_run(text),
        );
    }
    p
}

const SIGNATURES_BOOKMARK: &str = "dp_signatures";

// ---------------------------------------------------------------------------
// Signatures, as `dp-end-of-body()` draws them: one block per signatory, two side by side.

fn signatures(meta: &PdfMeta, ids: &mut Ids) -> Vec<Item> {
    let bm = ids.bookmark();
    let mut out = vec![
        p_item(
            ids.paragraph()
                .style(style::HEADING_1)
                .page_break_before(true)
                .add_bookmark_start(bm, SIGNATURES_BOOKMARK)
                .add_bookmark_end(bm)
                .add_run(Run::new().add_text("Signatures")),
        ),
        p_item(
            ids.paragraph()
                .add_run(Run::new().add_text(if meta.binding {
                    "Signed by the duly authorised representatives of the parties."
                } else {
                    "Endorsed by the authorised representatives of the participants."
                })),
        ),
    ];
    // A party that acceded signed the accession form, not the document.
    for p in meta.parties.iter().filter(|p| p.acceded.is_empty()) {
        let mut name = ids
            .paragraph()
            .style(style::SIGNATURE_PARTY)
            .keep_next(true)
            .add_run(Run::new().add_text(p.legal_name.as_str()).bold());
        if meta.binding {
            name = name.add_run(
                Run::new()
                    .add_text(format!("  ({})", p.role.replace('_', " ")))
                    .color(style::MUTED),
            );
        }
        out.push(p_item(name));
        let signatories: Vec<Option<&PdfSignatory>> = if p.signatories.is_empty() {
            vec![None]
        } else {
            p.signatories.iter().map(Some).collect()
        };
        out.push(t_item(signature_table(&signatories, ids)));
    }
    out
}

/// Which of a signatory's values a signature line shows.
type SignatoryField = fn(&PdfSignatory) -> &str;

fn signature_table(signatories: &[Option<&PdfSignatory>], ids: &mut Ids) -> Table {
    let (label, value, gap) = (1100usize, 3135usize, 600usize);
    let line = || {
        TableCellBorders::with_empty().set(
            TableCellBorder::new(TableCellBorderPosition::Bottom)
                .size(4)
                .color("6E6E6E"),
        )
    };
    let mut rows = Vec::new();
    for pair in signatories.chunks(2) {
        let fields: [(&str, SignatoryField); 4] = [
            ("Signature", |_| ""),
            ("Name", |s| s.name.as_str()),
            ("Title", |s| s.title.as_str()),
            ("Date", |_| ""),
        ];
        for (caption, get) in fields {
            let mut cells = Vec::new();
            for (k, s) in [pair.first(), pair.get(1)].into_iter().enumerate() {
                if k == 1 {
                    cells.push(
                        TableCell::new()
                            .width(gap, WidthType::Dxa)
                            .set_borders(no_borders())
                            .add_paragraph(ids.paragraph().style(style::SIGNATURE_FIELD)),
                    );
                }
                let (cap, val, borders) = match s {
                    Some(s) => (caption, s.map(get).unwrap_or_default().to_owned(), line()),
                    None => ("", String::new(), no_borders()),
                };
                cells.push(
                    TableCell::new()
                        .width(label, WidthType::Dxa)
                        .set_borders(no_borders())
                        .add_paragraph(
                            ids.paragraph()
                                .style(style::SIGNATURE_FIELD)
                                .add_run(Run::new().add_text(cap).color(style::MUTED)),
                        ),
                );
                cells.push(
                    TableCell::new()
                        .width(value, WidthType::Dxa)
                        .set_borders(borders)
                        .add_paragraph(
                            ids.paragraph()
                                .style(style::SIGNATURE_FIELD)
                                .add_run(Run::new().add_text(val)),
                        ),
                );
            }
            rows.push(
                TableRow::new(cells)
                    .cant_split()
                    .row_height(if caption == "Signature" {
                        style::SIGNATURE_ROW_HEIGHT
                    } else {
                        0.0
                    }),
            );
        }
    }
    Table::without_borders(rows)
        .set_grid(vec![label, value, gap, label, value])
        .width(style::TEXT_WIDTH, WidthType::Dxa)
}

/// Fonts for text in the given style (used by [`style`]).
pub(crate) fn fonts(name: &str) -> RunFonts {
    RunFonts::new()
        .ascii(name)
        .hi_ansi(name)
        .east_asia(name)
        .cs(name)
}
