//! Text that would not display as stored: which characters a config may not hold, and a walk
//! over every string of a config tree.
//!
//! In: characters and JSON trees. Out: why a character is refused, if it is.

/// Fields that hold one line of text (names, ids, titles, contacts).
pub(super) const SINGLE_LINE_KEYS: &[&str] = &[
    "id",
    "legal_name",
    "short_name",
    "name",
    "title",
    "reference",
    "version",
    "email",
    "phone",
    "country",
    "registration",
    "address",
    "effective_date",
    "date",
    "recipient",
    "attribution",
    "licence",
];

/// Why a character may not appear in config text, if it may not.
pub fn forbidden_char(c: char, multi_line: bool) -> Option<&'static str> {
    // Printable ASCII, most of any config, first.
    if (' '..='~').contains(&c) {
        return None;
    }
    match c {
        '\n' if multi_line => None,
        // Unicode line and paragraph separators: a forced break in a one-line name or title.
        '\u{2028}' | '\u{2029}' if !multi_line => Some("a line break"),
        '\t' => Some("a tab"),
        '\u{202A}'..='\u{202E}' => Some("a bidirectional embedding or override"),
        '\u{2066}'..='\u{2069}' => Some("a bidirectional isolate"),
        '\u{200E}' | '\u{200F}' | '\u{061C}' => Some("an invisible direction mark"),
        '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}' | '\u{2061}'..='\u{2064}' => {
            Some("an invisible zero-width character")
        }
        '\u{200C}' | '\u{200D}' => None,
        '\u{00AD}' => Some("a soft hyphen"),
        '\u{FFF9}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}' => {
            Some("an invisible format character")
        }
        // Noncharacters are never meant for interchange (and datapact uses some internally).
        c if ('\u{FDD0}'..='\u{FDEF}').contains(&c) || (c as u32) & 0xFFFE == 0xFFFE => {
            Some("a Unicode noncharacter")
        }
        c if c.is_control() => Some(if c == '\0' {
            "a NUL character"
        } else if c == '\n' || c == '\r' {
            "a line break"
        } else {
            "a control character"
        }),
        _ => None,
    }
}

/// Call `f(pointer, key, text)` for every string in a JSON tree: its JSON pointer, the last
/// non-index segment of that pointer, and the string. One pointer buffer is reused throughout.
pub(crate) fn walk_strings(v: &serde_json::Value, f: &mut dyn FnMut(&str, &str, &str)) {
    fn walk(v: &serde_json::Value, pointer: &mut String, f: &mut dyn FnMut(&str, &str, &str)) {
        let len = pointer.len();
        match v {
            serde_json::Value::String(s) => {
                let key = pointer
                    .rsplit('/')
                    .find(|seg| !seg.chars().all(|c| c.is_ascii_digit()))
                    .unwrap_or("");
                f(pointer, key, s)
            }
            serde_json::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    use std::fmt::Write;
                    let _ = write!(pointer, "/{i}");
                    walk(x, pointer, f);
                    pointer.truncate(len);
                }
            }
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    pointer.push('/');
                    for c in k.chars() {
                        match c {
                            '~' => pointer.push_str("~0"),
                            '/' => pointer.push_str("~1"),
                            c => pointer.push(c),
                        }
                    }
                    walk(x, pointer, f);
                    pointer.truncate(len);
                }
            }
            _ => {}
        }
    }
    walk(v, &mut String::new(), f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_characters() {
        assert!(forbidden_char('\u{202E}', true).is_some());
        assert!(forbidden_char('\u{2067}', true).is_some());
        assert!(forbidden_char('\u{200B}', true).is_some());
        assert!(forbidden_char('\0', true).is_some());
        assert!(forbidden_char('\n', false).is_some());
        assert!(forbidden_char('\n', true).is_none());
        assert!(forbidden_char('\u{2028}', false).is_some());
        assert!(forbidden_char('\u{2029}', false).is_some());
        assert!(forbidden_char('\u{2028}', true).is_none());
        assert!(forbidden_char('\u{200D}', false).is_none());
        assert!(forbidden_char('\u{200C}', false).is_none());
        assert!(forbidden_char('ش', false).is_none());
        assert!(forbidden_char('\u{FDD0}', false).is_some());
        assert!(forbidden_char('\u{FFFF}', true).is_some());
        assert!(forbidden_char('\u{10FFFE}', true).is_some());
        assert!(forbidden_char('\u{FFFD}', true).is_none());
    }
}
