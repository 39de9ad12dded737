//! datapact: TOML agreement config → checked model → clause selection → Markdown → Typst → PDF.
//!
//! Each stage takes a value and returns one: [`load`] reads a file into a typed config,
//! [`model`] checks it and derives facts, [`library`] selects clauses, [`render`] writes the
//! Markdown. The command layer ([`cmd`]) is the only place that prints.

// A `Diagnostic` (code, message, help, file, span, field) is returned only when something is
// wrong with the input, once per command: boxing it would cost every caller a `*` for nothing.
#![allow(clippy::result_large_err)]

pub mod batch;
pub mod cli;
pub mod cmd;
pub mod config;
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
