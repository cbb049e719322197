//! The pixel comparison: pixelmatch 5.3 (`index.js` of mapbox/pixelmatch) with its defaults —
//! threshold 0.1, semi-transparent pixels blended onto white, anti-aliased pixels detected and
//! not counted (`includeAA: false`) so a clone that differs from the original only in font
//! smoothing is not penalised. [`CompareOptions::include_aa`] turns detection off.
//!
//! Unlike pixelmatch, the images may differ in size: they are compared over the union of their
//! areas, and a pixel that exists in only one of them (the extra rows of a taller page, the
//! extra columns of a wider one) counts as different. Anti-aliasing detection looks at
//! neighbours inside the common area only.
//!
//! The answer is pixelmatch's to the pixel (a test holds it to a plain transcription); the
//! speed comes from rows shared between threads, anti-aliasing ruled out from each row's
//! counts of equal neighbours before any brightness is computed (most differing pixels lie in
//! flat areas), and a colour pair's delta reused while it repeats.

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
/// [`DIFF_COLOR`] as the word the comparison loop writes.
const DIFF_WORD: u32 = u32::from_ne_bytes(DIFF_COLOR.0);
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
        let mut scratch = RowScratch::default();
        // Pages are mostly runs of one colour: remember the last grey instead of recomputing it.
        // Pixels as words: one load and one compare each instead of four.
        let mut last_gray = (0u32, u32::from_ne_bytes(gray_pixel([0; 4]).0));
        let mut last_pair = ((0u32, 0u32), true);

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
            // First the colour test for the whole row, then anti-aliasing for the pixels that
            // failed it: the row's [`siblings`] are counted once, and only for such rows.
            scratch.candidates.clear();
            for (x, ((pa, pb), marker)) in a_row
                .chunks_exact(4)
                .zip(b_row.chunks_exact(4))
                .zip(out_common.chunks_exact_mut(4))
                .enumerate()
            {
                let pa = u32::from_ne_bytes([pa[0], pa[1], pa[2], pa[3]]);
                let pb = u32::from_ne_bytes([pb[0], pb[1], pb[2], pb[3]]);
                let equal = pa == pb || {
                    // Areas where the pages differ are often one flat colour against another.
                    if last_pair.0 != (pa, pb) {
                        let delta = color_delta(pa.to_ne_bytes(), pb.to_ne_bytes());
                        last_pair = ((pa, pb), delta <= self.max_delta);
                    }
                    last_pair.1
                };
                let color = if equal {
                    if last_gray.0 != pa {
                        last_gray = (pa, u32::from_ne_bytes(gray_pixel(pa.to_ne_bytes()).0));
                    }
                    last_gray.1
                } else {
                    scratch.candidates.push(x as u32);
                    DIFF_WORD
                };
                marker.copy_from_slice(&color.to_ne_bytes());
            }
            let mut different_in_row = scratch.candidates.len() as u32;
            if !self.include_aa && different_in_row > 0 {
                let antialiased = self.mark_antialiased(y, out_common, &mut scratch);
                different_in_row -= antialiased;
                counts.antialiased += u64::from(antialiased);
            }
            fill(out_rest, DIFF_COLOR);
            counts.different += u64::from(different_in_row);
            *row_count = different_in_row + (self.width - self.common.width);
        }
        counts
    }

    /// Turns the differing pixels of row `y` (`scratch.candidates`) that are anti-aliasing in
    /// either image yellow in `out_common`; returns how many there were.
    fn mark_antialiased(&self, y: u32, out_common: &mut [u8], scratch: &mut RowScratch) -> u32 {
        let (a, b) = (Pixels::of(self.a), Pixels::of(self.b));
        let area = self.common;
        // Counting the whole row pays off once a good part of it differs; a few differing
        // pixels are counted one by one.
        let whole_row = scratch.candidates.len() * 8 >= area.width as usize;
        if whole_row {
            scratch.a.compute(a, area, y);
            scratch.b.compute(b, area, y);
        }
        let (counts_a, counts_b) = (&scratch.a.counts, &scratch.b.counts);
        let mut found = 0;
        for &x in &scratch.candidates {
            let index = x as usize;
            let siblings_in = |img: Pixels<'_>, counts: &[u8]| {
                if whole_row {
                    counts[index]
                } else {
                    siblings_fast(img, area, x, y)
                }
            };
            // pixelmatch's `antialiased` gives up at its third neighbour of equal brightness,
            // so a side with more than two neighbours of the very same colour is ruled out
            // without computing anything: most differing pixels lie in flat areas.
            let antialiased = (siblings_in(a, counts_a) <= 2 && antialiased_at(a, b, area, x, y))
                || (siblings_in(b, counts_b) <= 2 && antialiased_at(b, a, area, x, y));
            if antialiased {
                out_common[index * 4..index * 4 + 4].copy_from_slice(&AA_COLOR.0);
                found += 1;
            }
        }
        found
    }
}

/// Buffers one thread reuses from row to row.
#[derive(Debug, Default)]
struct RowScratch {
    /// Columns of the current row whose colours differ.
    candidates: Vec<u32>,
    a: SiblingRows,
    b: SiblingRows,
}

/// [`siblings`] of every pixel of one row of one image, and the three rows they come from.
#[derive(Debug, Default)]
struct SiblingRows {
    counts: Vec<u8>,
    /// Rows `middle - 1`, `middle` and `middle + 1`, a pixel per word.
    words: [Vec<u32>; 3],
    /// Which row is in the middle of `words`, if any: the next row needs one new row only.
    middle: Option<u32>,
}

impl SiblingRows {
    /// Fills `counts` for row `y` of the area: for the whole row at once, which the compiler
    /// turns into vector compares.
    fn compute(&mut self, img: Pixels<'_>, area: Area, y: u32) {
        let width = area.width as usize;
        self.counts.clear();
        self.counts.resize(width, 0);
        if width < 3 || y == 0 || y + 1 >= area.height {
            for (x, count) in self.counts.iter_mut().enumerate() {
                *count = siblings(img, area, x as u32, y);
            }
            self.middle = None;
            return;
        }
        let load = |row: &mut Vec<u32>, y: u32| {
            let bytes = &img.raw[y as usize * img.stride..][..width * 4];
            row.clear();
            row.extend(
                bytes
                    .chunks_exact(4)
                    .map(|p| u32::from_ne_bytes([p[0], p[1], p[2], p[3]])),
            );
        };
        if self.middle == Some(y - 1) {
            self.words.rotate_left(1);
            load(&mut self.words[2], y + 1);
        } else {
            for (row, y) in self.words.iter_mut().zip(y - 1..=y + 1) {
                load(row, y);
            }
        }
        self.middle = Some(y);
        let [above, middle, below] = &self.words;
        let inner = width - 2;
        // Every slice exactly `inner + 2` long, so the indexing below needs no checks.
        let (above, middle, below) = (
            &above[..inner + 2],
            &middle[..inner + 2],
            &below[..inner + 2],
        );
        for (x, count) in self.counts[1..=inner].iter_mut().enumerate() {
            let centre = middle[x + 1];
            let equal = |pixel: u32| u8::from(pixel == centre);
            *count = equal(above[x])
                + equal(above[x + 1])
                + equal(above[x + 2])
                + equal(middle[x])
                + equal(middle[x + 2])
                + equal(below[x])
                + equal(below[x + 1])
                + equal(below[x + 2]);
        }
        self.counts[0] = siblings(img, area, 0, y);
        self.counts[width - 1] = siblings(img, area, width as u32 - 1, y);
    }
}

/// How many neighbours of (x, y) inside the area have exactly its colour, plus one when it
/// lies on the area's border (pixelmatch counts the missing side as an equal one).
fn siblings(img: Pixels<'_>, area: Area, x1: u32, y1: u32) -> u8 {
    let (xs, ys, on_border) = area.neighbourhood(x1, y1);
    let center = img.at(x1, y1);
    let mut count = on_border as u8;
    for x in xs {
        for y in ys.clone() {
            if (x, y) != (x1, y1) && img.at(x, y) == center {
                count += 1;
            }
        }
    }
    count
}

/// [`antialiased`], through the faster [`antialiased_interior`] where it applies.
fn antialiased_at(img: Pixels<'_>, other: Pixels<'_>, area: Area, x: u32, y: u32) -> bool {
    if area.is_interior(x, y) {
        antialiased_interior(&img.block(x, y), img, other, area, x, y)
    } else {
        antialiased(img, other, area, x, y)
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

const Y_RED: f64 = 0.29889531;
const Y_GREEN: f64 = 0.58662247;
const Y_BLUE: f64 = 0.11448223;

fn rgb2y(r: f64, g: f64, b: f64) -> f64 {
    r * Y_RED + g * Y_GREEN + b * Y_BLUE
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

    /// Whether all eight neighbours of (x, y) are inside the area.
    fn is_interior(self, x: u32, y: u32) -> bool {
        x >= 1 && y >= 1 && x + 1 < self.width && y + 1 < self.height
    }
}

/// Index of the centre pixel in a [`Pixels::block`].
const CENTER: usize = 4;

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

    /// The 3x3 block around (x, y), which must be an interior pixel, column by column as
    /// pixelmatch visits neighbours (centre at [`CENTER`]); each pixel as its four bytes in
    /// one word, which is all equality needs. Three row slices instead of nine checked reads.
    #[inline(always)]
    fn block(self, x: u32, y: u32) -> [u32; 9] {
        let row = |y: u32| {
            let start = y as usize * self.stride + (x as usize - 1) * 4;
            let bytes = &self.raw[start..start + 12];
            let word =
                |i: usize| u32::from_ne_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
            [word(0), word(4), word(8)]
        };
        let (above, middle, below) = (row(y - 1), row(y), row(y + 1));
        [
            above[0], middle[0], below[0], above[1], middle[1], below[1], above[2], middle[2],
            below[2],
        ]
    }

    fn at(self, x: u32, y: u32) -> [u8; 4] {
        let start = y as usize * self.stride + x as usize * 4;
        let p = &self.raw[start..start + 4];
        [p[0], p[1], p[2], p[3]]
    }
}

/// The brightness pixelmatch's `colorDelta(..., yOnly = true)` subtracts.
fn brightness(pixel: [u8; 4]) -> f64 {
    if let [r, g, b, 255] = pixel {
        // The same products and sums as `rgb2y`, looked up: bit for bit the same value.
        return Y_OF_RED[usize::from(r)] + Y_OF_GREEN[usize::from(g)] + Y_OF_BLUE[usize::from(b)];
    }
    let (r, g, b) = blend_on_white(pixel);
    rgb2y(r, g, b)
}

/// `rgb2y`'s term for each channel value (the compiler evaluates these with the same IEEE
/// arithmetic as at run time).
static Y_OF_RED: [f64; 256] = channel_terms(Y_RED);
static Y_OF_GREEN: [f64; 256] = channel_terms(Y_GREEN);
static Y_OF_BLUE: [f64; 256] = channel_terms(Y_BLUE);

const fn channel_terms(factor: f64) -> [f64; 256] {
    let mut terms = [0.0; 256];
    let mut value = 0;
    while value < 256 {
        terms[value] = value as f64 * factor;
        value += 1;
    }
    terms
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

/// [`antialiased`] for a pixel whose neighbours are all inside the area, given its
/// [`Pixels::block`] in `img`: the same steps, without bounds checks or coordinate ranges.
fn antialiased_interior(
    block: &[u32; 9],
    img: Pixels<'_>,
    other: Pixels<'_>,
    area: Area,
    x1: u32,
    y1: u32,
) -> bool {
    let center = block[CENTER];
    let center_brightness = brightness(center.to_ne_bytes());
    let mut zeroes = 0;
    let mut min = 0.0;
    let mut max = 0.0;
    let mut darkest = CENTER;
    let mut brightest = CENTER;
    for (index, &neighbour) in block.iter().enumerate() {
        if index == CENTER {
            continue;
        }
        let delta = if neighbour == center {
            0.0
        } else {
            center_brightness - brightness(neighbour.to_ne_bytes())
        };
        if delta == 0.0 {
            zeroes += 1;
            if zeroes > 2 {
                return false;
            }
        } else if delta < min {
            min = delta;
            darkest = index;
        } else if delta > max {
            max = delta;
            brightest = index;
        }
    }
    if min == 0.0 || max == 0.0 {
        return false;
    }
    let solid = |index: usize| {
        let (x, y) = (x1 - 1 + index as u32 / 3, y1 - 1 + index as u32 % 3);
        has_many_siblings_fast(img, area, x, y) && has_many_siblings_fast(other, area, x, y)
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

/// [`has_many_siblings`] through [`siblings_fast`].
fn has_many_siblings_fast(img: Pixels<'_>, area: Area, x: u32, y: u32) -> bool {
    siblings_fast(img, area, x, y) > 2
}

/// [`siblings`], from a [`Pixels::block`] where the pixel is interior.
fn siblings_fast(img: Pixels<'_>, area: Area, x: u32, y: u32) -> u8 {
    if !area.is_interior(x, y) {
        return siblings(img, area, x, y);
    }
    let block = img.block(x, y);
    // The centre is equal to itself: one less.
    block
        .iter()
        .map(|&pixel| u8::from(pixel == block[CENTER]))
        .sum::<u8>()
        - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// pixelmatch's loop written plainly: every pixel, the generic neighbourhood code
    /// (`antialiased`, `has_many_siblings`), no caches, tables or row passes. `compare` must
    /// give exactly this.
    fn reference(a: &RgbaImage, b: &RgbaImage, options: &CompareOptions) -> (u64, u64, RgbaImage) {
        let common = Area {
            width: a.width().min(b.width()),
            height: a.height().min(b.height()),
        };
        let (pa, pb) = (Pixels::of(a), Pixels::of(b));
        let mut diff = RgbaImage::from_pixel(
            a.width().max(b.width()),
            a.height().max(b.height()),
            DIFF_COLOR,
        );
        let (mut different, mut antialiased_count) = (0, 0);
        for y in 0..common.height {
            for x in 0..common.width {
                let (p1, p2) = (pa.at(x, y), pb.at(x, y));
                let color = if color_delta(p1, p2) <= options.threshold.max_delta() {
                    gray_pixel(p1)
                } else if !options.include_aa
                    && (antialiased(pa, pb, common, x, y) || antialiased(pb, pa, common, x, y))
                {
                    antialiased_count += 1;
                    AA_COLOR
                } else {
                    different += 1;
                    DIFF_COLOR
                };
                diff.put_pixel(x, y, color);
            }
        }
        (different, antialiased_count, diff)
    }

    /// Images of a few colours in patches, so that equal neighbours, flat areas and
    /// anti-aliasing-like slopes all occur; a small xorshift keeps them reproducible.
    fn patchy(width: u32, height: u32, seed: u64) -> RgbaImage {
        let palette = [
            [255, 255, 255, 255],
            [0, 0, 0, 255],
            [128, 128, 128, 255],
            [200, 200, 200, 255],
            [60, 60, 60, 255],
            [30, 90, 200, 255],
            [250, 250, 250, 128],
        ];
        let mut state = seed;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut image = RgbaImage::from_pixel(width, height, Rgba(palette[0]));
        for _ in 0..(width * height / 6).max(1) {
            let (x, y) = (next() % u64::from(width), next() % u64::from(height));
            let size = 1 + next() % 3;
            let color = palette[(next() % palette.len() as u64) as usize];
            for dy in 0..size {
                for dx in 0..size {
                    let (px, py) = (x as u32 + dx as u32, y as u32 + dy as u32);
                    if px < width && py < height {
                        image.put_pixel(px, py, Rgba(color));
                    }
                }
            }
        }
        image
    }

    #[test]
    fn brightness_from_the_tables_is_rgb2y_bit_for_bit() {
        for r in (0..=255u8).step_by(3) {
            for g in (0..=255u8).step_by(5) {
                for b in 0..=255u8 {
                    let computed = rgb2y(f64::from(r), f64::from(g), f64::from(b));
                    assert_eq!(
                        brightness([r, g, b, 255]).to_bits(),
                        computed.to_bits(),
                        "{r} {g} {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_fast_paths_give_pixelmatchs_answer() {
        let mut antialiased_seen = 0;
        for seed in 1..40u64 {
            // Sizes include 1- and 2-wide strips (no interior), unequal sizes and sizes that
            // cross the block of rows threads take.
            let (w1, h1) = (1 + (seed * 7 % 37) as u32, 1 + (seed * 11 % 45) as u32);
            let (w2, h2) = if seed % 3 == 0 {
                (w1 + 2, h1 - h1 / 3)
            } else {
                (w1, h1)
            };
            let a = patchy(w1, h1, seed);
            let mut b = patchy(w2, h2, seed);
            // Mostly the same picture with local changes, as a clone is.
            for (x, y, pixel) in patchy(w2, h2, seed * 1000 + 7).enumerate_pixels() {
                if (x + y) % 5 == 0 {
                    b.put_pixel(x, y, *pixel);
                }
            }
            for include_aa in [false, true] {
                let options = CompareOptions {
                    include_aa,
                    ..CompareOptions::default()
                };
                let fast = compare(&a, &b, &options);
                let (different, antialiased_count, diff) = reference(&a, &b, &options);
                let one_sided = fast.total_pixels - u64::from(w1.min(w2)) * u64::from(h1.min(h2));
                assert_eq!(fast.different_pixels, different + one_sided, "seed {seed}");
                assert_eq!(fast.antialiased_pixels, antialiased_count, "seed {seed}");
                assert!(fast.diff == diff, "diff image differs, seed {seed}");
                antialiased_seen += antialiased_count;
            }
        }
        // The images must exercise the detector, or the comparison above proves little.
        assert!(
            antialiased_seen > 50,
            "only {antialiased_seen} anti-aliased pixels"
        );
    }
}
