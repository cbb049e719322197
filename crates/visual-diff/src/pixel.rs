//! The pixel comparison: pixelmatch 5.3 (`index.js` of mapbox/pixelmatch) with its defaults —
//! threshold 0.1, semi-transparent pixels blended onto white, anti-aliased pixels detected and
//! not counted (`includeAA: false`) so a clone that differs from the original only in font
//! smoothing is not penalised. [`CompareOptions::include_aa`] turns detection off.
//!
//! Unlike pixelmatch, the images may differ in size: they are compared over the union of their
//! areas, and a pixel that exists in only one of them (the extra rows of a taller page, the
//! extra columns of a wider one) counts as different. Anti-aliasing detection looks at
//! neighbours inside the common area only.

use std::ops::Range;
use std::sync::{Mutex, PoisonError};

use image::{Rgba, RgbaImage};

use crate::VisualDiffError;

/// The largest value the YIQ delta can take (black against white), from pixelmatch.
pub const MAX_YIQ_DELTA: f64 = 35215.0;

/// Where pixels differ (or exist in one image only) in the diff image.
pub const DIFF_COLOR: Rgba<u8> = Rgba([255, 0, 0, 255]);
/// Where pixels differ only by anti-aliasing, in the diff image.
pub const AA_COLOR: Rgba<u8> = Rgba([255, 255, 0, 255]);
/// How much of the first image shows through in unchanged areas of the diff image.
const FADE_ALPHA: f64 = 0.1;

/// Below this many pixels a second thread costs more than it saves.
const PARALLEL_MIN_PIXELS: u64 = 1 << 20;
/// Rows a thread takes at a time: small enough to even out, large enough to rarely lock.
const ROWS_PER_BLOCK: usize = 32;

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

    /// The largest YIQ delta that still counts as equal.
    pub fn max_delta(self) -> f64 {
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
    /// Different pixels per row of the union area (`diff.height()` entries), so callers can
    /// score horizontal bands such as page sections without another pass over the images.
    pub row_differences: Vec<u32>,
    /// pixelmatch's diff image over the union area: red where pixels differ or exist on one
    /// side only, yellow for skipped anti-aliasing, the first image faded to light grey
    /// elsewhere.
    pub diff: RgbaImage,
}

impl Comparison {
    /// Similarity of the rows in `rows` (clipped to the image), the same measure as
    /// [`Comparison::similarity`] restricted to a band; 1.0 for an empty band.
    pub fn band_similarity(&self, rows: Range<u32>) -> f64 {
        let end = rows.end.min(self.diff.height());
        let start = rows.start.min(end);
        let pixels = u64::from(end - start) * u64::from(self.diff.width());
        if pixels == 0 {
            return 1.0;
        }
        let different: u64 = self.row_differences[start as usize..end as usize]
            .iter()
            .map(|&count| u64::from(count))
            .sum();
        1.0 - different as f64 / pixels as f64
    }

    /// The diff image as PNG bytes (what `diff.png` holds).
    pub fn diff_png(&self) -> Result<Vec<u8>, VisualDiffError> {
        let mut png = Vec::new();
        self.diff
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(VisualDiffError::Encode)?;
        Ok(png)
    }
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

/// Compares two images pixel by pixel (see the module docs for the exact rules).
pub fn compare(a: &RgbaImage, b: &RgbaImage, options: &CompareOptions) -> Comparison {
    let width = a.width().max(b.width());
    let height = a.height().max(b.height());
    let common = Area {
        width: a.width().min(b.width()),
        height: a.height().min(b.height()),
    };
    let total = u64::from(width) * u64::from(height);
    let job = Job {
        a,
        b,
        common,
        width,
        max_delta: options.threshold.max_delta(),
        include_aa: options.include_aa,
    };

    // Every byte is written below; zeroed memory comes cheap from the allocator.
    let mut pixels = vec![0u8; total as usize * 4];
    let mut row_differences = vec![0u32; height as usize];
    let row_bytes = width as usize * 4;

    let threads = if total >= PARALLEL_MIN_PIXELS && row_bytes > 0 {
        std::thread::available_parallelism().map_or(1, usize::from)
    } else {
        1
    };
    let counts = if total == 0 {
        Counts::default()
    } else if threads > 1 {
        // Rows are independent (neighbours are only read). Differences cluster (a changed
        // section, a shifted footer), so threads take small blocks of rows as they finish
        // instead of one half each.
        let blocks = Mutex::new(
            pixels
                .chunks_mut(ROWS_PER_BLOCK * row_bytes)
                .zip(row_differences.chunks_mut(ROWS_PER_BLOCK))
                .enumerate(),
        );
        let work = || {
            let mut counts = Counts::default();
            loop {
                let next = blocks.lock().unwrap_or_else(PoisonError::into_inner).next();
                let Some((block, (out, rows))) = next else {
                    return counts;
                };
                let first_row = (block * ROWS_PER_BLOCK) as u32;
                counts = counts.add(job.run(first_row, out, rows));
            }
        };
        std::thread::scope(|scope| {
            let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
            let own = work();
            helpers
                .into_iter()
                .map(|helper| {
                    helper
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .fold(own, Counts::add)
        })
    } else {
        job.run(0, &mut pixels, &mut row_differences)
    };

    // Everything outside the common area exists in at most one image.
    let one_sided = total - u64::from(common.width) * u64::from(common.height);
    let different_pixels = counts.different + one_sided;
    let similarity = if total == 0 {
        1.0
    } else {
        1.0 - different_pixels as f64 / total as f64
    };
    let diff = RgbaImage::from_raw(width, height, pixels)
        .unwrap_or_else(|| unreachable!("the buffer is sized width * height * 4"));
    Comparison {
        similarity,
        different_pixels,
        total_pixels: total,
        antialiased_pixels: counts.antialiased,
        row_differences,
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

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    different: u64,
    antialiased: u64,
}

impl Counts {
    fn add(self, other: Counts) -> Counts {
        Counts {
            different: self.different + other.different,
            antialiased: self.antialiased + other.antialiased,
        }
    }
}

/// One comparison, shared read-only by the threads that fill blocks of rows.
#[derive(Clone, Copy)]
struct Job<'a> {
    a: &'a RgbaImage,
    b: &'a RgbaImage,
    common: Area,
    /// Width of the union area (and of the diff image).
    width: u32,
    max_delta: f64,
    include_aa: bool,
}

impl Job<'_> {
    /// Fills `out` (whole rows of the diff image from `first_row` on) and the matching
    /// `row_differences`; returns the counts inside the common area.
    fn run(&self, first_row: u32, out: &mut [u8], row_differences: &mut [u32]) -> Counts {
        let row_bytes = self.width as usize * 4;
        let common_bytes = self.common.width as usize * 4;
        let a_stride = self.a.width() as usize * 4;
        let b_stride = self.b.width() as usize * 4;
        let (a_raw, b_raw) = (self.a.as_raw(), self.b.as_raw());
        let mut counts = Counts::default();
        // Pages are mostly runs of one colour: remember the last grey instead of recomputing it.
        let mut last_gray = ([0u8; 4], gray_pixel([0, 0, 0, 0]));

        for (offset, (out_row, row_count)) in out
            .chunks_exact_mut(row_bytes)
            .zip(row_differences.iter_mut())
            .enumerate()
        {
            let y = first_row + offset as u32;
            if y >= self.common.height {
                fill(out_row, DIFF_COLOR);
                *row_count = self.width;
                continue;
            }
            let a_row = &a_raw[y as usize * a_stride..][..common_bytes];
            let b_row = &b_raw[y as usize * b_stride..][..common_bytes];
            let (out_common, out_rest) = out_row.split_at_mut(common_bytes);
            let mut different_in_row = 0u32;
            for (x, ((pa, pb), marker)) in a_row
                .chunks_exact(4)
                .zip(b_row.chunks_exact(4))
                .zip(out_common.chunks_exact_mut(4))
                .enumerate()
            {
                let pa: [u8; 4] = [pa[0], pa[1], pa[2], pa[3]];
                let pb: [u8; 4] = [pb[0], pb[1], pb[2], pb[3]];
                let color = if pa == pb || color_delta(pa, pb) <= self.max_delta {
                    if last_gray.0 != pa {
                        last_gray = (pa, gray_pixel(pa));
                    }
                    last_gray.1
                } else if !self.include_aa && self.antialiased_either(x as u32, y) {
                    counts.antialiased += 1;
                    AA_COLOR
                } else {
                    different_in_row += 1;
                    DIFF_COLOR
                };
                marker.copy_from_slice(&color.0);
            }
            fill(out_rest, DIFF_COLOR);
            counts.different += u64::from(different_in_row);
            *row_count = different_in_row + (self.width - self.common.width);
        }
        counts
    }

    fn antialiased_either(&self, x: u32, y: u32) -> bool {
        let (a, b) = (Pixels::of(self.a), Pixels::of(self.b));
        antialiased(a, b, self.common, x, y) || antialiased(b, a, self.common, x, y)
    }
}

fn fill(bytes: &mut [u8], color: Rgba<u8>) {
    for pixel in bytes.chunks_exact_mut(4) {
        pixel.copy_from_slice(&color.0);
    }
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
    fn neighbourhood(self, x: u32, y: u32) -> (Range<u32>, Range<u32>, u32) {
        let x0 = x.saturating_sub(1);
        let y0 = y.saturating_sub(1);
        let x2 = (x + 1).min(self.width - 1);
        let y2 = (y + 1).min(self.height - 1);
        let on_border = x == x0 || x == x2 || y == y0 || y == y2;
        // Half-open ranges: inclusive ones cost a third of the whole comparison here.
        (x0..x2 + 1, y0..y2 + 1, u32::from(on_border))
    }
}

/// Read access to an image's pixels without `get_pixel`'s per-call checks on both axes.
#[derive(Clone, Copy)]
struct Pixels<'a> {
    raw: &'a [u8],
    stride: usize,
}

impl<'a> Pixels<'a> {
    fn of(image: &'a RgbaImage) -> Pixels<'a> {
        Pixels {
            raw: image.as_raw(),
            stride: image.width() as usize * 4,
        }
    }

    fn at(self, x: u32, y: u32) -> [u8; 4] {
        let start = y as usize * self.stride + x as usize * 4;
        let p = &self.raw[start..start + 4];
        [p[0], p[1], p[2], p[3]]
    }
}

/// The brightness pixelmatch's `colorDelta(..., yOnly = true)` subtracts.
fn brightness(pixel: [u8; 4]) -> f64 {
    let (r, g, b) = blend_on_white(pixel);
    rgb2y(r, g, b)
}

/// pixelmatch's `antialiased`: whether (x, y) of `img` looks like anti-aliasing, after
/// "Anti-aliased Pixel and Intensity Slope Detector" (Vyšniauskas, 2009).
fn antialiased(img: Pixels<'_>, other: Pixels<'_>, area: Area, x1: u32, y1: u32) -> bool {
    let (xs, ys, mut zeroes) = area.neighbourhood(x1, y1);
    let center = img.at(x1, y1);
    let center_brightness = brightness(center);
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
            let neighbour = img.at(x, y);
            // Equal bytes are 0 without arithmetic, exactly as in pixelmatch.
            let delta = if neighbour == center {
                0.0
            } else {
                center_brightness - brightness(neighbour)
            };
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
fn has_many_siblings(img: Pixels<'_>, area: Area, x1: u32, y1: u32) -> bool {
    let (xs, ys, mut zeroes) = area.neighbourhood(x1, y1);
    let center = img.at(x1, y1);
    for x in xs {
        for y in ys.clone() {
            if x == x1 && y == y1 {
                continue;
            }
            if img.at(x, y) == center {
                zeroes += 1;
            }
            if zeroes > 2 {
                return true;
            }
        }
    }
    false
}
