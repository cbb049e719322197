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
//!    section: by DOM membership when it is inside a section's DOM; a stray goes to the
//!    section beside it in the tree (the one holding its ancestors, else the one before it in
//!    the same parent, else the one after); strays with no section beside them (between two
//!    wrappers) become a section of their own, unless they render nothing (scripts).
//!    Whitespace-only text between sections belongs nowhere: it renders nothing.
//! 5. **Mobile.** The same sections are boxed on the mobile capture through the same element
//!    ids; a section with nothing rendered on mobile has no mobile box or crop.
//! 6. **Crops.** Each band is cut out of the full-page screenshot of each device (see
//!    `crop::crop`), on two threads.
//! 7. **Outline.** Every element that holds pieces of two sections or more (a `<main>`
//!    around all but the header and footer, a page-wide `<div id="page">`, a split block) is
//!    a wrapper in `Plan::outline`, rendered once with its sections inside; each section sits
//!    in one wrapper (`SectionData::container`) and keeps copies of its own ancestors below
//!    it. So every element of the original is rendered once, where it was (see `outline`).
//!    Loose text straight inside a wrapper becomes a plain `<span>` (the anonymous box the
//!    browser made).
//!
//! `SectionData::dom` holds copies from the desktop capture: whole elements, the children of
//! a split block, and copies of a section's own ancestors holding its pieces.

mod chrome;
mod crop;
mod data;
mod outline;
mod site;
mod units;

use std::collections::HashSet;

use replica_core::{
    BrowserDefaults, DesignTokens, DeviceCapture, DomElement, DomNode, OutlineNode, PageWrapper,
    Plan, PlannedSection, Rect, ScrapeData, SectionData, SectionKind, SharedContext,
};

pub use crate::chrome::{ChromeEdge, ChromeMark, strip_chrome_marks};
pub use crate::site::{
    Crawl, CrawlLimits, MAX_SITE_PAGES, Robots, SitePage, SkipReason, SkippedLink, route_folder,
    route_of, site_page_key, sitemap_locations,
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
    let Cut {
        units,
        containers,
        outline,
    } = cut(scrape);
    let mut sections = sections(scrape, units);
    let Some(body) = body(&scrape.desktop) else {
        return Plan {
            shared_context,
            sections,
            outline: Vec::new(),
        };
    };
    for (section, container) in sections.iter_mut().zip(containers) {
        section.data.container = container
            .and_then(|id| body.find(id))
            .map(|element| units::copy_with(element, Vec::new()));
    }
    let mut names: Vec<String> = sections.iter().map(|s| s.component_name.clone()).collect();
    let outline = outline_nodes(body, &outline, &sections, &mut names);
    Plan {
        shared_context,
        sections,
        outline,
    }
}

/// The outline with sections by id and wrappers as copies with names; a wrapper holding only
/// another wrapper joins it into one chain.
fn outline_nodes(
    body: &DomElement,
    nodes: &[outline::Node],
    sections: &[PlannedSection],
    names: &mut Vec<String>,
) -> Vec<OutlineNode> {
    let mut out = Vec::new();
    for node in nodes {
        match node {
            outline::Node::Unit(index) => out.push(OutlineNode::Section {
                id: sections[*index].id.clone(),
            }),
            outline::Node::Wrapper { id, children } => {
                let Some(element) = body.find(*id) else {
                    out.extend(outline_nodes(body, children, sections, names));
                    continue;
                };
                let name = wrapper_name(element, names);
                let mut elements = vec![units::copy_with(element, Vec::new())];
                let mut children = outline_nodes(body, children, sections, names);
                if let [OutlineNode::Wrapper(inner)] = children.as_mut_slice() {
                    // Its name was taken for nothing: the chain is named after its outermost.
                    names.retain(|name| *name != inner.component_name);
                    elements.append(&mut inner.elements);
                    children = std::mem::take(&mut inner.children);
                }
                out.push(OutlineNode::Wrapper(PageWrapper {
                    component_name: name,
                    elements,
                    children,
                }));
            }
        }
    }
    out
}

/// A component name for a wrapper, unique among `taken` (which it joins): a landmark's tag
/// (`Main`, `Header`), else its id or first class in PascalCase (`Page`, `Story`), else
/// `Wrapper`; `...Wrapper` and then a number when that is taken or names something generated
/// code imports (`Image` from next/image).
fn wrapper_name(element: &DomElement, taken: &mut Vec<String>) -> String {
    const LANDMARKS: &[&str] = &[
        "main", "header", "footer", "nav", "aside", "article", "section", "form", "center",
    ];
    let words = if LANDMARKS.contains(&element.tag.as_str()) {
        Some(element.tag.clone())
    } else {
        element
            .attr("id")
            .or_else(|| {
                element
                    .attr("class")
                    .and_then(|c| c.split_whitespace().next())
            })
            .map(str::to_string)
    };
    let base = words
        .map(|words| pascal_case(&words))
        .filter(|name| name.starts_with(|c: char| c.is_ascii_uppercase()))
        .unwrap_or_else(|| "Wrapper".to_string());
    const IMPORTED: &[&str] = &["Image", "Link", "Script", "React", "Fragment"];
    let mut name = base.clone();
    if (taken.contains(&name) || IMPORTED.contains(&name.as_str())) && !base.ends_with("Wrapper") {
        name = format!("{base}Wrapper");
    }
    let mut count = 2;
    let stem = name.clone();
    while taken.contains(&name) {
        name = format!("{stem}{count}");
        count += 1;
    }
    taken.push(name.clone());
    name
}

/// `page-content` -> `PageContent`; only ASCII letters and digits are kept.
fn pascal_case(words: &str) -> String {
    words
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

fn shared_context(scrape: &ScrapeData, tokens: &DesignTokens) -> SharedContext {
    let dark = tokens
        .colors
        .backgrounds
        .page
        .as_deref()
        .and_then(replica_css::parse_color)
        .is_some_and(replica_css::Rgba::is_dark);
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
        browser_defaults: browser_defaults(scrape),
    }
}

/// The desktop capture's defaults, with tags only the mobile capture met (both captures
/// probe in the same compat mode, so the values agree).
fn browser_defaults(scrape: &ScrapeData) -> BrowserDefaults {
    let mut defaults = scrape.desktop.browser_defaults.clone();
    for (tag, values) in &scrape.mobile.browser_defaults.tags {
        defaults
            .tags
            .entry(tag.clone())
            .or_insert_with(|| values.clone());
    }
    defaults
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
                after = outline::last_id(c);
                items_element(c, sections, holders, scrape, out);
            }
        }
    }
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

/// The page cut: units in document order, each at its place in the outline.
#[derive(Debug, Default)]
struct Cut {
    units: Vec<PlacedUnit>,
    /// The element each unit sits in (`None`: `<body>`), by unit index.
    containers: Vec<Option<u32>>,
    outline: Vec<outline::Node>,
}

/// The units of the page, in document order, with strays attached, each root nested in
/// copies of its own ancestors below the wrapper it sits in.
fn cut(scrape: &ScrapeData) -> Cut {
    let Some(body) = body(&scrape.desktop) else {
        return Cut::default();
    };
    let (units, pending) = place(scrape, body);
    let arranged = if units.is_empty() {
        // Only strays that stand nowhere (hidden or fixed elements): keep them in one section.
        let roots: Vec<DomElement> = pending
            .into_iter()
            .filter_map(|stray| match stray.piece {
                outline::PendingPiece::Element(element) => Some(*element),
                outline::PendingPiece::Text { parent, text } => body
                    .find(parent)
                    .map(|parent| units::copy_with(parent, vec![DomNode::Text(text)])),
            })
            .collect();
        let Some(primary) = roots.first().map(|root| root.id) else {
            return Cut::default();
        };
        let anchors = roots
            .iter()
            .map(|r| Anchor {
                id: r.id,
                rect: r.rect,
            })
            .collect();
        let unit = Unit {
            kind: SectionKind::Content,
            roots,
            anchors,
            pinned: false,
            primary,
        };
        outline::arrange(body, vec![unit], Vec::new())
    } else {
        outline::arrange(body, units, pending)
    };
    let outline::Arranged {
        units,
        containers,
        outline,
    } = arranged;

    let mut tops = tops(units.iter(), |a| Some(a.rect), |u| u.pinned);
    let bottom = document_bottom(&scrape.desktop, body)
        .max(tops.iter().flatten().copied().fold(0.0, f64::max));
    // A unit with nothing in flow (a fixed bar, a hidden menu) has an empty band where the
    // next one starts, so the bands still cover the page in order.
    let mut next = bottom;
    for top in tops.iter_mut().rev() {
        next = *top.get_or_insert(next);
    }
    let desktop_bands = bands(&tops, bottom);
    let units = units
        .into_iter()
        .zip(&desktop_bands)
        .map(|(unit, band)| PlacedUnit {
            unit,
            desktop: band.map_or((0.0, 0.0), |b| (b.top, b.bottom)),
        })
        .collect();
    Cut {
        units,
        containers,
        outline,
    }
}

/// The units of the page in document order (sections, strays that stand on their own, giant
/// blocks split into parts; roots as the DOM has them) and the strays that wait for a unit.
fn place(scrape: &ScrapeData, body: &DomElement) -> (Vec<Unit>, Vec<outline::Pending>) {
    let viewport = scrape.desktop.viewport;
    let viewport_height = f64::from(viewport.height).max(1.0);
    let viewport_width = f64::from(viewport.width).max(1.0);

    let (sections, holders) = outermost_sections(scrape, body);
    let mut list = Vec::new();
    if sections.is_empty() {
        // No sections: the body's content is one block (split below when it is giant).
        if body
            .children
            .iter()
            .all(|c| matches!(c, DomNode::Text(t) if t.trim().is_empty()))
        {
            return (Vec::new(), Vec::new());
        }
    } else {
        items(body, &sections, &holders, scrape, &mut list);
    }

    let mut units: Vec<Unit> = Vec::new();
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
    let pending = units_of_items(&list, viewport_width, &mut units);
    (split_giant(units, viewport_height), pending)
}

/// The sections the DOM holds, outermost only, and the elements on the way down to them.
fn outermost_sections(scrape: &ScrapeData, body: &DomElement) -> (HashSet<u32>, HashSet<u32>) {
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
    (sections, holders)
}

/// Appends a unit per section and per stray that stands on its own to `units`; returns the
/// strays that wait for a unit.
fn units_of_items(
    list: &[Item<'_>],
    viewport_width: f64,
    units: &mut Vec<Unit>,
) -> Vec<outline::Pending> {
    let section_rects: Vec<Rect> = list
        .iter()
        .filter_map(|i| match i {
            Item::Section(e, _, false) => Some(e.rect),
            _ => None,
        })
        .collect();
    let mut pending: Vec<outline::Pending> = Vec::new();
    for item in list {
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
                if stands_alone(el, &section_rects, viewport_width) {
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
                } else {
                    pending.push(outline::Pending {
                        key: (el.id, 0),
                        piece: outline::PendingPiece::Element(Box::new((*el).clone())),
                    });
                }
            }
            Item::Stray(Stray::Text {
                parent,
                text,
                after,
            }) => pending.push(outline::Pending {
                key: (*after, 1),
                piece: outline::PendingPiece::Text {
                    parent: parent.id,
                    text: (*text).to_string(),
                },
            }),
        }
    }
    pending
}

/// Whether a stray element is a unit of its own: a rendered, in-flow block with content, at
/// least half the viewport wide, that no section covers for half its height or more.
fn stands_alone(el: &DomElement, section_rects: &[Rect], viewport_width: f64) -> bool {
    units::is_rendered(el)
        && !units::is_out_of_flow(el)
        && el.rect.height >= units::MIN_BLOCK_HEIGHT
        && el.rect.width >= 0.5 * viewport_width
        && has_content(el)
        && section_rects.iter().all(|r| {
            let overlap = r.bottom().min(el.rect.bottom()) - r.y.max(el.rect.y);
            overlap < 0.5 * el.rect.height
        })
}

/// Units taller than two viewports split into parts (see `units::split`), the first keeping
/// the unit's kind.
fn split_giant(units: Vec<Unit>, viewport_height: f64) -> Vec<Unit> {
    let mut split_units: Vec<Unit> = Vec::with_capacity(units.len());
    for unit in units {
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
    split_units
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
            // Roots may be copies of ancestors holding the unit's own element, or the children
            // of a split block that renders once around them.
            let primary = roots
                .iter()
                .find_map(|r| r.find(primaries[order]))
                .or_else(|| body(desktop).and_then(|body| body.find(primaries[order])))
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
                container: None,
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
