//! `replica diff A.png B.png`: the clone comparison's pixel measure (replica-visual-diff) for
//! screenshots taken anywhere: the similarity on stdout, the diff image on request, and an exit
//! code for CI (`--fail-below`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::stdout::{out, outln};
use anyhow::Context;
use clap::Args;
use image::{ImageFormat, RgbaImage};
use replica_visual_diff::{CompareOptions, Comparison, Threshold};

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The first image (PNG or JPEG); the diff image shows it faded where nothing differs.
    pub a: PathBuf,
    /// The second image (PNG or JPEG). Sizes may differ: pixels outside the other image count
    /// as different.
    pub b: PathBuf,
    /// Write the diff image here (PNG): red where pixels differ, yellow for anti-aliasing.
    #[arg(long, value_name = "DIFF.png")]
    pub out: Option<PathBuf>,
    /// Print one JSON object instead of lines.
    #[arg(long)]
    pub json: bool,
    /// Matching threshold between 0 and 1 (pixelmatch's; smaller is stricter).
    #[arg(long, value_name = "T", default_value_t = Threshold::DEFAULT.value(), value_parser = fraction)]
    pub threshold: f64,
    /// Exit with code 1 when the similarity is under S (between 0 and 1).
    #[arg(long, value_name = "S", value_parser = fraction)]
    pub fail_below: Option<f64>,
}

/// A number in 0..=1, for clap (a usage error otherwise).
fn fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(value) if (0.0..=1.0).contains(&value) => Ok(value),
        _ => Err(format!("expected a number between 0 and 1, got {text:?}")),
    }
}

pub fn run(args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let threshold = Threshold::new(args.threshold)?;
    if let Some(out) = &args.out {
        refuse_overwriting_an_input(out, [&args.a, &args.b])?;
    }
    // Large screenshots take as long to decode as to compare: both at once.
    let (a, b) = std::thread::scope(|scope| {
        let a = scope.spawn(|| load(&args.a));
        let b = load(&args.b);
        let a = a
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (a, b)
    });
    let (a, b) = (a?, b?);
    let options = CompareOptions {
        threshold,
        ..CompareOptions::default()
    };
    let comparison = replica_visual_diff::compare(&a, &b, &options);
    if let Some(out) = &args.out {
        write_diff(&comparison, out)?;
    }
    let below = args
        .fail_below
        .filter(|&floor| comparison.similarity < floor);
    if args.json {
        let json = json(args, &comparison, [&a, &b], below.is_some());
        outln!("{}", serde_json::to_string(&json)?);
    } else {
        out!("{}", text(args, &comparison, [&a, &b]));
    }
    match below {
        Some(floor) => {
            eprintln!(
                "similarity {:.4} is below --fail-below {floor}",
                comparison.similarity
            );
            Ok(ExitCode::FAILURE)
        }
        None => Ok(ExitCode::SUCCESS),
    }
}

/// Reads and decodes one input; every error names the file.
fn load(path: &Path) -> anyhow::Result<RgbaImage> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let format = image::guess_format(&bytes).ok();
    if !matches!(format, Some(ImageFormat::Png | ImageFormat::Jpeg)) {
        anyhow::bail!("{} is not a PNG or JPEG image", path.display());
    }
    let decoded =
        image::load_from_memory(&bytes).with_context(|| format!("decoding {}", path.display()))?;
    Ok(decoded.to_rgba8())
}

/// `--out a.png` would replace the image being measured with its own diff.
fn refuse_overwriting_an_input(out: &Path, inputs: [&PathBuf; 2]) -> anyhow::Result<()> {
    let Ok(out) = std::fs::canonicalize(out) else {
        return Ok(());
    };
    if inputs
        .iter()
        .any(|input| std::fs::canonicalize(input).is_ok_and(|input| input == out))
    {
        anyhow::bail!(
            "--out {} is one of the images to compare; choose another file",
            out.display()
        );
    }
    Ok(())
}

fn write_diff(comparison: &Comparison, out: &Path) -> anyhow::Result<()> {
    let png = comparison.diff_png().context("encoding the diff image")?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(out, png).with_context(|| format!("writing {}", out.display()))
}

fn json(
    args: &DiffArgs,
    comparison: &Comparison,
    images: [&RgbaImage; 2],
    below: bool,
) -> serde_json::Value {
    let image = |path: &Path, image: &RgbaImage| {
        serde_json::json!({
            "path": path.display().to_string(),
            "width": image.width(),
            "height": image.height(),
        })
    };
    serde_json::json!({
        "similarity": comparison.similarity,
        "different_pixels": comparison.different_pixels,
        "total_pixels": comparison.total_pixels,
        "antialiased_pixels": comparison.antialiased_pixels,
        "threshold": args.threshold,
        "a": image(&args.a, images[0]),
        "b": image(&args.b, images[1]),
        "diff": args.out.as_ref().map(|out| out.display().to_string()),
        "fail_below": args.fail_below,
        "failed": below,
    })
}

fn text(args: &DiffArgs, comparison: &Comparison, images: [&RgbaImage; 2]) -> String {
    let mut text = format!(
        "similarity {:.4}  ({} of {} pixels differ",
        comparison.similarity, comparison.different_pixels, comparison.total_pixels
    );
    if comparison.antialiased_pixels > 0 {
        text += &format!(
            "; {} anti-aliased pixels not counted",
            comparison.antialiased_pixels
        );
    }
    text += ")\n";
    for (path, image) in [&args.a, &args.b].into_iter().zip(images) {
        text += &format!("{}: {}x{}\n", path.display(), image.width(), image.height());
    }
    if let Some(out) = &args.out {
        text += &format!("wrote {}\n", out.display());
    }
    text
}
