//! Finds the page's top-level layout blocks (header/nav, main's children, sections, footer, large
//! full-width blocks) in document order, and guesses what each is for.
//!
//! Works on the captured DOM alone, so it is deterministic and testable without a browser.

use replica_core::{
    DetectedSection, DeviceCapture, DocumentSize, DomElement, SectionKind, Viewport,
};

/// Blocks shorter than this are spacers or rules, not sections.
const MIN_BLOCK_HEIGHT: f64 = 8.0;

pub fn detect(
    html: &DomElement,
    viewport: Viewport,
    _document: DocumentSize,
) -> Vec<DetectedSection> {
    let Some(body) = html.child_elements().find(|e| e.tag == "body") else {
        return Vec::new();
    };
    let mut blocks = Vec::new();
    collect_blocks(body, viewport, true, &mut blocks);
    let count = blocks.len();
    let mut sections: Vec<DetectedSection> = Vec::with_capacity(count);
    for (index, block) in blocks.iter().enumerate() {
        let previous = sections.last().map(|s| s.kind);
        let kind = classify(block, index, count, previous, viewport);
        sections.push(DetectedSection {
            node: block.id,
            tag: block.tag.clone(),
            rect: block.rect,
            kind,
            pinned: matches!(block.style("position"), Some("fixed" | "sticky")),
        });
    }
    sections
}

/// The desktop sections, re-boxed for another device whose DOM has the same elements, so both
/// devices are cut the same way. `None` when the DOMs differ (scripts built different pages).
pub fn follow(desktop: &[DetectedSection], other: &DeviceCapture) -> Option<Vec<DetectedSection>> {
    desktop
        .iter()
        .map(|section| {
            let element = other
                .dom
                .find(section.node)
                .filter(|e| e.tag == section.tag)?;
            Some(DetectedSection {
                rect: element.rect,
                pinned: matches!(element.style("position"), Some("fixed" | "sticky")),
                ..section.clone()
            })
        })
        .collect()
}

/// Pushes the blocks of `container` in document order.
fn collect_blocks<'a>(
    container: &'a DomElement,
    viewport: Viewport,
    is_body: bool,
    out: &mut Vec<&'a DomElement>,
) {
    let candidates = block_children(container, viewport);
    if candidates.is_empty() {
        if !is_body {
            out.push(container);
        }
        return;
    }
    // A lone wrapper (#root, .page, a body-filling div) is not a section: look inside it.
    if let [only] = candidates.as_slice()
        && !is_landmark(only)
        && only.rect.height >= 0.6 * container.rect.height.max(1.0)
        && !block_children(only, viewport).is_empty()
    {
        collect_blocks(only, viewport, false, out);
        return;
    }
    if !is_body && side_by_side(&candidates) {
        out.push(container);
        return;
    }
    // Flowing content (headings, paragraphs, lists straight in the container) is one block:
    // cutting it at every paragraph would make sections of single lines.
    let loose = candidates
        .iter()
        .filter(|c| !is_container_tag(&c.tag))
        .count();
    if loose * 2 > candidates.len() && candidates.len() > 2 {
        out.push(container);
        return;
    }
    for candidate in candidates {
        if should_split(candidate, viewport) {
            collect_blocks(candidate, viewport, false, out);
        } else {
            out.push(candidate);
        }
    }
}

/// The children of `container` that can be blocks: in-flow ones, or when there are none
/// (everything is positioned, as in an app shell fixed to the screen), the positioned ones.
fn block_children(container: &DomElement, viewport: Viewport) -> Vec<&DomElement> {
    let in_flow: Vec<&DomElement> = container
        .child_elements()
        .filter(|c| is_block_candidate(c, viewport))
        .collect();
    if !in_flow.is_empty() {
        return in_flow;
    }
    container
        .child_elements()
        .filter(|c| is_rendered(c) && is_container_tag(&c.tag) && c.rect.height >= MIN_BLOCK_HEIGHT)
        .collect()
}

fn is_block_candidate(element: &DomElement, viewport: Viewport) -> bool {
    if !is_rendered(element) || element.rect.height < MIN_BLOCK_HEIGHT {
        return false;
    }
    if matches!(
        element.tag.as_str(),
        "br" | "hr"
            | "wbr"
            | "svg"
            | "img"
            | "picture"
            | "video"
            | "iframe"
            | "canvas"
            | "button"
            | "input"
            | "a"
            | "span"
            | "label"
    ) && element.rect.width < 0.8 * viewport.width as f64
    {
        return false;
    }
    match element.style("position") {
        // Overlays, badges, decorations.
        Some("absolute") => false,
        // Fixed bars that span the screen at its top or bottom are part of the layout; chat
        // bubbles, cookie notices and back-to-top buttons are not.
        Some("fixed") => {
            element.rect.width >= 0.8 * viewport.width as f64
                && element.rect.height < viewport.height as f64 * 0.5
        }
        _ => true,
    }
}

fn is_rendered(element: &DomElement) -> bool {
    !element.rect.is_empty()
        && element.style("display") != Some("none")
        && element.style("visibility") != Some("hidden")
        && element.style("opacity") != Some("0")
}

fn is_landmark(element: &DomElement) -> bool {
    matches!(
        element.tag.as_str(),
        "header" | "nav" | "section" | "footer" | "article" | "aside"
    )
}

/// Children laid out as columns (a sidebar beside content) rather than stacked bands.
fn side_by_side(children: &[&DomElement]) -> bool {
    children.windows(2).any(|pair| {
        let (a, b) = (pair[0].rect, pair[1].rect);
        let overlap = a.bottom().min(b.bottom()) - a.y.max(b.y);
        overlap > 0.5 * a.height.min(b.height) && (b.x >= a.right() - 1.0 || a.x >= b.right() - 1.0)
    })
}

/// `main`, and tall generic wrappers that hold several stacked blocks, are split into them.
fn should_split(element: &DomElement, viewport: Viewport) -> bool {
    let stacked: Vec<&DomElement> = element
        .child_elements()
        .filter(|c| {
            is_block_candidate(c, viewport) && is_container_tag(&c.tag) && c.rect.height >= 80.0
        })
        .collect();
    if stacked.len() < 2 || side_by_side(&stacked) {
        return false;
    }
    // Headings and paragraphs between the blocks belong with them: keep such a parent whole
    // unless it is too tall to be one section.
    let loose = element
        .child_elements()
        .any(|c| is_rendered(c) && !is_container_tag(&c.tag));
    if loose && element.rect.height <= 3.0 * viewport.height as f64 {
        return false;
    }
    match element.tag.as_str() {
        "main" => true,
        "div" | "article" | "form" => {
            element.rect.height > 1.5 * viewport.height as f64
                && stacked
                    .iter()
                    .all(|c| c.rect.width >= 0.6 * element.rect.width)
        }
        _ => false,
    }
}

fn is_container_tag(tag: &str) -> bool {
    matches!(
        tag,
        "div"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "nav"
            | "aside"
            | "main"
            | "form"
            | "figure"
            | "table"
            | "center"
    )
}

fn classify(
    block: &DomElement,
    index: usize,
    count: usize,
    previous: Option<SectionKind>,
    viewport: Viewport,
) -> SectionKind {
    let hints = naming_hints(block);
    let has_hint = |words: &[&str]| words.iter().any(|w| hints.iter().any(|h| h.contains(w)));
    let role = block.attr("role").unwrap_or("");
    let rect = block.rect;

    if block.tag == "body" {
        // The whole page as one flowing block.
        return SectionKind::Content;
    }
    if block.tag == "footer" || role == "contentinfo" || has_hint(&["footer"]) {
        return SectionKind::Footer;
    }
    let top_bar = index <= 1 && rect.height < 250.0 && rect.y < 200.0;
    if block.tag == "nav" || role == "navigation" {
        return SectionKind::Navbar;
    }
    if block.tag == "header" || role == "banner" {
        // A page header is the navigation bar, unless it also carries the page's big headline.
        let first = index == 0 || (index == 1 && previous == Some(SectionKind::Navbar));
        return if !top_bar && first && count_tag(block, "h1") > 0 {
            SectionKind::Hero
        } else {
            SectionKind::Navbar
        };
    }
    if top_bar && (has_hint(&["nav", "header", "topbar", "menu"]) || count_tag(block, "a") >= 3) {
        return SectionKind::Navbar;
    }
    let text = block.text_content().to_lowercase();
    if index + 1 == count
        && count > 1
        && rect.height < viewport.height as f64
        && (text.contains('©')
            || text.contains("copyright")
            || text.contains("all rights reserved"))
    {
        return SectionKind::Footer;
    }
    let heading = first_heading(block)
        .map(|h| h.text_content().to_lowercase())
        .unwrap_or_default();
    let named = |words: &[&str]| has_hint(words) || words.iter().any(|w| heading.contains(w));

    let billing_period = [
        "/mo",
        "per month",
        "/month",
        "/year",
        "per year",
        "/yr",
        "per user",
    ]
    .iter()
    .any(|p| text.contains(p));
    if named(&["pricing", "plans", "price"]) || (count_prices(&text) >= 2 && billing_period) {
        return SectionKind::Pricing;
    }
    if named(&["faq", "frequently asked", "questions"]) || count_tag(block, "details") >= 3 {
        return SectionKind::Faq;
    }
    if named(&[
        "testimonial",
        "review",
        "what our customers",
        "what people say",
        "loved by",
    ]) || count_tag(block, "blockquote") >= 2
    {
        return SectionKind::Testimonials;
    }
    if has_hint(&["hero", "jumbotron", "masthead", "banner", "splash"]) {
        return SectionKind::Hero;
    }
    let first_content = index == 0 || (index == 1 && previous == Some(SectionKind::Navbar));
    if first_content
        && rect.y < viewport.height as f64
        && (count_tag(block, "h1") > 0 || rect.height >= 0.5 * viewport.height as f64)
    {
        return SectionKind::Hero;
    }
    if has_hint(&[
        "stats",
        "statistic",
        "numbers",
        "metrics",
        "counter",
        "figures",
    ]) || looks_like_stats(block)
    {
        return SectionKind::Stats;
    }
    if named(&["feature", "services", "benefits", "capabilities", "why "]) || has_card_grid(block) {
        return SectionKind::Features;
    }
    if has_hint(&[
        "cta",
        "call-to-action",
        "signup",
        "sign-up",
        "get-started",
        "newsletter",
        "subscribe",
    ]) || (rect.height < 500.0
        && first_heading(block).is_some()
        && text.split_whitespace().count() <= 60
        && count_actions(block) >= 1)
    {
        return SectionKind::Cta;
    }
    SectionKind::Content
}

/// Lower-case id, class names and aria-label of the block and its first-level children.
fn naming_hints(block: &DomElement) -> Vec<String> {
    let mut hints = Vec::new();
    let mut add = |element: &DomElement| {
        for name in ["id", "class", "aria-label", "data-section"] {
            if let Some(value) = element.attr(name) {
                hints.push(value.to_lowercase());
            }
        }
    };
    add(block);
    for child in block.child_elements().take(3) {
        add(child);
    }
    hints
}

fn first_heading(block: &DomElement) -> Option<&DomElement> {
    let mut found = None;
    block.walk(&mut |e| {
        if found.is_none() && matches!(e.tag.as_str(), "h1" | "h2" | "h3") {
            found = Some(e);
        }
    });
    found
}

fn count_tag(block: &DomElement, tag: &str) -> usize {
    let mut count = 0;
    block.walk(&mut |e| count += usize::from(e.tag == tag));
    count
}

fn count_actions(block: &DomElement) -> usize {
    let mut count = 0;
    block.walk(&mut |e| {
        let class = e.attr("class").unwrap_or("").to_lowercase();
        if e.tag == "button"
            || (e.tag == "a" && (class.contains("btn") || class.contains("button")))
        {
            count += 1;
        }
    });
    count
}

fn count_prices(text: &str) -> usize {
    let mut count = 0;
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if matches!(c, '$' | '€' | '£' | '¥') {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            if next.is_some_and(|n| n.is_ascii_digit()) {
                count += 1;
            }
        }
    }
    count
}

/// Three or more short items that are mostly a number ("10k+", "99.9%", "24/7").
fn looks_like_stats(block: &DomElement) -> bool {
    let mut numeric = 0;
    block.walk(&mut |e| {
        if e.child_elements().next().is_some() {
            return;
        }
        let text = e.text_content();
        let digits = text.chars().filter(char::is_ascii_digit).count();
        if !text.is_empty()
            && text.len() <= 8
            && digits * 2 >= text.chars().filter(|c| !c.is_whitespace()).count()
        {
            numeric += 1;
        }
    });
    numeric >= 3 && block.text_content().split_whitespace().count() <= 80
}

/// A row of three or more similar siblings that each hold a heading: cards.
fn has_card_grid(block: &DomElement) -> bool {
    let mut found = false;
    block.walk(&mut |parent| {
        if found {
            return;
        }
        let cards: Vec<&DomElement> = parent
            .child_elements()
            .filter(|c| c.rect.width > 0.0 && first_heading_any(c))
            .collect();
        if cards.len() >= 3 {
            let same_shape = cards
                .windows(2)
                .all(|w| w[0].tag == w[1].tag && w[0].attr("class") == w[1].attr("class"));
            let in_a_row = cards
                .windows(2)
                .any(|w| (w[0].rect.y - w[1].rect.y).abs() < 4.0);
            found = same_shape && in_a_row;
        }
    });
    found
}

fn first_heading_any(element: &DomElement) -> bool {
    let mut found = false;
    element.walk(&mut |e| found |= matches!(e.tag.as_str(), "h2" | "h3" | "h4" | "h5" | "h6"));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use replica_core::{Device, DomNode, Rect};

    fn el(
        id: u32,
        tag: &str,
        attrs: &[(&str, &str)],
        rect: (f64, f64, f64, f64),
        children: Vec<DomElement>,
    ) -> DomElement {
        DomElement {
            id,
            tag: tag.into(),
            attrs: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            rect: Rect {
                x: rect.0,
                y: rect.1,
                width: rect.2,
                height: rect.3,
            },
            children: children.into_iter().map(DomNode::Element).collect(),
            ..DomElement::default()
        }
    }

    fn text(id: u32, tag: &str, rect: (f64, f64, f64, f64), content: &str) -> DomElement {
        let mut e = el(id, tag, &[], rect, vec![]);
        e.children.push(DomNode::Text(content.into()));
        e
    }

    fn page(body_children: Vec<DomElement>) -> DomElement {
        let height = body_children
            .iter()
            .map(|c| c.rect.bottom())
            .fold(0.0, f64::max);
        el(
            0,
            "html",
            &[],
            (0.0, 0.0, 1280.0, height),
            vec![el(
                1,
                "body",
                &[],
                (0.0, 0.0, 1280.0, height),
                body_children,
            )],
        )
    }

    fn kinds(html: &DomElement) -> Vec<(String, SectionKind)> {
        let size = DocumentSize {
            width: 1280.0,
            height: html.rect.height,
        };
        detect(html, Device::Desktop.viewport(), size)
            .into_iter()
            .map(|s| (s.tag, s.kind))
            .collect()
    }

    #[test]
    fn semantic_landing_page() {
        let html = page(vec![
            el(2, "header", &[], (0.0, 0.0, 1280.0, 64.0), vec![]),
            el(
                3,
                "main",
                &[],
                (0.0, 64.0, 1280.0, 1400.0),
                vec![
                    el(
                        4,
                        "section",
                        &[],
                        (0.0, 64.0, 1280.0, 600.0),
                        vec![text(5, "h1", (0.0, 100.0, 600.0, 60.0), "Ship faster")],
                    ),
                    el(
                        6,
                        "section",
                        &[("id", "pricing")],
                        (0.0, 664.0, 1280.0, 800.0),
                        vec![],
                    ),
                ],
            ),
            text(7, "footer", (0.0, 1464.0, 1280.0, 200.0), "© 2026 Acme"),
        ]);
        assert_eq!(
            kinds(&html),
            vec![
                ("header".into(), SectionKind::Navbar),
                ("section".into(), SectionKind::Hero),
                ("section".into(), SectionKind::Pricing),
                ("footer".into(), SectionKind::Footer),
            ]
        );
    }

    #[test]
    fn lone_wrappers_are_looked_through() {
        let html = page(vec![el(
            2,
            "div",
            &[("id", "root")],
            (0.0, 0.0, 1280.0, 1000.0),
            vec![
                el(
                    3,
                    "div",
                    &[("class", "topbar")],
                    (0.0, 0.0, 1280.0, 60.0),
                    vec![],
                ),
                el(
                    4,
                    "div",
                    &[("class", "hero")],
                    (0.0, 60.0, 1280.0, 500.0),
                    vec![],
                ),
                text(5, "div", (0.0, 560.0, 1280.0, 440.0), "Copyright 2026"),
            ],
        )]);
        assert_eq!(
            kinds(&html),
            vec![
                ("div".into(), SectionKind::Navbar),
                ("div".into(), SectionKind::Hero),
                ("div".into(), SectionKind::Footer),
            ]
        );
    }

    #[test]
    fn hidden_absolute_and_tiny_blocks_are_skipped() {
        let mut hidden = el(3, "div", &[], (0.0, 0.0, 1280.0, 300.0), vec![]);
        hidden.style.insert("display".into(), "none".into());
        let mut overlay = el(4, "div", &[], (0.0, 0.0, 1280.0, 300.0), vec![]);
        overlay.style.insert("position".into(), "absolute".into());
        let html = page(vec![
            el(2, "section", &[], (0.0, 0.0, 1280.0, 500.0), vec![]),
            hidden,
            overlay,
            el(5, "hr", &[], (0.0, 500.0, 1280.0, 2.0), vec![]),
            el(6, "section", &[], (0.0, 502.0, 1280.0, 500.0), vec![]),
        ]);
        assert_eq!(kinds(&html).len(), 2);
    }

    #[test]
    fn a_page_inside_a_fixed_shell_still_has_sections() {
        let mut shell = el(
            2,
            "div",
            &[],
            (0.0, 0.0, 1280.0, 720.0),
            vec![
                el(
                    3,
                    "div",
                    &[],
                    (55.0, 5.0, 1170.0, 793.0),
                    vec![text(4, "h1", (60.0, 10.0, 600.0, 40.0), "Welcome")],
                ),
                el(5, "div", &[], (55.0, 798.0, 1170.0, 100.0), vec![]),
            ],
        );
        shell.style.insert("position".into(), "fixed".into());
        let html = page(vec![shell]);
        assert_eq!(kinds(&html).len(), 2);
    }

    #[test]
    fn flowing_content_is_one_block() {
        let html = page(vec![
            text(2, "h1", (0.0, 0.0, 1280.0, 40.0), "Title"),
            text(3, "p", (0.0, 40.0, 1280.0, 20.0), "Intro"),
            text(4, "h2", (0.0, 60.0, 1280.0, 30.0), "More"),
            text(5, "p", (0.0, 90.0, 1280.0, 20.0), "Text"),
        ]);
        assert_eq!(kinds(&html), vec![("body".into(), SectionKind::Content)]);
    }

    #[test]
    fn empty_body_has_no_sections() {
        let html = page(vec![]);
        assert!(kinds(&html).is_empty());
    }
}
