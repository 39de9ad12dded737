//! Assembling the document templates' output from clause bodies by splicing.
//!
//! `body.md`, `annexes.md` and `agreement.md` mostly copy clause bodies into place: over 150
//! bodies, ~160 KB, per agreement. Handing tera every body (converted into its own values three
//! times) and having it copy them out was a sixth of a batch. Instead the document templates
//! are rendered with a short *sentinel* in place of each body (and of `body_md`/`annexes_md`),
//! and the sentinels in the output are then replaced by the bodies.
//!
//! That gives the same text only if a template does nothing with a body but print it
//! unchanged. [`check_templates`] makes sure of it when a library is loaded, by a scan of every
//! tag of the document templates; a library whose templates fail it is rendered the plain way:
//!
//! - the clause lists (`sections`, `body_sections`, `annex_sections`) appear only as
//!   `{% for s in sections %}`, a section variable only as `s.id`, `s.title`, `s.annex` or in
//!   `{% for c in s.clauses %}`, and a clause variable only as `c.id`, `c.title`, `c.version`,
//!   or as the whole of a tag `{{ c.body | safe }}`;
//! - `body_md` and `annexes_md` appear only as the whole of a tag `{{ body_md }}` (or with
//!   `| safe`);
//! - no tag other than `if`/`elif`/`else`/`endif`, `for`/`endfor`, `set`/`set_global`,
//!   `break`/`continue`, and `include` of another document template outside those loops.
//!
//! So no body is ever compared, measured, filtered, escaped or iterated over. Sentinels are
//! made of Unicode noncharacters, which configs may not contain (see
//! [`crate::model::forbidden_char`]) and a spliced library's files do not contain either, and they
//! hold a `\`, which any escaping (Markdown, JSON, debug output) would double: [`splice`] gives
//! up, and the plain rendering is used, on any sentinel it cannot read. Debug builds (the test
//! suite) render every agreement both ways and check that they agree.

use std::fmt::Write;

use crate::render_cache::CONTROL_TAGS;

/// Starts and ends a sentinel: Unicode noncharacters, never in a config or a checked template.
const OPEN: char = '\u{FDD0}';
const CLOSE: char = '\u{FDD1}';

/// The sentinel standing for piece `k`.
pub fn sentinel(k: usize) -> String {
    let mut s = String::with_capacity(12);
    let _ = write!(s, "{OPEN}\\{k}{CLOSE}");
    s
}

/// `out` with each sentinel replaced by its piece, or `None` when a sentinel is damaged or
/// names no piece.
pub fn splice(out: &str, pieces: &[&str]) -> Option<String> {
    let len = out.len() + pieces.iter().map(|p| p.len()).sum::<usize>();
    let mut s = String::with_capacity(len);
    let mut rest = out;
    while let Some(at) = rest.find(OPEN) {
        s.push_str(&rest[..at]);
        let after = rest[at + OPEN.len_utf8()..].strip_prefix('\\')?;
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let k: usize = after[..digits].parse().ok()?;
        rest = after[digits..].strip_prefix(CLOSE)?;
        s.push_str(pieces.get(k)?);
    }
    s.push_str(rest);
    Some(s)
}

/// `Err` naming the first library file (path, text) that holds a sentinel character.
pub fn check_library_text<'a>(
    mut files: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<(), String> {
    match files.find(|(_, text)| text.contains([OPEN, CLOSE])) {
        Some((path, _)) => Err(format!(
            "{path} contains a sentinel character (U+FDD0 or U+FDD1)"
        )),
        None => Ok(()),
    }
}

/// Whether the document templates (name, source) only print bodies, as the module
/// documentation sets out; `Err` says why not.
pub fn check_templates(templates: &[(String, &str)]) -> Result<(), String> {
    let names: Vec<&str> = templates.iter().map(|(n, _)| n.as_str()).collect();
    for (name, src) in templates {
        check_template(src, &names).map_err(|why| format!("{name}: {why}"))?;
    }
    Ok(())
}

const LISTS: &[&str] = &["sections", "body_sections", "annex_sections"];
const PLACED: &[&str] = &["body_md", "annexes_md"];
#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok<'a> {
    Ident(&'a str),
    Str(&'a str),
    Punct(u8),
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Section,
    Clause,
}

fn check_template(src: &str, templates: &[&str]) -> Result<(), String> {
    if src.contains([OPEN, CLOSE]) {
        return Err("contains a sentinel character".into());
    }
    // One frame per open `for`: the variable it binds to a section or a clause, if it does.
    let mut frames: Vec<Option<(&str, Kind)>> = Vec::new();
    let mut rest = src;
    while let Some(i) = rest.find('{') {
        let next = rest.as_bytes().get(i + 1).copied();
        let (output, close) = match next {
            Some(b'#') => {
                let end = rest[i + 2..].find("#}").ok_or("unclosed comment")?;
                rest = &rest[i + 2 + end + 2..];
                continue;
            }
            Some(b'{') => (true, "}}"),
            Some(b'%') => (false, "%}"),
            _ => {
                rest = &rest[i + 1..];
                continue;
            }
        };
        let body = &rest[i + 2..];
        let len = crate::render_cache::code_len(body, close).ok_or("unclosed tag")?;
        let code = body[..len].trim_matches('-').trim();
        rest = &body[len + 2..];
        let toks = tokens(code).ok_or_else(|| format!("cannot read `{code}`"))?;
        let bound = |name: &str| {
            frames
                .iter()
                .rev()
                .flatten()
                .find(|(n, _)| *n == name)
                .map(|(_, k)| *k)
        };
        if output {
            use Tok::*;
            let shown = match toks.as_slice() {
                [
                    Ident(c),
                    Punct(b'.'),
                    Ident("body"),
                    Punct(b'|'),
                    Ident("safe"),
                ] => bound(c) == Some(Kind::Clause),
                [Ident(p)] | [Ident(p), Punct(b'|'), Ident("safe")] => PLACED.contains(p),
                _ => false,
            };
            if !shown {
                check_uses(&toks, &bound)?;
            }
            continue;
        }
        let word = match toks.first() {
            Some(Tok::Ident(w)) if CONTROL_TAGS.contains(w) || *w == "include" => *w,
            _ => return Err(format!("tag `{code}` is not understood")),
        };
        match word {
            "for" => {
                use Tok::*;
                let binds = match toks.as_slice() {
                    [_, Ident(v), Ident("in"), Ident(list)] if LISTS.contains(list) => {
                        Some((*v, Kind::Section))
                    }
                    [
                        _,
                        Ident(v),
                        Ident("in"),
                        Ident(s),
                        Punct(b'.'),
                        Ident("clauses"),
                    ] if bound(s) == Some(Kind::Section) => Some((*v, Kind::Clause)),
                    _ => None,
                };
                if binds.is_none() {
                    check_uses(&toks, &bound)?;
                }
                frames.push(binds);
            }
            "endfor" => {
                frames.pop().ok_or("`endfor` without `for`")?;
            }
            "include" => match toks.as_slice() {
                [_, Tok::Str(name)] if templates.contains(name) => {
                    if frames.iter().flatten().next().is_some() {
                        return Err("include inside a loop over sections or clauses".into());
                    }
                }
                _ => {
                    return Err(format!(
                        "`{code}` includes something else than a document template"
                    ));
                }
            },
            _ => check_uses(&toks, &bound)?,
        }
    }
    Ok(())
}

/// Every use of a clause list, a section or clause variable, or a placed document in `toks`
/// must be a plain attribute read that is not a body.
fn check_uses(toks: &[Tok], bound: &dyn Fn(&str) -> Option<Kind>) -> Result<(), String> {
    for (i, t) in toks.iter().enumerate() {
        let Tok::Ident(name) = t else { continue };
        if i > 0 && toks[i - 1] == Tok::Punct(b'.') {
            continue;
        }
        let attr = match (toks.get(i + 1), toks.get(i + 2)) {
            (Some(Tok::Punct(b'.')), Some(Tok::Ident(a))) => Some(*a),
            _ => None,
        };
        let ok = match bound(name) {
            Some(Kind::Section) => matches!(attr, Some("id" | "title" | "annex")),
            Some(Kind::Clause) => matches!(attr, Some("id" | "title" | "version")),
            None => !LISTS.contains(name) && !PLACED.contains(name),
        };
        if !ok {
            return Err(format!("`{name}` is used other than by a plain read"));
        }
    }
    Ok(())
}

/// The tokens of a tag's code: identifiers (and numbers), string literals, punctuation.
fn tokens(code: &str) -> Option<Vec<Tok<'_>>> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if matches!(c, b'"' | b'\'' | b'`') {
            let end = crate::render_cache::string_end(b, i)?;
            out.push(Tok::Str(&code[i + 1..end - 1]));
            i = end;
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Ident(&code[start..i]));
        } else if c.is_ascii() {
            out.push(Tok::Punct(c));
            i += 1;
        } else {
            return None;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(src: &str) -> Result<(), String> {
        check_templates(&[("t".into(), src), ("other".into(), "")])
    }

    #[test]
    fn the_builtin_document_templates_pass() {
        let lib = crate::library::Library::builtin().unwrap();
        assert!(lib.splices(), "{:?}", lib.splice_check);
    }

    #[test]
    fn plain_prints_and_reads_pass() {
        for src in [
            "{% for s in body_sections %}## {{ s.title }} {{ s.id | anchor }}{% for c in s.clauses %}{{ c.title }}{{ c.body | safe }}{% endfor %}{% endfor %}",
            "{{ body_md }}{% include \"other\" %}{{- annexes_md | safe -}}",
            "{% for s in sections %}{% if s.annex %}{{ (s.id ~ \" x\") | anchor }}{% endif %}{% endfor %}{% for s in parties %}{{ s.name }}{% endfor %}",
            "{# {{ c.body | length }} #}{% for p in parties %}{{ p.legal_name }}{% endfor %}",
        ] {
            assert_eq!(check(src), Ok(()), "{src}");
        }
    }

    #[test]
    fn anything_else_done_with_a_body_fails() {
        for src in [
            "{% for s in sections %}{% for c in s.clauses %}{{ c.body | length }}{% endfor %}{% endfor %}",
            "{% for s in sections %}{% for c in s.clauses %}{{ c.body }}{% endfor %}{% endfor %}",
            "{% for s in sections %}{% for c in s.clauses %}{% if c.body %}x{% endif %}{% endfor %}{% endfor %}",
            "{% for s in sections %}{% for c in s.clauses %}{% set b = c.body %}{% endfor %}{% endfor %}",
            "{% for s in sections %}{% for c in s.clauses %}{{ c | json_encode }}{% endfor %}{% endfor %}",
            "{% for s in sections %}{% for c in s.clauses %}{{ c[\"body\"] | safe }}{% endfor %}{% endfor %}",
            "{% for s in sections %}{% for k, v in s.clauses %}{{ v }}{% endfor %}{% endfor %}",
            "{% for s in sections %}{% for c in s.clauses %}{% for k, v in c %}{{ v | safe }}{% endfor %}{% endfor %}{% endfor %}",
            "{% for s in sections %}{{ s.clauses | length }}{% endfor %}",
            "{{ sections | map(attribute=\"clauses\") | json_encode }}",
            "{% set all = body_sections %}",
            "{% if body_md | length > 0 %}{{ body_md }}{% endif %}",
            "{% filter upper %}{{ body_md }}{% endfilter %}",
            "{% macro m() %}{% endmacro %}",
            "{% raw %}{{ body_md }}{% endraw %}",
            "{% include \"clause/x.md\" %}",
            "{% for s in sections %}{% include \"other\" %}{% endfor %}",
            "{{ body_md ~ annexes_md }}",
            "\u{FDD0}",
            "{{ unclosed",
        ] {
            assert!(check(src).is_err(), "{src}");
        }
    }

    #[test]
    fn library_text_with_a_sentinel_character_is_not_spliced() {
        let files = [
            ("clauses/a.md", "title = \"A\""),
            ("clauses/b.md", "title = \"\u{FDD0}\""),
        ];
        assert_eq!(check_library_text(files[..1].iter().copied()), Ok(()));
        let why = check_library_text(files.iter().copied()).unwrap_err();
        assert!(why.starts_with("clauses/b.md"), "{why}");
    }

    #[test]
    fn splicing_replaces_sentinels_and_refuses_damaged_ones() {
        let pieces = ["one", "two\nlines"];
        let out = format!("a {} b {}{} c", sentinel(1), sentinel(0), sentinel(1));
        assert_eq!(
            splice(&out, &pieces).as_deref(),
            Some("a two\nlines b onetwo\nlines c")
        );
        assert_eq!(
            splice("no sentinel", &pieces).as_deref(),
            Some("no sentinel")
        );
        // Escaped, cut, or out of range.
        let escaped = sentinel(0).replace('\\', "\\\\");
        for bad in [
            escaped.as_str(),
            "\u{FDD0}\\0",
            "\u{FDD0}\\9\u{FDD1}",
            "\u{FDD0}",
        ] {
            assert_eq!(splice(bad, &pieces), None, "{bad:?}");
        }
    }
}
