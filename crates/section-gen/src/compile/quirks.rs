//! Quirks mode written out for a standards-mode page (Next.js always serves standards mode):
//! tables that do not inherit font properties, forms with a bottom margin, text fields
//! sized by their border box, and the line height quirk, where a line without text of its
//! block's own gets no strut from that block.

use replica_core::{DomElement, DomNode};

use super::{Context, display_of, is_blocklike, is_html_space, merge_style};
use crate::jsx::{Element, Node, Prop, PropValue};

/// Quirks mode's table and line height quirks for one element.
/// `quirks`: quirks mode; without, limited quirks mode, which has the line height quirk only.
pub(super) fn quirks_mode_style(
    element: &DomElement,
    context: &Context<'_>,
    mobile: Option<&DomElement>,
    quirks: bool,
    ignored_margins: &[Edge],
    props: &mut Vec<Prop>,
) {
    if quirks {
        ua_sheet_style(element, mobile, ignored_margins, props);
    }
    line_height_style(element, context, mobile, props);
}

/// What quirks mode's UA sheet did differently.
fn ua_sheet_style(
    element: &DomElement,
    mobile: Option<&DomElement>,
    ignored_margins: &[Edge],
    props: &mut Vec<Prop>,
) {
    // The scrape records what differs from the defaults of its own compat mode, so a value
    // quirks mode's UA sheet gives is missing from the capture and written out here.
    let default_kept = |property: &str| {
        element.style(property).is_none() && mobile.is_none_or(|m| m.style(property).is_none())
    };
    match element.tag.as_str() {
        "form" if default_kept("margin-bottom") => {
            merge_style(props, vec![("marginBottom".to_string(), "1em".to_string())]);
        }
        "input" | "textarea"
            if element.attr("type").is_none_or(is_text_field) && default_kept("box-sizing") =>
        {
            merge_style(
                props,
                vec![("boxSizing".to_string(), "border-box".to_string())],
            );
        }
        _ => {}
    }
    for (edge, property, key) in [
        (Edge::Start, "margin-top", "marginTop"),
        (Edge::End, "margin-bottom", "marginBottom"),
    ] {
        if ignored_margins.contains(&edge) && default_kept(property) {
            merge_style(props, vec![(key.to_string(), "0".to_string())]);
        }
    }
    if element.tag == "table" {
        quirks_table_style(element, props);
    }
}

/// The line height quirk (quirks and limited quirks mode).
fn line_height_style(
    element: &DomElement,
    context: &Context<'_>,
    mobile: Option<&DomElement>,
    props: &mut Vec<Prop>,
) {
    if element.tag != "table"
        && (holds_only_images(element) || drops_strut(element, mobile, context.svg))
    {
        // Quirks mode's line height quirk: a line without text of its own has no
        // strut, so a cell holding a 4 px spacer GIF is 4 px tall and one holding only
        // `<font size=1>` text is as tall as that text. Standards mode gives every
        // line the block's font height; with a line height of 0 that strut has none
        // (children get their `normal` back, see `Context::strut_dropped`).
        merge_style(props, vec![("lineHeight".to_string(), "0".to_string())]);
    }
    if context.strut_dropped && has_own_text(element) && !sets_line_height(element, mobile) {
        merge_style(
            props,
            vec![("lineHeight".to_string(), "normal".to_string())],
        );
    }
}

/// Quirks mode's UA sheet resets these on tables (Chromium's quirks.css), so they did not
/// inherit; written inline (the captured value, else the reset one) they do not in the
/// clone either. The element's own inline declarations still win.
fn quirks_table_style(table: &DomElement, props: &mut Vec<Prop>) {
    const RESET: &[(&str, &str, &str)] = &[
        ("font-size", "fontSize", "medium"),
        ("font-weight", "fontWeight", "normal"),
        ("font-style", "fontStyle", "normal"),
        ("font-variant", "fontVariant", "normal"),
        ("line-height", "lineHeight", "normal"),
        ("white-space", "whiteSpace", "normal"),
        ("text-align", "textAlign", "start"),
    ];
    let entries: Vec<(String, String)> = RESET
        .iter()
        .map(|(property, key, initial)| {
            let value = table.style(property).unwrap_or(initial);
            ((*key).to_string(), value.to_string())
        })
        .collect();
    merge_style(props, entries);
}

/// Whether the element's content is images alone (and whitespace between them).
fn holds_only_images(element: &DomElement) -> bool {
    let mut images = 0;
    for child in &element.children {
        match child {
            DomNode::Text(text) if text.trim().is_empty() => {}
            DomNode::Element(child) if child.tag == "img" => images += 1,
            _ => return false,
        }
    }
    images > 0
}

/// Whether quirks mode drops this block's strut, the line height its own font gives every
/// line, on some line: its lines hold inline content (text inside inline children, images,
/// inline blocks) but no text of its own (a space of its own that HTML renders counts; a
/// list item's marker does too) or, where it wraps, only a separator or two; and its line
/// height is `normal` (with a set one, the children inherit it either way).
pub(super) fn drops_strut(element: &DomElement, mobile: Option<&DomElement>, svg: bool) -> bool {
    let display = display_of(element, svg);
    if svg
        || matches!(display, "inline" | "list-item" | "none" | "contents")
        || display.starts_with("table") && display != "table-cell"
        || sets_line_height(element, mobile)
    {
        return false;
    }
    let lines = Lines::of(element);
    lines.inline_content
        && (!lines.own_text || few_own_characters(element) && spans_lines(element, mobile))
}

/// Whether the element's own text is a separator or two (`&nbsp;`, `|`) among inline
/// children. Quirks mode gives a strut only to the lines holding it, so where the block
/// wraps, the clone drops its strut and gives that text its line height back (see
/// [`with_line_height`]); longer text is on nearly every line.
fn few_own_characters(element: &DomElement) -> bool {
    let own = element.children.iter().filter_map(|child| match child {
        DomNode::Text(text) => Some(text.chars().filter(|c| !is_html_space(*c)).count()),
        DomNode::Element(_) => None,
    });
    own.sum::<usize>() <= 3
}

/// Whether the box is taller than one line of its font at either device.
fn spans_lines(element: &DomElement, mobile: Option<&DomElement>) -> bool {
    let taller = |element: &DomElement| {
        let font_size = element
            .style("font-size")
            .and_then(|value| value.strip_suffix("px")?.parse::<f64>().ok())
            .unwrap_or(16.0);
        element.rect.height > 1.6 * font_size
    };
    taller(element) || mobile.is_some_and(taller)
}

/// Whether the element has text of its own on some line: a character, or a space HTML
/// renders (between two pieces of content on one line; `a</b> <b>b` renders its space,
/// `a </b> <b>b` renders the first one only).
pub(super) fn has_own_text(element: &DomElement) -> bool {
    Lines::of(element).own_text
}

/// Whether the element computes a line height other than `normal`, on either device.
pub(super) fn sets_line_height(element: &DomElement, mobile: Option<&DomElement>) -> bool {
    let set = |element: &DomElement| {
        element
            .style("line-height")
            .is_some_and(|value| value != "normal")
    };
    set(element) || mobile.is_some_and(set)
}

/// The children of an element whose clone got `line-height: 0` that are `<br>`s alone on
/// their line. Quirks mode gives such a line the `<br>`'s own line height (a blank line
/// between paragraphs of `<font>` text keeps its height); standards mode ignores a `<br>`'s
/// style, so the clone wraps it in a span that has the line height back (see
/// [`with_line_height`]). A break at the start of an inline element is left alone: what precedes
/// it on the line is outside the element.
pub(super) fn lone_breaks(element: &DomElement, svg: bool) -> Vec<usize> {
    let mut lines = Lines {
        line_has_content: display_of(element, svg).starts_with("inline"),
        ..Lines::default()
    };
    let mut lone = Vec::new();
    for (index, child) in element.children.iter().enumerate() {
        match child {
            DomNode::Text(text) => lines.text(text, true),
            DomNode::Element(child) => {
                if child.tag == "br" && !lines.line_has_content && !hidden(child) {
                    lone.push(index);
                }
                lines.element(child);
            }
        }
    }
    lone
}

/// The node (a lone `<br>`, text of a block whose strut was dropped) in a span that
/// restores the line height quirks mode gave its line.
pub(super) fn with_line_height(node: Node) -> Node {
    Node::Element(Element {
        tag: "span".to_string(),
        props: vec![Prop {
            name: "style".to_string(),
            value: PropValue::Style(vec![("lineHeight".to_string(), "normal".to_string())]),
        }],
        children: vec![node],
    })
}

/// A walk over a block's inline content in order, collapsing spaces as HTML does, that
/// tells whether any line gets text of the block's own.
#[derive(Default)]
struct Lines {
    /// Since the last line break, content a space would be rendered after.
    after_content: bool,
    /// Since the last line break, anything that gives the line a height.
    line_has_content: bool,
    /// A space of the block's own after content, rendered if content follows on its line.
    own_space_pending: bool,
    own_text: bool,
    inline_content: bool,
}

impl Lines {
    fn of(element: &DomElement) -> Lines {
        let mut lines = Lines::default();
        for child in &element.children {
            match child {
                DomNode::Text(text) => lines.text(text, true),
                DomNode::Element(child) => lines.element(child),
            }
        }
        lines
    }

    fn text(&mut self, text: &str, own: bool) {
        for c in text.chars() {
            if !is_html_space(c) {
                if own {
                    self.own_text = true;
                } else {
                    self.inline_content = true;
                }
                self.content();
            } else if self.after_content {
                // The first space after content; the ones after it collapse into it.
                self.after_content = false;
                self.own_space_pending |= own;
            }
        }
    }

    fn content(&mut self) {
        self.own_text |= self.own_space_pending;
        self.own_space_pending = false;
        self.after_content = true;
        self.line_has_content = true;
    }

    fn line_break(&mut self) {
        self.after_content = false;
        self.own_space_pending = false;
        self.line_has_content = false;
    }

    fn element(&mut self, element: &DomElement) {
        if hidden(element) || out_of_flow(element) {
            return;
        }
        let display = display_of(element, false);
        if element.tag == "br" || is_blocklike(display) {
            self.line_break();
        } else if display != "inline" || REPLACED.contains(&element.tag.as_str()) {
            self.inline_content = true;
            self.content();
        } else {
            for child in &element.children {
                match child {
                    DomNode::Text(text) => self.text(text, false),
                    DomNode::Element(child) => self.element(child),
                }
            }
        }
    }
}

/// Inline elements that are one box on the line, whatever they hold.
const REPLACED: &[&str] = &[
    "img", "svg", "video", "canvas", "iframe", "input", "button", "select", "textarea", "embed",
    "object", "audio", "progress", "meter",
];

fn hidden(element: &DomElement) -> bool {
    display_of(element, false) == "none"
}

/// Floats and absolutely placed boxes are not on the line.
fn out_of_flow(element: &DomElement) -> bool {
    element.style("float").is_some_and(|value| value != "none")
        || element
            .style("position")
            .is_some_and(|value| matches!(value, "absolute" | "fixed"))
}

/// Tags whose default block-start margin quirks mode ignores at the start of a table cell
/// (Chromium's html.css writes them in `__qem`); measured in Chromium.
const QUIRKY_START: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "dl",
    "blockquote",
    "pre",
    "menu",
    "dir",
    "listing",
    "xmp",
];
/// The same for the block-end margin at the end of a cell.
const QUIRKY_END: &[&str] = &["p", "pre", "listing", "xmp"];

/// Which end of a box a margin is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Edge {
    Start,
    End,
}

/// The elements inside a table cell whose default margins quirks mode ignores: those at
/// the cell's start (or end) through boxes whose margins collapse with it, as in
/// `<td><div><p>`. A page with `<p style="margin: 1em 0">` there looks the same in the
/// capture and loses its margin too; the scrape records only what differs from defaults.
pub(super) fn ignored_margins(cell: &DomElement) -> Vec<(u32, Edge)> {
    let mut ignored = Vec::new();
    for edge in [Edge::Start, Edge::End] {
        let quirky = if edge == Edge::Start {
            QUIRKY_START
        } else {
            QUIRKY_END
        };
        let mut parent = cell;
        while let Some(child) = edge_child(parent, edge) {
            if quirky.contains(&child.tag.as_str()) {
                ignored.push((child.id, edge));
            }
            if !margins_collapse_through(child, edge) {
                break;
            }
            parent = child;
        }
    }
    ignored
}

/// The block at the parent's start (or end) with no content before (after) it.
fn edge_child(parent: &DomElement, edge: Edge) -> Option<&DomElement> {
    let mut children: Box<dyn Iterator<Item = &DomNode>> = match edge {
        Edge::Start => Box::new(parent.children.iter()),
        Edge::End => Box::new(parent.children.iter().rev()),
    };
    children.find_map(|child| match child {
        DomNode::Text(text) if text.chars().all(is_html_space) => None,
        DomNode::Text(_) => Some(None),
        DomNode::Element(child) if hidden(child) || out_of_flow(child) => None,
        DomNode::Element(child) if is_blocklike(display_of(child, false)) => Some(Some(child)),
        DomNode::Element(child) => {
            let mut lines = Lines::default();
            lines.element(child);
            lines.inline_content.then_some(None)
        }
    })?
}

/// Whether the element's margin on that edge collapses with its child's: a block in normal
/// flow without border or padding there.
fn margins_collapse_through(element: &DomElement, edge: Edge) -> bool {
    let side = if edge == Edge::Start { "top" } else { "bottom" };
    let zero = |property: String| {
        element
            .style(&property)
            .is_none_or(|value| value.trim_end_matches("px").parse::<f64>() == Ok(0.0))
    };
    matches!(display_of(element, false), "block" | "list-item")
        && element
            .style("overflow-y")
            .is_none_or(|value| value == "visible")
        && zero(format!("border-{side}-width"))
        && zero(format!("padding-{side}"))
}

/// Input types drawn as a text field (the others are sized by their border box in both modes).
fn is_text_field(kind: &str) -> bool {
    ![
        "image", "submit", "reset", "button", "checkbox", "radio", "hidden", "file", "range",
        "color",
    ]
    .iter()
    .any(|other| kind.eq_ignore_ascii_case(other))
}
