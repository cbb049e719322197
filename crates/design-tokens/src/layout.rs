//! Layout: grid columns per section, the hero's arrangement, breakpoints; and animation tokens.

use std::collections::HashMap;

use replica_core::{AnimationTokens, LayoutTokens, SectionGrid, SectionKind};

use crate::components::{self, HoverRule};
use crate::css::{self, Sheet};
use crate::page::Page;
use crate::spacing::Mode;

pub(crate) fn extract(desktop: &Page<'_>, mobile: &Page<'_>, sheets: &[Sheet]) -> LayoutTokens {
    LayoutTokens {
        grid_columns: grid_columns(desktop, mobile),
        hero_layout: hero_layout(desktop),
        breakpoints: breakpoints(sheets),
    }
}

/// Items in the widest row of a container: visible children at least 60x40 px that share the
/// first item's tag and top edge (within 2 px).
fn widest_row(page: &Page<'_>, container: usize) -> u32 {
    let items: Vec<usize> = page
        .children(container)
        .filter(|&c| {
            let n = &page.nodes[c];
            n.visible
                && n.el.rect.width >= 60.0
                && n.el.rect.height >= 40.0
                && n.el.style("position") != Some("absolute")
        })
        .collect();
    let mut best = 0;
    let mut rows: Vec<(f64, &str, u32)> = Vec::new();
    for &item in &items {
        let el = page.nodes[item].el;
        match rows
            .iter_mut()
            .find(|(y, tag, _)| (y - el.rect.y).abs() < 2.0 && *tag == el.tag)
        {
            Some(row) => row.2 += 1,
            None => rows.push((el.rect.y, el.tag.as_str(), 1)),
        }
    }
    for row in rows {
        best = best.max(row.2);
    }
    best
}

/// For each detected section but the navbar, the widest row of repeated items in it, and how
/// many of those items share a row on mobile (same container, found by node id).
fn grid_columns(desktop: &Page<'_>, mobile: &Page<'_>) -> Vec<SectionGrid> {
    let mut grids = Vec::new();
    for (index, section) in desktop.capture.sections.iter().enumerate() {
        if section.kind == SectionKind::Navbar {
            continue;
        }
        let Some(root) = desktop.find(section.node) else {
            continue;
        };
        let mut best: Option<(u32, usize)> = None;
        for container in root..desktop.nodes[root].end {
            let columns = widest_row(desktop, container);
            if columns >= 2 && best.is_none_or(|(b, _)| columns > b) {
                best = Some((columns, container));
            }
        }
        let Some((columns, container)) = best else {
            continue;
        };
        let Some(mobile_container) = mobile.find(desktop.nodes[container].el.id) else {
            continue;
        };
        if mobile.nodes[mobile_container].el.tag != desktop.nodes[container].el.tag {
            continue;
        }
        let mobile_columns = widest_row(mobile, mobile_container).max(1);
        grids.push(SectionGrid {
            section: index,
            columns,
            mobile_columns,
        });
    }
    grids
}

/// `split` when the hero puts two substantial blocks side by side, `centered` when its main
/// heading is centred, else `left`.
fn hero_layout(page: &Page<'_>) -> Option<String> {
    let section = page
        .capture
        .sections
        .iter()
        .find(|s| s.kind == SectionKind::Hero)?;
    let root = page.find(section.node)?;
    let width = page.nodes[root].el.rect.width;
    // What shows on the first screen of the hero decides (a long hero-like article further
    // down has grids of its own).
    let fold = page.nodes[root].el.rect.y + page.viewport_height;
    for container in root..page.nodes[root].end {
        let blocks: Vec<usize> = page
            .children(container)
            .filter(|&c| {
                let n = &page.nodes[c];
                n.visible
                    && n.el.rect.width >= 0.25 * width
                    && n.el.rect.height >= 80.0
                    && n.el.rect.y < fold
            })
            .collect();
        let side_by_side = blocks.windows(2).any(|w| {
            let (a, b) = (page.nodes[w[0]].el.rect, page.nodes[w[1]].el.rect);
            let overlap = a.bottom().min(b.bottom()) - a.y.max(b.y);
            overlap > 0.5 * a.height.min(b.height)
                && (b.x >= a.right() - 1.0 || a.x >= b.right() - 1.0)
        });
        if side_by_side {
            return Some("split".to_string());
        }
    }
    let heading = (root..page.nodes[root].end)
        .filter(|&i| matches!(page.nodes[i].el.tag.as_str(), "h1" | "h2") && page.nodes[i].visible)
        .min_by_key(|&i| page.nodes[i].el.tag.clone())?;
    let mut centered = page.nodes[heading].el.style("text-align") == Some("center");
    let mut current = Some(heading);
    while let Some(i) = current {
        if page.nodes[i].el.style("text-align") == Some("center") {
            centered = true;
        }
        if i == root {
            break;
        }
        current = page.nodes[i].parent;
    }
    Some(if centered { "centered" } else { "left" }.to_string())
}

/// Width thresholds of every `@media` condition, as written, ascending by their px value.
fn breakpoints(sheets: &[Sheet]) -> Vec<String> {
    let mut found: Vec<(f64, String)> = Vec::new();
    for sheet in sheets {
        for condition in &sheet.media_queries {
            for (px, written) in css::media_widths(condition) {
                if !found
                    .iter()
                    .any(|(p, w)| *w == written || (*p - px).abs() < 0.01)
                {
                    found.push((px, written));
                }
            }
        }
    }
    found.sort_by(|a, b| a.0.total_cmp(&b.0));
    found.into_iter().map(|(_, w)| w).collect()
}

/// Animation tokens:
/// * scroll_entrance: the most used finite CSS animation whose keyframes move or fade
///   (`name duration timing`), else the most used transition that fades (`opacity ...`), the
///   way reveal-on-scroll scripts animate;
/// * hover_lift: the most used `:hover` transform that moves an element up;
/// * transition_default: the most used transition of visible elements.
pub(crate) fn animation(
    page: &Page<'_>,
    sheets: &[Sheet],
    hovers: &[HoverRule],
) -> AnimationTokens {
    let keyframes: HashMap<&str, &str> = sheets
        .iter()
        .flat_map(|s| s.keyframes.iter().map(|(n, b)| (n.as_str(), b.as_str())))
        .collect();
    let mut entrances: Vec<String> = Vec::new();
    let mut fades: Vec<String> = Vec::new();
    let mut transitions: Vec<String> = Vec::new();
    for node in &page.nodes {
        let el = node.el;
        if let Some(name) = el
            .style("animation-name")
            .map(first)
            .filter(|n| *n != "none")
        {
            let infinite = el
                .style("animation-iteration-count")
                .is_some_and(|c| first(c) == "infinite");
            let moves = keyframes.get(name).is_none_or(|body| {
                body.contains("opacity") || body.contains("transform") || body.contains("translate")
            });
            if !infinite && moves {
                let duration = el.style("animation-duration").map_or("0s", first);
                let timing = el.style("animation-timing-function").map_or("ease", first);
                entrances.push(format!("{name} {duration} {timing}"));
            }
        }
        if !node.visible {
            continue;
        }
        if let Some(transition) = components::transition(el) {
            let fading = transition.starts_with("opacity") || transition.contains(", opacity");
            let moves = transition.starts_with("transform") || transition.contains(", transform");
            if fading && moves {
                fades.push(transition.clone());
            }
            transitions.push(transition);
        }
    }
    let most = |values: &[String]| {
        let mut mode = Mode::default();
        for v in values {
            mode.add(v);
        }
        mode.best()
    };
    AnimationTokens {
        scroll_entrance: most(&entrances).or_else(|| most(&fades)),
        hover_lift: components::hover_lift(hovers),
        transition_default: most(&transitions),
    }
}

fn first(list: &str) -> &str {
    replica_css::split_top_level(list, ',')
        .into_iter()
        .next()
        .map_or(list, str::trim)
}
