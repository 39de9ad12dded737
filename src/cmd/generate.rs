//! `datapact generate`: write each agreement's Markdown, JSON twin and PDF, every time.

use crate::build::{Libraries, build};
use crate::cli::GenerateArgs;
use crate::diag::DiagnosticFormat;

use super::batch::with_collisions;
use super::{ERROR, FINDINGS, OK, distinct_paths, emitter_for, fail, lock, not_built, report};

pub(super) fn run(args: GenerateArgs, fmt: DiagnosticFormat) -> u8 {
    let emitter = match emitter_for(&args.out) {
        Ok(e) => e.with_typ_output(args.emit_typ),
        Err(e) => return fail(e),
    };
    let libraries = Libraries::new(args.out.library.library.as_deref());
    let configs = distinct_paths(&args.configs);
    let mut worst = OK;
    // Output names claimed by more than one config or partner of this run: none of them is
    // written, since each would overwrite the other (as `datapact batch` does).
    for item in with_collisions(crate::input::plan(&configs)) {
        let label = item.planned.label();
        if let Some(why) = item.collision {
            note!("error: {label}: not generated: {why}");
            worst = worst.max(ERROR);
            continue;
        }
        let agreement = match build(item.planned, &libraries) {
            Ok(a) => a,
            Err(diags) => {
                not_built(&label, "not generated", &diags, fmt);
                worst = worst.max(ERROR);
                continue;
            }
        };
        if args.locked && !lock::locked_ok(&agreement, fmt) {
            worst = worst.max(FINDINGS);
            continue;
        }
        if let Some(why) = agreement.final_refusal() {
            report(&agreement.errors(), fmt);
            note!("error: {label}: not generated: {why}");
            worst = worst.max(FINDINGS);
            continue;
        }
        match emitter.emit(&agreement.model, &agreement.rendered, &agreement.library) {
            Ok(files) => {
                for f in files {
                    note!("wrote {}", args.out.output.join(&f.file).display());
                }
            }
            Err(e) => {
                note!("error: {label}: {e}");
                worst = worst.max(ERROR);
            }
        }
    }
    worst
}
