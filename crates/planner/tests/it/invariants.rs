//! The plan's invariants, checked on every recorded fixture (and reused by the edge cases):
//! sections in document order, bands that do not overlap and together cover the body, every
//! element of the body once (in a section or as a wrapper of the outline, which names every
//! section once), every text node, image, link and button in exactly one section, and a
//! section that carries only its own data.

use std::collections::HashMap;

use replica_core::{DomElement, DomNode, Plan, ScrapeData, SectionKind};

use crate::fixtures::{load, plan_of, scrape_dirs};

/// Every violated invariant, as a message.
pub fn violations(scrape: &ScrapeData, plan: &Plan) -> Vec<String> {
    let mut problems = Vec::new();
    let mut problem = |message: String| problems.push(message);
    let sections = &plan.sections;
    let body = scrape
        .desktop
        .dom
        .child_elements()
        .find(|e| e.tag == "body");

    // Order, ids and names.
    for (i, s) in sections.iter().enumerate() {
        if s.order != i || s.id != format!("section-{i}") {
            problem(format!("section {i} has order {} and id {}", s.order, s.id));
        }
        let expected_base = match s.kind {
            SectionKind::Navbar => "Navbar",
            SectionKind::Hero => "Hero",
            SectionKind::Features => "Features",
            SectionKind::Pricing => "Pricing",
            SectionKind::Testimonials => "Testimonials",
            SectionKind::Faq => "FAQ",
            SectionKind::Cta => "CTA",
            SectionKind::Stats => "Stats",
            SectionKind::Footer => "Footer",
            SectionKind::Content => "Section",
        };
        let suffix = s.component_name.strip_prefix(expected_base);
        if suffix.is_none_or(|n| !n.chars().all(|c| c.is_ascii_digit())) {
            problem(format!(
                "{}: name {} does not match type {:?}",
                s.id, s.component_name, s.kind
            ));
        }
    }
    let mut names: Vec<&str> = sections.iter().map(|s| s.component_name.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        problem(format!("component names repeat: {names:?}"));
    }

    // Bands: contiguous from 0 to (at least) the end of the document.
    let doc_bottom = scrape.desktop.document.height;
    for (i, s) in sections.iter().enumerate() {
        let rect = s.data.rect;
        if rect.height < 0.0 {
            problem(format!("{}: negative band height", s.id));
        }
        let expected_top = if i == 0 {
            0.0
        } else {
            sections[i - 1].data.rect.bottom()
        };
        if (rect.y - expected_top).abs() > 1e-6 {
            problem(format!(
                "{}: band starts at {} but the previous one ends at {expected_top}",
                s.id, rect.y
            ));
        }
    }
    if let Some(last) = sections.last()
        && last.data.rect.bottom() + 1e-6 < doc_bottom
    {
        problem(format!(
            "bands end at {} before the document does ({doc_bottom})",
            last.data.rect.bottom()
        ));
    }
    let mobile: Vec<_> = sections
        .iter()
        .filter_map(|s| s.data.mobile_box.map(|b| (s.id.as_str(), b)))
        .collect();
    for pair in mobile.windows(2) {
        if pair[1].1.y + 1e-6 < pair[0].1.bottom() || pair[0].1.height < 0.0 {
            problem(format!(
                "mobile bands of {} and {} overlap",
                pair[0].0, pair[1].0
            ));
        }
    }
    if let Some(first) = mobile.first()
        && first.1.y != 0.0
    {
        problem(format!(
            "the first mobile band ({}) starts at {}",
            first.0, first.1.y
        ));
    }

    // Document order: the in-flow pieces of the sections come in document order (pieces that
    // are positioned out of flow, not rendered, or hold loose text belong by position or order
    // instead, and are checked above and below).
    let in_flow = |r: &&DomElement| {
        !matches!(r.style("position"), Some("absolute" | "fixed"))
            && r.style("display") != Some("none")
            && !r.rect.is_empty()
            && r.child_elements().next().is_some()
    };
    let order: Vec<Vec<u32>> = sections
        .iter()
        .map(|s| s.data.dom.iter().filter(in_flow).map(|r| r.id).collect())
        .collect();
    let flat: Vec<u32> = order.iter().flatten().copied().collect();
    if flat.windows(2).any(|w| w[0] > w[1]) {
        problem(format!("sections out of document order: {order:?}"));
    }
    // Within a section, pieces are in document order.
    for s in sections {
        let ids: Vec<u32> = s.data.dom.iter().filter(in_flow).map(|r| r.id).collect();
        if ids.windows(2).any(|w| w[0] > w[1]) {
            problem(format!("{}: pieces out of order {ids:?}", s.id));
        }
    }

    // Exactly once: text nodes (non-whitespace), keyed by parent id and text.
    fn texts(element: &DomElement, out: &mut HashMap<(u32, String), usize>) {
        for child in &element.children {
            match child {
                DomNode::Text(t) if !t.trim().is_empty() => {
                    *out.entry((element.id, t.clone())).or_default() += 1
                }
                DomNode::Text(_) => {}
                DomNode::Element(e) => texts(e, out),
            }
        }
    }
    let mut in_body = HashMap::new();
    if let Some(body) = body {
        texts(body, &mut in_body);
    }
    let mut in_sections = HashMap::new();
    for s in sections {
        for root in &s.data.dom {
            texts(root, &mut in_sections);
        }
    }
    if in_body != in_sections {
        let missing: Vec<_> = in_body
            .iter()
            .filter(|(k, n)| in_sections.get(*k) != Some(n))
            .take(3)
            .collect();
        let extra: Vec<_> = in_sections
            .iter()
            .filter(|(k, n)| in_body.get(*k) != Some(n))
            .take(3)
            .collect();
        problem(format!(
            "text nodes differ from the body's: missing {missing:?}, extra {extra:?}"
        ));
    }

    // Exactly once: leaf elements by id (elements holding sections may be copied around).
    fn leaves(element: &DomElement, out: &mut HashMap<u32, usize>) {
        if element.child_elements().next().is_none() {
            *out.entry(element.id).or_default() += 1;
        }
        for child in element.child_elements() {
            leaves(child, out);
        }
    }
    let mut body_leaves = HashMap::new();
    if let Some(body) = body {
        for child in body.child_elements() {
            leaves(child, &mut body_leaves);
        }
    }
    let mut section_leaves = HashMap::new();
    for s in sections {
        for root in &s.data.dom {
            leaves(root, &mut section_leaves);
        }
    }
    section_leaves.retain(|id, _| body_leaves.contains_key(id));
    if body_leaves != section_leaves {
        let wrong: Vec<_> = body_leaves
            .iter()
            .filter(|(id, _)| section_leaves.get(*id) != Some(&1))
            .take(5)
            .collect();
        problem(format!(
            "leaf elements not in exactly one section: {wrong:?}"
        ));
    }

    // Exactly once: every element, in a section or as a wrapper; only what renders nothing
    // anywhere (scripts and the like, and what they hold) may be left out.
    fn count(element: &DomElement, body: &DomElement, out: &mut HashMap<u32, usize>) {
        // An anonymous box of loose text carries its container's id, not an element's.
        let anonymous = element.tag == "span"
            && element.attrs.is_empty()
            && body.find(element.id).is_none_or(|real| real.tag != "span");
        if !anonymous {
            *out.entry(element.id).or_default() += 1;
        }
        for child in element.child_elements() {
            count(child, body, out);
        }
    }
    if let Some(body) = body {
        let mut seen: HashMap<u32, usize> = HashMap::new();
        for s in sections {
            for root in &s.data.dom {
                count(root, body, &mut seen);
            }
        }
        for wrapper in plan.wrappers() {
            for element in &wrapper.elements {
                *seen.entry(element.id).or_default() += 1;
            }
        }
        let mut wrong = Vec::new();
        fn expect(
            element: &DomElement,
            inside_unrendered: bool,
            seen: &HashMap<u32, usize>,
            wrong: &mut Vec<String>,
        ) {
            let unrendered = inside_unrendered
                || matches!(
                    element.tag.as_str(),
                    "script"
                        | "style"
                        | "link"
                        | "meta"
                        | "noscript"
                        | "template"
                        | "base"
                        | "title"
                );
            let times = seen.get(&element.id).copied().unwrap_or(0);
            if times > 1 || times == 0 && !unrendered {
                wrong.push(format!("<{}> {} x{times}", element.tag, element.id));
            }
            for child in element.child_elements() {
                expect(child, unrendered, seen, wrong);
            }
        }
        for child in body.child_elements() {
            expect(child, false, &seen, &mut wrong);
        }
        if !wrong.is_empty() {
            wrong.truncate(5);
            problem(format!("elements not rendered exactly once: {wrong:?}"));
        }
        let mut named = Vec::new();
        fn sections_of(nodes: &[replica_core::OutlineNode], out: &mut Vec<String>) {
            for node in nodes {
                match node {
                    replica_core::OutlineNode::Section { id } => out.push(id.clone()),
                    replica_core::OutlineNode::Wrapper(w) => sections_of(&w.children, out),
                }
            }
        }
        sections_of(&plan.outline, &mut named);
        let ids: Vec<String> = sections.iter().map(|s| s.id.clone()).collect();
        if named != ids {
            problem(format!("the outline names {named:?}, the plan has {ids:?}"));
        }
    }

    // Exactly once, and only in the section whose DOM holds them: images, links, buttons.
    let in_dom = |roots: &[DomElement], node: u32| roots.iter().any(|r| r.find(node).is_some());
    let known = |node: u32| body.is_some_and(|b| b.find(node).is_some());
    let mut check_list = |what: &str, nodes: Vec<u32>, per_section: Vec<Vec<u32>>| {
        for node in nodes {
            let holders: Vec<usize> = per_section
                .iter()
                .enumerate()
                .filter(|(_, list)| list.contains(&node))
                .map(|(i, _)| i)
                .collect();
            if holders.len() != 1 {
                problem(format!("{what} {node} is in sections {holders:?}"));
            } else if known(node) && !in_dom(&sections[holders[0]].data.dom, node) {
                problem(format!(
                    "{what} {node} is listed in section {} whose DOM does not hold it",
                    holders[0]
                ));
            }
        }
    };
    let desktop = &scrape.desktop;
    check_list(
        "image",
        desktop.images.iter().map(|i| i.node).collect(),
        sections
            .iter()
            .map(|s| s.data.images.iter().map(|i| i.node).collect())
            .collect(),
    );
    check_list(
        "link",
        desktop.links.iter().map(|l| l.node).collect(),
        sections
            .iter()
            .map(|s| s.data.links.iter().map(|l| l.node).collect())
            .collect(),
    );
    check_list(
        "button",
        desktop.buttons.iter().map(|b| b.node).collect(),
        sections
            .iter()
            .map(|s| s.data.buttons.iter().map(|b| b.node).collect())
            .collect(),
    );

    // Only its own data.
    for s in sections {
        let d = &s.data;
        let text: Vec<String> = d
            .dom
            .iter()
            .map(DomElement::text_content)
            .filter(|t| !t.is_empty())
            .collect();
        if d.text_content != text.join(" ") {
            problem(format!("{}: text_content is not the text of its DOM", s.id));
        }
        let mut heading_count = 0;
        let mut paragraph_count = 0;
        for root in &d.dom {
            root.walk(&mut |e| {
                let has_text = !e.text_content().is_empty();
                heading_count += usize::from(
                    has_text && matches!(e.tag.as_str(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6"),
                );
                paragraph_count += usize::from(has_text && e.tag == "p");
            });
        }
        if heading_count != d.headings.len() || paragraph_count != d.paragraphs.len() {
            problem(format!(
                "{}: headings/paragraphs are not those of its DOM",
                s.id
            ));
        }
        for link in &d.nav_links {
            if !d.links.contains(link) {
                problem(format!(
                    "{}: nav link {} is not one of its links",
                    s.id, link.node
                ));
            }
        }
        if let Some(logo) = &d.logo_svg {
            let own = desktop
                .svgs
                .iter()
                .any(|svg| &svg.markup == logo && in_dom(&d.dom, svg.node));
            if !own {
                problem(format!("{}: its logo is not an SVG of its own", s.id));
            }
        }
    }

    // Crops: where the screenshot reaches, with the band's height, clipped at the cap.
    for (device, capture) in [("desktop", &scrape.desktop), ("mobile", &scrape.mobile)] {
        let shot = &capture.screenshots.full_page;
        let scale = if shot.css_height > 0.0 {
            f64::from(shot.height) / shot.css_height
        } else {
            0.0
        };
        for s in sections {
            let (band, crop) = match device {
                "desktop" => (Some(s.data.rect), &s.data.desktop_crop),
                _ => (s.data.mobile_box, &s.data.mobile_crop),
            };
            let readable = image::load_from_memory(&shot.png).is_ok();
            let expected = band.filter(|b| b.height > 0.0 && b.y < shot.css_height && readable);
            match (expected, crop) {
                (None, None) => {}
                (Some(b), Some(c)) => {
                    let visible = (b.bottom().min(shot.css_height) - b.y) * scale;
                    if (f64::from(c.height) - visible).abs() > 1.5 || c.width != shot.width {
                        problem(format!(
                            "{} {device} crop is {}x{}, expected {}x{visible:.0}",
                            s.id, c.width, c.height, shot.width
                        ));
                    }
                    if c.clipped != (b.bottom() > shot.css_height + 0.5) {
                        problem(format!(
                            "{} {device} crop clipped = {} for band ending at {}",
                            s.id,
                            c.clipped,
                            b.bottom()
                        ));
                    }
                    match image::load_from_memory(&c.png) {
                        Ok(img) if img.width() == c.width && img.height() == c.height => {}
                        _ => problem(format!(
                            "{} {device} crop is not a {}x{} PNG",
                            s.id, c.width, c.height
                        )),
                    }
                }
                (expected, crop) => problem(format!(
                    "{} {device}: band {expected:?} but crop {:?}",
                    s.id,
                    crop.as_ref().map(|c| c.height)
                )),
            }
        }
    }
    problems
}

#[test]
fn invariants_hold_on_every_fixture() {
    let mut failures = Vec::new();
    for (name, path) in scrape_dirs() {
        let scrape = load(&path);
        let plan = plan_of(&scrape);
        for problem in violations(&scrape, &plan) {
            failures.push(format!("{name}: {problem}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn planning_is_deterministic_and_round_trips_through_json() {
    for (name, path) in scrape_dirs() {
        let scrape = load(&path);
        let plan = plan_of(&scrape);
        let again = plan_of(&scrape);
        assert_eq!(plan, again, "{name}: two runs differ");
        let json = serde_json::to_string(&plan).unwrap();
        let mut back: Plan = serde_json::from_str(&json).unwrap();
        // Crop bytes are not serialized; everything else is.
        for (s, original) in back.sections.iter_mut().zip(&plan.sections) {
            for (crop, bytes) in [
                (&mut s.data.desktop_crop, &original.data.desktop_crop),
                (&mut s.data.mobile_crop, &original.data.mobile_crop),
            ] {
                if let (Some(c), Some(b)) = (crop.as_mut(), bytes) {
                    c.png = b.png.clone();
                }
            }
        }
        assert_eq!(
            back.shared_context, plan.shared_context,
            "{name}: JSON round trip changed the shared context"
        );
        for (b, p) in back.sections.iter().zip(&plan.sections) {
            assert!(
                b.data.dom == p.data.dom,
                "{name} {}: JSON round trip changed the DOM",
                p.id
            );
            if b != p {
                let (bd, pd) = (&b.data, &p.data);
                let fields = [
                    ("rect", bd.rect == pd.rect),
                    ("mobile_box", bd.mobile_box == pd.mobile_box),
                    (
                        "crops",
                        bd.desktop_crop == pd.desktop_crop && bd.mobile_crop == pd.mobile_crop,
                    ),
                    ("headings", bd.headings == pd.headings),
                    ("paragraphs", bd.paragraphs == pd.paragraphs),
                    ("images", bd.images == pd.images),
                    ("links", bd.links == pd.links),
                    ("buttons", bd.buttons == pd.buttons),
                    ("text", bd.text_content == pd.text_content),
                    ("nav", bd.nav_links == pd.nav_links),
                    ("logo", bd.logo_svg == pd.logo_svg),
                    ("background", bd.background == pd.background),
                ];
                panic!(
                    "{name} {}: JSON round trip changed {:?} {:?} {:?}",
                    p.id,
                    fields
                        .iter()
                        .filter(|f| !f.1)
                        .map(|f| f.0)
                        .collect::<Vec<_>>(),
                    (bd.links.first(), pd.links.first()),
                    (bd.buttons.first(), pd.buttons.first())
                );
            }
        }
        assert_eq!(back.sections.len(), plan.sections.len());
    }
}
