//! The numbers of an agreement's headings, exactly as the PDF prints them.
//!
//! In: the Markdown events of the body and annexes (the input of
//! [`crate::pdf::markdown_to_typst`]). Out: for every heading, its number ("3", "3.2", "B",
//! "B.1", or none) and what a cross-reference to it reads ("clause 3.2", "Annex B", …).
//!
//! The rules are `templates/agreement.typ`'s: `##` sections are numbered 1, 2, …; `###`
//! clauses 1.1, …; annexes (`## … {.annex}`) are lettered A, B, … after the signatures (the
//! heading counter restarts), their `###` paragraphs A.1, …; `####` and deeper are unnumbered,
//! and a reference to one cites the numbered heading it sits in. The document title (the first
//! `#`) is not numbered. Checks of the heading structure (ids, classes, order) are the Typst
//! converter's; the docx writer runs after it, or on Markdown it accepts.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{CowStr, Event, HeadingLevel, Tag};

/// What kind of heading: decides its style, its number and how a reference cites it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Title,
    Section,
    Clause,
    Annex,
    AnnexClause,
    Sub,
}

#[derive(Debug, Clone)]
pub struct Heading {
    pub kind: Kind,
    /// "3", "3.2", "B", "B.1"; empty for unnumbered headings.
    pub number: String,
    pub id: Option<String>,
}

/// Every heading's number, keyed by the index of its `Start(Heading)` event, and the text a
/// cross-reference to each heading id reads.
#[derive(Debug, Default)]
pub struct Numbers {
    pub headings: HashMap<usize, Heading>,
    /// Heading id → "clause 3.2" / "section 3" / "Annex B" / "paragraph B.1".
    pub refs: HashMap<String, String>,
}

/// Typst's "A" numbering: A … Z, then AA, AB, … (bijective base 26).
pub fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

impl Numbers {
    pub fn scan(events: &[(Event<'_>, Range<usize>)]) -> Numbers {
        let mut numbers = Numbers::default();
        let (mut section, mut clause, mut annex_n, mut annex_clause) = (0usize, 0usize, 0usize, 0);
        let mut in_annexes = false;
        let mut before_content = true;
        // The reference text of the innermost numbered heading so far.
        let mut current_ref: Option<String> = None;
        for (i, (ev, _)) in events.iter().enumerate() {
            let at_start = before_content;
            if !matches!(
                ev,
                Event::Start(Tag::HtmlBlock)
                    | Event::End(pulldown_cmark::TagEnd::HtmlBlock)
                    | Event::Html(_)
            ) {
                before_content = false;
            }
            let Event::Start(Tag::Heading {
                level, id, classes, ..
            }) = ev
            else {
                continue;
            };
            let annex = classes.iter().any(|c: &CowStr<'_>| c.as_ref() == "annex");
            let kind = match level {
                HeadingLevel::H1 if at_start && !annex => Kind::Title,
                HeadingLevel::H1 => Kind::Sub,
                HeadingLevel::H2 if annex => Kind::Annex,
                HeadingLevel::H2 => Kind::Section,
                HeadingLevel::H3 if in_annexes => Kind::AnnexClause,
                HeadingLevel::H3 => Kind::Clause,
                _ => Kind::Sub,
            };
            let (number, reference) = match kind {
                Kind::Section => {
                    section += 1;
                    clause = 0;
                    (section.to_string(), format!("section {section}"))
                }
                Kind::Clause => {
                    clause += 1;
                    let n = format!("{section}.{clause}");
                    (n.clone(), format!("clause {n}"))
                }
                Kind::Annex => {
                    in_annexes = true;
                    annex_n += 1;
                    annex_clause = 0;
                    let n = letters(annex_n);
                    (n.clone(), format!("Annex {n}"))
                }
                Kind::AnnexClause => {
                    annex_clause += 1;
                    let n = format!("{}.{annex_clause}", letters(annex_n));
                    (n.clone(), format!("paragraph {n}"))
                }
                Kind::Title | Kind::Sub => (String::new(), String::new()),
            };
            match kind {
                Kind::Title => current_ref = None,
                Kind::Sub => {}
                _ => current_ref = Some(reference),
            }
            let id = id.as_deref().map(str::to_owned);
            if let (Some(id), Some(r)) = (&id, &current_ref) {
                numbers.refs.insert(id.clone(), r.clone());
            }
            numbers.headings.insert(i, Heading { kind, number, id });
        }
        numbers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_follow_typst() {
        let got: Vec<String> = [1, 2, 26, 27, 28, 52, 53].map(letters).to_vec();
        assert_eq!(got, ["A", "B", "Z", "AA", "AB", "AZ", "BA"]);
    }

    #[test]
    fn numbers_and_references_match_the_pdf() {
        let md = "# T\n\n## S {#s}\n\n### C {#c}\n\n#### Sub {#sub}\n\n### D {#d}\n\n## S2 {#s2}\n\n### E {#e}\n\n## Parties {#p .annex}\n\n### P1 {#p1}\n\n## Data {#data .annex}\n\n### D1 {#d1}\n";
        let events: Vec<_> = pulldown_cmark::Parser::new_ext(md, crate::render::markdown_options())
            .into_offset_iter()
            .collect();
        let n = Numbers::scan(&events);
        let mut got: Vec<(usize, String)> = n
            .headings
            .iter()
            .map(|(i, h)| (*i, h.number.clone()))
            .collect();
        got.sort();
        let numbers: Vec<&str> = got.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(
            numbers,
            [
                "", "1", "1.1", "", "1.2", "2", "2.1", "A", "A.1", "B", "B.1"
            ]
        );
        assert_eq!(n.refs["c"], "clause 1.1");
        assert_eq!(n.refs["sub"], "clause 1.1");
        assert_eq!(n.refs["s2"], "section 2");
        assert_eq!(n.refs["p"], "Annex A");
        assert_eq!(n.refs["d1"], "paragraph B.1");
    }
}
