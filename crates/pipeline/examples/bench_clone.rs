//! Whole clones as users run them, with real Chromium and real `next dev` sandboxes.
//!
//! `bench_clone e2e [--runs N] [SITE...]`: the time from the request to `compiled` for each
//! fixture site with a warm pool (one sandbox warm before every clone), median over N runs
//! (default 3), with each stage's median. Target: at most 8 s.
//!
//! `bench_clone fidelity [--style faithful|tailwind] [DIR...]`: clones every page
//! (`DIR/<page>/index.html`) of each corpus directory (default fixtures/sites, then
//! ../shared/corpus and ../shared/corpus-d2c when they exist) in the faithful and the tailwind
//! style (or the one given) and prints page, compiled, JSX errors left, desktop, mobile, seconds,
//! then each style's table worst first and its means. Each clone is measured as users deploy
//! it (DESIGN.md §8): its files built with `next build` and served by `next start`, scraped
//! like the original. `--dev` measures the pipeline's own `next dev` preview instead (faster,
//! the same markup and CSS); `--out DIR` keeps every page's captures, diff images, side by side
//! views and built project. Where a page could not be measured the scores read `n/a`, the
//! run's warnings say why, and the means leave it out.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use replica_core::{Device, PipelineEvent, ScrapeOptions, StepTimings, UrlPolicy};
use replica_fixture_server::FixtureServer;
use replica_pipeline::{CloneOutcome, CloneRequest, CloneStore, PipelineDeps, StyleKind};
use replica_sandbox_pool::{
    InstalledTemplate, LocalConfig, LocalProvider, PoolConfig, ProductionConfig, ProductionServer,
    ReleasePolicy, SandboxPool, default_cache_dir, install_template,
};
use replica_scrape::{Browser, BrowserConfig};
use replica_visual_diff::CompareOptions;

type Error = Box<dyn std::error::Error>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("e2e") => e2e(&args[1..]).await,
        Some("fidelity") => fidelity(&args[1..]).await,
        _ => Err("usage: bench_clone e2e [--runs N] [SITE...] | fidelity [DIR...]".into()),
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A browser, a pool of one local sandbox (when clones get a preview) and a store in a
/// temporary directory.
struct Bench {
    browser: Arc<Browser>,
    template: InstalledTemplate,
    pool: Option<Arc<SandboxPool>>,
    store: CloneStore,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

impl Bench {
    /// `preview`: clones run in a warm `next dev` sandbox as in `replica clone`; without, the
    /// pipeline stops after validation (a production build is measured instead).
    async fn start(preview: bool) -> Result<Bench, Error> {
        let template =
            tokio::task::spawn_blocking(|| install_template(&default_cache_dir())).await??;
        let sandboxes = tempfile::TempDir::new()?;
        let data = tempfile::TempDir::new()?;
        let mut config = LocalConfig::new(template.clone());
        config.sandboxes_dir = sandboxes.path().to_path_buf();
        let pool = preview.then(|| {
            Arc::new(SandboxPool::new(
                Arc::new(LocalProvider::new(config)),
                PoolConfig {
                    size: 1,
                    release: ReleasePolicy::Destroy,
                    replenish_delay: PoolConfig::DEFAULT_REPLENISH_DELAY,
                },
            ))
        });
        Ok(Bench {
            browser: Arc::new(Browser::launch(&BrowserConfig::from_env()).await?),
            template,
            pool,
            store: CloneStore::open(data.path())?,
            _dirs: (sandboxes, data),
        })
    }

    fn deps(&self) -> PipelineDeps {
        PipelineDeps {
            source: Arc::clone(&self.browser) as _,
            sandboxes: self.pool.as_ref().map(|pool| Arc::clone(pool) as _),
            model: None,
            store: self.store.clone(),
            scrape_options: ScrapeOptions {
                policy: UrlPolicy::allow_all(),
                ..ScrapeOptions::default()
            },
            localize_assets: true,
            compile_timeout: Duration::from_secs(30),
            preview_routes: None,
        }
    }

    /// One clone, with a warm sandbox waiting when there is a pool: the outcome and the time
    /// to `compiled`.
    async fn clone(&self, url: String, style: StyleKind) -> Result<Cloned, Error> {
        if let Some(pool) = &self.pool {
            pool.wait_warm(1, Duration::from_secs(180)).await?;
        }
        let mut request = CloneRequest::new(url);
        request.style = style;
        request.preview = self.pool.is_some();
        let started = Instant::now();
        let mut run = replica_pipeline::start_clone(request, self.deps())?;
        let mut compiled = None;
        let mut warnings = Vec::new();
        while let Some(event) = run.events.recv().await {
            match event {
                PipelineEvent::Compiled => compiled = Some(started.elapsed()),
                PipelineEvent::Warning { message } => warnings.push(message),
                _ => {}
            }
        }
        let mut outcome = run.finish().await?;
        if let Some(sandbox) = outcome.sandbox.take() {
            let _ = sandbox.destroy().await;
        }
        Ok(Cloned {
            outcome,
            compiled,
            warnings,
        })
    }
}

impl Bench {
    /// The clone as users deploy it (DESIGN.md §8): its files built with `next build`, served
    /// by `next start`, scraped like the original and compared with it. With `out`, the
    /// built project, the clone's scrape and each device's original, clone, diff and the
    /// three side by side (`side.png`) are kept there.
    async fn measure_built(
        &self,
        outcome: &CloneOutcome,
        out: Option<&Path>,
    ) -> Result<Option<(f64, f64)>, Error> {
        let Some(original) = &outcome.scrape else {
            return Ok(None);
        };
        let temp = tempfile::TempDir::new()?;
        let root = match out {
            Some(out) => {
                if out.exists() {
                    std::fs::remove_dir_all(out)?;
                }
                out.to_path_buf()
            }
            None => temp.path().to_path_buf(),
        };
        let server = ProductionServer::start(
            &self.template,
            &root.join("build"),
            &outcome.files,
            &ProductionConfig::default(),
        )
        .await?;
        let options = ScrapeOptions {
            policy: UrlPolicy::allow_all(),
            ..ScrapeOptions::default()
        };
        let clone = self.browser.scrape(server.url(), &options).await?;
        drop(server);
        let mut scores = Vec::new();
        for device in [Device::Desktop, Device::Mobile] {
            let (a, b) = (
                &original.device(device).screenshots.full_page.png,
                &clone.device(device).screenshots.full_page.png,
            );
            let comparison =
                replica_visual_diff::compare_encoded(a, b, &CompareOptions::default())?;
            scores.push(comparison.similarity);
            if out.is_some() {
                let dir = root.join(format!("{device:?}").to_lowercase());
                std::fs::create_dir_all(&dir)?;
                std::fs::write(dir.join("original.png"), a)?;
                std::fs::write(dir.join("clone.png"), b)?;
                std::fs::write(dir.join("diff.png"), comparison.diff_png()?)?;
                side_by_side(&[a, b, &comparison.diff_png()?])?.save(dir.join("side.png"))?;
            }
        }
        if out.is_some() {
            clone.save(&root.join("clone-scrape"))?;
            // Webpack's cache is most of a build's size and of no use afterwards.
            let _ = std::fs::remove_dir_all(root.join("build/project/.next/cache"));
        }
        Ok(Some((scores[0], scores[1])))
    }
}

/// PNGs next to each other, top-aligned, 16 px of grey between them.
fn side_by_side(pngs: &[&[u8]]) -> Result<image::RgbaImage, Error> {
    const GAP: u32 = 16;
    let images: Vec<image::RgbaImage> = pngs
        .iter()
        .map(|png| Ok(image::load_from_memory(png)?.to_rgba8()))
        .collect::<Result<_, Error>>()?;
    let width = images.iter().map(|i| i.width() + GAP).sum::<u32>() - GAP;
    let height = images
        .iter()
        .map(image::RgbaImage::height)
        .max()
        .unwrap_or(0);
    let mut canvas = image::RgbaImage::from_pixel(width, height, image::Rgba([128, 128, 128, 255]));
    let mut x = 0;
    for image in &images {
        image::imageops::overlay(&mut canvas, image, i64::from(x), 0);
        x += image.width() + GAP;
    }
    Ok(canvas)
}

/// One page in one style: (desktop, mobile) when the preview was measured, and whether it
/// compiled.
type PageScore = (Option<(f64, f64)>, bool);

struct Cloned {
    outcome: CloneOutcome,
    /// Time to the `compiled` event, if it came.
    compiled: Option<Duration>,
    /// The run's `warning` events: why a similarity is missing, for one.
    warnings: Vec<String>,
}

fn median<T: Copy + PartialOrd>(values: &mut [T]) -> Option<T> {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values.get(values.len() / 2).copied()
}

fn site_names(dir: &Path) -> Result<Vec<String>, Error> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .flatten()
        .filter(|entry| entry.path().join("index.html").is_file())
        .filter_map(|entry| entry.file_name().to_str().map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}

async fn e2e(args: &[String]) -> Result<(), Error> {
    let mut runs = 3usize;
    let mut sites = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().ok_or("--runs needs a number")?.parse()?,
            site => sites.push(site.to_string()),
        }
    }
    let dir = root().join("fixtures/sites");
    if sites.is_empty() {
        sites = site_names(&dir)?;
    }
    let server = FixtureServer::start(&dir).await?;
    let bench = Bench::start(true).await?;
    println!(
        "{:<14} {:>10} {:>8} {:>7} {:>6} {:>9} {:>9} {:>9} {:>7} {:>8}",
        "site",
        "compiled s",
        "scrape",
        "design",
        "plan",
        "generate",
        "assemble",
        "validate",
        "deploy",
        "compile"
    );
    let mut all_compiled = Vec::new();
    let mut stages: Vec<StepTimings> = Vec::new();
    for site in &sites {
        let mut compiled = Vec::new();
        let mut timings = Vec::new();
        for _ in 0..runs {
            let cloned = bench
                .clone(server.url(&format!("/{site}/")), StyleKind::Faithful)
                .await?;
            match cloned.compiled {
                Some(time) => compiled.push(time.as_secs_f64()),
                None => eprintln!("{site}: did not compile: {:?}", cloned.outcome.error),
            }
            timings.push(cloned.outcome.timings);
        }
        let stage = |pick: fn(&StepTimings) -> u64| {
            let mut values: Vec<u64> = timings.iter().map(pick).collect();
            median(&mut values).unwrap_or(0)
        };
        let row = StepTimings {
            scrape: stage(|t| t.scrape),
            design: stage(|t| t.design),
            plan: stage(|t| t.plan),
            generate: stage(|t| t.generate),
            assemble: stage(|t| t.assemble),
            validate: stage(|t| t.validate),
            deploy: stage(|t| t.deploy),
            compile: stage(|t| t.compile),
            inspect: stage(|t| t.inspect),
            sandbox_wait: stage(|t| t.sandbox_wait),
            to_compiled: stage(|t| t.to_compiled),
            total: stage(|t| t.total),
        };
        let site_median = median(&mut compiled).unwrap_or(f64::NAN);
        all_compiled.push(site_median);
        println!(
            "{site:<14} {site_median:>10.2} {:>8} {:>7} {:>6} {:>9} {:>9} {:>9} {:>7} {:>8}",
            row.scrape,
            row.design,
            row.plan,
            row.generate,
            row.assemble,
            row.validate,
            row.deploy,
            row.compile
        );
        stages.extend(timings);
    }
    let overall = median(&mut all_compiled).unwrap_or(f64::NAN);
    println!(
        "\nmedian time to compiled over {} sites, {runs} runs each: {overall:.2} s (target: at most 8 s); stage times in ms",
        sites.len()
    );
    Ok(())
}

/// What `bench_clone fidelity` was asked for.
struct FidelityArgs {
    styles: Vec<StyleKind>,
    dirs: Vec<PathBuf>,
    /// Measure the pipeline's own `next dev` preview instead of a production build.
    dev: bool,
    /// Keep each page's captures, diff images and built project here.
    out: Option<PathBuf>,
}

fn fidelity_args(args: &[String]) -> Result<FidelityArgs, Error> {
    let mut styles = vec![StyleKind::Faithful, StyleKind::Tailwind];
    let mut given = Vec::new();
    let (mut dev, mut out) = (false, None);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--style" => {
                styles = match rest.next().map(String::as_str) {
                    Some("faithful") => vec![StyleKind::Faithful],
                    Some("tailwind") => vec![StyleKind::Tailwind],
                    _ => return Err("--style needs faithful or tailwind".into()),
                }
            }
            "--dev" => dev = true,
            "--out" => out = Some(PathBuf::from(rest.next().ok_or("--out needs a directory")?)),
            dir => given.push(PathBuf::from(dir)),
        }
    }
    let dirs: Vec<PathBuf> = if given.is_empty() {
        let mut dirs = vec![root().join("fixtures/sites")];
        for corpus in ["corpus", "corpus-d2c"] {
            let dir = root().join("..").join("shared").join(corpus);
            if dir.is_dir() {
                dirs.push(dir);
            }
        }
        dirs
    } else {
        given
    };
    Ok(FidelityArgs {
        styles,
        dirs,
        dev,
        out,
    })
}

async fn fidelity(args: &[String]) -> Result<(), Error> {
    let args = fidelity_args(args)?;
    let bench = Bench::start(args.dev).await?;
    let mut header = format!("{:<34}", "page");
    for style in &args.styles {
        header += &format!(
            " {:>9} {:>6} {:>8} {:>8} {:>6}",
            format!("{style:?}").to_lowercase(),
            "errors",
            "desktop",
            "mobile",
            "s"
        );
    }
    println!("{header}");
    let mut rows: Vec<(String, String, Vec<PageScore>)> = Vec::new();
    for dir in &args.dirs {
        let server = FixtureServer::start(dir).await?;
        let corpus = dir.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        for page in site_names(dir)? {
            let name = format!("{corpus}/{page}");
            let mut row = Vec::new();
            let mut line = format!("{name:<34}");
            for &style in &args.styles {
                let started = Instant::now();
                let cloned = bench.clone(server.url(&format!("/{page}/")), style).await?;
                let measured = if args.dev {
                    Ok(cloned.outcome.similarity.map(|s| (s.desktop, s.mobile)))
                } else {
                    let out = args.out.as_ref().map(|out| {
                        out.join(format!("{name}-{}", format!("{style:?}").to_lowercase()))
                    });
                    bench.measure_built(&cloned.outcome, out.as_deref()).await
                };
                let (measured, failure) = match measured {
                    Ok(measured) => (measured, None),
                    Err(error) => (None, Some(error.to_string())),
                };
                // Measured as built: `next build` passed (it compiles what `next dev` would).
                let compiled = if args.dev {
                    cloned.compiled.is_some()
                } else {
                    failure.is_none() && measured.is_some()
                };
                row.push((measured, compiled));
                line += &score_cells(
                    compiled,
                    cloned.outcome.validation_errors,
                    measured,
                    started.elapsed(),
                );
                if let Some((stage, message)) = &cloned.outcome.error {
                    eprintln!("{name}: {stage}: {message}");
                }
                if let Some(failure) = failure {
                    eprintln!("{name} ({style:?}): {failure}");
                } else if measured.is_none() {
                    for warning in &cloned.warnings {
                        eprintln!("{name} ({style:?}): {warning}");
                    }
                }
            }
            println!("{line}");
            rows.push((name, line, row));
        }
    }
    let how = if args.dev {
        "next dev"
    } else {
        "next build + next start"
    };
    for (slot, style) in args.styles.iter().enumerate() {
        print_summary(&rows, slot, *style, how);
    }
    Ok(())
}

/// One style's cells of a page's line.
fn score_cells(
    compiled: bool,
    errors: usize,
    measured: Option<(f64, f64)>,
    took: Duration,
) -> String {
    let score = |value: Option<f64>| match value {
        Some(value) => format!("{value:>8.4}"),
        None => format!("{:>8}", "n/a"),
    };
    format!(
        " {:>9} {errors:>6} {} {} {:>6.1}",
        if compiled { "compiled" } else { "FAILED" },
        score(measured.map(|m| m.0)),
        score(measured.map(|m| m.1)),
        took.as_secs_f64()
    )
}

/// The means, the pages under 0.99 and 0.95, and the table again worst first.
fn print_summary(
    rows: &[(String, String, Vec<PageScore>)],
    slot: usize,
    style: StyleKind,
    how: &str,
) {
    let name = format!("{style:?}").to_lowercase();
    let measured: Vec<(f64, f64)> = rows.iter().filter_map(|row| row.2[slot].0).collect();
    let n = measured.len().max(1) as f64;
    let desktop = measured.iter().map(|m| m.0).sum::<f64>() / n;
    let mobile = measured.iter().map(|m| m.1).sum::<f64>() / n;
    let worst_of = |m: &(f64, f64)| m.0.min(m.1);
    let worst = measured.iter().map(worst_of).fold(f64::INFINITY, f64::min);
    let below = |limit: f64| measured.iter().filter(|m| worst_of(m) < limit).count();
    let compiled = rows.iter().filter(|row| row.2[slot].1).count();
    let mut ranked: Vec<&(String, String, Vec<PageScore>)> = rows.iter().collect();
    // Unmeasured pages first, then the lowest of the two devices.
    ranked.sort_by(|a, b| {
        let key =
            |row: &&(String, String, Vec<PageScore>)| row.2[slot].0.map_or(-1.0, |m| worst_of(&m));
        key(a).total_cmp(&key(b))
    });
    println!("\n{name}, worst first ({how}):");
    for (page, _, row) in ranked {
        let cell =
            |value: Option<f64>| value.map_or_else(|| "n/a".to_string(), |v| format!("{v:.4}"));
        let (measured, _) = row[slot];
        println!(
            "{page:<34} {:>8} {:>8}",
            cell(measured.map(|m| m.0)),
            cell(measured.map(|m| m.1))
        );
    }
    println!(
        "{name}: mean desktop {desktop:.4}, mean mobile {mobile:.4}, worst page {worst:.4}, \
         {} below 0.99, {} below 0.95 (over {} measured; {} not measured), compiled {compiled}/{} \
         ({how})",
        below(0.99),
        below(0.95),
        measured.len(),
        rows.len() - measured.len(),
        rows.len()
    );
}
