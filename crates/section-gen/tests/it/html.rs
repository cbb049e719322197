//! A small HTML fragment reader for the mapping tests: enough HTML to write inputs the way a
//! page would (quoted and bare attributes, void elements, a few entities), producing the
//! `DomElement` tree the scrape would have captured.
//!
//! The attribute `data-computed="display: flex; white-space: pre"` stands for the element's
//! captured computed style and `data-state-value="typed"` for its live state (`state.value`);
//! `data-before-content` and `data-before-computed` (`after` alike) for a pseudo-element's
//! computed `content` and style, `data-box="983 294"` for its box's width and height. None is
//! kept as an attribute.

use std::collections::BTreeMap;

use replica_core::{DomElement, DomNode, PseudoElement, Rect};

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Parses a fragment into its top-level elements (text at the top level is dropped).
pub fn parse_fragment(html: &str) -> Vec<DomElement> {
    let mut reader = Reader {
        input: html,
        position: 0,
        next_id: 2,
    };
    let children = reader.children(None);
    children
        .into_iter()
        .filter_map(|node| match node {
            DomNode::Element(element) => Some(element),
            DomNode::Text(_) => None,
        })
        .collect()
}

struct Reader<'a> {
    input: &'a str,
    position: usize,
    next_id: u32,
}

impl Reader<'_> {
    fn rest(&self) -> &str {
        &self.input[self.position..]
    }

    fn children(&mut self, parent: Option<&str>) -> Vec<DomNode> {
        let mut nodes = Vec::new();
        let raw_text = matches!(parent, Some("script" | "style" | "textarea" | "title"));
        while self.position < self.input.len() {
            if raw_text {
                let close = format!("</{}", parent.unwrap_or_default());
                let end = self.rest().find(&close).unwrap_or(self.rest().len());
                let text = self.rest()[..end].to_string();
                self.position += end;
                if !text.is_empty() {
                    nodes.push(DomNode::Text(text));
                }
                self.skip_close_tag();
                return nodes;
            }
            if self.rest().starts_with("<!--") {
                let end = self
                    .rest()
                    .find("-->")
                    .map_or(self.rest().len(), |end| end + 3);
                self.position += end;
            } else if self.rest().starts_with("</") {
                self.skip_close_tag();
                return nodes;
            } else if self.rest().starts_with('<') {
                nodes.push(DomNode::Element(self.element()));
            } else {
                let end = self.rest().find('<').unwrap_or(self.rest().len());
                let text = decode_entities(&self.rest()[..end]);
                self.position += end;
                nodes.push(DomNode::Text(text));
            }
        }
        nodes
    }

    fn skip_close_tag(&mut self) {
        let end = self
            .rest()
            .find('>')
            .map_or(self.rest().len(), |end| end + 1);
        self.position += end;
    }

    fn element(&mut self) -> DomElement {
        self.position += 1;
        let name_end = self
            .rest()
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(self.rest().len());
        let raw_tag = self.rest()[..name_end].to_string();
        self.position += name_end;
        let tag = if raw_tag.chars().any(|c| c.is_ascii_uppercase())
            && raw_tag != raw_tag.to_ascii_uppercase()
        {
            raw_tag // SVG camelCase
        } else {
            raw_tag.to_ascii_lowercase()
        };
        let id = self.next_id;
        self.next_id += 1;
        let mut attrs = Vec::new();
        let mut style = BTreeMap::new();
        let mut state = BTreeMap::new();
        let mut pseudos: BTreeMap<String, PseudoElement> = BTreeMap::new();
        let mut rect = Rect::default();
        let mut self_closing = false;
        loop {
            let input = self.input;
            let trimmed = input[self.position..].trim_start();
            self.position = input.len() - trimmed.len();
            if trimmed.starts_with("/>") {
                self.position += 2;
                self_closing = true;
                break;
            }
            if trimmed.starts_with('>') || trimmed.is_empty() {
                self.position += 1.min(trimmed.len());
                break;
            }
            let name_end = trimmed
                .find(|c: char| c.is_whitespace() || c == '=' || c == '>' || c == '/')
                .unwrap_or(trimmed.len());
            let name = trimmed[..name_end].to_string();
            self.position += name_end;
            let mut value = String::new();
            if self.rest().starts_with('=') {
                self.position += 1;
                let quote = self.rest().chars().next().unwrap_or(' ');
                if quote == '"' || quote == '\'' {
                    self.position += 1;
                    let end = self.rest().find(quote).unwrap_or(self.rest().len());
                    value = decode_entities(&self.rest()[..end]);
                    self.position += end + 1;
                } else {
                    let end = self
                        .rest()
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(self.rest().len());
                    value = decode_entities(&self.rest()[..end]);
                    self.position += end;
                }
            }
            if name == "data-computed" {
                style = declarations(&value);
            } else if name == "data-box" {
                let mut numbers = value.split_whitespace().filter_map(|n| n.parse().ok());
                rect.width = numbers.next().unwrap_or_default();
                rect.height = numbers.next().unwrap_or_default();
            } else if let Some((which, key)) = name
                .strip_prefix("data-")
                .and_then(|rest| rest.split_once('-'))
                .filter(|(which, _)| matches!(*which, "before" | "after"))
            {
                let pseudo = pseudos.entry(which.to_string()).or_default();
                match key {
                    "content" => pseudo.content = value,
                    _ => pseudo.style = declarations(&value),
                }
            } else if let Some(key) = name.strip_prefix("data-state-") {
                state.insert(key.to_string(), value);
            } else {
                attrs.push((name, value));
            }
        }
        let children = if self_closing || VOID.contains(&tag.as_str()) {
            Vec::new()
        } else {
            self.children(Some(&tag))
        };
        DomElement {
            id,
            tag,
            attrs,
            style,
            children,
            state,
            rect,
            before: pseudos.remove("before"),
            after: pseudos.remove("after"),
        }
    }
}

fn declarations(text: &str) -> BTreeMap<String, String> {
    text.split(';')
        .filter_map(|declaration| declaration.split_once(':'))
        .map(|(property, value)| (property.trim().to_string(), value.trim().to_string()))
        .collect()
}

fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&copy;", "©")
        .replace("&amp;", "&")
}
