//! Text and strings as JSX source.
//!
//! Whitespace is not touched here: keeping HTML's whitespace semantics (JSX drops whitespace
//! that contains a line break, HTML collapses it to a space) is the DOM walk's job, which
//! emits `{" "}` where HTML had a space between inline nodes.

/// Text as a JSX text child: the characters JSX would read as syntax (`{`, `}`, `<`, `>`) and
/// `&` (which would start an entity) become HTML entities, which JSX decodes back; so do
/// non-ASCII spaces (`&nbsp;`), which must not be trimmed at line ends, the quotes
/// eslint-config-next's `react/no-unescaped-entities` refuses (`&apos;`, `&quot;`), and the
/// slash of text that starts like a comment (`react/jsx-no-comment-textnodes`).
pub fn escape_jsx_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let comment_like = text.trim_start().starts_with("//") || text.trim_start().starts_with("/*");
    let mut slash_escaped = false;
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            '/' if comment_like && !slash_escaped => {
                out.push_str("&#47;");
                slash_escaped = true;
            }
            '{' => out.push_str("&#123;"),
            '}' => out.push_str("&#125;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            // Other Unicode spaces as entities too: compilers trim JSX text lines with
            // differing ideas of whitespace, and an entity is decoded only after trimming.
            c if c.is_whitespace() && !c.is_ascii() => {
                let _ =
                    std::fmt::Write::write_fmt(&mut out, format_args!("&#x{:x};", u32::from(c)));
            }
            _ => out.push(c),
        }
    }
    out
}

/// A double-quoted JavaScript string literal with the same value, for `{"..."}` children,
/// `prop={"..."}` values and style object entries.
pub fn jsx_string_literal(value: &str) -> String {
    replica_css::js_string_literal(value)
}

/// An attribute value as JSX: `"..."` when that reads back the same, else `{"..."}`.
///
/// JSX attribute strings have no backslash escapes but decode HTML entities, so `&` and `"`
/// become entities; values with line breaks or other control characters, which would not
/// survive JSX's string handling, use an expression instead.
pub fn jsx_attribute_value(value: &str) -> String {
    if value.chars().any(|c| c.is_control()) {
        return format!("{{{}}}", jsx_string_literal(value));
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsx_text() {
        let cases = [
            ("Hello world", "Hello world"),
            ("Starting at $9 / month}", "Starting at $9 / month&#125;"),
            ("{name}", "&#123;name&#125;"),
            ("a < b > c", "a &lt; b &gt; c"),
            ("Fish & Chips", "Fish &amp; Chips"),
            // Text that looks like an entity must stay literal text.
            (
                "&copy; is written &amp;copy;",
                "&amp;copy; is written &amp;amp;copy;",
            ),
            (
                "© 2024 — “quoted” 'single' \"double\"",
                "© 2024 — “quoted” &apos;single&apos; &quot;double&quot;",
            ),
            ("// a comment? // no", "&#47;/ a comment? // no"),
            ("  /* block */", "  &#47;* block */"),
            ("a // b", "a // b"),
            ("\u{a0}non-breaking\u{a0}", "&nbsp;non-breaking&nbsp;"),
            ("thin\u{2009}space", "thin&#x2009;space"),
            ("", ""),
        ];
        for (text, expected) in cases {
            assert_eq!(escape_jsx_text(text), expected, "{text:?}");
        }
    }

    #[test]
    fn string_literals() {
        let cases = [
            ("plain", r#""plain""#),
            (" ", r#"" ""#),
            (r#"say "hi""#, r#""say \"hi\"""#),
            (r"C:\path", r#""C:\\path""#),
            ("a\nb\r\tc", r#""a\nb\r\tc""#),
            ("bell\u{7}", r#""bell\u{7}""#),
            ("line\u{2028}sep", r#""line\u{2028}sep""#),
            ("{<&>}", r#""{<&>}""#),
            ("é 中 🎉", r#""é 中 🎉""#),
        ];
        for (value, expected) in cases {
            assert_eq!(jsx_string_literal(value), expected, "{value:?}");
        }
    }

    #[test]
    fn attribute_values() {
        let cases = [
            ("/hero.png", r#""/hero.png""#),
            ("a.png 1x, b.png 2x", r#""a.png 1x, b.png 2x""#),
            ("/search?q=a&b=c", r#""/search?q=a&amp;b=c""#),
            (r#"say "hi""#, r#""say &quot;hi&quot;""#),
            (r"C:\path", r#""C:\path""#),
            ("{not an expression}", r#""{not an expression}""#),
            ("two\nlines", r#"{"two\nlines"}"#),
            ("", r#""""#),
        ];
        for (value, expected) in cases {
            assert_eq!(jsx_attribute_value(value), expected, "{value:?}");
        }
    }
}
