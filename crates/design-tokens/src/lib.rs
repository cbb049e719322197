//! ScrapeData -> DesignTokens (stage C): the style contract every section generator follows.
//!
//! [`extract`] is pure and deterministic. Every value in the tokens occurs in the scrape: the
//! page's computed styles (both devices), its stylesheet text, its fonts, or one of the few
//! user-agent defaults the scrape leaves out of `style` because they are defaults (black text,
//! the white canvas, `normal` line height, the default size of each heading level). Colours are
//! converted to lower-case hex; lengths and other values are kept as the browser wrote them.
//! A token the page does not determine is `None`.
//!
//! How roles are chosen (details on each module):
//! * backgrounds by painted area, text colours by characters of visible text, the primary colour
//!   by the prominence of saturated colours on buttons, links and headings (module `colors`);
//! * families by characters per role, the type scale from headings, body text, labels and nav
//!   links of each device (module `typography`);
//! * spacing, radii and component styles by the most used value among the elements that play
//!   the part (modules `spacing`, `components`); `:hover` from the page's rules whose selector
//!   matches the component's classes;
//! * breakpoints from `@media` conditions, grid columns and hero layout from the boxes
//!   (module `layout`).
//!
//! [`enrich`] optionally asks a language model, once, to reassign roles; anything it proposes
//! that does not occur in the scrape is rejected and listed in `_fallback`.

mod colors;
mod components;
mod css;
mod enrich;
mod layout;
mod page;
mod spacing;
mod typography;

use replica_core::{DesignTokens, LanguageModel, ScrapeData, TypeScales, TypographyTokens};

/// Kept under its old name for callers of this crate; the parser lives in `replica-css`.
pub use replica_css::color_to_hex as css_color_to_hex;

/// Extracts the page's design tokens. Pure: same scrape, same tokens.
pub fn extract(scrape: &ScrapeData) -> DesignTokens {
    let desktop_defaults = scrape.desktop.browser_defaults.index();
    let mobile_defaults = scrape.mobile.browser_defaults.index();
    let desktop = page::Page::new(&scrape.desktop, &desktop_defaults);
    let mobile = page::Page::new(&scrape.mobile, &mobile_defaults);
    let sheets: Vec<css::Sheet> = scrape
        .stylesheets
        .iter()
        .filter(|s| !s.disabled)
        .map(|s| css::parse(&s.css))
        .collect();
    let vars = components::Vars::new(&sheets);
    let hovers = components::hover_rules(&sheets, &vars);
    let cards = components::cards(&desktop);
    let roles = colors::extract(&desktop, &cards);
    let components =
        components::extract(&desktop, &hovers, roles.tokens.primary.as_deref(), &cards);
    DesignTokens {
        colors: roles.tokens,
        typography: TypographyTokens {
            families: typography::families(&desktop),
            sources: typography::sources(scrape),
            scale: TypeScales {
                desktop: typography::scale(&desktop),
                mobile: typography::scale(&mobile),
            },
        },
        spacing: spacing::extract(&desktop, &mobile, &cards),
        components,
        animation: layout::animation(&desktop, &sheets, &hovers),
        borders: roles.borders,
        layout: layout::extract(&desktop, &mobile, &sheets),
        fallback: Vec::new(),
    }
}

/// Lets `model` reassign roles in one call. Its answer is a JSON object of token paths to
/// values (`{"colors.primary": "#4f46e5"}`); a value is kept only if it occurs in the scrape
/// (colours compared as hex, families and lengths as strings), otherwise the deterministic
/// value stays and `path: value` is added to `fallback`. A failed call or an unreadable answer
/// keeps every deterministic value and says why in `fallback`.
pub async fn enrich(
    tokens: DesignTokens,
    scrape: &ScrapeData,
    model: &dyn LanguageModel,
) -> DesignTokens {
    enrich::enrich(tokens, scrape, model).await
}
