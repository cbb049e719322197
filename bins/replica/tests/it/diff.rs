//! `replica diff A B`: the pixel comparison of two image files, its output, exit codes and
//! errors. The images are drawn here.

use std::path::{Path, PathBuf};
use std::process::Output;

use image::{ImageFormat, Rgba, RgbaImage};

use crate::replica;

fn diff(args: &[&Path]) -> Output {
    replica().arg("diff").args(args).output().unwrap()
}

fn stdout_json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON object on stdout")
}

/// A `width` x `height` image: white with a dark band across the top, so it is not flat.
fn page(width: u32, height: u32) -> RgbaImage {
    RgbaImage::from_fn(width, height, |_, y| {
        if y < 3 {
            Rgba([20, 40, 90, 255])
        } else {
            Rgba([255, 255, 255, 255])
        }
    })
}

fn save(dir: &Path, name: &str, image: &RgbaImage, format: ImageFormat) -> PathBuf {
    let path = dir.join(name);
    match format {
        // JPEG has no alpha channel.
        ImageFormat::Jpeg => image::DynamicImage::ImageRgba8(image.clone())
            .to_rgb8()
            .save_with_format(&path, format),
        _ => image.save_with_format(&path, format),
    }
    .unwrap();
    path
}

#[test]
fn identical_images_are_similarity_one() {
    let dir = tempfile::tempdir().unwrap();
    let a = save(dir.path(), "a.png", &page(40, 30), ImageFormat::Png);
    let b = save(dir.path(), "b.png", &page(40, 30), ImageFormat::Png);
    let json = stdout_json(&diff(&[&a, &b, Path::new("--json")]));
    assert_eq!(json["similarity"], 1.0);
    assert_eq!(json["different_pixels"], 0);
    assert_eq!(json["total_pixels"], 1200);
    assert_eq!(json["a"]["width"], 40);
    assert_eq!(json["b"]["height"], 30);
    assert_eq!(json["diff"], serde_json::Value::Null);
    assert_eq!(json["failed"], false);

    let text = diff(&[&a, &b]);
    assert!(text.status.success());
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(
        stdout.starts_with("similarity 1.0000  (0 of 1200 pixels differ)\n"),
        "{stdout}"
    );
}

#[test]
fn a_jpeg_compares_too() {
    let dir = tempfile::tempdir().unwrap();
    // JPEG is lossy: the same JPEG on both sides, and a PNG of the same pixels, are alike.
    let jpeg = save(dir.path(), "a.jpg", &page(40, 30), ImageFormat::Jpeg);
    let png = save(dir.path(), "b.png", &page(40, 30), ImageFormat::Png);
    let json = stdout_json(&diff(&[&jpeg, &jpeg, Path::new("--json")]));
    assert_eq!(json["similarity"], 1.0);
    let json = stdout_json(&diff(&[&jpeg, &png, Path::new("--json")]));
    assert!(json["similarity"].as_f64().unwrap() > 0.95, "{json}");
}

#[test]
fn images_of_different_sizes_count_the_missing_pixels_as_different() {
    let dir = tempfile::tempdir().unwrap();
    let short = save(dir.path(), "short.png", &page(10, 10), ImageFormat::Png);
    let tall = save(dir.path(), "tall.png", &page(10, 40), ImageFormat::Png);
    let json = stdout_json(&diff(&[&short, &tall, Path::new("--json")]));
    // The union is 10x40; the 30 rows only the tall one has differ.
    assert_eq!(json["total_pixels"], 400);
    assert_eq!(json["different_pixels"], 300);
    assert_eq!(json["similarity"], 0.25);
    assert_eq!(
        (&json["a"]["width"], &json["a"]["height"]),
        (&serde_json::json!(10), &serde_json::json!(10))
    );
    assert_eq!(
        (&json["b"]["width"], &json["b"]["height"]),
        (&serde_json::json!(10), &serde_json::json!(40))
    );
    // Wider is the same: the extra columns differ.
    let wide = save(dir.path(), "wide.png", &page(20, 10), ImageFormat::Png);
    let json = stdout_json(&diff(&[&wide, &short, Path::new("--json")]));
    assert_eq!(json["different_pixels"], 100);
    assert_eq!(json["similarity"], 0.5);
}

fn assert_error_naming(output: &Output, path: &Path, says: &str) {
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: ")
            && stderr.contains(&path.display().to_string())
            && stderr.contains(says),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn a_file_that_cannot_be_read_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let a = save(dir.path(), "a.png", &page(10, 10), ImageFormat::Png);
    let missing = dir.path().join("missing.png");
    assert_error_naming(&diff(&[&a, &missing]), &missing, "No such file");
    assert_error_naming(&diff(&[&missing, &a]), &missing, "No such file");
    // A directory is not a file to read either.
    assert_error_naming(&diff(&[&a, dir.path()]), dir.path(), "reading");
}

#[test]
fn a_file_that_is_not_a_png_or_jpeg_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let a = save(dir.path(), "a.png", &page(10, 10), ImageFormat::Png);
    let text = dir.path().join("notes.png");
    std::fs::write(&text, "not an image at all\n").unwrap();
    assert_error_naming(&diff(&[&a, &text]), &text, "is not a PNG or JPEG image");
    let empty = dir.path().join("empty.png");
    std::fs::write(&empty, b"").unwrap();
    assert_error_naming(&diff(&[&empty, &a]), &empty, "is not a PNG or JPEG image");
    // A PNG cut short after its signature: recognised, but it does not decode.
    let mut bytes = std::fs::read(&a).unwrap();
    bytes.truncate(20);
    let truncated = dir.path().join("truncated.png");
    std::fs::write(&truncated, bytes).unwrap();
    assert_error_naming(&diff(&[&a, &truncated]), &truncated, "decoding");
}

#[test]
fn fail_below_exits_1_under_the_floor_and_prints_the_similarity_either_way() {
    let dir = tempfile::tempdir().unwrap();
    let short = save(dir.path(), "short.png", &page(10, 10), ImageFormat::Png);
    let tall = save(dir.path(), "tall.png", &page(10, 20), ImageFormat::Png);

    let passed = diff(&[&short, &tall, Path::new("--fail-below"), Path::new("0.5")]);
    assert_eq!(passed.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&passed.stdout).starts_with("similarity 0.5000"),
        "{passed:?}"
    );

    let failed = diff(&[&short, &tall, Path::new("--fail-below"), Path::new("0.51")]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&failed.stdout).starts_with("similarity 0.5000"),
        "{failed:?}"
    );
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("similarity 0.5000 is below --fail-below 0.51"),
        "{stderr}"
    );

    let failed_json = diff(&[
        &short,
        &tall,
        Path::new("--json"),
        Path::new("--fail-below"),
        Path::new("0.9"),
    ]);
    assert_eq!(failed_json.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&failed_json.stdout).unwrap();
    assert_eq!(json["similarity"], 0.5);
    assert_eq!(json["fail_below"], 0.9);
    assert_eq!(json["failed"], true);

    // Out of range is a usage error, before anything is read.
    let bad = diff(&[&short, &tall, Path::new("--fail-below"), Path::new("95")]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("between 0 and 1"));
}

#[test]
fn out_writes_the_diff_image_as_a_png() {
    let dir = tempfile::tempdir().unwrap();
    let a = save(dir.path(), "a.png", &page(12, 10), ImageFormat::Png);
    let mut changed = page(12, 14);
    changed.put_pixel(5, 6, Rgba([0, 0, 0, 255]));
    let b = save(dir.path(), "b.png", &changed, ImageFormat::Png);
    let out = dir.path().join("nested/dir/diff.png");
    let json = stdout_json(&diff(&[
        &a,
        &b,
        Path::new("--out"),
        &out,
        Path::new("--json"),
    ]));
    assert_eq!(json["diff"], out.display().to_string());
    // The changed pixel and the 4 rows only b has.
    assert_eq!(json["different_pixels"], 1 + 4 * 12);

    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    let written = image::load_from_memory_with_format(&bytes, ImageFormat::Png)
        .unwrap()
        .to_rgba8();
    assert_eq!(written.dimensions(), (12, 14));
    let red = Rgba([255, 0, 0, 255]);
    assert_eq!(*written.get_pixel(5, 6), red);
    assert_eq!(*written.get_pixel(0, 12), red);
    assert_ne!(*written.get_pixel(0, 5), red);

    // The diff never replaces an image being compared.
    let refused = diff(&[&a, &b, Path::new("--out"), &a]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("is one of the images"));
    assert_eq!(image::open(&a).unwrap().to_rgba8(), page(12, 10));
}

#[test]
fn the_threshold_decides_what_counts_as_different() {
    let dir = tempfile::tempdir().unwrap();
    let a = save(dir.path(), "a.png", &page(10, 10), ImageFormat::Png);
    let mut lighter = page(10, 10);
    // A row of light grey on white: alike at the default threshold, not at 0.01.
    for x in 0..10 {
        lighter.put_pixel(x, 5, Rgba([245, 245, 245, 255]));
    }
    let b = save(dir.path(), "b.png", &lighter, ImageFormat::Png);
    let default = stdout_json(&diff(&[&a, &b, Path::new("--json")]));
    assert_eq!(default["different_pixels"], 0);
    let strict = stdout_json(&diff(&[
        &a,
        &b,
        Path::new("--json"),
        Path::new("--threshold"),
        Path::new("0.01"),
    ]));
    assert!(strict["different_pixels"].as_u64().unwrap() > 0, "{strict}");
    assert_eq!(strict["threshold"], 0.01);
}
