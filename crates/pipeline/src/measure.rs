//! How close a clone is to its original (DESIGN.md §8): both scraped the same way, their
//! full-page captures compared pixel by pixel, their computed styles element by element.

use replica_core::{Device, ScrapeData, SimilarityScores};
use replica_visual_diff::{CompareOptions, Comparison, StyleDiff, VisualDiffError};

use crate::run::DEVICES;

/// One device of a measurement.
pub(crate) struct DeviceComparison {
    pub(crate) device: Device,
    pub(crate) pixels: Comparison,
    pub(crate) styles: StyleDiff,
}

/// Pixels and styles of `clone` against `original` at one device.
pub(crate) fn compare_device(
    original: &ScrapeData,
    clone: &ScrapeData,
    device: Device,
) -> Result<DeviceComparison, VisualDiffError> {
    let pixels = replica_visual_diff::compare_encoded(
        &original.device(device).screenshots.full_page.png,
        &clone.device(device).screenshots.full_page.png,
        &CompareOptions::default(),
    )?;
    let styles = replica_visual_diff::diff_styles(original.device(device), clone.device(device));
    Ok(DeviceComparison {
        device,
        pixels,
        styles,
    })
}

/// Both devices.
pub(crate) fn compare(
    original: &ScrapeData,
    clone: &ScrapeData,
) -> Result<Vec<DeviceComparison>, VisualDiffError> {
    DEVICES
        .iter()
        .map(|&device| compare_device(original, clone, device))
        .collect()
}

pub(crate) fn scores(comparisons: &[DeviceComparison]) -> SimilarityScores {
    let of = |device| {
        comparisons
            .iter()
            .find(|comparison| comparison.device == device)
            .map_or(0.0, |comparison| comparison.pixels.similarity)
    };
    SimilarityScores {
        desktop: of(Device::Desktop),
        mobile: of(Device::Mobile),
    }
}

/// The pixel comparison of both devices (no style diff: what the inspection keeps and scores).
pub(crate) fn pixels(
    original: &ScrapeData,
    clone: &ScrapeData,
) -> Result<Vec<(Device, Comparison)>, VisualDiffError> {
    DEVICES
        .iter()
        .map(|&device| {
            replica_visual_diff::compare_encoded(
                &original.device(device).screenshots.full_page.png,
                &clone.device(device).screenshots.full_page.png,
                &CompareOptions::default(),
            )
            .map(|comparison| (device, comparison))
        })
        .collect()
}
