//! replica-visual-diff
