//! One computed property to one class, per group of properties: box (display, position,
//! sizes, flex and grid), text, and paint with the rest.

use std::collections::BTreeMap;

use super::theme::Theme;
use super::values::{
    arbitrary, basis_class, color_class, grid_columns, is_transparent, length_class,
    line_height_class, opacity_class, order_class, size_class, z_index_class,
};

/// The Tailwind class of `value` in a keyword table.
fn keyword_class(value: &str, map: &[(&str, &str)]) -> Option<String> {
    map.iter()
        .find(|(css, _)| *css == value)
        .map(|(_, class)| class.to_string())
}

/// Display, position, sizes and flex or grid layout; `None` for other properties.
pub(super) fn box_class(property: &str, value: &str) -> Option<Option<String>> {
    let keyword = |map: &[(&str, &str)]| keyword_class(value, map);
    let class = match property {
        "display" => keyword(&[
            ("block", "block"),
            ("inline-block", "inline-block"),
            ("inline", "inline"),
            ("flex", "flex"),
            ("inline-flex", "inline-flex"),
            ("grid", "grid"),
            ("inline-grid", "inline-grid"),
            ("none", "hidden"),
            ("table", "table"),
            ("table-row", "table-row"),
            ("table-cell", "table-cell"),
            ("list-item", "list-item"),
            ("contents", "contents"),
            ("flow-root", "flow-root"),
        ]),
        "position" => keyword(&[
            ("static", "static"),
            ("relative", "relative"),
            ("absolute", "absolute"),
            ("fixed", "fixed"),
            ("sticky", "sticky"),
        ]),
        "top" | "right" | "bottom" | "left" => {
            if value == "auto" {
                None
            } else {
                Some(length_class(property, value))
            }
        }
        "z-index" => (value != "auto").then(|| z_index_class(value)),
        "width" => size_class("w", value),
        "height" => size_class("h", value),
        "flex-direction" => keyword(&[
            ("row", "flex-row"),
            ("column", "flex-col"),
            ("row-reverse", "flex-row-reverse"),
            ("column-reverse", "flex-col-reverse"),
        ]),
        "flex-wrap" => keyword(&[
            ("wrap", "flex-wrap"),
            ("nowrap", "flex-nowrap"),
            ("wrap-reverse", "flex-wrap-reverse"),
        ]),
        "order" => Some(order_class(value)),
        "flex-grow" => Some(match value {
            "0" => "grow-0".to_string(),
            "1" => "grow".to_string(),
            other => format!("grow-[{}]", arbitrary(other)),
        }),
        "flex-shrink" => Some(match value {
            "0" => "shrink-0".to_string(),
            "1" => "shrink".to_string(),
            other => format!("shrink-[{}]", arbitrary(other)),
        }),
        "flex-basis" => basis_class(value),
        "align-items" => keyword(&[
            ("flex-start", "items-start"),
            ("start", "items-start"),
            ("flex-end", "items-end"),
            ("end", "items-end"),
            ("center", "items-center"),
            ("baseline", "items-baseline"),
            ("stretch", "items-stretch"),
        ]),
        "align-self" => keyword(&[
            ("flex-start", "self-start"),
            ("flex-end", "self-end"),
            ("center", "self-center"),
            ("stretch", "self-stretch"),
            ("baseline", "self-baseline"),
        ]),
        "justify-content" => keyword(&[
            ("flex-start", "justify-start"),
            ("start", "justify-start"),
            ("flex-end", "justify-end"),
            ("end", "justify-end"),
            ("center", "justify-center"),
            ("space-between", "justify-between"),
            ("space-around", "justify-around"),
            ("space-evenly", "justify-evenly"),
            ("normal", "justify-normal"),
            ("stretch", "justify-stretch"),
        ]),
        "grid-template-columns" => grid_columns(value),
        "max-width" => match value {
            // Only there when filled in against preflight's `max-width: 100%` on images.
            "none" => Some("max-w-none".to_string()),
            "100%" => Some("max-w-full".to_string()),
            other => Some(format!("max-w-[{}]", arbitrary(other))),
        },
        "max-height" => match value {
            "none" => None,
            other => Some(format!("max-h-[{}]", arbitrary(other))),
        },
        "min-width" | "min-height" => {
            let prefix = if property == "min-width" {
                "min-w"
            } else {
                "min-h"
            };
            match value {
                "auto" => None,
                "0px" => Some(format!("{prefix}-0")),
                other => Some(format!("{prefix}-[{}]", arbitrary(other))),
            }
        }
        _ => return None,
    };
    Some(class)
}

/// Fonts and text layout; `None` for other properties.
pub(super) fn text_class(property: &str, value: &str, theme: &Theme) -> Option<Option<String>> {
    let keyword = |map: &[(&str, &str)]| keyword_class(value, map);
    let class = match property {
        "font-size" => Some(format!("text-[{}]", arbitrary(value))),
        "font-weight" => keyword(&[
            ("100", "font-thin"),
            ("200", "font-extralight"),
            ("300", "font-light"),
            ("400", "font-normal"),
            ("500", "font-medium"),
            ("600", "font-semibold"),
            ("700", "font-bold"),
            ("800", "font-extrabold"),
            ("900", "font-black"),
        ])
        .or_else(|| Some(format!("font-[{}]", arbitrary(value)))),
        "font-style" => keyword(&[("italic", "italic"), ("normal", "not-italic")]),
        "font-family" => Some(
            match theme.fonts.iter().find(|(_, family)| family == value) {
                Some((name, _)) => format!("font-{name}"),
                None => format!("[font-family:{}]", arbitrary(value)),
            },
        ),
        "line-height" => Some(line_height_class(value)),
        "letter-spacing" => Some(match value {
            "normal" => "tracking-normal".to_string(),
            other => format!("tracking-[{}]", arbitrary(other)),
        }),
        "text-align" => keyword(&[
            ("left", "text-left"),
            ("center", "text-center"),
            ("right", "text-right"),
            ("justify", "text-justify"),
            ("start", "text-start"),
            ("end", "text-end"),
        ]),
        "text-transform" => keyword(&[
            ("uppercase", "uppercase"),
            ("lowercase", "lowercase"),
            ("capitalize", "capitalize"),
            ("none", "normal-case"),
        ]),
        "text-decoration-line" => keyword(&[
            ("underline", "underline"),
            ("line-through", "line-through"),
            ("overline", "overline"),
            ("none", "no-underline"),
        ]),
        "white-space" => keyword(&[
            ("normal", "whitespace-normal"),
            ("nowrap", "whitespace-nowrap"),
            ("pre", "whitespace-pre"),
            ("pre-line", "whitespace-pre-line"),
            ("pre-wrap", "whitespace-pre-wrap"),
            ("break-spaces", "whitespace-break-spaces"),
        ]),
        _ => return None,
    };
    Some(class)
}

/// Colours, SVG paint, effects and the rest; what has no class of its own becomes an
/// arbitrary property.
pub(super) fn paint_and_other_class(
    property: &str,
    value: &str,
    style: &BTreeMap<String, String>,
    theme: &Theme,
    svg: bool,
) -> Option<String> {
    let keyword = |map: &[(&str, &str)]| keyword_class(value, map);
    match property {
        "color" => Some(color_class("text", value, theme)),
        "background-color" => {
            if is_transparent(value) {
                None
            } else {
                Some(color_class("bg", value, theme))
            }
        }
        "fill" if svg => Some(match value {
            "none" => "fill-none".to_string(),
            other => color_class("fill", other, theme),
        }),
        "stroke" if svg => Some(match value {
            "none" => "stroke-none".to_string(),
            other => color_class("stroke", other, theme),
        }),
        "stroke-width" if svg => Some(format!("stroke-[{}]", arbitrary(value))),
        "box-shadow" => (value != "none").then(|| format!("shadow-[{}]", arbitrary(value))),
        "opacity" => Some(opacity_class(value)),
        "overflow-x" | "overflow-y" => {
            let axis = &property["overflow-".len()..];
            match value {
                "hidden" | "auto" | "scroll" | "visible" | "clip" => {
                    Some(format!("overflow-{axis}-{value}"))
                }
                _ => None,
            }
        }
        "cursor" => Some(format!("cursor-[{}]", arbitrary(value))).map(|class| match value {
            "pointer" | "default" | "text" | "move" | "not-allowed" | "wait" | "auto" => {
                format!("cursor-{value}")
            }
            _ => class,
        }),
        "list-style-type" => Some(match value {
            "none" => "list-none".to_string(),
            "disc" => "list-disc".to_string(),
            "decimal" => "list-decimal".to_string(),
            other => format!("list-[{}]", arbitrary(other)),
        }),
        "object-fit" => keyword(&[
            ("cover", "object-cover"),
            ("contain", "object-contain"),
            ("fill", "object-fill"),
            ("none", "object-none"),
            ("scale-down", "object-scale-down"),
        ]),
        "visibility" => keyword(&[("hidden", "invisible"), ("visible", "visible")]),
        "vertical-align" => keyword(&[
            ("baseline", "align-baseline"),
            ("top", "align-top"),
            ("middle", "align-middle"),
            ("bottom", "align-bottom"),
            ("text-top", "align-text-top"),
            ("text-bottom", "align-text-bottom"),
            ("sub", "align-sub"),
            ("super", "align-super"),
        ])
        .or_else(|| Some(format!("align-[{}]", arbitrary(value)))),
        "clear" => keyword(&[
            ("left", "clear-left"),
            ("right", "clear-right"),
            ("both", "clear-both"),
            ("none", "clear-none"),
        ]),
        "overflow-wrap" => keyword(&[
            ("break-word", "break-words"),
            ("anywhere", "[overflow-wrap:anywhere]"),
            ("normal", "[overflow-wrap:normal]"),
        ]),
        "word-break" => keyword(&[
            ("break-all", "break-all"),
            ("keep-all", "break-keep"),
            ("normal", "[word-break:normal]"),
        ]),
        "text-overflow" => keyword(&[("ellipsis", "text-ellipsis"), ("clip", "text-clip")]),
        "border-collapse" => keyword(&[
            ("collapse", "border-collapse"),
            ("separate", "border-separate"),
        ]),
        // An outline shows only with a style; its width alone is the UA's leftover.
        "outline-width" | "outline-offset" if style_has_no_outline(style) => None,
        "float" => keyword(&[
            ("left", "float-left"),
            ("right", "float-right"),
            ("none", "float-none"),
        ]),
        // Images compute `auto <natural ratio>`: the image's own ratio, nothing to add.
        "aspect-ratio" if value.starts_with("auto") => None,
        "background-image" if value == "none" => None,
        "background-position" if value.split(',').all(|v| v.trim() == "0% 0%") => None,
        "background-repeat" if value.split(',').all(|v| v.trim() == "repeat") => None,
        "background-size" if value.split(',').all(|v| v.trim() == "auto") => None,
        "background-attachment" if value.split(',').all(|v| v.trim() == "scroll") => None,
        "background-clip" | "background-origin"
            if value
                .split(',')
                .all(|v| matches!(v.trim(), "border-box" | "padding-box")) =>
        {
            None
        }
        "transform" if value == "none" => None,
        "min-inline-size" | "min-block-size" if value == "auto" => None,
        "-webkit-text-fill-color" => None,
        "stroke" | "fill" | "stroke-width" => None,
        // Everything else as an arbitrary property, so no captured look is lost.
        other => Some(format!("[{other}:{}]", arbitrary(value))),
    }
}

fn style_has_no_outline(style: &BTreeMap<String, String>) -> bool {
    style
        .get("outline-style")
        .is_none_or(|outline| outline.trim() == "none")
}
