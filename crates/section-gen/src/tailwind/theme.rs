//! The Tailwind theme made from the design tokens: names for token values, and the
//! `theme.extend` object of tailwind.config.js.

use std::collections::BTreeMap;

use replica_core::{DesignTokens, ScrapeData, TextStyle, TypeScale};
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
    /// (name, size with its line height): the page's type scale, so that a paragraph is
    /// `text-copy` rather than `text-[15px] leading-[22.4px]`.
    pub font_sizes: Vec<(String, FontSize)>,
}

/// A `fontSize` entry of the theme: the size and what Tailwind sets with it.
#[derive(Debug, Clone, PartialEq)]
pub struct FontSize {
    pub size: String,
    pub line_height: String,
    /// `None` for `normal`: the class leaves letter spacing alone.
    pub letter_spacing: Option<String>,
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
        theme.font_sizes = font_sizes(
            &tokens.typography.scale.desktop,
            &tokens.typography.scale.mobile,
        );
        theme
    }

    /// The `theme.extend` object of `tailwind.config.js` that gives these names their values.
    pub fn config(&self) -> ThemeExtend {
        ThemeExtend {
            screens: BTreeMap::new(),
            colors: self.colors.iter().cloned().collect(),
            font_family: self
                .fonts
                .iter()
                .map(|(name, family)| (name.clone(), vec![family.clone()]))
                .collect(),
            border_radius: self.radii.iter().cloned().collect(),
            font_size: self
                .font_sizes
                .iter()
                .map(|(name, size)| {
                    let details = FontSizeDetails {
                        line_height: size.line_height.clone(),
                        letter_spacing: size.letter_spacing.clone(),
                    };
                    (name.clone(), (size.size.clone(), details))
                })
                .collect(),
        }
    }

    pub(super) fn color_name(&self, hex: &str) -> Option<&str> {
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
    /// `copy: ["15px", { lineHeight: "22.4px" }]`
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub font_size: BTreeMap<String, (String, FontSizeDetails)>,
    /// `md` moved where the page lays out wider than 768px on a phone (see [`tailwind_theme`]).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub screens: BTreeMap<String, String>,
}

/// The second item of a `fontSize` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FontSizeDetails {
    pub line_height: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub letter_spacing: Option<String>,
}

/// The type scale's text styles as theme font sizes, named for their role (`display` for the
/// hero heading, `copy` for body text, ...); the phone's styles that differ are `-mobile`
/// ones. A style equal to one already named keeps that name. The names differ from the theme's
/// colour names, which `text-` also takes.
fn font_sizes(desktop: &TypeScale, mobile: &TypeScale) -> Vec<(String, FontSize)> {
    let roles = |scale: &TypeScale| -> [(&'static str, Option<TextStyle>); 8] {
        [
            ("display", scale.hero_heading.clone()),
            ("title", scale.section_heading.clone()),
            ("subtitle", scale.card_heading.clone()),
            ("lead", scale.body_large.clone()),
            ("copy", scale.body.clone()),
            ("small", scale.body_small.clone()),
            ("label", scale.label.clone()),
            ("nav", scale.nav_link.clone()),
        ]
    };
    let mut out: Vec<(String, FontSize)> = Vec::new();
    for (suffix, scale) in [("", desktop), ("-mobile", mobile)] {
        for (role, style) in roles(scale) {
            let Some(style) = style else { continue };
            if !style.size.ends_with("px") {
                continue;
            }
            let size = FontSize {
                size: style.size,
                line_height: style.line_height,
                letter_spacing: Some(style.letter_spacing).filter(|spacing| spacing != "normal"),
            };
            if out.iter().all(|(_, named)| *named != size) {
                out.push((format!("{role}{suffix}"), size));
            }
        }
    }
    out
}

/// How wide the page lays out on each device: the root element's width in each capture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayoutWidths {
    pub desktop: f64,
    pub mobile: f64,
}

impl LayoutWidths {
    pub fn of(scrape: &ScrapeData) -> LayoutWidths {
        LayoutWidths {
            desktop: scrape.desktop.dom.rect.width,
            mobile: scrape.mobile.dom.rect.width,
        }
    }
}

/// The `theme.extend` for `tailwind.config.js` of a project generated in the tailwind style
/// (or by the model, whose prompt names it), so that `bg-primary`, `font-heading` and
/// `rounded-lg` mean the page's values.
///
/// The mobile capture's styles are the base classes and the desktop's differences `md:`
/// variants, which Tailwind applies from 768px. A page that lays out at least that wide on a
/// phone (`<meta name="viewport" content="width=772">`, or no viewport meta: 980px) would
/// get its desktop classes there too, so `md` then starts just above the phone's layout.
pub fn tailwind_theme(tokens: &DesignTokens, widths: Option<LayoutWidths>) -> ThemeExtend {
    let mut extend = Theme::from_tokens(tokens).config();
    if let Some(widths) = widths {
        let above_mobile = widths.mobile.ceil() + 1.0;
        if above_mobile > TAILWIND_MD && above_mobile <= widths.desktop {
            extend
                .screens
                .insert("md".to_string(), format!("{above_mobile}px"));
        }
    }
    extend
}

/// Where Tailwind's `md` starts by default, in CSS px.
const TAILWIND_MD: f64 = 768.0;
