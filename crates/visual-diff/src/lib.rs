//! The fidelity measure of the refine stage (DESIGN.md §8), in two parts:
//!
//! - [`compare`]: two screenshots in, a similarity score and pixelmatch's diff image out
//!   (YIQ colour delta, anti-aliasing detection; see [`pixel`] for the exact rules);
//! - [`diff_styles`]: two captures of the same device (original and clone) in, the matched
//!   elements' differences in colour, fonts, spacing, size and position out, as plain data
//!   that serialises to `style-diff.json` (see [`style`]).
//!
//! Both are pure: no IO, no processes. Screenshots come from the scrape's browser; the caller
//! writes `diff.png` ([`Comparison::diff_png`]) and the JSON.

pub mod pixel;
pub mod style;

pub use pixel::{
    AA_COLOR, CompareOptions, Comparison, DIFF_COLOR, MAX_YIQ_DELTA, Threshold, color_delta,
    compare, compare_encoded,
};
pub use style::{
    ElementDiff, ElementRef, MatchedBy, PropertyDifference, Severity, StyleDiff, StyleDiffSummary,
    diff_styles,
};

/// Why two images could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum VisualDiffError {
    #[error("threshold must be a number between 0 and 1, got {0}")]
    InvalidThreshold(f64),
    #[error("could not decode the {which} image: {source}")]
    Decode {
        /// `first` or `second`.
        which: &'static str,
        #[source]
        source: image::ImageError,
    },
    #[error("could not encode the diff image as PNG: {0}")]
    Encode(#[source] image::ImageError),
}
