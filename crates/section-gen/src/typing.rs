//! TypeScript's view of the JSX the compiler writes, so `tsc --strict` accepts any page.
//!
//! React's types (react-types.txt, written by tools/react-types.mjs from the template's
//! `@types/react`) say which attributes take a number (`colSpan={2}`), which only some
//! strings (`align` on a cell: lower case, as HTML reads it), and which elements and
//! attributes they do not know at all: legacy HTML such as `<font>` or `bgcolor` on a cell,
//! and custom elements. Those are declared in the component's file, under `declare module
//! "react"`, as what they are (`unknown` attributes, plain HTML elements). A value the
//! declared type cannot hold (`frame="box"`, typed boolean) is spread from an untyped object,
//! so the page keeps it.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::LazyLock;

use crate::jsx::{Prop, PropValue, style_source};

/// What a declared prop takes.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// Any string.
    Text,
    Number,
    Boolean,
    /// Only these strings.
    Choice(Vec<&'static str>),
    /// No string at all (objects, functions).
    Other,
}

#[derive(Debug, Default)]
struct Table {
    html: HashMap<&'static str, Kind>,
    svg: HashMap<&'static str, Kind>,
    /// Intrinsic element -> (an SVG element, its props besides the shared ones).
    elements: HashMap<&'static str, (bool, HashMap<&'static str, Kind>)>,
    css: HashSet<&'static str>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| parse(include_str!("react-types.txt")));

fn parse(text: &'static str) -> Table {
    let props = |fields: std::str::SplitWhitespace<'static>| -> HashMap<&'static str, Kind> {
        fields
            .filter_map(|field| field.split_once('='))
            .map(|(name, kind)| {
                let kind = match kind {
                    "t" => Kind::Text,
                    "n" => Kind::Number,
                    "b" => Kind::Boolean,
                    "x" => Kind::Other,
                    choices => Kind::Choice(
                        choices
                            .strip_prefix("e:")
                            .unwrap_or(choices)
                            .split('|')
                            .collect(),
                    ),
                };
                (name, kind)
            })
            .collect()
    };
    let mut table = Table::default();
    for line in text.lines().filter(|line| !line.starts_with('#')) {
        let mut fields = line.split_whitespace();
        match fields.next() {
            Some("html") => table.html = props(fields),
            Some("svg") => table.svg = props(fields),
            Some(kind @ ("tag" | "svg-tag")) => {
                if let Some(tag) = fields.next() {
                    table
                        .elements
                        .insert(tag, (kind == "svg-tag", props(fields)));
                }
            }
            Some("css") => table.css = fields.collect(),
            _ => {}
        }
    }
    table
}

/// What a component file must declare for TypeScript to accept its JSX.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Declarations {
    html_attributes: BTreeSet<String>,
    svg_attributes: BTreeSet<String>,
    html_elements: BTreeSet<String>,
    svg_elements: BTreeSet<String>,
}

impl Declarations {
    pub(crate) fn is_empty(&self) -> bool {
        self.html_attributes.is_empty()
            && self.svg_attributes.is_empty()
            && self.html_elements.is_empty()
            && self.svg_elements.is_empty()
    }

    /// The `declare module "react"` block for the end of the file (empty when nothing needs
    /// declaring).
    pub(crate) fn source(&self) -> String {
        if self.is_empty() {
            return String::new();
        }
        let mut out = String::from(
            "\n// This page's HTML that React's types do not describe (legacy or custom).\n\
             declare module \"react\" {\n",
        );
        for (interface, names) in [
            ("HTMLAttributes", &self.html_attributes),
            ("SVGAttributes", &self.svg_attributes),
        ] {
            if names.is_empty() {
                continue;
            }
            let _ = writeln!(out, "  interface {interface}<T> {{");
            for name in names {
                let _ = writeln!(out, "    {}?: unknown;", property_key(name));
            }
            out.push_str("  }\n");
        }
        if !self.html_elements.is_empty() || !self.svg_elements.is_empty() {
            out.push_str("  namespace JSX {\n    interface IntrinsicElements {\n");
            for tag in &self.html_elements {
                let _ = writeln!(
                    out,
                    "      {}: DetailedHTMLProps<HTMLAttributes<HTMLElement>, HTMLElement>;",
                    property_key(tag)
                );
            }
            for tag in &self.svg_elements {
                let _ = writeln!(out, "      {}: SVGProps<SVGElement>;", property_key(tag));
            }
            out.push_str("    }\n  }\n");
        }
        out.push_str("}\n");
        out
    }
}

/// A name as an object-type key: bare when it is an identifier, else quoted.
fn property_key(name: &str) -> String {
    if crate::jsx::is_identifier(name) {
        name.to_string()
    } else {
        format!("\"{name}\"")
    }
}

/// Makes `props` of the JSX element `tag` typecheck: numbers for number props, declared
/// choices in their spelling, unknown attributes and elements declared, values no declared
/// type holds spread from an untyped object, style objects with custom properties cast.
pub(crate) fn type_props(
    tag: &str,
    svg: bool,
    props: &mut Vec<Prop>,
    declarations: &mut Declarations,
) {
    let table = &*TABLE;
    let element = table.elements.get(tag);
    if element.is_none() {
        let set = if svg {
            &mut declarations.svg_elements
        } else {
            &mut declarations.html_elements
        };
        set.insert(tag.to_string());
    }
    let (svg_element, own) = match element {
        Some((svg_element, own)) => (*svg_element, Some(own)),
        None => (svg, None),
    };
    let shared = if svg_element { &table.svg } else { &table.html };
    let mut spread: Vec<(String, String)> = Vec::new();
    props.retain_mut(|prop| {
        if prop.name == "style" {
            cast_style(prop, &table.css);
            return true;
        }
        if matches!(prop.name.as_str(), "className" | "key") {
            return true;
        }
        let kind = own
            .and_then(|own| own.get(prop.name.as_str()))
            .or_else(|| shared.get(prop.name.as_str()));
        let Some(kind) = kind else {
            // TypeScript leaves hyphenated names (`data-*`) unchecked.
            if !prop.name.contains('-') {
                let set = if svg_element {
                    &mut declarations.svg_attributes
                } else {
                    &mut declarations.html_attributes
                };
                set.insert(prop.name.clone());
            }
            return true;
        };
        match fit(kind, &prop.value) {
            Fit::Keep => true,
            Fit::Replace(value) => {
                prop.value = value;
                true
            }
            Fit::Drop => false,
            Fit::Spread(value) => {
                spread.push((prop.name.clone(), value));
                false
            }
        }
    });
    if !spread.is_empty() {
        props.push(Prop {
            name: String::new(),
            value: PropValue::Spread(spread),
        });
    }
}

enum Fit {
    Keep,
    Replace(PropValue),
    /// The browser would ignore the value anyway (a number attribute that is no number).
    Drop,
    /// Kept as written, outside the types.
    Spread(String),
}

fn fit(kind: &Kind, value: &PropValue) -> Fit {
    let text = match value {
        PropValue::Str(text) => Some(text.as_str()),
        PropValue::True => None,
        // Expressions and style objects are written typed already.
        _ => return Fit::Keep,
    };
    match (kind, text) {
        (Kind::Text, Some(_)) => Fit::Keep,
        (Kind::Text, None) => Fit::Replace(PropValue::Str(String::new())),
        (Kind::Number, Some(text)) => match html_number(text) {
            Some(number) => Fit::Replace(PropValue::Expr(number)),
            None => Fit::Drop,
        },
        (Kind::Boolean, None) => Fit::Keep,
        (Kind::Boolean, Some(text)) => match text.trim().to_ascii_lowercase().as_str() {
            "" | "true" => Fit::Replace(PropValue::True),
            "false" => Fit::Replace(PropValue::Expr("false".to_string())),
            _ => Fit::Spread(text.to_string()),
        },
        (Kind::Choice(choices), text) => {
            let text = text.unwrap_or("");
            let lower = text.trim().to_ascii_lowercase();
            if choices.contains(&text) {
                Fit::Replace(PropValue::Literal(text.to_string()))
            } else if choices.contains(&lower.as_str()) {
                Fit::Replace(PropValue::Literal(lower))
            } else if text.is_empty() && choices.contains(&"true") {
                // `contenteditable` and the like: present means true.
                Fit::Replace(PropValue::Literal("true".to_string()))
            } else {
                Fit::Spread(text.to_string())
            }
        }
        (Kind::Number | Kind::Other, None) => Fit::Spread(String::new()),
        (Kind::Other, Some(text)) => Fit::Spread(text.to_string()),
    }
}

/// An attribute's number as HTML reads it (leading digits and sign, `"2px"` is 2), as
/// JavaScript source; `None` when there is none.
fn html_number(text: &str) -> Option<String> {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(index, c)| {
            !(c.is_ascii_digit() || c == '.' || (index == 0 && matches!(c, '-' | '+')))
        })
        .map_or(text.len(), |(index, _)| index);
    let number: f64 = text[..end].parse().ok()?;
    if !number.is_finite() {
        return None;
    }
    Some(if number.fract() == 0.0 && number.abs() < 1e15 {
        format!("{}", number as i64)
    } else {
        format!("{number}")
    })
}

/// A style object React's `CSSProperties` would refuse (custom properties, properties csstype
/// does not list) becomes an expression cast to it.
fn cast_style(prop: &mut Prop, known: &HashSet<&'static str>) {
    let PropValue::Style(entries) = &prop.value else {
        return;
    };
    if entries.iter().all(|(key, _)| known.contains(key.as_str())) {
        return;
    }
    prop.value = PropValue::Expr(format!("{} as React.CSSProperties", style_source(entries)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prop(name: &str, value: &str) -> Prop {
        Prop {
            name: name.to_string(),
            value: PropValue::Str(value.to_string()),
        }
    }

    #[test]
    fn the_table_knows_react_s_elements() {
        assert!(TABLE.elements.contains_key("div"));
        assert!(TABLE.elements.contains_key("linearGradient"));
        assert!(!TABLE.elements.contains_key("font"));
        assert!(TABLE.css.contains("backgroundColor"));
        assert!(!TABLE.css.contains("--gap"));
    }

    #[test]
    fn values_take_the_declared_types() {
        let mut props = vec![
            prop("colSpan", "2"),
            prop("align", "CENTER"),
            prop("bgcolor", "#fff"),
            prop("data-x", "1"),
            prop("rowSpan", "x"),
            prop("valign", "middle"),
        ];
        let mut declarations = Declarations::default();
        type_props("td", false, &mut props, &mut declarations);
        let values: Vec<(String, PropValue)> =
            props.into_iter().map(|p| (p.name, p.value)).collect();
        assert_eq!(
            values,
            [
                ("colSpan".to_string(), PropValue::Expr("2".into())),
                ("align".to_string(), PropValue::Literal("center".into())),
                ("bgcolor".to_string(), PropValue::Str("#fff".into())),
                ("data-x".to_string(), PropValue::Str("1".into())),
                ("valign".to_string(), PropValue::Literal("middle".into())),
            ]
        );
        assert_eq!(
            declarations.html_attributes.iter().collect::<Vec<_>>(),
            ["bgcolor"]
        );
        let mut props = vec![prop("frame", "box"), prop("face", "Arial")];
        type_props("table", false, &mut props, &mut declarations);
        assert_eq!(
            props.last().map(|p| &p.value),
            Some(&PropValue::Spread(vec![("frame".into(), "box".into())]))
        );
        type_props("font", false, &mut Vec::new(), &mut declarations);
        let source = declarations.source();
        assert!(source.contains("    bgcolor?: unknown;\n"), "{source}");
        assert!(
            source.contains(
                "      font: DetailedHTMLProps<HTMLAttributes<HTMLElement>, HTMLElement>;\n"
            ),
            "{source}"
        );
    }

    #[test]
    fn numbers_are_read_as_html_reads_them() {
        assert_eq!(html_number(" 2px").as_deref(), Some("2"));
        assert_eq!(html_number("-1").as_deref(), Some("-1"));
        assert_eq!(html_number("0.5").as_deref(), Some("0.5"));
        assert_eq!(html_number("wide"), None);
    }
}
