//! The fidelity measure of the refine stage (DESIGN.md §8): two screenshots in, a similarity
//! score and a diff image out, using pixelmatch's YIQ colour delta and anti-aliasing detector.
//!
//! Now: the pixel comparison. Later issues add per-region heatmaps and the computed-style diff.
//!
//! The port follows pixelmatch 5.3 (`index.js` of mapbox/pixelmatch) with its defaults:
//! threshold 0.1, semi-transparent pixels blended onto white, and anti-aliased pixels detected
//! and not counted (`includeAA: false`), so a clone that differs from the original only in
//! font smoothing is not penalised. [`CompareOptions::include_aa`] turns detection off.
//!
//! Unlike pixelmatch, the images may differ in size: they are compared over the union of
//! their areas, and a pixel that exists in only one of them (the extra rows of a taller page,
//! the extra columns of a wider one) counts as different. Anti-aliasing detection looks at
//! neighbours inside the common area only.

use image::{Rgba, RgbaImage};

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
}

/// The largest value the YIQ delta can take (black against white), from pixelmatch.
pub const MAX_YIQ_DELTA: f64 = 35215.0;

/// Matching threshold between 0 and 1; smaller is more sensitive. Two pixels differ when
/// their YIQ delta exceeds `MAX_YIQ_DELTA * threshold²`.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Threshold(f64);

impl Threshold {
    /// pixelmatch's default and the one DESIGN.md §8 measures with.
    pub const DEFAULT: Threshold = Threshold(0.1);

    /// A threshold in 0..=1.
    pub fn new(value: f64) -> Result<Threshold, VisualDiffError> {
        // `contains` is false for NaN, so NaN is refused too.
        if (0.0..=1.0).contains(&value) {
            Ok(Threshold(value))
        } else {
            Err(VisualDiffError::InvalidThreshold(value))
        }
    }

    /// The threshold as a number.
    pub fn value(self) -> f64 {
        self.0
    }

    fn max_delta(self) -> f64 {
        MAX_YIQ_DELTA * self.0 * self.0
    }
}

impl Default for Threshold {
    fn default() -> Self {
        Threshold::DEFAULT
    }
}

/// How to compare. The default is pixelmatch's default.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CompareOptions {
    pub threshold: Threshold,
    /// Count anti-aliased pixels as differences instead of detecting and skipping them.
    pub include_aa: bool,
}

/// The result of [`compare`].
#[derive(Clone, PartialEq)]
pub struct Comparison {
    /// `1 - different_pixels / total_pixels`; exactly 1.0 for identical images (and for two
    /// empty ones, where there is nothing to differ).
    pub similarity: f64,
    /// Pixels over the threshold plus pixels present in only one image.
    pub different_pixels: u64,
    /// Pixels of the union area: `diff.width() * diff.height()`.
    pub total_pixels: u64,
    /// Pixels over the threshold that were skipped as anti-aliasing (0 with `include_aa`).
    pub antialiased_pixels: u64,
    /// pixelmatch's diff image over the union area: red where pixels differ or exist on one
    /// side only, yellow for skipped anti-aliasing, the first image faded to light grey
    /// elsewhere.
    pub diff: RgbaImage,
}

impl std::fmt::Debug for Comparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Comparison")
            .field("similarity", &self.similarity)
            .field("different_pixels", &self.different_pixels)
            .field("total_pixels", &self.total_pixels)
            .field("antialiased_pixels", &self.antialiased_pixels)
            .field(
                "diff",
                &format_args!("{}x{} image", self.diff.width(), self.diff.height()),
            )
            .finish()
    }
}

const DIFF_COLOR: Rgba<u8> = Rgba([255, 0, 0, 255]);
const AA_COLOR: Rgba<u8> = Rgba([255, 255, 0, 255]);
/// How much of the original shows through in unchanged areas of the diff image.
const FADE_ALPHA: f64 = 0.1;

/// Compares two images pixel by pixel (see the crate docs for the exact rules).
pub fn compare(a: &RgbaImage, b: &RgbaImage, options: &CompareOptions) -> Comparison {
    let width = a.width().max(b.width());
    let height = a.height().max(b.height());
    let common = Area {
        width: a.width().min(b.width()),
        height: a.height().min(b.height()),
    };
    let max_delta = options.threshold.max_delta();

    let mut diff = RgbaImage::from_pixel(width, height, DIFF_COLOR);
    let mut different = 0u64;
    let mut antialiased_count = 0u64;
    for y in 0..common.height {
        for x in 0..common.width {
            let pa = a.get_pixel(x, y).0;
            let pb = b.get_pixel(x, y).0;
            let delta = color_delta(pa, pb);
            let marker = if delta <= max_delta {
                gray_pixel(pa)
            } else if !options.include_aa
                && (antialiased(a, b, common, x, y) || antialiased(b, a, common, x, y))
            {
                antialiased_count += 1;
                AA_COLOR
            } else {
                different += 1;
                DIFF_COLOR
            };
            diff.put_pixel(x, y, marker);
        }
    }

    let total = u64::from(width) * u64::from(height);
    // Everything outside the common area exists in at most one image.
    let one_sided = total - u64::from(common.width) * u64::from(common.height);
    let different_pixels = different + one_sided;
    let similarity = if total == 0 {
        1.0
    } else {
        1.0 - different_pixels as f64 / total as f64
    };
    Comparison {
        similarity,
        different_pixels,
        total_pixels: total,
        antialiased_pixels: antialiased_count,
        diff,
    }
}

/// Decodes two encoded images (PNG or JPEG, as screenshots come) and compares them.
pub fn compare_encoded(
    a: &[u8],
    b: &[u8],
    options: &CompareOptions,
) -> Result<Comparison, VisualDiffError> {
    let decode = |bytes: &[u8], which| {
        image::load_from_memory(bytes)
            .map(|decoded| decoded.to_rgba8())
            .map_err(|source| VisualDiffError::Decode { which, source })
    };
    let a = decode(a, "first")?;
    let b = decode(b, "second")?;
    Ok(compare(&a, &b, options))
}

/// pixelmatch's `colorDelta`: the squared YIQ distance between two RGBA pixels after blending
/// each onto white, 0 for equal pixels and at most [`MAX_YIQ_DELTA`].
///
/// Follows "Measuring perceived color difference using YIQ NTSC transmission color space in
/// mobile applications" (Kotsarenko and Ramos, 2010), as pixelmatch does.
pub fn color_delta(p1: [u8; 4], p2: [u8; 4]) -> f64 {
    if p1 == p2 {
        return 0.0;
    }
    let (r1, g1, b1) = blend_on_white(p1);
    let (r2, g2, b2) = blend_on_white(p2);
    let y = rgb2y(r1, g1, b1) - rgb2y(r2, g2, b2);
    let i = rgb2i(r1, g1, b1) - rgb2i(r2, g2, b2);
    let q = rgb2q(r1, g1, b1) - rgb2q(r2, g2, b2);
    0.5053 * y * y + 0.299 * i * i + 0.1957 * q * q
}

/// pixelmatch's `colorDelta(..., yOnly = true)`: the signed brightness difference.
fn brightness_delta(p1: [u8; 4], p2: [u8; 4]) -> f64 {
    if p1 == p2 {
        return 0.0;
    }
    let (r1, g1, b1) = blend_on_white(p1);
    let (r2, g2, b2) = blend_on_white(p2);
    rgb2y(r1, g1, b1) - rgb2y(r2, g2, b2)
}

fn blend_on_white([r, g, b, a]: [u8; 4]) -> (f64, f64, f64) {
    let (r, g, b) = (f64::from(r), f64::from(g), f64::from(b));
    if a == 255 {
        return (r, g, b);
    }
    let alpha = f64::from(a) / 255.0;
    (blend(r, alpha), blend(g, alpha), blend(b, alpha))
}

fn blend(c: f64, alpha: f64) -> f64 {
    255.0 + (c - 255.0) * alpha
}

fn rgb2y(r: f64, g: f64, b: f64) -> f64 {
    r * 0.29889531 + g * 0.58662247 + b * 0.11448223
}

fn rgb2i(r: f64, g: f64, b: f64) -> f64 {
    r * 0.59597799 - g * 0.27417610 - b * 0.32180189
}

fn rgb2q(r: f64, g: f64, b: f64) -> f64 {
    r * 0.21147017 - g * 0.52261711 + b * 0.31114694
}

fn gray_pixel(p: [u8; 4]) -> Rgba<u8> {
    let (r, g, b) = (f64::from(p[0]), f64::from(p[1]), f64::from(p[2]));
    let value = blend(rgb2y(r, g, b), FADE_ALPHA * f64::from(p[3]) / 255.0);
    // In 0..=255 by construction; the cast only drops the fraction, as a Uint8Array store does.
    let value = value.clamp(0.0, 255.0) as u8;
    Rgba([value, value, value, 255])
}

/// The area both images cover, where neighbours are looked up.
#[derive(Debug, Clone, Copy)]
struct Area {
    width: u32,
    height: u32,
}

impl Area {
    /// The 3x3 neighbourhood of (x, y) clipped to the area, and how many of its sides are
    /// clipped off (pixelmatch counts a border pixel as already having one equal sibling).
    fn neighbourhood(
        self,
        x: u32,
        y: u32,
    ) -> (
        std::ops::RangeInclusive<u32>,
        std::ops::RangeInclusive<u32>,
        u32,
    ) {
        let x0 = x.saturating_sub(1);
        let y0 = y.saturating_sub(1);
        let x2 = (x + 1).min(self.width - 1);
        let y2 = (y + 1).min(self.height - 1);
        let on_border = x == x0 || x == x2 || y == y0 || y == y2;
        (x0..=x2, y0..=y2, u32::from(on_border))
    }
}

/// pixelmatch's `antialiased`: whether (x, y) of `img` looks like anti-aliasing, after
/// "Anti-aliased Pixel and Intensity Slope Detector" (Vyšniauskas, 2009).
fn antialiased(img: &RgbaImage, other: &RgbaImage, area: Area, x1: u32, y1: u32) -> bool {
    let (xs, ys, mut zeroes) = area.neighbourhood(x1, y1);
    let center = img.get_pixel(x1, y1).0;
    let mut min = 0.0;
    let mut max = 0.0;
    let mut darkest = (0, 0);
    let mut brightest = (0, 0);
    // Column-major like pixelmatch, so ties pick the same neighbour.
    for x in xs {
        for y in ys.clone() {
            if x == x1 && y == y1 {
                continue;
            }
            let delta = brightness_delta(center, img.get_pixel(x, y).0);
            if delta == 0.0 {
                zeroes += 1;
                // More than two equal siblings: definitely not anti-aliasing.
                if zeroes > 2 {
                    return false;
                }
            } else if delta < min {
                min = delta;
                darkest = (x, y);
            } else if delta > max {
                max = delta;
                brightest = (x, y);
            }
        }
    }
    // Anti-aliasing sits between something darker and something brighter.
    if min == 0.0 || max == 0.0 {
        return false;
    }
    // It is anti-aliasing when the darkest or brightest neighbour is a solid area in both images.
    let solid = |(x, y): (u32, u32)| {
        has_many_siblings(img, area, x, y) && has_many_siblings(other, area, x, y)
    };
    solid(darkest) || solid(brightest)
}

/// pixelmatch's `hasManySiblings`: three or more neighbours of exactly the same colour.
fn has_many_siblings(img: &RgbaImage, area: Area, x1: u32, y1: u32) -> bool {
    let (xs, ys, mut zeroes) = area.neighbourhood(x1, y1);
    let center = img.get_pixel(x1, y1);
    for x in xs {
        for y in ys.clone() {
            if x == x1 && y == y1 {
                continue;
            }
            if img.get_pixel(x, y) == center {
                zeroes += 1;
            }
            if zeroes > 2 {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHITE: Rgba<u8> = Rgba([255, 255, 255, 255]);
    const BLACK: Rgba<u8> = Rgba([0, 0, 0, 255]);

    fn gray(value: u8) -> Rgba<u8> {
        Rgba([value, value, value, 255])
    }

    fn defaults() -> CompareOptions {
        CompareOptions::default()
    }

    #[test]
    fn identical_images_score_exactly_one() {
        let mut a = RgbaImage::from_pixel(40, 30, WHITE);
        a.put_pixel(3, 4, Rgba([12, 200, 99, 255]));
        let result = compare(&a, &a.clone(), &defaults());
        assert_eq!(result.similarity, 1.0);
        assert_eq!(result.different_pixels, 0);
        assert_eq!(result.total_pixels, 1200);
        assert_eq!(result.antialiased_pixels, 0);
        assert_eq!((result.diff.width(), result.diff.height()), (40, 30));
    }

    #[test]
    fn one_changed_pixel_is_one_difference() {
        let a = RgbaImage::from_pixel(10, 10, WHITE);
        let mut b = a.clone();
        b.put_pixel(5, 5, BLACK);
        let result = compare(&a, &b, &defaults());
        assert_eq!(result.different_pixels, 1);
        assert_eq!(result.total_pixels, 100);
        assert_eq!(result.similarity, 0.99);
        assert_eq!(*result.diff.get_pixel(5, 5), DIFF_COLOR);
        // Unchanged white fades to white.
        assert_eq!(*result.diff.get_pixel(0, 0), WHITE);
    }

    #[test]
    fn extra_rows_of_the_taller_image_count_as_different() {
        let a = RgbaImage::from_pixel(10, 10, WHITE);
        let b = RgbaImage::from_pixel(10, 15, WHITE);
        let result = compare(&a, &b, &defaults());
        assert_eq!(result.total_pixels, 150);
        assert_eq!(result.different_pixels, 50);
        assert_eq!(result.similarity, 1.0 - 50.0 / 150.0);
        assert_eq!(*result.diff.get_pixel(0, 12), DIFF_COLOR);
        // Symmetric: the order of the images does not matter for the score.
        assert_eq!(compare(&b, &a, &defaults()).different_pixels, 50);
    }

    #[test]
    fn union_of_different_widths_and_heights() {
        let a = RgbaImage::from_pixel(4, 6, WHITE);
        let b = RgbaImage::from_pixel(6, 4, WHITE);
        let result = compare(&a, &b, &defaults());
        // 6x6 union, 4x4 common: the 20 pixels outside it exist in one image or neither.
        assert_eq!(result.total_pixels, 36);
        assert_eq!(result.different_pixels, 20);
    }

    #[test]
    fn empty_images_are_identical_and_one_empty_image_is_all_different() {
        let empty = RgbaImage::new(0, 0);
        let result = compare(&empty, &empty, &defaults());
        assert_eq!((result.similarity, result.total_pixels), (1.0, 0));
        let full = RgbaImage::from_pixel(3, 3, WHITE);
        let result = compare(&empty, &full, &defaults());
        assert_eq!((result.similarity, result.different_pixels), (0.0, 9));
    }

    #[test]
    fn gray_difference_just_under_and_just_over_the_threshold() {
        // For grays only Y changes: delta = 0.5053 * d², against 35215 * 0.1² = 352.15,
        // so a difference of 26 levels passes and 27 does not.
        assert!(color_delta(gray(100).0, gray(126).0) <= Threshold::DEFAULT.max_delta());
        assert!(color_delta(gray(100).0, gray(127).0) > Threshold::DEFAULT.max_delta());

        let a = RgbaImage::from_pixel(5, 5, gray(100));
        let mut under = a.clone();
        under.put_pixel(2, 2, gray(126));
        assert_eq!(compare(&a, &under, &defaults()).different_pixels, 0);
        let mut over = a.clone();
        over.put_pixel(2, 2, gray(127));
        assert_eq!(compare(&a, &over, &defaults()).different_pixels, 1);
    }

    #[test]
    fn threshold_changes_sensitivity() {
        let a = RgbaImage::from_pixel(5, 5, gray(100));
        let mut b = a.clone();
        b.put_pixel(2, 2, gray(110));
        let strict = CompareOptions {
            threshold: Threshold::new(0.0).unwrap(),
            ..defaults()
        };
        assert_eq!(compare(&a, &b, &strict).different_pixels, 1);
        assert_eq!(compare(&a, &b, &defaults()).different_pixels, 0);
    }

    #[test]
    fn threshold_outside_zero_to_one_is_refused() {
        for bad in [-0.1, 1.5, f64::NAN] {
            assert!(matches!(
                Threshold::new(bad),
                Err(VisualDiffError::InvalidThreshold(_))
            ));
        }
        assert_eq!(Threshold::new(1.0).unwrap().value(), 1.0);
    }

    #[test]
    fn color_delta_matches_pixelmatch_values() {
        // Black against white differs in brightness only: 0.5053 * 255².
        assert!((color_delta(BLACK.0, WHITE.0) - 0.5053 * 255.0 * 255.0).abs() < 0.01);
        assert_eq!(color_delta(WHITE.0, WHITE.0), 0.0);
        // Pure red against pure blue: hand-computed from the YIQ coefficients.
        let expected = {
            let y = 255.0 * (0.29889531 - 0.11448223);
            let i = 255.0 * (0.59597799 + 0.32180189);
            let q = 255.0 * (0.21147017 - 0.31114694);
            0.5053 * y * y + 0.299 * i * i + 0.1957 * q * q
        };
        assert_eq!(color_delta([255, 0, 0, 255], [0, 0, 255, 255]), expected);
    }

    #[test]
    fn semi_transparent_pixels_are_blended_onto_white() {
        // Fully transparent anything looks like white.
        assert_eq!(color_delta([0, 0, 0, 0], WHITE.0), 0.0);
        // Half-transparent black is the mid gray 127.5.
        let half_black = [0, 0, 0, 128];
        let blended = 255.0 - 255.0 * 128.0 / 255.0;
        let y = blended * (0.29889531 + 0.58662247 + 0.11448223);
        let y_only = 0.5053 * y * y;
        let i = blended * (0.59597799 - 0.27417610 - 0.32180189);
        let q = blended * (0.21147017 - 0.52261711 + 0.31114694);
        let expected = y_only + 0.299 * i * i + 0.1957 * q * q;
        assert!((color_delta(half_black, BLACK.0) - expected).abs() < 1e-9);
    }

    /// Black left half, white right half; `b` has a gray column at the edge, as font
    /// smoothing would draw it.
    fn edge_pair() -> (RgbaImage, RgbaImage) {
        let a = RgbaImage::from_fn(10, 8, |x, _| if x < 5 { BLACK } else { WHITE });
        let mut b = a.clone();
        for y in 0..8 {
            b.put_pixel(5, y, gray(128));
        }
        (a, b)
    }

    #[test]
    fn anti_aliased_edges_are_skipped_by_default() {
        let (a, b) = edge_pair();
        let result = compare(&a, &b, &defaults());
        assert_eq!(result.different_pixels, 0);
        assert_eq!(result.antialiased_pixels, 8);
        assert_eq!(result.similarity, 1.0);
        assert_eq!(*result.diff.get_pixel(5, 3), AA_COLOR);
    }

    #[test]
    fn include_aa_counts_anti_aliased_edges() {
        let (a, b) = edge_pair();
        let options = CompareOptions {
            include_aa: true,
            ..defaults()
        };
        let result = compare(&a, &b, &options);
        assert_eq!(result.different_pixels, 8);
        assert_eq!(result.antialiased_pixels, 0);
    }

    /// The integer hash both this test and its JavaScript twin use to draw the images.
    fn hash(x: u32, y: u32, salt: u32) -> u32 {
        let h = x
            .wrapping_mul(374761393)
            .wrapping_add(y.wrapping_mul(668265263))
            .wrapping_add(salt.wrapping_mul(2246822519));
        let h = (h ^ (h >> 13)).wrapping_mul(1274126177);
        h ^ (h >> 16)
    }

    /// 8x8 blocks of random colour; `b` has blended block edges (anti-aliasing-like), noisy
    /// pixels and random alpha.
    fn generated_pair() -> (RgbaImage, RgbaImage) {
        let block = |bx: u32, by: u32| {
            let h = hash(bx, by, 1);
            [h & 255, (h >> 8) & 255, (h >> 16) & 255].map(|v| v as i32)
        };
        let a = RgbaImage::from_fn(48, 40, |x, y| {
            let c = block(x >> 3, y >> 3).map(|v| v as u8);
            Rgba([c[0], c[1], c[2], 255])
        });
        let b = RgbaImage::from_fn(48, 40, |x, y| {
            let c = block(x >> 3, y >> 3);
            let mut d = c;
            if x % 8 == 0 && x > 0 {
                let l = block((x >> 3) - 1, y >> 3);
                d = [0, 1, 2].map(|k| (c[k] + l[k]) >> 1);
            }
            let n = hash(x, y, 2);
            if n.is_multiple_of(7) {
                d = [0, 1, 2]
                    .map(|k| (d[k] + (hash(x, y, 3 + k as u32) % 61) as i32 - 30).clamp(0, 255));
            }
            let alpha = if n.is_multiple_of(11) {
                (hash(x, y, 9) & 255) as u8
            } else {
                255
            };
            Rgba([d[0] as u8, d[1] as u8, d[2] as u8, alpha])
        });
        (a, b)
    }

    #[test]
    fn counts_match_pixelmatch_5_3_on_a_generated_pair() {
        // Expected counts from pixelmatch 5.3.0 (npm) run on the same images drawn with the
        // same hash in JavaScript: 175 with defaults, 312 with includeAA, 309 at 0.05.
        assert_eq!(hash(3, 5, 7), 557696400);
        assert_eq!(hash(1000, 2000, 3), 3051601296);
        let (a, b) = generated_pair();
        assert_eq!(compare(&a, &b, &defaults()).different_pixels, 175);
        let include_aa = CompareOptions {
            include_aa: true,
            ..defaults()
        };
        assert_eq!(compare(&a, &b, &include_aa).different_pixels, 312);
        let sensitive = CompareOptions {
            threshold: Threshold::new(0.05).unwrap(),
            ..defaults()
        };
        assert_eq!(compare(&a, &b, &sensitive).different_pixels, 309);
    }

    #[test]
    fn encoded_images_are_decoded_or_reported() {
        let mut png = Vec::new();
        let image = RgbaImage::from_pixel(2, 2, WHITE);
        image
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let result = compare_encoded(&png, &png, &defaults()).unwrap();
        assert_eq!(result.similarity, 1.0);

        let error = compare_encoded(&png, b"not an image", &defaults()).unwrap_err();
        assert!(matches!(
            error,
            VisualDiffError::Decode {
                which: "second",
                ..
            }
        ));
        assert!(
            error
                .to_string()
                .starts_with("could not decode the second image"),
            "{error}"
        );
    }
}
