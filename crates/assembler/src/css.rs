//! A page's stylesheet as a person would write it: parsed forgivingly into rules (statements,
//! blocks, declarations; comments dropped but `/*! licences */`), pruned of the rules no
//! element of the page can take, and printed one declaration a line.

use std::collections::HashSet;
use std::fmt::Write as _;

use crate::selectors::{PageIndex, split_top_level};

/// One item of a stylesheet or of a block.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    /// `selectors { ... }`
    Style { selectors: String, body: Vec<Item> },
    /// `@name prelude { ... }`
    AtBlock {
        name: String,
        prelude: String,
        body: Vec<Item>,
    },
    /// `@name prelude;`
    AtStatement { name: String, prelude: String },
    /// `name: value` (`!important` included in the value).
    Declaration { name: String, value: String },
    /// A comment that asks to be kept (`/*! ... */`: licences).
    Comment(String),
}

/// Parses CSS text the way a browser reads it well enough to print and prune it: blocks
/// nest, strings and parentheses hide `;` and braces, a stray `}` ends nothing it did not
/// open, an unterminated block ends at the end of the text.
pub(crate) fn parse(css: &str) -> Vec<Item> {
    let chars: Vec<char> = css.chars().collect();
    let mut at = 0;
    parse_items(&chars, &mut at, false)
}

fn parse_items(chars: &[char], at: &mut usize, in_block: bool) -> Vec<Item> {
    let mut items = Vec::new();
    loop {
        skip_space_and_comments(chars, at, &mut items);
        let Some(&c) = chars.get(*at) else {
            return items;
        };
        if c == '}' {
            *at += 1;
            if in_block {
                return items;
            }
            continue;
        }
        let (text, end) = read_until_boundary(chars, at);
        let text = text.trim().to_string();
        match end {
            Some('{') => {
                *at += 1;
                let body = parse_items(chars, at, true);
                items.push(match text.strip_prefix('@') {
                    Some(rest) => {
                        let (name, prelude) = split_at_rule(rest);
                        Item::AtBlock {
                            name,
                            prelude,
                            body,
                        }
                    }
                    None => Item::Style {
                        selectors: text,
                        body,
                    },
                });
            }
            _ => {
                if end == Some(';') {
                    *at += 1;
                }
                if let Some(rest) = text.strip_prefix('@') {
                    let (name, prelude) = split_at_rule(rest);
                    items.push(Item::AtStatement { name, prelude });
                } else if let Some((name, value)) = text.split_once(':') {
                    let (name, value) = (name.trim(), value.trim());
                    if !name.is_empty() && !value.is_empty() {
                        items.push(Item::Declaration {
                            name: name.to_string(),
                            value: value.to_string(),
                        });
                    }
                }
            }
        }
    }
}

fn split_at_rule(rest: &str) -> (String, String) {
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '(' || c == '"' || c == '\'')
        .unwrap_or(rest.len());
    (
        rest[..end].to_ascii_lowercase(),
        rest[end..].trim().to_string(),
    )
}

/// Whitespace and comments; kept comments (`/*!`) become items.
fn skip_space_and_comments(chars: &[char], at: &mut usize, items: &mut Vec<Item>) {
    loop {
        while chars.get(*at).is_some_and(|c| c.is_whitespace()) {
            *at += 1;
        }
        if chars.get(*at) == Some(&'/') && chars.get(*at + 1) == Some(&'*') {
            let start = *at;
            *at = comment_end(chars, *at);
            if chars.get(start + 2) == Some(&'!') {
                items.push(Item::Comment(chars[start..*at].iter().collect()));
            }
            continue;
        }
        return;
    }
}

/// The offset just after the comment starting at `start`.
fn comment_end(chars: &[char], start: usize) -> usize {
    let mut at = start + 2;
    while at + 1 < chars.len() && !(chars[at] == '*' && chars[at + 1] == '/') {
        at += 1;
    }
    (at + 2).min(chars.len())
}

/// The text up to the first `{`, `;` or `}` outside strings and parentheses (comments left
/// out), and which of them ended it (`None` at the end of the text). `at` stops on it.
fn read_until_boundary(chars: &[char], at: &mut usize) -> (String, Option<char>) {
    let mut out = String::new();
    let mut depth = 0i32;
    while let Some(&c) = chars.get(*at) {
        match c {
            '"' | '\'' => {
                let start = *at;
                *at += 1;
                while let Some(&d) = chars.get(*at) {
                    *at += 1;
                    if d == '\\' {
                        *at += 1;
                    } else if d == c || d == '\n' {
                        break;
                    }
                }
                out.extend(&chars[start..(*at).min(chars.len())]);
                continue;
            }
            '\\' => {
                out.push(c);
                if let Some(&next) = chars.get(*at + 1) {
                    out.push(next);
                }
                *at += 2;
                continue;
            }
            '/' if chars.get(*at + 1) == Some(&'*') => {
                *at = comment_end(chars, *at);
                continue;
            }
            '(' | '[' => depth += 1,
            ')' | ']' => depth = (depth - 1).max(0),
            '{' | ';' | '}' if depth == 0 => return (out, Some(c)),
            _ => {}
        }
        out.push(c);
        *at += 1;
    }
    (out, None)
}

/// The page's sheet without the rules that can match no element of `page` (at either
/// captured device), the `@media`/`@supports`/`@layer`/`@container` blocks left empty, and
/// the `@keyframes` no kept rule (nor the page's inline styles, `animated`) names.
pub(crate) fn prune(items: Vec<Item>, page: &PageIndex, animated: &HashSet<String>) -> Vec<Item> {
    let mut kept = prune_rules(items, page);
    let mut names = animated.clone();
    collect_animation_names(&kept, &mut names);
    drop_unused_keyframes(&mut kept, &names);
    kept
}

/// At-rules whose blocks hold rules that are pruned like the sheet's own.
const GROUPING: &[&str] = &[
    "media",
    "supports",
    "layer",
    "container",
    "document",
    "-moz-document",
    "scope",
];

fn prune_rules(items: Vec<Item>, page: &PageIndex) -> Vec<Item> {
    items
        .into_iter()
        .filter_map(|item| match item {
            Item::Style { selectors, body } => {
                let has_declarations = body.iter().any(|item| !matches!(item, Item::Comment(_)));
                (has_declarations && page.may_match_any(&selectors))
                    .then_some(Item::Style { selectors, body })
            }
            Item::AtBlock {
                name,
                prelude,
                body,
            } if GROUPING.contains(&name.as_str()) => {
                let body = prune_rules(body, page);
                (!body.is_empty()).then_some(Item::AtBlock {
                    name,
                    prelude,
                    body,
                })
            }
            other => Some(other),
        })
        .collect()
}

/// Words of `animation` / `animation-name` values (any vendor prefix) in `items`.
fn collect_animation_names(items: &[Item], names: &mut HashSet<String>) {
    for item in items {
        match item {
            Item::Declaration { name, value } => animation_names(name, value, names),
            Item::Style { body, .. } => collect_animation_names(body, names),
            Item::AtBlock { name, body, .. } if !name.ends_with("keyframes") => {
                collect_animation_names(body, names);
            }
            _ => {}
        }
    }
}

/// Adds the words of an `animation`-like declaration to `names`.
pub(crate) fn animation_names(property: &str, value: &str, names: &mut HashSet<String>) {
    let property = property.trim().to_ascii_lowercase();
    let unprefixed = property
        .strip_prefix("-webkit-")
        .or_else(|| property.strip_prefix("-moz-"))
        .or_else(|| property.strip_prefix("-o-"))
        .unwrap_or(&property);
    if matches!(unprefixed, "animation" | "animation-name") {
        for part in value.split([',', ' ', '\t', '\n']) {
            let word = part.trim().trim_matches(['"', '\'']);
            if !word.is_empty() {
                names.insert(word.to_string());
            }
        }
    }
}

fn drop_unused_keyframes(items: &mut Vec<Item>, used: &HashSet<String>) {
    items.retain_mut(|item| match item {
        Item::AtBlock { name, prelude, .. } if name.ends_with("keyframes") => {
            used.contains(prelude.trim().trim_matches(['"', '\'']))
        }
        Item::AtBlock { name, body, .. } if GROUPING.contains(&name.as_str()) => {
            drop_unused_keyframes(body, used);
            !body.is_empty()
        }
        _ => true,
    });
}

/// The items as CSS: one selector and one declaration a line, two-space indents, a blank line
/// between top-level rules.
pub(crate) fn print(items: &[Item]) -> String {
    let mut out = String::new();
    print_items(items, 0, &mut out);
    out
}

fn print_items(items: &[Item], level: usize, out: &mut String) {
    let indent = "  ".repeat(level);
    for (index, item) in items.iter().enumerate() {
        let is_rule = !matches!(item, Item::Declaration { .. });
        if index > 0 && is_rule && level == 0 {
            out.push('\n');
        }
        match item {
            Item::Style { selectors, body } => {
                let selectors: Vec<String> = split_top_level(selectors, ',')
                    .iter()
                    .map(|selector| collapse_whitespace(selector))
                    .collect();
                let _ = writeln!(
                    out,
                    "{indent}{} {{",
                    selectors.join(&format!(",\n{indent}"))
                );
                print_items(body, level + 1, out);
                let _ = writeln!(out, "{indent}}}");
            }
            Item::AtBlock {
                name,
                prelude,
                body,
            } => {
                let prelude = collapse_whitespace(prelude);
                let space = if prelude.is_empty() { "" } else { " " };
                let _ = writeln!(out, "{indent}@{name}{space}{prelude} {{");
                print_items(body, level + 1, out);
                let _ = writeln!(out, "{indent}}}");
            }
            Item::AtStatement { name, prelude } => {
                let prelude = collapse_whitespace(prelude);
                let space = if prelude.is_empty() { "" } else { " " };
                let _ = writeln!(out, "{indent}@{name}{space}{prelude};");
            }
            Item::Declaration { name, value } => {
                let _ = writeln!(out, "{indent}{name}: {};", collapse_whitespace(value));
            }
            Item::Comment(text) => {
                let _ = writeln!(out, "{indent}{text}");
            }
        }
    }
}

/// Runs of whitespace outside strings become one space.
fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut space = false;
    let mut escaped = false;
    for c in text.trim().chars() {
        if quote.is_some() {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if Some(c) == quote {
                quote = None;
            }
            continue;
        }
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        if matches!(c, '"' | '\'') {
            quote = Some(c);
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_print_one_declaration_a_line() {
        let css = "/*! Licence */ a,b>c{color:#fff;background:url(\"a;b.png\") }\n@media (max-width:600px){.x{margin:0 auto!important}}@import url(x.css);\n/* dropped */ @font-face{font-family:\"A B\";src:url(a.woff2)}";
        assert_eq!(
            print(&parse(css)),
            "/*! Licence */\n\
             \n\
             a,\n\
             b>c {\n  color: #fff;\n  background: url(\"a;b.png\");\n}\n\
             \n\
             @media (max-width:600px) {\n  .x {\n    margin: 0 auto!important;\n  }\n}\n\
             \n\
             @import url(x.css);\n\
             \n\
             @font-face {\n  font-family: \"A B\";\n  src: url(a.woff2);\n}\n"
        );
    }

    #[test]
    fn broken_text_parses_to_what_can_be_read() {
        let items = parse("a { color: red; } } b { color: blue; c { x: y");
        assert_eq!(items.len(), 2);
        assert_eq!(
            print(&parse("p { content: \"}\"; margin:0 }")),
            "p {\n  content: \"}\";\n  margin: 0;\n}\n"
        );
    }

    #[test]
    fn keyframes_stay_when_something_animates_with_them() {
        let items = parse(
            "@keyframes spin{to{transform:rotate(1turn)}}@keyframes fade{to{opacity:0}}@-webkit-keyframes pulse{to{opacity:1}}.a{animation:spin 1s linear}",
        );
        let mut names = HashSet::new();
        names.insert("pulse".to_string());
        let mut kept = items.clone();
        let mut used = names.clone();
        collect_animation_names(&kept, &mut used);
        drop_unused_keyframes(&mut kept, &used);
        let printed = print(&kept);
        assert!(printed.contains("@keyframes spin"), "{printed}");
        assert!(printed.contains("@-webkit-keyframes pulse"), "{printed}");
        assert!(!printed.contains("fade"), "{printed}");
    }
}
