//! PDF generation for datapact: Markdown → Typst conversion, glyph coverage
//! checks, and the sandboxed `typst` subprocess runner.

mod convert;
mod embedded_cmap;
mod escape;
mod fonts;
mod runner;
mod session;

pub use convert::{ConvertError, clause_at_line, markdown_options, markdown_to_typst};
pub use escape::{escape_markup, escape_str, markup, str_literal};
pub use fonts::{
    Coverage, DEFAULT_FONT_DIRS, FONT_FILES, FONT_PATH_ENV, FontError, FontFile, FontSet,
    MissingGlyph, MissingGlyphAt, StagedFonts, font_dirs_from_env, needs_no_glyph,
};
pub use runner::{
    AGREEMENT_TEMPLATE, CompileOptions, CompileReport, Diagnostic, PINNED_TYPST_VERSION, PdfError,
    PdfMeta, PdfParty, PdfSignatory, PdfStatus, TYPST_ENV, TYPST_INSTALL_HINT, Typst, date_to_unix,
    main_typ, main_typ_with, parse_diagnostics,
};
pub use session::{Compiled, Session};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod samples;
