//! The Markdown → Typst body converter, on arbitrary Markdown; and mapping every line of its
//! output back to a clause.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(md) = std::str::from_utf8(data) else { return };
    if let Ok(typ) = datapact::pdf::markdown_to_typst(md) {
        let lines = typ.lines().count();
        for line in [0, 1, lines / 2, lines, lines + 1] {
            let _ = datapact::pdf::clause_at_line(&typ, line);
        }
    }
});
