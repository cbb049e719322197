//! The tailwind style on small fragments: theme names, Tailwind's scale, arbitrary values,
//! inheritance, UA defaults and responsive variants from the mobile capture.

use replica_core::OutputStyle;
use replica_core::{DesignTokens, DomElement, DomNode, Lang, TextStyle};
use replica_section_gen::{
    CompileOptions, LayoutWidths, compile_section, jsx_parse_errors, tailwind_theme,
};

use crate::{html, section_from_html, test_context};

fn tokens() -> DesignTokens {
    let mut tokens = DesignTokens::default();
    tokens.colors.primary = Some("#4f46e5".into());
    tokens.colors.text.on_dark = Some("#ffffff".into());
    tokens.typography.families.heading = Some("Inter, sans-serif".into());
    tokens.borders.radius_lg = Some("12px".into());
    tokens
}

/// The tailwind component of a desktop fragment, with an optional mobile fragment of the
/// same shape (ids match, as in a real capture).
fn compile(desktop: &str, mobile: Option<&str>) -> String {
    compile_in(
        desktop,
        mobile,
        replica_core::RenderingMode::Standards,
        &tokens(),
    )
}

fn compile_in(
    desktop: &str,
    mobile: Option<&str>,
    rendering_mode: replica_core::RenderingMode,
    tokens: &DesignTokens,
) -> String {
    let section = section_from_html("Block", desktop);
    let mobile_root = mobile.map(|mobile| DomElement {
        id: 0,
        tag: "html".into(),
        children: html::parse_fragment(mobile)
            .into_iter()
            .map(DomNode::Element)
            .collect(),
        ..DomElement::default()
    });
    let options = CompileOptions {
        style: OutputStyle::Tailwind,
        mobile_dom: mobile_root.as_ref(),
        rendering_mode,
        lang: Lang::JavaScript,
    };
    let file = compile_section(&section, &test_context(), tokens, &options).unwrap();
    assert!(jsx_parse_errors(&file.source).is_empty(), "{}", file.source);
    file.source
}

#[test]
fn computed_styles_become_theme_scale_and_arbitrary_classes() {
    let source = compile(
        r#"<section class="hero" style="color: red" data-computed="background-color: rgb(79, 70, 229); color: rgb(255, 255, 255); padding-top: 24px; padding-bottom: 24px; padding-left: 16px; padding-right: 16px; font-family: Inter, sans-serif; transition-duration: 0.2s"><h2 data-computed="color: rgb(255, 255, 255); font-family: Inter, sans-serif; font-size: 36px; margin-top: 0px; margin-bottom: 0px; letter-spacing: -0.5px; border-top-left-radius: 12px; border-top-right-radius: 12px; border-bottom-right-radius: 12px; border-bottom-left-radius: 12px; box-shadow: rgba(0, 0, 0, 0.1) 0px 4px 6px 0px">Hi</h2><a href="/x" data-computed="color: rgb(17, 24, 39); font-family: Inter, sans-serif; backdrop-filter: blur(8px)">x</a></section>"#,
        None,
    );
    assert_eq!(
        source,
        r#"export default function Block() {
  return (
    <section className="bg-primary px-4 py-6 font-heading text-on-dark">
      <h2
        className="rounded-lg text-[36px] font-bold tracking-[-0.5px] shadow-[rgba(0,_0,_0,_0.1)_0px_4px_6px_0px]">
        Hi
      </h2>
      <a className="text-gray-900 [backdrop-filter:blur(8px)]" href="https://example.com/x">x</a>
    </section>
  );
}
"#
    );
}

#[test]
fn mobile_styles_are_the_base_and_desktop_differences_md_variants() {
    let desktop = r#"<div data-computed="display: flex; column-gap: 32px; row-gap: 32px; padding-left: 24px; padding-right: 24px"><p data-computed="font-size: 20px">a</p></div>"#;
    let mobile = r#"<div data-computed="display: flex; flex-direction: column; column-gap: 16px; row-gap: 16px"><p data-computed="font-size: 16px">a</p></div>"#;
    let source = compile(desktop, Some(mobile));
    assert!(
        source.contains(r#"<div className="flex flex-col gap-4 md:flex-row md:gap-8 md:px-6">"#),
        "{source}"
    );
    assert!(
        source.contains(r#"<p className="my-4 text-[16px] md:text-[20px]">a</p>"#),
        "{source}"
    );
}

#[test]
fn the_theme_gives_the_names_their_token_values() {
    let theme = serde_json::to_string(&tailwind_theme(&tokens(), None)).unwrap();
    assert_eq!(
        theme,
        r##"{"colors":{"on-dark":"#ffffff","primary":"#4f46e5"},"fontFamily":{"heading":["Inter, sans-serif"]},"borderRadius":{"lg":"12px"}}"##
    );
}

#[test]
fn pseudo_elements_become_before_and_after_variants() {
    // An icon-font glyph on both devices, and a quote mark only desktop draws.
    let desktop = r#"<a href="/x" data-before-content='"\f007"' data-before-computed='font-family: "Font Awesome 5 Free"; font-weight: 900; margin-right: 8px' data-after-content='" \201D"' data-after-computed="color: rgb(79, 70, 229)">Profile</a>"#;
    let mobile = r#"<a href="/x" data-before-content='"\f007"' data-before-computed='font-family: "Font Awesome 5 Free"; font-weight: 900'>Profile</a>"#;
    let source = compile(desktop, Some(mobile));
    let class = r"before:font-black before:[font-family:'Font_Awesome_5_Free'] before:content-['\00f007'] after:content-none md:before:mr-2 md:after:text-primary md:after:content-['\000020\00201d']";
    assert!(source.contains(class), "{source}");
}

#[test]
fn an_oklch_brand_colour_becomes_its_theme_class() {
    // The token design-tokens makes of Tailwind v4's blue-600, reported by Chromium in oklch.
    let blue_600 = "oklch(0.546 0.245 262.881)";
    let mut tokens = tokens();
    tokens.colors.primary = replica_design_tokens::css_color_to_hex(blue_600);
    assert_eq!(tokens.colors.primary.as_deref(), Some("#155dfc"));
    let section = section_from_html(
        "Block",
        &format!(
            r#"<section data-computed="background-color: {blue_600}"><a href="/x" data-computed="color: {blue_600}">x</a></section>"#
        ),
    );
    let options = CompileOptions {
        style: OutputStyle::Tailwind,
        mobile_dom: None,
        rendering_mode: replica_core::RenderingMode::Standards,
        lang: Lang::JavaScript,
    };
    let source = compile_section(&section, &test_context(), &tokens, &options)
        .unwrap()
        .source;
    assert!(
        source.contains(r#"<section className="bg-primary">"#),
        "{source}"
    );
    assert!(source.contains("text-primary"), "{source}");
    assert!(!source.contains("oklch"), "{source}");
}

#[test]
fn what_preflight_resets_comes_back_from_the_recorded_browser_defaults() {
    // The capture leaves out what a tag computes unstyled, so this heading is Chromium's 32px
    // although its parent is 20px, and its margins are 21.44px. Preflight makes headings
    // inherit the parent's size: the classes must say 32px (`2em` would be 40px here). The
    // list, captured without a size, is the default 16px, which it must say too.
    let source = compile(
        r#"<div data-computed="font-size: 20px"><h1>Title</h1><ul><li>a</li></ul></div>"#,
        None,
    );
    assert!(
        source.contains(r#"<h1 className="my-[21.44px] text-[32px] font-bold">Title</h1>"#),
        "{source}"
    );
    assert!(
        source.contains(r#"<ul className="my-4 list-disc pl-10 text-[16px]">"#),
        "{source}"
    );
}

#[test]
fn images_keep_the_sizes_preflight_and_their_attributes_would_change() {
    // d2c-9198: a photo wider than a phone overflows it on the page (no `max-width`);
    // preflight's `max-width: 100%` would shrink it to a strip. d2c-4241: the page's
    // `img { width: inherit !important }` makes a `width="247"` image `auto` on mobile, where
    // it shows at its own aspect; the attribute, which the clone keeps, would make it 247px.
    let desktop = r#"<div><img src="/a.jpg" data-computed="width: 1024px; height: 576px"><img src="/b.jpg" width="247" height="86" data-computed="width: 247px; height: 86px"></div>"#;
    let mobile = r#"<div><img src="/a.jpg" data-computed="width: 1024px; height: 576px"><img src="/b.jpg" width="247" height="86" data-computed="max-width: 100%"></div>"#;
    let source = compile(desktop, Some(mobile));
    assert!(
        source.contains(r#"className="inline h-[576px] w-[1024px] max-w-none align-baseline""#),
        "{source}"
    );
    assert!(
        source.contains(
            r#"className="inline w-auto align-baseline md:h-[86px] md:w-[247px] md:max-w-none""#
        ),
        "{source}"
    );
}

#[test]
fn md_starts_above_a_phone_layout_wider_than_768px() {
    // d2c-721 says `<meta name="viewport" content="width=772">`: at Tailwind's 768px the
    // phone would get the desktop classes. A page without a viewport meta lays out at 980px.
    let screens = |mobile: f64| {
        let widths = LayoutWidths {
            desktop: 1280.0,
            mobile,
        };
        tailwind_theme(&tokens(), Some(widths)).screens
    };
    assert_eq!(screens(772.0).get("md").map(String::as_str), Some("773px"));
    assert_eq!(screens(980.0).get("md").map(String::as_str), Some("981px"));
    assert!(screens(375.0).is_empty());
    assert!(screens(767.0).is_empty());
    // No breakpoint can split a phone layout as wide as the desktop one.
    assert!(screens(1280.0).is_empty());
    let theme = serde_json::to_value(tailwind_theme(
        &tokens(),
        Some(LayoutWidths {
            desktop: 1280.0,
            mobile: 980.0,
        }),
    ))
    .unwrap();
    assert_eq!(theme["screens"], serde_json::json!({"md": "981px"}));
}

#[test]
fn a_content_box_with_a_size_and_padding_stays_content_box() {
    // d2c-16537: `#content { width: 475px; padding: 1.5em 3em }` in a page that never sets
    // box-sizing is 571px wide; preflight's border-box would make it 475px. A box without
    // padding or border, or without a declared size, is the same either way.
    let source = compile(
        r#"<div><div data-computed="width: 475px; padding-left: 48px; padding-right: 48px">a</div><div data-computed="width: 475px">b</div><div data-computed="padding-left: 48px">c</div></div>"#,
        None,
    );
    assert!(
        source.contains(r#"<div className="box-content w-[475px] px-12">a</div>"#),
        "{source}"
    );
    assert!(
        source.contains(r#"<div className="w-[475px]">b</div>"#),
        "{source}"
    );
    assert!(
        source.contains(r#"<div className="pl-12">c</div>"#),
        "{source}"
    );
}

#[test]
fn no_class_says_what_an_attribute_says_already() {
    // The clone keeps `fill` and `width`: `fill-primary` and `w-8` would repeat them. Where a
    // device differs from the attribute, every device keeps its class, or `md:` could not
    // get back to the attribute's value. Preflight makes an `<svg>` a block already.
    let desktop = r##"<div><svg width="32" height="32" data-computed="display: block; width: 32px; height: 32px"><rect fill="#4f46e5" data-computed="fill: rgb(79, 70, 229)"></rect><rect fill="#4f46e5" data-computed="fill: rgb(79, 70, 229)"></rect></svg></div>"##;
    let mobile = r##"<div><svg width="32" height="32" data-computed="display: block; width: 32px; height: 32px"><rect fill="#4f46e5" data-computed="fill: rgb(79, 70, 229)"></rect><rect fill="#4f46e5" data-computed="fill: rgb(255, 255, 255)"></rect></svg></div>"##;
    let source = compile(desktop, Some(mobile));
    assert!(
        source.contains(r##"<svg width="32" height="32">"##),
        "{source}"
    );
    assert!(source.contains(r##"<rect fill="#4f46e5" />"##), "{source}");
    assert!(
        source.contains(r##"<rect className="fill-on-dark md:fill-primary" fill="#4f46e5" />"##),
        "{source}"
    );
}

#[test]
fn an_inherited_value_the_capture_left_out_is_the_default_not_the_parents() {
    // d2c-11988: "About Seesaw" is 16px in a 24px navbar; the capture leaves the 16px out
    // (it is what a span computes unstyled), so the clone's span would inherit 24px.
    let source = compile(
        r#"<div data-computed="font-size: 24px; font-weight: 700"><span>About</span><span data-computed="font-size: 24px; font-weight: 700">Big</span></div>"#,
        None,
    );
    assert!(
        source.contains(r#"<span className="text-[16px] font-normal">About</span>"#),
        "{source}"
    );
    assert!(source.contains("<span>Big</span>"), "{source}");
}

#[test]
fn a_normal_line_height_is_not_tailwinds_leading_normal() {
    // d2c-6159: a list sets `line-height: normal` under a 21px parent; `leading-normal` is 1.5,
    // which spread every item of the list.
    let source = compile(
        r#"<div data-computed="line-height: 21px"><ul><li>USA</li></ul></div>"#,
        None,
    );
    assert!(source.contains("leading-[normal]"), "{source}");
    assert!(!source.contains("leading-normal"), "{source}");
}

#[test]
fn desktop_classes_of_a_side_group_say_only_what_differs() {
    // d2c-6159: `mb-[30px] ml-2.5 md:mb-[30px] md:ml-[30px]` repeated the bottom margin.
    let source = compile(
        r#"<p data-computed="margin-top: 0px; margin-bottom: 30px; margin-left: 30px">a</p>"#,
        Some(r#"<p data-computed="margin-top: 0px; margin-bottom: 30px; margin-left: 10px">a</p>"#),
    );
    assert!(
        source.contains(r#"<p className="mb-[30px] ml-2.5 md:ml-[30px]">"#),
        "{source}"
    );
    // A side only the phone sets is zeroed on desktop, not left to leak.
    let source = compile(
        r#"<div data-computed="margin-bottom: 8px; padding-top: 4px">x</div>"#,
        Some(
            r#"<div data-computed="margin-bottom: 8px; margin-left: 12px; padding-top: 4px; padding-right: 4px; padding-bottom: 4px; padding-left: 4px">x</div>"#,
        ),
    );
    assert!(
        source.contains(r#"<div className="mb-2 ml-3 p-1 md:ml-0 md:p-0 md:pt-1">"#),
        "{source}"
    );
}

#[test]
fn insets_that_move_nothing_get_no_class() {
    // d2c-6159's headings: `relative top-0 right-0 bottom-0 left-0`.
    let source = compile(
        r#"<div><h2 data-computed="position: relative; top: 0px; right: 0px; bottom: 0px; left: 0px">a</h2><p data-computed="top: 10px">b</p><div data-computed="position: relative; top: 3px; left: 0px">c</div><div data-computed="position: sticky; top: 0px">d</div><i data-computed="position: absolute; top: 8px; right: 321.594px; bottom: 34.39px; left: 0px; width: 13px; height: 26px">e</i></div>"#,
        None,
    );
    assert!(
        source.contains(r#"<h2 className="relative my-[19.92px] text-[24px] font-bold">"#),
        "{source}"
    );
    assert!(!source.contains("top-[10px]"), "{source}");
    assert!(
        source.contains(r#"className="relative top-[3px]""#),
        "{source}"
    );
    assert!(source.contains(r#"className="sticky top-0""#), "{source}");
    // Over-constrained: CSS ignores `right` and `bottom`, which the capture resolved to pixels.
    assert!(
        source.contains(r#"<i className="absolute top-2 left-0 h-[26px] w-[13px]">"#),
        "{source}"
    );
}

#[test]
fn a_class_list_three_elements_write_is_a_constant() {
    let item = r#"<li data-computed="margin-bottom: 12px; font-size: 14px; font-weight: 700">"#;
    let odd = r#"<li data-computed="margin-bottom: 12px; font-size: 14px">"#;
    let desktop = format!(
        "<ul>{item}One</li><li>x</li>{item}Two</li>{odd}Not</li>{item}Three</li>{odd}Too</li></ul>"
    );
    let source = compile(&desktop, None);
    assert!(
        source.contains(r#"const itemClass = "mb-3 text-[14px] font-bold";"#),
        "{source}"
    );
    assert_eq!(
        source.matches("className={itemClass}").count(),
        3,
        "{source}"
    );
    // Two uses, or fewer than three classes: left in place.
    assert!(
        source.contains(r#"<li className="mb-3 text-[14px]">Not</li>"#),
        "{source}"
    );
}

#[test]
fn quirks_mode_is_written_out_in_the_tailwind_style_too() {
    // d2c-1137 (no doctype): a cell holding only a link has no strut in quirks mode; the clone
    // is served in standards mode, where each line would be as tall as the cell's font.
    let desktop = r#"<table><tbody><tr><td><a href="/x" data-computed="font-size: 13px">Tours</a></td></tr></tbody></table>"#;
    let quirks = compile_in(
        desktop,
        None,
        replica_core::RenderingMode::Quirks,
        &tokens(),
    );
    assert!(
        quirks.contains(r#"<td style={{ lineHeight: "0" }}>"#),
        "{quirks}"
    );
    let standards = compile(desktop, None);
    assert!(!standards.contains("lineHeight"), "{standards}");
}

#[test]
fn text_on_the_pages_type_scale_is_named_with_its_line_height() {
    let text = |size: &str, line_height: &str| TextStyle {
        size: size.into(),
        weight: "400".into(),
        line_height: line_height.into(),
        letter_spacing: "normal".into(),
    };
    let mut tokens = tokens();
    tokens.typography.scale.desktop.body = Some(text("17px", "27.2px"));
    tokens.typography.scale.mobile.body = Some(text("15px", "24px"));
    let desktop = r#"<div data-computed="line-height: 20px"><div data-computed="font-size: 17px; line-height: 27.2px">a</div><span data-computed="font-size: 15px; line-height: normal">b</span><span data-computed="font-size: 14px; line-height: 20px; letter-spacing: 1.4px">c</span></div>"#;
    let mobile = r#"<div data-computed="line-height: 20px"><div data-computed="font-size: 15px; line-height: 24px">a</div><span data-computed="font-size: 13px; line-height: normal">b</span><span data-computed="font-size: 14px; line-height: 20px; letter-spacing: 1.4px">c</span></div>"#;
    let source = compile_in(
        desktop,
        Some(mobile),
        replica_core::RenderingMode::Standards,
        &tokens,
    );
    // The theme's size sets the line height with it, on each device.
    assert!(
        source.contains(r#"<div className="text-copy-mobile md:text-copy">a</div>"#),
        "{source}"
    );
    // Desktop's named size would set its own line height over the base `leading-[normal]`,
    // so desktop says it again.
    assert!(
        source.contains(
            r#"className="text-[13px] leading-[normal] md:text-copy-mobile md:leading-[normal]">"#
        ),
        "{source}"
    );
    // Tailwind's own size and line height, and letter spacing in its em steps.
    assert!(
        source.contains(r#"<span className="text-sm tracking-widest">c</span>"#),
        "{source}"
    );
    let theme = serde_json::to_value(tailwind_theme(&tokens, None)).unwrap();
    assert_eq!(
        theme["fontSize"],
        serde_json::json!({
            "copy": ["17px", {"lineHeight": "27.2px"}],
            "copy-mobile": ["15px", {"lineHeight": "24px"}],
        })
    );
}

#[test]
fn equal_margins_are_auto_only_where_the_box_is_sized_by_itself() {
    // d2c-11069: `main` is 922px wide and centred on desktop, but on a phone it fills the
    // block between 32px margins under `max-width: 100%`: `mx-auto` there would be 0px.
    let desktop = r#"<main data-box="922 100" data-computed="width: 922px; max-width: 100%; margin-left: 179px; margin-right: 179px">x</main>"#;
    let mobile = r#"<main data-box="311 100" data-computed="max-width: 100%; margin-left: 32px; margin-right: 32px">x</main>"#;
    let source = compile(desktop, Some(mobile));
    assert!(
        source.contains(r#"className="mx-8 max-w-full md:mx-auto md:w-[922px]""#),
        "{source}"
    );
    // A box its max-width holds narrower than the page is centred on both.
    let desktop = r#"<div data-box="1200 100" data-computed="max-width: 1200px; margin-left: 120px; margin-right: 120px">x</div>"#;
    let mobile = r#"<div data-box="335 100" data-computed="max-width: 335px; margin-left: 20px; margin-right: 20px">x</div>"#;
    let source = compile(desktop, Some(mobile));
    assert!(
        source.contains(r#"className="mx-auto max-w-[335px] md:max-w-[1200px]""#),
        "{source}"
    );
}

#[test]
fn a_transform_is_tailwinds_utilities_and_md_resets_what_it_drops() {
    // landing: a badge centred over its card's top edge (`left: 50%` and half its width back).
    let desktop = r#"<span data-computed="position: absolute; left: 50%; transform: translate(-50%, 0px)">New</span>"#;
    let mobile = r#"<span data-computed="position: absolute; left: 50%; transform: translate(-50%, 0px) rotate(-3deg)">New</span>"#;
    let source = compile(desktop, Some(mobile));
    assert!(
        source.contains(r#"className="absolute left-1/2 -translate-x-1/2 -rotate-3 md:rotate-0""#),
        "{source}"
    );
}

#[test]
fn a_superscript_keeps_the_browsers_look_over_preflights() {
    // d2c-9625: "1 min read" with a `<sup>` in a 36px line; preflight's `line-height: 0`
    // and `vertical-align: baseline` would shorten the line by 5px and drop the "min".
    let source = compile(
        r#"<p data-computed="font-size: 16px; line-height: 36px">1 <sup data-computed="font-size: 13.3333px; line-height: 36px">min</sup> read</p>"#,
        None,
    );
    assert!(
        source.contains(r#"<sup className="static align-super text-[13.3333px] leading-9">"#),
        "{source}"
    );
}

#[test]
fn a_box_hidden_on_the_phone_shows_with_its_tags_own_display() {
    // `md:[display:revert]` said the same in CSS words.
    let source = compile(
        r#"<div data-computed="padding-top: 4px"><span data-computed="font-weight: 700">a</span></div>"#,
        Some(
            r#"<div data-computed="display: none; padding-top: 4px"><span data-computed="display: none; font-weight: 700">a</span></div>"#,
        ),
    );
    assert!(
        source.contains(r#"<div className="hidden pt-1 md:block">"#),
        "{source}"
    );
    assert!(
        source.contains(r#"<span className="hidden font-bold md:inline">"#),
        "{source}"
    );
}

#[test]
fn grid_lines_table_spacing_indents_and_flex_and_float_resets_have_tailwinds_names() {
    let source = compile(
        r#"<div data-computed="display: grid"><p data-computed="grid-column-start: 1; grid-column-end: 3; grid-row-start: main-start">a</p><table data-computed="border-spacing: 0px"></table><p data-computed="margin-top: 4px">b</p><span data-computed="text-indent: -9999px">c</span></div>"#,
        Some(
            r#"<div data-computed="display: grid"><p data-computed="grid-column-start: 1; grid-column-end: 3; grid-row-start: main-start">a</p><table data-computed="border-spacing: 0px"></table><p data-computed="float: left; clear: both; margin-top: 4px">b</p><span data-computed="text-indent: -9999px">c</span></div>"#,
        ),
    );
    assert!(
        source.contains(r#"className="col-start-1 col-end-3 my-4 [grid-row-start:main-start]""#),
        "{source}"
    );
    assert!(
        source.contains(r#"className="border-separate border-spacing-0""#),
        "{source}"
    );
    assert!(
        source.contains(r#"className="indent-[-9999px]""#),
        "{source}"
    );
    assert!(
        source
            .contains(r#"className="float-left clear-both mt-1 mb-4 md:float-none md:clear-none""#),
        "{source}"
    );
    // Flex properties the phone sets and desktop leaves at their initial values.
    let source = compile(
        r#"<div data-computed="display: flex"><p data-computed="margin-top: 0px; margin-bottom: 0px">a</p></div>"#,
        Some(
            r#"<div data-computed="display: flex; justify-content: center"><p data-computed="margin-top: 0px; margin-bottom: 0px; flex-grow: 1; flex-shrink: 0; flex-basis: 0%; order: 2">a</p></div>"#,
        ),
    );
    assert!(
        source.contains(r#"className="flex justify-center md:justify-normal""#),
        "{source}"
    );
    assert!(
        source.contains(r#"className="order-2 shrink-0 grow basis-[0%] md:order-none md:shrink md:grow-0 md:basis-auto""#),
        "{source}"
    );
}
