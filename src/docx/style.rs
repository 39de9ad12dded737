//! The Word styles and page geometry: `templates/agreement.typ`'s layout in Word's terms
//! (A4, the same margins, headings in the accent colour, small muted furniture).
//!
//! Sizes are in half-points, lengths in twentieths of a point (twips). Headings use Word's
//! built-in style names ("heading 1" …), so Word's navigation pane and a reader such as pandoc
//! see the document's structure.

use docx_rs::{LineSpacing, RunFonts, Style, StyleType, VertAlignType};

pub const PAGE_WIDTH: u32 = 11906;
pub const PAGE_HEIGHT: u32 = 16838;
/// 2.7 cm, 2.6 cm and 2.5 cm, as the PDF.
pub const MARGIN_TOP: i32 = 1531;
pub const MARGIN_BOTTOM: i32 = 1474;
pub const MARGIN_SIDE: i32 = 1417;
pub const HEADER_DISTANCE: i32 = 850;
pub const FOOTER_DISTANCE: i32 = 850;
/// The width between the margins.
pub const TEXT_WIDTH: usize = 11906 - 2 * 1417;

pub const BODY_SIZE: usize = 21;
/// Space after a paragraph: the PDF's paragraph spacing (1.05 em).
pub const PARAGRAPH_AFTER: u32 = 120;
pub const CODE_SIZE: usize = 17;
pub const SIGNATURE_ROW_HEIGHT: f32 = 700.0;

/// Word has no Libertinus; a serif every Word and LibreOffice installation has or substitutes
/// metrically (Liberation Serif).
pub const BODY_FONT: &str = "Times New Roman";
pub const MONO_FONT: &str = "Courier New";

pub const ACCENT: &str = "1F3B5C";
pub const MUTED: &str = "5F5F5F";
pub const DRAFT_RED: &str = "9B1C1C";
pub const HEADER_FILL: &str = "EEEEEE";

pub const HEADING_1: &str = "Heading1";
pub const HEADING_2: &str = "Heading2";
pub const HEADING_3: &str = "Heading3";
pub const TITLE: &str = "Title";
pub const COVER_KIND: &str = "DpCoverKind";
pub const COVER_LABEL: &str = "DpCoverLabel";
pub const COVER_VALUE: &str = "DpCoverValue";
pub const COVER_BETWEEN: &str = "DpCoverBetween";
pub const COVER_PARTY: &str = "DpCoverParty";
pub const COVER_PARTY_DETAIL: &str = "DpCoverPartyDetail";
pub const CONTENTS_HEADING: &str = "TOCHeading";
pub const CONTENTS_ENTRY: &str = "TOC1";
pub const TABLE_TEXT: &str = "DpTableText";
pub const TABLE_HEADER: &str = "DpTableHeader";
pub const TABLE_AFTER: &str = "DpTableAfter";
pub const SIGNATURE_PARTY: &str = "DpSignatureParty";
pub const SIGNATURE_FIELD: &str = "DpSignatureField";
pub const HEADER: &str = "Header";
pub const FOOTER: &str = "Footer";
pub const PROVENANCE: &str = "DpProvenance";
pub const FOOTNOTE_TEXT: &str = "FootnoteText";
pub const FOOTNOTE_REFERENCE: &str = "FootnoteReference";
pub const HYPERLINK: &str = "Hyperlink";

pub fn body_fonts() -> RunFonts {
    super::fonts(BODY_FONT)
}

fn spacing(before: u32, after: u32) -> LineSpacing {
    LineSpacing::new().before(before).after(after)
}

fn paragraph(id: &str, name: &str) -> Style {
    Style::new(id, StyleType::Paragraph)
        .name(name)
        .based_on("Normal")
        .next("Normal")
        .q_format(true)
}

fn heading(id: &str, name: &str, level: usize, size: usize, before: u32) -> Style {
    let mut s = paragraph(id, name)
        .bold()
        .size(size)
        .color(ACCENT)
        .outline_lvl(level)
        .line_spacing(spacing(before, 120))
        .indent(
            Some(737),
            Some(docx_rs::SpecialIndentType::Hanging(737)),
            None,
            None,
        );
    s.paragraph_property = s.paragraph_property.keep_next(true).keep_lines(true);
    s
}

/// Every style the document uses ("Normal" is docx-rs's own, with the defaults set on the
/// document).
pub fn styles() -> Vec<Style> {
    let mut title = paragraph(TITLE, "Title")
        .bold()
        .size(44)
        .color(ACCENT)
        .line_spacing(spacing(120, 240));
    title.paragraph_property = title.paragraph_property.keep_next(true);
    let mut footnote_ref = Style::new(FOOTNOTE_REFERENCE, StyleType::Character)
        .name("footnote reference")
        .based_on("DefaultParagraphFont");
    footnote_ref.run_property = footnote_ref
        .run_property
        .vert_align(VertAlignType::SuperScript);
    vec![
        heading(HEADING_1, "heading 1", 0, 26, 480),
        heading(HEADING_2, "heading 2", 1, 21, 280),
        paragraph(HEADING_3, "heading 3")
            .bold()
            .italic()
            .outline_lvl(2)
            .line_spacing(spacing(240, 120)),
        title,
        paragraph(COVER_KIND, "Cover kind")
            .size(18)
            .color(MUTED)
            .line_spacing(spacing(1800, 80)),
        paragraph(COVER_LABEL, "Cover label")
            .size(17)
            .color(MUTED)
            .line_spacing(spacing(60, 60)),
        paragraph(COVER_VALUE, "Cover value").line_spacing(spacing(60, 60)),
        paragraph(COVER_BETWEEN, "Cover between")
            .size(18)
            .color(MUTED)
            .line_spacing(spacing(480, 120)),
        paragraph(COVER_PARTY, "Cover party").line_spacing(spacing(160, 40)),
        paragraph(COVER_PARTY_DETAIL, "Cover party detail")
            .size(19)
            .line_spacing(spacing(0, 40)),
        paragraph(CONTENTS_HEADING, "TOC Heading")
            .bold()
            .size(26)
            .color(ACCENT)
            .line_spacing(spacing(0, 240)),
        paragraph(CONTENTS_ENTRY, "toc 1")
            .indent(
                Some(567),
                Some(docx_rs::SpecialIndentType::Hanging(567)),
                None,
                None,
            )
            .line_spacing(spacing(0, 20)),
        paragraph(TABLE_TEXT, "Table text")
            .size(19)
            .line_spacing(spacing(40, 40)),
        paragraph(TABLE_HEADER, "Table header")
            .size(19)
            .bold()
            .line_spacing(spacing(40, 40)),
        paragraph(TABLE_AFTER, "Table after")
            .size(8)
            .line_spacing(spacing(0, 120)),
        paragraph(SIGNATURE_PARTY, "Signature party").line_spacing(spacing(360, 60)),
        paragraph(SIGNATURE_FIELD, "Signature field")
            .size(19)
            .line_spacing(spacing(160, 0)),
        paragraph(HEADER, "header").size(16).color(MUTED),
        paragraph(FOOTER, "footer").size(16).color(MUTED),
        paragraph(PROVENANCE, "Provenance")
            .size(13)
            .color("828282")
            .line_spacing(spacing(480, 0)),
        paragraph(FOOTNOTE_TEXT, "footnote text").size(17),
        footnote_ref,
        Style::new(HYPERLINK, StyleType::Character)
            .name("Hyperlink")
            .color(ACCENT)
            .underline("single"),
    ]
}
