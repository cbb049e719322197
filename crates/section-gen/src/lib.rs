//! replica-section-gen
