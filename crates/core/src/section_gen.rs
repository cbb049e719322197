//! Stage E behind a trait: one section in, one component file out.

use serde::{Deserialize, Serialize};

use crate::{BoxFuture, DesignTokens, PlannedSection, SharedContext};

/// How the components carry their styles (DESIGN.md §6): the one output style every stage and
/// the request use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputStyle {
    /// The page's own classes and inline styles, next to its own CSS.
    #[default]
    Faithful,
    /// Tailwind classes from the computed styles, over a theme made from the design tokens.
    Tailwind,
}

impl OutputStyle {
    pub fn as_str(self) -> &'static str {
        match self {
            OutputStyle::Faithful => "faithful",
            OutputStyle::Tailwind => "tailwind",
        }
    }
}

/// A generated React component for one section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentFile {
    /// Relative to the project root (`components/Hero.jsx`).
    pub path: String,
    pub component_name: String,
    pub source: String,
    /// Set when the generator fell back to the deterministic compiler, with the reason.
    pub fallback: Option<String>,
}

/// Turns a section into a component (deterministic compiler or a language model).
pub trait SectionGenerator: Send + Sync {
    fn name(&self) -> &str;

    fn generate<'a>(
        &'a self,
        section: &'a PlannedSection,
        context: &'a SharedContext,
        tokens: &'a DesignTokens,
    ) -> BoxFuture<'a, Result<ComponentFile, GenerateError>>;
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("section {section}: the model call failed: {source}")]
    Model {
        section: String,
        #[source]
        source: crate::LlmError,
    },
    #[error("section {section}: {message}")]
    Invalid { section: String, message: String },
}
