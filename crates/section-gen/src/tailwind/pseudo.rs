//! `::before` and `::after` boxes as `before:`/`after:` classes, their `content` re-quoted.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use replica_core::PseudoElement;

use super::{StyleInput, classes};

/// A `::before` or `::after` box on each device; `mobile` is `None` without a mobile capture
/// and `Some(None)` when mobile renders no such box.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PseudoInput<'a> {
    /// `before` or `after`, Tailwind's variant name.
    pub variant: &'static str,
    pub desktop: Option<&'a PseudoElement>,
    pub mobile: Option<Option<&'a PseudoElement>>,
    /// The element the box belongs to: it is the box's parent for inheritance.
    pub owner: StyleInput<'a>,
}

/// The box's classes under the `before:`/`after:` variant: its `content` and its styles,
/// which the page's stylesheets gave it and the Tailwind style drops with them (icon-font
/// glyphs, quotes, decorative bars). Tailwind gives every `before:` utility a box with empty
/// content, so a device that renders none gets `content-none`.
pub(crate) fn pseudo_classes<'a>(input: &PseudoInput<'a>) -> Vec<String> {
    let variant = input.variant;
    let content = |pseudo: Option<&PseudoElement>| match pseudo {
        Some(pseudo) => content_class(&pseudo.content),
        None => Some("content-none".to_string()),
    };
    let Some(desktop_content) = content(input.desktop) else {
        return Vec::new();
    };
    let mut contents = Vec::new();
    match input.mobile {
        None => contents.push(format!("{variant}:{desktop_content}")),
        Some(mobile) => {
            let Some(mobile_content) = content(mobile) else {
                return Vec::new();
            };
            contents.push(format!("{variant}:{mobile_content}"));
            if mobile_content != desktop_content {
                contents.push(format!("md:{variant}:{desktop_content}"));
            }
        }
    }
    let empty = BTreeMap::new();
    let style = |pseudo: Option<&'a PseudoElement>| pseudo.map_or(&empty, |p| &p.style);
    // The box is an inline `span` child of its owner as far as defaults and inheritance go.
    let classes = classes(&StyleInput {
        tag: "span",
        parent_tag: input.owner.tag,
        svg: false,
        svg_root: false,
        desktop: style(input.desktop),
        mobile: input.mobile.map(style),
        parent_desktop: Some(input.owner.desktop),
        parent_mobile: input.owner.mobile,
        theme: input.owner.theme,
        defaults: input.owner.defaults,
        size_attributes: [false; 2],
        attrs: &[],
        box_widths: [None; 2],
    });
    let mut out: Vec<String> = classes
        .into_iter()
        .map(|class| match class.strip_prefix("md:") {
            Some(rest) => format!("md:{variant}:{rest}"),
            None => format!("{variant}:{class}"),
        })
        .collect();
    // `content` is last in Tailwind's order of properties ([`super::sort_by_variant`] then
    // puts each variant's classes together).
    out.extend(contents);
    out
}

/// `content-[...]` for a computed `content` value: its strings re-quoted with single quotes
/// and every character that Tailwind, the JSX attribute or the class name could change
/// written as a six-digit CSS escape (a space would become `_`, `&` would reach the source as
/// `&amp;`, `]` would end the value); other tokens (`open-quote`, `attr(title)`) as they are.
/// `None` for a value this cannot carry, counters included.
fn content_class(value: &str) -> Option<String> {
    let value = value.trim();
    if value == "none" || value == "normal" {
        return Some("content-none".to_string());
    }
    let mut tokens = Vec::new();
    let mut chars = value.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '"' || c == '\'' {
            chars.next();
            let mut text = String::new();
            loop {
                match chars.next()? {
                    end if end == c => break,
                    '\\' => text.push(css_unescape(&mut chars)?),
                    other => text.push(other),
                }
            }
            tokens.push(quoted_with_escapes(&text));
        } else {
            let mut token = String::new();
            let mut depth = 0usize;
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() && depth == 0 {
                    break;
                }
                match c {
                    '(' => depth += 1,
                    ')' => depth = depth.checked_sub(1)?,
                    '"' | '\'' | '\\' | '[' | ']' | '&' | '_' => return None,
                    _ => {}
                }
                // Tailwind reads `_` as a space; a space would end the class.
                token.push(if c.is_whitespace() { '_' } else { c });
                chars.next();
            }
            // The capture has no `counter-reset`/`counter-increment`, so every counter would
            // read 0: better no marker than a wrong number.
            if token.starts_with("counter") {
                return None;
            }
            tokens.push(token);
        }
    }
    (!tokens.is_empty()).then(|| format!("content-[{}]", tokens.join("_")))
}

/// The character after a backslash in a CSS string: up to six hex digits and one optional
/// whitespace, or the next character itself.
fn css_unescape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<char> {
    let mut hex = String::new();
    while hex.len() < 6 && chars.peek().is_some_and(char::is_ascii_hexdigit) {
        hex.push(chars.next()?);
    }
    if hex.is_empty() {
        return chars.next();
    }
    if chars.peek().is_some_and(|c| c.is_whitespace()) {
        chars.next();
    }
    let code = u32::from_str_radix(&hex, 16).ok()?;
    Some(
        char::from_u32(code)
            .filter(|&c| c != '\0')
            .unwrap_or('\u{fffd}'),
    )
}

fn quoted_with_escapes(text: &str) -> String {
    let mut out = String::from("'");
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || "-.,!?#%*+/=@|~$:;".contains(c) {
            out.push(c);
        } else {
            let _ = write!(out, "\\{:06x}", u32::from(c));
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudo_content_is_requoted_with_escapes() {
        assert_eq!(content_class(r#""""#).as_deref(), Some("content-['']"));
        assert_eq!(
            content_class(r#""\f007""#).as_deref(),
            Some(r"content-['\00f007']")
        );
        assert_eq!(
            content_class("\"\u{f007}\"").as_deref(),
            Some(r"content-['\00f007']")
        );
        assert_eq!(
            content_class(r#""a b_c" attr(title) ".""#).as_deref(),
            Some(r"content-['a\000020b\00005fc'_attr(title)_'.']")
        );
        assert_eq!(
            content_class("url(a.png) attr(data-x, y)").as_deref(),
            Some("content-[url(a.png)_attr(data-x,_y)]")
        );
        assert_eq!(content_class(r#"counter(item) ".""#), None);
        assert_eq!(content_class("none").as_deref(), Some("content-none"));
        assert_eq!(content_class(r#""unterminated"#), None);
        assert_eq!(content_class("attr(data-x]"), None);
    }
}
