//! Escaping of user text for Typst.
//!
//! Two contexts exist in the generated Typst:
//!
//! * **markup** (the text of paragraphs, headings, list items, ...): every
//!   ASCII punctuation character gets a backslash. `\X` for any character
//!   that is not whitespace and not `u` is a Typst escape that yields `X`
//!   literally, so no markup construct (heading/list markers, comments,
//!   `#` code, `$` math, labels, references, shorthands such as `--` or
//!   `...`, autolinks, smart quotes) can be started by user text. Letters
//!   and digits are never escaped, so `\u{..}` cannot be formed.
//!   Typst newline characters and tabs become a space; other control
//!   characters are dropped.
//! * **string literals** (`"..."`, used for URLs, labels, raw code): only
//!   `\` and `"` need escaping; control characters are written as escapes
//!   or dropped.

/// Characters that Typst's lexer treats as line breaks (`is_newline` in
/// typst-syntax), plus the tab.
pub fn is_typst_newline_or_tab(c: char) -> bool {
    matches!(
        c,
        '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\t'
    )
}

/// Appends `s` to `out`, escaped so that Typst markup renders it literally.
pub fn escape_markup(s: &str, out: &mut String) {
    for c in s.chars() {
        if is_typst_newline_or_tab(c) {
            out.push(' ');
        } else if c.is_control() {
            // NUL, ESC, DEL, C1 controls: never meaningful in an agreement.
        } else if c.is_ascii_punctuation() {
            out.push('\\');
            out.push(c);
        } else {
            out.push(c);
        }
    }
}

/// Returns `s` escaped for Typst markup (see [`escape_markup`]).
pub fn markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    escape_markup(s, &mut out);
    out
}

/// Appends the inside of a Typst string literal (without the quotes).
///
/// `\n` and `\t` are kept as escapes (they matter in code blocks); `\r` is
/// kept too. Other control characters are dropped. Unicode line separators
/// are kept as they are: inside a string they are plain characters.
pub fn escape_str(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

/// Appends a complete Typst string literal `"..."` for `s`.
pub fn push_str_literal(s: &str, out: &mut String) {
    out.push('"');
    escape_str(s, out);
    out.push('"');
}

/// Returns a complete Typst string literal `"..."` for `s`.
pub fn str_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_str_literal(s, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_escapes_every_ascii_punctuation() {
        for b in 0u8..128 {
            let c = b as char;
            if c.is_ascii_punctuation() {
                assert_eq!(markup(&c.to_string()), format!("\\{c}"));
            }
        }
        assert_eq!(markup("abc XYZ 019"), "abc XYZ 019");
    }

    #[test]
    fn markup_newlines_and_controls() {
        assert_eq!(
            markup("a\nb\rc\u{0B}d\u{0C}e\u{85}f\u{2028}g\u{2029}h\ti"),
            "a b c d e f g h i"
        );
        assert_eq!(markup("a\u{0}b\u{1b}c\u{7f}d\u{9f}e"), "abcde");
        // Non-ASCII passes through, including bidi controls (format chars).
        assert_eq!(markup("«é» — ‘x’ \u{200F}ع"), "«é» — ‘x’ \u{200F}ع");
    }

    #[test]
    fn markup_never_forms_unicode_escape() {
        assert_eq!(markup("\\u{41}"), "\\\\u\\{41\\}");
    }

    #[test]
    fn string_literals() {
        assert_eq!(str_literal(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(str_literal("x\ny\tz\u{0}"), r#""x\ny\tz""#);
    }
}
