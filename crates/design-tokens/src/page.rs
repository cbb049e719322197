//! One device's DOM flattened in document order, with what every role decision needs to know
//! about an element's surroundings (visible? inside a heading, link, button, nav? what colour is
//! painted behind it?) and its computed values with the user-agent defaults filled back in.

use std::collections::{HashMap, HashSet};

use replica_core::{
    DefaultsIndex, DeviceCapture, DomElement, DomNode, Rect, SectionKind, TagDefaults,
};

use replica_css::{self as color, Rgba};

/// CSS initial values, for data recorded before the scrape kept its browser defaults.
pub(crate) mod initial {
    pub const COLOR: &str = "rgb(0, 0, 0)";
    /// The canvas behind a page that paints no background.
    pub const CANVAS: &str = "rgb(255, 255, 255)";
    pub const NORMAL: &str = "normal";
    pub const FONT_SIZE: &str = "16px";
    pub const FONT_WEIGHT: &str = "400";
}

#[derive(Debug)]
pub(crate) struct Node<'a> {
    pub el: &'a DomElement,
    /// What the element's tag computes to unstyled, found once for all the values read below.
    pub defaults: TagDefaults<'a>,
    /// Its own `background-color` when it paints one (read by nearly every token).
    background: Option<(Rgba, &'a str)>,
    pub parent: Option<usize>,
    /// Rendered: not inside `display: none`, `visibility: hidden`, `opacity: 0`, a clipped-away
    /// screen-reader-only box, or off the page's left edge.
    pub visible: bool,
    /// The opaque colour behind this element's text: its own background composited over what is
    /// behind its parent (gradients count as the average of their stops).
    pub behind: Rgba,
    /// Level of the nearest `h1`-`h6` (or `role=heading`) ancestor-or-self.
    pub heading: Option<u8>,
    /// Nearest `<a>` ancestor-or-self (with or without `href`: saved copies of pages often lose
    /// them, and the page still styles them as links).
    pub link: Option<usize>,
    /// Nearest element the scrape listed as a button, ancestor-or-self.
    pub button: Option<usize>,
    /// Inside `<nav>`, `role=navigation` or a section detected as the navbar.
    pub nav: bool,
    /// Inside `<nav>` or `role=navigation` itself.
    pub nav_element: bool,
    pub label: bool,
    pub mono: bool,
    /// Index into the device's detected sections.
    pub section: Option<usize>,
    /// Non-whitespace characters of this element's own text nodes.
    pub chars: usize,
    /// One past the last node of this element's subtree.
    pub end: usize,
}

#[derive(Debug)]
pub(crate) struct Page<'a> {
    pub capture: &'a DeviceCapture,
    /// The capture's browser defaults, indexed.
    defaults: &'a DefaultsIndex<'a>,
    pub nodes: Vec<Node<'a>>,
    /// The colour of the canvas (the `<html>` background, else `<body>`'s, else white).
    pub canvas: Rgba,
    /// The node whose background became the canvas, which therefore paints no box of its own.
    pub canvas_node: Option<usize>,
    pub body: Option<usize>,
    pub width: f64,
    pub height: f64,
    pub viewport_width: f64,
    pub viewport_height: f64,
}

impl<'a> Page<'a> {
    /// `defaults` is `capture.browser_defaults.index()`, built by the caller so the nodes can
    /// borrow from it.
    pub fn new(capture: &'a DeviceCapture, defaults: &'a DefaultsIndex<'a>) -> Page<'a> {
        let buttons: HashSet<u32> = capture.buttons.iter().map(|b| b.node).collect();
        let sections: HashMap<u32, (usize, SectionKind)> = capture
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| (s.node, (i, s.kind)))
            .collect();
        let html = &capture.dom;
        let body_el = html.child_elements().find(|e| e.tag == "body");
        let html_bg = own_background(html, defaults.tag(&html.tag));
        let body_bg = body_el.and_then(|body| own_background(body, defaults.tag(&body.tag)));
        // The canvas shows the root's background, else body's (CSS propagation), else white;
        // a translucent one is seen over white.
        let (canvas, canvas_source) = match (html_bg, body_bg) {
            (Some((c, _)), _) => (
                if c.is_opaque() {
                    c
                } else {
                    c.over(Rgba::WHITE)
                },
                Some(html.id),
            ),
            (None, Some((c, _))) => (
                if c.is_opaque() {
                    c
                } else {
                    c.over(Rgba::WHITE)
                },
                body_el.map(|b| b.id),
            ),
            (None, None) => (Rgba::WHITE, None),
        };
        let mut page = Page {
            capture,
            defaults,
            nodes: Vec::with_capacity(capture.node_count as usize),
            canvas,
            canvas_node: None,
            body: None,
            width: capture.document.width.max(capture.viewport.width as f64),
            height: capture.document.height,
            viewport_width: f64::from(capture.viewport.width),
            viewport_height: f64::from(capture.viewport.height),
        };
        let context = Context {
            visible: true,
            behind: canvas,
            heading: None,
            link: None,
            button: None,
            nav: false,
            nav_element: false,
            label: false,
            mono: false,
            section: None,
        };
        page.push(html, None, context, &buttons, &sections, canvas_source);
        page
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        el: &'a DomElement,
        parent: Option<usize>,
        inherited: Context,
        buttons: &HashSet<u32>,
        sections: &HashMap<u32, (usize, SectionKind)>,
        canvas_source: Option<u32>,
    ) {
        let index = self.nodes.len();
        if el.tag == "body" && self.body.is_none() {
            self.body = Some(index);
        }
        if canvas_source == Some(el.id) {
            self.canvas_node = Some(index);
        }
        let mut ctx = inherited;
        let style = |p: &str| el.style(p);
        if style("display") == Some("none")
            || matches!(style("visibility"), Some("hidden" | "collapse"))
            || style("opacity").is_some_and(|o| o.parse::<f64>().is_ok_and(|o| o <= 0.01))
            || style("clip-path").is_some_and(|c| c.starts_with("inset(50%"))
            || el.rect.right() <= 0.0
        {
            ctx.visible = false;
        }
        let defaults = self.defaults.tag(&el.tag);
        let background = own_background(el, defaults);
        if canvas_source != Some(el.id) {
            ctx.behind = paint_over(el, background, ctx.behind);
        }
        match el.tag.as_str() {
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => ctx.heading = el.tag[1..].parse().ok(),
            "a" => ctx.link = Some(index),
            "nav" => {
                ctx.nav = true;
                ctx.nav_element = true;
            }
            "label" => ctx.label = true,
            "code" | "pre" | "kbd" | "samp" | "tt" => ctx.mono = true,
            _ => {}
        }
        if el.attr("role") == Some("heading") {
            ctx.heading = el
                .attr("aria-level")
                .and_then(|l| l.parse().ok())
                .or(Some(2));
        }
        if el.attr("role") == Some("navigation") {
            ctx.nav = true;
            ctx.nav_element = true;
        }
        if buttons.contains(&el.id) {
            ctx.button = Some(index);
        }
        if let Some(&(section, kind)) = sections.get(&el.id) {
            ctx.section = Some(section);
            if kind == SectionKind::Navbar {
                ctx.nav = true;
            }
        }
        let chars = el
            .children
            .iter()
            .map(|c| match c {
                DomNode::Text(t) => t.chars().filter(|c| !c.is_whitespace()).count(),
                DomNode::Element(_) => 0,
            })
            .sum();
        self.nodes.push(Node {
            el,
            defaults,
            background,
            parent,
            visible: ctx.visible,
            behind: ctx.behind,
            heading: ctx.heading,
            link: ctx.link,
            button: ctx.button,
            nav: ctx.nav,
            nav_element: ctx.nav_element,
            label: ctx.label,
            mono: ctx.mono,
            section: ctx.section,
            chars,
            end: index + 1,
        });
        for child in el.child_elements() {
            self.push(child, Some(index), ctx, buttons, sections, canvas_source);
        }
        self.nodes[index].end = self.nodes.len();
    }

    /// Nodes whose own text is visible on screen, with at least one character.
    pub fn text_nodes(&self) -> impl Iterator<Item = (usize, &Node<'a>)> {
        self.nodes.iter().enumerate().filter(|(_, n)| {
            n.chars > 0 && n.visible && n.el.rect.width > 1.0 && n.el.rect.height > 1.0
        })
    }

    /// Children indexes of a node (in document order).
    pub fn children(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.nodes[index].end;
        std::iter::successors(Some(index + 1).filter(|&i| i < end), move |&i| {
            Some(self.nodes[i].end).filter(|&n| n < end)
        })
    }

    pub fn find(&self, id: u32) -> Option<usize> {
        self.nodes.binary_search_by_key(&id, |n| n.el.id).ok()
    }

    pub fn document(&self) -> Rect {
        Rect {
            x: 0.0,
            y: 0.0,
            width: self.width,
            height: self.height,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Context {
    visible: bool,
    behind: Rgba,
    heading: Option<u8>,
    link: Option<usize>,
    button: Option<usize>,
    nav: bool,
    nav_element: bool,
    label: bool,
    mono: bool,
    section: Option<usize>,
}

/// The element's own `background-color` when it paints one.
pub(crate) fn background_color<'a>(node: &Node<'a>) -> Option<(Rgba, &'a str)> {
    node.background
}

fn own_background<'a>(el: &'a DomElement, defaults: TagDefaults<'a>) -> Option<(Rgba, &'a str)> {
    let value = el
        .style("background-color")
        .or_else(|| defaults.value("background-color"))?;
    let color = color::parse_color(value)?;
    (!color.is_transparent()).then_some((color, value))
}

/// Colours of a gradient `background-image` (none for `url(...)` images or `none`).
pub(crate) fn gradient_colors(el: &DomElement) -> Vec<Rgba> {
    match el.style("background-image") {
        Some(image) if image.contains("gradient(") => color::colors_in(image),
        _ => Vec::new(),
    }
}

fn paint_over(el: &DomElement, background: Option<(Rgba, &str)>, below: Rgba) -> Rgba {
    // The colour is painted first, image layers over it.
    let mut behind = background.map_or(below, |(color, _)| color.over(below));
    let gradient = gradient_colors(el);
    if !gradient.is_empty() {
        let n = gradient.len() as f64;
        let average = |f: fn(&Rgba) -> u8| {
            (gradient.iter().map(|c| f64::from(f(c))).sum::<f64>() / n).round() as u8
        };
        let alpha = gradient.iter().map(|c| c.a).sum::<f64>() / n;
        behind = Rgba {
            r: average(|c| c.r),
            g: average(|c| c.g),
            b: average(|c| c.b),
            a: alpha,
        }
        .over(behind);
    }
    // A `::before` / `::after` stretched over the box behind the content is a backdrop
    // (`position: absolute; inset: 0; z-index: -1` panels).
    for pseudo in [&el.before, &el.after].into_iter().flatten() {
        let style = |p: &str| pseudo.style.get(p).map(String::as_str);
        let stretched = matches!(style("position"), Some("absolute" | "fixed"))
            && ["top", "right", "bottom", "left"]
                .iter()
                .all(|side| style(side) == Some("0px"));
        let color = style("background-color")
            .and_then(color::parse_color)
            .filter(|c| !c.is_transparent());
        if let (true, Some(mut color)) = (stretched, color) {
            color.a *= style("opacity")
                .and_then(|o| o.parse::<f64>().ok())
                .unwrap_or(1.0)
                .clamp(0.0, 1.0);
            behind = color.over(behind);
        }
    }
    behind
}

/// A computed value: the style map, else what the browser computes for the tag unstyled
/// (the scrape's recorded defaults), else `None`.
pub(crate) fn value<'a>(node: &Node<'a>, property: &str) -> Option<&'a str> {
    node.el
        .style(property)
        .or_else(|| node.defaults.value(property))
}

/// Effective computed values: the style map, else the browser default for the tag.
pub(crate) fn color<'a>(node: &Node<'a>) -> &'a str {
    node.el
        .style("-webkit-text-fill-color")
        .filter(|fill| color::parse_color(fill).is_some_and(|c| !c.is_transparent()))
        .or_else(|| value(node, "color"))
        .unwrap_or(initial::COLOR)
}

pub(crate) fn font_size<'a>(node: &Node<'a>) -> &'a str {
    value(node, "font-size").unwrap_or(initial::FONT_SIZE)
}

pub(crate) fn font_weight<'a>(node: &Node<'a>) -> &'a str {
    value(node, "font-weight").unwrap_or(initial::FONT_WEIGHT)
}

pub(crate) fn line_height<'a>(node: &Node<'a>) -> &'a str {
    value(node, "line-height").unwrap_or(initial::NORMAL)
}

pub(crate) fn letter_spacing<'a>(node: &Node<'a>) -> &'a str {
    value(node, "letter-spacing").unwrap_or(initial::NORMAL)
}

/// `12px` -> 12.0; anything else -> `None`.
pub(crate) fn px(value: &str) -> Option<f64> {
    value
        .strip_suffix("px")
        .and_then(|n| n.trim().parse::<f64>().ok())
}

/// The `class` attribute split into names.
pub(crate) fn classes(el: &DomElement) -> Vec<&str> {
    el.attr("class")
        .map(|c| c.split_whitespace().collect())
        .unwrap_or_default()
}

/// A side of a box, naming its border longhands without building strings per element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Top,
    Right,
    Bottom,
    Left,
}

impl Side {
    pub const ALL: [Side; 4] = [Side::Top, Side::Right, Side::Bottom, Side::Left];

    /// `border-<side>-width`, `-style` and `-color`.
    pub fn border_longhands(self) -> [&'static str; 3] {
        match self {
            Side::Top => ["border-top-width", "border-top-style", "border-top-color"],
            Side::Right => [
                "border-right-width",
                "border-right-style",
                "border-right-color",
            ],
            Side::Bottom => [
                "border-bottom-width",
                "border-bottom-style",
                "border-bottom-color",
            ],
            Side::Left => [
                "border-left-width",
                "border-left-style",
                "border-left-color",
            ],
        }
    }

    /// Top or bottom: a border as long as the box is wide.
    pub fn is_horizontal(self) -> bool {
        matches!(self, Side::Top | Side::Bottom)
    }
}
