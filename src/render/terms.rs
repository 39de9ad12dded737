//! Defined terms and cross-references in rendered Markdown: `""Term""` defines, `<Term>` uses,
//! `[text](#clause-id)` refers to a clause.
//!
//! In: rendered clause bodies and the whole agreement. Out: resolved Markdown, and
//! diagnostics for a term used but not defined (or defined but not used) and for a reference to
//! a clause that is not in the agreement.

use std::collections::{BTreeMap, HashSet};

use crate::diag::Diagnostic;

/// Defined terms seen while rendering: the first clause that defines, and that uses, each.
#[derive(Default)]
pub(super) struct Terms {
    defined: BTreeMap<String, String>,
    used: BTreeMap<String, String>,
}

impl Terms {
    /// The terms clause `clause` defines and uses (the first clause to do so is kept).
    pub(super) fn add(&mut self, clause: &str, defined: Vec<String>, used: Vec<String>) {
        for t in defined {
            self.defined.entry(t).or_insert_with(|| clause.to_owned());
        }
        for t in used {
            self.used.entry(t).or_insert_with(|| clause.to_owned());
        }
    }

    pub(super) fn check(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for (term, clause) in &self.used {
            if !self.defined.contains_key(term) {
                out.push(
                    Diagnostic::error("library::undefined-term", format!("clause `{clause}` uses the term “{term}”, which this agreement does not define"))
                        .help(format!("define it as \"\"{term}\"\" in the definitions clause, under the same condition as the clauses that use it")),
                );
            }
        }
        for (term, clause) in &self.defined {
            // A plural defined beside its singular ("Outputs" is the plural) is unused only
            // when the singular is.
            let singular_used = term
                .strip_suffix('s')
                .is_some_and(|one| self.used.contains_key(one));
            if !self.used.contains_key(term) && !singular_used {
                out.push(
                    Diagnostic::error("library::unused-term", format!("clause `{clause}` defines “{term}”, but no clause in this agreement uses it"))
                        .help(format!("use it as <{term}> where it applies, or define it only under the condition of the clauses that use it")),
                );
            }
        }
        out
    }
}

/// Resolve defined-term markup in a rendered clause body.
///
/// `""Term""` defines a term (rendered bold, in quotation marks) and `<Term>` uses one
/// (rendered as plain text). Values from the config cannot produce this markup: the Markdown
/// escape turns their `<` into `\<` and `"` is only special when doubled here.
pub fn mark_terms(body: &str) -> (String, Vec<String>, Vec<String>) {
    mark_terms_in(body, None)
}

/// [`mark_terms`], with the defined terms a kind of document names otherwise: with
/// `Party = "Participant"`, `<Party>` reads "Participant" and `""Party""` defines it.
pub fn mark_terms_in(
    body: &str,
    vocabulary: Option<&BTreeMap<String, String>>,
) -> (String, Vec<String>, Vec<String>) {
    let name = |t: &str| -> String {
        vocabulary
            .and_then(|v| v.get(t))
            .cloned()
            .unwrap_or_else(|| t.to_owned())
    };
    let mut out = String::with_capacity(body.len() + 16);
    let mut defined = Vec::new();
    let mut used = Vec::new();
    let mut rest = body;
    // Only a `"` or a `<` can start markup: copy everything up to the next one in one go.
    while let Some(pos) = memchr::memchr2(b'"', b'<', rest.as_bytes()) {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        if let Some(after) = rest.strip_prefix("\"\"")
            && let Some(end) = after.find("\"\"")
            && is_term(&after[..end])
        {
            let term = name(&after[..end]);
            out.push_str("**“");
            out.push_str(&term);
            out.push_str("”**");
            defined.push(term);
            rest = &after[end + 2..];
            continue;
        }
        if let Some(after) = rest.strip_prefix('<')
            && !out.ends_with('\\')
            && let Some(end) = after.find('>')
            && is_term(&after[..end])
        {
            let term = name(&after[..end]);
            out.push_str(&term);
            used.push(term);
            rest = &after[end + 1..];
            continue;
        }
        // A lone `"` or `<` (both one byte): keep it.
        out.push_str(&rest[..1]);
        rest = &rest[1..];
    }
    out.push_str(rest);
    (out, defined, used)
}

fn is_term(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.len() <= 60
        && s.chars()
            .all(|c| c.is_ascii_alphabetic() || c == ' ' || c == '-')
        && !s.ends_with(' ')
}

/// Every `#id` link must point at a heading in the document.
///
/// A line scan rather than a Markdown parse (this runs once per agreement, also in batches of
/// thousands): headings end in `{#id}` (the `anchor` filter), and a link to one is `](#id)`,
/// which a config value can never produce because its `]` and `#` are escaped.
pub fn check_cross_references(md: &str) -> Result<(), Vec<Diagnostic>> {
    use memchr::memmem;
    let bytes = md.as_bytes();
    let mut ids = HashSet::new();
    let mut links: Vec<(&str, &str)> = Vec::new();
    let mut current = "(cover)";
    // Heading lines and link openings, in document order, each found with one SIMD search
    // over the whole text (a search per line cost more than the rest of the scan).
    let mut headings = md
        .starts_with('#')
        .then_some(0)
        .into_iter()
        .chain(memmem::find_iter(bytes, b"\n#").map(|p| p + 1))
        .peekable();
    let mut openings = memmem::find_iter(bytes, b"](#").peekable();
    // Where the last link target ended: an opening before it is part of that target.
    let mut consumed = 0;
    loop {
        let h = headings.peek().copied();
        let o = openings.peek().copied();
        match (h, o) {
            (Some(h), o) if o.is_none_or(|o| h < o) => {
                headings.next();
                let end = memchr::memchr(b'\n', &bytes[h..]).map_or(md.len(), |e| h + e);
                let line = md[h..end].strip_suffix('\r').unwrap_or(&md[h..end]);
                if let Some(open) = line.rfind("{#")
                    && line.ends_with('}')
                {
                    let level = line.bytes().take_while(|&b| b == b'#').count();
                    let id = line[open + 2..line.len() - 1]
                        .split_whitespace()
                        .next()
                        .unwrap_or("");
                    ids.insert(id);
                    if level <= 3 {
                        current = id;
                    }
                }
            }
            (_, Some(p)) => {
                openings.next();
                if p < consumed {
                    continue;
                }
                let escaped = bytes[consumed..p]
                    .iter()
                    .rev()
                    .take_while(|&&b| b == b'\\')
                    .count()
                    % 2
                    == 1;
                let after = &md[p + 3..];
                let end = after
                    .find(|c: char| c == ')' || c.is_whitespace())
                    .unwrap_or(after.len());
                if !escaped {
                    links.push((&after[..end], current));
                }
                consumed = p + 3 + end;
            }
            _ => break,
        }
    }
    let diags: Vec<Diagnostic> = links
        .into_iter()
        .filter(|(t, _)| !ids.contains(t))
        .map(|(t, from)| {
            Diagnostic::error("library::dangling-reference", format!("clause `{from}` refers to `{t}`, which is not in this agreement"))
                .help(format!("make the reference conditional on the same condition as `{t}`, or include `{t}` under [clauses] include"))
        })
        .collect();
    if diags.is_empty() { Ok(()) } else { Err(diags) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::filters::escape_str;
    use crate::render::{markdown_options, md_text};
    use pulldown_cmark::{Event, HeadingLevel, LinkType, Parser, Tag};

    #[test]
    fn doubled_quotes_in_values_are_not_terms() {
        // Regression: a value `""Controller""` became the bold defined term “Controller”.
        let escaped = escape_str("He said \"\"Controller\"\" and \"\"\"\"");
        let (out, defined, _) = mark_terms(&escaped);
        assert!(defined.is_empty(), "{out}");
        assert_eq!(md_text(&out), "He said \"\"Controller\"\" and \"\"\"\"");
        assert_eq!(escape_str("a \"quoted\" name"), "a \"quoted\" name");
    }

    #[test]
    fn terms_are_defined_and_used() {
        let (out, d, u) = mark_terms(
            "\"\"Shared Data\"\"\n: the data. The <Parties> use <Shared Data> but not \\<Fake> or <lower>.",
        );
        assert_eq!(d, vec!["Shared Data"]);
        assert_eq!(u, vec!["Parties", "Shared Data"]);
        assert!(out.starts_with("**“Shared Data”**"));
        assert!(out.contains("\\<Fake>"));
        assert!(out.contains("<lower>"));
    }

    /// The line scan finds exactly the heading ids and `#` links a Markdown parser finds.
    #[test]
    fn cross_reference_scan_agrees_with_the_parser() {
        let md = "# Title\n\n## Section {#sec-a}\n\n### One {#one}\n\nSee [two](#two), \
                  a value \\](\\#x) and [three](#three \"t\").\n\n- item [one](#one)\n\n\
                  | a | [b](#one) |\n|---|---|\n\n## Annex {#annex-x .annex}\n\n\
                  #### Deep {#deep}\n\nBack to [x](#annex-x).\n";
        let (mut ids, mut links) = (Vec::new(), Vec::new());
        for ev in Parser::new_ext(md, markdown_options()) {
            match ev {
                Event::Start(Tag::Heading {
                    id: Some(id),
                    level,
                    ..
                }) => {
                    assert!(level >= HeadingLevel::H2);
                    ids.push(id.to_string())
                }
                Event::Start(Tag::Link {
                    link_type: LinkType::Inline,
                    dest_url,
                    ..
                }) => {
                    if let Some(t) = dest_url.strip_prefix('#') {
                        links.push(t.to_owned())
                    }
                }
                _ => {}
            }
        }
        assert_eq!(ids, ["sec-a", "one", "annex-x", "deep"]);
        assert_eq!(links, ["two", "three", "one", "one", "annex-x"]);
        let e = check_cross_references(md).unwrap_err();
        let mut dangling: Vec<&str> = e
            .iter()
            .map(|d| d.message.split('`').nth(3).unwrap_or(""))
            .collect();
        dangling.sort();
        assert_eq!(dangling, ["three", "two"]);
        assert!(e.iter().all(|d| d.message.starts_with("clause `one`")));
    }

    #[test]
    fn dangling_reference_is_reported() {
        let md = "### One {#one}\n\nSee [two](#two) and [one](#one).\n";
        let e = check_cross_references(md).unwrap_err();
        assert_eq!(e.len(), 1);
        assert!(e[0].message.contains("`two`"));
    }
}
