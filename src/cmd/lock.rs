//! `datapact lock`: pin the clauses each agreement uses in `<config>.lock` (a programme's lock
//! holds every partner's), and the drift report `--locked` prints.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::build::{Agreement, Libraries};
use crate::cli::LockArgs;
use crate::diag::DiagnosticFormat;
use crate::output::write_atomic;
use crate::review;

use super::{ERROR, OK, arg_strings, build_reporting, fail, report};

pub(super) fn run(args: LockArgs, fmt: DiagnosticFormat) -> u8 {
    let libraries = Libraries::new(args.library.library.as_deref());
    let (built, failed) =
        build_reporting(&arg_strings(&args.configs), &libraries, fmt, "not locked");
    let mut worst = if failed { ERROR } else { OK };
    // One lock per file: a programme's partners share their programme's.
    let mut by_file: BTreeMap<PathBuf, Vec<&Agreement>> = BTreeMap::new();
    for a in &built {
        by_file.entry(a.file.clone()).or_default().push(a);
    }
    for (file, agreements) in by_file {
        if failed && agreements.iter().any(|a| a.partner.is_some()) {
            // A partner failed: a lock without it would make it look removed.
            note!(
                "error: {}: not locked, since a partner could not be built",
                file.display()
            );
            continue;
        }
        let path = review::lock_path(&file);
        let lock = review::lock_for(&agreements);
        let text = match review::lock_to_toml(&lock) {
            Ok(t) => t,
            Err(e) => {
                worst = worst.max(fail(format_args!("cannot write {}: {e}", path.display())));
                continue;
            }
        };
        if let Err(e) = write_atomic(&path, text.as_bytes()) {
            worst = worst.max(fail(e));
            continue;
        }
        let clauses =
            lock.clauses.len() + lock.partners.iter().map(|p| p.clauses.len()).sum::<usize>();
        if lock.partners.is_empty() {
            note!("wrote {} ({clauses} clauses)", path.display());
        } else {
            note!(
                "wrote {} ({} partners, {clauses} clauses)",
                path.display(),
                lock.partners.len()
            );
        }
    }
    worst
}

/// Compare an agreement with its lock; print what drifted. `false` when anything did.
pub(super) fn locked_ok(a: &Agreement, fmt: DiagnosticFormat) -> bool {
    match review::check_lock(a) {
        Ok(drift) if drift.is_empty() => true,
        Ok(drift) => {
            note!(
                "error: {} no longer matches {}:",
                a.label,
                review::lock_path(&a.file).display()
            );
            for d in &drift {
                note!("  {:<9} {:<36} {}", d.kind, d.clause, d.detail);
            }
            note!(
                "help: review the changed clauses, then run `datapact lock {}` to accept them",
                a.file.display()
            );
            false
        }
        Err(d) => {
            report(&[d], fmt);
            false
        }
    }
}
