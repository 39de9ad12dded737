//! datapact: TOML agreement config → checked model → clause selection → Markdown → Typst → PDF.
//!
//! Each stage takes a value and returns one, and the layers depend one way:
//! [`cli`] (arguments) → [`cmd`] (the commands; the only code that prints) → [`build`] (the
//! one build path) → [`input`] and [`load`] (configs and programmes into a typed config) →
//! [`model`] (checked, with derived facts) → [`lint`] (findings) → [`library`] (clause files,
//! selection) → [`render`] (Markdown) → output ([`emit`], [`pdf`], [`twin`], [`manifest`],
//! [`output`]).

// A `Diagnostic` (code, message, help, file, span, field) is returned only when something is
// wrong with the input, once per command: boxing it would cost every caller a `*` for nothing.
#![allow(clippy::result_large_err)]

/// `eprintln!` that treats a closed stderr (`datapact batch … 2>&1 | head`) as nothing to
/// report: messages are for people, and the work they describe still has to finish.
/// (`eprintln!` panics when stderr is closed.)
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// [`note!`] without the line break.
macro_rules! note_str {
    ($s:expr) => {{
        use std::io::Write as _;
        let _ = std::io::stderr().write_all(AsRef::<str>::as_ref(&$s).as_bytes());
    }};
}

pub mod build;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod dates;
pub mod diag;
pub mod digest;
pub mod docx;
pub mod emit;
pub mod git;
pub mod input;
pub mod library;
pub mod lint;
pub mod load;
pub mod manifest;
pub mod model;
pub mod output;
pub mod pdf;
pub mod register;
pub mod render;
pub mod review;
pub mod twin;
