//! Spacing: the values the page repeats for sections, containers, card grids and headings.
//! Each is the most used computed value among the elements that play that part (ties go to the
//! larger value), so a one-off never wins over the page's rhythm.

use replica_core::{SectionKind, SpacingTokens};

use crate::components::Cards;
use crate::page::{self, Page};

/// Counts values; the most counted wins, ties go to the larger px value, then document order.
#[derive(Debug, Default)]
pub(crate) struct Mode<'a>(Vec<(&'a str, usize)>);

impl<'a> Mode<'a> {
    pub fn add(&mut self, value: &'a str) {
        match self.0.iter_mut().find(|(v, _)| *v == value) {
            Some(entry) => entry.1 += 1,
            None => self.0.push((value, 1)),
        }
    }

    pub fn best(&self) -> Option<String> {
        let mut best: Option<(&str, usize)> = None;
        for &(value, count) in &self.0 {
            let better = match best {
                None => true,
                Some((b, c)) => {
                    count > c
                        || (count == c
                            && page::px(value).unwrap_or(0.0) > page::px(b).unwrap_or(0.0))
                }
            };
            if better {
                best = Some((value, count));
            }
        }
        best.map(|(v, _)| v.to_string())
    }
}

fn nonzero(value: Option<&str>) -> Option<&str> {
    value.filter(|v| page::px(v).is_some_and(|px| px > 0.0))
}

/// Vertical padding of content sections: the section's own `padding-top`, or that of its first
/// wrapper (two levels down at most) when the section itself has none.
pub(crate) fn section_padding(page: &Page<'_>) -> Option<String> {
    let mut mode = Mode::default();
    for section in &page.capture.sections {
        if section.pinned || matches!(section.kind, SectionKind::Navbar | SectionKind::Footer) {
            continue;
        }
        let Some(mut index) = page.find(section.node) else {
            continue;
        };
        for _ in 0..3 {
            if let Some(value) = nonzero(page.nodes[index].el.style("padding-top")) {
                mode.add(value);
                break;
            }
            match page
                .children(index)
                .find(|&c| page.nodes[c].visible && !page.nodes[c].el.rect.is_empty())
            {
                Some(child) => index = child,
                None => break,
            }
        }
    }
    mode.best()
}

pub(crate) fn extract(desktop: &Page<'_>, mobile: &Page<'_>, cards: &Cards) -> SpacingTokens {
    // Containers: centred boxes with a px max-width, at least 40% of the viewport wide.
    let mut widths = Mode::default();
    for node in &desktop.nodes {
        let el = node.el;
        let Some(max) = el.style("max-width").filter(|v| page::px(v).is_some()) else {
            continue;
        };
        let centre = el.rect.x + el.rect.width / 2.0;
        if node.visible
            && el.rect.width >= 0.4 * desktop.viewport_width
            && (centre - desktop.width / 2.0).abs() < 2.0
        {
            widths.add(max);
        }
    }
    let container_max_width = widths.best();
    let mut padding = Mode::default();
    if let Some(max) = &container_max_width {
        for node in &desktop.nodes {
            if node.visible
                && node.el.style("max-width") == Some(max.as_str())
                && let Some(p) = nonzero(node.el.style("padding-left"))
            {
                padding.add(p);
            }
        }
    }

    let mut gaps = Mode::default();
    for (parent, _) in &cards.groups {
        if let Some(gap) = nonzero(desktop.nodes[*parent].el.style("column-gap")) {
            gaps.add(gap);
        }
    }
    if gaps.0.is_empty() {
        for node in &desktop.nodes {
            let el = node.el;
            let columns = el
                .style("grid-template-columns")
                .map_or(0, |c| c.split_whitespace().count());
            if node.visible
                && el.style("display") == Some("grid")
                && columns >= 2
                && let Some(gap) = nonzero(el.style("column-gap"))
            {
                gaps.add(gap);
            }
        }
    }

    SpacingTokens {
        section_padding_y: section_padding(desktop),
        section_padding_y_mobile: section_padding(mobile),
        container_max_width,
        container_padding_x: padding.best(),
        card_gap: gaps.best(),
        heading_to_content: heading_to_content(desktop),
    }
}

/// Space under section headings (`h2`): their `margin-bottom`, else the `row-gap` of a parent
/// that stacks its children (column flex, one-column grid), else the next element's `margin-top`.
fn heading_to_content(page: &Page<'_>) -> Option<String> {
    let mut mode = Mode::default();
    for (i, node) in page.nodes.iter().enumerate() {
        if node.el.tag != "h2" || !node.visible || node.el.rect.is_empty() {
            continue;
        }
        if let Some(m) = nonzero(node.el.style("margin-bottom")) {
            mode.add(m);
            continue;
        }
        let Some(parent) = node.parent else { continue };
        let parent_el = page.nodes[parent].el;
        let stacked = match parent_el.style("display") {
            Some("flex" | "inline-flex") => parent_el
                .style("flex-direction")
                .is_some_and(|d| d.starts_with("column")),
            Some("grid" | "inline-grid") => parent_el
                .style("grid-template-columns")
                .is_none_or(|c| c.split_whitespace().count() <= 1),
            _ => false,
        };
        if stacked && let Some(gap) = nonzero(parent_el.style("row-gap")) {
            mode.add(gap);
            continue;
        }
        let next = page.children(parent).find(|&c| c > i);
        if let Some(m) = next.and_then(|n| nonzero(page.nodes[n].el.style("margin-top"))) {
            mode.add(m);
        }
    }
    mode.best()
}
