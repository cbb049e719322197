//! Inline `style="..."` strings to React style objects.

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
    let entries: Vec<(String, String)> = style_declarations(css)
        .into_iter()
        .map(|declaration| (declaration.key, declaration.value))
        .collect();
    crate::jsx::style_source(&entries)
}

/// One declaration of an inline style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyleDeclaration {
    /// The CSS property as written, lower-cased unless it is a custom property.
    pub property: String,
    /// React's key for it (`backgroundColor`, `WebkitLineClamp`, `--gap`).
    pub key: String,
    /// The value as written, `!important` included.
    pub value: String,
}

impl StyleDeclaration {
    /// Whether the value ends in `!important` (any case, spaces allowed after `!`).
    pub fn is_important(&self) -> bool {
        important_split(&self.value).is_some()
    }

    /// The value without its `!important`.
    pub fn value_without_priority(&self) -> &str {
        important_split(&self.value).unwrap_or(&self.value)
    }
}

fn important_split(value: &str) -> Option<&str> {
    let trimmed = value.trim_end();
    let lower = trimmed.to_ascii_lowercase();
    let without = lower.strip_suffix("important")?.trim_end();
    let without = without.strip_suffix('!')?;
    Some(trimmed[..without.len()].trim_end())
}

/// The declarations of an inline style string, in order, the last of a repeated property
/// winning as in CSS; empty and malformed declarations are skipped (see [`style_object`]).
pub fn style_declarations(css: &str) -> Vec<StyleDeclaration> {
    let mut declarations: Vec<StyleDeclaration> = Vec::new();
    for declaration in split_declarations(css) {
        let Some((property, value)) = declaration.split_once(':') else {
            continue;
        };
        let (property, value) = (property.trim(), value.trim());
        if property.is_empty() || value.is_empty() {
            continue;
        }
        let key = style_key(property);
        declarations.retain(|existing| existing.key != key);
        let property = if property.starts_with("--") {
            property.to_string()
        } else {
            property.to_ascii_lowercase()
        };
        declarations.push(StyleDeclaration {
            property,
            key,
            value: value.to_string(),
        });
    }
    declarations
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

/// Every `url(...)` reference in a CSS value passed through `resolve` (empty, `data:` and
/// fragment-only ones kept as written), quoted as it was (double quotes when it was not).
/// Inline styles resolve relative URLs against the page; the clone is served elsewhere.
pub(crate) fn resolve_css_urls(value: &str, resolve: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(start) = rest.to_ascii_lowercase().find("url(") {
        let open = start + 4;
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let inner = after.trim_start();
        let (quote, body) = match inner.chars().next() {
            Some(q @ ('"' | '\'')) => (Some(q), &inner[1..]),
            _ => (None, inner),
        };
        let end = match quote {
            Some(q) => {
                let mut escaped = false;
                body.char_indices()
                    .find(|&(_, c)| {
                        let found = !escaped && c == q;
                        escaped = !escaped && c == '\\';
                        found
                    })
                    .map(|(index, _)| index)
            }
            None => body.find(')'),
        };
        let Some(end) = end else {
            out.push_str(after);
            return out;
        };
        let reference = body[..end].trim();
        let keep =
            reference.is_empty() || reference.starts_with("data:") || reference.starts_with('#');
        let resolved = if keep {
            reference.to_string()
        } else {
            resolve(reference)
        };
        let q = quote.unwrap_or('"');
        out.push(q);
        out.push_str(&resolved);
        out.push(q);
        // Past the closing quote (if any); the `)` and what follows are copied as they are.
        let consumed = after.len() - inner.len()
            + quote.map_or(0, char::len_utf8)
            + end
            + quote.map_or(0, char::len_utf8);
        rest = &after[consumed..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_style_urls_are_resolved() {
        let absolute = |r: &str| format!("https://example.com/{r}");
        assert_eq!(
            resolve_css_urls(r#"url("img/a.png") , URL( 'b.png' ), url(c.png)"#, absolute),
            // Space after `url(` is insignificant and dropped.
            r#"url("https://example.com/img/a.png") , URL('https://example.com/b.png' ), url("https://example.com/c.png")"#
        );
        assert_eq!(
            resolve_css_urls("url(data:image/png;base64,AA==) url(#clip) url()", absolute),
            r##"url("data:image/png;base64,AA==") url("#clip") url("")"##
        );
        assert_eq!(resolve_css_urls("url(\"broken", absolute), "url(\"broken");
        assert_eq!(resolve_css_urls("red", absolute), "red");
    }

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

    #[test]
    fn important_priority() {
        let declarations = style_declarations(
            "color: red !important; margin: 0 ! IMPORTANT; width: 1px; content: \"!important\"",
        );
        let important: Vec<(&str, bool, &str)> = declarations
            .iter()
            .map(|d| {
                (
                    d.property.as_str(),
                    d.is_important(),
                    d.value_without_priority(),
                )
            })
            .collect();
        assert_eq!(
            important,
            [
                ("color", true, "red"),
                ("margin", true, "0"),
                ("width", false, "1px"),
                ("content", false, "\"!important\""),
            ]
        );
    }
}
