//! Stage E (DESIGN.md §1, §6): one section in, one React component out, by the deterministic
//! compiler or a language model.
//!
//! - [`compile_section`]: the deterministic compiler. The faithful style
//!   ([`replica_core::OutputStyle`]) turns the section's DOM into JSX that keeps the page's
//!   classes and inline styles (attributes in React's spelling, HTML whitespace kept with
//!   explicit `{" "}`, scripts and handlers dropped, form state as
//!   `defaultValue`/`defaultChecked`, repeated siblings of one shape from a data array); the
//!   Tailwind style writes Tailwind classes from the computed styles over a theme made from the
//!   tokens ([`tailwind_theme`], which the assembler writes into
//!   `tailwind.config.js`), with `md:` variants where the mobile capture differs. Links and
//!   images keep their real URLs, made absolute against the page URL; `!important` inline
//!   declarations move to a generated class (React's style objects drop them); quirks-mode
//!   table fonts are written out. Same input, same bytes; no `"use client"` (nothing runs).
//! - [`compile_wrappers`]: the wrappers of the plan's outline (the elements around several
//!   sections: a `<main>`, a page-wide `<div id="page">`) as components that render their
//!   children inside them, for the assembler to put around the sections.
//! - [`LlmGenerator`]: one request per section through [`replica_core::LanguageModel`], with
//!   a shared cached system prompt; output that does not parse, lacks a default export or
//!   imports packages the sandbox lacks falls back to the compiler and says so.
//! - [`generate_sections`]: all sections at once under a concurrency bound and a per-section
//!   timeout, each result delivered as it finishes.
//!
//! No IO: the network is reached only through `LanguageModel`.

mod attributes;
mod batch;
mod compile;
mod jsx;
mod llm;
mod parse;
mod style;
mod tailwind;
mod text;
mod typing;

pub use attributes::{AttributeMapping, map_attribute};
pub use batch::{
    BatchConfig, BatchInput, Generator, SectionResult, compile_plan, generate_sections,
};
pub use compile::{CompileOptions, Compiler, compile_section, compile_wrappers, component_path};
pub use llm::{LlmConfig, LlmGenerator, LlmOutput};
pub use parse::{jsx_parse_errors, parse_errors};
pub use style::{StyleDeclaration, style_declarations, style_object};
pub use tailwind::{LayoutWidths, Theme, ThemeExtend, tailwind_theme};
pub use text::{escape_jsx_text, jsx_attribute_value, jsx_string_literal};
