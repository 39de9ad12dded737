//! The template environment clause bodies and document templates are compiled in: Markdown
//! autoescaping of every config value, and datapact's filters (`name`, `and_list`,
//! `long_date`, …).
//!
//! In: template text (compiled by [`super::Library`]). Out: a [`tera::Tera`] whose output is
//! Markdown in which config values appear literally.

use std::io::Write;

use tera::{Kwargs, State};

use crate::model::country_name;

/// Escape text so CommonMark shows it literally wherever a template puts it.
///
/// Characters that can open inline markup anywhere are always escaped; the rest of ASCII
/// punctuation only where it could start a block (the first character, or an ordered-list
/// marker after leading digits). Line breaks become spaces so a value never starts a new
/// block. The Markdown stays readable in a git diff: "S.A." is not written "S\.A\.".
pub fn escape_markdown(input: &str, out: &mut dyn Write) -> std::io::Result<()> {
    // Most values (names, titles, dates) need nothing escaped: printable ASCII without markup
    // characters, not starting with punctuation or a digit.
    let plain = input.bytes().enumerate().all(|(i, b)| {
        (b' '..=b'~').contains(&b)
            && !matches!(
                b,
                b'\\'
                    | b'`'
                    | b'*'
                    | b'_'
                    | b'['
                    | b']'
                    | b'<'
                    | b'>'
                    | b'&'
                    | b'|'
                    | b'~'
                    | b'{'
                    | b'}'
                    | b'#'
                    | b'!'
                    | b'$'
                    | b'^'
                    | b'"'
            )
            && (i > 0 || !(b.is_ascii_punctuation() || b.is_ascii_digit()))
    });
    if plain {
        return out.write_all(input.as_bytes());
    }
    escape_markdown_in_full(input, out)
}

fn escape_markdown_in_full(input: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let mut buf = String::with_capacity(input.len() + 8);
    let leading_digits = input.chars().take_while(char::is_ascii_digit).count();
    for (i, (b, c)) in input.char_indices().enumerate() {
        match c {
            '\n' | '\r' | '\t' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                buf.push(' ')
            }
            c if c.is_control() => {}
            // `""` is defined-term markup in clause bodies (see `mark_terms`): a value never makes one.
            '"' if (b > 0 && input.as_bytes()[b - 1] == b'"')
                || input.as_bytes().get(b + 1) == Some(&b'"') =>
            {
                buf.push('\\');
                buf.push(c);
            }
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~' | '{' | '}' | '#'
            | '!' | '$' | '^' => {
                buf.push('\\');
                buf.push(c);
            }
            c if i == 0 && c.is_ascii_punctuation() => {
                buf.push('\\');
                buf.push(c);
            }
            '.' | ')'
                if i == leading_digits
                    && i > 0
                    && input[input.char_indices().nth(i).map_or(0, |(b, _)| b) + 1..]
                        .chars()
                        .next()
                        .is_none_or(char::is_whitespace) =>
            {
                buf.push('\\');
                buf.push(c);
            }
            c => buf.push(c),
        }
    }
    // A value made only of spaces would vanish; nothing else needs trimming.
    out.write_all(buf.as_bytes())
}

#[cfg(test)]
pub(crate) fn escape_str(s: &str) -> String {
    let mut v = Vec::new();
    let _ = escape_markdown(s, &mut v);
    String::from_utf8(v).unwrap_or_default()
}

/// `n` days as the agreement counts them: calendar days ("30 days"), or working days ("30
/// Working Days", the defined term; "working days" in a protocol, which defines none).
fn days(n: i64, state: &State) -> String {
    let agreement: Option<tera::Value> = state.get("agreement").ok().flatten();
    let field = |k: &'static str| {
        agreement
            .as_ref()
            .and_then(|a| a.as_map())
            .and_then(|m| m.get(&tera::value::Key::Str(k)).cloned())
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    let s = if n == 1 { "" } else { "s" };
    match (field("days").as_str(), field("kind").as_str()) {
        ("working", "protocol") => format!("{n} working day{s}"),
        ("working", _) => format!("{n} Working Day{s}"),
        _ => format!("{n} day{s}"),
    }
}

/// A tera instance set up for Markdown: autoescape on `.md` templates with
/// [`escape_markdown`], and datapact's filters. No function can read files or the environment
/// (tera 2 has no `get_env`, and none is registered).
pub fn markdown_tera() -> tera::Tera {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".md"]);
    tera.set_escape_fn(escape_markdown);
    tera.register_filter("and_list", |v: &tera::Value, _: Kwargs, _: &State| {
        join_list(v, "and")
    });
    tera.register_filter("or_list", |v: &tera::Value, _: Kwargs, _: &State| {
        join_list(v, "or")
    });
    tera.register_filter("names", names_filter);
    tera.register_filter("cite", |v: &tera::Value, kw: Kwargs, state: &State| {
        join_words(&cite(v, &kw, state), "and")
    });
    tera.register_filter("cited", |v: &tera::Value, kw: Kwargs, state: &State| {
        let c = cite(v, &kw, state);
        if c.is_empty() {
            String::new()
        } else {
            format!(" ({})", join_words(&c, "and"))
        }
    });
    tera.register_filter("name", name_filter);
    tera.register_filter("humanize", |v: &str, _: Kwargs, _: &State| {
        v.replace('_', " ")
    });
    tera.register_filter("country", |v: &str, _: Kwargs, _: &State| country_name(v));
    tera.register_filter("capfirst", |v: &str, _: Kwargs, _: &State| capfirst(v));
    tera.register_filter("name_start", |v: &str, _: Kwargs, _: &State| name_start(v));
    tera.register_filter("thousands", |v: &tera::Value, _: Kwargs, _: &State| {
        thousands(v)
    });
    // `{{ periods.x | units(of="month") }}`: "1 month", "3 months"; a period of days as
    // `days` writes it.
    tera.register_filter("units", |v: &tera::Value, kw: Kwargs, state: &State| {
        let unit: String = kw
            .get::<String>("of")
            .ok()
            .flatten()
            .unwrap_or_else(|| "day".to_owned());
        let n = v.as_i64().unwrap_or_default();
        if unit == "day" {
            return days(n, state);
        }
        format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
    });
    // `{{ term.exit_days | days }}`: "30 days", or "30 Working Days" where the agreement counts
    // its periods in working days (`agreement.days = "working"`).
    tera.register_filter("days", |v: &tera::Value, _: Kwargs, state: &State| {
        days(v.as_i64().unwrap_or_default(), state)
    });
    tera.register_filter("long_date", |v: &str, _: Kwargs, _: &State| long_date(v));
    tera.register_filter("anchor", |v: &str, _: Kwargs, _: &State| {
        tera::Value::safe_string(&format!("{{#{v}}}"))
    });
    tera
}

/// Upper-case the first letter only ("the Agency" → "The Agency").
pub fn capfirst(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A party name at the start of a sentence: a short name such as "the Trust" takes a capital
/// ("The Trust"); a legal name is written exactly as the config gives it ("eBay Inc.", "é").
pub fn name_start(s: &str) -> String {
    for article in ["the ", "a ", "an "] {
        if s.starts_with(article) {
            return capfirst(s);
        }
    }
    s.to_owned()
}

/// 4000000 → "4,000,000".
fn thousands(v: &tera::Value) -> String {
    let Some(n) = v.as_i64().or_else(|| v.as_u64().map(|u| u as i64)) else {
        return value_to_text(v);
    };
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// `2026-04-01` → "1 April 2026"; anything else unchanged.
pub fn long_date(iso: &str) -> String {
    match crate::dates::parse_date(iso) {
        Ok(d) => crate::dates::long_date(d),
        Err(_) => iso.to_owned(),
    }
}

fn value_to_text(v: &tera::Value) -> String {
    v.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| v.to_string())
}

fn join_list(v: &tera::Value, word: &str) -> String {
    let items: Vec<String> = v
        .as_array()
        .map(|a| a.iter().map(value_to_text).collect())
        .unwrap_or_else(|| vec![value_to_text(v)]);
    join_words(&items, word)
}

/// "a", "a and b", "a, b and c".
pub fn join_words(items: &[String], word: &str) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {word} {last}", rest.join(", ")),
    }
}

/// The name a party goes by (`party.<id>.name`), or its id when it has none.
fn party_display(state: &State, id: &str) -> String {
    let parties: Option<tera::Value> = state.get::<tera::Value>("party").ok().flatten();
    parties
        .as_ref()
        .and_then(|p| p.as_map())
        .and_then(|m| m.get(&tera::value::Key::Str(id)).cloned())
        .and_then(|p| {
            p.as_map()
                .and_then(|m| m.get(&tera::value::Key::Str("name")).map(value_to_text))
        })
        .unwrap_or_else(|| id.to_owned())
}

fn name_filter(id: &str, _: Kwargs, state: &State) -> String {
    party_display(state, id)
}

/// The provision of each party's data-protection law that a duty rests on, one per distinct
/// law: `ids | cite(gdpr="Art. 28(3)", key="processor_contract")` gives "GDPR Art. 28(3)" for a
/// party under the GDPR, "UK GDPR Art. 28(3)" under the UK GDPR, and "the Kenya Data Protection
/// Act 2019, s. 42" under a national law whose profile has that provision; nothing for a party under
/// its own rules (privileges and immunities), under no general law, or under a law with no such
/// provision. `ids` is a party id or a list of them; `"all"` means every party. `cited` gives
/// the same in brackets with a leading space, or nothing.
fn cite(v: &tera::Value, kw: &Kwargs, state: &State) -> Vec<String> {
    let gdpr: Option<String> = kw.get::<String>("gdpr").ok().flatten();
    let key: Option<String> = kw.get::<String>("key").ok().flatten();
    let law: Option<tera::Value> = state.get::<tera::Value>("law").ok().flatten();
    let Some(frames) = law
        .as_ref()
        .and_then(|l| l.as_map())
        .and_then(|m| m.get(&tera::value::Key::Str("parties")).cloned())
    else {
        return Vec::new();
    };
    let Some(frames) = frames.as_map() else {
        return Vec::new();
    };
    let field = |v: &tera::Value, k: &str| -> String {
        v.as_map()
            .and_then(|m| m.get(&tera::value::Key::Str(k)))
            .map(value_to_text)
            .unwrap_or_default()
    };
    let ids: Vec<String> = match v.as_array() {
        Some(a) => a.iter().map(value_to_text).collect(),
        // Every party, in the order of the config (the frames are a map without an order).
        None if value_to_text(v) == "all" => state
            .get::<tera::Value>("parties")
            .ok()
            .flatten()
            .and_then(|ps| {
                ps.as_array()
                    .map(|a| a.iter().map(|p| field(p, "id")).collect::<Vec<String>>())
            })
            .unwrap_or_default(),
        None => vec![value_to_text(v)],
    };
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        let Some(f) = frames.get(&tera::value::Key::Str(&id)) else {
            continue;
        };
        let c = match field(f, "kind").as_str() {
            "gdpr" => gdpr.as_ref().map(|a| format!("GDPR {a}")),
            "uk_gdpr" => gdpr.as_ref().map(|a| format!("UK GDPR {a}")),
            "national" => key.as_ref().and_then(|k| {
                let provs = f
                    .as_map()
                    .and_then(|m| m.get(&tera::value::Key::Str("provisions")).cloned())?;
                let at = field(&provs, k);
                (!at.is_empty()).then(|| format!("the {}, {at}", field(f, "name")))
            }),
            _ => None,
        };
        if let Some(c) = c
            && !out.contains(&c)
        {
            out.push(c);
        }
    }
    out
}

fn names_filter(v: &tera::Value, _: Kwargs, state: &State) -> String {
    let ids: Vec<String> = v
        .as_array()
        .map(|a| a.iter().map(value_to_text).collect())
        .unwrap_or_default();
    let names: Vec<String> = ids.iter().map(|id| party_display(state, id)).collect();
    join_words(&names, "and")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::md_text;

    #[test]
    fn a_short_name_takes_a_capital_and_a_legal_name_stays_as_written() {
        assert_eq!(name_start("the Trust"), "The Trust");
        assert_eq!(name_start("eBay Inc."), "eBay Inc.");
        assert_eq!(name_start("é"), "é");
        assert_eq!(name_start("Amani Relief"), "Amani Relief");
    }

    #[test]
    fn escaped_values_parse_back_literally() {
        for v in [
            "*ACME* <Ltd> # 1",
            "{{ x }} {% if %}",
            "1. not a list",
            "- not a list",
            "# not a heading",
            "> not a quote",
            "[link](http://x) ![img](y)",
            "a_b_c __d__ `e` ~~f~~ | g |",
            "Société Générale & Cie",
            "&amp; &copy;",
            "Example S.A. (Belgium)",
            "===",
            "+ plus",
            "2) two",
            "back\\slash",
            "[^1] footnote",
            ": definition",
        ] {
            for wrap in ["{}", "- {}", "Party: {}", "| {} |"] {
                let escaped = escape_str(v);
                let md = wrap.replace("{}", &escaped);
                let text = md_text(&md);
                assert!(
                    text.contains(v),
                    "{v:?} in {wrap:?} gave {text:?} from {md:?}"
                );
            }
        }
    }

    use proptest::strategy::Strategy;
    proptest::proptest! {
        // Many cases: a plain value with one markup character in it is a small share of them.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(8192))]
        #[test]
        fn plain_values_are_copied_as_the_full_escape_would(
            s in proptest::collection::vec(
                proptest::sample::select("ab Z.,:;()-'/09\\`*_[]<>&|~{}#!$^\"é\n".chars().collect::<Vec<_>>()),
                0..6,
            ).prop_map(|v| v.into_iter().collect::<String>())
        ) {
            let mut full = Vec::new();
            escape_markdown_in_full(&s, &mut full).unwrap();
            proptest::prop_assert_eq!(escape_str(&s), String::from_utf8(full).unwrap());
        }
    }

    #[test]
    fn long_dates() {
        assert_eq!(long_date("2026-04-01"), "1 April 2026");
        assert_eq!(long_date("2024-02-29"), "29 February 2024");
        assert_eq!(long_date("soon"), "soon");
    }

    #[test]
    fn join_words_reads_naturally() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(join_words(&s(&["a"]), "and"), "a");
        assert_eq!(join_words(&s(&["a", "b"]), "and"), "a and b");
        assert_eq!(join_words(&s(&["a", "b", "c"]), "or"), "a, b or c");
    }
}
