//! Inline `style="..."` strings to React style objects.
//!
//! One rule for every caller: property names are camelCased as React expects (`-ms-` becomes
//! `ms`, other vendor prefixes are capitalised: `WebkitLineClamp`), custom properties keep
//! their case-sensitive name as a quoted key, values stay strings as written (but a lone
//! keyword of a keyword-only property, lower-cased: `text-align: Center`), and `!important`
//! never reaches the object. React assigns a value with `!important` through `style.color = ...`,
//! which the browser rejects as invalid, so the declaration would vanish on the client; the
//! priority is dropped instead, and a caller that must keep it (the faithful compiler) reads
//! [`StyleDeclaration::is_important`] and moves those declarations to a stylesheet rule.

use crate::split::{split_top_level, strip_comments};

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
/// winning as in CSS. Comments are removed; semicolons inside quotes and parentheses
/// (`url(data:...;base64,...)`) do not split; declarations without a value or with a name
/// that is not a CSS identifier are skipped, as the browser skips them.
pub fn style_declarations(css: &str) -> Vec<StyleDeclaration> {
    let css = strip_comments(css);
    let mut declarations: Vec<StyleDeclaration> = Vec::new();
    for declaration in split_top_level(&css, ';') {
        let Some((property, value)) = declaration.split_once(':') else {
            continue;
        };
        let (property, value) = (property.trim(), value.trim());
        let valid_name = property
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if property.is_empty() || value.is_empty() || !valid_name {
            continue;
        }
        let key = style_key(property);
        declarations.retain(|existing| existing.key != key);
        let property = if property.starts_with("--") {
            property.to_string()
        } else {
            property.to_ascii_lowercase()
        };
        let value = lowercase_keyword(&property, value);
        declarations.push(StyleDeclaration {
            property,
            key,
            value,
        });
    }
    declarations
}

/// Properties whose values are keywords only, so one written `Center` means `center`.
/// React's TypeScript types accept the lower-case spelling only (`textAlign: "Center"` fails
/// `next build`), and CSS keywords are case-insensitive.
const KEYWORD_PROPERTIES: &[&str] = &[
    "align-content",
    "align-items",
    "align-self",
    "background-attachment",
    "background-repeat",
    "border-bottom-style",
    "border-collapse",
    "border-left-style",
    "border-right-style",
    "border-style",
    "border-top-style",
    "box-sizing",
    "caption-side",
    "clear",
    "cursor",
    "direction",
    "display",
    "empty-cells",
    "flex-direction",
    "flex-wrap",
    "float",
    "font-style",
    "font-variant",
    "font-weight",
    "justify-content",
    "list-style-position",
    "object-fit",
    "overflow",
    "overflow-wrap",
    "overflow-x",
    "overflow-y",
    "pointer-events",
    "position",
    "resize",
    "table-layout",
    "text-align",
    "text-align-last",
    "text-decoration-line",
    "text-decoration-style",
    "text-overflow",
    "text-transform",
    "unicode-bidi",
    "user-select",
    "vertical-align",
    "visibility",
    "white-space",
    "word-break",
    "word-wrap",
];

/// The value with a lone keyword of a [`KEYWORD_PROPERTIES`] property lower-cased (its
/// `!important` kept as written); any other value as written.
fn lowercase_keyword(property: &str, value: &str) -> String {
    let keyword = important_split(value).unwrap_or(value);
    let is_keyword = !keyword.is_empty()
        && keyword.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
        && KEYWORD_PROPERTIES.contains(&property);
    if !is_keyword {
        return value.to_string();
    }
    format!(
        "{}{}",
        keyword.to_ascii_lowercase(),
        &value[keyword.len()..]
    )
}

/// The JS object literal for an inline style string, without the attribute's own braces:
/// `color: red !important; -webkit-line-clamp: 2; --gap: 8px` becomes
/// `{ color: "red", WebkitLineClamp: "2", "--gap": "8px" }` (see the module's rule).
pub fn style_object(css: &str) -> String {
    let entries: Vec<(String, String)> = style_declarations(css)
        .into_iter()
        .map(|declaration| {
            let value = declaration.value_without_priority().to_string();
            (declaration.key, value)
        })
        .collect();
    style_object_literal(&entries)
}

/// `(key, value)` pairs as a JS object literal: `{ color: "red", "--gap": "8px" }`; keys
/// that are not identifiers are quoted.
pub fn style_object_literal(entries: &[(String, String)]) -> String {
    if entries.is_empty() {
        return "{}".to_string();
    }
    let fields: Vec<String> = entries
        .iter()
        .map(|(key, value)| {
            let key = if is_js_identifier(key) {
                key.clone()
            } else {
                js_string_literal(key)
            };
            format!("{key}: {}", js_string_literal(value))
        })
        .collect();
    format!("{{ {} }}", fields.join(", "))
}

/// React's key for a CSS property (`background-color` -> `backgroundColor`).
pub fn style_key(property: &str) -> String {
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

/// A double-quoted JS string literal for `value`.
pub fn js_string_literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Other controls, and the line separators some older parsers reject in strings.
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `name` can be an unquoted JS object key (ASCII identifiers only).
pub fn is_js_identifier(name: &str) -> bool {
    let mut chars = name.chars();
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
            // A keyword-only property's lone keyword is lower-cased (React's types want it so);
            // other values, font names included, stay as written.
            (
                "text-align: Center; Float: LEFT !important; font-family: Courier New",
                r#"{ textAlign: "center", float: "left", fontFamily: "Courier New" }"#,
            ),
            (
                "text-align: -Webkit-Center",
                r#"{ textAlign: "-webkit-center" }"#,
            ),
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
            // The priority cannot live in a style object; the value does.
            ("color: red !important", r#"{ color: "red" }"#),
            ("--x: 1px ! IMPORTANT", r#"{ "--x": "1px" }"#),
            // Comments, empty, malformed and misnamed declarations are skipped.
            (
                "/* a; b */ color: red; ; nonsense; : 1px; width:; a b: c",
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
