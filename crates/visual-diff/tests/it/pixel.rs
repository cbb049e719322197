//! The pixel comparison on synthetic images whose answer is known, and on one pair checked
//! against pixelmatch 5.3 itself.

use image::{Rgba, RgbaImage};
use replica_visual_diff::{
    AA_COLOR, CompareOptions, DIFF_COLOR, Threshold, VisualDiffError, color_delta, compare,
    compare_encoded,
};

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

/// White page with a black `size`-square block at (`left`, `top`).
fn page_with_block(width: u32, height: u32, left: u32, top: u32, size: u32) -> RgbaImage {
    RgbaImage::from_fn(width, height, |x, y| {
        let inside = (left..left + size).contains(&x) && (top..top + size).contains(&y);
        if inside { BLACK } else { WHITE }
    })
}

#[test]
fn a_block_shifted_right_differs_in_the_two_uncovered_strips() {
    // A 20x20 block moved 3 px right: a 3x20 strip it left and a 3x20 strip it entered.
    let a = page_with_block(60, 40, 10, 10, 20);
    let b = page_with_block(60, 40, 13, 10, 20);
    let result = compare(&a, &b, &defaults());
    assert_eq!(result.different_pixels, 2 * 3 * 20);
    assert_eq!(result.antialiased_pixels, 0);
    assert_eq!(result.similarity, 1.0 - 120.0 / 2400.0);
    for x in (10..13).chain(30..33) {
        assert_eq!(*result.diff.get_pixel(x, 15), DIFF_COLOR, "x = {x}");
    }
    // Still black in both: faded to the light grey of black (255 - 255 * 0.1 = 229.5).
    assert_eq!(result.diff.get_pixel(20, 15).0, [229, 229, 229, 255]);
    // The rows the block spans carry all the differences.
    assert_eq!(result.row_differences[9], 0);
    assert_eq!(result.row_differences[10], 6);
    assert_eq!(result.row_differences[29], 6);
    assert_eq!(result.row_differences[30], 0);
    assert_eq!(result.band_similarity(0..10), 1.0);
    assert_eq!(result.band_similarity(10..30), 1.0 - 120.0 / 1200.0);
}

#[test]
fn a_block_shifted_down_with_an_anti_aliased_edge_counts_only_the_solid_part() {
    // The block moves one row down and its new top row is drawn half-tone, as a renderer
    // smoothing a sub-pixel edge would: that row is anti-aliasing, the rest is a real change.
    let a = page_with_block(40, 40, 10, 10, 10);
    let mut b = page_with_block(40, 40, 10, 11, 10);
    for x in 10..20 {
        b.put_pixel(x, 11, gray(128));
    }
    let result = compare(&a, &b, &defaults());
    // Row 10 turned white (10 px) and row 20 turned black (10 px); row 11 is skipped.
    assert_eq!(result.different_pixels, 20);
    assert_eq!(result.antialiased_pixels, 10);
    assert_eq!(*result.diff.get_pixel(15, 11), AA_COLOR);
    assert_eq!(*result.diff.get_pixel(15, 10), DIFF_COLOR);
    assert_eq!(*result.diff.get_pixel(15, 20), DIFF_COLOR);

    let counted = compare(
        &a,
        &b,
        &CompareOptions {
            include_aa: true,
            ..defaults()
        },
    );
    assert_eq!(counted.different_pixels, 30);
}

#[test]
fn large_images_give_the_same_answer_as_small_ones() {
    // Over a million pixels the rows are split between threads; the counts, the per-row
    // counts and the diff image must not depend on where the split falls.
    let (width, height) = (1280, 1500);
    let a = page_with_block(width, height, 100, 740, 50);
    let b = page_with_block(width, height, 100, 760, 50);
    let result = compare(&a, &b, &defaults());
    // Rows 740..760 lost the block and rows 790..810 gained it: 2 * 20 rows of 50 px.
    assert_eq!(result.different_pixels, 2000);
    assert_eq!(
        result
            .row_differences
            .iter()
            .map(|&n| u64::from(n))
            .sum::<u64>(),
        2000
    );
    assert!(result.row_differences[740..760].iter().all(|&n| n == 50));
    assert!(result.row_differences[760..790].iter().all(|&n| n == 0));
    assert!(result.row_differences[790..810].iter().all(|&n| n == 50));
    for y in [0, 749, 750, 751, 1499] {
        for x in [0, 99, 100, 149, 1279] {
            let expected = if (100..150).contains(&x)
                && ((740..760).contains(&y) || (790..810).contains(&y))
            {
                DIFF_COLOR.0
            } else if (100..150).contains(&x) && (760..790).contains(&y) {
                [229, 229, 229, 255]
            } else {
                WHITE.0
            };
            assert_eq!(result.diff.get_pixel(x, y).0, expected, "({x}, {y})");
        }
    }

    // A taller second image: the extra rows are red whichever thread draws them.
    let taller = page_with_block(width, height + 300, 100, 740, 50);
    let result = compare(&a, &taller, &defaults());
    assert_eq!(result.different_pixels, 300 * u64::from(width));
    assert_eq!(*result.diff.get_pixel(640, height + 150), DIFF_COLOR);
    assert_eq!(result.row_differences[height as usize], width);
    assert_eq!(result.row_differences[height as usize - 1], 0);
}

#[test]
fn extra_columns_of_a_wider_image_count_in_their_rows() {
    let a = RgbaImage::from_pixel(8, 4, WHITE);
    let b = RgbaImage::from_pixel(10, 4, WHITE);
    let result = compare(&a, &b, &defaults());
    assert_eq!(result.different_pixels, 8);
    assert_eq!(result.row_differences, [2, 2, 2, 2]);
    assert_eq!(*result.diff.get_pixel(9, 0), DIFF_COLOR);
    assert_eq!(*result.diff.get_pixel(7, 0), WHITE);
}

#[test]
fn band_similarity_clips_to_the_image_and_is_one_for_empty_bands() {
    let a = RgbaImage::from_pixel(10, 10, WHITE);
    let b = RgbaImage::from_pixel(10, 20, WHITE);
    let result = compare(&a, &b, &defaults());
    assert_eq!(result.band_similarity(0..10), 1.0);
    assert_eq!(result.band_similarity(10..1000), 0.0);
    assert_eq!(result.band_similarity(5..15), 0.5);
    assert_eq!(result.band_similarity(30..40), 1.0);
}

#[test]
fn diff_png_decodes_back_to_the_diff_image() {
    let a = page_with_block(30, 20, 5, 5, 4);
    let b = page_with_block(30, 20, 6, 5, 4);
    let result = compare(&a, &b, &defaults());
    let png = result.diff_png().unwrap();
    let decoded = image::load_from_memory(&png).unwrap().to_rgba8();
    assert_eq!(decoded, result.diff);
}

#[test]
fn recorded_screenshots_compare_through_their_png_bytes() {
    // Fixture captures are RGB PNGs; decoding makes them opaque RGBA.
    let scrapes = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scrapes");
    let read = |name: &str| std::fs::read(scrapes.join(name).join("desktop-full.png")).unwrap();
    // 1280x1043 and 1280x1476.
    let (quirks, dashboard) = (read("legacy-quirks"), read("js-rendered"));

    let same = compare_encoded(&quirks, &quirks, &defaults()).unwrap();
    assert_eq!(same.similarity, 1.0);
    assert_eq!(same.total_pixels, 1280 * 1043);

    // Another page, 433 rows taller: those rows count whatever the pixels above them do.
    let other = compare_encoded(&quirks, &dashboard, &defaults()).unwrap();
    assert_eq!(other.total_pixels, 1280 * 1476);
    assert!(other.different_pixels >= 1280 * 433);
    assert!(other.row_differences[1043..].iter().all(|&n| n == 1280));
    assert!(other.similarity < 0.9, "{other:?}");
}
