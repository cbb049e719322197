//! The values a page's class lists repeat, named in the theme (tailwind style): an arbitrary
//! value that two or more classes of the page write becomes an entry of the theme, and the
//! classes use its name, as a person extends the scale for the values they reuse.
//!
//! - lengths of the spacing scale (`px-[18px]`, `w-[940px]`, `max-w-[1140px]`), font sizes and
//!   line heights are named in Tailwind's unit, a quarter rem (`"4.5": "18px"`, so `px-4.5`,
//!   `text-3.5`, `leading-4.5`); Tailwind 4 has these names built in;
//! - percentages of the spacing scale that are simple fractions as Tailwind's widths are
//!   (`max-w-1/3`);
//! - z-indexes by their number (`z-100`), list markers by their keyword (`list-square`),
//!   generated content by what it is (`content-space`),
//!   background images by their file's name (`bg-hero`);
//! - colours by the nearest CSS colour name (`#d73e48` is `indianred`) that neither Tailwind's
//!   palette nor the theme uses, greys by their lightness (`grey-13`), translucent ones with
//!   their opacity (`black-50`).

use std::collections::BTreeMap;

use crate::class_lists::{for_each_class, rewrite_classes};

/// One kind of theme value and the utilities that take it.
struct Scale {
    /// The key under `theme.extend`.
    theme_key: &'static str,
    /// Utilities taking the scale, longest first where one prefixes another.
    utilities: &'static [&'static str],
    /// Whether `-mt-[18px]` and `mt-[-18px]` are the negative of a step.
    negatives: bool,
    /// The CSS property and the utility of a scale written as arbitrary properties
    /// (`[background-image:url(...)]`, named `bg-...`) instead of `utilities`.
    property: Option<(&'static str, &'static str)>,
    /// The theme's name for an arbitrary value, `None` where it stays arbitrary.
    name: fn(&str) -> Option<String>,
}

const SCALES: &[Scale] = &[
    Scale {
        theme_key: "spacing",
        utilities: &[
            "gap-x", "gap-y", "gap", "px", "py", "pt", "pr", "pb", "pl", "p", "mx", "my", "mt",
            "mr", "mb", "ml", "m", "min-w", "min-h", "max-w", "max-h", "w", "h", "top", "right",
            "bottom", "left", "inset-x", "inset-y", "inset", "indent", "basis",
        ],
        negatives: true,
        property: None,
        name: spacing_name,
    },
    Scale {
        theme_key: "fontSize",
        utilities: &["text"],
        negatives: false,
        property: None,
        name: quarter_rem_name,
    },
    Scale {
        theme_key: "lineHeight",
        utilities: &["leading"],
        negatives: false,
        property: None,
        name: line_height_name,
    },
    Scale {
        theme_key: "zIndex",
        utilities: &["z"],
        negatives: true,
        property: None,
        name: z_index_name,
    },
    Scale {
        theme_key: "content",
        utilities: &["content"],
        negatives: false,
        property: None,
        name: content_name,
    },
    Scale {
        theme_key: "listStyleType",
        utilities: &["list"],
        negatives: false,
        property: None,
        name: list_style_name,
    },
    Scale {
        theme_key: "backgroundImage",
        utilities: &[],
        negatives: false,
        property: Some(("background-image", "bg")),
        name: background_image_name,
    },
];

/// Utilities that take a colour.
const COLOR_UTILITIES: &[&str] = &[
    "text",
    "bg",
    "border-x",
    "border-y",
    "border-t",
    "border-r",
    "border-b",
    "border-l",
    "border",
    "fill",
    "stroke",
    "outline",
    "ring",
    "decoration",
    "divide",
    "placeholder",
    "caret",
    "accent",
    "from",
    "via",
    "to",
];

/// Tailwind's own colour names, which a page's colour must not take.
const TAILWIND_COLORS: &[&str] = &[
    "inherit",
    "current",
    "transparent",
    "black",
    "white",
    "slate",
    "gray",
    "zinc",
    "neutral",
    "stone",
    "red",
    "orange",
    "amber",
    "yellow",
    "lime",
    "green",
    "emerald",
    "teal",
    "cyan",
    "sky",
    "blue",
    "indigo",
    "violet",
    "purple",
    "fuchsia",
    "pink",
    "rose",
];

/// The theme's new entries: `theme.extend` key to (name to CSS value).
pub(crate) type ThemeEntries = BTreeMap<&'static str, BTreeMap<String, String>>;

/// Renames, in every `className="..."` and shared `...Class = "..."` list of `sources`, the
/// arbitrary values used at least twice; returns the theme entries for them. `theme_colors`
/// are the colour names the theme has already.
pub fn name_repeated_values(sources: &mut [&mut String], theme_colors: &[String]) -> ThemeEntries {
    let mut entries = ThemeEntries::new();
    for scale in SCALES {
        let named = name_repeated(
            sources,
            |class| scale_class(scale, class),
            |values| {
                values
                    .into_iter()
                    .filter_map(|(value, _)| Some(((scale.name)(&value)?, value)))
                    .collect()
            },
        );
        if !named.is_empty() {
            let theme_values = named
                .into_iter()
                .map(|(name, value)| (name, arbitrary_value_css(&value)))
                .collect();
            entries.insert(scale.theme_key, theme_values);
        }
    }
    let colors = name_repeated(sources, color_class, |values| {
        color_names(values, theme_colors)
    });
    if !colors.is_empty() {
        entries.insert("colors", colors);
    }
    entries
}

/// The pass for one scale: counts the values of the classes `parse` accepts, has `names` name
/// those used twice or more (value and uses in, name to value out), and renames the classes.
fn name_repeated(
    sources: &mut [&mut String],
    parse: impl for<'a> Fn(&'a str) -> Option<ArbitraryClass<'a>>,
    names: impl FnOnce(Vec<(String, usize)>) -> BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for source in sources.iter() {
        for_each_class(source, |class| {
            if let Some(class) = parse(class) {
                *uses.entry(class.value.to_string()).or_default() += 1;
            }
            None
        });
    }
    uses.retain(|_, count| *count >= 2);
    if uses.is_empty() {
        return BTreeMap::new();
    }
    let named = names(uses.into_iter().collect());
    let name_of: BTreeMap<&str, &str> = named
        .iter()
        .map(|(name, value)| (value.as_str(), name.as_str()))
        .collect();
    for source in sources.iter_mut() {
        let renamed = rewrite_classes(source, |class| {
            let class = parse(class)?;
            name_of.get(class.value).map(|name| class.named(name))
        });
        **source = renamed;
    }
    named
}

/// One arbitrary-value class: `md:-mt-[18px]` is variants `md:`, negative, `mt`, `18px`.
struct ArbitraryClass<'a> {
    variants: &'a str,
    negative: bool,
    utility: &'a str,
    value: &'a str,
}

impl ArbitraryClass<'_> {
    fn named(&self, name: &str) -> String {
        let sign = if self.negative { "-" } else { "" };
        format!("{}{sign}{}-{name}", self.variants, self.utility)
    }
}

fn scale_class<'a>(scale: &Scale, class: &'a str) -> Option<ArbitraryClass<'a>> {
    let class = match scale.property {
        Some((property, utility)) => arbitrary_property(class, property, utility)?,
        None => arbitrary_class(class, scale.utilities, scale.negatives)?,
    };
    (scale.name)(class.value).map(|_| class)
}

fn color_class(class: &str) -> Option<ArbitraryClass<'_>> {
    let class = arbitrary_class(class, COLOR_UTILITIES, false)?;
    hex_color(class.value).map(|_| class)
}

/// `md:[background-image:url(a.png)]` as `md:`, `bg`, `url(a.png)`.
fn arbitrary_property<'a>(
    class: &'a str,
    property: &str,
    utility: &'a str,
) -> Option<ArbitraryClass<'a>> {
    let start = class.find('[')?;
    let (variants, base) = class.split_at(start);
    if !variants.is_empty() && !variants.ends_with(':') {
        return None;
    }
    let value = base
        .strip_prefix('[')?
        .strip_prefix(property)?
        .strip_prefix(':')?
        .strip_suffix(']')?;
    Some(ArbitraryClass {
        variants,
        negative: false,
        utility,
        value,
    })
}

fn arbitrary_class<'a>(
    class: &'a str,
    utilities: &'static [&'static str],
    negatives: bool,
) -> Option<ArbitraryClass<'a>> {
    let bracket = class.find('[')?;
    let split = class[..bracket].rfind(':').map_or(0, |colon| colon + 1);
    let (variants, base) = class.split_at(split);
    let (outer_negative, base) = match base.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, base),
    };
    let utility = utilities
        .iter()
        .find(|utility| base.starts_with(&format!("{utility}-[")))?;
    let value = base[utility.len() + 2..].strip_suffix(']')?;
    let (inner_negative, value) = match value.strip_prefix('-') {
        Some(rest) if negatives => (true, rest),
        _ => (false, value),
    };
    if outer_negative && (!negatives || inner_negative) {
        return None;
    }
    Some(ArbitraryClass {
        variants,
        negative: outer_negative || inner_negative,
        utility,
        value,
    })
}

/// `4.5` for 18px, `1.875` for 7.5px: Tailwind's unit is a quarter rem, 4px; three decimals
/// at most (`3.333` for the 13.3333px of form controls, the theme keeping the exact length).
fn quarter_rem_name(value: &str) -> Option<String> {
    let px: f64 = value.strip_suffix("px")?.parse().ok()?;
    if !(0.0..=100_000.0).contains(&px) {
        return None;
    }
    let name = format!("{:.3}", px / 4.0);
    let name = name.trim_end_matches('0').trim_end_matches('.');
    Some(name.to_string())
}

/// A spacing length: a quarter-rem step, or a percentage that is a simple fraction (`1/3` for
/// 33.3333%), as Tailwind names its widths.
fn spacing_name(value: &str) -> Option<String> {
    let Some(percent) = value.strip_suffix('%') else {
        return quarter_rem_name(value);
    };
    let percent: f64 = percent.parse().ok()?;
    (2..=12u32).find_map(|denominator| {
        (1..denominator).find_map(|numerator| {
            let fraction = 100.0 * f64::from(numerator) / f64::from(denominator);
            let lowest = (2..=numerator).all(|d| numerator % d != 0 || denominator % d != 0);
            (lowest && (fraction - percent).abs() < 0.001)
                .then(|| format!("{numerator}/{denominator}"))
        })
    })
}

/// A background image by its file's name (`bg-hero` for `url('/img/hero.jpg')`); gradients,
/// inline images and layers of several images stay arbitrary.
fn background_image_name(value: &str) -> Option<String> {
    if value.matches("url(").count() != 1 {
        return None;
    }
    let url = value
        .strip_prefix("url(")?
        .strip_suffix(')')?
        .trim_matches(['\'', '"']);
    if url.starts_with("data:") {
        return None;
    }
    let path = url.split(['?', '#']).next()?;
    let file = path.rsplit('/').next()?;
    let stem = file.split('.').next()?;
    let slug = crate::kebab_slug(stem);
    let slug = slug.as_str();
    if slug.is_empty() || !slug.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    // `bg-` also takes colours and the background's keywords.
    let reserved = TAILWIND_COLORS.contains(&slug)
        || replica_css::parse_color(slug).is_some()
        || BACKGROUND_KEYWORDS.contains(&slug);
    Some(if reserved {
        format!("{slug}-image")
    } else {
        slug.to_string()
    })
}

/// Words `bg-` means already: attachment, repeat, size, position, clip and origin.
const BACKGROUND_KEYWORDS: &[&str] = &[
    "fixed",
    "local",
    "scroll",
    "repeat",
    "no-repeat",
    "repeat-x",
    "repeat-y",
    "repeat-round",
    "repeat-space",
    "auto",
    "cover",
    "contain",
    "center",
    "top",
    "bottom",
    "left",
    "right",
    "left-top",
    "left-bottom",
    "right-top",
    "right-bottom",
    "none",
    "clip",
    "origin",
    "blend",
    "gradient",
    "opacity",
];

/// A line height in pixels as a quarter-rem step; `normal` is `initial` (the initial value of
/// `line-height` is `normal`, and Tailwind's `leading-normal` is 1.5).
fn line_height_name(value: &str) -> Option<String> {
    if value == "normal" {
        return Some("initial".to_string());
    }
    quarter_rem_name(value)
}

/// A list marker keyword by itself (`list-square`), as Tailwind names `list-disc`.
fn list_style_name(value: &str) -> Option<String> {
    let keyword = !value.is_empty() && value.chars().all(|c| c.is_ascii_lowercase() || c == '-');
    keyword.then(|| value.to_string())
}

fn z_index_name(value: &str) -> Option<String> {
    value.parse::<u32>().ok().map(|z| z.to_string())
}

/// Generated content as what it shows: the clearfix's `' '` is `space`, an empty string
/// `empty`; any other single character `u-` and its code point (`u-f00d`, an icon font's).
fn content_name(value: &str) -> Option<String> {
    let text = value.strip_prefix('\'')?.strip_suffix('\'')?;
    let character = match text {
        "" => return Some("empty".to_string()),
        "_" => ' ',
        _ => css_escaped_char(text)?,
    };
    let name = match character {
        ' ' => "space",
        '(' => "open-paren",
        ')' => "close-paren",
        '.' => "dot",
        '/' => "slash",
        ',' => "comma",
        '|' => "bar",
        '>' => "gt",
        '<' => "lt",
        '+' => "plus",
        '-' => "minus",
        '*' => "star",
        ':' => "colon",
        '#' => "hash",
        '"' => "quote",
        '–' => "en-dash",
        '→' => "arrow",
        '»' => "raquo",
        '«' => "laquo",
        '·' => "middot",
        '…' => "ellipsis",
        '—' => "em-dash",
        '•' => "bullet",
        '×' => "times",
        _ => return Some(format!("u-{:04x}", u32::from(character))),
    };
    Some(name.to_string())
}

/// The one character of a CSS string's text: `\000020` or the character itself.
fn css_escaped_char(text: &str) -> Option<char> {
    match text.strip_prefix('\\') {
        Some(hex) if !hex.is_empty() && hex.chars().all(|c| c.is_ascii_hexdigit()) => {
            char::from_u32(u32::from_str_radix(hex, 16).ok()?)
        }
        Some(_) => None,
        None => {
            let mut chars = text.chars();
            let character = chars.next()?;
            chars.next().is_none().then_some(character)
        }
    }
}

/// An arbitrary value as the CSS it stands for: Tailwind reads `_` as a space and `\_` as an
/// underscore, except in a `url(...)` (up to its first `)`), which it keeps as written.
pub(crate) fn arbitrary_value_css(value: &str) -> String {
    let mut css = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    let mut in_url = false;
    while let Some(c) = chars.next() {
        if in_url {
            in_url = c != ')';
            css.push(c);
            continue;
        }
        match c {
            '(' if css.ends_with("url") => {
                in_url = true;
                css.push('(');
            }
            '\\' if chars.peek() == Some(&'_') => {
                css.push('_');
                chars.next();
            }
            '_' => css.push(' '),
            c => css.push(c),
        }
    }
    css
}

/// A hex colour's value (`#d73e48`, `#0000008a`).
fn hex_color(value: &str) -> Option<replica_css::Rgba> {
    value
        .starts_with('#')
        .then(|| replica_css::parse_color(value))
        .flatten()
}

/// Colour names, the most used colour first. A grey is `grey-` and its lightness in percent
/// (`#222222` is `grey-13`: CSS has few names for greys, and none for dark ones once Tailwind's
/// `black` and `gray` are left out); another colour is the nearest CSS colour name that neither
/// Tailwind nor the theme takes (`#d73e48` is `indianred`). A translucent colour is its opaque
/// colour's name (`black` and `white` included) and its opacity in percent, as
/// `bg-black/50` would say it (`#00000080` is `black-50`). A name two colours come to is
/// numbered (`indianred-2`) rather than moved to another hue.
fn color_names(
    mut values: Vec<(String, usize)>,
    theme_colors: &[String],
) -> BTreeMap<String, String> {
    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut named: BTreeMap<String, String> = BTreeMap::new();
    for (value, _) in values {
        let Some(color) = hex_color(&value) else {
            continue;
        };
        let Some(mut base) = color_base_name(color, theme_colors) else {
            continue;
        };
        if !color.is_opaque() {
            base = format!("{base}-{}", (color.a * 100.0).round());
        }
        let free = |name: &String| {
            !named.contains_key(name) && !theme_colors.iter().any(|theme| theme == name)
        };
        let name = std::iter::once(base.clone())
            .chain((2..).map(|n| format!("{base}-{n}")))
            .find(free)
            .unwrap_or(base);
        named.insert(name, value);
    }
    named
}

/// The name of `color`'s opaque colour (see [`color_names`]).
fn color_base_name(color: replica_css::Rgba, theme_colors: &[String]) -> Option<String> {
    let [r, g, b, _] = color.to_bytes();
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let translucent = !color.is_opaque();
    if max - min <= 6 {
        return Some(match (min, max) {
            (0, 0) if translucent => "black".to_string(),
            (255, 255) if translucent => "white".to_string(),
            _ => {
                let lightness = (f64::from(max) + f64::from(min)) / 2.0 / 255.0 * 100.0;
                format!("grey-{}", lightness.round())
            }
        });
    }
    replica_css::nearest_color_name(replica_css::Rgba { a: 1.0, ..color }, |name| {
        !TAILWIND_COLORS.contains(&name) && !theme_colors.iter().any(|theme| theme == name)
    })
    .map(str::to_string)
}

/// The names `theme.extend` has under `key`.
pub(crate) fn theme_names(theme_extend: &serde_json::Value, key: &str) -> Vec<String> {
    theme_extend
        .get(key)
        .and_then(serde_json::Value::as_object)
        .map(|names| names.keys().cloned().collect())
        .unwrap_or_default()
}

/// `theme.extend` with `entries` added under their keys (beside what the keys hold).
pub(crate) fn with_theme_entries(
    theme_extend: &serde_json::Value,
    entries: &ThemeEntries,
) -> serde_json::Value {
    let mut theme_extend = theme_extend.clone();
    if let Some(extend) = theme_extend.as_object_mut() {
        for (key, values) in entries {
            let entry = extend
                .entry(key.to_string())
                .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
            if let Some(map) = entry.as_object_mut() {
                for (name, value) in values {
                    map.insert(name.clone(), serde_json::Value::String(value.clone()));
                }
            }
        }
    }
    theme_extend
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(sources: &mut [&mut String]) -> ThemeEntries {
        name_repeated_values(sources, &["body".to_string()])
    }

    fn entries(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn lengths_used_twice_become_the_themes_steps() {
        let mut hero = String::from(
            r#"<div className="px-[18px] md:-mt-[18px] mb-[13px] w-[1170px] max-w-[1170px] indent-[-9999px]">a px-[18px] b</div>"#,
        );
        let mut card = String::from(
            r#"const itemClass = "mt-[-18px] gap-[13px] p-[9.5px] pt-[7.5px] pb-[7.5px] m-[9.3333px] m-[9.3333px] w-[33.3333%] max-w-[33.3333%] w-[1%] h-[1%] indent-[-9999px]";
<p className="pt-[7px]">c</p>"#,
        );
        let steps = named(&mut [&mut hero, &mut card]);
        assert_eq!(
            steps["spacing"],
            entries(&[
                ("1.875", "7.5px"),
                ("1/3", "33.3333%"),
                ("2.333", "9.3333px"),
                ("3.25", "13px"),
                ("4.5", "18px"),
                ("292.5", "1170px"),
                ("2499.75", "9999px"),
            ])
        );
        // Text outside class lists, lengths used once and percentages that are no simple
        // fraction stay as they were.
        assert_eq!(
            hero,
            r#"<div className="px-4.5 md:-mt-4.5 mb-3.25 w-292.5 max-w-292.5 -indent-2499.75">a px-[18px] b</div>"#
        );
        assert_eq!(
            card,
            r#"const itemClass = "-mt-4.5 gap-3.25 p-[9.5px] pt-1.875 pb-1.875 m-2.333 m-2.333 w-1/3 max-w-1/3 w-[1%] h-[1%] -indent-2499.75";
<p className="pt-[7px]">c</p>"#
        );
    }

    #[test]
    fn type_sizes_line_heights_layers_and_content_get_names() {
        let mut source = String::from(
            r#"<p className="text-[14px] leading-[18px] z-[100] before:content-['\000020'] after:content-[''] -z-[2] list-[square]" />
<p className="text-[14px] leading-[18px] z-[100] before:content-['\000020'] after:content-[''] z-[-2] leading-[normal] md:leading-[normal] content-['\00f00d'] list-[square]" />"#,
        );
        let theme = named(&mut [&mut source]);
        assert_eq!(theme["fontSize"], entries(&[("3.5", "14px")]));
        assert_eq!(
            theme["lineHeight"],
            entries(&[("4.5", "18px"), ("initial", "normal")])
        );
        assert_eq!(theme["zIndex"], entries(&[("100", "100"), ("2", "2")]));
        assert_eq!(theme["listStyleType"], entries(&[("square", "square")]));
        assert_eq!(
            theme["content"],
            entries(&[("empty", "''"), ("space", r"'\000020'")])
        );
        assert_eq!(
            source,
            r#"<p className="text-3.5 leading-4.5 z-100 before:content-space after:content-empty -z-2 list-square" />
<p className="text-3.5 leading-4.5 z-100 before:content-space after:content-empty -z-2 leading-initial md:leading-initial content-['\00f00d'] list-square" />"#
        );
    }

    #[test]
    fn repeated_colours_take_the_nearest_css_name_or_their_grey() {
        let mut source = String::from(
            r#"<a className="text-[#d73e48] hover:bg-[#d73e48] border-[#d73e48] text-[#d83f49] bg-[#d83f49] bg-[#ffa07a] border-b-[#ffa07a] text-[#0000002d] bg-[#0000002d] text-[#123456]" />
<b className="text-[#222222] bg-[#222222] text-[#f8f9fa] bg-[#f8f9fa] text-[#32323289] bg-[#32323289]" />"#,
        );
        let theme = named(&mut [&mut source]);
        assert_eq!(
            theme["colors"],
            entries(&[
                ("black-18", "#0000002d"),
                ("grey-13", "#222222"),
                ("grey-20-54", "#32323289"),
                ("grey-98", "#f8f9fa"),
                ("indianred", "#d73e48"),
                ("indianred-2", "#d83f49"),
                ("lightsalmon", "#ffa07a"),
            ])
        );
        // The more used colour has the nearest name; colours used once stay as they were.
        assert_eq!(
            source,
            r#"<a className="text-indianred hover:bg-indianred border-indianred text-indianred-2 bg-indianred-2 bg-lightsalmon border-b-lightsalmon text-black-18 bg-black-18 text-[#123456]" />
<b className="text-grey-13 bg-grey-13 text-grey-98 bg-grey-98 text-grey-20-54 bg-grey-20-54" />"#
        );
    }

    #[test]
    fn background_images_are_named_after_their_files() {
        let mut source = String::from(
            r#"<i className="[background-image:url('https://x.test/img/Icons_2x.png?v=3')] md:[background-image:url('https://x.test/img/Icons_2x.png?v=3')]" />
<i className="[background-image:url(/red.svg)] [background-image:url(/red.svg)] [background-image:linear-gradient(red,_blue)] [background-image:linear-gradient(red,_blue)]" />
<i className="[background-image:url('/a_b.png'),_url('/c.png')] [background-image:url('/a_b.png'),_url('/c.png')]" />"#,
        );
        let theme = named(&mut [&mut source]);
        assert_eq!(
            theme["backgroundImage"],
            entries(&[
                ("icons-2x", "url('https://x.test/img/Icons_2x.png?v=3')"),
                ("red-image", "url(/red.svg)"),
            ])
        );
        assert_eq!(
            source,
            r#"<i className="bg-icons-2x md:bg-icons-2x" />
<i className="bg-red-image bg-red-image [background-image:linear-gradient(red,_blue)] [background-image:linear-gradient(red,_blue)]" />
<i className="[background-image:url('/a_b.png'),_url('/c.png')] [background-image:url('/a_b.png'),_url('/c.png')]" />"#
        );
    }

    #[test]
    fn a_page_without_repeated_values_keeps_its_classes() {
        let mut source = String::from(r#"<div className="px-[18px] mt-[13px] text-[#123456]" />"#);
        let before = source.clone();
        assert!(named(&mut [&mut source]).is_empty());
        assert_eq!(source, before);
    }

    #[test]
    fn entries_join_what_the_theme_has() {
        let theme = serde_json::json!({ "colors": { "body": "#333333" } });
        let added = ThemeEntries::from([
            ("colors", entries(&[("crimson", "#d73e48")])),
            ("zIndex", entries(&[("100", "100")])),
        ]);
        assert_eq!(
            with_theme_entries(&theme, &added),
            serde_json::json!({
                "colors": { "body": "#333333", "crimson": "#d73e48" },
                "zIndex": { "100": "100" },
            })
        );
    }
}
