//! Edge cases on hand-made pages: one behaviour each, and the invariants on every one.

use replica_core::{DesignTokens, DomNode, OutlineNode, Plan, ScrapeData, SectionKind};

use crate::builder::{bodiless, by_class, el, page, text};
use crate::invariants::violations;

fn plan(scrape: &ScrapeData) -> Plan {
    let plan = replica_planner::plan(scrape, &DesignTokens::default());
    let problems = violations(scrape, &plan);
    assert!(
        problems.is_empty(),
        "invariants broken:\n{}",
        problems.join("\n")
    );
    plan
}

fn bands(plan: &Plan) -> Vec<(f64, f64)> {
    plan.sections
        .iter()
        .map(|s| (s.data.rect.y, s.data.rect.bottom()))
        .collect()
}

fn names(plan: &Plan) -> Vec<&str> {
    plan.sections
        .iter()
        .map(|s| s.component_name.as_str())
        .collect()
}

/// A paragraph 100 px tall.
fn para(class: &str, y: f64, words: &str) -> DomNode {
    el("p", class, (100.0, y, 800.0, 100.0), &[], vec![text(words)])
}

#[test]
fn empty_body_gives_no_sections() {
    let scrape = page(
        el("body", "", (8.0, 8.0, 1264.0, 0.0), &[], vec![text("\n  ")]),
        720.0,
        6000.0,
        &[],
    );
    let plan = plan(&scrape);
    assert!(plan.sections.is_empty());
    assert_eq!(plan.shared_context.title, "Edge case");
    assert_eq!(plan.shared_context.theme, "light");
}

#[test]
fn a_page_without_body_gives_no_sections() {
    let scrape = bodiless();
    assert!(plan(&scrape).sections.is_empty());
}

#[test]
fn text_directly_in_a_body_without_sections_is_one_section() {
    let scrape = page(
        el(
            "body",
            "",
            (0.0, 0.0, 1280.0, 40.0),
            &[],
            vec![text("Hello, world")],
        ),
        720.0,
        6000.0,
        &[],
    );
    let plan = plan(&scrape);
    assert_eq!(names(&plan), ["Section1"]);
    assert_eq!(plan.sections[0].data.text_content, "Hello, world");
    assert_eq!(bands(&plan), [(0.0, 720.0)]);
}

#[test]
fn one_giant_block_is_split_at_its_children() {
    // A 3000 px block of thirty 100 px paragraphs: parts of about one viewport (720 px).
    let children: Vec<DomNode> = (0..30)
        .map(|i| para("", f64::from(i) * 100.0, &format!("Paragraph {i}.")))
        .collect();
    let block = el(
        "div",
        "story",
        (0.0, 0.0, 1280.0, 3000.0),
        &[
            ("padding-top", "40px"),
            ("padding-bottom", "40px"),
            ("background-color", "rgb(250, 250, 250)"),
        ],
        children,
    );
    let scrape = page(
        el("body", "", (0.0, 0.0, 1280.0, 3000.0), &[], vec![block]),
        3000.0,
        6000.0,
        &[("story", SectionKind::Hero)],
    );
    let plan = plan(&scrape);
    assert_eq!(
        bands(&plan),
        [
            (0.0, 800.0),
            (800.0, 1600.0),
            (1600.0, 2400.0),
            (2400.0, 3000.0)
        ]
    );
    assert_eq!(names(&plan), ["Hero", "Section2", "Section3", "Section4"]);
    // The block renders once, around the sections; each holds a run of its paragraphs.
    let story = by_class(&scrape.desktop.dom, "story").unwrap();
    let [OutlineNode::Wrapper(wrapper)] = plan.outline.as_slice() else {
        panic!("the block is the one wrapper: {:?}", plan.outline)
    };
    assert_eq!(wrapper.component_name, "Story");
    assert_eq!(
        wrapper.elements.iter().map(|e| e.id).collect::<Vec<_>>(),
        [story.id]
    );
    assert_eq!(wrapper.elements[0].style("padding-top"), Some("40px"));
    assert_eq!(wrapper.children.len(), 4);
    for s in &plan.sections {
        assert!(s.data.dom.iter().all(|piece| piece.tag == "p"), "{}", s.id);
        assert_eq!(s.data.container.as_ref().map(|c| c.id), Some(story.id));
        assert_eq!(s.data.background.as_deref(), Some("rgb(250, 250, 250)"));
    }
    assert_eq!(
        plan.sections[1].data.paragraphs.first().map(String::as_str),
        Some("Paragraph 8.")
    );
}

#[test]
fn a_giant_block_of_text_lines_is_split_by_height_bands() {
    // One element with only text and line breaks (no block children): cut at the breaks.
    let mut children = Vec::new();
    for line in 0..100 {
        let y = f64::from(line) * 30.0;
        children.push(text(&format!("Line {line} of the story.")));
        children.push(el("br", "", (500.0, y, 0.0, 22.0), &[], vec![]));
    }
    let block = el("div", "story", (0.0, 0.0, 1280.0, 3000.0), &[], children);
    let scrape = page(
        el("body", "", (0.0, 0.0, 1280.0, 3000.0), &[], vec![block]),
        3000.0,
        6000.0,
        &[("story", SectionKind::Content)],
    );
    // Text precedes every break, so a cut never falls after text: the only cuts are between
    // breaks... and there are none. Add a second break to each line to make paragraph ends.
    let plan_without_cuts = plan(&scrape);
    assert_eq!(
        plan_without_cuts.sections.len(),
        1,
        "no cut point: one section"
    );

    let mut children = Vec::new();
    for para in 0..50 {
        let y = f64::from(para) * 60.0;
        children.push(text(&format!("Paragraph {para} of the story.")));
        children.push(el("br", "", (500.0, y, 0.0, 22.0), &[], vec![]));
        children.push(el("br", "", (100.0, y + 30.0, 0.0, 22.0), &[], vec![]));
    }
    let block = el("div", "story", (0.0, 0.0, 1280.0, 3000.0), &[], children);
    let scrape = page(
        el("body", "", (0.0, 0.0, 1280.0, 3000.0), &[], vec![block]),
        3000.0,
        6000.0,
        &[("story", SectionKind::Content)],
    );
    let plan = plan(&scrape);
    assert!(plan.sections.len() >= 3, "{:?}", bands(&plan));
    for s in &plan.sections {
        assert!(
            s.data.rect.height <= 2.0 * 720.0,
            "parts are about one viewport tall: {:?}",
            bands(&plan)
        );
        assert!(
            s.data.text_content.starts_with("Paragraph"),
            "a part starts at a paragraph: {}",
            s.data.text_content
        );
    }
}

#[test]
fn a_section_taller_than_the_screenshot_is_clipped_and_one_below_it_has_no_crop() {
    // Screenshots stop at 1000 px; the first block (1500 px of unbreakable text) reaches past
    // that, the second starts below it.
    let tall = el(
        "div",
        "tall",
        (0.0, 0.0, 1280.0, 1500.0),
        &[],
        vec![text("One long paragraph.")],
    );
    let below = el(
        "div",
        "below",
        (0.0, 1500.0, 1280.0, 500.0),
        &[],
        vec![text("Below the cap.")],
    );
    let scrape = page(
        el(
            "body",
            "",
            (0.0, 0.0, 1280.0, 2000.0),
            &[],
            vec![tall, below],
        ),
        2000.0,
        1000.0,
        &[("tall", SectionKind::Hero), ("below", SectionKind::Footer)],
    );
    let plan = plan(&scrape);
    let hero = plan.sections[0]
        .data
        .desktop_crop
        .as_ref()
        .expect("a clipped crop");
    assert!(hero.clipped);
    assert_eq!((hero.width, hero.height), (1280, 1000));
    let mobile = plan.sections[0]
        .data
        .mobile_crop
        .as_ref()
        .expect("a clipped mobile crop");
    assert_eq!(
        (mobile.width, mobile.height, mobile.clipped),
        (750, 2000, true),
        "mobile pixels are CSS px x 2"
    );
    assert!(plan.sections[1].data.desktop_crop.is_none());
    assert!(plan.sections[1].data.mobile_crop.is_none());
}

#[test]
fn crops_start_at_their_band() {
    let a = el(
        "section",
        "a",
        (0.0, 0.0, 1280.0, 300.0),
        &[],
        vec![text("A")],
    );
    let b = el(
        "section",
        "b",
        (0.0, 300.0, 1280.0, 200.0),
        &[],
        vec![text("B")],
    );
    let scrape = page(
        el("body", "", (0.0, 0.0, 1280.0, 500.0), &[], vec![a, b]),
        500.0,
        6000.0,
        &[("a", SectionKind::Hero), ("b", SectionKind::Footer)],
    );
    let plan = plan(&scrape);
    for (device, crop, scale) in [
        ("desktop", &plan.sections[1].data.desktop_crop, 1.0),
        ("mobile", &plan.sections[1].data.mobile_crop, 2.0),
    ] {
        let crop = crop.as_ref().unwrap();
        let image = image::load_from_memory(&crop.png).unwrap().to_rgb8();
        assert_eq!(
            image.get_pixel(0, 0).0[0],
            (300 % 251) as u8,
            "{device}: first row shows CSS px 300"
        );
        assert_eq!(f64::from(crop.height), 200.0 * scale, "{device}");
    }
}

#[test]
fn a_sticky_header_captured_mid_page_sits_at_the_top() {
    // The capture saw the sticky header where the page was scrolled to (y = 2100).
    let header = el(
        "header",
        "top",
        (0.0, 2100.0, 1280.0, 70.0),
        &[("position", "sticky"), ("top", "0px")],
        vec![text("Brand")],
    );
    let hero = el(
        "section",
        "hero",
        (0.0, 70.0, 1280.0, 1000.0),
        &[],
        vec![text("Hero")],
    );
    let rest = el(
        "section",
        "rest",
        (0.0, 1070.0, 1280.0, 1930.0),
        &[],
        vec![text("Rest")],
    );
    let scrape = page(
        el(
            "body",
            "",
            (0.0, 0.0, 1280.0, 3000.0),
            &[],
            vec![header, hero, rest],
        ),
        3000.0,
        6000.0,
        &[
            ("top", SectionKind::Navbar),
            ("hero", SectionKind::Hero),
            ("rest", SectionKind::Content),
        ],
    );
    let plan = plan(&scrape);
    assert_eq!(
        bands(&plan),
        [(0.0, 70.0), (70.0, 1070.0), (1070.0, 3000.0)]
    );
    assert_eq!(names(&plan), ["Navbar", "Hero", "Section3"]);
}

#[test]
fn a_fixed_header_over_the_hero_keeps_its_own_band() {
    // Out of flow: the hero starts at 0 under the header.
    let header = el(
        "header",
        "top",
        (0.0, 0.0, 1280.0, 64.0),
        &[("position", "fixed")],
        vec![text("Brand")],
    );
    let hero = el(
        "section",
        "hero",
        (0.0, 0.0, 1280.0, 800.0),
        &[],
        vec![text("Hero")],
    );
    let scrape = page(
        el(
            "body",
            "",
            (0.0, 0.0, 1280.0, 800.0),
            &[],
            vec![header, hero],
        ),
        800.0,
        6000.0,
        &[("top", SectionKind::Navbar), ("hero", SectionKind::Hero)],
    );
    let plan = plan(&scrape);
    assert_eq!(bands(&plan), [(0.0, 64.0), (64.0, 800.0)]);
}

#[test]
fn content_outside_sections_belongs_to_the_section_beside_it() {
    let body = el(
        "body",
        "",
        (0.0, 0.0, 1280.0, 2000.0),
        &[],
        vec![
            // Fixed sidebar before everything: with the section after it.
            el(
                "aside",
                "sidebar",
                (0.0, 0.0, 200.0, 720.0),
                &[("position", "fixed")],
                vec![el(
                    "a",
                    "",
                    (10.0, 10.0, 100.0, 20.0),
                    &[],
                    vec![text("Docs")],
                )],
            ),
            el(
                "section",
                "one",
                (0.0, 0.0, 1280.0, 800.0),
                &[],
                vec![text("One")],
            ),
            // Text straight in <body>: with the section before it, as an anonymous box.
            text("Loose words"),
            // A full-width block between sections: a section of its own.
            el(
                "div",
                "banner",
                (0.0, 800.0, 1280.0, 200.0),
                &[],
                vec![text("Banner")],
            ),
            el(
                "section",
                "two",
                (0.0, 1000.0, 1280.0, 1000.0),
                &[],
                vec![text("Two")],
            ),
            // An absolutely positioned badge drawn inside section one's band: it stays where
            // it is in the tree, after section two.
            el(
                "span",
                "badge",
                (600.0, 300.0, 80.0, 20.0),
                &[("position", "absolute")],
                vec![el("img", "", (600.0, 300.0, 20.0, 20.0), &[], vec![])],
            ),
            // Hidden: the section before it.
            el(
                "div",
                "menu",
                (0.0, 0.0, 0.0, 0.0),
                &[("display", "none")],
                vec![el(
                    "a",
                    "",
                    (0.0, 0.0, 0.0, 0.0),
                    &[],
                    vec![text("Hidden link")],
                )],
            ),
        ],
    );
    let scrape = page(
        body,
        2000.0,
        6000.0,
        &[("one", SectionKind::Hero), ("two", SectionKind::Features)],
    );
    let plan = plan(&scrape);
    assert_eq!(names(&plan), ["Hero", "Section2", "Features"]);
    assert_eq!(
        bands(&plan),
        [(0.0, 800.0), (800.0, 1000.0), (1000.0, 2000.0)]
    );
    let roots = |i: usize| {
        plan.sections[i]
            .data
            .dom
            .iter()
            .map(|r| r.attr("class").unwrap_or(&r.tag).to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        roots(0),
        ["sidebar", "one", "span"],
        "sidebar, section, the text after it"
    );
    assert_eq!(roots(1), ["banner"]);
    assert_eq!(roots(2), ["two", "badge", "menu"]);
    assert_eq!(plan.sections[2].data.images.len(), 1);
    assert_eq!(plan.sections[0].data.links.len(), 1);
    assert!(plan.sections[0].data.text_content.contains("Loose words"));
    assert_eq!(plan.sections[2].data.links[0].text, "Hidden link");
}

#[test]
fn repeated_types_get_numbered_names() {
    let kinds = [
        SectionKind::Navbar,
        SectionKind::Features,
        SectionKind::Content,
        SectionKind::Features,
        SectionKind::Faq,
        SectionKind::Features,
    ];
    let classes = ["s0", "s1", "s2", "s3", "s4", "s5"];
    let children: Vec<DomNode> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            el(
                "section",
                c,
                (0.0, i as f64 * 200.0, 1280.0, 200.0),
                &[],
                vec![text(c)],
            )
        })
        .collect();
    let sections: Vec<(&str, SectionKind)> = classes.iter().copied().zip(kinds).collect();
    let scrape = page(
        el("body", "", (0.0, 0.0, 1280.0, 1200.0), &[], children),
        1200.0,
        6000.0,
        &sections,
    );
    assert_eq!(
        names(&plan(&scrape)),
        [
            "Navbar",
            "Features",
            "Section3",
            "Features2",
            "FAQ",
            "Features3"
        ]
    );
}

#[test]
fn sections_the_dom_does_not_hold_or_that_nest_are_ignored() {
    let inner = el(
        "div",
        "inner",
        (0.0, 100.0, 1280.0, 100.0),
        &[],
        vec![text("Inner")],
    );
    let outer = el(
        "section",
        "outer",
        (0.0, 0.0, 1280.0, 500.0),
        &[],
        vec![inner],
    );
    let mut scrape = page(
        el("body", "", (0.0, 0.0, 1280.0, 500.0), &[], vec![outer]),
        500.0,
        6000.0,
        &[
            ("outer", SectionKind::Hero),
            ("inner", SectionKind::Features),
        ],
    );
    let mut ghost = scrape.desktop.sections[0].clone();
    ghost.node = 999;
    scrape.desktop.sections.push(ghost);
    let plan = plan(&scrape);
    assert_eq!(names(&plan), ["Hero"]);
}

#[test]
fn unreadable_screenshots_and_a_different_mobile_dom_do_not_fail_the_plan() {
    let a = el(
        "section",
        "a",
        (0.0, 0.0, 1280.0, 300.0),
        &[],
        vec![text("A")],
    );
    let mut scrape = page(
        el("body", "", (0.0, 0.0, 1280.0, 300.0), &[], vec![a]),
        300.0,
        6000.0,
        &[("a", SectionKind::Hero)],
    );
    scrape.desktop.screenshots.full_page.png = b"not a png".to_vec();
    // Scripts built another page on mobile: nothing matches by id and tag.
    scrape.mobile.dom.walk_mut_for_test();
    let plan = plan(&scrape);
    assert_eq!(plan.sections.len(), 1);
    assert!(plan.sections[0].data.desktop_crop.is_none());
    assert!(plan.sections[0].data.mobile_box.is_none());
    assert!(plan.sections[0].data.mobile_crop.is_none());
}

/// Renames every element of a capture so no id/tag pair matches the desktop's.
trait Rename {
    fn walk_mut_for_test(&mut self);
}

impl Rename for replica_core::DomElement {
    fn walk_mut_for_test(&mut self) {
        if self.tag != "html" && self.tag != "body" {
            self.tag = format!("x-{}", self.tag);
        }
        for child in &mut self.children {
            if let DomNode::Element(e) = child {
                e.walk_mut_for_test();
            }
        }
    }
}

#[test]
fn theme_and_fonts_come_from_the_tokens() {
    let a = el(
        "section",
        "a",
        (0.0, 0.0, 1280.0, 300.0),
        &[],
        vec![text("A")],
    );
    let scrape = page(
        el("body", "", (0.0, 0.0, 1280.0, 300.0), &[], vec![a]),
        300.0,
        6000.0,
        &[("a", SectionKind::Hero)],
    );
    let mut tokens = DesignTokens::default();
    tokens.colors.backgrounds.page = Some("#111827".into());
    tokens.typography.families.heading = Some("Inter, sans-serif".into());
    tokens.typography.families.body = Some("Inter, sans-serif".into());
    tokens.typography.families.mono = Some("\"JetBrains Mono\", monospace".into());
    tokens.typography.sources = vec![replica_core::FontSource {
        family: Some("Inter".into()),
        url: "http://example.test/inter.woff2".into(),
        kind: replica_core::FontSourceKind::FontFace,
    }];
    let plan = replica_planner::plan(&scrape, &tokens);
    assert_eq!(plan.shared_context.theme, "dark");
    assert_eq!(
        plan.shared_context.font_families,
        ["Inter, sans-serif", "\"JetBrains Mono\", monospace"]
    );
    assert_eq!(
        plan.shared_context.font_urls,
        ["http://example.test/inter.woff2"]
    );
}

/// `<body><center>` + sections in it: the center is the plan's wrapper and loose text in it
/// an anonymous box; a fixed bar and a script after it, with no section beside them at body
/// level, are a section of their own there.
#[test]
fn a_page_wide_wrapper_is_kept_once_around_the_sections() {
    let section = |class: &str, y: f64| {
        el(
            "table",
            class,
            (260.0, y, 760.0, 800.0),
            &[],
            vec![text(class)],
        )
    };
    let body = el(
        "body",
        "",
        (0.0, 0.0, 1280.0, 2430.0),
        &[],
        vec![
            el(
                "center",
                "page",
                (0.0, 0.0, 1280.0, 2430.0),
                &[],
                vec![
                    section("one", 0.0),
                    section("two", 800.0),
                    text("Copyright 2003"),
                    section("three", 1630.0),
                ],
            ),
            el(
                "div",
                "cookie-bar",
                (0.0, 660.0, 1280.0, 60.0),
                &[("position", "fixed")],
                vec![text("Cookies!")],
            ),
            el("script", "", (0.0, 0.0, 0.0, 0.0), &[], vec![text("x()")]),
        ],
    );
    let scrape = page(
        body,
        2430.0,
        6000.0,
        &[
            ("one", SectionKind::Hero),
            ("two", SectionKind::Content),
            ("three", SectionKind::Footer),
        ],
    );
    let plan = plan(&scrape);
    let center = by_class(&scrape.desktop.dom, "page").unwrap();
    let [
        OutlineNode::Wrapper(wrapper),
        OutlineNode::Section { id: bar },
    ] = plan.outline.as_slice()
    else {
        panic!("one wrapper and a section after it: {:?}", plan.outline)
    };
    let [element] = wrapper.elements.as_slice() else {
        panic!("one element: {:?}", wrapper.elements)
    };
    assert_eq!(
        (element.id, element.tag.as_str(), element.attr("class")),
        (center.id, "center", Some("page"))
    );
    assert_eq!(wrapper.component_name, "Center");
    assert!(element.children.is_empty());
    assert_eq!(bar, "section-3");
    let roots: Vec<Vec<(&str, u32)>> = plan
        .sections
        .iter()
        .map(|s| s.data.dom.iter().map(|r| (r.tag.as_str(), r.id)).collect())
        .collect();
    let id = |class: &str| by_class(&scrape.desktop.dom, class).unwrap().id;
    assert_eq!(
        roots,
        [
            vec![("table", id("one"))],
            // The text is a span in the wrapper, not a second <center>.
            vec![("table", id("two")), ("span", center.id)],
            vec![("table", id("three"))],
            // Scripts stay in the plan (the generator drops them).
            vec![("div", id("cookie-bar")), ("script", id("cookie-bar") + 1)],
        ]
    );
    assert_eq!(names(&plan), ["Hero", "Section2", "Footer", "Section4"]);
    assert_eq!(plan.sections[3].data.container, None);
    let span = &plan.sections[1].data.dom[1];
    assert!(span.attrs.is_empty() && span.style.is_empty());
    assert_eq!(span.text_content(), "Copyright 2003");
}

/// A header straight in `<body>` and the other sections in `<div id="page">`: the div is a
/// wrapper after the header, rendered once with its own padding and style.
#[test]
fn sections_at_different_depths_sit_in_their_wrapper() {
    let section = |class: &str, y: f64| {
        el(
            "section",
            class,
            (0.0, y, 1280.0, 600.0),
            &[],
            vec![text(class)],
        )
    };
    let mut container = el(
        "div",
        "page",
        (0.0, 100.0, 1280.0, 1880.0),
        &[("padding-top", "40px"), ("padding-bottom", "40px")],
        vec![
            section("one", 140.0),
            section("two", 740.0),
            section("three", 1340.0),
        ],
    );
    if let DomNode::Element(div) = &mut container {
        div.attrs
            .push(("style".to_string(), "color: red;".to_string()));
    }
    let body = el(
        "body",
        "",
        (0.0, 0.0, 1280.0, 1980.0),
        &[],
        vec![
            el(
                "header",
                "top",
                (0.0, 0.0, 1280.0, 100.0),
                &[],
                vec![text("Header")],
            ),
            container,
        ],
    );
    let scrape = page(
        body,
        1980.0,
        6000.0,
        &[
            ("top", SectionKind::Navbar),
            ("one", SectionKind::Hero),
            ("two", SectionKind::Content),
            ("three", SectionKind::Content),
        ],
    );
    let plan = plan(&scrape);
    let page_id = by_class(&scrape.desktop.dom, "page").unwrap().id;
    assert_eq!(plan.sections[0].data.dom[0].tag, "header");
    assert_eq!(plan.sections[0].data.container, None);
    let [
        OutlineNode::Section { id: header },
        OutlineNode::Wrapper(wrapper),
    ] = plan.outline.as_slice()
    else {
        panic!("the header, then the div: {:?}", plan.outline)
    };
    assert_eq!(header, "section-0");
    assert_eq!(wrapper.component_name, "Page");
    let div = &wrapper.elements[0];
    assert_eq!(
        (div.id, div.style("padding-top"), div.attr("style")),
        (page_id, Some("40px"), Some("color: red;"))
    );
    let held: Vec<&OutlineNode> = wrapper.children.iter().collect();
    assert_eq!(held.len(), 3);
    for s in &plan.sections[1..] {
        assert_eq!(s.data.dom.len(), 1);
        assert_eq!(s.data.dom[0].tag, "section");
        assert_eq!(s.data.container.as_ref().map(|c| c.id), Some(page_id));
    }
    // The section's own element still gives its background and data.
    assert_eq!(plan.sections[2].data.text_content, "two");
}

/// `<body>` a flex column one screen high, the header in it and the rest in a `<div>` that
/// grows and shrinks with it: the div renders once, as the page's flex item, untouched.
#[test]
fn a_flex_item_holding_sections_renders_once() {
    let section = |class: &str, y: f64| {
        el(
            "section",
            class,
            (0.0, y, 1280.0, 600.0),
            &[],
            vec![text(class)],
        )
    };
    let body = el(
        "body",
        "",
        (0.0, 0.0, 1280.0, 720.0),
        &[
            ("display", "flex"),
            ("flex-direction", "column"),
            ("height", "720px"),
        ],
        vec![
            el(
                "header",
                "top",
                (0.0, 0.0, 1280.0, 100.0),
                &[],
                vec![text("Header")],
            ),
            el(
                "div",
                "page",
                (0.0, 100.0, 1280.0, 620.0),
                &[("flex-grow", "1"), ("min-height", "620px")],
                vec![section("one", 100.0), section("two", 700.0)],
            ),
        ],
    );
    let scrape = page(
        body,
        1300.0,
        6000.0,
        &[
            ("top", SectionKind::Navbar),
            ("one", SectionKind::Hero),
            ("two", SectionKind::Content),
        ],
    );
    let plan = plan(&scrape);
    let wrappers = plan.wrappers();
    let [wrapper] = wrappers.as_slice() else {
        panic!("one wrapper: {:?}", plan.outline)
    };
    let div = &wrapper.elements[0];
    assert_eq!(
        (
            div.style("flex-grow"),
            div.style("min-height"),
            div.attr("style")
        ),
        (Some("1"), Some("620px"), None)
    );
    for s in &plan.sections[1..] {
        assert_eq!(s.data.dom[0].tag, "section");
    }
}

/// An absolutely positioned element at body level stays there (inside the positioned
/// wrapper it would move): with no section beside it, it is a section of its own, after the
/// chain of two wrappers (one component).
#[test]
fn a_positioned_element_beside_wrappers_keeps_its_place() {
    let body = el(
        "body",
        "",
        (0.0, 0.0, 1280.0, 1600.0),
        &[],
        vec![
            el(
                "div",
                "outer",
                (0.0, 0.0, 1280.0, 1600.0),
                &[],
                vec![el(
                    "div",
                    "inner",
                    (0.0, 0.0, 1280.0, 1600.0),
                    &[("position", "relative")],
                    vec![
                        el(
                            "section",
                            "one",
                            (0.0, 0.0, 1280.0, 800.0),
                            &[],
                            vec![text("1")],
                        ),
                        el(
                            "section",
                            "two",
                            (0.0, 800.0, 1280.0, 800.0),
                            &[],
                            vec![text("2")],
                        ),
                    ],
                )],
            ),
            el(
                "a",
                "skip",
                (-999.0, 0.0, 100.0, 20.0),
                &[("position", "absolute")],
                vec![text("Skip")],
            ),
        ],
    );
    let scrape = page(
        body,
        1600.0,
        6000.0,
        &[("one", SectionKind::Hero), ("two", SectionKind::Content)],
    );
    let plan = plan(&scrape);
    let id = |class: &str| by_class(&scrape.desktop.dom, class).unwrap().id;
    let [
        OutlineNode::Wrapper(wrapper),
        OutlineNode::Section { id: skip },
    ] = plan.outline.as_slice()
    else {
        panic!("the chain, then the link: {:?}", plan.outline)
    };
    assert_eq!(
        wrapper.elements.iter().map(|e| e.id).collect::<Vec<_>>(),
        [id("outer"), id("inner")]
    );
    assert_eq!(wrapper.component_name, "Outer");
    assert_eq!(wrapper.children.len(), 2);
    assert_eq!(skip, "section-2");
    assert_eq!(plan.sections[2].data.dom[0].id, id("skip"));
}
