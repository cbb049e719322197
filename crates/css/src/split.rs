//! Splitting CSS text at top level: declarations at `;`, lists at `,`, outside parentheses,
//! brackets, strings and escapes.

use std::borrow::Cow;

/// Splits at `separator` outside parentheses, brackets, quotes and backslash escapes
/// (`url(data:...;base64,...)`, `"a;b"`, `[a,b]` stay whole). Parts are not trimmed; an
/// empty text gives one empty part.
pub fn split_top_level(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut start = 0;
    let mut escaped = false;
    for (index, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match (quote, c) {
            (_, '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => depth = depth.saturating_sub(1),
            (None, c) if c == separator && depth == 0 => {
                parts.push(&text[start..index]);
                start = index + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// `text` without its `/* ... */` comments (those inside strings are text, not comments); an
/// unterminated comment runs to the end.
pub fn strip_comments(text: &str) -> Cow<'_, str> {
    if !text.contains("/*") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (_, '\\') => {
                out.push(c);
                out.extend(chars.next());
            }
            (Some(q), c) => {
                if c == q {
                    quote = None;
                }
                out.push(c);
            }
            (None, '/') if chars.peek() == Some(&'*') => {
                chars.next();
                let mut previous = '\0';
                for c in chars.by_ref() {
                    if previous == '*' && c == '/' {
                        break;
                    }
                    previous = c;
                }
            }
            (None, '"' | '\'') => {
                quote = Some(c);
                out.push(c);
            }
            (None, c) => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_inside_functions_strings_and_escapes_do_not_split() {
        assert_eq!(
            split_top_level(
                r#"a: url(data:x;base64,A); b: "c;d"; e: 'f;\'g'; h: [i;j]; k\;l; m"#,
                ';'
            ),
            [
                "a: url(data:x;base64,A)",
                r#" b: "c;d""#,
                r" e: 'f;\'g'",
                " h: [i;j]",
                r" k\;l",
                " m"
            ]
        );
        assert_eq!(
            split_top_level("rgb(1, 2, 3), a, 'b,c'", ','),
            ["rgb(1, 2, 3)", " a", " 'b,c'"]
        );
        assert_eq!(split_top_level("", ';'), [""]);
        // An unbalanced `)` does not swallow the rest.
        assert_eq!(split_top_level("a); b", ';'), ["a)", " b"]);
    }

    #[test]
    fn comments_are_stripped_outside_strings() {
        assert_eq!(strip_comments("a/* x; */b"), "ab");
        assert_eq!(
            strip_comments(r#"a: "/* kept */" /* gone"#),
            r#"a: "/* kept */" "#
        );
        assert_eq!(strip_comments("a"), "a");
    }
}
