//! Reviewing agreements like code: the clause lock, clause-level diffs, and why each clause is
//! in an agreement.
//!
//! In: built agreements (see [`crate::build`]). Out: lock files, diff reports and
//! explanations as plain values; the command layer prints them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use similar::{ChangeTag, TextDiff};

use crate::build::Agreement;
use crate::diag::Diagnostic;
use crate::library::{Library, Reason};

/// `<config>.lock`: what an agreement's text was built from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    /// Format version of the lock file.
    pub lock_version: u32,
    pub library_version: String,
    /// sha256 over every template file.
    pub templates_hash: String,
    /// The clauses of a config's agreement.
    #[serde(rename = "clause", default, skip_serializing_if = "Vec::is_empty")]
    pub clauses: Vec<LockedClause>,
    /// A programme's lock: the clauses of each partner's agreement.
    #[serde(rename = "partner", default, skip_serializing_if = "Vec::is_empty")]
    pub partners: Vec<PartnerLock>,
}

/// The clauses of one partner's agreement, in a programme's lock.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PartnerLock {
    pub id: String,
    #[serde(rename = "clause", default)]
    pub clauses: Vec<LockedClause>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LockedClause {
    pub id: String,
    pub version: String,
    /// sha256 of the clause file.
    pub hash: String,
}

/// The lock file path for a config: `mno.toml` → `mno.lock`.
pub fn lock_path(config: &Path) -> PathBuf {
    config.with_extension("lock")
}

/// The clauses an agreement uses, as its lock records them.
pub fn locked_clauses(a: &Agreement) -> Vec<LockedClause> {
    a.rendered
        .selection
        .included()
        .filter_map(|id| a.library.clause(id))
        .map(|c| LockedClause {
            id: c.meta.id.clone(),
            version: c.meta.version.clone(),
            hash: c.hash.clone(),
        })
        .collect()
}

/// The lock of one file: a config's agreement, or every partner's of a programme (`agreements`
/// all come from that file; the library is the first one's).
pub fn lock_for(agreements: &[&Agreement]) -> Lock {
    let (library_version, templates_hash) = agreements
        .first()
        .map(|a| (a.library.version.clone(), a.library.templates_hash.clone()))
        .unwrap_or_default();
    let mut lock = Lock {
        lock_version: 1,
        library_version,
        templates_hash,
        clauses: Vec::new(),
        partners: Vec::new(),
    };
    for a in agreements {
        match &a.partner {
            None => lock.clauses = locked_clauses(a),
            Some(id) => lock.partners.push(PartnerLock {
                id: id.clone(),
                clauses: locked_clauses(a),
            }),
        }
    }
    lock
}

pub fn lock_to_toml(lock: &Lock) -> Result<String, toml::ser::Error> {
    let body = toml::to_string(lock)?;
    Ok(format!(
        "# Written by `datapact lock`: the clauses and templates this agreement was built from.\n# Commit it; `datapact generate --locked` fails when any of them changes.\n{body}"
    ))
}

/// A difference between a lock and the current library.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LockDrift {
    pub clause: String,
    /// `changed`, `added` (now in the agreement, not in the lock), `removed`, or `templates`.
    pub kind: &'static str,
    pub detail: String,
}

/// Compare an agreement with its lock file. `Err` when the lock cannot be read.
pub fn check_lock(a: &Agreement) -> Result<Vec<LockDrift>, Diagnostic> {
    let config = a.file.as_path();
    let path = lock_path(config);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Diagnostic::error(
            "lock::missing",
            format!("cannot read the lock file {}: {e}", path.display()),
        )
        .help(format!(
            "run `datapact lock {}` and commit the lock file",
            config.display()
        ))
    })?;
    let lock: Lock = toml::from_str(&text).map_err(|e| {
        Diagnostic::error(
            "lock::invalid",
            format!(
                "{} is not a valid lock file: {}",
                path.display(),
                e.message()
            ),
        )
        .help(format!(
            "regenerate it with `datapact lock {}`",
            config.display()
        ))
    })?;
    let locked: &[LockedClause] = match &a.partner {
        None => &lock.clauses,
        Some(id) => lock
            .partners
            .iter()
            .find(|p| &p.id == id)
            .map_or(&[], |p| p.clauses.as_slice()),
    };
    let now = locked_clauses(a);
    let mut drift = Vec::new();
    let old: BTreeMap<&str, &LockedClause> = locked.iter().map(|c| (c.id.as_str(), c)).collect();
    let new: BTreeMap<&str, &LockedClause> = now.iter().map(|c| (c.id.as_str(), c)).collect();
    for (id, c) in &new {
        match old.get(id) {
            None => drift.push(LockDrift {
                clause: id.to_string(),
                kind: "added",
                detail: format!("now included (version {})", c.version),
            }),
            Some(o) if o.hash != c.hash => drift.push(LockDrift {
                clause: id.to_string(),
                kind: "changed",
                detail: if o.version == c.version {
                    format!("text changed without a version bump (still {})", c.version)
                } else {
                    format!("version {} → {}", o.version, c.version)
                },
            }),
            _ => {}
        }
    }
    for id in old.keys().filter(|id| !new.contains_key(*id)) {
        drift.push(LockDrift {
            clause: id.to_string(),
            kind: "removed",
            detail: "no longer included".into(),
        });
    }
    if lock.templates_hash != a.library.templates_hash {
        drift.push(LockDrift {
            clause: "(templates)".into(),
            kind: "templates",
            detail: "the document templates changed".into(),
        });
    }
    Ok(drift)
}

/// One clause in a diff.
#[derive(Debug, Clone, Serialize)]
pub struct ClauseDiff {
    pub id: String,
    pub title: String,
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
    /// Word-level diff in `[-old-]{+new+}` form (changed clauses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub word_diff: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub a: String,
    pub b: String,
    pub identical: bool,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub clauses: Vec<ClauseDiff>,
    /// Whole-document text outside clauses (cover, parties, signatures) differs.
    pub frame_changed: bool,
}

fn clause_bodies(p: &Agreement) -> Vec<(String, String, String)> {
    p.rendered
        .sections
        .iter()
        .flat_map(|s| {
            s.clauses
                .iter()
                .map(|c| (c.id.clone(), c.title.clone(), c.body.clone()))
        })
        .collect()
}

/// Compare the agreements two prepared configs produce, clause by clause.
pub fn diff(a_name: &str, a: &Agreement, b_name: &str, b: &Agreement) -> DiffReport {
    let old = clause_bodies(a);
    let new = clause_bodies(b);
    let old_map: BTreeMap<&str, (&str, &str)> = old
        .iter()
        .map(|(i, t, b)| (i.as_str(), (t.as_str(), b.as_str())))
        .collect();
    let new_map: BTreeMap<&str, (&str, &str)> = new
        .iter()
        .map(|(i, t, b)| (i.as_str(), (t.as_str(), b.as_str())))
        .collect();
    let mut clauses = Vec::new();
    // Document order of B, with removed clauses where they stood in A.
    for (id, title, body) in &old {
        if !new_map.contains_key(id.as_str()) {
            clauses.push(ClauseDiff {
                id: id.clone(),
                title: title.clone(),
                change: "removed",
                word_diff: None,
            });
        } else if let Some((_, new_body)) = new_map.get(id.as_str())
            && *new_body != body
        {
            clauses.push(ClauseDiff {
                id: id.clone(),
                title: title.clone(),
                change: "changed",
                word_diff: Some(word_diff(body, new_body)),
            });
        }
    }
    for (id, title, _) in &new {
        if !old_map.contains_key(id.as_str()) {
            clauses.push(ClauseDiff {
                id: id.clone(),
                title: title.clone(),
                change: "added",
                word_diff: None,
            });
        }
    }
    let count = |k: &str| clauses.iter().filter(|c| c.change == k).count();
    let frame_changed =
        strip_clauses(&a.rendered.markdown, &old) != strip_clauses(&b.rendered.markdown, &new);
    DiffReport {
        a: a_name.to_owned(),
        b: b_name.to_owned(),
        identical: clauses.is_empty()
            && !frame_changed
            && a.rendered.markdown == b.rendered.markdown,
        added: count("added"),
        removed: count("removed"),
        changed: count("changed"),
        clauses,
        frame_changed,
    }
}

fn strip_clauses(md: &str, clauses: &[(String, String, String)]) -> String {
    let mut s = md.to_owned();
    for (_, _, body) in clauses {
        s = s.replacen(body.as_str(), "", 1);
    }
    s
}

/// A word-level diff, `[-removed-]{+added+}`, one paragraph per line as in the Markdown. As in
/// `git diff --word-diff`, changed words separated only by spaces form one run: renaming
/// "Brightloop Social, Inc." gives one removal and one addition, not one pair per word.
pub fn word_diff(old: &str, new: &str) -> String {
    let mut out = String::new();
    let mut run = Run::default();
    for change in TextDiff::from_words(old, new).iter_all_changes() {
        let v = change.value();
        match change.tag() {
            // Space between changed words: part of the run if another change follows.
            ChangeTag::Equal if run.is_open() && !v.contains('\n') && v.trim().is_empty() => {
                run.gap.push_str(v)
            }
            ChangeTag::Equal => {
                run.close(&mut out);
                out.push_str(v);
            }
            ChangeTag::Delete => run.push(true, v),
            ChangeTag::Insert => run.push(false, v),
        }
    }
    run.close(&mut out);
    out
}

/// A run of changed words being collected by [`word_diff`].
#[derive(Default)]
struct Run {
    removed: String,
    added: String,
    /// Unchanged space after the last changed word, not yet known to be inside the run.
    gap: String,
    /// Changed space before the first changed word: written as it is, before the run.
    lead: String,
}

impl Run {
    fn is_open(&self) -> bool {
        !self.removed.is_empty() || !self.added.is_empty()
    }

    fn push(&mut self, removed: bool, word: &str) {
        if !self.is_open() && !word.contains('\n') && word.trim().is_empty() {
            self.lead.push_str(word);
            return;
        }
        let gap = std::mem::take(&mut self.gap);
        for side in [&mut self.removed, &mut self.added] {
            if !side.is_empty() {
                side.push_str(&gap);
            }
        }
        if removed {
            self.removed.push_str(word);
        } else {
            self.added.push_str(word);
        }
    }

    /// Write the run (if any) and the space after it. Space that ends a run (a removed or
    /// added word's own space) is written after it, as unchanged text would be.
    fn close(&mut self, out: &mut String) {
        let removed = self.removed.trim_end();
        let added = self.added.trim_end();
        let tail = [&self.removed[removed.len()..], &self.added[added.len()..]]
            .into_iter()
            .max_by_key(|t| t.len())
            .unwrap_or("");
        out.push_str(&self.lead);
        if !removed.is_empty() {
            out.push_str(&format!("[-{removed}-]"));
        }
        if !added.is_empty() {
            out.push_str(&format!("{{+{added}+}}"));
        }
        out.push_str(tail);
        out.push_str(&self.gap);
        *self = Run::default();
    }
}

/// One line of `datapact explain`.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub id: String,
    pub title: String,
    pub section: String,
    pub included: bool,
    /// Why: the condition, `[clauses] include` or `[clauses] exclude`.
    pub reason: String,
    /// The values behind the condition, e.g. `derived.has_controller_to_processor = true`.
    pub values: Vec<String>,
}

/// Explain clause selection: every clause in order, with the condition and the values behind it.
pub fn explain(p: &Agreement) -> Vec<Explanation> {
    // The same values the conditions were evaluated on, `check` included.
    let ctx = crate::render::context_value(&p.model, &p.check);
    p.rendered
        .selection
        .entries
        .iter()
        .filter_map(|e| {
            let clause = p.library.clause(&e.clause)?;
            let (reason, values) = match &e.reason {
                Reason::Condition(when) if when == "true" => {
                    ("always included".to_owned(), Vec::new())
                }
                Reason::Condition(when) => (
                    format!(
                        "{} `{when}`",
                        if e.included {
                            "condition holds:"
                        } else {
                            "condition does not hold:"
                        }
                    ),
                    condition_values(when, &ctx),
                ),
                Reason::Included => ("added by [clauses] include".to_owned(), Vec::new()),
                Reason::Kind(kind) => (
                    format!("its section has no place in a document of kind `{kind}`"),
                    Vec::new(),
                ),
                Reason::Excluded(None) => (
                    "left out by [clauses] exclude (no reason given)".to_owned(),
                    Vec::new(),
                ),
                Reason::Excluded(Some(why)) => {
                    (format!("left out by [clauses] exclude: {why}"), Vec::new())
                }
            };
            Some(Explanation {
                id: e.clause.clone(),
                title: clause.meta.title.clone(),
                section: clause.meta.section.clone(),
                included: e.included,
                reason,
                values,
            })
        })
        .collect()
}

/// The variables a tera condition reads (see [`crate::library::expression_paths`]), with their
/// values in this agreement.
pub fn condition_values(when: &str, ctx: &serde_json::Value) -> Vec<String> {
    crate::library::expression_paths(when)
        .into_iter()
        .map(|path| {
            let value = path.split('.').try_fold(ctx, |v, seg| v.get(seg));
            let shown = match value {
                Some(v) => {
                    let s = v.to_string();
                    if s.len() > 80 {
                        format!(
                            "{}…",
                            &s[..s.char_indices().nth(77).map_or(s.len(), |(b, _)| b)]
                        )
                    } else {
                        s
                    }
                }
                None => "(not set)".to_owned(),
            };
            format!("{path} = {shown}")
        })
        .collect()
}

/// Expand paths and globs into config files, in a stable order. `programme.toml#partner` and
/// `REV:PATH` are kept as they are.
pub fn expand_configs(patterns: &[String]) -> Result<Vec<String>, Diagnostic> {
    let mut out = Vec::new();
    for p in patterns {
        if Path::new(p).is_file()
            || crate::git::parse_rev_path(p).is_some()
            || p.rsplit_once('#')
                .is_some_and(|(f, _)| Path::new(f).is_file())
        {
            out.push(p.clone());
            continue;
        }
        let paths = glob::glob(p).map_err(|e| {
            Diagnostic::error("cli::bad-glob", format!("`{p}` is not a valid glob: {e}"))
        })?;
        let mut found: Vec<PathBuf> = paths
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect();
        if found.is_empty() {
            return Err(Diagnostic::error(
                "cli::no-match",
                format!("`{p}` matches no config file"),
            )
            .help("give config paths or a glob such as 'examples/*.toml' (quoted)"));
        }
        found.sort();
        out.extend(found.iter().map(|f| f.to_string_lossy().into_owned()));
    }
    out.dedup();
    Ok(out)
}

/// The agreements (by label) that include any of the given clauses, with those clauses.
pub fn affected<'a>(
    clause_ids: &[String],
    agreements: impl IntoIterator<Item = &'a Agreement>,
) -> Vec<(String, Vec<String>)> {
    agreements
        .into_iter()
        .filter_map(|p| {
            let hits: Vec<String> = p
                .rendered
                .selection
                .included()
                .filter(|id| clause_ids.iter().any(|c| c == id))
                .map(str::to_owned)
                .collect();
            (!hits.is_empty()).then(|| (p.label.clone(), hits))
        })
        .collect()
}

/// Check that clause ids exist in a library, with suggestions.
pub fn check_clause_ids(ids: &[String], lib: &Library) -> Vec<Diagnostic> {
    let known: Vec<&str> = lib.clauses.iter().map(|c| c.meta.id.as_str()).collect();
    ids.iter()
        .filter(|id| !known.contains(&id.as_str()))
        .map(|id| {
            let d = Diagnostic::error(
                "cli::unknown-clause",
                format!("no clause has the id `{id}`"),
            );
            match crate::diag::did_you_mean(id, known.iter().copied()) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help("`datapact clauses` lists every clause id"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_obligation_with_two_periods_is_found() {
        let md = "The Receiving Party must correct its copy within 5 Working Days.\n\
Each Party must tell the others within 10 days.\n\
| By the processor to its controller | At the latest within 12 hours |\n\
| Between the parties | At the latest within 24 hours |\n\
A Party must reply in writing at once, and at the latest within 24 hours.\n\
Where asked, the Receiving Party must correct its copy within 10 days.\n";
        let found = super::period_conflicts(md);
        assert_eq!(
            found,
            [super::PeriodConflict {
                obligation: "must correct its copy".into(),
                periods: vec!["5 working days".into(), "10 days".into()],
            }]
        );
        // The same period stated twice is one period.
        let md = "Each Party must tell the others within 10 days.\nOr: each Party must tell the others within 10 days of it.\n";
        assert!(super::period_conflicts(md).is_empty());
    }

    #[test]
    fn a_sentence_repeated_after_a_label_is_found() {
        let md = "**Trends.** Shelter planners in each province receive the counts within a week.\n\
- **Trends**: Shelter planners in each province receive the counts within a week.\n\
| a | Shelter planners in each province receive the counts within a week. |\n";
        assert_eq!(
            super::repeated_sentences(md),
            [(
                "Shelter planners in each province receive the counts within a week.".to_owned(),
                2
            )]
        );
    }

    #[test]
    fn a_defined_term_in_another_form_is_found_and_titles_and_plain_words_are_not() {
        let md = "**“Agreement”**\n: this document.\n\n**“Providing Party”**\n: the sender.\n\n\
## The providing party\n\
This Agreement binds the Providing Party. Under this agreement the providing party sends.\n\
A third party, see [the providing party's duties](#x). The Providing Party-wide rule.\n";
        let mut found = super::term_forms(md);
        found.sort_by(|a, b| a.term.cmp(&b.term));
        assert_eq!(
            found,
            [
                super::TermForm {
                    term: "Agreement".into(),
                    found: "this agreement".into(),
                    count: 1
                },
                super::TermForm {
                    term: "Providing Party".into(),
                    found: "providing party".into(),
                    count: 1
                },
            ]
        );
        // A shorter term inside a longer one, and a definition's own wording, are not misuses.
        let md = "**“Personal Data”**\n: any personal data.\n\n**“Personal Data Breach”**\n: a breach.\n\n\
A Personal Data Breach of Personal Data.\n";
        assert_eq!(super::term_forms(md), []);
    }

    #[test]
    fn a_sentence_said_twice_is_found_and_tables_and_short_lines_are_not() {
        let md = "## Terms\n\nThe Recipient must delete the data within thirty days of the end.\n\
| a | b | c | d | e | f | g | h |\n| a | b | c | d | e | f | g | h |\n\
Short line said twice here.\nShort line said twice here.\n\
- The Recipient must delete the data within thirty days of the end.\n";
        let found = super::repeated_sentences(md);
        assert_eq!(
            found,
            [(
                "The Recipient must delete the data within thirty days of the end.".to_owned(),
                2
            )]
        );
    }

    use super::*;

    #[test]
    fn word_diff_marks_changes() {
        #[track_caller]
        fn check(old: &str, new: &str, expected: &str) {
            assert_eq!(word_diff(old, new), expected);
        }
        check(
            "keep for 24 months",
            "keep for 36 months",
            "keep for [-24-]{+36+} months",
        );
        // Adjacent changed words are one run, as in `git diff --word-diff`.
        check(
            "between Brightloop Social, Inc. and the Agency",
            "between Renamed Partner Cooperative and the Agency",
            "between [-Brightloop Social, Inc.-]{+Renamed Partner Cooperative+} and the Agency",
        );
        check("a b c", "a c", "a [-b-] c");
        check("a c", "a b c", "a {+b+} c");
        check("x y", "x y z w", "x y {+z w+}");
        // A run does not cross a line (a paragraph of the Markdown).
        check("a\nb", "c\nd", "[-a-]{+c+}\n[-b-]{+d+}");
        check("same", "same", "same");
    }

    #[test]
    fn condition_values_reads_paths() {
        let ctx = serde_json::json!({"derived": {"has_x": true}, "agreement": {"context": "humanitarian"}});
        let v = condition_values(
            "derived.has_x and agreement.context == 'humanitarian' and missing.y",
            &ctx,
        );
        assert_eq!(
            v,
            vec![
                "derived.has_x = true",
                "agreement.context = \"humanitarian\"",
                "missing.y = (not set)"
            ]
        );
    }
}

/// The length of one section or annex of an agreement, with its clauses.
#[derive(Debug, Clone, Serialize)]
pub struct SectionWords {
    pub id: String,
    pub title: String,
    pub annex: bool,
    pub words: usize,
    pub clauses: Vec<ClauseWords>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClauseWords {
    pub id: String,
    pub title: String,
    pub words: usize,
}

/// Words a reader reads in a piece of the agreement's Markdown (markup, link targets and
/// heading anchors are not words).
pub fn words(md: &str) -> usize {
    crate::render::md_text(md).split_whitespace().count()
}

/// Sentences of eight words or more that an agreement's Markdown says more than once, with
/// how often: each thing is said once. A sentence is a line of running text or a list item
/// (the Markdown has one sentence per line); headings and table rows are particulars, not
/// sentences, and are left out.
pub fn repeated_sentences(markdown: &str) -> Vec<(String, usize)> {
    let mut seen: Vec<(String, usize)> = Vec::new();
    for line in markdown.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('|') || line.starts_with('#') {
            continue;
        }
        let text = line
            .strip_prefix("- ")
            .or_else(|| line.strip_prefix("* "))
            .unwrap_or(line);
        // A leading bold label ("**Displacement trends.** …", "**Displacement trends**: …")
        // names what follows; the sentence is the rest.
        let text = text
            .strip_prefix("**")
            .and_then(|t| t.split_once("**"))
            .map(|(_, rest)| rest.trim_start_matches([':', '.']).trim_start())
            .filter(|rest| !rest.is_empty())
            .unwrap_or(text);
        if text.split_whitespace().count() < 8 {
            continue;
        }
        match seen.iter_mut().find(|(s, _)| s == text) {
            Some((_, n)) => *n += 1,
            None => seen.push((text.to_owned(), 1)),
        }
    }
    seen.retain(|(_, n)| *n > 1);
    seen
}

/// One obligation stated with two periods: the words that lead up to "within" in each
/// sentence, and the periods found after them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodConflict {
    /// The words before "within", e.g. `make the same change to its copy`.
    pub obligation: String,
    /// The periods, in order of first appearance, e.g. `5 working days`, `10 days`.
    pub periods: Vec<String>,
}

/// Whether a word (lower case) is a unit of time: "day", "days", "month", "years", …
pub(crate) fn is_time_unit(word: &str) -> bool {
    const UNITS: &[&str] = &["day", "hour", "week", "month", "year"];
    let singular = word.strip_suffix('s').unwrap_or(word);
    UNITS.contains(&singular)
}

/// Obligations that an agreement's Markdown states with two different periods ("correct it
/// within 5 working days" in one clause, "correct it within 10 days" in another): the same
/// obligation carries one period. An obligation is known by the four words before "within"
/// (or fewer at the start of a sentence), leaving out words such as "and at the latest"; a
/// table row reads as one line. A period is the number and unit after "within".
pub fn period_conflicts(markdown: &str) -> Vec<PeriodConflict> {
    let mut seen: Vec<PeriodConflict> = Vec::new();
    // Words that lead up to a period without saying whose obligation it is ("and at the
    // latest within"): the obligation is named by the words before them.
    const FILLER: &[&str] = &[
        "at", "the", "latest", "and", "in", "any", "case", "event", "no", "later", "than", "but",
        "or", "once", "",
    ];
    for line in markdown.lines() {
        // A table row reads as its cells in a row: the first names the obligation.
        let text = crate::render::md_text(&line.replace('|', " "));
        let words: Vec<String> = text
            .split_whitespace()
            .map(|w| {
                w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'')
                    .to_lowercase()
            })
            .collect();
        for (i, w) in words.iter().enumerate() {
            if w != "within" {
                continue;
            }
            let Some(n) = words
                .get(i + 1)
                .filter(|n| n.chars().all(|c| c.is_ascii_digit()))
            else {
                continue;
            };
            let mut j = i + 2;
            let mut period = n.clone();
            if let Some(kind) = words
                .get(j)
                .filter(|x| matches!(x.as_str(), "working" | "calendar" | "business"))
            {
                period.push(' ');
                period.push_str(kind);
                j += 1;
            }
            let Some(unit) = words.get(j).filter(|u| is_time_unit(u)) else {
                continue;
            };
            period.push(' ');
            period.push_str(unit);
            let mut end = i;
            while end > 0 && FILLER.contains(&words[end - 1].as_str()) {
                end -= 1;
            }
            let lead = &words[end.saturating_sub(4)..end];
            if lead.len() < 2 {
                continue;
            }
            let obligation = lead.join(" ");
            match seen.iter_mut().find(|c| c.obligation == obligation) {
                Some(c) => {
                    if !c.periods.contains(&period) {
                        c.periods.push(period);
                    }
                }
                None => seen.push(PeriodConflict {
                    obligation,
                    periods: vec![period],
                }),
            }
        }
    }
    seen.retain(|c| c.periods.len() > 1);
    seen
}

/// A defined term written in another form than its definition's, with how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermForm {
    /// The term as defined, e.g. `Providing Party`.
    pub term: String,
    /// The form found, e.g. `providing party`.
    pub found: String,
    pub count: usize,
}

/// Defined terms used in a form other than their definition's: a defined term means one thing
/// only if it is always written the same way. The terms are the agreement's definitions
/// (`**“Term”**`). A term of two or more words is looked for in any other capitalisation; a
/// one-word term only after "this" (`this agreement` for `Agreement`: on its own a word such as
/// "party" is ordinary English, as in "a third party"). Headings and link texts (clause and
/// section titles) and the definitions' own wording are left out, and so is a shorter term
/// inside a longer one ("Personal Data" in "Personal Data Breach").
pub fn term_forms(markdown: &str) -> Vec<TermForm> {
    let mut terms: Vec<String> = Vec::new();
    let mut rest = markdown;
    while let Some(i) = rest.find("**“") {
        rest = &rest[i + "**“".len()..];
        if let Some(j) = rest.find("”**") {
            let t = &rest[..j];
            if !t.is_empty() && t.len() < 60 && !terms.iter().any(|x| x == t) {
                terms.push(t.to_owned());
            }
            rest = &rest[j..];
        }
    }
    let text = prose_for_terms(markdown);
    let lower = text.to_lowercase();
    let mut out: Vec<TermForm> = Vec::new();
    // Longer terms first: "Personal Data Breach" is not a misspelt "Personal Data".
    terms.sort_by_key(|t| std::cmp::Reverse(t.len()));
    let mut claimed: Vec<std::ops::Range<usize>> = Vec::new();
    for term in &terms {
        let (needle, exact) = if term.split_whitespace().count() >= 2 {
            (term.to_lowercase(), term.clone())
        } else {
            (
                format!("this {}", term.to_lowercase()),
                format!("this {term}"),
            )
        };
        // `to_lowercase` keeps byte offsets for the ASCII terms a library defines.
        if needle.len() != exact.len() {
            continue;
        }
        let mut from = 0;
        while let Some(k) = lower[from..].find(&needle) {
            let start = from + k;
            let end = start + needle.len();
            from = end;
            let boundary = |c: Option<char>| !c.is_some_and(|c| c.is_alphanumeric() || c == '-');
            if !boundary(lower[..start].chars().next_back())
                || !boundary(lower[end..].chars().next())
            {
                continue;
            }
            if claimed.iter().any(|r| r.start < end && start < r.end) {
                continue;
            }
            let found = &text[start..end];
            // "This Agreement" at the start of a sentence is the defined form.
            let same = found == exact
                || (exact.starts_with("this ")
                    && found.strip_prefix("This ") == exact.strip_prefix("this "));
            claimed.push(start..end);
            if same {
                continue;
            }
            match out.iter_mut().find(|f| f.term == *term && f.found == found) {
                Some(f) => f.count += 1,
                None => out.push(TermForm {
                    term: term.clone(),
                    found: found.to_owned(),
                    count: 1,
                }),
            }
        }
    }
    out
}

/// The running text and table cells of an agreement's Markdown, without headings, link texts
/// (titles) and definitions, for [`term_forms`].
fn prose_for_terms(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for line in markdown.lines() {
        // Headings are titles; `: …` lines are the definitions themselves, which explain a term
        // in ordinary words.
        if line.trim_start().starts_with('#') || line.starts_with(": ") {
            out.push('\n');
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find('[') {
            out.push_str(&rest[..i]);
            match rest[i..].find("](") {
                Some(j) if !rest[i + 1..i + j].contains('[') => {
                    let after = &rest[i + j + 2..];
                    rest = after.find(')').map_or("", |k| &after[k + 1..]);
                }
                _ => {
                    out.push('[');
                    rest = &rest[i + 1..];
                }
            }
        }
        out.push_str(rest);
        out.push('\n');
    }
    out
}

/// Words per section and annex, and per clause within each, in document order: where the
/// length of an agreement comes from.
pub fn word_counts(a: &Agreement) -> Vec<SectionWords> {
    a.rendered
        .sections
        .iter()
        .map(|s| {
            let clauses: Vec<ClauseWords> = s
                .clauses
                .iter()
                .map(|c| ClauseWords {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    words: words(&c.title) + words(&c.body),
                })
                .collect();
            SectionWords {
                id: s.id.clone(),
                title: s.title.clone(),
                annex: s.annex,
                words: words(&s.title) + clauses.iter().map(|c| c.words).sum::<usize>(),
                clauses,
            }
        })
        .collect()
}
