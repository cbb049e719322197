//! CSS knowledge shared by every stage: colour values, `url(...)` references, top-level
//! splitting of declarations and lists, and inline styles as React style objects.
//!
//! A leaf crate: it depends on no Replica crate, so `replica-core` and any stage may use it
//! (DESIGN.md §2). Pure functions over strings, no IO.

mod color;
mod split;
mod style;
mod url;

pub use color::{Rgba, color_to_hex, colors_in, nearest_color_name, parse_color};
pub use split::{split_top_level, strip_comments};
pub use style::{
    StyleDeclaration, is_js_identifier, js_string_literal, style_declarations, style_key,
    style_object, style_object_literal,
};
pub use url::{CssUrl, has_url, quoted_reference, rewrite_every_url, rewrite_urls, unescape, urls};
