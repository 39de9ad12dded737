//! Config loading: TOML text → spans → schema validation → serde → semantic checks, and the
//! diagnostics printed for whatever fails (line/column arithmetic, miette snippets).
#![no_main]

use std::path::Path;

use datapact::diag::{DiagnosticFormat, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let diags = match datapact::load::load_str(Path::new("fuzz.toml"), &text) {
        Ok(loaded) => match datapact::model::build(loaded) {
            Ok(_) => return,
            Err(d) => d,
        },
        Err(d) => d,
    };
    let _ = render(&diags, DiagnosticFormat::Short);
    let _ = render(&diags, DiagnosticFormat::Human);
});
