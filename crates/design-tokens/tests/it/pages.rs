//! Small hand-made pages: one behaviour each.

use crate::builder::{el, page, text, with_attrs};

#[test]
fn empty_page_has_a_white_canvas_and_nothing_else() {
    let scrape = page(el("body", (8.0, 8.0, 1264.0, 0.0), &[], vec![]), 720.0, "");
    let tokens = replica_design_tokens::extract(&scrape);
    assert_eq!(tokens.colors.backgrounds.page.as_deref(), Some("#ffffff"));
    assert_eq!(tokens.colors.primary, None);
    assert_eq!(tokens.colors.text.body, None);
    assert_eq!(tokens.typography.families.body, None);
    assert_eq!(tokens.components.button_primary, None);
    assert!(tokens.layout.breakpoints.is_empty());
}

#[test]
fn dark_page_with_grey_buttons_falls_back_to_the_filled_button_for_primary() {
    let body = el(
        "body",
        (0.0, 0.0, 1280.0, 900.0),
        &[
            ("background-color", "rgb(17, 24, 39)"),
            ("color", "rgb(243, 244, 246)"),
            ("font-family", "Inter, sans-serif"),
        ],
        vec![
            el(
                "h1",
                (100.0, 100.0, 800.0, 60.0),
                &[("color", "rgb(255, 255, 255)"), ("font-size", "48px")],
                vec![text("Hello")],
            ),
            // Inherited values show in every element's style (they differ from the defaults).
            el(
                "p",
                (100.0, 200.0, 800.0, 30.0),
                &[
                    ("color", "rgb(243, 244, 246)"),
                    ("font-family", "Inter, sans-serif"),
                ],
                vec![text("Plain words that nobody will read twice.")],
            ),
            el(
                "button",
                (100.0, 260.0, 160.0, 44.0),
                &[
                    ("background-color", "rgb(229, 231, 235)"),
                    ("color", "rgb(17, 24, 39)"),
                    ("padding-top", "10px"),
                ],
                vec![text("Start")],
            ),
        ],
    );
    let tokens = replica_design_tokens::extract(&page(body, 900.0, ""));
    assert_eq!(tokens.colors.backgrounds.page.as_deref(), Some("#111827"));
    assert_eq!(tokens.colors.text.heading.as_deref(), Some("#ffffff"));
    assert_eq!(tokens.colors.text.body.as_deref(), Some("#f3f4f6"));
    // No saturated colour anywhere: the filled button's grey is what the brand uses.
    assert_eq!(tokens.colors.primary.as_deref(), Some("#e5e7eb"));
    assert_eq!(
        tokens.typography.families.body.as_deref(),
        Some("Inter, sans-serif")
    );
    let scale = tokens.typography.scale.desktop;
    assert_eq!(scale.hero_heading.unwrap().size, "48px");
    // The paragraph does not set a size: the user-agent default is the computed value.
    assert_eq!(scale.body.unwrap().size, "16px");
}

#[test]
fn hover_rules_media_queries_and_vars_are_read_from_css() {
    let css = r#":root { --brand: #2563eb; --brand-dark: #1d4ed8; }
        .btn { transition: background-color .2s ease; }
        .btn.btn-primary:hover:not(:disabled) { background-color: var(--brand-dark); transform: translateY(-2px); }
        @media (min-width: 48em) { .wrap { max-width: 1100px } }
        @media (max-width: 640px) { .btn { width: 100% } }"#;
    let button = with_attrs(
        el(
            "button",
            (100.0, 100.0, 160.0, 44.0),
            &[
                ("background-color", "rgb(37, 99, 235)"),
                ("color", "rgb(255, 255, 255)"),
                ("padding-top", "10px"),
                ("padding-bottom", "10px"),
                ("padding-left", "20px"),
                ("padding-right", "20px"),
                ("border-top-width", "0px"),
                ("border-right-width", "0px"),
                ("border-bottom-width", "0px"),
                ("border-left-width", "0px"),
                ("transition-property", "background-color"),
                ("transition-duration", "0.2s"),
            ],
            vec![text("Buy")],
        ),
        &[("class", "btn btn-primary")],
    );
    let body = el("body", (0.0, 0.0, 1280.0, 800.0), &[], vec![button]);
    let tokens = replica_design_tokens::extract(&page(body, 800.0, css));
    assert_eq!(tokens.colors.primary.as_deref(), Some("#2563eb"));
    let button = tokens.components.button_primary.expect("a primary button");
    assert_eq!(button.padding.as_deref(), Some("10px 20px"));
    assert_eq!(button.border, None, "zero-width borders draw nothing");
    assert_eq!(
        button.transition.as_deref(),
        Some("background-color 0.2s ease")
    );
    let hover = button.hover.expect("the :hover rule matches by class");
    assert_eq!(hover.bg.as_deref(), Some("#1d4ed8"));
    assert_eq!(hover.transform.as_deref(), Some("translateY(-2px)"));
    assert_eq!(
        tokens.animation.hover_lift.as_deref(),
        Some("translateY(-2px)")
    );
    assert_eq!(tokens.layout.breakpoints, ["640px", "48em"]);
}

#[test]
fn painted_area_beats_declaration_count() {
    // Ten small grey chips declare grey ten times; one wide band paints more area in beige.
    let mut children = vec![el(
        "section",
        (0.0, 0.0, 1280.0, 700.0),
        &[("background-color", "rgb(245, 240, 230)")],
        vec![],
    )];
    for i in 0..10 {
        children.push(el(
            "span",
            (f64::from(i) * 50.0, 750.0, 40.0, 20.0),
            &[("background-color", "rgb(200, 200, 200)")],
            vec![text("x")],
        ));
    }
    let body = el("body", (0.0, 0.0, 1280.0, 800.0), &[], children);
    let tokens = replica_design_tokens::extract(&page(body, 800.0, ""));
    assert_eq!(tokens.colors.backgrounds.page.as_deref(), Some("#f5f0e6"));
}

#[test]
fn an_oklch_brand_colour_becomes_a_hex_token() {
    // Tailwind v4 pages report their colours as Chromium keeps them: in oklch.
    let blue_600 = "oklch(0.546 0.245 262.881)";
    let body = el(
        "body",
        (0.0, 0.0, 1280.0, 900.0),
        &[
            ("background-color", "rgb(255, 255, 255)"),
            ("color", "oklch(0.21 0.034 264.665)"),
        ],
        vec![
            el(
                "h1",
                (100.0, 100.0, 800.0, 60.0),
                &[
                    ("color", "oklch(0.21 0.034 264.665)"),
                    ("font-size", "48px"),
                ],
                vec![text("Hello")],
            ),
            el(
                "button",
                (100.0, 260.0, 160.0, 44.0),
                &[
                    ("background-color", blue_600),
                    ("color", "rgb(255, 255, 255)"),
                    ("padding-top", "10px"),
                ],
                vec![text("Start")],
            ),
        ],
    );
    let tokens = replica_design_tokens::extract(&page(body, 900.0, ""));
    assert_eq!(tokens.colors.primary.as_deref(), Some("#155dfc"));
    assert_eq!(tokens.colors.text.heading.as_deref(), Some("#101828"));
}
