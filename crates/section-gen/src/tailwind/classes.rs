//! One computed property to one class, per group of properties: box (display, position,
//! sizes, flex and grid), text, and paint with the rest.

use std::collections::BTreeMap;

use super::theme::Theme;
use super::values::{
    arbitrary, basis_class, color_class, grid_columns, inset_class, is_transparent, length_class,
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
    if let Some(class) = column_class(property, value) {
        return Some(class);
    }
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
                Some(inset_class(property, value))
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
        // Tailwind 3.4 gives these its spacing scale (`min-h-px`, `max-h-64`).
        "max-height" => match value {
            "none" => None,
            "100%" => Some("max-h-full".to_string()),
            other => Some(length_class("max-h", other)),
        },
        "min-width" | "min-height" => {
            let prefix = if property == "min-width" {
                "min-w"
            } else {
                "min-h"
            };
            match value {
                "auto" => None,
                "100%" => Some(format!("{prefix}-full")),
                other => Some(length_class(prefix, other)),
            }
        }
        _ => return None,
    };
    Some(class)
}

/// Multi-column layout: `columns-2` sets the count (and an `auto` width, before any
/// arbitrary one); `None` for other properties.
fn column_class(property: &str, value: &str) -> Option<Option<String>> {
    let class = match property {
        "column-count" => match value.parse::<u32>() {
            Ok(count @ 1..=12) => Some(format!("columns-{count}")),
            _ if value == "auto" => None,
            _ => Some(format!("[column-count:{}]", arbitrary(value))),
        },
        "column-width" => (value != "auto").then(|| format!("[column-width:{}]", arbitrary(value))),
        "column-span" => (value == "all").then(|| "[column-span:all]".to_string()),
        "break-inside" => keyword_class(
            value,
            &[
                ("avoid", "break-inside-avoid"),
                ("avoid-page", "break-inside-avoid-page"),
                ("avoid-column", "break-inside-avoid-column"),
            ],
        ),
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
        // Tailwind's `indent-*` takes the spacing scale; `hanging` and `each-line` have none.
        "text-indent" if !value.contains(' ') => Some(length_class("indent", value)),
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
        // One length for both axes (the browser writes one when they are equal).
        "border-spacing" if !value.contains(' ') && !value.starts_with('-') => {
            Some(length_class("border-spacing", value))
        }
        "grid-column-start" | "grid-column-end" | "grid-row-start" | "grid-row-end" => {
            Some(grid_line_class(property, value))
        }
        // An outline shows only with a style; its width alone is the UA's leftover.
        "outline-width" | "outline-offset" if style_has_no_outline(style) => None,
        "float" => keyword(&[
            ("left", "float-left"),
            ("right", "float-right"),
            ("none", "float-none"),
        ]),
        // Images compute `auto <natural ratio>`: the image's own ratio, nothing to add.
        "aspect-ratio" if value.starts_with("auto") => None,
        background if background.starts_with("background-") => background_class(property, value),
        "transform" if value == "none" => None,
        "min-inline-size" | "min-block-size" if value == "auto" => None,
        "-webkit-text-fill-color" => None,
        "stroke" | "fill" | "stroke-width" => None,
        // Everything else as an arbitrary property, so no captured look is lost.
        other => Some(format!("[{other}:{}]", arbitrary(value))),
    }
}

/// `col-start-2`, `row-end-auto` for the lines Tailwind names (1 to 13, `auto`); named lines
/// and spans as written.
fn grid_line_class(property: &str, value: &str) -> String {
    let prefix = match property {
        "grid-column-start" => "col-start",
        "grid-column-end" => "col-end",
        "grid-row-start" => "row-start",
        _ => "row-end",
    };
    match value.parse::<u32>() {
        Ok(line @ 1..=13) => format!("{prefix}-{line}"),
        _ if value == "auto" => format!("{prefix}-auto"),
        _ => format!("[{property}:{}]", arbitrary(value)),
    }
}

/// The background's longhands other than its colour: nothing at their initial values, one
/// layer's keywords by Tailwind's names, the rest as written.
fn background_class(property: &str, value: &str) -> Option<String> {
    let keyword = |map: &[(&str, &str)]| keyword_class(value, map);
    let all = |initial: &[&str]| value.split(',').all(|v| initial.contains(&v.trim()));
    match property {
        "background-image" if value == "none" => None,
        "background-repeat" if all(&["repeat"]) => None,
        "background-size" if all(&["auto"]) => None,
        "background-attachment" if all(&["scroll"]) => None,
        "background-clip" | "background-origin" if all(&["border-box", "padding-box"]) => None,
        "background-repeat" => keyword(&[
            ("no-repeat", "bg-no-repeat"),
            ("repeat-x", "bg-repeat-x"),
            ("repeat-y", "bg-repeat-y"),
            ("round", "bg-repeat-round"),
            ("space", "bg-repeat-space"),
        ])
        .or_else(|| Some(format!("[background-repeat:{}]", arbitrary(value)))),
        "background-position" => background_position_class(value),
        "background-size" => keyword(&[("cover", "bg-cover"), ("contain", "bg-contain")])
            .or_else(|| Some(format!("bg-[length:{}]", arbitrary(value)))),
        "background-attachment" => keyword(&[("fixed", "bg-fixed"), ("local", "bg-local")])
            .or_else(|| Some(format!("[background-attachment:{}]", arbitrary(value)))),
        other => Some(format!("[{other}:{}]", arbitrary(value))),
    }
}

/// A background position by Tailwind's name (`bg-center`), `None` at the initial top left,
/// else an arbitrary value. A zero offset is a zero percentage: both put the image's edge on
/// the box's.
fn background_position_class(value: &str) -> Option<String> {
    let normalized: Vec<String> = value
        .split(',')
        .map(|layer| {
            layer
                .split_whitespace()
                .map(|offset| if offset == "0px" { "0%" } else { offset })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    if normalized.iter().all(|layer| layer == "0% 0%") {
        return None;
    }
    let named = [
        ("50% 50%", "bg-center"),
        ("50% 0%", "bg-top"),
        ("50% 100%", "bg-bottom"),
        ("0% 50%", "bg-left"),
        ("100% 50%", "bg-right"),
        ("0% 0%", "bg-left-top"),
        ("100% 0%", "bg-right-top"),
        ("0% 100%", "bg-left-bottom"),
        ("100% 100%", "bg-right-bottom"),
    ];
    match normalized.as_slice() {
        [one] => match named.iter().find(|(css, _)| css == one) {
            Some((_, class)) => Some(class.to_string()),
            None => Some(format!("bg-[position:{}]", arbitrary(value))),
        },
        _ => Some(format!("bg-[position:{}]", arbitrary(value))),
    }
}

fn style_has_no_outline(style: &BTreeMap<String, String>) -> bool {
    style
        .get("outline-style")
        .is_none_or(|outline| outline.trim() == "none")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn background_keywords_and_sizes_on_the_spacing_scale_get_names() {
        let theme = Theme::default();
        let class = |property, value| {
            paint_and_other_class(property, value, &BTreeMap::new(), &theme, false)
        };
        assert_eq!(class("background-position", "0px 0px"), None);
        assert_eq!(
            class("background-position", "0px 100%").as_deref(),
            Some("bg-left-bottom")
        );
        assert_eq!(
            class("background-position", "5px 2px").as_deref(),
            Some("bg-[position:5px_2px]")
        );
        assert_eq!(
            class("background-repeat", "no-repeat").as_deref(),
            Some("bg-no-repeat")
        );
        assert_eq!(
            class("background-size", "cover").as_deref(),
            Some("bg-cover")
        );
        assert_eq!(
            class("background-size", "16px 66px").as_deref(),
            Some("bg-[length:16px_66px]")
        );
        let sized = |property, value| box_class(property, value).flatten();
        assert_eq!(sized("min-height", "1px").as_deref(), Some("min-h-px"));
        assert_eq!(sized("column-count", "2").as_deref(), Some("columns-2"));
        assert_eq!(sized("column-count", "auto"), None);
        assert_eq!(
            sized("break-inside", "avoid").as_deref(),
            Some("break-inside-avoid")
        );
        assert_eq!(sized("min-width", "160px").as_deref(), Some("min-w-40"));
        assert_eq!(sized("max-height", "50px").as_deref(), Some("max-h-[50px]"));
    }
}
