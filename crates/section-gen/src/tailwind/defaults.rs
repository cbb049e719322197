//! What the browser gives a tag unstyled, where Tailwind's preflight sets something else.

use std::collections::BTreeMap;

/// What Chromium's UA stylesheet gives these tags where Tailwind's preflight sets something
/// else. The capture leaves UA values out, so without these a heading would lose its size
/// and margins, a list its bullets, an image its inline display.
fn ua_defaults(tag: &str) -> &'static [(&'static str, &'static str)] {
    match tag {
        "h1" => &[
            ("font-size", "2em"),
            ("font-weight", "700"),
            ("margin-top", "0.67em"),
            ("margin-bottom", "0.67em"),
        ],
        "h2" => &[
            ("font-size", "1.5em"),
            ("font-weight", "700"),
            ("margin-top", "0.83em"),
            ("margin-bottom", "0.83em"),
        ],
        "h3" => &[
            ("font-size", "1.17em"),
            ("font-weight", "700"),
            ("margin-top", "1em"),
            ("margin-bottom", "1em"),
        ],
        "h4" => &[
            ("font-weight", "700"),
            ("margin-top", "1.33em"),
            ("margin-bottom", "1.33em"),
        ],
        "h5" => &[
            ("font-size", "0.83em"),
            ("font-weight", "700"),
            ("margin-top", "1.67em"),
            ("margin-bottom", "1.67em"),
        ],
        "h6" => &[
            ("font-size", "0.67em"),
            ("font-weight", "700"),
            ("margin-top", "2.33em"),
            ("margin-bottom", "2.33em"),
        ],
        "p" | "dl" => &[("margin-top", "1em"), ("margin-bottom", "1em")],
        "blockquote" | "figure" => &[
            ("margin-top", "1em"),
            ("margin-bottom", "1em"),
            ("margin-left", "40px"),
            ("margin-right", "40px"),
        ],
        "ul" | "menu" => &[
            ("margin-top", "1em"),
            ("margin-bottom", "1em"),
            ("padding-left", "40px"),
            ("list-style-type", "disc"),
        ],
        "ol" => &[
            ("margin-top", "1em"),
            ("margin-bottom", "1em"),
            ("padding-left", "40px"),
            ("list-style-type", "decimal"),
        ],
        "b" | "strong" => &[("font-weight", "700")],
        // The capture has no text-decoration-line, so a link's underline cannot be known.
        "a" => &[("color", "rgb(0, 0, 238)")],
        "img" | "video" | "canvas" | "audio" | "iframe" | "embed" | "object" => &[
            ("display", "inline"),
            ("vertical-align", "baseline"),
            ("max-width", "none"),
        ],
        "svg" => &[("display", "inline"), ("vertical-align", "baseline")],
        "button" => &[
            ("font-family", "Arial"),
            ("font-size", "13.3333px"),
            ("padding-top", "1px"),
            ("padding-bottom", "1px"),
            ("padding-left", "6px"),
            ("padding-right", "6px"),
            ("text-align", "center"),
        ],
        "input" | "select" | "textarea" => &[("font-family", "Arial"), ("font-size", "13.3333px")],
        "table" => &[("border-collapse", "separate")],
        "hr" => &[("margin-top", "0.5em"), ("margin-bottom", "0.5em")],
        _ => &[],
    }
}

/// The captured style with the tag's UA values filled in where the capture omits them.
pub(super) fn with_ua_defaults(
    tag: &str,
    style: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut style = style.clone();
    for (property, value) in ua_defaults(tag) {
        style
            .entry((*property).to_string())
            .or_insert_with(|| (*value).to_string());
    }
    style
}
