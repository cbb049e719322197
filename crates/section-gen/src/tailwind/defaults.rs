//! What the browser gives a tag unstyled, where Tailwind's preflight sets something else.

use std::collections::BTreeMap;

use replica_core::BrowserDefaults;

/// The properties Tailwind's preflight resets on these tags to something other than what the
/// browser computes for them. The capture leaves browser defaults out, so without filling
/// these back in a heading would lose its size and margins, a list its bullets, an image its
/// inline display. The values come from the scrape's recorded defaults.
fn reset_by_preflight(tag: &str) -> &'static [&'static str] {
    const HEADING: &[&str] = &["font-size", "font-weight", "margin-top", "margin-bottom"];
    const BLOCK_MARGINS: &[&str] = &["margin-top", "margin-bottom"];
    const LIST: &[&str] = &[
        "margin-top",
        "margin-bottom",
        "padding-left",
        "list-style-type",
    ];
    const REPLACED: &[&str] = &["display", "vertical-align", "max-width"];
    match tag {
        "h1" | "h2" | "h3" | "h5" | "h6" => HEADING,
        "h4" => &["font-weight", "margin-top", "margin-bottom"],
        "p" | "dl" | "hr" => BLOCK_MARGINS,
        "blockquote" | "figure" => &["margin-top", "margin-bottom", "margin-left", "margin-right"],
        "ul" | "menu" | "ol" => LIST,
        "b" | "strong" => &["font-weight"],
        // Preflight: `font-size: 75%; line-height: 0; position: relative; vertical-align:
        // baseline` and a `top` or `bottom` shift.
        "sub" | "sup" => &["vertical-align", "position", "line-height", "font-size"],
        // The capture has no text-decoration-line, so a link's underline cannot be known.
        "a" => &["color"],
        "img" | "video" | "canvas" | "audio" | "iframe" | "embed" | "object" => REPLACED,
        "svg" => &["display", "vertical-align"],
        "button" => &[
            "font-family",
            "font-size",
            "padding-top",
            "padding-bottom",
            "padding-left",
            "padding-right",
            "text-align",
        ],
        "input" | "select" | "textarea" => &["font-family", "font-size"],
        "table" => &["border-collapse"],
        _ => &[],
    }
}

/// The captured style with the browser's values filled in where preflight would change them
/// and the capture omits them.
pub(super) fn with_browser_defaults(
    tag: &str,
    style: &BTreeMap<String, String>,
    defaults: &BrowserDefaults,
) -> BTreeMap<String, String> {
    let mut style = style.clone();
    // Preflight makes every box `border-box`.
    for property in reset_by_preflight(tag).iter().chain(&["box-sizing"]) {
        if let Some(value) = defaults.value(tag, property) {
            style
                .entry((*property).to_string())
                .or_insert_with(|| value.to_string());
        }
    }
    style
}
