//! ScrapeData -> Plan (stage D): the page cut into sections, each with only its own data.
//!
//! Pure: no IO, no clock, no randomness, and no panics on any input; the same scrape and
//! tokens give the same plan.
//!
//! # How the page is cut
//!
//! 1. **Units.** The scrape's detected desktop sections are the starting point (dropping any
//!    the DOM does not hold, or that sit inside another). Walking down from `<body>` to them,
//!    everything else is *stray*: elements that hold no section, and text directly inside the
//!    elements that do. A stray block that stands on its own (rendered, in flow, at least
//!    8 px tall and half the viewport wide, with content, overlapping no section by half its
//!    height) becomes a section of its own.
//! 2. **Giant blocks.** A unit taller than two desktop viewports is split at its children into
//!    parts about one viewport tall (see `units::split`); a block with no cut point (one
//!    paragraph of text, or columns side by side) stays whole and its crop is clipped at the
//!    screenshot cap instead. A body with content but no sections becomes one unit, split the
//!    same way.
//! 3. **Bands.** Sections are in document order; each owns the vertical band from its top to
//!    the next section's top, the first from 0, the last to the end of the document. Bands
//!    therefore never overlap and together cover the body. A fixed or sticky section's box
//!    says where it was when captured, not where it sits, so its band starts where the
//!    previous section's content ends (0 when it comes first) and the next section starts
//!    below it. Tops never decrease.
//! 4. **Belonging.** An element, text node, image, link or button belongs to exactly one
//!    section: by DOM membership when it is inside a section's DOM; a stray block by its
//!    vertical position (the band its top is in); a stray that is fixed, not rendered, or text
//!    by document order (the section before it, else the one after). Whitespace-only text
//!    between sections belongs nowhere: it renders nothing.
//! 5. **Mobile.** The same sections are boxed on the mobile capture through the same element
//!    ids; a section with nothing rendered on mobile has no mobile box or crop.
//! 6. **Crops.** Each band is cut out of the full-page screenshot of each device (see
//!    `crop::crop`), on two threads.
//! 7. **Ancestors.** The elements between `<body>` and the pieces are kept. Those around
//!    every piece (a page-wide `<center>`, `<div id="page">`) are `Plan::wrappers`, rendered
//!    once around the page; a piece whose place in the tree changes nothing (hidden, empty,
//!    fixed or absolute on both devices) does not count, unless a wrapper would become its
//!    containing block. Ancestors below that chain (a `<main>` holding all but the header and
//!    footer) are copied into each section around its pieces, consecutive pieces sharing one
//!    copy. Loose text straight inside the innermost wrapper becomes a plain `<span>` (the
//!    anonymous box the browser made), not a second copy of the wrapper.
//!
//! `SectionData::dom` holds copies from the desktop capture: whole elements, *parts* of a
//! split block (a copy of the block with a run of its children, keeping the block's id), a
//! copy of a stray text's parent holding just that text, and copies of ancestors holding
//! pieces. Every element copied more than once is a chain of continuations: each copy drops
//! its top or bottom margin, padding, border and `min-height` where it continues another, in
//! the computed style and in its `style` attribute (`units::continuation`).

mod crop;
mod data;
mod nest;
mod units;

use std::collections::HashSet;

use replica_core::{
    DesignTokens, DeviceCapture, DomElement, DomNode, Plan, PlannedSection, Rect, ScrapeData,
    SectionData, SectionKind, SharedContext,
};

use crate::crop::Band;
use crate::units::{Anchor, Unit};

/// Plans the page: shared context, then the sections in document order.
///
/// The shared context's theme is `dark` when the tokens' page background has a relative
/// luminance under 0.18, else `light`; its fonts are the tokens' font sources and families.
/// The tokens are only read for that context: the cut itself depends on the scrape alone.
pub fn plan(scrape: &ScrapeData, tokens: &DesignTokens) -> Plan {
    let shared_context = shared_context(scrape, tokens);
    let Cut { units, wrappers } = cut(scrape);
    let sections = sections(scrape, units);
    let wrappers = body(&scrape.desktop)
        .map(|body| {
            wrappers
                .iter()
                .filter_map(|id| body.find(*id))
                .map(|wrapper| units::copy_with(wrapper, Vec::new()))
                .collect()
        })
        .unwrap_or_default();
    Plan {
        shared_context,
        sections,
        wrappers,
    }
}

fn shared_context(scrape: &ScrapeData, tokens: &DesignTokens) -> SharedContext {
    let dark = tokens
        .colors
        .backgrounds
        .page
        .as_deref()
        .and_then(hex_luminance)
        .is_some_and(|l| l < 0.18);
    let mut font_urls: Vec<String> = Vec::new();
    for source in &tokens.typography.sources {
        if !font_urls.contains(&source.url) {
            font_urls.push(source.url.clone());
        }
    }
    let families = &tokens.typography.families;
    let mut font_families: Vec<String> = Vec::new();
    for family in [&families.heading, &families.body, &families.mono]
        .into_iter()
        .flatten()
    {
        if !font_families.contains(family) {
            font_families.push(family.clone());
        }
    }
    SharedContext {
        url: scrape.final_url.clone(),
        title: scrape.title.clone(),
        theme: if dark { "dark" } else { "light" }.to_string(),
        font_urls,
        font_families,
    }
}

/// WCAG relative luminance of `#rrggbb[aa]`.
fn hex_luminance(hex: &str) -> Option<f64> {
    let hex = hex.strip_prefix('#')?;
    let channel = |i: usize| -> Option<f64> {
        let c = f64::from(u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()?) / 255.0;
        Some(if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        })
    };
    Some(0.2126 * channel(0)? + 0.7152 * channel(2)? + 0.0722 * channel(4)?)
}

fn body(capture: &DeviceCapture) -> Option<&DomElement> {
    capture.dom.child_elements().find(|e| e.tag == "body")
}

/// Something outside every section, in document order.
#[derive(Debug)]
enum Stray<'a> {
    Element(&'a DomElement),
    /// Text directly inside `parent`, an element that holds sections; `after` is the last
    /// element id before it in document order.
    Text {
        parent: &'a DomElement,
        text: &'a str,
        after: u32,
    },
}

#[derive(Debug)]
enum Item<'a> {
    Section(&'a DomElement, SectionKind, bool),
    Stray(Stray<'a>),
}

/// Walks from `<body>` down to the sections, listing sections and strays in document order.
fn items<'a>(
    el: &'a DomElement,
    sections: &HashSet<u32>,
    holders: &HashSet<u32>,
    scrape: &ScrapeData,
    out: &mut Vec<Item<'a>>,
) {
    let mut after = el.id;
    for child in &el.children {
        match child {
            DomNode::Text(text) => {
                if !text.trim().is_empty() {
                    out.push(Item::Stray(Stray::Text {
                        parent: el,
                        text,
                        after,
                    }));
                }
            }
            DomNode::Element(c) => {
                after = last_id(c);
                items_element(c, sections, holders, scrape, out);
            }
        }
    }
}

/// The largest id in a subtree (its last element in document order).
fn last_id(el: &DomElement) -> u32 {
    el.child_elements().last().map_or(el.id, last_id).max(el.id)
}

fn items_element<'a>(
    c: &'a DomElement,
    sections: &HashSet<u32>,
    holders: &HashSet<u32>,
    scrape: &ScrapeData,
    out: &mut Vec<Item<'a>>,
) {
    if sections.contains(&c.id) {
        let detected = scrape.desktop.sections.iter().find(|s| s.node == c.id);
        let kind = detected.map_or(SectionKind::Content, |s| s.kind);
        let pinned = matches!(c.style("position"), Some("fixed" | "sticky"));
        out.push(Item::Section(c, kind, pinned));
    } else if holders.contains(&c.id) {
        items(c, sections, holders, scrape, out);
    } else {
        out.push(Item::Stray(Stray::Element(c)));
    }
}

/// Ids of the elements on the way from `root` down to `id` (both included), if it is there.
fn path(root: &DomElement, id: u32) -> Option<Vec<u32>> {
    let mut path = vec![root.id];
    let mut current = root;
    while current.id != id {
        let next = current.child_elements().take_while(|c| c.id <= id).last()?;
        path.push(next.id);
        current = next;
    }
    Some(path)
}

/// The ids of the elements every section sits in, outermost first, below `<body>`: the
/// longest chain shared by the parents of all pieces (a loose text's parent counts itself,
/// since the text must stay inside it). Pieces whose place in the tree changes nothing (not
/// rendered, empty, or positioned against the viewport or the page on both devices) are left
/// out, unless an element of the chain would become their containing block: the chain then
/// stops above it. What the chain misses (sections at different depths: a header outside
/// `<div id="page">` holding the rest) is kept per section by [`nest::in_ancestors`].
fn wrapper_chain(
    body: &DomElement,
    mobile_body: Option<&DomElement>,
    list: &[Item<'_>],
) -> Vec<u32> {
    let outer = |id: u32| -> Vec<u32> { nest::outer_path(body, id) };
    let mut chain: Option<Vec<u32>> = None;
    let mut free: Vec<(&DomElement, Option<&DomElement>)> = Vec::new();
    for item in list {
        let constraint = match item {
            Item::Section(el, ..) => outer(el.id),
            Item::Stray(Stray::Element(el)) => {
                let mobile = mobile_body
                    .and_then(|b| b.find(el.id))
                    .filter(|m| m.tag == el.tag);
                if nest::moves_freely(el) && mobile.is_none_or(nest::moves_freely) {
                    free.push((el, mobile));
                    continue;
                }
                outer(el.id)
            }
            Item::Stray(Stray::Text { parent, .. }) => {
                let mut path = outer(parent.id);
                if parent.id != body.id {
                    path.push(parent.id);
                }
                path
            }
        };
        chain = Some(match chain {
            None => constraint,
            Some(mut chain) => {
                let shared = chain
                    .iter()
                    .zip(&constraint)
                    .take_while(|(a, b)| a == b)
                    .count();
                chain.truncate(shared);
                chain
            }
        });
    }
    let mut chain = chain.unwrap_or_default();
    let captures = |id: u32| {
        let desktop = body.find(id);
        let mobile = mobile_body.and_then(|b| b.find(id));
        free.iter().any(|(el, el_mobile)| {
            desktop.is_some_and(|w| nest::contains_positioned(w, el))
                || mobile
                    .zip(*el_mobile)
                    .is_some_and(|(w, el)| nest::contains_positioned(w, el))
        })
    };
    if let Some(first) = chain.iter().position(|id| captures(*id)) {
        chain.truncate(first);
    }
    chain
}

/// Where strays go once the bands are known.
#[derive(Debug)]
enum Placement {
    ByPosition(f64),
    ByOrder,
}

/// The page cut: units in document order, and the wrapper chain they all sit in.
#[derive(Debug, Default)]
struct Cut {
    units: Vec<PlacedUnit>,
    /// Ids of the elements around every unit, outermost first (see [`wrapper_chain`]).
    wrappers: Vec<u32>,
}

/// The units of the page, in document order, with strays attached, each root nested in
/// copies of its ancestors below the wrapper chain.
fn cut(scrape: &ScrapeData) -> Cut {
    let (Some(desktop_body), mobile_body) = (body(&scrape.desktop), body(&scrape.mobile)) else {
        return Cut::default();
    };
    let body = desktop_body;
    let mut units = place(scrape, body, mobile_body);
    let wrappers = std::mem::take(&mut units.wrappers);
    for placed in &mut units.units {
        let roots = std::mem::take(&mut placed.unit.roots);
        placed.unit.roots = nest::in_ancestors(body, &wrappers, roots);
    }
    nest::continue_copies(body, &mut units.units, &wrappers);
    Cut {
        units: units.units,
        wrappers,
    }
}

/// The units of the page, in document order, with strays attached (roots as the DOM has
/// them, not yet nested in their ancestors).
fn place<'a>(
    scrape: &'a ScrapeData,
    body: &'a DomElement,
    mobile_body: Option<&'a DomElement>,
) -> Cut {
    let viewport = scrape.desktop.viewport;
    let viewport_height = f64::from(viewport.height).max(1.0);
    let viewport_width = f64::from(viewport.width).max(1.0);

    // Sections the DOM holds, outermost only.
    let mut sections: HashSet<u32> = HashSet::new();
    let mut holders: HashSet<u32> = HashSet::new();
    let mut detected: Vec<(u32, Vec<u32>)> = scrape
        .desktop
        .sections
        .iter()
        .filter(|s| s.node != body.id)
        .filter_map(|s| {
            path(body, s.node)
                .filter(|_| body.find(s.node).is_some_and(|e| e.tag == s.tag))
                .map(|p| (s.node, p))
        })
        .collect();
    detected.sort_by_key(|(node, _)| *node);
    for (node, path) in &detected {
        if path[..path.len() - 1]
            .iter()
            .any(|id| sections.contains(id))
        {
            continue;
        }
        sections.insert(*node);
        holders.extend(path[..path.len() - 1].iter().copied());
    }
    let mut list = Vec::new();
    if sections.is_empty() {
        // No sections: the body's content is one block (split below when it is giant).
        if body
            .children
            .iter()
            .all(|c| matches!(c, DomNode::Text(t) if t.trim().is_empty()))
        {
            return Cut::default();
        }
    } else {
        items(body, &sections, &holders, scrape, &mut list);
    }
    let wrappers = wrapper_chain(body, mobile_body, &list);
    let section_rects: Vec<Rect> = list
        .iter()
        .filter_map(|i| match i {
            Item::Section(e, _, false) => Some(e.rect),
            _ => None,
        })
        .collect();

    // Units from sections and stand-alone strays; other strays wait for the bands.
    let mut units: Vec<Unit> = Vec::new();
    // (units before it, placement, piece, document position)
    let mut pending: Vec<(usize, Placement, DomElement, (u32, u32))> = Vec::new();
    if sections.is_empty() {
        let whole = units::copy_with(body, body.children.clone());
        units.push(Unit {
            kind: SectionKind::Content,
            anchors: vec![Anchor {
                id: body.id,
                rect: body.rect,
            }],
            roots: vec![whole],
            pinned: false,
            primary: body.id,
        });
    }
    for item in &list {
        match item {
            Item::Section(el, kind, pinned) => units.push(Unit {
                kind: *kind,
                roots: vec![(*el).clone()],
                anchors: vec![Anchor {
                    id: el.id,
                    rect: el.rect,
                }],
                pinned: *pinned,
                primary: el.id,
            }),
            Item::Stray(Stray::Element(el)) => {
                let rendered = units::is_rendered(el);
                let stands_alone = rendered
                    && !units::is_out_of_flow(el)
                    && el.rect.height >= units::MIN_BLOCK_HEIGHT
                    && el.rect.width >= 0.5 * viewport_width
                    && has_content(el)
                    && section_rects.iter().all(|r| {
                        let overlap = r.bottom().min(el.rect.bottom()) - r.y.max(el.rect.y);
                        overlap < 0.5 * el.rect.height
                    });
                if stands_alone {
                    let first = units.iter().all(|u| u.kind == SectionKind::Navbar);
                    units.push(Unit {
                        kind: units::simple_kind(el, first),
                        roots: vec![(*el).clone()],
                        anchors: vec![Anchor {
                            id: el.id,
                            rect: el.rect,
                        }],
                        pinned: false,
                        primary: el.id,
                    });
                } else if rendered && el.style("position") != Some("fixed") {
                    pending.push((
                        units.len(),
                        Placement::ByPosition(el.rect.y),
                        (*el).clone(),
                        (el.id, 0),
                    ));
                } else {
                    pending.push((units.len(), Placement::ByOrder, (*el).clone(), (el.id, 0)));
                }
            }
            Item::Stray(Stray::Text {
                parent,
                text,
                after,
            }) => {
                let text = vec![DomNode::Text((*text).to_string())];
                let piece = if wrappers.last() == Some(&parent.id) {
                    // The wrapper is around every section already: the text sits in it as
                    // the browser's anonymous box, not in a second copy of the wrapper.
                    DomElement {
                        id: parent.id,
                        tag: "span".to_string(),
                        rect: parent.rect,
                        children: text,
                        ..DomElement::default()
                    }
                } else {
                    units::copy_with(parent, text)
                };
                pending.push((units.len(), Placement::ByOrder, piece, (*after, 1)));
            }
        }
    }

    // Giant blocks into parts.
    let mut split_units: Vec<Unit> = Vec::with_capacity(units.len());
    let mut index_after_split: Vec<usize> = Vec::with_capacity(units.len() + 1); // old index -> new index
    for unit in units {
        index_after_split.push(split_units.len());
        let parts = match unit.roots.as_slice() {
            [root] if !unit.pinned => units::split(root, viewport_height),
            _ => None,
        };
        match parts {
            Some(parts) => {
                for (k, (part, anchors)) in parts.into_iter().enumerate() {
                    let kind = if k == 0 {
                        unit.kind
                    } else {
                        SectionKind::Content
                    };
                    split_units.push(Unit {
                        kind,
                        roots: vec![part],
                        anchors,
                        pinned: false,
                        primary: unit.primary,
                    });
                }
            }
            None => split_units.push(unit),
        }
    }
    index_after_split.push(split_units.len());
    let units = split_units;
    if units.is_empty() {
        // Only strays that stand nowhere (hidden or fixed elements): keep them in one section.
        let roots: Vec<DomElement> = pending.into_iter().map(|(_, _, piece, _)| piece).collect();
        if roots.is_empty() {
            return Cut::default();
        }
        let anchors = roots
            .iter()
            .map(|r| Anchor {
                id: r.id,
                rect: r.rect,
            })
            .collect();
        let primary = roots[0].id;
        let unit = Unit {
            kind: SectionKind::Content,
            roots,
            anchors,
            pinned: false,
            primary,
        };
        let band = (0.0, document_bottom(&scrape.desktop, body));
        return Cut {
            units: vec![PlacedUnit {
                unit,
                desktop: band,
            }],
            wrappers,
        };
    }

    let tops = tops(units.iter(), |a| Some(a.rect), |u| u.pinned);
    let bottom =
        document_bottom(&scrape.desktop, body).max(tops.last().copied().flatten().unwrap_or(0.0));
    let desktop_bands = bands(&tops, bottom);
    let mut placed: Vec<PlacedUnit> = units
        .into_iter()
        .zip(&desktop_bands)
        .map(|(unit, band)| PlacedUnit {
            unit,
            desktop: band.map_or((0.0, 0.0), |b| (b.top, b.bottom)),
        })
        .collect();
    let mut attached: Vec<Vec<((u32, u32), DomElement)>> =
        placed.iter().map(|_| Vec::new()).collect();
    for (before, placement, piece, key) in pending {
        let target = match placement {
            Placement::ByPosition(y) => {
                let y = y.clamp(0.0, bottom);
                placed
                    .iter()
                    .position(|p| y >= p.desktop.0 && y < p.desktop.1)
                    .unwrap_or(if y <= 0.0 { 0 } else { placed.len() - 1 })
            }
            // The unit before it in document order, else the one after.
            Placement::ByOrder => index_after_split[before]
                .saturating_sub(1)
                .min(placed.len() - 1),
        };
        attached[target].push((key, piece));
    }
    for (p, extra) in placed.iter_mut().zip(attached) {
        if extra.is_empty() {
            continue;
        }
        // Document order: an element sorts by its id, loose text right after the element
        // before it.
        let own = std::mem::take(&mut p.unit.roots)
            .into_iter()
            .map(|r| ((r.id, 0), r));
        let mut all: Vec<((u32, u32), DomElement)> = own.chain(extra).collect();
        all.sort_by_key(|(key, _)| *key);
        p.unit.roots = all.into_iter().map(|(_, r)| r).collect();
    }
    Cut {
        units: placed,
        wrappers,
    }
}

#[derive(Debug)]
struct PlacedUnit {
    unit: Unit,
    desktop: (f64, f64),
}

fn document_bottom(capture: &DeviceCapture, body: &DomElement) -> f64 {
    capture
        .document
        .height
        .max(body.rect.bottom())
        .max(capture.dom.rect.bottom())
        .max(0.0)
}

fn has_content(el: &DomElement) -> bool {
    let mut content =
        el.style("background-color").is_some() || el.style("background-image").is_some();
    el.walk(&mut |e| {
        content |= matches!(
            e.tag.as_str(),
            "img" | "svg" | "video" | "canvas" | "iframe" | "picture" | "input" | "button"
        ) || e
            .children
            .iter()
            .any(|c| matches!(c, DomNode::Text(t) if !t.trim().is_empty()));
    });
    content
}

/// Band tops, one per unit (`None` when nothing of the unit is rendered on that device).
fn tops<'u>(
    units: impl Iterator<Item = &'u Unit>,
    rect_of: impl Fn(&Anchor) -> Option<Rect>,
    pinned: impl Fn(&Unit) -> bool,
) -> Vec<Option<f64>> {
    let mut tops: Vec<Option<f64>> = Vec::new();
    let mut last_top = 0.0f64;
    let mut content_bottom = 0.0f64; // bottom of the previous unit's anchors
    let mut reserved = 0.0f64; // a pinned unit keeps its height clear below its top
    let mut first = true;
    for unit in units {
        let rects: Vec<Rect> = unit.anchors.iter().filter_map(&rect_of).collect();
        if rects.is_empty() {
            tops.push(None);
            continue;
        }
        let own_top = rects.iter().map(|r| r.y).fold(f64::INFINITY, f64::min);
        let own_bottom = rects
            .iter()
            .map(|r| r.bottom())
            .fold(f64::NEG_INFINITY, f64::max);
        let height = own_bottom - own_top;
        let top = if first {
            0.0
        } else if pinned(unit) {
            content_bottom.max(last_top)
        } else {
            let mut top = own_top.max(last_top);
            if reserved > top && reserved < own_bottom {
                top = reserved;
            }
            top
        };
        if pinned(unit) {
            reserved = top + height;
            content_bottom = reserved;
        } else {
            reserved = 0.0;
            content_bottom = own_bottom.max(top);
        }
        first = false;
        last_top = top;
        tops.push(Some(top));
    }
    tops
}

/// Rounds to 1/100 px, the precision of the scrape's boxes (and exact through JSON).
fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Bands from tops: each to the next top, the last to `bottom`.
fn bands(tops: &[Option<f64>], bottom: f64) -> Vec<Option<Band>> {
    let mut out = vec![None; tops.len()];
    let bottom = round2(bottom);
    let present: Vec<(usize, f64)> = tops
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.map(|t| (i, round2(t))))
        .collect();
    for (k, &(i, top)) in present.iter().enumerate() {
        let end = present
            .get(k + 1)
            .map_or(bottom.max(top), |&(_, next)| next.max(top));
        out[i] = Some(Band { top, bottom: end });
    }
    out
}

fn component_base(kind: SectionKind) -> Option<&'static str> {
    Some(match kind {
        SectionKind::Navbar => "Navbar",
        SectionKind::Hero => "Hero",
        SectionKind::Features => "Features",
        SectionKind::Pricing => "Pricing",
        SectionKind::Testimonials => "Testimonials",
        SectionKind::Faq => "FAQ",
        SectionKind::Cta => "CTA",
        SectionKind::Stats => "Stats",
        SectionKind::Footer => "Footer",
        SectionKind::Content => return None,
    })
}

/// `Hero`, `Features`, `Features2`, ...; content sections are `Section{N}` with N their
/// 1-based position on the page.
fn component_names(kinds: &[SectionKind]) -> Vec<String> {
    let mut used: Vec<(&str, usize)> = Vec::new();
    kinds
        .iter()
        .enumerate()
        .map(|(order, kind)| match component_base(*kind) {
            Some(base) => {
                let count = match used.iter_mut().find(|(b, _)| *b == base) {
                    Some(entry) => {
                        entry.1 += 1;
                        entry.1
                    }
                    None => {
                        used.push((base, 1));
                        1
                    }
                };
                if count == 1 {
                    base.to_string()
                } else {
                    format!("{base}{count}")
                }
            }
            None => format!("Section{}", order + 1),
        })
        .collect()
}

fn sections(scrape: &ScrapeData, placed: Vec<PlacedUnit>) -> Vec<PlannedSection> {
    if placed.is_empty() {
        return Vec::new();
    }
    let mobile_capture = &scrape.mobile;
    let desktop_bands: Vec<Option<Band>> = placed
        .iter()
        .map(|p| {
            Some(Band {
                top: p.desktop.0,
                bottom: p.desktop.1,
            })
        })
        .collect();
    let units: Vec<&Unit> = placed.iter().map(|p| &p.unit).collect();
    let mobile_bands = mobile_bands(scrape, &units);
    let (desktop_crops, mobile_crops) = crop::crops_of_both(
        (&scrape.desktop.screenshots.full_page, &desktop_bands),
        (&mobile_capture.screenshots.full_page, &mobile_bands),
    );

    let band_ranges: Vec<(f64, f64)> = placed.iter().map(|p| p.desktop).collect();
    let kinds: Vec<SectionKind> = placed.iter().map(|p| p.unit.kind).collect();
    let primaries: Vec<u32> = placed.iter().map(|p| p.unit.primary).collect();
    let roots: Vec<Vec<DomElement>> = placed.into_iter().map(|p| p.unit.roots).collect();
    let owners = data::owners(&roots);
    let desktop = &scrape.desktop;
    let owner = |node: u32, rect: &Rect| data::owner_of(&owners, node, rect.y, &band_ranges);
    let buttons = data::button_ids(desktop);
    let names = component_names(&kinds);
    let width = desktop
        .document
        .width
        .max(f64::from(desktop.viewport.width));
    let mobile_width = mobile_capture
        .document
        .width
        .max(f64::from(mobile_capture.viewport.width));

    let mut desktop_crops = desktop_crops.into_iter();
    let mut mobile_crops = mobile_crops.into_iter();
    roots
        .into_iter()
        .enumerate()
        .map(|(order, roots)| {
            let kind = kinds[order];
            let (top, bottom) = band_ranges[order];
            let links: Vec<_> = desktop
                .links
                .iter()
                .filter(|l| owner(l.node, &l.rect) == order)
                .cloned()
                .collect();
            let svgs: Vec<_> = desktop
                .svgs
                .iter()
                .filter(|s| owner(s.node, &s.rect) == order)
                .collect();
            // Roots may be copies of ancestors holding the unit's own element.
            let primary = roots
                .iter()
                .find_map(|r| r.find(primaries[order]))
                .or(roots.first());
            let data = SectionData {
                rect: Rect {
                    x: 0.0,
                    y: top,
                    width,
                    height: round2(bottom - top),
                },
                mobile_box: mobile_bands[order].map(|b| Rect {
                    x: 0.0,
                    y: b.top,
                    width: mobile_width,
                    height: round2(b.bottom - b.top),
                }),
                desktop_crop: desktop_crops.next().flatten(),
                mobile_crop: mobile_crops.next().flatten(),
                headings: data::headings(&roots),
                paragraphs: data::paragraphs(&roots),
                images: desktop
                    .images
                    .iter()
                    .filter(|i| owner(i.node, &i.rect) == order)
                    .cloned()
                    .collect(),
                buttons: desktop
                    .buttons
                    .iter()
                    .filter(|b| owner(b.node, &b.rect) == order)
                    .cloned()
                    .collect(),
                text_content: data::text_content(&roots),
                nav_links: data::nav_links(&roots, kind, &links, &buttons),
                logo_svg: data::logo_svg(&roots, kind, &svgs),
                background: primary.and_then(data::background),
                links,
                dom: roots,
            };
            PlannedSection {
                id: format!("section-{order}"),
                component_name: names[order].clone(),
                kind,
                order,
                data,
            }
        })
        .collect()
}

/// Mobile bands of the units, from the mobile boxes of the same elements.
fn mobile_bands(scrape: &ScrapeData, units: &[&Unit]) -> Vec<Option<Band>> {
    let mobile = &scrape.mobile;
    let Some(body) = body(mobile) else {
        return units.iter().map(|_| None).collect();
    };
    let tag_of = |id: u32| scrape.desktop.dom.find(id).map(|e| e.tag.clone());
    let found = |anchor: &Anchor| -> Option<&DomElement> {
        let element = body.find(anchor.id)?;
        (Some(&element.tag) == tag_of(anchor.id).as_ref() && units::is_placed(element))
            .then_some(element)
    };
    let tops = tops(
        units.iter().copied(),
        |a| found(a).map(|e| e.rect),
        |u| {
            u.anchors
                .iter()
                .filter_map(&found)
                .any(|e| matches!(e.style("position"), Some("fixed" | "sticky")))
        },
    );
    let bottom =
        document_bottom(mobile, body).max(tops.iter().flatten().copied().fold(0.0, f64::max));
    bands(&tops, bottom)
}
