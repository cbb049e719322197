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

mod classes;
mod defaults;
mod palette;
mod pseudo;
mod theme;
mod transform;
mod values;

use std::collections::BTreeMap;

use replica_core::BrowserDefaults;

use classes::{box_class, paint_and_other_class, text_class};
use defaults::with_browser_defaults;
pub(crate) use pseudo::{PseudoInput, pseudo_classes};
pub use theme::{LayoutWidths, Theme, ThemeExtend, tailwind_theme};
use transform::{transform_classes, transform_resets};
use values::{
    border_classes, box_sides, gap_classes, named_font_size, radius_class, tracking_class,
};

/// One element's styles and its parent's, per device.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StyleInput<'a> {
    pub tag: &'a str,
    /// The parent's tag: its UA values are what children inherit where it sets nothing.
    pub parent_tag: &'a str,
    pub svg: bool,
    /// The element is an `<svg>` in HTML: the browser's defaults for the tag (an inline box
    /// on the text's baseline) apply to it, as to HTML elements.
    pub svg_root: bool,
    pub desktop: &'a BTreeMap<String, String>,
    pub mobile: Option<&'a BTreeMap<String, String>>,
    pub parent_desktop: Option<&'a BTreeMap<String, String>>,
    pub parent_mobile: Option<&'a BTreeMap<String, String>>,
    pub theme: &'a Theme,
    /// What the captured styles leave out.
    pub defaults: &'a BrowserDefaults,
    /// The element has a `width` / `height` attribute that sizes it as CSS would (a
    /// presentational hint: `<img width="247">`), which the clone keeps.
    pub size_attributes: [bool; 2],
    /// The element's attributes, which the clone keeps: a class that would say what one of
    /// them says already is left out.
    pub attrs: &'a [(String, String)],
    /// The element's border-box width on desktop and on the phone, where it has a box: equal
    /// side margins are `auto` only where the max-width is what sizes it.
    pub box_widths: [Option<f64>; 2],
}

/// The element's classes in the order prettier-plugin-tailwindcss gives them: the base
/// classes, then the `md:` ones, each in Tailwind's order of properties ([`TAILWIND_ORDER`]),
/// arbitrary properties (`[filter:blur(2px)]`) last.
pub(crate) fn classes(input: &StyleInput<'_>) -> Vec<String> {
    let tag = if input.svg && !input.svg_root {
        ""
    } else {
        input.tag
    };
    let parent_tag = if input.svg { "" } else { input.parent_tag };
    let parent_desktop = input
        .parent_desktop
        .map(|parent| with_browser_defaults(parent_tag, parent, input.defaults));
    let parent_mobile = input
        .parent_mobile
        .map(|parent| with_browser_defaults(parent_tag, parent, input.defaults));
    let mut desktop_style = with_browser_defaults(tag, input.desktop, input.defaults);
    auto_over_size_attributes(&mut desktop_style, input.size_attributes);
    not_inherited(&mut desktop_style, parent_desktop.as_ref(), tag, input);
    let mut mobile_style = input.mobile.map(|mobile| {
        let mut style = with_browser_defaults(tag, mobile, input.defaults);
        auto_over_size_attributes(&mut style, input.size_attributes);
        not_inherited(&mut style, parent_mobile.as_ref(), tag, input);
        style
    });
    drop_what_attributes_say(&mut desktop_style, mobile_style.as_mut(), input);
    let desktop = groups(
        &desktop_style,
        parent_desktop.as_ref(),
        tag,
        input.theme,
        input.svg,
        block_width(
            &desktop_style,
            parent_desktop.as_ref(),
            tag,
            input.defaults,
            input.box_widths[0],
        ),
    );
    // (is an `md:` class, rank of its property, class)
    let mut out: Vec<(bool, usize, String)> = Vec::new();
    let Some(mobile_style) = mobile_style else {
        for (group, classes) in desktop {
            out.extend(
                classes
                    .into_iter()
                    .map(|class| (false, rank(&group, &class), class)),
            );
        }
        return in_order(without_preflights(out, tag));
    };
    let mobile = groups(
        &mobile_style,
        parent_mobile.as_ref(),
        tag,
        input.theme,
        input.svg,
        block_width(
            &mobile_style,
            parent_mobile.as_ref(),
            tag,
            input.defaults,
            input.box_widths[1],
        ),
    );
    // Where desktop's box is a block, the phone's vertical alignment is as good as none.
    let mut desktop = desktop;
    if ignores_vertical_align(&desktop_style)
        && let Some(phone) = mobile.get("vertical-align")
    {
        desktop.insert("vertical-align".to_string(), phone.clone());
    }
    let mut names: Vec<&String> = desktop.keys().chain(mobile.keys()).collect();
    names.sort();
    names.dedup();
    for group in names {
        let on_desktop = desktop.get(group);
        let on_mobile = mobile.get(group);
        if let Some(classes) = on_mobile {
            out.extend(
                classes
                    .iter()
                    .map(|class| (false, rank(group, class), class.clone())),
            );
        }
        if on_desktop == on_mobile
            && !reset_by_wide_font_size(group, &desktop, &mobile, input.theme)
        {
            continue;
        }
        let wide = match (on_desktop, on_mobile) {
            (Some(desktop), Some(mobile)) if matches!(group.as_str(), "padding" | "margin") => {
                sides_over_base(group, desktop, mobile)
            }
            (Some(desktop), Some(mobile)) if group == "transform" => {
                // Each utility sets one variable of the transform: only the changed ones.
                let mut wide: Vec<String> = desktop
                    .iter()
                    .filter(|class| class.starts_with('[') || !mobile.contains(class))
                    .cloned()
                    .collect();
                wide.extend(transform_resets(desktop, mobile));
                wide
            }
            (Some(classes), _) => classes.clone(),
            (None, _) => vec![
                default_display_class(group, tag, input.defaults)
                    .unwrap_or_else(|| reset_class(group)),
            ],
        };
        out.extend(
            wide.into_iter()
                .map(|class| (true, rank(group, &class), format!("md:{class}"))),
        );
    }
    in_order(without_preflights(out, tag))
}

/// The base classes without those that say what Tailwind's preflight gives the tag already
/// (`block max-w-full` on an image).
fn without_preflights(
    mut classes: Vec<(bool, usize, String)>,
    tag: &str,
) -> Vec<(bool, usize, String)> {
    let given: &[&str] = match tag {
        "img" | "video" => &["block", "align-middle", "max-w-full", "h-auto"],
        "svg" | "canvas" | "audio" | "iframe" | "embed" | "object" => &["block", "align-middle"],
        _ => return classes,
    };
    classes.retain(|(wide, _, class)| *wide || !given.contains(&class.as_str()));
    classes
}

/// Whether the `md:` font-size class (a named size, which sets a line height and maybe a
/// letter spacing) overrides the base line height or letter spacing: then desktop's own class
/// for it is written again after it, though equal to the base one.
fn reset_by_wide_font_size(
    group: &str,
    desktop: &BTreeMap<String, Vec<String>>,
    mobile: &BTreeMap<String, Vec<String>>,
    theme: &Theme,
) -> bool {
    let Some([size]) = desktop.get("font-size").map(Vec::as_slice) else {
        return false;
    };
    if size.contains('[') || mobile.get("font-size") == desktop.get("font-size") {
        return false;
    }
    match group {
        "line-height" => true,
        "letter-spacing" => theme.font_sizes.iter().any(|(name, font)| {
            font.letter_spacing.is_some() && size.strip_prefix("text-") == Some(name.as_str())
        }),
        _ => false,
    }
}

/// The `md:` classes of a padding or margin group that differs from the base: the desktop
/// classes the base lacks, with a zero for each side only the base sets; or, when that takes
/// more classes, the group's reset and all the desktop classes. (A group's classes set
/// disjoint sides, so a class both have sets the same sides to the same value.)
fn sides_over_base(group: &str, desktop: &[String], base: &[String]) -> Vec<String> {
    let prefix = if group == "padding" { "p" } else { "m" };
    let covered = |classes: &[String]| {
        classes.iter().fold([false; 4], |mut covered, class| {
            for (side, set) in covered.iter_mut().zip(sides_of(prefix, class)) {
                *side |= set;
            }
            covered
        })
    };
    let (on_desktop, on_base) = (covered(desktop), covered(base));
    let mut over: Vec<String> = desktop
        .iter()
        .filter(|class| !base.contains(class))
        .cloned()
        .collect();
    for (side, name) in ["t", "r", "b", "l"].iter().enumerate() {
        if on_base[side] && !on_desktop[side] {
            over.push(format!("{prefix}{name}-0"));
        }
    }
    let mut reset = vec![reset_class(group)];
    reset.extend(desktop.iter().cloned());
    let mut wide = if reset.len() < over.len() {
        reset
    } else {
        over
    };
    // Tailwind's order within the group: all sides, x, y, then top, right, bottom, left.
    wide.sort_by_key(|class| {
        let sides = sides_of(prefix, class);
        match sides {
            [true, true, true, true] => 0,
            [false, true, false, true] => 1,
            [true, false, true, false] => 2,
            _ => 3 + sides.iter().position(|set| *set).unwrap_or(4),
        }
    });
    wide
}

/// The sides (top, right, bottom, left) a padding (`p`) or margin (`m`) class sets:
/// `p-4`, `-mx-2`, `pt-[13px]`.
fn sides_of(prefix: &str, class: &str) -> [bool; 4] {
    let class = class.strip_prefix('-').unwrap_or(class);
    let which = class
        .strip_prefix(prefix)
        .and_then(|rest| rest.split_once('-'))
        .map(|(which, _)| which);
    match which {
        Some("") => [true; 4],
        Some("x") => [false, true, false, true],
        Some("y") => [true, false, true, false],
        Some("t") => [true, false, false, false],
        Some("r") => [false, true, false, false],
        Some("b") => [false, false, true, false],
        Some("l") => [false, false, false, true],
        _ => [false; 4],
    }
}

/// Puts the classes of each variant together in Tailwind's order of variants (base,
/// `before:`, `after:`, `md:`, `md:before:`, `md:after:`), keeping their order within one.
pub(crate) fn sort_by_variant(classes: &mut [String]) {
    classes.sort_by_key(|class| {
        let (wide, rest) = match class.strip_prefix("md:") {
            Some(rest) => (true, rest),
            None => (false, class.as_str()),
        };
        let pseudo = if rest.starts_with("before:") {
            1
        } else if rest.starts_with("after:") {
            2
        } else {
            0
        };
        (wide, pseudo)
    });
}

fn in_order(mut classes: Vec<(bool, usize, String)>) -> Vec<String> {
    // Stable: classes of one group keep the order the group wrote them in (`px-4 py-2`).
    classes.sort_by_key(|(wide, rank, _)| (*wide, *rank));
    classes.into_iter().map(|(_, _, class)| class).collect()
}

/// Where a class of this group sorts: its property's place in [`TAILWIND_ORDER`], after
/// them all for a group not listed, and last for an arbitrary property.
fn rank(group: &str, class: &str) -> usize {
    if class.starts_with('[') {
        return TAILWIND_ORDER.len() + 1;
    }
    // The transform's utilities come from plugins of their own.
    let utility = class.trim_start_matches('-');
    let group = match ["translate", "rotate", "skew", "scale"]
        .into_iter()
        .find(|plugin| group == "transform" && utility.starts_with(plugin))
    {
        Some(plugin) => plugin,
        None => group,
    };
    TAILWIND_ORDER
        .iter()
        .position(|property| *property == group)
        .unwrap_or(TAILWIND_ORDER.len())
}

/// The groups (CSS properties, and `padding`, `margin`, `gap`, `border`, `radius`) in the
/// order of Tailwind 3's core plugins, which is the order of its CSS and of
/// prettier-plugin-tailwindcss.
const TAILWIND_ORDER: &[&str] = &[
    "pointer-events",
    "visibility",
    "position",
    "top",
    "right",
    "bottom",
    "left",
    "isolation",
    "z-index",
    "order",
    "grid-column-start",
    "grid-column-end",
    "grid-row-start",
    "grid-row-end",
    "float",
    "clear",
    "margin",
    "box-sizing",
    "-webkit-line-clamp",
    "display",
    "aspect-ratio",
    "height",
    "max-height",
    "min-height",
    "width",
    "min-width",
    "max-width",
    "flex-shrink",
    "flex-grow",
    "flex-basis",
    "table-layout",
    "caption-side",
    "border-collapse",
    "border-spacing",
    "translate",
    "rotate",
    "skew",
    "scale",
    "transform",
    "cursor",
    "user-select",
    "resize",
    "list-style-position",
    "list-style-type",
    "list-style-image",
    "appearance",
    "column-count",
    "break-inside",
    "grid-auto-columns",
    "grid-auto-flow",
    "grid-auto-rows",
    "grid-template-columns",
    "grid-template-rows",
    "flex-direction",
    "flex-wrap",
    "align-content",
    "align-items",
    "justify-content",
    "justify-items",
    "gap",
    "align-self",
    "justify-self",
    "overflow-x",
    "overflow-y",
    "text-overflow",
    "white-space",
    "word-break",
    "overflow-wrap",
    "radius",
    "border",
    "background-color",
    "background-image",
    "background-size",
    "background-attachment",
    "background-clip",
    "background-position",
    "background-repeat",
    "background-origin",
    "fill",
    "stroke",
    "stroke-width",
    "object-fit",
    "object-position",
    "padding",
    "text-align",
    "text-indent",
    "vertical-align",
    "font-family",
    "font-size",
    "font-weight",
    "text-transform",
    "font-style",
    "line-height",
    "letter-spacing",
    "color",
    "text-decoration-line",
    "text-decoration-style",
    "opacity",
    "mix-blend-mode",
    "box-shadow",
    "outline-style",
    "outline-width",
    "outline-offset",
    "filter",
    "backdrop-filter",
    "content",
];

/// The capture records a declared width or height unless it is `auto`, and a size attribute
/// declares one, so where the capture has none the page's CSS set it back to `auto`
/// (`img { width: inherit }`): the clone keeps the attribute, so it must say `auto` as well.
fn auto_over_size_attributes(style: &mut BTreeMap<String, String>, size_attributes: [bool; 2]) {
    for (property, attribute) in ["width", "height"].into_iter().zip(size_attributes) {
        if attribute {
            style
                .entry(property.to_string())
                .or_insert_with(|| "auto".to_string());
        }
    }
}

/// Preflight makes every box `border-box`; a `content-box` one (the browser's default) stays
/// so where that changes its size: a declared size, and padding or a border.
fn keeps_content_box(style: &BTreeMap<String, String>) -> bool {
    let set = |property: &&str, unset: &[&str]| {
        style
            .get(*property)
            .is_some_and(|value| !unset.contains(&value.trim()))
    };
    style.get("box-sizing").map(String::as_str) == Some("content-box")
        && [
            "width",
            "height",
            "min-width",
            "min-height",
            "max-width",
            "max-height",
        ]
        .iter()
        .any(|property| set(property, &["auto", "none", "0px"]))
        && [
            "padding-top",
            "padding-right",
            "padding-bottom",
            "padding-left",
            "border-top-width",
            "border-right-width",
            "border-bottom-width",
            "border-left-width",
        ]
        .iter()
        .any(|property| set(property, &["0px"]))
}

/// SVG presentation attributes the clone keeps, each setting the property of its name.
const PRESENTATION_ATTRIBUTES: &[&str] = &[
    "fill",
    "stroke",
    "stroke-width",
    "stroke-linecap",
    "stroke-linejoin",
    "fill-opacity",
    "stroke-opacity",
    "opacity",
];

/// Leaves out a value an attribute of the element sets already, on every device, so no
/// device needs a class to get back to it: SVG presentation attributes (`fill="#4f46e5"`
/// needs no `fill-primary`) and size attributes in pixels (`width="32"` needs no `w-8`).
fn drop_what_attributes_say(
    desktop: &mut BTreeMap<String, String>,
    mut mobile: Option<&mut BTreeMap<String, String>>,
    input: &StyleInput<'_>,
) {
    let attribute = |name: &str| {
        input
            .attrs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.trim())
    };
    let svg = input.svg || input.tag == "svg";
    let presentation = PRESENTATION_ATTRIBUTES.iter().filter(|_| svg);
    // A size decides whether a box keeps `box-content`, so it stays where it does.
    let content_box =
        keeps_content_box(desktop) || mobile.as_deref().is_some_and(keeps_content_box);
    let sizes = ["width", "height"]
        .iter()
        .zip(input.size_attributes)
        .filter(|(_, sized)| *sized && !content_box)
        .map(|(name, _)| name);
    for name in presentation.chain(sizes) {
        let Some(said) = attribute(name) else {
            continue;
        };
        let says = |style: &BTreeMap<String, String>| {
            style
                .get(*name)
                .is_some_and(|value| same_value(said, value))
        };
        if says(desktop) && mobile.as_deref().is_none_or(says) {
            desktop.remove(*name);
            if let Some(mobile) = mobile.as_deref_mut() {
                mobile.remove(*name);
            }
        }
    }
}

/// An attribute's value and a computed one say the same: as colours, as numbers of pixels
/// (an attribute's `2.6` is `2.6px`), or as the same text.
fn same_value(attribute: &str, computed: &str) -> bool {
    if let (Some(a), Some(b)) = (
        replica_css::parse_color(attribute),
        replica_css::parse_color(computed),
    ) {
        return a == b;
    }
    let number = |text: &str| {
        let text = text.trim();
        text.strip_suffix("px").unwrap_or(text).parse::<f64>().ok()
    };
    match (number(attribute), number(computed)) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
        _ => attribute == computed.trim(),
    }
}

/// The capture leaves out a value equal to what the tag computes unstyled, inherited
/// properties included: a `<span>` without a captured `font-size` is 16px even inside a 24px
/// `<div>` (inheriting, it would have computed 24px, which the capture would have kept). The
/// clone's span would inherit 24px, so it gets the default written out where its parent's
/// value differs from it.
fn not_inherited(
    style: &mut BTreeMap<String, String>,
    parent: Option<&BTreeMap<String, String>>,
    tag: &str,
    input: &StyleInput<'_>,
) {
    let Some(parent) = parent else {
        return;
    };
    for property in INHERITED {
        if style.contains_key(*property) {
            continue;
        }
        if let (Some(from_parent), Some(default)) =
            (parent.get(*property), input.defaults.value(tag, property))
            && from_parent.trim() != default
        {
            style.insert((*property).to_string(), default.to_string());
        }
    }
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
    // Handled by `keeps_content_box`.
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
        "box-sizing" => "box-border",
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
        "float" => "float-none",
        "clear" => "clear-none",
        "flex-basis" => "basis-auto",
        "flex-grow" => "grow-0",
        "flex-shrink" => "shrink",
        "order" => "order-none",
        "justify-content" => "justify-normal",
        "grid-template-columns" => "grid-cols-none",
        "column-count" => "columns-auto",
        "break-inside" => "break-inside-auto",
        other => return format!("[{}:revert]", group_property(other)),
    };
    class.to_string()
}

/// The class for the tag's own display where desktop leaves the display at it (`md:block` for
/// a `<div>` hidden on the phone): what `revert` would give, said as Tailwind says it.
fn default_display_class(group: &str, tag: &str, defaults: &BrowserDefaults) -> Option<String> {
    if group != "display" {
        return None;
    }
    box_class("display", defaults.value(tag, "display")?).flatten()
}

/// The border-box width of a block in normal flow, whose `auto` width is what its containing
/// block leaves between the margins; `None` for a box that shrinks to fit (a flex item, a
/// float, a table) or has no box here (a pseudo-element).
fn block_width(
    style: &BTreeMap<String, String>,
    parent: Option<&BTreeMap<String, String>>,
    tag: &str,
    defaults: &BrowserDefaults,
    box_width: Option<f64>,
) -> Option<f64> {
    let get = |property: &str| style.get(property).map(|value| value.trim());
    let display = get("display").or_else(|| defaults.value(tag, "display"));
    let parent_display = parent
        .and_then(|parent| parent.get("display"))
        .map_or("block", |display| display.trim());
    let in_flow = matches!(display, Some("block" | "list-item"))
        && !matches!(get("position"), Some("absolute" | "fixed"))
        && get("float").is_none_or(|float| float == "none")
        && !parent_display.contains("flex")
        && !parent_display.contains("grid");
    box_width.filter(|_| in_flow)
}

/// Whether the box's width is its own (a `width`, or a `max-width` it reaches) rather than
/// what its containing block leaves between the margins: only then can the margins be `auto`.
/// `block_width` is the box's width where it is a block in normal flow ([`block_width`]):
/// without it, any max-width counts.
fn sized_narrower_than_its_block(
    style: &BTreeMap<String, String>,
    block_width: Option<f64>,
) -> bool {
    let get = |property: &str| style.get(property).map(|value| value.trim());
    let Some(max_width) = get("max-width").filter(|width| *width != "none") else {
        return false;
    };
    if get("width").is_some_and(|width| width != "auto") {
        return true;
    }
    let Some(box_width) = block_width else {
        return true;
    };
    let px = |property: &str| get(property).and_then(values::px).unwrap_or(0.0);
    let margins = px("margin-left") + px("margin-right");
    let limit = if let Some(percent) = max_width.strip_suffix('%') {
        let Ok(percent) = percent.trim().parse::<f64>() else {
            return false;
        };
        percent / 100.0 * (box_width + margins)
    } else if let Some(limit) = values::px(max_width) {
        let content_box = get("box-sizing") == Some("content-box");
        let extra = if content_box {
            px("padding-left")
                + px("padding-right")
                + px("border-left-width")
                + px("border-right-width")
        } else {
            0.0
        };
        limit + extra
    } else {
        return true;
    };
    (box_width - limit).abs() <= 1.0
}

/// Classes per group (a CSS property, or a shorthand family such as `padding`).
fn groups(
    style: &BTreeMap<String, String>,
    parent: Option<&BTreeMap<String, String>>,
    tag: &str,
    theme: &Theme,
    svg: bool,
    block_width: Option<f64>,
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
        // Equal side margins on a box its width or max-width sizes are `auto` resolved to
        // pixels: centring stays centring at every width.
        if group == "margin"
            && values[1] == values[3]
            && values[1] != "0px"
            && sized_narrower_than_its_block(style, block_width)
        {
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
    if keeps_content_box(style) {
        out.insert("box-sizing".to_string(), vec!["box-content".to_string()]);
    }
    for (property, value) in style {
        let property = property.as_str();
        let value = value.trim();
        if IGNORED.contains(&property) {
            continue;
        }
        if INHERITED.contains(&property)
            && !preflight_breaks_inheritance(tag, property)
            && parent
                .and_then(|parent| parent.get(property))
                .map(|v| v.trim())
                == Some(value)
        {
            continue;
        }
        if is_inset_without_effect(property, value, style)
            || (property == "vertical-align" && ignores_vertical_align(style))
        {
            continue;
        }
        if property == "transform" {
            if value != "none" {
                out.insert(property.to_string(), transform_classes(value));
            }
            continue;
        }
        if let Some(class) = property_class(property, value, style, theme, svg) {
            out.insert(property.to_string(), vec![class]);
        }
    }
    name_font_size(&mut out, style, theme);
    // An empty line-height or letter-spacing group is set by the font-size class: present,
    // so that `md:` does not reset it.
    out.retain(|group, classes| {
        !classes.is_empty() || matches!(group.as_str(), "line-height" | "letter-spacing")
    });
    out
}

/// The font size by name where one fits (`text-copy`, `text-sm`), with the line height and
/// letter spacing it sets left to it; and letter spacing in Tailwind's em steps where it is one.
fn name_font_size(
    out: &mut BTreeMap<String, Vec<String>>,
    style: &BTreeMap<String, String>,
    theme: &Theme,
) {
    if let Some(spacing) = style.get("letter-spacing")
        && out.contains_key("letter-spacing")
    {
        let size = style.get("font-size").map(|size| size.trim());
        let class = tracking_class(spacing.trim(), size);
        out.insert("letter-spacing".to_string(), vec![class]);
    }
    if !out.contains_key("font-size") {
        return;
    }
    let Some(named) = named_font_size(
        style,
        out.contains_key("line-height"),
        out.contains_key("letter-spacing"),
        theme,
    ) else {
        return;
    };
    out.insert("font-size".to_string(), vec![named.class]);
    if named.sets_line_height {
        out.insert("line-height".to_string(), Vec::new());
    }
    if named.sets_letter_spacing {
        out.insert("letter-spacing".to_string(), Vec::new());
    }
}

/// Whether preflight gives the tag its own value of an inherited property, which the clone
/// must then set even where the page's value is the parent's: `sub` and `sup` have
/// `line-height: 0` there, so as not to stretch their line.
fn preflight_breaks_inheritance(tag: &str, property: &str) -> bool {
    matches!((tag, property), ("sub" | "sup", "line-height"))
}

/// Whether the box is block-level, which `vertical-align` (for inline boxes and table cells)
/// does nothing to.
fn ignores_vertical_align(style: &BTreeMap<String, String>) -> bool {
    style.get("display").is_some_and(|display| {
        matches!(
            display.trim(),
            "block" | "flex" | "grid" | "list-item" | "table" | "flow-root"
        )
    })
}

/// `top`, `right`, `bottom` or `left` where it moves nothing: any value on a static box, zero
/// on a relative one (the capture resolves `auto` to `0px` there), and on an absolute or fixed
/// box the `right` and `bottom` CSS ignores, over-constrained by `left` and a width, `top` and
/// a height (a pseudo-element's come resolved to pixels, which are wrong at any other width).
fn is_inset_without_effect(property: &str, value: &str, style: &BTreeMap<String, String>) -> bool {
    let set = |property: &str| {
        style
            .get(property)
            .is_some_and(|value| value.trim() != "auto")
    };
    match (
        style.get("position").map_or("static", |p| p.trim()),
        property,
    ) {
        ("static", "top" | "right" | "bottom" | "left") => true,
        ("relative", "top" | "right" | "bottom" | "left") => value == "0px",
        ("absolute" | "fixed", "right") => {
            set("left") && set("width") && style.get("direction").is_none_or(|d| d.trim() != "rtl")
        }
        ("absolute" | "fixed", "bottom") => set("top") && set("height"),
        _ => false,
    }
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
