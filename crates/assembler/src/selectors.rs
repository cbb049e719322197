//! Whether a selector can match an element of the page: the captured DOM of both devices,
//! flattened, and a matcher that errs on the side of "may match". Types, ids, classes,
//! attributes, `:root`, `:is()`/`:where()` and the four combinators are checked; state
//! (`:hover`), structure (`:nth-child`), negation, `:has()`, pseudo-elements and anything
//! unknown count as matching, so a rule is only ever dropped when no element could take it.

use std::collections::HashMap;

use replica_core::{DomElement, ScrapeData};

/// The page's elements, both devices, indexed for the rightmost part of a selector.
#[derive(Debug, Default)]
pub struct PageIndex {
    nodes: Vec<Node>,
    by_id: HashMap<String, Vec<usize>>,
    by_class: HashMap<String, Vec<usize>>,
    by_tag: HashMap<String, Vec<usize>>,
}

#[derive(Debug)]
struct Node {
    /// Lower case.
    tag: String,
    /// Names in lower case.
    attrs: Vec<(String, String)>,
    classes: Vec<String>,
    parent: Option<usize>,
    /// The previous element sibling.
    previous: Option<usize>,
}

impl PageIndex {
    /// Both captures of every page of a site (`<html>` with the scrape's own attributes when
    /// the DOM has none): a rule any of them can use is kept.
    pub fn of_scrapes(scrapes: &[&ScrapeData]) -> PageIndex {
        let mut index = PageIndex::default();
        for scrape in scrapes {
            for capture in [&scrape.desktop, &scrape.mobile] {
                let mut root = capture.dom.clone();
                if root.attrs.is_empty() {
                    root.attrs = scrape.html_attrs.clone();
                }
                index.add(&root, None, None);
            }
        }
        index
    }

    fn add(&mut self, element: &DomElement, parent: Option<usize>, previous: Option<usize>) {
        let at = self.nodes.len();
        let attrs: Vec<(String, String)> = element
            .attrs
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
            .collect();
        let classes: Vec<String> = element
            .attr("class")
            .map(|c| c.split_ascii_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        let tag = element.tag.to_ascii_lowercase();
        if let Some(id) = element.attr("id") {
            self.by_id.entry(id.to_string()).or_default().push(at);
        }
        for class in &classes {
            self.by_class.entry(class.clone()).or_default().push(at);
        }
        self.by_tag.entry(tag.clone()).or_default().push(at);
        self.nodes.push(Node {
            tag,
            attrs,
            classes,
            parent,
            previous,
        });
        let mut previous_child = None;
        for child in element.child_elements() {
            let child_at = self.nodes.len();
            self.add(child, Some(at), previous_child);
            previous_child = Some(child_at);
        }
    }

    /// Whether any selector of the comma-separated `list` may match an element.
    pub fn may_match_any(&self, list: &str) -> bool {
        split_top_level(list, ',')
            .iter()
            .any(|selector| match parse_complex(selector) {
                Some(complex) => self.may_match(&complex),
                // What this parser does not understand is kept.
                None => true,
            })
    }

    fn may_match(&self, complex: &Complex) -> bool {
        let Some((last, _)) = complex.parts.last() else {
            return true;
        };
        let candidates: Box<dyn Iterator<Item = usize> + '_> = if let Some(id) = last.ids.first() {
            Box::new(self.by_id.get(id).into_iter().flatten().copied())
        } else if let Some(class) = last.classes.first() {
            Box::new(self.by_class.get(class).into_iter().flatten().copied())
        } else if let Some(tag) = &last.tag {
            Box::new(self.by_tag.get(tag).into_iter().flatten().copied())
        } else {
            Box::new(0..self.nodes.len())
        };
        candidates
            .into_iter()
            .any(|node| self.matches_from(complex, complex.parts.len() - 1, node))
    }

    /// Whether `complex.parts[..=part]` matches with `parts[part]` on `node`.
    fn matches_from(&self, complex: &Complex, part: usize, node: usize) -> bool {
        let (compound, combinator) = &complex.parts[part];
        if !self.compound_matches(compound, node) {
            return false;
        }
        if part == 0 {
            return true;
        }
        let step = |from: usize| match combinator {
            Combinator::Child | Combinator::Descendant => self.nodes[from].parent,
            Combinator::Adjacent | Combinator::Sibling => self.nodes[from].previous,
        };
        match combinator {
            Combinator::Child | Combinator::Adjacent => {
                step(node).is_some_and(|next| self.matches_from(complex, part - 1, next))
            }
            Combinator::Descendant | Combinator::Sibling => {
                let mut current = step(node);
                while let Some(next) = current {
                    if self.matches_from(complex, part - 1, next) {
                        return true;
                    }
                    current = step(next);
                }
                false
            }
        }
    }

    fn compound_matches(&self, compound: &Compound, node: usize) -> bool {
        let element = &self.nodes[node];
        if compound.tag.as_ref().is_some_and(|tag| *tag != element.tag) {
            return false;
        }
        let attr = |name: &str| {
            element
                .attrs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        if compound.ids.iter().any(|id| attr("id") != Some(id)) {
            return false;
        }
        if compound
            .classes
            .iter()
            .any(|class| !element.classes.contains(class))
        {
            return false;
        }
        if compound
            .attrs
            .iter()
            .any(|test| !test.matches(attr(&test.name)))
        {
            return false;
        }
        compound.pseudo.iter().all(|pseudo| match pseudo {
            Pseudo::Root => element.tag == "html",
            Pseudo::Any(list) => list.iter().any(|complex| {
                complex.parts.is_empty()
                    || self.matches_from(complex, complex.parts.len() - 1, node)
            }),
        })
    }
}

/// A selector without commas: compounds, each with the combinator to the one before it.
#[derive(Debug, Clone, PartialEq)]
struct Complex {
    parts: Vec<(Compound, Combinator)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Combinator {
    Descendant,
    Child,
    Adjacent,
    Sibling,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Compound {
    /// Lower case; `None` for `*` or none.
    tag: Option<String>,
    ids: Vec<String>,
    classes: Vec<String>,
    attrs: Vec<AttrTest>,
    /// Only the pseudo-classes that are checked; the rest count as matching.
    pseudo: Vec<Pseudo>,
}

#[derive(Debug, Clone, PartialEq)]
enum Pseudo {
    Root,
    /// `:is()`, `:where()`, `:matches()`, `:-webkit-any()`.
    Any(Vec<Complex>),
}

#[derive(Debug, Clone, PartialEq)]
struct AttrTest {
    /// Lower case.
    name: String,
    /// `None` for `[name]`; else the operator (`=`, `~=`, `|=`, `^=`, `$=`, `*=`) and value.
    test: Option<(String, String)>,
    case_insensitive: bool,
}

impl AttrTest {
    fn matches(&self, value: Option<&str>) -> bool {
        let Some(value) = value else {
            return false;
        };
        let Some((operator, expected)) = &self.test else {
            return true;
        };
        let (value, expected) = if self.case_insensitive {
            (value.to_lowercase(), expected.to_lowercase())
        } else {
            (value.to_string(), expected.clone())
        };
        match operator.as_str() {
            "=" => value == expected,
            "~=" => value.split_ascii_whitespace().any(|word| word == expected),
            "|=" => value == expected || value.starts_with(&format!("{expected}-")),
            "^=" => !expected.is_empty() && value.starts_with(&expected),
            "$=" => !expected.is_empty() && value.ends_with(&expected),
            "*=" => !expected.is_empty() && value.contains(&expected),
            _ => true,
        }
    }
}

/// Splits at `separator` outside parentheses, brackets and strings.
pub(crate) fn split_top_level(text: &str, separator: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (_, '\\') => {
                current.push(c);
                if let Some(next) = chars.next() {
                    current.push(next);
                }
                continue;
            }
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => depth -= 1,
            (None, _) if c == separator && depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
}

/// A complex selector, `None` when it is not one this parser reads (or is relative to a
/// parent rule: CSS nesting's `&`).
fn parse_complex(text: &str) -> Option<Complex> {
    if text.contains('&') {
        return None;
    }
    let chars: Vec<char> = text.trim().chars().collect();
    let mut at = 0;
    let mut parts: Vec<(Compound, Combinator)> = Vec::new();
    let mut combinator = Combinator::Descendant;
    while at < chars.len() {
        let mut saw_space = false;
        while at < chars.len() && chars[at].is_whitespace() {
            at += 1;
            saw_space = true;
        }
        if at >= chars.len() {
            break;
        }
        match chars[at] {
            '>' | '+' | '~' => {
                combinator = match chars[at] {
                    '>' => Combinator::Child,
                    '+' => Combinator::Adjacent,
                    _ => Combinator::Sibling,
                };
                at += 1;
                continue;
            }
            _ if saw_space && parts.is_empty() => {}
            _ => {}
        }
        let compound = parse_compound(&chars, &mut at)?;
        parts.push((compound, combinator));
        combinator = Combinator::Descendant;
    }
    (!parts.is_empty()).then_some(Complex { parts })
}

fn parse_compound(chars: &[char], at: &mut usize) -> Option<Compound> {
    let mut compound = Compound::default();
    let start = *at;
    while *at < chars.len() {
        match chars[*at] {
            c if c.is_whitespace() || matches!(c, '>' | '+' | '~') => break,
            '*' => *at += 1,
            '|' => {
                // `ns|tag`: the namespace is not checked.
                compound.tag = None;
                *at += 1;
            }
            '#' => {
                *at += 1;
                compound.ids.push(read_ident(chars, at)?);
            }
            '.' => {
                *at += 1;
                compound.classes.push(read_ident(chars, at)?);
            }
            '[' => {
                *at += 1;
                compound.attrs.push(read_attr(chars, at)?);
            }
            ':' => {
                *at += 1;
                let element = chars.get(*at) == Some(&':');
                if element {
                    *at += 1;
                }
                let name = read_ident(chars, at)?.to_ascii_lowercase();
                let argument = if chars.get(*at) == Some(&'(') {
                    Some(read_group(chars, at)?)
                } else {
                    None
                };
                if element {
                    continue;
                }
                match (name.as_str(), argument) {
                    ("root", _) => compound.pseudo.push(Pseudo::Root),
                    ("is" | "where" | "matches" | "-webkit-any" | "-moz-any", Some(list)) => {
                        let selectors: Option<Vec<Complex>> = split_top_level(&list, ',')
                            .iter()
                            .map(|selector| parse_complex(selector))
                            .collect();
                        // A list this parser cannot read counts as matching.
                        if let Some(selectors) = selectors {
                            compound.pseudo.push(Pseudo::Any(selectors));
                        }
                    }
                    _ => {}
                }
            }
            c if is_ident_start(c) || c == '\\' => {
                compound.tag = Some(read_ident(chars, at)?.to_ascii_lowercase());
            }
            _ => return None,
        }
    }
    (*at > start).then_some(compound)
}

fn is_ident_start(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_') || !c.is_ascii()
}

/// An identifier with its CSS escapes decoded (`md\:flex` is `md:flex`, `\31 0` is `10`).
fn read_ident(chars: &[char], at: &mut usize) -> Option<String> {
    let mut out = String::new();
    while *at < chars.len() {
        let c = chars[*at];
        if c == '\\' {
            *at += 1;
            let hex: String = chars[*at..]
                .iter()
                .take(6)
                .take_while(|c| c.is_ascii_hexdigit())
                .collect();
            if hex.is_empty() {
                out.push(*chars.get(*at)?);
                *at += 1;
            } else {
                *at += hex.len();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?).unwrap_or('\u{fffd}'));
                if chars.get(*at).is_some_and(|c| c.is_whitespace()) {
                    *at += 1;
                }
            }
        } else if is_ident_start(c) {
            out.push(c);
            *at += 1;
        } else {
            break;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The text inside `( ... )` at `at` (which is at the `(`), moving past the `)`.
fn read_group(chars: &[char], at: &mut usize) -> Option<String> {
    let mut depth = 0;
    let mut out = String::new();
    let mut quote: Option<char> = None;
    while *at < chars.len() {
        let c = chars[*at];
        *at += 1;
        match (quote, c) {
            (_, '\\') => {
                out.push(c);
                out.push(*chars.get(*at)?);
                *at += 1;
                continue;
            }
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => {
                depth += 1;
                if depth == 1 {
                    continue;
                }
            }
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return Some(out);
                }
            }
            _ => {}
        }
        out.push(c);
    }
    None
}

/// `[name]`, `[name op value]`, `[name op "value" i]` after the `[`.
fn read_attr(chars: &[char], at: &mut usize) -> Option<AttrTest> {
    let skip_space = |at: &mut usize| {
        while chars.get(*at).is_some_and(|c| c.is_whitespace()) {
            *at += 1;
        }
    };
    skip_space(at);
    let mut name = read_ident(chars, at)?;
    if chars.get(*at) == Some(&'|') && chars.get(*at + 1) != Some(&'=') {
        // `ns|name`
        *at += 1;
        name = read_ident(chars, at)?;
    }
    skip_space(at);
    let mut test = None;
    let mut case_insensitive = false;
    if chars.get(*at) != Some(&']') {
        let operator: String = if chars.get(*at) == Some(&'=') {
            *at += 1;
            "=".to_string()
        } else {
            let op: String = chars.get(*at..*at + 2)?.iter().collect();
            *at += 2;
            op
        };
        skip_space(at);
        let value = match chars.get(*at) {
            Some(&quote @ ('"' | '\'')) => {
                *at += 1;
                let mut value = String::new();
                while let Some(&c) = chars.get(*at) {
                    *at += 1;
                    if c == quote {
                        break;
                    }
                    if c == '\\' {
                        value.push(*chars.get(*at)?);
                        *at += 1;
                        continue;
                    }
                    value.push(c);
                }
                value
            }
            _ => read_ident(chars, at).unwrap_or_default(),
        };
        skip_space(at);
        if let Some(flag) = chars.get(*at).filter(|c| c.is_ascii_alphabetic()) {
            case_insensitive = flag.eq_ignore_ascii_case(&'i');
            *at += 1;
            skip_space(at);
        }
        test = Some((operator, value));
    }
    if chars.get(*at) != Some(&']') {
        return None;
    }
    *at += 1;
    Some(AttrTest {
        name: name.to_ascii_lowercase(),
        test,
        case_insensitive,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use replica_core::DomNode;

    fn element(tag: &str, attrs: &[(&str, &str)], children: Vec<DomElement>) -> DomElement {
        DomElement {
            tag: tag.to_string(),
            attrs: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            children: children.into_iter().map(DomNode::Element).collect(),
            ..DomElement::default()
        }
    }

    fn page() -> PageIndex {
        let body = element(
            "body",
            &[("class", "home")],
            vec![
                element(
                    "nav",
                    &[("id", "top"), ("class", "navbar md:flex")],
                    vec![element(
                        "a",
                        &[("href", "/docs/a.pdf"), ("lang", "en-GB")],
                        vec![],
                    )],
                ),
                element("h1", &[], vec![]),
                element("p", &[("class", "lead")], vec![]),
            ],
        );
        let mut index = PageIndex::default();
        index.add(&element("html", &[("class", "js")], vec![body]), None, None);
        index
    }

    #[test]
    fn what_can_match_is_kept_and_what_cannot_is_not() {
        let page = page();
        for selector in [
            "body",
            "html.js .navbar a",
            "#top > a[href$=\".pdf\"]",
            ".md\\:flex",
            "h1 + p.lead",
            "h1 ~ .lead",
            "a:hover, .missing",
            "p::first-line",
            ":root .home",
            ":is(.missing, nav) a[lang|=en]",
            "a[HREF^='/DOCS' i]",
            "a:not(.x)",
            ".lead:nth-child(3)",
            "svg|a",
            "&.nested",
            "weird(((",
        ] {
            assert!(page.may_match_any(selector), "{selector} may match");
        }
        for selector in [
            ".missing",
            "#nope",
            "nav > p",
            "p + h1",
            "table td",
            ":where(.missing) a",
            "a[href=\"/other\"]",
            ":root > nav",
            ".lead ~ h1",
        ] {
            assert!(!page.may_match_any(selector), "{selector} cannot match");
        }
    }
}
