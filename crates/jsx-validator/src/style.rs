//! `style="color: red; --gap: 4px"` to the object React needs.

/// The declarations of an inline CSS string as a JS object literal (without the JSX braces):
/// `{ color: "red", "--gap": "4px" }`. Property names are camelCased as React expects
/// (`-webkit-x` -> `WebkitX`, `-ms-x` -> `msX`), custom properties keep their name, values
/// stay strings. `!important` has no meaning in a style object and is dropped; declarations
/// without a name or value are dropped as the browser would.
pub fn css_to_style_object(css: &str) -> String {
    let mut properties = Vec::new();
    for declaration in split_top_level(css, ';') {
        let Some((name, value)) = declaration.split_once(':') else {
            continue;
        };
        let name = name.trim();
        let mut value = value.trim();
        if let Some(stripped) = strip_important(value) {
            value = stripped;
        }
        if name.is_empty() || value.is_empty() || !name.chars().all(is_css_name_char) {
            continue;
        }
        let key = if name.starts_with("--") {
            quoted(name)
        } else {
            camel_case(&name.to_ascii_lowercase())
        };
        properties.push(format!("{key}: {}", quoted(value)));
    }
    if properties.is_empty() {
        "{}".to_string()
    } else {
        format!("{{ {} }}", properties.join(", "))
    }
}

fn is_css_name_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '_'
}

fn strip_important(value: &str) -> Option<&str> {
    let lower = value.to_ascii_lowercase();
    let at = lower.rfind('!')?;
    (lower[at + 1..].trim() == "important").then(|| value[..at].trim_end())
}

fn quoted(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

fn camel_case(name: &str) -> String {
    // `-ms-` is the one vendor prefix React spells in lower case.
    let (prefix, rest) = match name.strip_prefix("-ms-") {
        Some(rest) => ("ms-", rest),
        None => ("", name),
    };
    let mut out = String::with_capacity(name.len());
    let mut upper_next = false;
    for (index, c) in prefix.chars().chain(rest.chars()).enumerate() {
        if c == '-' {
            // A leading `-` (vendor prefix) capitalises the first letter: -webkit- -> Webkit.
            upper_next = index > 0 || prefix.is_empty();
            continue;
        }
        if upper_next {
            out.extend(c.to_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits at `separator` outside quotes and parentheses (`url(data:...;base64,...)`).
fn split_top_level(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut quote = None;
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
            (None, '(') => depth += 1,
            (None, ')') => depth = depth.saturating_sub(1),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_become_camel_cased_properties() {
        assert_eq!(
            css_to_style_object(
                "background-color: #fff; --gap: 4px;  -webkit-line-clamp: 2; -ms-flex: 1; color:red !important"
            ),
            r##"{ backgroundColor: "#fff", "--gap": "4px", WebkitLineClamp: "2", msFlex: "1", color: "red" }"##
        );
    }

    #[test]
    fn semicolons_inside_urls_and_quotes_are_kept() {
        assert_eq!(
            css_to_style_object(
                "background: url(data:image/png;base64,AAA=); font-family: \"a;b\", serif"
            ),
            r#"{ background: "url(data:image/png;base64,AAA=)", fontFamily: "\"a;b\", serif" }"#
        );
    }

    #[test]
    fn junk_is_dropped() {
        assert_eq!(css_to_style_object(""), "{}");
        assert_eq!(css_to_style_object(";;: x; color; a b: c"), "{}");
    }
}
