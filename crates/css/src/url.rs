//! `url(...)` references in CSS text: found, and rewritten in place.
//!
//! A reference may be quoted (`url("a b.png")`, `url('a.png')`) or not (`url(a.png)`), with
//! backslash escapes in either form (`url(a\).png)`), spaces inside the parentheses, and any
//! case of `url`. An unterminated `url(` ends the scan: the rest of the text is left alone.

use std::borrow::Cow;
use std::ops::Range;

/// One `url(...)` in a CSS text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CssUrl<'a> {
    /// The reference as written, inside its quotes (escapes kept).
    pub reference: &'a str,
    /// Where [`reference`](Self::reference) lies in the text, as a byte range.
    pub reference_range: Range<usize>,
    /// The quote around the reference, if any.
    pub quote: Option<char>,
    /// The whole `url(...)`, from `u` to `)`, as a byte range of the text.
    pub range: Range<usize>,
    /// What lies between `url(` and `)`: the reference, its quotes and any spaces.
    pub argument: Range<usize>,
}

impl CssUrl<'_> {
    /// The reference with its backslash escapes resolved (`a\)b` -> `a)b`).
    pub fn unescaped(&self) -> Cow<'_, str> {
        unescape(self.reference)
    }

    /// A reference worth resolving or fetching: not empty, not a `data:` URL, not a
    /// fragment (`#clip`, which points into the same document).
    pub fn is_resolvable(&self) -> bool {
        let reference = self.reference.trim();
        !reference.is_empty()
            && !reference
                .get(..5)
                .is_some_and(|scheme| scheme.eq_ignore_ascii_case("data:"))
            && !reference.starts_with('#')
    }
}

/// Whether `text` holds a `url(` (any case).
pub fn has_url(text: &str) -> bool {
    find_url_keyword(text, 0).is_some()
}

/// Every `url(...)` of `text`, in order (`data:` and fragment ones included).
pub fn urls(text: &str) -> Vec<CssUrl<'_>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(url) = next_url(text, from) {
        from = url.range.end;
        found.push(url);
    }
    found
}

/// `text` with the argument of every resolvable `url(...)` (see [`CssUrl::is_resolvable`])
/// replaced by what `rewrite` returns for it (quotes included: return `"\"x.png\""`); `None`
/// keeps the reference as written, and `data:`, fragment and empty references are never
/// passed to `rewrite`.
pub fn rewrite_urls(text: &str, mut rewrite: impl FnMut(&CssUrl<'_>) -> Option<String>) -> String {
    rewrite_every_url(text, |url| {
        if url.is_resolvable() {
            rewrite(url)
        } else {
            None
        }
    })
}

/// As [`rewrite_urls`], but `rewrite` sees every `url(...)`, `data:` ones included.
pub fn rewrite_every_url(
    text: &str,
    mut rewrite: impl FnMut(&CssUrl<'_>) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(url) = next_url(text, from) {
        from = url.range.end;
        if let Some(argument) = rewrite(&url) {
            out.push_str(&text[copied..url.argument.start]);
            out.push_str(&argument);
            copied = url.argument.end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// `reference` in double quotes, with the characters that would end or break the string
/// escaped as CSS escapes them.
pub fn quoted_reference(reference: &str) -> String {
    let mut out = String::with_capacity(reference.len() + 2);
    out.push('"');
    for c in reference.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\a "),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn find_url_keyword(text: &str, from: usize) -> Option<usize> {
    text.as_bytes()
        .get(from..)?
        .windows(4)
        .position(|window| window.eq_ignore_ascii_case(b"url("))
        .map(|at| from + at)
}

fn next_url(text: &str, mut from: usize) -> Option<CssUrl<'_>> {
    loop {
        let start = find_url_keyword(text, from)?;
        // `myurl(` is another function: the keyword must start an identifier.
        let preceded = text[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if preceded {
            from = start + 4;
            continue;
        }
        return parse_url(text, start);
    }
}

/// The `url(` at `start`, or `None` when it is not terminated.
fn parse_url(text: &str, start: usize) -> Option<CssUrl<'_>> {
    let open = start + 4;
    let after = &text[open..];
    let lead = after.len() - after.trim_start().len();
    let body_start = open + lead;
    let mut chars = text[body_start..].char_indices();
    let (quote, reference_range, close) = match text[body_start..].chars().next() {
        Some(q @ ('"' | '\'')) => {
            chars.next();
            let end = body_start + scan(&mut chars, |c| c == q)?;
            let after_quote = end + 1;
            let close = after_quote + text[after_quote..].find(')')?;
            (Some(q), body_start + 1..end, close)
        }
        _ => {
            let end = body_start + scan(&mut chars, |c| c == ')')?;
            let reference = text[body_start..end].trim_end();
            (None, body_start..body_start + reference.len(), end)
        }
    };
    Some(CssUrl {
        reference: &text[reference_range.clone()],
        reference_range,
        quote,
        range: start..close + 1,
        argument: open..close,
    })
}

/// The offset of the first unescaped character `stop` accepts.
fn scan(chars: &mut std::str::CharIndices<'_>, stop: impl Fn(char) -> bool) -> Option<usize> {
    let mut escaped = false;
    for (index, c) in chars.by_ref() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if stop(c) {
            return Some(index);
        }
    }
    None
}

/// CSS backslash escapes resolved: `\)` -> `)`, `\27 ` -> `'`, an escaped newline dropped.
pub fn unescape(text: &str) -> Cow<'_, str> {
    if !text.contains('\\') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let mut hex = String::new();
        while hex.len() < 6 && chars.peek().is_some_and(char::is_ascii_hexdigit) {
            hex.extend(chars.next());
        }
        if hex.is_empty() {
            match chars.next() {
                Some('\n') | None => {}
                Some(other) => out.push(other),
            }
            continue;
        }
        // One whitespace after a hex escape belongs to the escape.
        if chars.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            chars.next();
        }
        let code = u32::from_str_radix(&hex, 16).unwrap_or(0xFFFD);
        out.push(
            char::from_u32(code)
                .filter(|&c| c != '\0')
                .unwrap_or('\u{FFFD}'),
        );
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn references(text: &str) -> Vec<(&str, Option<char>)> {
        urls(text)
            .into_iter()
            .map(|url| (url.reference, url.quote))
            .collect()
    }

    #[test]
    fn quoted_unquoted_and_escaped_references_are_found() {
        assert_eq!(
            references(
                r#"a{background:url("a b.png"), URL( 'c.png' ) ,url( d.png ) url(e\).png) url(x"y)}"#
            ),
            [
                ("a b.png", Some('"')),
                ("c.png", Some('\'')),
                ("d.png", None),
                (r"e\).png", None),
                ("x\"y", None),
            ]
        );
        assert_eq!(
            references(r#"url("a\"b.png")"#),
            [(r#"a\"b.png"#, Some('"'))]
        );
        assert_eq!(urls(r"url(e\).png)")[0].unescaped(), "e).png");
        assert_eq!(urls(r#"x url( "a" )"#)[0].reference_range, 8..9);
        assert_eq!(unescape(r"\27 x\41"), "'xA");
    }

    #[test]
    fn other_functions_and_unterminated_urls_are_not_urls() {
        assert!(references("a{b:myurl(x.png)}").is_empty());
        assert!(references("a{b:url(x.png").is_empty());
        assert!(references(r#"a{b:url("x.png)}"#).is_empty());
        assert!(has_url("x URL(y)"));
        assert!(!has_url("curl"));
    }

    #[test]
    fn rewriting_replaces_arguments_and_leaves_data_urls_alone() {
        let css = r#"a{b:url( "img/a.png" ) c:url(data:image/png;base64,A;B) d:url(#clip) e:url() f:url(x"#;
        let out = rewrite_urls(css, |url| {
            Some(quoted_reference(&format!(
                "https://e.test/{}",
                url.unescaped()
            )))
        });
        assert_eq!(
            out,
            r#"a{b:url("https://e.test/img/a.png") c:url(data:image/png;base64,A;B) d:url(#clip) e:url() f:url(x"#
        );
        let every = rewrite_every_url("url(data:x) url(y)", |url| {
            Some(quoted_reference(url.reference))
        });
        assert_eq!(every, r#"url("data:x") url("y")"#);
        assert_eq!(rewrite_urls("url(a)", |_| None), "url(a)");
    }
}
