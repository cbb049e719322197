//! Inline `style="..."` strings to React style objects.

use crate::jsx_string_literal;

/// The JSX object literal for an inline style string, without the attribute's own braces:
/// `color: red; -webkit-line-clamp: 2; --gap: 8px` becomes
/// `{ color: "red", WebkitLineClamp: "2", "--gap": "8px" }` (so the attribute is
/// `style={...}` around it).
///
/// Properties are camelCased the way React expects (`-ms-` becomes `ms`, other vendor
/// prefixes capitalised); custom properties keep their name as a quoted key. Values stay
/// strings exactly as written, `!important` included. Semicolons inside quotes, parentheses
/// (`url(data:...;base64,...)`) and comments do not split declarations. Empty or malformed
/// declarations are skipped, and a property given twice keeps its last value, as in CSS.
pub fn style_object(css: &str) -> String {
    let mut entries: Vec<(String, String)> = Vec::new();
    for declaration in split_declarations(css) {
        let Some((property, value)) = declaration.split_once(':') else {
            continue;
        };
        let (property, value) = (property.trim(), value.trim());
        if property.is_empty() || value.is_empty() {
            continue;
        }
        let key = style_key(property);
        entries.retain(|(existing, _)| *existing != key);
        entries.push((key, value.to_string()));
    }
    if entries.is_empty() {
        return "{}".to_string();
    }
    let fields: Vec<String> = entries
        .iter()
        .map(|(key, value)| {
            let key = if is_identifier(key) {
                key.clone()
            } else {
                jsx_string_literal(key)
            };
            format!("{key}: {}", jsx_string_literal(value))
        })
        .collect();
    format!("{{ {} }}", fields.join(", "))
}

/// Declarations split at top-level `;`, with comments removed.
fn split_declarations(css: &str) -> Vec<String> {
    let mut declarations = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    let mut chars = css.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            current.push(c);
            if c == '\\' {
                // An escaped character never ends the string.
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut previous = '\0';
                for c in chars.by_ref() {
                    if previous == '*' && c == '/' {
                        break;
                    }
                    previous = c;
                }
            }
            '\\' => {
                current.push(c);
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            }
            '"' | '\'' => {
                quote = Some(c);
                current.push(c);
            }
            '(' => {
                depth += 1;
                current.push(c);
            }
            ')' => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            ';' if depth == 0 => declarations.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    declarations.push(current);
    declarations
}

/// React's key for a CSS property.
fn style_key(property: &str) -> String {
    if property.starts_with("--") {
        // Custom properties are case-sensitive and passed to setProperty as they are.
        return property.to_string();
    }
    let property = property.to_ascii_lowercase();
    let (prefix, rest) = match property.strip_prefix('-') {
        Some(rest) => match rest.split_once('-') {
            Some(("ms", rest)) => ("ms".to_string(), rest),
            Some((vendor, rest)) => (capitalize(vendor), rest),
            None => (String::new(), rest),
        },
        None => (String::new(), property.as_str()),
    };
    let mut key = prefix;
    for (i, word) in rest.split('-').filter(|word| !word.is_empty()).enumerate() {
        if i == 0 && key.is_empty() {
            key.push_str(word);
        } else {
            key.push_str(&capitalize(word));
        }
    }
    key
}

fn capitalize(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn style_objects() {
        let cases = [
            ("color: red", r#"{ color: "red" }"#),
            ("color:red;", r#"{ color: "red" }"#),
            (
                "  background-color : #fff ;  margin-top:0 ",
                r##"{ backgroundColor: "#fff", marginTop: "0" }"##,
            ),
            ("COLOR: Red", r#"{ color: "Red" }"#),
            // Vendor prefixes: React wants WebkitX, MozX, msX.
            ("-webkit-line-clamp: 2", r#"{ WebkitLineClamp: "2" }"#),
            (
                "-moz-osx-font-smoothing: grayscale",
                r#"{ MozOsxFontSmoothing: "grayscale" }"#,
            ),
            ("-ms-transform: none", r#"{ msTransform: "none" }"#),
            // Custom properties keep their (case-sensitive) name as a quoted key.
            (
                "--gap: 8px; --Brand-Color: #f00",
                r##"{ "--gap": "8px", "--Brand-Color": "#f00" }"##,
            ),
            ("gap: var(--gap, 4px)", r#"{ gap: "var(--gap, 4px)" }"#),
            // Semicolons inside url(...) and quotes do not split.
            (
                "background-image: url(data:image/png;base64,iVBO==); color: red",
                r#"{ backgroundImage: "url(data:image/png;base64,iVBO==)", color: "red" }"#,
            ),
            (
                r#"background: url("a;b.png") no-repeat"#,
                r#"{ background: "url(\"a;b.png\") no-repeat" }"#,
            ),
            (
                r#"font-family: "Inter", 'Segoe UI'; quotes: "«" "»""#,
                r#"{ fontFamily: "\"Inter\", 'Segoe UI'", quotes: "\"«\" \"»\"" }"#,
            ),
            (r#"content: "a\";b""#, r#"{ content: "\"a\\\";b\"" }"#),
            // Colons in values are fine: only the first one separates.
            (
                "background: url(https://x.test/a.png)",
                r#"{ background: "url(https://x.test/a.png)" }"#,
            ),
            ("color: red !important", r#"{ color: "red !important" }"#),
            // Comments, empty and malformed declarations are skipped.
            (
                "/* a; b */ color: red; ; nonsense; : 1px; width:",
                r#"{ color: "red" }"#,
            ),
            ("", "{}"),
            // The last value wins, as in CSS.
            ("color: red; color: blue", r#"{ color: "blue" }"#),
            // Newlines in a value survive as escapes.
            (
                "grid-template-areas: \"a b\"\n \"c d\"",
                r#"{ gridTemplateAreas: "\"a b\"\n \"c d\"" }"#,
            ),
        ];
        for (css, expected) in cases {
            assert_eq!(style_object(css), expected, "{css:?}");
        }
    }
}
