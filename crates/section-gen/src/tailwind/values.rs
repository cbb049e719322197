//! CSS values to Tailwind values: the spacing scale, sizes, sides of a box, borders, radii,
//! colours through the theme, and arbitrary values escaped.

use std::collections::BTreeMap;

use super::palette::PALETTE;
use super::theme::Theme;

/// Classes for four sides (`p-6`, `px-4 py-2`, `pt-[13px]`, ...).
pub(super) fn box_sides(prefix: &str, [top, right, bottom, left]: [&str; 4]) -> Vec<String> {
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
pub(super) fn size_class(prefix: &str, value: &str) -> Option<String> {
    let name = match value {
        // Only there where a size attribute would otherwise set the size.
        "auto" => "auto".to_string(),
        "100%" => "full".to_string(),
        "fit-content" => "fit".to_string(),
        "min-content" => "min".to_string(),
        "max-content" => "max".to_string(),
        length => match fraction_name(length, if prefix == "w" { &TWELFTHS } else { &SIXTHS }) {
            Some(fraction) => fraction,
            None => return Some(length_class(prefix, length)),
        },
    };
    Some(format!("{prefix}-{name}"))
}

/// A flex basis: `basis-full`, the fractions, the spacing scale, else an arbitrary value.
pub(super) fn basis_class(value: &str) -> Option<String> {
    match value {
        "auto" => None,
        "100%" => Some("basis-full".to_string()),
        length => Some(match fraction_name(length, &TWELFTHS) {
            Some(fraction) => format!("basis-{fraction}"),
            None => length_class("basis", length),
        }),
    }
}

/// An inset (`top`, `left`...): Tailwind's `full` and fractions, else a length.
pub(super) fn inset_class(prefix: &str, value: &str) -> String {
    let (sign, magnitude) = match value.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", value),
    };
    let name = match magnitude {
        "100%" => Some("full".to_string()),
        length => fraction_name(length, &[2, 3, 4]),
    };
    match name {
        Some(name) => format!("{sign}{prefix}-{name}"),
        None => length_class(prefix, value),
    }
}

const SIXTHS: [u32; 5] = [2, 3, 4, 5, 6];
const TWELFTHS: [u32; 6] = [2, 3, 4, 5, 6, 12];

/// Tailwind's name for a percentage that is one of its fractions with these denominators
/// (`1/3` for `33.3333%`, which is how the browser writes a third).
fn fraction_name(value: &str, denominators: &[u32]) -> Option<String> {
    let percent: f64 = value.strip_suffix('%')?.parse().ok()?;
    denominators.iter().find_map(|&denominator| {
        (1..denominator)
            .find(|&numerator| {
                (percent - 100.0 * f64::from(numerator) / f64::from(denominator)).abs() < 5e-4
            })
            .map(|numerator| format!("{numerator}/{denominator}"))
    })
}

pub(super) fn length_class(prefix: &str, value: &str) -> String {
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

pub(super) fn gap_classes(row: Option<&str>, column: Option<&str>) -> Option<Vec<String>> {
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
pub(super) fn grid_columns(value: &str) -> Option<String> {
    if value == "none" {
        return None;
    }
    let tracks: Vec<&str> = value.split_ascii_whitespace().collect();
    let widths: Option<Vec<f64>> = tracks.iter().map(|track| px(track)).collect();
    if let Some(widths) = widths {
        let first = widths[0];
        if widths.len() <= 12 && widths.iter().all(|w| (w - first).abs() <= 1.0) {
            return Some(format!("grid-cols-{}", widths.len()));
        }
    }
    Some(format!("grid-cols-[{}]", arbitrary(value)))
}

pub(super) fn border_classes(
    style: &BTreeMap<String, String>,
    theme: &Theme,
) -> Option<Vec<String>> {
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

pub(super) fn radius_class(style: &BTreeMap<String, String>, theme: &Theme) -> Option<String> {
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
    let [top_left, top_right, bottom_right, bottom_left] =
        [values[0], values[1], values[2], values[3]];
    if values.iter().all(|value| *value == top_left) {
        return Some(rounded("rounded", top_left, theme));
    }
    // Two sides round alike and the other two not at all: `rounded-t-lg`.
    let side = match (top_left, top_right, bottom_right, bottom_left) {
        (a, b, "0px", "0px") if a == b => Some(("t", a)),
        ("0px", a, b, "0px") if a == b => Some(("r", a)),
        ("0px", "0px", a, b) if a == b => Some(("b", a)),
        (a, "0px", "0px", b) if a == b => Some(("l", a)),
        _ => None,
    };
    match side {
        Some((side, radius)) if !radius.contains(' ') => {
            Some(rounded(&format!("rounded-{side}"), radius, theme))
        }
        _ => Some(format!("[border-radius:{}]", arbitrary(&values.join(" ")))),
    }
}

/// `rounded-lg` for a theme radius, Tailwind's own name where the theme does not take it
/// (`rounded` is 4px), `rounded-full` for a pill, else an arbitrary value.
fn rounded(prefix: &str, value: &str, theme: &Theme) -> String {
    if let Some((name, _)) = theme.radii.iter().find(|(_, radius)| radius == value) {
        return format!("{prefix}-{name}");
    }
    let px = px(value);
    if px >= Some(999.0) {
        return format!("{prefix}-full");
    }
    const DEFAULT_RADII: &[(&str, f64)] = &[
        ("sm", 2.0),
        ("", 4.0),
        ("md", 6.0),
        ("lg", 8.0),
        ("xl", 12.0),
        ("2xl", 16.0),
        ("3xl", 24.0),
    ];
    let default = DEFAULT_RADII.iter().find(|(name, radius)| {
        Some(*radius) == px && !theme.radii.iter().any(|(taken, _)| taken == name)
    });
    match default {
        Some(("", _)) => prefix.to_string(),
        Some((name, _)) => format!("{prefix}-{name}"),
        None => format!("{prefix}-[{}]", arbitrary(value)),
    }
}

/// `bg-primary` for a theme colour, `bg-[#4f46e5]` for another, in whatever notation the value
/// came (`rgb()`, `oklch()`, `color(display-p3 ...)`): the theme holds the same colour in hex.
pub(super) fn color_class(prefix: &str, value: &str, theme: &Theme) -> String {
    let keyword = value.to_ascii_lowercase();
    if matches!(keyword.as_str(), "transparent" | "currentcolor" | "inherit") {
        return format!("{prefix}-{}", keyword.replace("currentcolor", "current"));
    }
    // Any colour at zero alpha paints nothing: `border-transparent`, not `border-[#00000000]`.
    if is_transparent(value) {
        return format!("{prefix}-transparent");
    }
    match replica_css::color_to_hex(value) {
        Some(hex) => match theme.color_name(&hex).or_else(|| palette_name(&hex)) {
            Some(name) => format!("{prefix}-{name}"),
            None => format!("{prefix}-[{hex}]"),
        },
        None => format!("{prefix}-[{}]", arbitrary(value)),
    }
}

/// The name of Tailwind's default palette for a colour in it (`gray-700` for `#374151`).
fn palette_name(hex: &str) -> Option<&'static str> {
    PALETTE
        .iter()
        .find(|(value, _)| *value == hex)
        .map(|(_, name)| *name)
}

pub(super) fn is_transparent(value: &str) -> bool {
    replica_css::parse_color(value).is_some_and(|color| color.to_bytes()[3] == 0)
}

/// `z-50` for the values of Tailwind's z-index scale, else `z-[7]`.
pub(super) fn z_index_class(value: &str) -> String {
    match value {
        "0" | "10" | "20" | "30" | "40" | "50" => format!("z-{value}"),
        other => format!("z-[{}]", arbitrary(other)),
    }
}

/// `opacity-60` where the value is a step of Tailwind's opacity scale (multiples of 5 %),
/// else `opacity-[0.62]`.
pub(super) fn opacity_class(value: &str) -> String {
    let percent = value.parse::<f64>().ok().map(|opacity| opacity * 100.0);
    match percent {
        Some(percent)
            if (0.0..=100.0).contains(&percent)
                && (percent - percent.round()).abs() < 1e-9
                && percent.round() as i64 % 5 == 0 =>
        {
            format!("opacity-{}", percent.round() as i64)
        }
        _ => format!("opacity-[{}]", arbitrary(value)),
    }
}

/// `order-3`, `order-first`, `order-last`, `order-none` for what Tailwind names, else
/// `[order:13]`.
pub(super) fn order_class(value: &str) -> String {
    match value.parse::<i64>() {
        Ok(1..=12) => format!("order-{value}"),
        Ok(-9999) => "order-first".to_string(),
        Ok(9999) => "order-last".to_string(),
        Ok(0) => "order-none".to_string(),
        _ => format!("[order:{}]", arbitrary(value)),
    }
}

/// `leading-5` for the pixel line heights of Tailwind's scale (12px to 40px by 4), else
/// `leading-[25.6px]`. CSS `normal` (the font's own spacing, about 1.15) is no Tailwind name:
/// `leading-normal` is 1.5.
pub(super) fn line_height_class(value: &str) -> String {
    let step = value
        .strip_suffix("px")
        .and_then(|px| px.parse::<f64>().ok())
        .map(|px| px / 4.0)
        .filter(|step| step.fract() == 0.0 && (3.0..=10.0).contains(step));
    match step {
        Some(step) => format!("leading-{step}"),
        None => format!("leading-[{}]", arbitrary(value)),
    }
}

/// The font-size class for an element, and whether it sets the element's line height and
/// letter spacing too (so that their own classes can go): a theme size (`text-copy`) or one of
/// Tailwind's (`text-sm`, 14px on a 20px line), whichever sets more of the three; `None` where
/// none fits. A size that would set a line height or letter spacing the element does not
/// have fits only where the element's own class (`has_line_height`, `has_letter_spacing`)
/// comes after it and wins.
pub(super) fn named_font_size(
    style: &BTreeMap<String, String>,
    has_line_height: bool,
    has_letter_spacing: bool,
    theme: &Theme,
) -> Option<NamedFontSize> {
    let get = |property: &str| style.get(property).map(|value| value.trim());
    let size = get("font-size")?;
    let own_line_height = get("line-height").unwrap_or("normal");
    let own_spacing = get("letter-spacing").unwrap_or("normal");
    let from_theme = theme.font_sizes.iter().map(|(name, font)| {
        (
            format!("text-{name}"),
            font.size.clone(),
            font.line_height.clone(),
            font.letter_spacing.as_deref(),
        )
    });
    let defaults = DEFAULT_FONT_SIZES.iter().map(|(name, px, line)| {
        let line = line.unwrap_or(*px);
        (
            format!("text-{name}"),
            format!("{px}px"),
            format!("{line}px"),
            None,
        )
    });
    let mut best: Option<(u8, NamedFontSize)> = None;
    for (class, font_size, line_height, spacing) in from_theme.chain(defaults) {
        if !same_length(size, &font_size) {
            continue;
        }
        let sets_line_height = same_length(own_line_height, &line_height);
        let sets_letter_spacing = spacing.is_some_and(|spacing| same_length(own_spacing, spacing));
        let fits = (sets_line_height || has_line_height)
            && (spacing.is_none() || sets_letter_spacing || has_letter_spacing);
        let score = u8::from(sets_line_height) + u8::from(sets_letter_spacing);
        if fits && best.as_ref().is_none_or(|(best, _)| score > *best) {
            let named = NamedFontSize {
                class,
                sets_line_height,
                sets_letter_spacing,
            };
            best = Some((score, named));
        }
    }
    best.map(|(_, named)| named)
}

/// A named font-size class and what it sets besides the size.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct NamedFontSize {
    pub class: String,
    pub sets_line_height: bool,
    pub sets_letter_spacing: bool,
}

/// Tailwind's font sizes: (name, px, line height in px; `None`: 1, the size itself).
const DEFAULT_FONT_SIZES: &[(&str, u32, Option<u32>)] = &[
    ("xs", 12, Some(16)),
    ("sm", 14, Some(20)),
    ("base", 16, Some(24)),
    ("lg", 18, Some(28)),
    ("xl", 20, Some(28)),
    ("2xl", 24, Some(32)),
    ("3xl", 30, Some(36)),
    ("4xl", 36, Some(40)),
    ("5xl", 48, None),
    ("6xl", 60, None),
    ("7xl", 72, None),
    ("8xl", 96, None),
    ("9xl", 128, None),
];

/// A length in pixels (`18.5px`); `None` for other units and keywords.
pub(crate) fn px(text: &str) -> Option<f64> {
    text.strip_suffix("px").and_then(|n| n.parse().ok())
}

/// Two computed lengths (or keywords) that are the same value.
fn same_length(a: &str, b: &str) -> bool {
    match (px(a), px(b)) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-3,
        _ => a == b,
    }
}

/// `tracking-wide` where the letter spacing is one of Tailwind's (in em of the font size),
/// else `tracking-[0.96px]`.
pub(super) fn tracking_class(spacing: &str, font_size: Option<&str>) -> String {
    if spacing == "normal" {
        return "tracking-normal".to_string();
    }
    if let (Some(spacing), Some(size)) = (px(spacing), font_size.and_then(px))
        && size > 0.0
    {
        let em = spacing / size;
        let named = [
            ("tighter", -0.05),
            ("tight", -0.025),
            ("normal", 0.0),
            ("wide", 0.025),
            ("wider", 0.05),
            ("widest", 0.1),
        ]
        .into_iter()
        .find(|(_, step)| (em - step).abs() * size < 1e-3);
        if let Some((name, _)) = named {
            return format!("tracking-{name}");
        }
    }
    format!("tracking-[{}]", arbitrary(spacing))
}

/// A value inside `[...]`: spaces become `_` (Tailwind turns them back), existing underscores
/// are escaped so they stay underscores, and double quotes become single ones: in a JSX
/// attribute they would turn into `&quot;`, which Tailwind reads literally (a broken `url()`).
/// Tailwind keeps `url(...)` (up to its first `)`) as written, so underscores there stay
/// bare: an escaped one would reach the URL as a backslash, which the browser reads as a `/`.
pub(super) fn arbitrary(value: &str) -> String {
    let value = single_quoted_urls(value.trim());
    let mut out = String::with_capacity(value.len());
    let mut previous_space = false;
    let mut in_url = false;
    for c in value.chars() {
        if in_url {
            in_url = c != ')';
            out.push(c);
            continue;
        }
        match c {
            '(' if out.ends_with("url") => {
                in_url = true;
                out.push('(');
            }
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
        // Tailwind's palette by name, other colours by value.
        assert_eq!(class("rgb(79, 70, 229)"), "bg-indigo-600");
        assert_eq!(class("rgb(79, 70, 228)"), "bg-[#4f46e4]");
        assert_eq!(class("rgba(0, 0, 0, 0.5)"), "bg-[#00000080]");
        assert_eq!(class("rgba(1, 2, 3, 1)"), "bg-[#010203]");
        assert_eq!(class("#FFF"), "bg-white");
        assert_eq!(class("oklch(0.546 0.245 262.881)"), "bg-[#155dfc]");
        assert_eq!(class("transparent"), "bg-transparent");
        assert_eq!(class("rgba(0, 0, 0, 0)"), "bg-transparent");
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
    fn values_on_tailwind_scales_get_their_names() {
        assert_eq!(z_index_class("50"), "z-50");
        assert_eq!(z_index_class("7"), "z-[7]");
        assert_eq!(opacity_class("0.6"), "opacity-60");
        assert_eq!(opacity_class("0.05"), "opacity-5");
        assert_eq!(opacity_class("0.62"), "opacity-[0.62]");
        assert_eq!(order_class("3"), "order-3");
        assert_eq!(order_class("-9999"), "order-first");
        assert_eq!(order_class("13"), "[order:13]");
        assert_eq!(line_height_class("20px"), "leading-5");
        assert_eq!(line_height_class("25.6px"), "leading-[25.6px]");
        assert_eq!(line_height_class("44px"), "leading-[44px]");
        let theme = Theme::default();
        assert_eq!(
            color_class("text", "rgb(55, 65, 81)", &theme),
            "text-gray-700"
        );
        assert_eq!(color_class("bg", "#000", &theme), "bg-black");
        assert_eq!(color_class("bg", "#fff1e5", &theme), "bg-[#fff1e5]");
        assert_eq!(size_class("w", "33.3333%").as_deref(), Some("w-1/3"));
        assert_eq!(size_class("w", "8.33333%").as_deref(), Some("w-1/12"));
        assert_eq!(size_class("h", "8.33333%").as_deref(), Some("h-[8.33333%]"));
        assert_eq!(size_class("w", "33%").as_deref(), Some("w-[33%]"));
        assert_eq!(basis_class("50%").as_deref(), Some("basis-1/2"));
        assert_eq!(basis_class("0px").as_deref(), Some("basis-0"));
        assert_eq!(inset_class("left", "50%"), "left-1/2");
        assert_eq!(inset_class("top", "-100%"), "-top-full");
        assert_eq!(inset_class("top", "20%"), "top-[20%]");
        assert_eq!(inset_class("right", "16px"), "right-4");
        assert_eq!(tracking_class("0.4px", Some("16px")), "tracking-wide");
        assert_eq!(tracking_class("-0.6px", Some("24px")), "tracking-tight");
        assert_eq!(tracking_class("0.96px", Some("16px")), "tracking-[0.96px]");
    }

    #[test]
    fn radii_get_the_theme_s_names_then_tailwind_s_and_sides_their_own() {
        let mut theme = Theme::default();
        theme.radii.push(("lg".to_string(), "12px".to_string()));
        let corners = |values: [&str; 4]| -> BTreeMap<String, String> {
            ["top-left", "top-right", "bottom-right", "bottom-left"]
                .iter()
                .zip(values)
                .map(|(corner, value)| (format!("border-{corner}-radius"), value.to_string()))
                .collect()
        };
        let class = |values| radius_class(&corners(values), &theme);
        assert_eq!(class(["12px"; 4]).as_deref(), Some("rounded-lg"));
        assert_eq!(class(["4px"; 4]).as_deref(), Some("rounded"));
        // `lg` is the theme's 12px here, so 8px has no name.
        assert_eq!(class(["8px"; 4]).as_deref(), Some("rounded-[8px]"));
        assert_eq!(
            class(["10px", "10px", "0px", "0px"]).as_deref(),
            Some("rounded-t-[10px]")
        );
        assert_eq!(
            class(["0px", "0px", "6px", "6px"]).as_deref(),
            Some("rounded-b-md")
        );
        assert_eq!(
            class(["0px", "3px", "3px", "5px"]).as_deref(),
            Some("[border-radius:0px_3px_3px_5px]")
        );
    }

    fn text(size: &str, line_height: &str, letter_spacing: &str) -> BTreeMap<String, String> {
        [
            ("font-size", size),
            ("line-height", line_height),
            ("letter-spacing", letter_spacing),
        ]
        .into_iter()
        .map(|(property, value)| (property.to_string(), value.to_string()))
        .collect()
    }

    #[test]
    fn a_named_font_size_sets_what_it_can_and_only_what_it_should() {
        let mut theme = Theme::default();
        theme.font_sizes.push((
            "copy".to_string(),
            super::super::theme::FontSize {
                size: "15px".to_string(),
                line_height: "22.4px".to_string(),
                letter_spacing: None,
            },
        ));
        let named = |style: &BTreeMap<String, String>, own_line: bool| {
            named_font_size(style, own_line, false, &theme)
                .map(|n| (n.class, n.sets_line_height, n.sets_letter_spacing))
        };
        // Tailwind's own size and line height: one class.
        assert_eq!(
            named(&text("14px", "20px", "normal"), false),
            Some(("text-sm".to_string(), true, false))
        );
        // Another line height: the size's name only where the element's `leading-*` follows.
        assert_eq!(
            named(&text("14px", "21px", "normal"), true),
            Some(("text-sm".to_string(), false, false))
        );
        assert_eq!(named(&text("14px", "21px", "normal"), false), None);
        // The theme's size with its line height.
        assert_eq!(
            named(&text("15px", "22.4px", "normal"), false),
            Some(("text-copy".to_string(), true, false))
        );
        assert_eq!(named(&text("15px", "30px", "normal"), false), None);
        assert_eq!(named(&text("17px", "22.4px", "normal"), true), None);
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
        // Tailwind keeps a URL as written: its underscores stay, the ones after it are escaped.
        assert_eq!(
            arbitrary(r#"url("https://x.test/lined_paper.png") 0 0 / a_b"#),
            "url('https://x.test/lined_paper.png')_0_0_/_a\\_b"
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
