//! A small JSX tree, the printer that formats it, and the pass that turns runs of siblings of
//! one shape into a data array rendered with `.map`.
//!
//! The compilers build this tree from the DOM; whitespace decisions are already made by then
//! (explicit [`Node::Space`] where HTML renders a space), so the printer may put every child on
//! its own line: JSX drops whitespace that contains a line break.

use std::collections::HashSet;
use std::fmt::Write;

use replica_core::Lang;

use crate::{escape_jsx_text, jsx_attribute_value, jsx_string_literal};

/// Longest line the printer tries to keep to (indentation included).
const LINE_WIDTH: usize = 100;
/// Fewest siblings worth a data array.
const MIN_RUN: usize = 3;
/// The validator's shortest duplicate block: identical siblings are mapped once half of
/// their copies print at least this many lines (two copies of a 4-line card, four of a
/// 3-line table cell, eight of a one-line item), since written out they would read as a model
/// looping.
const REPEATED_BLOCK_LINES: usize = 4;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Element(Element),
    /// Collapsed text with no leading or trailing space, printed as escaped JSX text.
    Text(String),
    /// `{" "}`: a space HTML renders between inline nodes.
    Space,
    /// `{"..."}`: text whose whitespace must survive exactly (`<pre>`, `white-space: pre`).
    Literal(String),
    /// `{item.field}` inside a `.map` template.
    Field(String),
    Map(Box<MapBlock>),
    /// `{children}`: what a wrapper component is given.
    Children,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Element {
    pub tag: String,
    pub props: Vec<Prop>,
    pub children: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Prop {
    pub name: String,
    pub value: PropValue,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PropValue {
    /// A bare boolean attribute (`disabled`).
    True,
    Str(String),
    /// A style object: (key, value) in order, keys already in React's spelling.
    Style(Vec<(String, String)>),
    /// A JavaScript expression, printed inside braces.
    Expr(String),
    /// `{item.field}` inside a `.map` template.
    Field(String),
    /// A string printed like [`PropValue::Str`] that a `.map` keeps in its template instead
    /// of moving it to the data: TypeScript wants one of a few values there, not any string.
    Literal(String),
    /// Attributes outside the types (TypeScript), spread from an untyped object; the prop's
    /// name is unused.
    Spread(Vec<(String, String)>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MapBlock {
    pub source: MapSource,
    /// Whether the key is the item's index (no field had a distinct value per item).
    pub key_is_index: bool,
    pub template: Element,
}

/// What a `.map` goes over.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MapSource {
    /// A module-level [`DataArray`] of this name.
    Array(String),
    /// This many identical items: `Array.from({ length })`, nothing to vary.
    Count(usize),
}

/// A module-level data array: one object per item, fields in order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DataArray {
    pub name: String,
    pub items: Vec<Vec<(String, String)>>,
}

/// A class list of at least this many classes, written by at least [`SHARED_CLASS_USES`]
/// elements of one component, becomes a module-level constant the elements name.
const SHARED_CLASS_COUNT: usize = 3;
const SHARED_CLASS_USES: usize = 3;

/// A class list several elements of a component write alike, kept once:
/// `const itemClass = "mb-3 text-[14px]";` and `className={itemClass}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SharedClasses {
    pub name: String,
    pub classes: String,
}

/// Moves the class lists that [`SHARED_CLASS_USES`] or more elements write alike into
/// constants, named after the first element's tag, in order of first use. A `.map`
/// template is one use. Lists a JavaScript string would spell differently from the
/// attribute (a backslash, `&`) stay where they are: Tailwind reads the source's text.
pub(crate) fn share_class_lists(roots: &mut [Node], taken: &[&str]) -> Vec<SharedClasses> {
    let mut counts: Vec<(String, String, usize)> = Vec::new();
    visit_elements(roots, &mut |element| {
        if let Some(classes) = class_list(element)
            && classes.split_whitespace().count() >= SHARED_CLASS_COUNT
            && !classes.contains(['\\', '&', '"', '`'])
        {
            match counts.iter_mut().find(|(list, _, _)| list == classes) {
                Some((_, _, count)) => *count += 1,
                None => counts.push((classes.to_string(), element.tag.clone(), 1)),
            }
        }
    });
    let mut names: Vec<String> = taken.iter().map(|name| name.to_string()).collect();
    let shared: Vec<SharedClasses> = counts
        .into_iter()
        .filter(|(_, _, count)| *count >= SHARED_CLASS_USES)
        .map(|(classes, tag, _)| SharedClasses {
            name: unique_name(format!("{}Class", class_constant_stem(&tag)), &mut names),
            classes,
        })
        .collect();
    if !shared.is_empty() {
        visit_elements(roots, &mut |element| {
            for prop in &mut element.props {
                if let (true, PropValue::Str(classes)) = (prop.name == "className", &prop.value)
                    && let Some(constant) = shared.iter().find(|s| &s.classes == classes)
                {
                    prop.value = PropValue::Expr(constant.name.clone());
                }
            }
        });
    }
    shared
}

fn class_list(element: &Element) -> Option<&str> {
    element.props.iter().find_map(|prop| match &prop.value {
        PropValue::Str(classes) if prop.name == "className" => Some(classes.as_str()),
        _ => None,
    })
}

/// Every element, `.map` templates included, parents before children.
fn visit_elements(nodes: &mut [Node], visit: &mut impl FnMut(&mut Element)) {
    for node in nodes {
        match node {
            Node::Element(element) => {
                visit(element);
                visit_elements(&mut element.children, visit);
            }
            Node::Map(map) => {
                visit(&mut map.template);
                visit_elements(&mut map.template.children, visit);
            }
            _ => {}
        }
    }
}

/// What a shared class list's constant is called, from the tag of its first element.
fn class_constant_stem(tag: &str) -> &str {
    match tag {
        "a" => "link",
        "li" => "item",
        "ul" | "ol" => "list",
        "p" => "paragraph",
        "span" => "text",
        "img" => "image",
        "td" | "th" => "cell",
        "tr" => "row",
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => "heading",
        "div" => "box",
        tag if is_identifier(tag) && tag.chars().all(|c| c.is_ascii_lowercase()) => tag,
        _ => "shared",
    }
}

/// Everything one component file holds.
#[derive(Debug)]
pub(crate) struct Component<'a> {
    pub name: &'a str,
    /// Whether the component renders the `children` it is given.
    pub takes_children: bool,
    pub arrays: &'a [DataArray],
    /// Class lists several elements write alike ([`share_class_lists`]).
    pub shared_classes: &'a [SharedClasses],
    pub roots: &'a [Node],
    /// TypeScript adds the types of the props and of the data arrays.
    pub lang: Lang,
    /// Import lines before everything else (`import Image from "next/image";`).
    pub imports: &'a [&'a str],
    /// Declarations after the component (TypeScript's `declare module "react"`).
    pub declarations: &'a str,
}

/// The component file: data arrays, then the default-exported function.
pub(crate) fn print_component(component: &Component<'_>) -> String {
    let mut out = String::new();
    for import in component.imports {
        out.push_str(import);
        out.push('\n');
    }
    if !component.imports.is_empty() {
        out.push('\n');
    }
    let mut type_names: Vec<String> = vec![component.name.to_string()];
    for array in component.arrays {
        match component.lang {
            Lang::TypeScript => {
                let type_name = item_type_name(&array.name, &mut type_names);
                print_item_type(array, &type_name, &mut out);
                print_array(array, Some(&type_name), &mut out);
            }
            Lang::JavaScript => print_array(array, None, &mut out),
        }
        out.push('\n');
    }
    for shared in component.shared_classes {
        let _ = writeln!(
            out,
            "const {} = {};",
            shared.name,
            jsx_string_literal(&shared.classes)
        );
    }
    if !component.shared_classes.is_empty() {
        out.push('\n');
    }
    let parameters = match (component.takes_children, component.lang) {
        (false, _) => "",
        (true, Lang::TypeScript) => "{ children }: { children: React.ReactNode }",
        (true, Lang::JavaScript) => "{ children }",
    };
    let _ = writeln!(
        out,
        "export default function {}({parameters}) {{",
        component.name
    );
    match component.roots {
        [] => out.push_str("  return null;\n"),
        [Node::Element(root)] => {
            out.push_str("  return (\n");
            print_element(root, 2, Position::Expression, &mut out);
            out.push_str("  );\n");
        }
        roots => {
            out.push_str("  return (\n    <>\n");
            for node in roots {
                print_node(node, 3, &mut out);
            }
            out.push_str("    </>\n  );\n");
        }
    }
    out.push_str("}\n");
    out.push_str(component.declarations);
    out
}

/// Where an element is printed: among JSX children, or as an expression (what a component
/// returns, what a `.map` callback returns). A comment is written differently in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    Child,
    Expression,
}

/// The rule the `<img>` elements left (not `next/image`) are exempt from, line by line.
const IMG_RULE: &str = "@next/next/no-img-element";

fn contains_img(element: &Element) -> bool {
    element.tag == "img"
        || element.children.iter().any(|child| match child {
            Node::Element(child) => contains_img(child),
            _ => false,
        })
}

/// `eslint-disable-next-line` for the `<img>` on the next line.
fn disable_img_rule(level: usize, position: Position, out: &mut String) {
    indent(level, out);
    match position {
        Position::Child => {
            let _ = writeln!(out, "{{/* eslint-disable-next-line {IMG_RULE} */}}");
        }
        Position::Expression => {
            let _ = writeln!(out, "// eslint-disable-next-line {IMG_RULE}");
        }
    }
}

/// `FeatureCardItem` for the array `featureCardItems`, `NavItem` for `navItemItems`, unique
/// among `taken` (which it joins).
fn item_type_name(array: &str, taken: &mut Vec<String>) -> String {
    let stem = array.trim_end_matches(|c: char| c.is_ascii_digit());
    let stem = stem.strip_suffix("Items").unwrap_or(stem);
    let mut chars = stem.chars();
    let mut base: String = chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default();
    if !base.ends_with("Item") {
        base.push_str("Item");
    }
    unique_name(base, taken)
}

/// `base`, or `base2`, `base3`... when taken; the name returned is taken from then on.
fn unique_name(base: String, taken: &mut Vec<String>) -> String {
    let mut name = base.clone();
    let mut suffix = 2;
    while taken.contains(&name) {
        name = format!("{base}{suffix}");
        suffix += 1;
    }
    taken.push(name.clone());
    name
}

/// `type FeatureCardItem = { title: string; href: string };`: every field is text.
fn print_item_type(array: &DataArray, type_name: &str, out: &mut String) {
    let fields: Vec<&str> = array
        .items
        .first()
        .map(|item| item.iter().map(|(field, _)| field.as_str()).collect())
        .unwrap_or_default();
    let one_line = format!(
        "type {type_name} = {{ {} }};",
        fields
            .iter()
            .map(|field| format!("{field}: string"))
            .collect::<Vec<_>>()
            .join("; ")
    );
    if one_line.len() <= LINE_WIDTH {
        let _ = writeln!(out, "{one_line}");
        return;
    }
    let _ = writeln!(out, "type {type_name} = {{");
    for field in fields {
        let _ = writeln!(out, "  {field}: string;");
    }
    out.push_str("};\n");
}

/// Items of one field this short share lines (filled up to [`LINE_WIDTH`]), as a list of
/// labels reads.
const SHORT_ITEM: usize = 32;

fn print_array(array: &DataArray, item_type: Option<&str>, out: &mut String) {
    match item_type {
        Some(item_type) => {
            let _ = writeln!(out, "const {}: {item_type}[] = [", array.name);
        }
        None => {
            let _ = writeln!(out, "const {} = [", array.name);
        }
    }
    let short: Option<Vec<String>> = array
        .items
        .iter()
        .map(|item| {
            let fields: Vec<String> = item
                .iter()
                .map(|(field, value)| format!("{field}: {}", jsx_string_literal(value)))
                .collect();
            let item = format!("{{ {} }},", fields.join(", "));
            (fields.len() == 1 && item.len() <= SHORT_ITEM).then_some(item)
        })
        .collect();
    if let Some(items) = short {
        let mut line = String::new();
        for item in items {
            if !line.is_empty() && 2 + line.len() + 1 + item.len() > LINE_WIDTH {
                let _ = writeln!(out, "  {line}");
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&item);
        }
        let _ = writeln!(out, "  {line}");
        out.push_str("];\n");
        return;
    }
    for item in &array.items {
        let fields: Vec<String> = item
            .iter()
            .map(|(field, value)| format!("{field}: {}", jsx_string_literal(value)))
            .collect();
        let one_line = format!("  {{ {} }},", fields.join(", "));
        if one_line.len() <= LINE_WIDTH {
            out.push_str(&one_line);
            out.push('\n');
        } else {
            out.push_str("  {\n");
            for field in fields {
                let _ = writeln!(out, "    {field},");
            }
            out.push_str("  },\n");
        }
    }
    out.push_str("];\n");
}

fn indent(level: usize, out: &mut String) {
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn print_node(node: &Node, level: usize, out: &mut String) {
    match node {
        Node::Element(element) => print_element(element, level, Position::Child, out),
        Node::Map(map) => {
            indent(level, out);
            match &map.source {
                MapSource::Array(array) => {
                    let parameters = if map.key_is_index {
                        "(item, index)"
                    } else {
                        "(item)"
                    };
                    let _ = writeln!(out, "{{{array}.map({parameters} => (");
                }
                MapSource::Count(length) => {
                    let _ = writeln!(out, "{{Array.from({{ length: {length} }}, (_, index) => (");
                }
            }
            print_element(&map.template, level + 1, Position::Expression, out);
            indent(level, out);
            out.push_str("))}\n");
        }
        inline => {
            indent(level, out);
            print_inline(inline, out);
            out.push('\n');
        }
    }
}

/// Text-like nodes, which fit on one line.
fn print_inline(node: &Node, out: &mut String) {
    match node {
        Node::Text(text) => out.push_str(&escape_jsx_text(text)),
        Node::Space => out.push_str("{\" \"}"),
        Node::Literal(text) => {
            out.push('{');
            out.push_str(&jsx_string_literal(text));
            out.push('}');
        }
        Node::Field(field) => {
            let _ = write!(out, "{{item.{field}}}");
        }
        Node::Children => out.push_str("{children}"),
        Node::Element(_) | Node::Map(_) => {}
    }
}

fn is_inline(node: &Node) -> bool {
    matches!(
        node,
        Node::Text(_) | Node::Space | Node::Literal(_) | Node::Field(_)
    )
}

fn prop_source(prop: &Prop) -> String {
    match &prop.value {
        PropValue::True => prop.name.clone(),
        PropValue::Str(value) => format!("{}={}", prop.name, jsx_attribute_value(value)),
        PropValue::Style(entries) => format!("{}={{{}}}", prop.name, style_source(entries)),
        PropValue::Expr(expression) => format!("{}={{{expression}}}", prop.name),
        PropValue::Field(field) => format!("{}={{item.{field}}}", prop.name),
        PropValue::Literal(value) => format!("{}={}", prop.name, jsx_attribute_value(value)),
        PropValue::Spread(entries) => format!("{{...({} as object)}}", style_source(entries)),
    }
}

// Style objects and JS identifiers are written by `replica-css`, the one rule for both styles.
pub(crate) use replica_css::{
    is_js_identifier as is_identifier, style_object_literal as style_source,
};

fn print_element(element: &Element, level: usize, position: Position, out: &mut String) {
    let props: Vec<String> = element.props.iter().map(prop_source).collect();
    let open_one_line = if props.is_empty() {
        format!("<{}", element.tag)
    } else {
        format!("<{} {}", element.tag, props.join(" "))
    };
    let props_fit = level * 2 + open_one_line.len() + 3 <= LINE_WIDTH;
    let write_open = |out: &mut String, close: &str| {
        indent(level, out);
        if props_fit {
            out.push_str(&open_one_line);
            out.push_str(close);
        } else {
            // The bracket ends the last prop's line (Prettier's `bracketSameLine`): a line of
            // its own, alike for every element, lets two siblings' props and brackets form
            // a verbatim repeat of four lines across their boundary.
            let _ = write!(out, "<{}", element.tag);
            for prop in &props {
                out.push('\n');
                indent(level + 1, out);
                out.push_str(prop);
            }
            out.push_str(close);
        }
    };
    if element.children.is_empty() {
        if element.tag == "img" {
            disable_img_rule(level, position, out);
        }
        write_open(out, " />");
        out.push('\n');
        return;
    }
    // Short text content stays on the element's line: `<a href="/">Home</a>`, also with
    // inline elements in it (`Read <b>this</b>`, a highlighted `&lt;/<span>div</span>&gt;`).
    // Blocks made only of elements keep a line per child.
    if props_fit
        && element.children.iter().any(is_inline)
        && let Some(line) = one_line(element)
        && level * 2 + line.len() <= LINE_WIDTH
    {
        if contains_img(element) {
            disable_img_rule(level, position, out);
        }
        indent(level, out);
        out.push_str(&line);
        out.push('\n');
        return;
    }
    write_open(out, ">");
    out.push('\n');
    for child in &element.children {
        print_node(child, level + 1, out);
    }
    indent(level, out);
    let _ = writeln!(out, "</{}>", element.tag);
}

/// `element` printed on one line, when nothing in it needs a line of its own (a `.map`).
fn one_line(element: &Element) -> Option<String> {
    let mut line = format!("<{}", element.tag);
    for prop in &element.props {
        line.push(' ');
        line.push_str(&prop_source(prop));
    }
    if element.children.is_empty() {
        line.push_str(" />");
        return Some(line);
    }
    line.push('>');
    for child in &element.children {
        match child {
            Node::Element(child) => line.push_str(&one_line(child)?),
            Node::Map(_) => return None,
            inline => print_inline(inline, &mut line),
        }
        if line.len() > LINE_WIDTH {
            return None;
        }
    }
    let _ = write!(line, "</{}>", element.tag);
    (!line.contains('\n')).then_some(line)
}

/// Replaces runs of at least [`MIN_RUN`] sibling elements of one shape with a `.map` over a
/// data array, top down (a run's items are not searched again inside).
///
/// Shape means: the same tags, prop names, class names, styles, whitespace and nesting; only
/// text and other string props may differ, and at least one of them must. Those become the
/// array's fields.
///
/// Arrays are named after the items' first class when `name_from_class` (the page's own
/// class names say what the items are), else after their tag.
pub(crate) fn group_repeated(
    roots: &mut [Node],
    arrays: &mut Vec<DataArray>,
    name_from_class: bool,
) {
    let mut names = ArrayNames {
        used: arrays.iter().map(|array| array.name.clone()).collect(),
        from_class: name_from_class,
    };
    for node in roots.iter_mut() {
        if let Node::Element(element) = node {
            group_in(element, arrays, &mut names);
        }
    }
}

struct ArrayNames {
    used: HashSet<String>,
    from_class: bool,
}

fn group_in(element: &mut Element, arrays: &mut Vec<DataArray>, names: &mut ArrayNames) {
    let children = std::mem::take(&mut element.children);
    let mut grouped: Vec<Node> = Vec::with_capacity(children.len());
    let mut index = 0;
    while index < children.len() {
        let run_end = match &children[index] {
            Node::Element(first) => {
                let (skeleton, _) = shape(first);
                let mut end = index + 1;
                while end < children.len() {
                    match &children[end] {
                        Node::Element(next) if shape(next).0 == skeleton => end += 1,
                        _ => break,
                    }
                }
                end
            }
            _ => index + 1,
        };
        let run = &children[index..run_end];
        let identical = run.len() >= 2 && run[1..].iter().all(|node| *node == run[0]);
        // Cells of a row are columns, not items of a list, unless some repeat (a header row
        // with the same labels for two groups), which written out reads as a model looping.
        let cells = matches!(&run[0], Node::Element(first) if matches!(first.tag.as_str(), "td" | "th" | "col"));
        let list = !cells
            || run
                .iter()
                .enumerate()
                .any(|(i, node)| run[i + 1..].contains(node));
        if (run.len() >= MIN_RUN && list) || identical {
            let run: Vec<&Element> = children[index..run_end]
                .iter()
                .filter_map(|node| match node {
                    Node::Element(element) => Some(element),
                    _ => None,
                })
                .collect();
            if let Some(map) = make_map(&run, arrays, names) {
                grouped.push(Node::Map(Box::new(map)));
                index = run_end;
                continue;
            }
        }
        grouped.push(children[index].clone());
        index += 1;
    }
    let mut grouped = fold_repeated_sequences(grouped);
    for child in &mut grouped {
        if let Node::Element(child) = child {
            group_in(child, arrays, names);
        }
    }
    element.children = grouped;
}

/// The longest run of sibling nodes looked for as a repeated sequence.
const MAX_SEQUENCE: usize = 8;

/// A sequence of several siblings repeated verbatim right after itself (cards alternating
/// two styles, a code sample's repeated line of text and tags) becomes one keyed `Fragment`
/// template repeated, when its copies written out would make the validator's duplicate block,
/// as identical elements are mapped ([`make_map`]).
fn fold_repeated_sequences(nodes: Vec<Node>) -> Vec<Node> {
    let mut out = Vec::with_capacity(nodes.len());
    let mut index = 0;
    'scan: while index < nodes.len() {
        for period in 2..=MAX_SEQUENCE.min((nodes.len() - index) / 2) {
            let block = &nodes[index..index + period];
            let foldable = block.iter().any(|node| matches!(node, Node::Element(_)))
                && !block
                    .iter()
                    .any(|node| matches!(node, Node::Map(_) | Node::Children | Node::Field(_)));
            if !foldable {
                continue;
            }
            let mut copies = 1;
            while nodes
                .get(index + copies * period..index + (copies + 1) * period)
                .is_some_and(|next| next == block)
            {
                copies += 1;
            }
            if copies < 2 {
                continue;
            }
            let template = Element {
                tag: FRAGMENT.to_string(),
                props: vec![Prop {
                    name: "key".to_string(),
                    value: PropValue::Expr("index".to_string()),
                }],
                children: block.to_vec(),
            };
            let mut printed = String::new();
            print_element(&template, 0, Position::Child, &mut printed);
            // The Fragment's own tags are not part of the repeated text.
            let lines = printed.lines().count().saturating_sub(2);
            if lines * (copies / 2) < REPEATED_BLOCK_LINES {
                continue;
            }
            out.push(Node::Map(Box::new(MapBlock {
                source: MapSource::Count(copies),
                key_is_index: true,
                template,
            })));
            index += copies * period;
            continue 'scan;
        }
        out.push(nodes[index].clone());
        index += 1;
    }
    out
}

/// React's `Fragment`, which a template of several nodes needs for its key.
const FRAGMENT: &str = "Fragment";

/// Whether a template of [`fold_repeated_sequences`] is in `nodes`: the file imports
/// `Fragment` from react.
pub(crate) fn uses_fragment(nodes: &[Node]) -> bool {
    nodes.iter().any(|node| match node {
        Node::Element(element) => uses_fragment(&element.children),
        Node::Map(map) => map.template.tag == FRAGMENT || uses_fragment(&map.template.children),
        _ => false,
    })
}

/// What may vary between items of one shape.
#[derive(Debug, Clone, PartialEq)]
enum Variable {
    Text(String),
    /// (prop name, value)
    Prop(String, String),
}

/// The invariant part of an element as a string, and its variable parts in document order.
fn shape(element: &Element) -> (String, Vec<Variable>) {
    let mut skeleton = String::new();
    let mut variables = Vec::new();
    shape_into(element, &mut skeleton, &mut variables);
    (skeleton, variables)
}

fn shape_into(element: &Element, skeleton: &mut String, variables: &mut Vec<Variable>) {
    let _ = write!(skeleton, "<{}", element.tag);
    for prop in &element.props {
        match &prop.value {
            PropValue::Str(value) if !matches!(prop.name.as_str(), "className" | "class") => {
                let _ = write!(skeleton, " {}=?", prop.name);
                variables.push(Variable::Prop(prop.name.clone(), value.clone()));
            }
            _ => {
                let _ = write!(skeleton, " {}", prop_source(prop));
            }
        }
    }
    skeleton.push('>');
    for child in &element.children {
        match child {
            Node::Element(child) => shape_into(child, skeleton, variables),
            Node::Text(text) => {
                skeleton.push_str("#text");
                variables.push(Variable::Text(text.clone()));
            }
            // A nested map never occurs: runs are grouped top down.
            other => {
                let mut inline = String::new();
                print_inline(other, &mut inline);
                skeleton.push_str(&inline);
            }
        }
    }
    skeleton.push_str("</>");
}

fn make_map(
    run: &[&Element],
    arrays: &mut Vec<DataArray>,
    names: &mut ArrayNames,
) -> Option<MapBlock> {
    let shapes: Vec<Vec<Variable>> = run.iter().map(|element| shape(element).1).collect();
    let count = shapes[0].len();
    // Positions whose value differs between items become fields.
    let varying: Vec<usize> = (0..count)
        .filter(|&position| shapes.iter().any(|s| s[position] != shapes[0][position]))
        .collect();
    if varying.is_empty() {
        // Identical copies written out read as a model looping (the validator's
        // duplicate_block) once half of them make a block of its length: they become one
        // template repeated. Fewer, shorter ones (`<li>same</li>` three times) read better as
        // they are.
        let mut printed = String::new();
        print_element(run[0], 0, Position::Child, &mut printed);
        if printed.lines().count() * (run.len() / 2) < REPEATED_BLOCK_LINES {
            return None;
        }
        let mut template = run[0].clone();
        template.props.insert(
            0,
            Prop {
                name: "key".to_string(),
                value: PropValue::Expr("index".to_string()),
            },
        );
        return Some(MapBlock {
            source: MapSource::Count(run.len()),
            key_is_index: true,
            template,
        });
    }
    let mut field_names: Vec<String> = Vec::new();
    let mut used: HashSet<String> = HashSet::new();
    for &position in &varying {
        let base = match &shapes[0][position] {
            Variable::Text(_) => "text".to_string(),
            Variable::Prop(name, _) => field_name(name),
        };
        let mut name = base.clone();
        let mut suffix = 2;
        while !used.insert(name.clone()) {
            name = format!("{base}{suffix}");
            suffix += 1;
        }
        field_names.push(name);
    }
    let items: Vec<Vec<(String, String)>> = shapes
        .iter()
        .map(|variables| {
            varying
                .iter()
                .zip(&field_names)
                .map(|(&position, field)| {
                    let value = match &variables[position] {
                        Variable::Text(text) => text.clone(),
                        Variable::Prop(_, value) => value.clone(),
                    };
                    (field.clone(), value)
                })
                .collect()
        })
        .collect();
    let key_field = (0..field_names.len()).find(|&field| {
        let mut seen = HashSet::new();
        items.iter().all(|item| seen.insert(item[field].1.as_str()))
    });
    let mut template = run[0].clone();
    let mut position = 0;
    let fields: Vec<Option<&str>> = (0..count)
        .map(|p| {
            varying
                .iter()
                .position(|&v| v == p)
                .map(|i| field_names[i].as_str())
        })
        .collect();
    substitute(&mut template, &fields, &mut position);
    let key = match key_field {
        Some(field) => format!("item.{}", field_names[field]),
        None => "index".to_string(),
    };
    template.props.insert(
        0,
        Prop {
            name: "key".to_string(),
            value: PropValue::Expr(key),
        },
    );
    let array = array_name(run[0], names);
    arrays.push(DataArray {
        name: array.clone(),
        items,
    });
    Some(MapBlock {
        source: MapSource::Array(array),
        key_is_index: key_field.is_none(),
        template,
    })
}

/// Replaces the variable parts of `element`, walked in [`shape`]'s order, with fields.
fn substitute(element: &mut Element, fields: &[Option<&str>], position: &mut usize) {
    for prop in &mut element.props {
        if matches!(&prop.value, PropValue::Str(_))
            && !matches!(prop.name.as_str(), "className" | "class")
        {
            if let Some(field) = fields[*position] {
                prop.value = PropValue::Field(field.to_string());
            }
            *position += 1;
        }
    }
    for child in &mut element.children {
        match child {
            Node::Element(child) => substitute(child, fields, position),
            Node::Text(_) => {
                if let Some(field) = fields[*position] {
                    *child = Node::Field(field.to_string());
                }
                *position += 1;
            }
            _ => {}
        }
    }
}

/// A JavaScript identifier for a prop's field: `aria-label` -> `ariaLabel`.
fn field_name(prop: &str) -> String {
    let mut name = String::new();
    let mut upper = false;
    for c in prop.chars() {
        if c.is_ascii_alphanumeric() {
            if upper && !name.is_empty() {
                name.push(c.to_ascii_uppercase());
            } else {
                name.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if !is_identifier(&name) {
        return "value".to_string();
    }
    name
}

/// `featureCardItems` from the first class name, else the tag (`liItems`), unique in the file.
fn array_name(element: &Element, names: &mut ArrayNames) -> String {
    let class = element
        .props
        .iter()
        .filter(|_| names.from_class)
        .find_map(|prop| match &prop.value {
            PropValue::Str(value) if matches!(prop.name.as_str(), "className" | "class") => {
                value.split_ascii_whitespace().next()
            }
            _ => None,
        });
    let mut base = class.map(field_name).unwrap_or_default();
    if base.is_empty() || base == "value" || base.len() > 30 {
        base = field_name(&element.tag);
    }
    if let Some(first) = base.get(..1) {
        base = first.to_ascii_lowercase() + &base[1..];
    }
    let base = format!("{base}Items");
    let mut name = base.clone();
    let mut suffix = 2;
    while !names.used.insert(name.clone()) {
        name = format!("{base}{suffix}");
        suffix += 1;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(tag: &str, props: Vec<Prop>, children: Vec<Node>) -> Element {
        Element {
            tag: tag.into(),
            props,
            children,
        }
    }

    fn str_prop(name: &str, value: &str) -> Prop {
        Prop {
            name: name.into(),
            value: PropValue::Str(value.into()),
        }
    }

    #[test]
    fn field_names_are_identifiers() {
        assert_eq!(field_name("aria-label"), "ariaLabel");
        assert_eq!(field_name("href"), "href");
        assert_eq!(field_name("feature-card"), "featureCard");
        assert_eq!(field_name("1col"), "value");
    }

    #[test]
    fn runs_differing_only_in_text_become_a_map() {
        let item = |href: &str, text: &str| {
            Node::Element(element(
                "li",
                vec![str_prop("className", "nav-item")],
                vec![Node::Element(element(
                    "a",
                    vec![str_prop("href", href)],
                    vec![Node::Text(text.into())],
                ))],
            ))
        };
        let mut roots = vec![Node::Element(element(
            "ul",
            vec![],
            vec![item("/a", "A"), item("/b", "B"), item("/c", "C")],
        ))];
        let mut arrays = Vec::new();
        group_repeated(&mut roots, &mut arrays, true);
        let source = print_component(&Component {
            shared_classes: &[],
            name: "Nav",
            takes_children: false,
            arrays: &arrays,
            roots: &roots,
            lang: Lang::JavaScript,
            imports: &[],
            declarations: "",
        });
        assert_eq!(
            source,
            r#"const navItemItems = [
  { href: "/a", text: "A" },
  { href: "/b", text: "B" },
  { href: "/c", text: "C" },
];

export default function Nav() {
  return (
    <ul>
      {navItemItems.map((item) => (
        <li key={item.href} className="nav-item">
          <a href={item.href}>{item.text}</a>
        </li>
      ))}
    </ul>
  );
}
"#
        );
    }

    #[test]
    fn identical_blocks_repeat_one_template() {
        let card = || {
            let paragraph =
                |text: &str| Node::Element(element("p", vec![], vec![Node::Text(text.into())]));
            Node::Element(element(
                "div",
                vec![],
                vec![paragraph("a"), paragraph("b"), paragraph("c")],
            ))
        };
        let mut roots = vec![Node::Element(element(
            "section",
            vec![],
            vec![card(), card()],
        ))];
        let mut arrays = Vec::new();
        group_repeated(&mut roots, &mut arrays, true);
        assert!(arrays.is_empty());
        let source = print_component(&Component {
            shared_classes: &[],
            name: "Cards",
            takes_children: false,
            arrays: &arrays,
            roots: &roots,
            lang: Lang::JavaScript,
            imports: &[],
            declarations: "",
        });
        assert_eq!(
            source,
            r#"export default function Cards() {
  return (
    <section>
      {Array.from({ length: 2 }, (_, index) => (
        <div key={index}>
          <p>a</p>
          <p>b</p>
          <p>c</p>
        </div>
      ))}
    </section>
  );
}
"#
        );
    }

    #[test]
    fn cells_stay_columns_unless_some_repeat() {
        let cell = |text: &str| Node::Element(element("th", vec![], vec![Node::Text(text.into())]));
        let row = |labels: &[&str]| {
            let mut roots = vec![Node::Element(element(
                "tr",
                vec![],
                labels.iter().map(|label| cell(label)).collect(),
            ))];
            let mut arrays = Vec::new();
            group_repeated(&mut roots, &mut arrays, true);
            arrays
        };
        assert!(row(&["Name", "Price", "Stock"]).is_empty());
        let arrays = row(&["Single", "Basic", "Expert", "Basic", "Expert"]);
        assert_eq!(arrays.len(), 1);
        assert_eq!(arrays[0].items.len(), 5);
    }

    #[test]
    fn short_identical_copies_are_mapped_once_half_of_them_make_a_duplicate_block() {
        // `<td>\n<div className="dot" />\n</td>`: three lines; four copies written out hold
        // a 6-line block twice (the validator's duplicate_block), three copies do not.
        let cell = || {
            let dot = element("div", vec![str_prop("className", "dot")], vec![]);
            Node::Element(element("td", vec![], vec![Node::Element(dot)]))
        };
        let mapped = |copies: usize| {
            let mut roots = vec![Node::Element(element(
                "tr",
                vec![],
                (0..copies).map(|_| cell()).collect(),
            ))];
            group_repeated(&mut roots, &mut Vec::new(), true);
            let Node::Element(row) = &roots[0] else {
                unreachable!()
            };
            matches!(row.children.as_slice(), [Node::Map(_)])
        };
        assert!(!mapped(3));
        assert!(mapped(4));
        let item = || Node::Element(element("li", vec![], vec![Node::Text("same".into())]));
        let mut roots = vec![Node::Element(element("ul", vec![], vec![item(); 8]))];
        group_repeated(&mut roots, &mut Vec::new(), true);
        let Node::Element(list) = &roots[0] else {
            unreachable!()
        };
        assert!(matches!(list.children.as_slice(), [Node::Map(_)]));
    }

    #[test]
    fn a_sequence_repeated_verbatim_becomes_one_fragment_template() {
        let column = |class: &str| {
            let block = element("div", vec![str_prop("className", class)], vec![]);
            Node::Element(element(
                "div",
                vec![str_prop("className", "column")],
                vec![Node::Element(block)],
            ))
        };
        let pair = [column("bg-primary"), column("bg-secondary")];
        let mut children: Vec<Node> = pair.iter().cycle().take(6).cloned().collect();
        children.push(column("bg-dark"));
        let mut roots = vec![Node::Element(element("div", vec![], children))];
        group_repeated(&mut roots, &mut Vec::new(), true);
        assert!(uses_fragment(&roots));
        let source = print_component(&Component {
            shared_classes: &[],
            name: "Grid",
            takes_children: false,
            arrays: &[],
            roots: &roots,
            lang: Lang::JavaScript,
            imports: &[],
            declarations: "",
        });
        assert!(
            source.contains(
                "      {Array.from({ length: 3 }, (_, index) => (\n        <Fragment key={index}>\n          <div className=\"column\">\n            <div className=\"bg-primary\" />"
            ),
            "{source}"
        );
        assert!(
            source.contains("bg-dark"),
            "the odd one out stays: {source}"
        );

        // Two copies of a short pair stay written out.
        let mut roots = vec![Node::Element(element(
            "p",
            vec![],
            vec![
                Node::Element(element("b", vec![], vec![Node::Text("a".into())])),
                Node::Text("x".into()),
                Node::Element(element("b", vec![], vec![Node::Text("a".into())])),
                Node::Text("x".into()),
            ],
        ))];
        group_repeated(&mut roots, &mut Vec::new(), true);
        assert!(!uses_fragment(&roots));
    }

    #[test]
    fn identical_or_short_runs_stay_inline() {
        let item = |text: &str| Node::Element(element("li", vec![], vec![Node::Text(text.into())]));
        for children in [
            vec![item("same"), item("same"), item("same")],
            vec![item("a"), item("b")],
        ] {
            let mut roots = vec![Node::Element(element("ul", vec![], children.clone()))];
            let mut arrays = Vec::new();
            group_repeated(&mut roots, &mut arrays, true);
            assert!(arrays.is_empty());
            assert_eq!(roots, vec![Node::Element(element("ul", vec![], children))]);
        }
    }
}
