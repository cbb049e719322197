//! Stage E (DESIGN.md §1, §6): one section in, one React component out, by the deterministic
//! "faithful" compiler or a language model.
//!
//! Now: the compiler's leaf pieces, turning HTML attributes, inline styles and text into JSX
//! source text. Later issues add the DOM walk (whitespace, scripts, canvas), the component file
//! and the LLM generator behind `SectionGenerator`.

mod attributes;
mod style;
mod text;

pub use attributes::{AttributeMapping, map_attribute};
pub use style::style_object;
pub use text::{escape_jsx_text, jsx_attribute_value, jsx_string_literal};
