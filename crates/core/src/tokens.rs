//! DesignTokens: the style contract every section generator follows (`design_tokens.json`).
//!
//! Every value is copied from the page's computed styles or CSS; a token the page does not
//! determine is `None`, never invented.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DesignTokens {
    pub colors: ColorTokens,
    pub typography: TypographyTokens,
    pub spacing: SpacingTokens,
    pub components: ComponentTokens,
    pub animation: AnimationTokens,
    pub borders: BorderTokens,
    pub layout: LayoutTokens,
    /// Values a language model proposed that did not occur in the scrape and were rejected,
    /// as `path: proposed value` (the deterministic value was kept).
    #[serde(rename = "_fallback", default)]
    pub fallback: Vec<String>,
}

/// Colours as lower-case hex (`#1a2b3c`, or `#1a2b3c80` with alpha).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ColorTokens {
    pub primary: Option<String>,
    pub secondary: Option<String>,
    pub backgrounds: BackgroundColors,
    pub text: TextColors,
    pub border: Option<String>,
    pub divider: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BackgroundColors {
    pub page: Option<String>,
    pub alt: Option<String>,
    pub dark: Option<String>,
    pub card: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TextColors {
    pub heading: Option<String>,
    pub body: Option<String>,
    pub muted: Option<String>,
    pub on_dark: Option<String>,
    pub link: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TypographyTokens {
    pub families: FontFamilies,
    pub sources: Vec<FontSource>,
    pub scale: TypeScales,
}

/// Computed `font-family` lists, as the page wrote them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FontFamilies {
    pub heading: Option<String>,
    pub body: Option<String>,
    pub mono: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FontSourceKind {
    /// A font file named by an `@font-face` rule.
    FontFace,
    /// A stylesheet that serves fonts (Google Fonts and the like).
    Stylesheet,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FontSource {
    pub family: Option<String>,
    pub url: String,
    pub kind: FontSourceKind,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TypeScales {
    pub desktop: TypeScale,
    pub mobile: TypeScale,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TypeScale {
    pub hero_heading: Option<TextStyle>,
    pub section_heading: Option<TextStyle>,
    pub card_heading: Option<TextStyle>,
    pub body_large: Option<TextStyle>,
    pub body: Option<TextStyle>,
    pub body_small: Option<TextStyle>,
    pub label: Option<TextStyle>,
    pub nav_link: Option<TextStyle>,
}

/// Computed values, e.g. `{ size: "48px", weight: "700", line_height: "57.6px",
/// letter_spacing: "normal" }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextStyle {
    pub size: String,
    pub weight: String,
    pub line_height: String,
    pub letter_spacing: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SpacingTokens {
    pub section_padding_y: Option<String>,
    pub section_padding_y_mobile: Option<String>,
    pub container_max_width: Option<String>,
    pub container_padding_x: Option<String>,
    pub card_gap: Option<String>,
    pub heading_to_content: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ComponentTokens {
    pub button_primary: Option<ComponentStyle>,
    pub button_secondary: Option<ComponentStyle>,
    pub card: Option<ComponentStyle>,
    pub badge: Option<ComponentStyle>,
    pub input: Option<ComponentStyle>,
    pub nav: Option<ComponentStyle>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ComponentStyle {
    pub bg: Option<String>,
    pub text: Option<String>,
    pub padding: Option<String>,
    pub border_radius: Option<String>,
    pub border: Option<String>,
    pub shadow: Option<String>,
    /// From the page's `:hover` rules for this component.
    pub hover: Option<HoverStyle>,
    pub transition: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HoverStyle {
    pub bg: Option<String>,
    pub text: Option<String>,
    pub border: Option<String>,
    pub shadow: Option<String>,
    pub transform: Option<String>,
    pub opacity: Option<String>,
}

/// CSS values (`fadeInUp 0.6s ease-out`, `translateY(-4px)`, `all 0.3s ease`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AnimationTokens {
    pub scroll_entrance: Option<String>,
    pub hover_lift: Option<String>,
    pub transition_default: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BorderTokens {
    pub radius_sm: Option<String>,
    pub radius_md: Option<String>,
    pub radius_lg: Option<String>,
    pub radius_xl: Option<String>,
    pub radius_full: Option<String>,
    pub default_color: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LayoutTokens {
    pub grid_columns: Vec<SectionGrid>,
    /// `centered`, `split` or `left` when the page has a hero.
    pub hero_layout: Option<String>,
    /// Widths from the page's media queries, ascending (`768px`).
    pub breakpoints: Vec<String>,
}

/// The widest row of repeated items in one detected section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionGrid {
    /// Index into the scrape's detected sections.
    pub section: usize,
    pub columns: u32,
    pub mobile_columns: u32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_serializes_with_underscore_name() {
        let tokens = DesignTokens {
            fallback: vec!["colors.primary: #123456".into()],
            ..Default::default()
        };
        let json = serde_json::to_value(&tokens).unwrap();
        assert_eq!(json["_fallback"][0], "colors.primary: #123456");
        let back: DesignTokens = serde_json::from_value(json).unwrap();
        assert_eq!(back, tokens);
    }
}
