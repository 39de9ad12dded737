//! Clause selection: which clauses of a library apply to one agreement, and why.
//!
//! In: a library and an agreement's tera context plus its `[clauses]` include/exclude lists.
//! Out: a [`Selection`], one entry per clause in document order; or diagnostics for unknown,
//! required or missing clauses and conditions that failed.

use std::collections::HashSet;

use serde::Serialize;

use super::{Library, tera_error_text};
use crate::config::Exclusion;
use crate::diag::{Diagnostic, did_you_mean};

impl Library {
    /// Decide which clauses apply to an agreement.
    pub fn select(
        &self,
        kind: &str,
        ctx: &tera::Context,
        include: &[String],
        exclude: &[Exclusion],
    ) -> Result<Selection, Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let ids: Vec<&str> = self.clauses.iter().map(|c| c.meta.id.as_str()).collect();
        let excluded: Vec<&str> = exclude.iter().map(Exclusion::id).collect();
        let included: Vec<&str> = include.iter().map(String::as_str).collect();
        for (field, list) in [("include", &included), ("exclude", &excluded)] {
            for &id in list {
                if !ids.contains(&id) {
                    let help = match did_you_mean(id, ids.iter().copied()) {
                        Some(s) => {
                            format!("did you mean `{s}`? `datapact clauses` lists every clause id")
                        }
                        None => "`datapact clauses` lists every clause id".to_owned(),
                    };
                    diags.push(
                        Diagnostic::error(
                            "config::unknown-clause",
                            format!("no clause has the id `{id}`"),
                        )
                        .field(format!("clauses.{field}"))
                        .help(help),
                    );
                }
            }
        }
        let mut entries = Vec::new();
        let holds = self.conditions_hold(ctx);
        for (c, held) in self.clauses.iter().zip(holds) {
            let cond = match held {
                Ok(b) => b,
                Err(e) => {
                    diags.push(
                        Diagnostic::error(
                            "library::condition-failed",
                            format!(
                                "the condition of clause `{}` failed: {}",
                                c.meta.id,
                                tera_error_text(&e)
                            ),
                        )
                        .field(format!("{}: when = \"{}\"", c.path, c.meta.when)),
                    );
                    false
                }
            };
            let id = &c.meta.id;
            let in_kind = self
                .sections
                .iter()
                .find(|s| s.id == c.meta.section)
                .is_none_or(|s| s.kinds.is_empty() || s.kinds.iter().any(|k| k == kind))
                && c.meta.kinds.iter().any(|k| k == kind);
            let (included, reason) = if !in_kind && !include.contains(id) {
                (false, Reason::Kind(kind.to_owned()))
            } else if let Some(x) = exclude.iter().find(|x| x.id() == id) {
                if c.meta.required && cond {
                    diags.push(
                        Diagnostic::error(
                            "config::required-clause",
                            format!("clause `{id}` is required and cannot be excluded"),
                        )
                        .field("clauses.exclude")
                        .help(format!("remove \"{id}\" from [clauses] exclude")),
                    );
                }
                (false, Reason::Excluded(x.reason().map(str::to_owned)))
            } else if include.contains(id) && !cond {
                (true, Reason::Included)
            } else if cond {
                (true, Reason::Condition(c.meta.when.clone()))
            } else {
                (false, Reason::Condition(c.meta.when.clone()))
            };
            entries.push(SelectionEntry {
                clause: id.clone(),
                included,
                reason,
            });
        }
        let included: HashSet<&str> = entries
            .iter()
            .filter(|e| e.included)
            .map(|e| e.clause.as_str())
            .collect();
        for e in entries.iter().filter(|e| e.included) {
            if let Some(c) = self.clause(&e.clause) {
                for r in &c.meta.requires {
                    if !included.contains(r.as_str()) {
                        diags.push(
                            Diagnostic::error("config::missing-dependency", format!("clause `{}` needs clause `{r}`, which is not in this agreement", e.clause))
                                .field("clauses")
                                .help(format!("include \"{r}\" under [clauses] include, or exclude \"{}\"", e.clause)),
                        );
                    }
                }
            }
        }
        if diags.is_empty() {
            Ok(Selection { entries })
        } else {
            Err(diags)
        }
    }
}

/// Why a clause is or is not in an agreement.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum Reason {
    /// Its `when` condition (the expression given) decided.
    Condition(String),
    /// Added by `[clauses] include`.
    Included,
    /// Left out by `[clauses] exclude`, with the reason recorded there.
    Excluded(Option<String>),
    /// Its section has no place in this kind of document (`agreement.kind`).
    Kind(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct SelectionEntry {
    pub clause: String,
    pub included: bool,
    pub reason: Reason,
}

/// The outcome of clause selection for one agreement, in document order.
#[derive(Debug, Clone)]
pub struct Selection {
    pub entries: Vec<SelectionEntry>,
}

impl Selection {
    pub fn included(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .filter(|e| e.included)
            .map(|e| e.clause.as_str())
    }
}
