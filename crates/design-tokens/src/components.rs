//! Component styles (buttons, card, badge, input, nav), their `:hover` rules, and radii.

use std::collections::HashMap;

use replica_core::{ComponentStyle, ComponentTokens, HoverStyle, SectionKind};

use crate::colors::{self, Tally};
use crate::css::{self, Compound, Sheet};
use crate::page::{self, Node, Page, Side};
use replica_css::{self as color, Rgba};

/// Repeated, decorated boxes: cards.
#[derive(Debug, Default)]
pub(crate) struct Cards {
    /// Every card, in document order (sorted: see [`Cards::contains`]).
    pub nodes: Vec<usize>,
    /// Cards grouped by their parent, in document order.
    pub groups: Vec<(usize, Vec<usize>)>,
}

impl Cards {
    /// Whether node `index` is a card: a binary search, as every node of the page may ask.
    pub fn contains(&self, index: usize) -> bool {
        self.nodes.binary_search(&index).is_ok()
    }
}

/// A card is a visible box 120 px to 60% of the page wide and at least 80 px tall, that holds
/// text, sets itself apart (shadow, a border on three or more sides, or a background of its
/// own) and has at least one sibling that does too with the same tag and a class in common.
/// A grid cell holding nothing but a card (`.col > .card`) counts as the card for grouping.
/// `groups` are keyed by the parent of the siblings (the grid).
pub(crate) fn cards(page: &Page<'_>) -> Cards {
    let mut text_in = vec![0usize; page.nodes.len()];
    for i in (0..page.nodes.len()).rev() {
        text_in[i] += page.nodes[i].chars;
        if let Some(p) = page.nodes[i].parent {
            text_in[p] += text_in[i];
        }
    }
    let looks_like_card = |i: usize| {
        let node = &page.nodes[i];
        let el = node.el;
        let rect = el.rect;
        if !node.visible
            || rect.width < 120.0
            || rect.width > 0.6 * page.width
            || rect.height < 80.0
            || text_in[i] == 0
        {
            return false;
        }
        if !matches!(
            el.tag.as_str(),
            "div"
                | "article"
                | "section"
                | "li"
                | "a"
                | "figure"
                | "blockquote"
                | "aside"
                | "label"
                | "form"
        ) {
            return false;
        }
        let shadow = el.style("box-shadow").is_some_and(|s| s != "none");
        let bordered = Side::ALL
            .into_iter()
            .filter(|&side| colors::border_color(node, side).is_some())
            .count()
            >= 3;
        let own_bg = page::background_color(node).is_some_and(|(c, _)| {
            let behind = node
                .parent
                .map_or(page.canvas, |p| colors::surface(page, p));
            c.to_hex() != behind.to_hex()
        });
        shadow || bordered || own_bg
    };
    // A card may sit alone in a grid cell (`.col > .card`): the cell stands for it.
    let card_in = |cell: usize| -> Option<usize> {
        let mut current = cell;
        for _ in 0..3 {
            if looks_like_card(current) {
                return Some(current);
            }
            let mut rendered = page
                .children(current)
                .filter(|&c| page.nodes[c].visible && !page.nodes[c].el.rect.is_empty());
            let only = rendered.next()?;
            if rendered.next().is_some()
                || page.nodes[only].el.rect.area() < 0.6 * page.nodes[cell].el.rect.area()
            {
                return None;
            }
            current = only;
        }
        None
    };
    let mut result = Cards::default();
    for parent in 0..page.nodes.len() {
        let cells: Vec<(usize, usize)> = page
            .children(parent)
            .filter_map(|c| card_in(c).map(|card| (c, card)))
            .collect();
        let candidates: Vec<usize> = cells.iter().map(|(cell, _)| *cell).collect();
        if candidates.len() < 2 {
            continue;
        }
        // Keep the largest set of siblings that share the tag and a class (or have none).
        let mut best: Vec<usize> = Vec::new();
        for &seed in &candidates {
            let seed_el = page.nodes[seed].el;
            let seed_classes = page::classes(seed_el);
            let similar: Vec<usize> = candidates
                .iter()
                .copied()
                .filter(|&c| {
                    let el = page.nodes[c].el;
                    let classes = page::classes(el);
                    el.tag == seed_el.tag
                        && ((classes.is_empty() && seed_classes.is_empty())
                            || classes.iter().any(|k| seed_classes.contains(k)))
                })
                .collect();
            if similar.len() > best.len() {
                best = similar;
            }
        }
        if best.len() >= 2 {
            let boxes: Vec<usize> = best
                .iter()
                .filter_map(|cell| cells.iter().find(|(c, _)| c == cell).map(|(_, card)| *card))
                .collect();
            result.nodes.extend(&boxes);
            result.groups.push((parent, boxes));
        }
    }
    result.nodes.sort_unstable();
    result
}

#[derive(Debug, Default)]
pub(crate) struct Radii {
    pub sm: Option<String>,
    pub md: Option<String>,
    pub lg: Option<String>,
    pub xl: Option<String>,
    pub full: Option<String>,
}

/// Radii in use on visible boxes that show them (a background, border, shadow or image),
/// counted per element. Radii of 100 px or more and `50%` or more make pills and circles: they
/// are `full`; the rest fall in buckets: sm up to 4 px, md up to 8 px, lg up to 16 px, xl above.
/// Each bucket takes its most used value.
pub(crate) fn radii(page: &Page<'_>) -> Radii {
    let mut buckets: [HashMap<&str, usize>; 5] = Default::default();
    for node in &page.nodes {
        let el = node.el;
        if !node.visible || el.rect.is_empty() {
            continue;
        }
        let Some(value) = el.style("border-top-left-radius") else {
            continue;
        };
        let shows = page::background_color(node).is_some()
            || el.style("background-image").is_some_and(|b| b != "none")
            || el.style("box-shadow").is_some_and(|s| s != "none")
            || colors::border_color(node, Side::Top).is_some()
            || matches!(el.tag.as_str(), "img" | "video" | "picture" | "iframe");
        if !shows {
            continue;
        }
        let bucket = if value.ends_with('%') {
            if value
                .trim_end_matches('%')
                .parse::<f64>()
                .is_ok_and(|p| p >= 50.0)
            {
                4
            } else {
                continue;
            }
        } else {
            let Some(px) = first_length(value) else {
                continue;
            };
            if px <= 0.0 {
                continue;
            }
            if px >= 100.0 {
                4
            } else if px <= 4.0 {
                0
            } else if px <= 8.0 {
                1
            } else if px <= 16.0 {
                2
            } else {
                3
            }
        };
        *buckets[bucket].entry(value).or_default() += 1;
    }
    let most_used = |bucket: &HashMap<&str, usize>| {
        let mut entries: Vec<(&str, usize)> = bucket.iter().map(|(k, v)| (*k, *v)).collect();
        // Ties: px before % (a `9999px` pill radius rounds any box; `50%` makes wide boxes
        // ellipses), then the smaller value, then by name.
        entries.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| a.0.ends_with('%').cmp(&b.0.ends_with('%')))
                .then_with(|| {
                    first_length(a.0)
                        .unwrap_or(f64::MAX)
                        .total_cmp(&first_length(b.0).unwrap_or(f64::MAX))
                })
                .then_with(|| a.0.cmp(b.0))
        });
        entries.first().map(|(k, _)| (*k).to_string())
    };
    Radii {
        sm: most_used(&buckets[0]),
        md: most_used(&buckets[1]),
        lg: most_used(&buckets[2]),
        xl: most_used(&buckets[3]),
        full: most_used(&buckets[4]),
    }
}

/// `12px` or `12px 8px` (elliptical corner) -> 12.
fn first_length(value: &str) -> Option<f64> {
    value.split_whitespace().next().and_then(page::px)
}

/// A `:hover` rule reduced to what component matching needs.
#[derive(Debug)]
pub(crate) struct HoverRule {
    pub target: Compound,
    /// Compounds the element's ancestors must match, nearest first (descendant and child
    /// combinators both read as "some ancestor").
    pub ancestors: Vec<Compound>,
    pub declarations: Vec<(String, String)>,
}

impl HoverRule {
    fn matches(&self, page: &Page<'_>, index: usize) -> bool {
        let compound_matches = |compound: &Compound, i: usize| {
            let el = page.nodes[i].el;
            compound.matches(&el.tag, el.attr("id"), &page::classes(el))
        };
        if !compound_matches(&self.target, index) {
            return false;
        }
        let mut current = page.nodes[index].parent;
        for ancestor in &self.ancestors {
            loop {
                let Some(i) = current else { return false };
                current = page.nodes[i].parent;
                if compound_matches(ancestor, i) {
                    break;
                }
            }
        }
        true
    }
}

/// `:hover` rules in cascade order, those inside `@media` conditions that do not hold on the
/// desktop screen (narrow widths, reduced motion, print...) left out.
pub(crate) fn hover_rules(sheets: &[Sheet], vars: &Vars) -> Vec<HoverRule> {
    let mut rules = Vec::new();
    for sheet in sheets {
        for rule in &sheet.rules {
            if !rule.selectors.contains(":hover")
                || !rule.media.iter().all(|m| css::applies_to_desktop(m))
            {
                continue;
            }
            for (target, ancestors) in css::hover_targets(&rule.selectors) {
                let declarations = rule
                    .declarations
                    .iter()
                    .map(|(k, v)| (k.clone(), vars.resolve(v)))
                    .collect();
                rules.push(HoverRule {
                    target,
                    ancestors,
                    declarations,
                });
            }
        }
    }
    rules
}

/// Custom properties declared on `:root` / `html` (last wins), for resolving `var()` in rules
/// the browser did not compute for us (`:hover` rules).
#[derive(Debug, Default)]
pub(crate) struct Vars(HashMap<String, String>);

impl Vars {
    pub fn new(sheets: &[Sheet]) -> Vars {
        let mut vars = HashMap::new();
        for sheet in sheets {
            for rule in sheet.rules.iter().filter(|r| r.media.is_empty()) {
                let global = replica_css::split_top_level(&rule.selectors, ',')
                    .iter()
                    .any(|s| matches!(s.trim(), ":root" | "html" | ":host" | "*"));
                if !global {
                    continue;
                }
                for (name, value) in &rule.declarations {
                    if name.starts_with("--") {
                        vars.insert(name.clone(), value.clone());
                    }
                }
            }
        }
        Vars(vars)
    }

    /// Substitutes `var(--x)` / `var(--x, fallback)`; unknown names without a fallback stay as
    /// written.
    pub fn resolve(&self, value: &str) -> String {
        let mut out = value.to_string();
        for _ in 0..8 {
            let Some(start) = out.find("var(") else { break };
            let mut depth = 0;
            let mut end = None;
            for (i, c) in out[start..].char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(start + i);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let Some(end) = end else { break };
            let inner = &out[start + 4..end];
            let (name, fallback) = match inner.split_once(',') {
                Some((n, f)) => (n.trim(), Some(f.trim())),
                None => (inner.trim(), None),
            };
            let replacement = match (self.0.get(name), fallback) {
                (Some(v), _) => v.clone(),
                (None, Some(f)) => f.to_string(),
                (None, None) => break,
            };
            out.replace_range(start..=end, &replacement);
        }
        out
    }
}

fn hover_for(page: &Page<'_>, index: usize, rules: &[HoverRule]) -> Option<HoverStyle> {
    let mut hover = HoverStyle::default();
    let mut any = false;
    for rule in rules.iter().filter(|r| r.matches(page, index)) {
        for (name, value) in &rule.declarations {
            let as_color = || color::parse_color(value).map(Rgba::to_hex);
            let first_color = || color::colors_in(value).first().map(|c| c.to_hex());
            match name.as_str() {
                "background-color" => hover.bg = as_color().or(Some(value.clone())),
                "background" => {
                    hover.bg = as_color()
                        .or_else(|| value.contains("gradient(").then(|| value.clone()))
                        .or_else(first_color)
                }
                "color" => hover.text = as_color(),
                "border-color" | "border-top-color" | "border" | "border-top" => {
                    hover.border = first_color()
                }
                "box-shadow" => hover.shadow = Some(value.clone()),
                "transform" => hover.transform = Some(value.clone()),
                "opacity" => hover.opacity = Some(value.clone()),
                _ => continue,
            }
            any = true;
        }
    }
    let empty = hover == HoverStyle::default();
    (any && !empty).then_some(hover)
}

/// Four longhands as a shorthand (`8px 16px`); `None` when all are zero.
fn sides(node: &Node<'_>, property: &str) -> Option<String> {
    let get = |side: &str| page::value(node, &format!("{property}-{side}")).unwrap_or("0px");
    let [t, r, b, l] = [get("top"), get("right"), get("bottom"), get("left")];
    if [t, r, b, l].iter().all(|v| page::px(v) == Some(0.0)) {
        return None;
    }
    Some(if t == r && r == b && b == l {
        t.to_string()
    } else if t == b && r == l {
        format!("{t} {r}")
    } else {
        format!("{t} {r} {b} {l}")
    })
}

fn radius(el: &replica_core::DomElement) -> Option<String> {
    let get = |corner: &str| {
        el.style(&format!("border-{corner}-radius"))
            .unwrap_or("0px")
    };
    let corners = [
        get("top-left"),
        get("top-right"),
        get("bottom-right"),
        get("bottom-left"),
    ];
    if corners.iter().all(|v| first_length(v) == Some(0.0)) {
        return None;
    }
    Some(if corners.iter().all(|c| *c == corners[0]) {
        corners[0].to_string()
    } else {
        corners.join(" ")
    })
}

fn border(node: &Node<'_>) -> Option<String> {
    Side::ALL.into_iter().find_map(|side| {
        let color = colors::border_color(node, side)?;
        let [width, style, _] = side.border_longhands();
        let width = page::value(node, width)?;
        let style = page::value(node, style)?;
        Some(format!("{width} {style} {}", color.to_hex()))
    })
}

/// The computed `transition-*` longhands as one `transition` value, zero-time items dropped.
pub(crate) fn transition(el: &replica_core::DomElement) -> Option<String> {
    let list = |property: &str, default: &'static str| -> Vec<String> {
        replica_css::split_top_level(el.style(property).unwrap_or(default), ',')
            .into_iter()
            .map(|s| s.trim().to_string())
            .collect()
    };
    let properties = list("transition-property", "all");
    let durations = list("transition-duration", "0s");
    let timings = list("transition-timing-function", "ease");
    let delays = list("transition-delay", "0s");
    let items: Vec<String> = properties
        .iter()
        .enumerate()
        .filter_map(|(i, property)| {
            let duration = &durations[i % durations.len()];
            let delay = &delays[i % delays.len()];
            if is_zero_time(duration) || property == "none" {
                return None;
            }
            let timing = &timings[i % timings.len()];
            Some(if is_zero_time(delay) {
                format!("{property} {duration} {timing}")
            } else {
                format!("{property} {duration} {timing} {delay}")
            })
        })
        .collect();
    (!items.is_empty()).then(|| items.join(", "))
}

fn is_zero_time(value: &str) -> bool {
    value
        .trim_end_matches(['m', 's'])
        .parse::<f64>()
        .is_ok_and(|v| v == 0.0)
}

pub(crate) fn style_of(page: &Page<'_>, index: usize, hovers: &[HoverRule]) -> ComponentStyle {
    let node = &page.nodes[index];
    let el = node.el;
    let bg = page::background_color(node)
        .map(|(c, _)| c.to_hex())
        .or_else(|| {
            el.style("background-image")
                .filter(|i| i.contains("gradient("))
                .map(str::to_string)
        });
    ComponentStyle {
        bg,
        text: color::parse_color(page::color(node)).map(Rgba::to_hex),
        padding: sides(node, "padding"),
        border_radius: radius(el),
        border: border(node),
        shadow: el
            .style("box-shadow")
            .filter(|s| *s != "none")
            .map(str::to_string),
        hover: hover_for(page, index, hovers),
        transition: transition(el),
    }
}

pub(crate) fn extract(
    page: &Page<'_>,
    hovers: &[HoverRule],
    primary: Option<&str>,
    cards: &Cards,
) -> ComponentTokens {
    // Buttons, largest first.
    let mut buttons: Vec<(usize, f64)> = page
        .capture
        .buttons
        .iter()
        .filter_map(|b| page.find(b.node))
        .filter(|&i| {
            // Cards the scrape saw as buttons (whole-card links) are cards here.
            let rect = page.nodes[i].el.rect;
            page.nodes[i].visible
                && rect.area() >= 300.0
                && rect.height <= 90.0
                && !cards.contains(i)
        })
        .map(|i| (i, page.nodes[i].el.rect.area()))
        .collect();
    buttons.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    buttons.dedup_by_key(|b| b.0);
    let filled = |i: usize| {
        page::background_color(&page.nodes[i])
            .filter(|(c, _)| c.a >= 0.5)
            .map(|(c, _)| c.to_hex())
    };
    let primary_button = buttons
        .iter()
        .find(|(i, _)| primary.is_some() && filled(*i).as_deref() == primary)
        .or_else(|| buttons.iter().find(|(i, _)| filled(*i).is_some()))
        .map(|(i, _)| *i);
    let signature = |i: usize| {
        let node = &page.nodes[i];
        (
            filled(i),
            colors::border_color(node, Side::Top).map(Rgba::to_hex),
            page::color(node).to_string(),
        )
    };
    let secondary_button = primary_button.and_then(|p| {
        let taken = signature(p);
        buttons
            .iter()
            .map(|(i, _)| *i)
            .find(|&i| signature(i) != taken)
    });

    let card = cards
        .groups
        .iter()
        .max_by(|a, b| {
            let area =
                |g: &Vec<usize>| g.iter().map(|&i| page.nodes[i].el.rect.area()).sum::<f64>();
            a.1.len()
                .cmp(&b.1.len())
                .then(area(&a.1).total_cmp(&area(&b.1)))
                .then(b.0.cmp(&a.0))
        })
        .map(|(_, group)| group[0]);

    ComponentTokens {
        button_primary: primary_button.map(|i| style_of(page, i, hovers)),
        button_secondary: secondary_button.map(|i| style_of(page, i, hovers)),
        card: card.map(|i| style_of(page, i, hovers)),
        badge: badge(page, cards).map(|i| style_of(page, i, hovers)),
        input: input(page).map(|i| style_of(page, i, hovers)),
        nav: nav(page, hovers),
    }
}

/// Small rounded labels with a background or border and a few words (`NEW`, `Most popular`).
fn badge(page: &Page<'_>, cards: &Cards) -> Option<usize> {
    let mut counts: Vec<(String, usize, usize)> = Vec::new();
    for (i, node) in page.nodes.iter().enumerate() {
        let el = node.el;
        let rect = el.rect;
        if !node.visible || node.button.is_some() || node.link.is_some() || cards.contains(i) {
            continue;
        }
        if !(12.0..=36.0).contains(&rect.height) || rect.width > 240.0 || radius(el).is_none() {
            continue;
        }
        if !matches!(
            el.tag.as_str(),
            "span" | "div" | "p" | "small" | "strong" | "em" | "mark" | "b" | "li" | "sup"
        ) {
            continue;
        }
        let decorated = page::background_color(node).is_some()
            || colors::border_color(node, Side::Top).is_some();
        let size = page::px(page::font_size(node)).unwrap_or(16.0);
        let text = el.text_content();
        let words = text.split_whitespace().count();
        if !decorated || size > 14.5 || text.is_empty() || words > 4 || text.chars().count() > 30 {
            continue;
        }
        let key = format!(
            "{:?}|{}|{:?}",
            page::background_color(node).map(|(c, _)| c.to_hex()),
            page::color(node),
            radius(el)
        );
        match counts.iter_mut().find(|(k, _, _)| *k == key) {
            Some(entry) => entry.1 += 1,
            None => counts.push((key, 1, i)),
        }
    }
    counts
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)))
        .map(|(_, _, i)| *i)
}

fn input(page: &Page<'_>) -> Option<usize> {
    page.capture.form_controls.iter().find_map(|control| {
        let textual = matches!(
            control.kind.as_str(),
            "text"
                | "email"
                | "search"
                | "tel"
                | "url"
                | "password"
                | "number"
                | "textarea"
                | "select"
        );
        let index = page.find(control.node)?;
        (textual && page.nodes[index].visible && !page.nodes[index].el.rect.is_empty())
            .then_some(index)
    })
}

fn nav(page: &Page<'_>, hovers: &[HoverRule]) -> Option<ComponentStyle> {
    let section = page
        .capture
        .sections
        .iter()
        .position(|s| s.kind == SectionKind::Navbar)?;
    let index = page.find(page.capture.sections[section].node)?;
    let mut style = style_of(page, index, hovers);
    let mut links = Tally::default();
    for (_, node) in page.text_nodes() {
        if node.section == Some(section)
            && node.link.is_some()
            && node.button.is_none()
            && let Some(c) = color::parse_color(page::color(node))
        {
            links.add(c, node.chars as f64);
        }
    }
    if let Some(link) = links.best(|_| true) {
        style.text = Some(link.to_hex());
    }
    Some(style)
}

/// The most used `:hover` transform that lifts an element (moves it up).
pub(crate) fn hover_lift(hovers: &[HoverRule]) -> Option<String> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for rule in hovers {
        for (name, value) in &rule.declarations {
            if name != "transform" || !lifts(value) {
                continue;
            }
            match counts.iter_mut().find(|(v, _)| v == value) {
                Some(entry) => entry.1 += 1,
                None => counts.push((value.clone(), 1)),
            }
        }
    }
    counts
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1))
        .map(|(v, _)| v.clone())
}

fn lifts(transform: &str) -> bool {
    let t = transform.replace(' ', "");
    if t.contains("translatey(-") || t.contains("translateY(-") {
        return true;
    }
    for function in ["translate(", "translate3d("] {
        if let Some(start) = t.find(function) {
            let args = &t[start + function.len()..];
            let args = &args[..args.find(')').unwrap_or(args.len())];
            if args.split(',').nth(1).is_some_and(|y| y.starts_with('-')) {
                return true;
            }
        }
    }
    false
}
