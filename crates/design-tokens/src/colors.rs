//! Colour roles, chosen by painted area and by role, never by how often a declaration appears.
//!
//! * Backgrounds are weighed by **painted area**: an element's box (clipped to the document)
//!   minus the boxes of its nearest descendants that paint an opaque background or an image over
//!   it (overlaps between those descendants are not corrected for: good enough to rank colours,
//!   and one pass). The page background is the heaviest of the canvas and full-width surfaces;
//!   `alt` is the heaviest other surface at least half the page wide, `dark` the heaviest dark
//!   surface covering at least 5% of a screen (a sidebar counts, a button does not).
//! * Text colours are weighed by **characters of visible text** on the reading surface: the
//!   page background, or the surface nearly all running text sits on (a light panel on a dark
//!   page). Headings prefer the page background. Text on other surfaces only counts for
//!   `on_dark`. A page without running text takes its body colour from its links, navigation
//!   and labels.
//! * The primary colour is the most prominent **saturated** colour of buttons (by area, weighted
//!   up), links, coloured heading words and labels (by text area), and saturated backgrounds
//!   (by area, weighted down, wide bands further down). Greys never qualify; a page with no saturated colour anywhere near an action
//!   gets its most prominent filled button instead (a monochrome brand's primary is black).

use std::collections::{HashMap, HashSet};

use replica_core::{BorderTokens, ColorTokens};

use crate::components::Cards;
use crate::page::{self, Node, Page, Side};
use replica_css::{self as color, Rgba};

/// Sums weights per colour, remembering the first raw value seen for it.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    entries: Vec<(Rgba, f64)>,
    index: HashMap<String, usize>,
}

impl Tally {
    pub fn add(&mut self, color: Rgba, weight: f64) {
        if weight <= 0.0 || !weight.is_finite() {
            return;
        }
        let key = color.to_hex();
        match self.index.get(&key) {
            Some(&i) => self.entries[i].1 += weight,
            None => {
                self.index.insert(key, self.entries.len());
                self.entries.push((color, weight));
            }
        }
    }

    /// Colours by weight, heaviest first; ties keep first-seen order (document order).
    pub fn ranked(&self) -> Vec<(Rgba, f64)> {
        let mut ranked = self.entries.clone();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked
    }

    pub fn best(&self, keep: impl Fn(Rgba) -> bool) -> Option<Rgba> {
        self.ranked()
            .into_iter()
            .find(|(c, _)| keep(*c))
            .map(|(c, _)| c)
    }

    pub fn weight(&self, color: Rgba) -> f64 {
        self.index
            .get(&color.to_hex())
            .map_or(0.0, |&i| self.entries[i].1)
    }
}

/// Painted areas per colour, as computed once for all background roles.
#[derive(Debug)]
pub(crate) struct Painted {
    /// (node, colour, exclusive area); the canvas has no node.
    pub boxes: Vec<(Option<usize>, Rgba, f64)>,
}

pub(crate) fn painted(page: &Page<'_>) -> Painted {
    let n = page.nodes.len();
    let mut cover = vec![0.0f64; n];
    for i in (0..n).rev() {
        let node = &page.nodes[i];
        if !node.visible {
            continue;
        }
        let rect = node.el.rect;
        let mut sum = 0.0;
        for child in page.children(i) {
            let c = &page.nodes[child];
            if !c.visible {
                continue;
            }
            let inside = c.el.rect.intersection(&rect).area();
            sum += if covers(c) {
                inside
            } else {
                cover[child].min(inside)
            };
        }
        cover[i] = sum.min(rect.area());
    }
    let document = page.document();
    let mut boxes = Vec::new();
    let canvas_cover = cover[page.canvas_node.unwrap_or(0)];
    let canvas_hidden = page
        .canvas_node
        .is_some_and(|n| paints_image(page.nodes[n].el));
    let canvas_area =
        (document.area() - canvas_cover).max(0.0) * if canvas_hidden { 0.1 } else { 1.0 };
    boxes.push((None, page.canvas, canvas_area));
    for (i, node) in page.nodes.iter().enumerate() {
        if !node.visible || Some(i) == page.canvas_node {
            continue;
        }
        if let Some((color, _)) = page::background_color(node) {
            let area = node.el.rect.intersection(&document).area();
            // An image (its content, or a background image) is painted over the element's
            // colour: the colour shows only where the image is transparent, usually little.
            let replaced = matches!(
                node.el.tag.as_str(),
                "img" | "video" | "canvas" | "iframe" | "picture" | "svg"
            );
            let hidden = if replaced || paints_image(node.el) {
                0.1
            } else {
                1.0
            };
            boxes.push((
                Some(i),
                color,
                (area - cover[i]).max(0.0) * color.a * hidden,
            ));
        }
    }
    Painted { boxes }
}

/// Whether an element hides what is painted below it.
fn covers(node: &Node<'_>) -> bool {
    let el = node.el;
    matches!(
        el.tag.as_str(),
        "img" | "video" | "canvas" | "iframe" | "picture"
    ) || page::background_color(node).is_some_and(|(c, _)| c.is_opaque())
        || paints_image(el)
}

/// A `url()` background image, or a gradient without transparency.
fn paints_image(el: &replica_core::DomElement) -> bool {
    match el.style("background-image") {
        Some(image) if replica_css::has_url(image) => true,
        Some(image) if image.contains("gradient(") => {
            let stops = color::colors_in(image);
            !stops.is_empty() && stops.iter().all(|c| c.is_opaque())
        }
        _ => false,
    }
}

/// What the text of a node is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextRole {
    Heading,
    Body,
    Link,
    Button,
    Nav,
    Label,
    /// Code samples: their colours are syntax highlighting, their font the mono family.
    Code,
}

pub(crate) fn text_role(page: &Page<'_>, node: &Node<'_>) -> TextRole {
    if node.button.is_some() {
        TextRole::Button
    } else if node.mono {
        TextRole::Code
    } else if node.nav {
        TextRole::Nav
    } else if node.heading.is_some() {
        TextRole::Heading
    } else if node.link.is_some() {
        TextRole::Link
    } else if node.label || is_uppercase(node.el) {
        TextRole::Label
    } else {
        let _ = page;
        TextRole::Body
    }
}

pub(crate) fn is_uppercase(el: &replica_core::DomElement) -> bool {
    el.style("text-transform") == Some("uppercase")
}

#[derive(Debug)]
pub(crate) struct ColorRoles {
    pub tokens: ColorTokens,
    pub borders: BorderTokens,
}

pub(crate) fn extract(page: &Page<'_>, cards: &Cards) -> ColorRoles {
    let painted = painted(page);
    let surfaces = surfaces(page, &painted, cards);
    let text = text_colors(page, surfaces.page);
    let (primary, secondary) = accents(page, &painted);
    let (border, divider, default_border) = borders(page);
    let radii = crate::components::radii(page);

    ColorRoles {
        tokens: ColorTokens {
            primary: primary.map(Rgba::to_hex),
            secondary: secondary.map(Rgba::to_hex),
            backgrounds: replica_core::BackgroundColors {
                page: Some(surfaces.page.to_hex()),
                alt: surfaces.alt.map(Rgba::to_hex),
                dark: surfaces.dark.map(Rgba::to_hex),
                card: surfaces.card.map(Rgba::to_hex),
            },
            text,
            border: border.map(Rgba::to_hex),
            divider: divider.map(Rgba::to_hex),
        },
        borders: BorderTokens {
            radius_sm: radii.sm,
            radius_md: radii.md,
            radius_lg: radii.lg,
            radius_xl: radii.xl,
            radius_full: radii.full,
            default_color: default_border.map(Rgba::to_hex),
        },
    }
}

/// The background roles: the page, an alternate band, a dark band, the cards'.
struct Surfaces {
    page: Rgba,
    alt: Option<Rgba>,
    dark: Option<Rgba>,
    card: Option<Rgba>,
}

fn surfaces(page: &Page<'_>, painted: &Painted, cards: &Cards) -> Surfaces {
    let mut all = Tally::default();
    let mut wide = Tally::default();
    let mut full_bleed = Tally::default();
    for &(node, color, area) in &painted.boxes {
        all.add(color, area);
        let width = node.map_or(page.width, |i| page.nodes[i].el.rect.width);
        if width >= 0.5 * page.width {
            wide.add(color, area);
        }
        if width >= 0.75 * page.width {
            full_bleed.add(color, area);
        }
    }
    // The page background is what the content sits on: the canvas or a surface at least three
    // quarters of the page wide, never a column of cards however much of the screen they
    // cover.
    // A brand-coloured band rarely is the page itself: a saturated surface wins only when it
    // clearly outweighs the best neutral one.
    let neutral = full_bleed.best(|c| c.is_opaque() && !c.is_saturated());
    let heaviest = full_bleed.best(Rgba::is_opaque);
    let page_bg = match (heaviest, neutral) {
        (Some(h), Some(n))
            if h.is_saturated() && full_bleed.weight(h) < 1.5 * full_bleed.weight(n) =>
        {
            n
        }
        (Some(h), _) => h,
        (None, _) => page.canvas,
    };
    let screen = page.viewport_width * page.viewport_height;
    let alt = wide.best(|c| {
        c.is_opaque()
            && c != page_bg
            && c.contrast(page_bg) < 1.6
            && !c.is_saturated()
            && wide.weight(c) >= 0.2 * screen
    });
    let mut darks = Tally::default();
    for (color, weight) in all.ranked() {
        if color.is_opaque() && color.is_dark() && weight >= 0.05 * screen {
            darks.add(
                color,
                if color.is_saturated() {
                    weight * 0.5
                } else {
                    weight
                },
            );
        }
    }
    let mut card_bg = Tally::default();
    for &card in &cards.nodes {
        let node = &page.nodes[card];
        card_bg.add(surface(page, card), node.el.rect.area());
    }
    Surfaces {
        page: page_bg,
        alt,
        dark: darks.best(|_| true),
        card: card_bg.best(|_| true),
    }
}

/// A text node's colour, that colour over what is behind it, and whether it would not show
/// there (it sits on an image, or a colour the scrape cannot see).
fn visible_text(node: &Node<'_>) -> Option<(Rgba, Rgba, bool)> {
    let color = color::parse_color(page::color(node)).filter(|c| !c.is_transparent())?;
    let shown = color.over(node.behind);
    Some((color, shown, shown.contrast(node.behind) < 1.25))
}

/// Text colours by characters, on the reading surface: where the running text is. That is
/// the page background, unless (nearly) all of it sits on another surface, such as a light
/// panel on a dark page.
fn reading_surface(page: &Page<'_>, page_bg: Rgba) -> Rgba {
    let mut surfaces = Tally::default();
    for (_, node) in page.text_nodes() {
        if text_role(page, node) == TextRole::Body
            && visible_text(node).is_some_and(|(_, _, invisible)| !invisible)
        {
            surfaces.add(node.behind, node.chars as f64);
        }
    }
    let on_page: f64 = surfaces
        .ranked()
        .iter()
        .filter(|(c, _)| c.contrast(page_bg) < 1.6)
        .map(|(_, w)| w)
        .sum();
    match surfaces.ranked().first() {
        Some(&(top, weight)) if on_page < 0.25 * weight => top,
        _ => page_bg,
    }
}

/// The text roles, each by characters of text in that role.
#[derive(Default)]
struct TextTallies {
    heading: Tally,
    heading_on_page: Tally,
    body: Tally,
    on_dark: Tally,
    link_inline: Tally,
    link_other: Tally,
    body_entries: Vec<(Rgba, f64)>,
    /// Links, nav and labels on the page surface: the body colour of a page that is all links.
    other_text: Tally,
}

fn text_colors(page: &Page<'_>, page_bg: Rgba) -> replica_core::TextColors {
    let reading = reading_surface(page, page_bg);
    let mut t = TextTallies::default();
    for (_, node) in page.text_nodes() {
        // Text that would not show on the colour computed behind it sits on an image (or a
        // colour the scrape cannot see); light text there is text on a dark photo.
        let Some((color, shown, invisible)) = visible_text(node) else {
            continue;
        };
        let chars = node.chars as f64;
        let role = text_role(page, node);
        let on_dark_surface =
            (node.behind.luminance() < 0.25 || invisible) && shown.luminance() > 0.4;
        if on_dark_surface && role != TextRole::Button && role != TextRole::Code {
            t.on_dark.add(color, chars);
        }
        if invisible {
            continue;
        }
        if role == TextRole::Heading && node.behind.contrast(page_bg) < 1.6 {
            t.heading_on_page.add(color, chars);
        }
        if node.behind.contrast(reading) >= 1.6 {
            continue;
        }
        if !matches!(role, TextRole::Heading | TextRole::Button | TextRole::Code) {
            t.other_text.add(color, chars);
        }
        match role {
            TextRole::Heading => t.heading.add(color, chars),
            TextRole::Body => {
                t.body.add(color, chars);
                t.body_entries.push((color, chars));
            }
            TextRole::Link if is_inline_link(page, node) => t.link_inline.add(color, chars),
            TextRole::Link => t.link_other.add(color, chars),
            _ => {}
        }
    }
    let body_color = t
        .body
        .best(|_| true)
        .or_else(|| t.other_text.best(|_| true));
    let muted = body_color.and_then(|b| {
        let reference = b.over(reading).contrast(reading);
        let total: f64 = t.body_entries.iter().map(|e| e.1).sum();
        t.body.best(|c| {
            let contrast = c.over(reading).contrast(reading);
            c != b
                && !c.is_saturated()
                && contrast < reference * 0.85
                && contrast >= 1.5
                && t.body.weight(c) >= 0.02 * total
        })
    });
    let link = t
        .link_inline
        .best(|_| true)
        .or_else(|| t.link_other.best(|_| true));
    replica_core::TextColors {
        heading: t
            .heading_on_page
            .best(|_| true)
            .or_else(|| t.heading.best(|_| true))
            .map(Rgba::to_hex),
        body: body_color.map(Rgba::to_hex),
        muted: muted.map(Rgba::to_hex),
        on_dark: t.on_dark.best(|_| true).map(Rgba::to_hex),
        link: link.map(Rgba::to_hex),
    }
}

/// A link inside running text (its parent is a paragraph, a cell, an emphasis...), as
/// opposed to a nav or a button-like link.
fn is_inline_link(page: &Page<'_>, node: &Node<'_>) -> bool {
    node.link
        .and_then(|l| page.nodes[l].parent)
        .is_some_and(|p| {
            matches!(
                page.nodes[p].el.tag.as_str(),
                "p" | "span"
                    | "small"
                    | "td"
                    | "dd"
                    | "blockquote"
                    | "figcaption"
                    | "em"
                    | "strong"
                    | "b"
                    | "i"
            )
        })
}

/// Primary and secondary: saturated colours of actions, by prominence.
fn accents(page: &Page<'_>, painted: &Painted) -> (Option<Rgba>, Option<Rgba>) {
    let mut score = Tally::default();
    let mut filled_buttons = Tally::default();
    // Checked for every painted box and node below: a set, not a list.
    let mut button_nodes = HashSet::new();
    for button in &page.capture.buttons {
        let Some(index) = page.find(button.node) else {
            continue;
        };
        let node = &page.nodes[index];
        let area = node.el.rect.area();
        if !node.visible || area <= 0.0 {
            continue;
        }
        button_nodes.insert(index);
        match page::background_color(node) {
            Some((bg, _)) if bg.a >= 0.5 => {
                if bg.is_saturated() {
                    score.add(bg, area * 3.0);
                } else if let Some(text) =
                    color::parse_color(page::color(node)).filter(|c| c.is_saturated())
                {
                    // A light button with coloured text: the text carries the accent.
                    score.add(text, area * 0.5);
                }
                let behind = page.nodes[index]
                    .parent
                    .map_or(page.canvas, |p| page.nodes[p].behind);
                if bg.over(behind).contrast(behind) >= 1.3 {
                    filled_buttons.add(bg, area);
                }
            }
            _ => {
                let gradient = page::gradient_colors(node.el);
                for stop in gradient.iter().filter(|c| c.is_saturated()) {
                    score.add(*stop, area * 3.0 / gradient.len() as f64);
                }
                if let Some(border) = border_color(node, Side::Top).filter(|c| c.is_saturated()) {
                    score.add(border, area);
                }
                if let Some(text) =
                    color::parse_color(page::color(node)).filter(|c| c.is_saturated())
                {
                    score.add(text, area * 0.5);
                }
            }
        }
    }
    for (_, node) in page.text_nodes() {
        if node.button.is_some() {
            continue;
        }
        // Coloured links, heading words and labels are accents; coloured running text (a notice,
        // an error) is not.
        let accent_role =
            node.link.is_some() || node.heading.is_some() || node.label || is_uppercase(node.el);
        if !accent_role {
            continue;
        }
        let Some(color) = color::parse_color(page::color(node)).filter(|c| c.is_saturated()) else {
            continue;
        };
        let size = page::px(page::font_size(node)).unwrap_or(16.0);
        score.add(color, node.chars as f64 * size * size * 0.5);
    }
    for &(node, color, area) in &painted.boxes {
        let is_button = node.is_some_and(|n| button_nodes.contains(&n));
        // Badges, icons and chips speak for the brand; a wide band of colour is a background
        // first (it still counts, a little).
        let wide = node.is_none_or(|n| page.nodes[n].el.rect.width >= 0.5 * page.width);
        if !is_button && color.is_saturated() {
            score.add(color, area * if wide { 0.02 } else { 0.2 });
        }
    }
    for (i, node) in page.nodes.iter().enumerate() {
        let gradient = page::gradient_colors(node.el);
        if !node.visible || gradient.is_empty() || button_nodes.contains(&i) {
            continue;
        }
        let area = node.el.rect.intersection(&page.document()).area() / gradient.len() as f64;
        let weight = if node.el.rect.width >= 0.5 * page.width {
            0.02
        } else {
            0.2
        };
        for stop in gradient.iter().filter(|c| c.is_saturated()) {
            score.add(*stop, area * stop.a * weight);
        }
    }
    let ranked: Vec<(Rgba, f64)> = score
        .ranked()
        .into_iter()
        .filter(|(c, _)| c.is_saturated())
        .collect();
    let primary = ranked
        .first()
        .map(|(c, _)| *c)
        .or_else(|| filled_buttons.best(|_| true));
    let secondary = primary.and_then(|primary| secondary_accent(&ranked, primary));
    (primary, secondary)
}

/// The next saturated colour of another hue than `primary`, if it is more than a speck.
fn secondary_accent(ranked: &[(Rgba, f64)], primary: Rgba) -> Option<Rgba> {
    let top = ranked.first().map_or(0.0, |(_, w)| *w);
    ranked
        .iter()
        .filter(|(_, w)| *w >= 0.02 * top)
        .map(|(c, _)| *c)
        .find(|c| {
            *c != primary
                && match (c.hue(), primary.hue()) {
                    (Some(a), Some(b)) => {
                        let d = (a - b).abs();
                        d.min(360.0 - d) >= 25.0
                    }
                    _ => true,
                }
        })
}

/// The background an element shows: its own colour, else the nearest ancestor's opaque one,
/// else the canvas. Unlike [`page::Node::behind`] this is always a value the page computed.
pub(crate) fn surface(page: &Page<'_>, index: usize) -> Rgba {
    if Some(index) != page.canvas_node
        && let Some((color, _)) = page::background_color(&page.nodes[index])
    {
        return color;
    }
    let mut current = page.nodes[index].parent;
    while let Some(i) = current {
        if Some(i) == page.canvas_node {
            return page.canvas;
        }
        if let Some((color, _)) =
            page::background_color(&page.nodes[i]).filter(|(c, _)| c.is_opaque())
        {
            return color;
        }
        current = page.nodes[i].parent;
    }
    page.canvas
}

pub(crate) fn border_color(node: &Node<'_>, side: Side) -> Option<Rgba> {
    let [width, style, color] = side.border_longhands();
    // The style first: most elements have none, which settles it in one lookup.
    if matches!(
        page::value(node, style).unwrap_or("none"),
        "none" | "hidden"
    ) {
        return None;
    }
    if page::value(node, width).and_then(page::px).unwrap_or(0.0) <= 0.0 {
        return None;
    }
    let color = color::parse_color(page::value(node, color).unwrap_or(page::initial::COLOR))?;
    (!color.is_transparent()).then_some(color)
}

/// (box border colour, divider colour, most used border colour), weighted by border length.
fn borders(page: &Page<'_>) -> (Option<Rgba>, Option<Rgba>, Option<Rgba>) {
    let mut boxes = Tally::default();
    let mut dividers = Tally::default();
    let mut all = Tally::default();
    for node in &page.nodes {
        if !node.visible || node.el.rect.is_empty() {
            continue;
        }
        let rect = node.el.rect;
        let sides = Side::ALL.map(|side| (side, border_color(node, side)));
        let drawn = sides.iter().filter(|(_, c)| c.is_some()).count();
        for (side, color) in sides {
            let Some(color) = color else { continue };
            let length = if side.is_horizontal() {
                rect.width
            } else {
                rect.height
            };
            all.add(color, length);
            if drawn >= 3 {
                boxes.add(color, length);
            } else if drawn == 1 && side.is_horizontal() || node.el.tag == "hr" {
                dividers.add(color, length);
            }
        }
    }
    (
        boxes.best(|_| true),
        dividers.best(|_| true),
        all.best(|_| true),
    )
}
