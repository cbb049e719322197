//! Cutting the body into units: the scrape's sections, blocks between them that stand on their
//! own, giant blocks split into viewport-sized parts, and everything else attached to a unit.

use replica_core::{DomElement, DomNode, Rect, SectionKind};

/// One future section: its DOM pieces and what decides where its band starts.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    pub kind: SectionKind,
    /// DOM pieces in document order. A piece is an element of the page with its whole subtree,
    /// or a *part*: a copy of a split block holding only some of its children.
    pub roots: Vec<DomElement>,
    /// The elements whose boxes place the unit (attached pieces never move a band).
    pub anchors: Vec<Anchor>,
    /// Fixed or sticky on desktop: its box says where it was when captured, not where it sits.
    pub pinned: bool,
    /// Id of the unit's own element (the section, stray block or split block): its background
    /// is the section's.
    pub primary: u32,
}

/// An element whose box places the unit: its top is where the band starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Anchor {
    pub id: u32,
    pub rect: Rect,
}

/// Blocks shorter than this are spacers or rules (the scrape uses the same bound).
pub(crate) const MIN_BLOCK_HEIGHT: f64 = 8.0;

pub(crate) fn is_rendered(el: &DomElement) -> bool {
    !el.rect.is_empty()
        && el.style("display") != Some("none")
        && !matches!(el.style("visibility"), Some("hidden" | "collapse"))
        && el
            .style("opacity")
            .is_none_or(|o| o.parse::<f64>().map_or(true, |o| o > 0.01))
}

/// Laid out at a place: shown, with a box that has a height or a width (a `<br>` has no
/// width but marks a line).
pub(crate) fn is_placed(el: &DomElement) -> bool {
    (el.rect.width > 0.0 || el.rect.height > 0.0)
        && el.style("display") != Some("none")
        && !matches!(el.style("visibility"), Some("hidden" | "collapse"))
}

pub(crate) fn is_out_of_flow(el: &DomElement) -> bool {
    matches!(el.style("position"), Some("absolute" | "fixed"))
}

fn has_text(node: &DomNode) -> bool {
    match node {
        DomNode::Text(t) => !t.trim().is_empty(),
        DomNode::Element(_) => false,
    }
}

/// Kind of a block the scrape did not classify, from its tag and place.
pub(crate) fn simple_kind(el: &DomElement, first: bool) -> SectionKind {
    let role = el.attr("role").unwrap_or("");
    match el.tag.as_str() {
        "footer" => SectionKind::Footer,
        "header" | "nav" => SectionKind::Navbar,
        _ if role == "contentinfo" => SectionKind::Footer,
        _ if role == "navigation" || role == "banner" => SectionKind::Navbar,
        _ => {
            let mut has_h1 = false;
            el.walk(&mut |e| has_h1 |= e.tag == "h1");
            if first && has_h1 {
                SectionKind::Hero
            } else {
                SectionKind::Content
            }
        }
    }
}

/// Splits a block taller than two viewports into parts about one viewport tall, cutting only
/// between rows of its children (never beside a child, never after running text that may share
/// a line with the next element). Each part is a copy of the block holding a run of its
/// children (made [`continuation`]s once the whole page is cut, like every other copy). A part
/// that is a single child still taller than two viewports is split the same way inside.
/// Returns `None` when no cut is possible.
pub(crate) fn split(
    block: &DomElement,
    viewport_height: f64,
) -> Option<Vec<(DomElement, Vec<Anchor>)>> {
    if block.rect.height <= 2.0 * viewport_height {
        return None;
    }
    let children = &block.children;
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    let mut group_top = block.rect.y;
    let mut max_bottom = block.rect.y;
    let mut after_text = false;
    for (i, child) in children.iter().enumerate() {
        match child {
            DomNode::Text(_) => after_text |= has_text(child),
            DomNode::Element(c) => {
                if !is_placed(c) || is_out_of_flow(c) {
                    continue;
                }
                let new_row = c.rect.y >= max_bottom - 1.0;
                if i > start && !after_text && new_row && c.rect.y - group_top >= viewport_height {
                    groups.push((start, i));
                    start = i;
                    group_top = c.rect.y;
                }
                max_bottom = max_bottom.max(c.rect.bottom());
                after_text = false;
            }
        }
    }
    groups.push((start, children.len()));
    // A last sliver is not worth a section of its own.
    if groups.len() >= 2 {
        let last_top = first_rendered(&children[groups[groups.len() - 1].0..])
            .map_or(block.rect.bottom(), |e| e.rect.y);
        if block.rect.bottom() - last_top < viewport_height / 4.0 {
            let (_, end) = groups.pop().expect("two groups");
            groups.last_mut().expect("one group").1 = end;
        }
    }
    let mut parts: Vec<(DomElement, Vec<Anchor>)> = Vec::new();
    for &(from, to) in &groups {
        let run = &children[from..to];
        let rendered: Vec<&DomElement> = run
            .iter()
            .filter_map(|c| match c {
                DomNode::Element(e) if is_rendered(e) => Some(e),
                _ => None,
            })
            .collect();
        let inner = match rendered.as_slice() {
            [only] if !run.iter().any(has_text) => {
                split(only, viewport_height).map(|sub| (*only, sub))
            }
            _ => None,
        };
        match inner {
            Some((only, sub_parts)) => {
                let position = run
                    .iter()
                    .position(|c| matches!(c, DomNode::Element(e) if std::ptr::eq(e, only)))
                    .unwrap_or(0);
                let count = sub_parts.len();
                for (k, (sub, anchors)) in sub_parts.into_iter().enumerate() {
                    let mut nodes = Vec::new();
                    if k == 0 {
                        nodes.extend_from_slice(&run[..position]);
                    }
                    nodes.push(DomNode::Element(sub));
                    if k + 1 == count {
                        nodes.extend_from_slice(&run[position + 1..]);
                    }
                    parts.push((copy_with(block, nodes), anchors));
                }
            }
            None => {
                let anchors = run
                    .iter()
                    .filter_map(|c| match c {
                        DomNode::Element(e) if is_placed(e) && !is_out_of_flow(e) => Some(Anchor {
                            id: e.id,
                            rect: e.rect,
                        }),
                        _ => None,
                    })
                    .collect();
                parts.push((copy_with(block, run.to_vec()), anchors));
            }
        }
    }
    if parts.len() < 2 {
        return None;
    }
    // The first part starts where the block does (its padding and border included).
    parts[0].1 = vec![Anchor {
        id: block.id,
        rect: block.rect,
    }];
    Some(parts)
}

fn first_rendered(nodes: &[DomNode]) -> Option<&DomElement> {
    nodes.iter().find_map(|c| match c {
        DomNode::Element(e) if is_placed(e) && !is_out_of_flow(e) => Some(e),
        _ => None,
    })
}

/// Whether the browser's own style sheet gives `tag` a non-zero `property` (the capture leaves
/// such defaults out of the computed style).
fn has_ua_length(tag: &str, property: &str) -> bool {
    match property {
        "margin-top" | "margin-bottom" => matches!(
            tag,
            "p" | "h1"
                | "h2"
                | "h3"
                | "h4"
                | "h5"
                | "h6"
                | "ul"
                | "ol"
                | "dl"
                | "menu"
                | "dir"
                | "blockquote"
                | "figure"
                | "pre"
                | "listing"
                | "xmp"
                | "plaintext"
                | "hr"
                | "form"
        ),
        "padding-top" | "padding-bottom" => matches!(tag, "td" | "th" | "fieldset"),
        "border-top-width" | "border-bottom-width" => matches!(tag, "fieldset" | "hr"),
        _ => false,
    }
}

/// A shallow copy of `block` with other children.
pub(crate) fn copy_with(block: &DomElement, children: Vec<DomNode>) -> DomElement {
    DomElement {
        id: block.id,
        tag: block.tag.clone(),
        attrs: block.attrs.clone(),
        rect: block.rect,
        style: block.style.clone(),
        before: block.before.clone(),
        after: block.after.clone(),
        state: block.state.clone(),
        children,
    }
}

/// Makes a copy of an element one of several *continuations*: all but the first drop the
/// element's top margin, padding, border and rounded corners, all but the last its bottom ones,
/// and none keeps a `min-height` or the pseudo-element of an edge it does not have, so the
/// copies stacked render like the element. Written both into the computed style (what the
/// tailwind style reads) and at the end of the `style` attribute (what the faithful style
/// keeps, next to the page's CSS, which would otherwise give every copy the element's
/// padding and margins again). `::before`/`::after` drawn by the page's CSS cannot be removed
/// this way and repeat on every copy.
///
/// Copies that are flex items (`in_flex`) take their content's height: none shrinks (the
/// element shrank as one box whose content overflowed; shrunk copies would overlap, as a
/// page whose `<body>` is a column of one viewport height showed), none keeps a height the
/// page's CSS gives the element (`#__next { height: 100% }` made every copy a screen high)
/// and only the last grows (the element's extra room is at its end, not between copies).
/// The scrape has no declared heights, so `height: auto` goes in the `style` attribute only.
pub(crate) fn continuation(
    part: &mut DomElement,
    continues_above: bool,
    continues_below: bool,
    in_flex: bool,
) {
    const TOP: &[&str] = &[
        "margin-top",
        "padding-top",
        "border-top-width",
        "border-top-left-radius",
        "border-top-right-radius",
    ];
    const BOTTOM: &[&str] = &[
        "margin-bottom",
        "padding-bottom",
        "border-bottom-width",
        "border-bottom-left-radius",
        "border-bottom-right-radius",
    ];
    let mut zeroed: Vec<&str> = Vec::new();
    if continues_above {
        zeroed.extend_from_slice(TOP);
    }
    if continues_below {
        zeroed.extend_from_slice(BOTTOM);
    }
    if continues_above || continues_below {
        zeroed.push("min-height");
    }
    // Only what is set: a plain `<main>` copied into three sections stays a plain `<main>`.
    zeroed.retain(|property| {
        part.style
            .get(*property)
            .is_some_and(|value| value.trim() != "0px")
            || has_ua_length(&part.tag, property)
    });
    let flex_copy = in_flex && (continues_above || continues_below);
    let mut set: Vec<(&str, &str)> = zeroed.iter().map(|property| (*property, "0px")).collect();
    if flex_copy {
        let mut flex = vec!["flex-shrink"];
        if continues_below {
            flex.push("flex-grow");
        }
        // Only what is not 0 already; `flex-shrink` is 1 unless set.
        flex.retain(|property| {
            part.style
                .get(*property)
                .map_or(*property == "flex-shrink", |value| value.trim() != "0")
        });
        set.extend(flex.into_iter().map(|property| (property, "0")));
    }
    if set.is_empty() {
        return;
    }
    for (property, value) in &set {
        part.style
            .insert((*property).to_string(), (*value).to_string());
    }
    if flex_copy {
        set.push(("height", "auto"));
    }
    let declarations: Vec<String> = set.iter().map(|(p, v)| format!("{p}: {v}")).collect();
    let declarations = declarations.join("; ");
    match part.attrs.iter_mut().find(|(name, _)| name == "style") {
        Some((_, style)) => {
            let own = style.trim().trim_end_matches(';').trim_end();
            *style = if own.is_empty() {
                declarations
            } else {
                format!("{own}; {declarations}")
            };
        }
        None => part.attrs.push(("style".to_string(), declarations)),
    }
    // The first copy's `::before` and the last copy's `::after` are the element's.
    if continues_above {
        part.before = None;
    }
    if continues_below {
        part.after = None;
    }
}
