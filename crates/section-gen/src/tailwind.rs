//! Computed styles to Tailwind classes, over a theme made from the design tokens.
//!
//! Each element's captured style (computed, minus what its tag computes to unstyled) becomes
//! classes: theme names where a value is a token (`bg-primary`, `text-heading`,
//! `rounded-lg`), Tailwind's scale where it matches exactly (`p-6` is 24px), and arbitrary
//! values for the rest (`text-[17px]`, `[backdrop-filter:blur(8px)]`). Inherited values equal
//! to the parent's are left to inheritance. With a mobile capture, base classes come from
//! mobile and `md:` variants from desktop where the two differ; a property desktop does not
//! set is reset there with `revert` (back to what the tag computes to unstyled, which is what
//! the capture's "minus defaults" means).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use replica_core::{DesignTokens, PseudoElement};
use serde::Serialize;

/// Theme names for token values, in the priority a shared value is named by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Theme {
    /// (name, lower-case hex)
    pub colors: Vec<(String, String)>,
    /// (name, CSS font-family list)
    pub fonts: Vec<(String, String)>,
    /// (Tailwind radius name, CSS length)
    pub radii: Vec<(String, String)>,
}

impl Theme {
    pub fn from_tokens(tokens: &DesignTokens) -> Theme {
        let colors = &tokens.colors;
        let mut theme = Theme::default();
        let named_colors = [
            ("primary", &colors.primary),
            ("secondary", &colors.secondary),
            ("heading", &colors.text.heading),
            ("body", &colors.text.body),
            ("muted", &colors.text.muted),
            ("on-dark", &colors.text.on_dark),
            ("link", &colors.text.link),
            ("page", &colors.backgrounds.page),
            ("alt", &colors.backgrounds.alt),
            ("dark", &colors.backgrounds.dark),
            ("card", &colors.backgrounds.card),
            ("border", &colors.border),
            ("divider", &colors.divider),
        ];
        for (name, value) in named_colors {
            if let Some(hex) = value.as_deref().and_then(replica_css::color_to_hex) {
                theme.colors.push((name.to_string(), hex));
            }
        }
        let families = &tokens.typography.families;
        for (name, value) in [
            ("heading", &families.heading),
            ("body", &families.body),
            ("mono", &families.mono),
        ] {
            if let Some(family) = value {
                theme.fonts.push((name.to_string(), family.clone()));
            }
        }
        let borders = &tokens.borders;
        for (name, value) in [
            ("sm", &borders.radius_sm),
            ("md", &borders.radius_md),
            ("lg", &borders.radius_lg),
            ("xl", &borders.radius_xl),
            ("full", &borders.radius_full),
        ] {
            if let Some(radius) = value {
                theme.radii.push((name.to_string(), radius.clone()));
            }
        }
        theme
    }

    /// The `theme.extend` object of `tailwind.config.js` that gives these names their values.
    pub fn config(&self) -> ThemeExtend {
        ThemeExtend {
            colors: self.colors.iter().cloned().collect(),
            font_family: self
                .fonts
                .iter()
                .map(|(name, family)| (name.clone(), vec![family.clone()]))
                .collect(),
            border_radius: self.radii.iter().cloned().collect(),
        }
    }

    fn color_name(&self, hex: &str) -> Option<&str> {
        self.colors
            .iter()
            .find(|(_, value)| value == hex)
            .map(|(name, _)| name.as_str())
    }
}

/// `theme.extend` of `tailwind.config.js`, as plain data: serialized with serde it is the
/// JSON object to write (keys in a fixed order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThemeExtend {
    pub colors: BTreeMap<String, String>,
    pub font_family: BTreeMap<String, Vec<String>>,
    pub border_radius: BTreeMap<String, String>,
}

/// The `theme.extend` for `tailwind.config.js` of a project generated in the tailwind style
/// (or by the model, whose prompt names it), so that `bg-primary`, `font-heading` and
/// `rounded-lg` mean the page's values.
pub fn tailwind_theme(tokens: &DesignTokens) -> ThemeExtend {
    Theme::from_tokens(tokens).config()
}

/// One element's styles and its parent's, per device.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StyleInput<'a> {
    pub tag: &'a str,
    /// The parent's tag: its UA values are what children inherit where it sets nothing.
    pub parent_tag: &'a str,
    pub svg: bool,
    pub desktop: &'a BTreeMap<String, String>,
    pub mobile: Option<&'a BTreeMap<String, String>>,
    pub parent_desktop: Option<&'a BTreeMap<String, String>>,
    pub parent_mobile: Option<&'a BTreeMap<String, String>>,
    pub theme: &'a Theme,
}

/// The element's classes, in a stable order (property groups alphabetically).
pub(crate) fn classes(input: &StyleInput<'_>) -> Vec<String> {
    let tag = if input.svg { "" } else { input.tag };
    let parent_tag = if input.svg { "" } else { input.parent_tag };
    let parent_desktop = input
        .parent_desktop
        .map(|parent| with_ua_defaults(parent_tag, parent));
    let parent_mobile = input
        .parent_mobile
        .map(|parent| with_ua_defaults(parent_tag, parent));
    let desktop_style = with_ua_defaults(tag, input.desktop);
    let desktop = groups(
        &desktop_style,
        parent_desktop.as_ref(),
        input.theme,
        input.svg,
    );
    let Some(mobile_style) = input.mobile else {
        return desktop.into_values().flatten().collect();
    };
    let mobile_style = with_ua_defaults(tag, mobile_style);
    let mobile = groups(
        &mobile_style,
        parent_mobile.as_ref(),
        input.theme,
        input.svg,
    );
    let mut out = Vec::new();
    let mut names: Vec<&String> = desktop.keys().chain(mobile.keys()).collect();
    names.sort();
    names.dedup();
    for group in names {
        let on_desktop = desktop.get(group);
        let on_mobile = mobile.get(group);
        if let Some(classes) = on_mobile {
            out.extend(classes.iter().cloned());
        }
        if on_desktop == on_mobile {
            continue;
        }
        match on_desktop {
            Some(classes) => out.extend(classes.iter().map(|class| format!("md:{class}"))),
            None => out.push(format!("md:{}", reset_class(group))),
        }
    }
    out
}

/// A `::before` or `::after` box on each device; `mobile` is `None` without a mobile capture
/// and `Some(None)` when mobile renders no such box.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PseudoInput<'a> {
    /// `before` or `after`, Tailwind's variant name.
    pub variant: &'static str,
    pub desktop: Option<&'a PseudoElement>,
    pub mobile: Option<Option<&'a PseudoElement>>,
    /// The element the box belongs to: it is the box's parent for inheritance.
    pub owner: StyleInput<'a>,
}

/// The box's classes under the `before:`/`after:` variant: its `content` and its styles,
/// which the page's stylesheets gave it and the Tailwind style drops with them (icon-font
/// glyphs, quotes, decorative bars). Tailwind gives every `before:` utility a box with empty
/// content, so a device that renders none gets `content-none`.
pub(crate) fn pseudo_classes<'a>(input: &PseudoInput<'a>) -> Vec<String> {
    let variant = input.variant;
    let content = |pseudo: Option<&PseudoElement>| match pseudo {
        Some(pseudo) => content_class(&pseudo.content),
        None => Some("content-none".to_string()),
    };
    let Some(desktop_content) = content(input.desktop) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    match input.mobile {
        None => out.push(format!("{variant}:{desktop_content}")),
        Some(mobile) => {
            let Some(mobile_content) = content(mobile) else {
                return Vec::new();
            };
            out.push(format!("{variant}:{mobile_content}"));
            if mobile_content != desktop_content {
                out.push(format!("md:{variant}:{desktop_content}"));
            }
        }
    }
    let empty = BTreeMap::new();
    let style = |pseudo: Option<&'a PseudoElement>| pseudo.map_or(&empty, |p| &p.style);
    // The box is an inline `span` child of its owner as far as defaults and inheritance go.
    let classes = classes(&StyleInput {
        tag: "span",
        parent_tag: input.owner.tag,
        svg: false,
        desktop: style(input.desktop),
        mobile: input.mobile.map(style),
        parent_desktop: Some(input.owner.desktop),
        parent_mobile: input.owner.mobile,
        theme: input.owner.theme,
    });
    out.extend(
        classes
            .into_iter()
            .map(|class| match class.strip_prefix("md:") {
                Some(rest) => format!("md:{variant}:{rest}"),
                None => format!("{variant}:{class}"),
            }),
    );
    out
}

/// `content-[...]` for a computed `content` value: its strings re-quoted with single quotes
/// and every character that Tailwind, the JSX attribute or the class name could change
/// written as a six-digit CSS escape (a space would become `_`, `&` would reach the source as
/// `&amp;`, `]` would end the value); other tokens (`open-quote`, `attr(title)`) as they are.
/// `None` for a value this cannot carry, counters included.
fn content_class(value: &str) -> Option<String> {
    let value = value.trim();
    if value == "none" || value == "normal" {
        return Some("content-none".to_string());
    }
    let mut tokens = Vec::new();
    let mut chars = value.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '"' || c == '\'' {
            chars.next();
            let mut text = String::new();
            loop {
                match chars.next()? {
                    end if end == c => break,
                    '\\' => text.push(css_unescape(&mut chars)?),
                    other => text.push(other),
                }
            }
            tokens.push(quoted_with_escapes(&text));
        } else {
            let mut token = String::new();
            let mut depth = 0usize;
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() && depth == 0 {
                    break;
                }
                match c {
                    '(' => depth += 1,
                    ')' => depth = depth.checked_sub(1)?,
                    '"' | '\'' | '\\' | '[' | ']' | '&' | '_' => return None,
                    _ => {}
                }
                // Tailwind reads `_` as a space; a space would end the class.
                token.push(if c.is_whitespace() { '_' } else { c });
                chars.next();
            }
            // The capture has no `counter-reset`/`counter-increment`, so every counter would
            // read 0: better no marker than a wrong number.
            if token.starts_with("counter") {
                return None;
            }
            tokens.push(token);
        }
    }
    (!tokens.is_empty()).then(|| format!("content-[{}]", tokens.join("_")))
}

/// The character after a backslash in a CSS string: up to six hex digits and one optional
/// whitespace, or the next character itself.
fn css_unescape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<char> {
    let mut hex = String::new();
    while hex.len() < 6 && chars.peek().is_some_and(char::is_ascii_hexdigit) {
        hex.push(chars.next()?);
    }
    if hex.is_empty() {
        return chars.next();
    }
    if chars.peek().is_some_and(|c| c.is_whitespace()) {
        chars.next();
    }
    let code = u32::from_str_radix(&hex, 16).ok()?;
    Some(
        char::from_u32(code)
            .filter(|&c| c != '\0')
            .unwrap_or('\u{fffd}'),
    )
}

fn quoted_with_escapes(text: &str) -> String {
    let mut out = String::from("'");
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || "-.,!?#%*+/=@|~$:;".contains(c) {
            out.push(c);
        } else {
            let _ = write!(out, "\\{:06x}", u32::from(c));
        }
    }
    out.push('\'');
    out
}

/// Properties inherited by default: left out when the parent computes the same value.
const INHERITED: &[&str] = &[
    "border-collapse",
    "border-spacing",
    "color",
    "cursor",
    "direction",
    "fill",
    "font-family",
    "font-size",
    "font-style",
    "font-variant",
    "font-weight",
    "letter-spacing",
    "line-height",
    "list-style-position",
    "list-style-type",
    "overflow-wrap",
    "stroke",
    "stroke-width",
    "text-align",
    "text-indent",
    "text-shadow",
    "text-transform",
    "visibility",
    "white-space",
    "word-break",
    "word-spacing",
    "-webkit-text-fill-color",
    "-webkit-font-smoothing",
];

/// Properties that carry no look of their own here: derived from others, set by Tailwind's
/// preflight already, or transient (transitions run, the capture shows their end state).
const IGNORED: &[&str] = &[
    "box-sizing",
    "transform-origin",
    "perspective-origin",
    "outline-color",
    "text-decoration-color",
    "-webkit-text-fill-color",
    "caret-color",
    "column-rule-color",
    "text-emphasis-color",
    "transition-delay",
    "transition-duration",
    "transition-property",
    "transition-timing-function",
    "transition-behavior",
    "animation-name",
    "animation-duration",
    "animation-delay",
    "animation-timing-function",
    "animation-iteration-count",
    "animation-direction",
    "animation-fill-mode",
    "animation-play-state",
    "will-change",
    "grid-template-rows",
    "border-top-color",
    "border-right-color",
    "border-bottom-color",
    "border-left-color",
    "border-top-style",
    "border-right-style",
    "border-bottom-style",
    "border-left-style",
    "border-top-width",
    "border-right-width",
    "border-bottom-width",
    "border-left-width",
    "border-top-left-radius",
    "border-top-right-radius",
    "border-bottom-right-radius",
    "border-bottom-left-radius",
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
    "margin-top",
    "margin-right",
    "margin-bottom",
    "margin-left",
    "row-gap",
    "column-gap",
];

/// The CSS property a group of classes sets (a shorthand for side groups), for resetting
/// it on desktop.
fn group_property(group: &str) -> &str {
    match group {
        "radius" => "border-radius",
        property => property,
    }
}

/// The class that undoes a group on desktop when desktop leaves it at the default: the
/// initial value where it is known (UA values are filled in before, so an absent side group
/// is zero), else `revert`, back to the UA stylesheet.
fn reset_class(group: &str) -> String {
    let class = match group {
        "padding" => "p-0",
        "margin" => "m-0",
        "gap" => "gap-0",
        "border" => "border-0",
        "radius" => "rounded-none",
        "background-color" => "bg-transparent",
        "background-image" => "bg-none",
        "box-shadow" => "shadow-none",
        "position" => "static",
        "flex-direction" => "flex-row",
        "flex-wrap" => "flex-nowrap",
        "top" => "top-auto",
        "right" => "right-auto",
        "bottom" => "bottom-auto",
        "left" => "left-auto",
        "width" => "w-auto",
        "height" => "h-auto",
        "max-width" => "max-w-none",
        "max-height" => "max-h-none",
        "transform" => "transform-none",
        "opacity" => "opacity-100",
        "z-index" => "z-auto",
        "grid-template-columns" => "grid-cols-none",
        other => return format!("[{}:revert]", group_property(other)),
    };
    class.to_string()
}

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
fn with_ua_defaults(tag: &str, style: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut style = style.clone();
    for (property, value) in ua_defaults(tag) {
        style
            .entry((*property).to_string())
            .or_insert_with(|| (*value).to_string());
    }
    style
}

/// Classes per group (a CSS property, or a shorthand family such as `padding`).
fn groups(
    style: &BTreeMap<String, String>,
    parent: Option<&BTreeMap<String, String>>,
    theme: &Theme,
    svg: bool,
) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let get = |property: &str| style.get(property).map(|value| value.trim());
    for (group, prefix, properties) in [
        (
            "padding",
            "p",
            [
                "padding-top",
                "padding-right",
                "padding-bottom",
                "padding-left",
            ],
        ),
        (
            "margin",
            "m",
            ["margin-top", "margin-right", "margin-bottom", "margin-left"],
        ),
    ] {
        let mut values: Vec<&str> = properties.iter().map(|p| get(p).unwrap_or("0px")).collect();
        // Equal side margins on a box with a max-width are `auto` resolved to pixels:
        // centring stays centring at every width.
        let capped = get("max-width").is_some_and(|width| width != "none");
        if group == "margin" && capped && values[1] == values[3] && values[1] != "0px" {
            values[1] = "auto";
            values[3] = "auto";
        }
        if properties.iter().all(|p| get(p).is_none()) {
            continue;
        }
        let classes = box_sides(prefix, [values[0], values[1], values[2], values[3]]);
        if !classes.is_empty() {
            out.insert(group.to_string(), classes);
        }
    }
    if let Some(classes) = gap_classes(get("row-gap"), get("column-gap")) {
        out.insert("gap".to_string(), classes);
    }
    if let Some(classes) = border_classes(style, theme) {
        out.insert("border".to_string(), classes);
    }
    if let Some(class) = radius_class(style, theme) {
        out.insert("radius".to_string(), vec![class]);
    }
    for (property, value) in style {
        let property = property.as_str();
        let value = value.trim();
        if IGNORED.contains(&property) {
            continue;
        }
        if INHERITED.contains(&property)
            && parent
                .and_then(|parent| parent.get(property))
                .map(|v| v.trim())
                == Some(value)
        {
            continue;
        }
        if let Some(class) = property_class(property, value, style, theme, svg) {
            out.insert(property.to_string(), vec![class]);
        }
    }
    out.retain(|_, classes| !classes.is_empty());
    out
}

/// The class for one computed property (`None`: nothing to write), by group of properties.
fn property_class(
    property: &str,
    value: &str,
    style: &BTreeMap<String, String>,
    theme: &Theme,
    svg: bool,
) -> Option<String> {
    box_class(property, value)
        .or_else(|| text_class(property, value, theme))
        .unwrap_or_else(|| paint_and_other_class(property, value, style, theme, svg))
}

/// The Tailwind class of `value` in a keyword table.
fn keyword_class(value: &str, map: &[(&str, &str)]) -> Option<String> {
    map.iter()
        .find(|(css, _)| *css == value)
        .map(|(_, class)| class.to_string())
}

/// Display, position, sizes and flex or grid layout; `None` for other properties.
fn box_class(property: &str, value: &str) -> Option<Option<String>> {
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
        "z-index" => (value != "auto").then(|| format!("z-[{}]", arbitrary(value))),
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
        "flex-basis" => (value != "auto").then(|| format!("basis-[{}]", arbitrary(value))),
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
            "none" => None,
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
fn text_class(property: &str, value: &str, theme: &Theme) -> Option<Option<String>> {
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
        "line-height" => Some(match value {
            "normal" => "leading-normal".to_string(),
            other => format!("leading-[{}]", arbitrary(other)),
        }),
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
fn paint_and_other_class(
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
        "opacity" => Some(format!("opacity-[{}]", arbitrary(value))),
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

/// Classes for four sides (`p-6`, `px-4 py-2`, `pt-[13px]`, ...).
fn box_sides(prefix: &str, [top, right, bottom, left]: [&str; 4]) -> Vec<String> {
    if top == right && right == bottom && bottom == left {
        return spacing(prefix, top).into_iter().collect();
    }
    if top == bottom && left == right {
        return [
            spacing(&format!("{prefix}x"), left),
            spacing(&format!("{prefix}y"), top),
        ]
        .into_iter()
        .flatten()
        .collect();
    }
    [("t", top), ("r", right), ("b", bottom), ("l", left)]
        .into_iter()
        .filter_map(|(side, value)| spacing(&format!("{prefix}{side}"), value))
        .collect()
}

/// `p-6` when the length is on Tailwind's spacing scale, `p-[13px]` otherwise; `None` for
/// zero padding (nothing to set) but `m-0` stays out too, as zero is the reset.
fn spacing(prefix: &str, value: &str) -> Option<String> {
    if value == "0px" || value == "0" {
        return None;
    }
    if value == "auto" {
        return Some(format!("{prefix}-auto"));
    }
    let (negative, magnitude) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let class = match scale_step(magnitude) {
        Some(step) => format!("{prefix}-{step}"),
        None => return Some(format!("{prefix}-[{}]", arbitrary(value))),
    };
    Some(if negative { format!("-{class}") } else { class })
}

/// Tailwind's default spacing scale (1 step = 4px).
fn scale_step(value: &str) -> Option<String> {
    let px: f64 = value.strip_suffix("px")?.parse().ok()?;
    const STEPS: &[f64] = &[
        0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 14.0,
        16.0, 20.0, 24.0, 28.0, 32.0, 36.0, 40.0, 44.0, 48.0, 52.0, 56.0, 60.0, 64.0, 72.0, 80.0,
        96.0,
    ];
    if px == 1.0 {
        return Some("px".to_string());
    }
    let step = px / 4.0;
    STEPS
        .iter()
        .find(|candidate| (**candidate - step).abs() < 1e-9)
        .map(|step| {
            if step.fract() == 0.0 {
                format!("{step:.0}")
            } else {
                format!("{step}")
            }
        })
}

/// A declared width or height (`w`/`h`): Tailwind's names for the keywords and the common
/// fractions, its spacing scale for lengths on it, arbitrary values for the rest (`calc()`
/// included). `auto` needs no class.
fn size_class(prefix: &str, value: &str) -> Option<String> {
    let name = match value {
        "auto" => return None,
        "100%" => "full",
        "50%" => "1/2",
        "25%" => "1/4",
        "75%" => "3/4",
        "20%" => "1/5",
        "40%" => "2/5",
        "60%" => "3/5",
        "80%" => "4/5",
        "fit-content" => "fit",
        "min-content" => "min",
        "max-content" => "max",
        length => return Some(length_class(prefix, length)),
    };
    Some(format!("{prefix}-{name}"))
}

fn length_class(prefix: &str, value: &str) -> String {
    if value == "0px" {
        return format!("{prefix}-0");
    }
    match value.strip_prefix('-').and_then(scale_step) {
        Some(step) => format!("-{prefix}-{step}"),
        None => match scale_step(value) {
            Some(step) => format!("{prefix}-{step}"),
            None => format!("{prefix}-[{}]", arbitrary(value)),
        },
    }
}

fn gap_classes(row: Option<&str>, column: Option<&str>) -> Option<Vec<String>> {
    let (row, column) = (row.unwrap_or("normal"), column.unwrap_or("normal"));
    let spacing_or_none = |prefix: &str, value: &str| match value {
        "normal" => None,
        value => spacing(prefix, value),
    };
    let classes: Vec<String> = if row == column {
        spacing_or_none("gap", row).into_iter().collect()
    } else {
        [
            spacing_or_none("gap-x", column),
            spacing_or_none("gap-y", row),
        ]
        .into_iter()
        .flatten()
        .collect()
    };
    (!classes.is_empty()).then_some(classes)
}

/// `grid-cols-4` when the tracks are equal (Tailwind's `repeat(4, minmax(0, 1fr))` gives
/// the same tracks and stays fluid), the exact tracks otherwise.
fn grid_columns(value: &str) -> Option<String> {
    if value == "none" {
        return None;
    }
    let tracks: Vec<&str> = value.split_ascii_whitespace().collect();
    let widths: Option<Vec<f64>> = tracks
        .iter()
        .map(|track| track.strip_suffix("px").and_then(|n| n.parse().ok()))
        .collect();
    if let Some(widths) = widths {
        let first = widths[0];
        if widths.len() <= 12 && widths.iter().all(|w| (w - first).abs() <= 1.0) {
            return Some(format!("grid-cols-{}", widths.len()));
        }
    }
    Some(format!("grid-cols-[{}]", arbitrary(value)))
}

fn border_classes(style: &BTreeMap<String, String>, theme: &Theme) -> Option<Vec<String>> {
    let sides = ["top", "right", "bottom", "left"];
    let width = |side: &str| {
        style
            .get(&format!("border-{side}-width"))
            .map_or("0px", |value| value.trim())
    };
    let style_of = |side: &str| {
        style
            .get(&format!("border-{side}-style"))
            .map_or("none", |value| value.trim())
    };
    // A side shows only with a style and a width.
    let visible: Vec<&str> = sides
        .iter()
        .copied()
        .filter(|side| style_of(side) != "none" && width(side) != "0px")
        .collect();
    if visible.is_empty() {
        return None;
    }
    let mut classes = Vec::new();
    let width_class = |prefix: &str, value: &str| match value {
        "1px" => prefix.to_string(),
        "2px" | "4px" | "8px" => format!("{prefix}-{}", &value[..1]),
        other => format!("{prefix}-[{}]", arbitrary(other)),
    };
    if visible.len() == 4 && sides.iter().all(|side| width(side) == width("top")) {
        classes.push(width_class("border", width("top")));
    } else {
        for side in &visible {
            classes.push(width_class(&format!("border-{}", &side[..1]), width(side)));
        }
    }
    let first = visible[0];
    let line = style_of(first);
    if line != "solid" {
        classes.push(format!("border-{line}"));
    }
    if let Some(color) = style.get(&format!("border-{first}-color")) {
        classes.push(color_class("border", color.trim(), theme));
    }
    Some(classes)
}

fn radius_class(style: &BTreeMap<String, String>, theme: &Theme) -> Option<String> {
    let corners = [
        "border-top-left-radius",
        "border-top-right-radius",
        "border-bottom-right-radius",
        "border-bottom-left-radius",
    ];
    let values: Vec<&str> = corners
        .iter()
        .map(|corner| style.get(*corner).map_or("0px", |value| value.trim()))
        .collect();
    if values.iter().all(|value| *value == "0px") {
        return None;
    }
    if values.iter().all(|value| *value == values[0]) {
        let value = values[0];
        if let Some((name, _)) = theme.radii.iter().find(|(_, radius)| radius == value) {
            return Some(format!("rounded-{name}"));
        }
        if value.strip_suffix("px").and_then(|n| n.parse::<f64>().ok()) >= Some(999.0) {
            return Some("rounded-full".to_string());
        }
        return Some(format!("rounded-[{}]", arbitrary(value)));
    }
    Some(format!("[border-radius:{}]", arbitrary(&values.join(" "))))
}

/// `bg-primary` for a theme colour, `bg-[#4f46e5]` for another, in whatever notation the value
/// came (`rgb()`, `oklch()`, `color(display-p3 ...)`): the theme holds the same colour in hex.
fn color_class(prefix: &str, value: &str, theme: &Theme) -> String {
    let keyword = value.to_ascii_lowercase();
    if matches!(keyword.as_str(), "transparent" | "currentcolor" | "inherit") {
        return format!("{prefix}-{}", keyword.replace("currentcolor", "current"));
    }
    match replica_css::color_to_hex(value) {
        Some(hex) => match theme.color_name(&hex) {
            Some(name) => format!("{prefix}-{name}"),
            None => format!("{prefix}-[{hex}]"),
        },
        None => format!("{prefix}-[{}]", arbitrary(value)),
    }
}

fn is_transparent(value: &str) -> bool {
    replica_css::parse_color(value).is_some_and(|color| color.to_bytes()[3] == 0)
}

/// A value inside `[...]`: spaces become `_` (Tailwind turns them back), existing underscores
/// are escaped so they stay underscores, and double quotes become single ones: in a JSX
/// attribute they would turn into `&quot;`, which Tailwind reads literally (a broken `url()`).
fn arbitrary(value: &str) -> String {
    let value = single_quoted_urls(value.trim());
    let mut out = String::with_capacity(value.len());
    let mut previous_space = false;
    for c in value.chars() {
        match c {
            ' ' | '\n' | '\t' => {
                if !previous_space {
                    out.push('_');
                }
                previous_space = true;
                continue;
            }
            '_' => out.push_str("\\_"),
            '"' => out.push('\''),
            c => out.push(c),
        }
        previous_space = false;
    }
    out
}

/// `url("...")` as `url('...')` with the quotes and spaces inside percent-encoded: an SVG data
/// URL holds single quotes (`xmlns='http://...'`) that would end the string once the double
/// quotes become single ones (Tailwind's output then fails to parse: "Unclosed bracket").
fn single_quoted_urls(value: &str) -> String {
    replica_css::rewrite_every_url(value, |url| {
        if url.quote != Some('"') {
            return None;
        }
        let mut out = String::with_capacity(url.reference.len() + 2);
        out.push('\'');
        for c in url.unescaped().chars() {
            match c {
                '\'' => out.push_str("%27"),
                '"' => out.push_str("%22"),
                ' ' => out.push_str("%20"),
                c => out.push(c),
            }
        }
        out.push('\'');
        Some(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colors_become_hex_or_keyword_classes() {
        let theme = Theme::default();
        let class = |value| color_class("bg", value, &theme);
        assert_eq!(class("rgb(79, 70, 229)"), "bg-[#4f46e5]");
        assert_eq!(class("rgba(0, 0, 0, 0.5)"), "bg-[#00000080]");
        assert_eq!(class("rgba(1, 2, 3, 1)"), "bg-[#010203]");
        assert_eq!(class("#FFF"), "bg-[#ffffff]");
        assert_eq!(class("oklch(0.546 0.245 262.881)"), "bg-[#155dfc]");
        assert_eq!(class("transparent"), "bg-transparent");
        assert_eq!(class("currentColor"), "bg-current");
        assert_eq!(class("var(--x)"), "bg-[var(--x)]");
        assert!(is_transparent("rgba(0, 0, 0, 0)"));
        assert!(!is_transparent("rgba(0, 0, 0, 0.5)"));
    }

    #[test]
    fn spacing_scale() {
        assert_eq!(spacing("p", "24px").as_deref(), Some("p-6"));
        assert_eq!(spacing("p", "2px").as_deref(), Some("p-0.5"));
        assert_eq!(spacing("p", "1px").as_deref(), Some("p-px"));
        assert_eq!(spacing("p", "13px").as_deref(), Some("p-[13px]"));
        assert_eq!(spacing("mt", "-16px").as_deref(), Some("-mt-4"));
        assert_eq!(spacing("mt", "-13px").as_deref(), Some("mt-[-13px]"));
        assert_eq!(spacing("mx", "auto").as_deref(), Some("mx-auto"));
        assert_eq!(spacing("p", "0px"), None);
        assert_eq!(
            box_sides("p", ["8px", "16px", "8px", "16px"]),
            ["px-4", "py-2"]
        );
        assert_eq!(box_sides("m", ["0px", "0px", "24px", "0px"]), ["mb-6"]);
    }

    #[test]
    fn pseudo_content_is_requoted_with_escapes() {
        assert_eq!(content_class(r#""""#).as_deref(), Some("content-['']"));
        assert_eq!(
            content_class(r#""\f007""#).as_deref(),
            Some(r"content-['\00f007']")
        );
        assert_eq!(
            content_class("\"\u{f007}\"").as_deref(),
            Some(r"content-['\00f007']")
        );
        assert_eq!(
            content_class(r#""a b_c" attr(title) ".""#).as_deref(),
            Some(r"content-['a\000020b\00005fc'_attr(title)_'.']")
        );
        assert_eq!(
            content_class("url(a.png) attr(data-x, y)").as_deref(),
            Some("content-[url(a.png)_attr(data-x,_y)]")
        );
        assert_eq!(content_class(r#"counter(item) ".""#), None);
        assert_eq!(content_class("none").as_deref(), Some("content-none"));
        assert_eq!(content_class(r#""unterminated"#), None);
        assert_eq!(content_class("attr(data-x]"), None);
    }

    #[test]
    fn arbitrary_values_escape_spaces_and_underscores() {
        assert_eq!(
            arbitrary("0 4px  14px rgba(0,0,0,.3)"),
            "0_4px_14px_rgba(0,0,0,.3)"
        );
        assert_eq!(arbitrary("a_b"), "a\\_b");
        assert_eq!(
            arbitrary(r#"url("https://x.test/a b.png")"#),
            "url('https://x.test/a%20b.png')"
        );
        assert_eq!(
            arbitrary(
                r#"url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E"), url("b\".png")"#
            ),
            "url('data:image/svg+xml,%3Csvg%20xmlns=%27http://www.w3.org/2000/svg%27%3E'),_url('b%22.png')"
        );
        assert_eq!(
            grid_columns("254px 254px 254.5px 254px").as_deref(),
            Some("grid-cols-4")
        );
        assert_eq!(
            grid_columns("540px 515px").as_deref(),
            Some("grid-cols-[540px_515px]")
        );
    }
}
