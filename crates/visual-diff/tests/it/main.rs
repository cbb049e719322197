//! Integration tests of replica-visual-diff, one binary.

mod pixel;
mod style_diff;
