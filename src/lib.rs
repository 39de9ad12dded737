//! datapact: TOML agreement config → checked model → clause selection → Markdown → Typst → PDF.
//!
//! Each stage takes a value and returns one: [`load`] reads a file into a typed config,
//! [`model`] checks it and derives facts, [`library`] selects clauses, [`render`] writes the
//! Markdown. The command layer ([`cmd`]) is the only place that prints.

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

pub mod batch;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod dates;
pub mod diag;
pub mod emit;
pub mod git;
pub mod library;
pub mod lint;
pub mod load;
pub mod model;
pub mod output;
pub mod pdf;
pub mod pipeline;
pub mod register;
pub mod render;
pub mod render_cache;
pub mod review;
pub mod splice;
pub mod twin;
