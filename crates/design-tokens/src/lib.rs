//! replica-design-tokens
