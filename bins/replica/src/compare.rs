//! `replica compare URL_A URL_B`: how alike two pages render, measured as DESIGN.md §8 says.
//! Both pages are scraped by one browser; per device the full-page captures are compared
//! pixel by pixel and the computed styles element by element. Files go to
//! `DIR/{desktop,mobile}/{base,target,diff}.png` and `style-diff.json`; stdout gets a summary,
//! or one JSON object with `--json`. Any similarity exits 0: only a failure to measure is an error.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::stdout::{out, outln};
use anyhow::Context;
use clap::Args;
use replica_core::{Device, ScrapeData, ScrapeOptions, UrlPolicy};
use replica_scrape::{Browser, BrowserConfig};
use replica_visual_diff::{CompareOptions, Comparison, ElementDiff, StyleDiff};

/// Style differences listed per device in the text summary.
const MOST_SEVERE_SHOWN: usize = 5;

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The reference page (saved as base.png), e.g. the original.
    pub url_a: String,
    /// The page measured against it (target.png), e.g. a clone's preview.
    pub url_b: String,
    /// Directory for the images and style diffs (created if needed).
    #[arg(long, default_value = "replica-compare")]
    pub out: PathBuf,
    /// Print one JSON object on stdout instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// Seconds to wait for each page to load.
    #[arg(long, default_value_t = 30)]
    pub timeout: u64,
}

/// One device's measurement.
struct DeviceResult {
    device: Device,
    pixels: Comparison,
    styles: StyleDiff,
}

pub async fn run(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let options = ScrapeOptions {
        load_timeout: Duration::from_secs(args.timeout),
        // The CLI runs on the user's machine: local and private pages are theirs to measure.
        policy: UrlPolicy::allow_all(),
        ..ScrapeOptions::default()
    };
    let mut browser = BrowserConfig::from_lookup(crate::env::lookup);
    crate::policy::set_proxy_listen(&mut browser, None)?;
    let browser = Browser::launch(&browser).await?;
    let scraped = scrape_both(&browser, &args, &options).await;
    browser.shutdown().await;
    let (base, target) = scraped?;

    eprintln!("comparing...");
    let results = Device::ALL
        .into_iter()
        .map(|device| {
            let pixels = replica_visual_diff::compare_encoded(
                &base.device(device).screenshots.full_page.png,
                &target.device(device).screenshots.full_page.png,
                &CompareOptions::default(),
            )
            .with_context(|| format!("comparing the {} screenshots", device.name()))?;
            let styles =
                replica_visual_diff::diff_styles(base.device(device), target.device(device));
            Ok(DeviceResult {
                device,
                pixels,
                styles,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    for result in &results {
        write_device(&args.out, result, &base, &target)?;
    }
    if args.json {
        outln!("{}", serde_json::to_string(&json(&results, &args.out))?);
    } else {
        out!("{}", text(&results, &base, &target, &args.out));
    }
    eprintln!("done in {:.1}s", started.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

async fn scrape_both(
    browser: &Browser,
    args: &CompareArgs,
    options: &ScrapeOptions,
) -> anyhow::Result<(ScrapeData, ScrapeData)> {
    eprintln!("scraping {} (desktop and mobile)...", args.url_a);
    let base = browser
        .scrape(&args.url_a, options)
        .await
        .with_context(|| format!("scraping {}", args.url_a))?;
    eprintln!("scraping {} (desktop and mobile)...", args.url_b);
    let target = browser
        .scrape(&args.url_b, options)
        .await
        .with_context(|| format!("scraping {}", args.url_b))?;
    Ok((base, target))
}

/// `out/<device>/{base,target,diff}.png` and `style-diff.json`.
fn write_device(
    out: &Path,
    result: &DeviceResult,
    base: &ScrapeData,
    target: &ScrapeData,
) -> anyhow::Result<()> {
    let dir = out.join(result.device.name());
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let diff_png = result
        .pixels
        .diff_png()
        .context("encoding the diff image")?;
    let style_json = serde_json::to_vec_pretty(&result.styles)?;
    let files: [(&str, &[u8]); 4] = [
        (
            "base.png",
            &base.device(result.device).screenshots.full_page.png,
        ),
        (
            "target.png",
            &target.device(result.device).screenshots.full_page.png,
        ),
        ("diff.png", &diff_png),
        ("style-diff.json", &style_json),
    ];
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn json(results: &[DeviceResult], out: &Path) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    for result in results {
        let summary = &result.styles.summary;
        object.insert(
            result.device.name().to_string(),
            serde_json::json!({
                "similarity": result.pixels.similarity,
                "different_pixels": result.pixels.different_pixels,
                "total_pixels": result.pixels.total_pixels,
                // Property differences over the matched elements; the summary has the rest.
                "style_differences": summary.high + summary.medium + summary.low,
                "style_summary": summary,
            }),
        );
    }
    object.insert(
        "out_dir".to_string(),
        serde_json::json!(out.display().to_string()),
    );
    serde_json::Value::Object(object)
}

fn text(results: &[DeviceResult], base: &ScrapeData, target: &ScrapeData, out: &Path) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "base:   {}", base.final_url);
    let _ = writeln!(s, "target: {}", target.final_url);
    for result in results {
        let pixels = &result.pixels;
        let summary = &result.styles.summary;
        let _ = writeln!(
            s,
            "{:<8} similarity {:.4}  ({} of {} pixels differ)  styles: {} high, {} medium, {} low; {} missing, {} extra",
            result.device.name(),
            pixels.similarity,
            pixels.different_pixels,
            pixels.total_pixels,
            summary.high,
            summary.medium,
            summary.low,
            summary.missing,
            summary.extra,
        );
    }
    for result in results {
        let worst = result.styles.most_severe(MOST_SEVERE_SHOWN);
        if worst.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "most severe style differences ({}):",
            result.device.name()
        );
        for element in worst {
            let _ = writeln!(s, "  {}", describe(element));
        }
    }
    let _ = writeln!(
        s,
        "wrote {}/{{desktop,mobile}}/{{base,target,diff}}.png and style-diff.json",
        out.display()
    );
    s
}

/// `high  <h1> "Status board" (html>body[1]>header[1]>h1[1]): color rgb(..) -> rgb(..); ...`
fn describe(element: &ElementDiff) -> String {
    let original = &element.original;
    let mut line = format!("{:<6} <{}>", severity_name(element), original.tag);
    if !original.text.is_empty() {
        let text: String = original.text.chars().take(40).collect();
        let ellipsis = if original.text.chars().count() > 40 {
            "…"
        } else {
            ""
        };
        let _ = write!(line, " {text:?}{ellipsis}");
    }
    let _ = write!(line, " ({}):", original.path);
    let worst = element
        .differences
        .iter()
        .filter(|difference| difference.severity == element.severity);
    let shown: Vec<String> = worst
        .take(3)
        .map(|difference| {
            let value = |value: &Option<String>| value.as_deref().unwrap_or("default").to_string();
            format!(
                "{} {} -> {}",
                difference.property,
                value(&difference.original),
                value(&difference.clone)
            )
        })
        .collect();
    let _ = write!(line, " {}", shown.join("; "));
    line
}

fn severity_name(element: &ElementDiff) -> &'static str {
    match element.severity {
        replica_visual_diff::Severity::High => "high",
        replica_visual_diff::Severity::Medium => "medium",
        replica_visual_diff::Severity::Low => "low",
    }
}
