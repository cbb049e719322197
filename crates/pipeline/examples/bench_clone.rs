//! Whole clones as users run them, with real Chromium and real `next dev` sandboxes.
//!
//! `bench_clone e2e [--runs N] [SITE...]`: the time from the request to `compiled` for each
//! fixture site with a warm pool (one sandbox warm before every clone), median over N runs
//! (default 3), with each stage's median and the peak RSS of this process (the pipeline) and of
//! its children (browser, chromedriver, `next dev`) over the runs, measured as `scale` does.
//! Target (issue 25): median at most 5 s, no site above 6 s.
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
//! run's warnings say why, and the means leave it out. Each style's cells end with the `next
//! lint` errors and warnings of the project in TypeScript (the clone measured) and in
//! JavaScript (the same page written again without a preview; `--no-lint` leaves both out,
//! for time), and the size of its CSS in KB.
//!
//! `bench_clone site [--pages N] [DIR]`: a whole-site clone against its pages cloned one by
//! one (see `site`).
//!
//! `bench_clone scale [N...]`: a generated page of N sections (default 10, 40, 160; text,
//! images, card grids and tables in turn, so its height grows with N) served locally and cloned
//! through every stage into a warm local sandbox; each stage's time and the peak RSS of this
//! process (the pipeline) and of its children (browser, chromedriver, `next dev`) per N. Targets:
//! 16x the sections at most 20x the time in every stage, peak RSS at N = 160 at most 2 GB.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use replica_core::{
    Device, Lang, PipelineEvent, ProjectFiles, ScrapeOptions, StepTimings, UrlPolicy,
};
use replica_fixture_server::FixtureServer;
use replica_pipeline::{CloneOutcome, CloneRequest, CloneStore, OutputStyle, PipelineDeps};
use replica_sandbox_pool::{
    InstalledTemplate, LocalConfig, LocalProvider, PoolConfig, ProductionConfig, ProductionServer,
    ReleasePolicy, SandboxPool, default_cache_dir, install_template, write_project_files,
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
        Some("scale") => scale(&args[1..]).await,
        Some("site") => site(&args[1..]).await,
        _ => Err(
            "usage: bench_clone e2e [--runs N] [SITE...] | fidelity [DIR...] | scale [N...] | site [--pages N] [DIR]"
                .into(),
        ),
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
        let template = tokio::task::spawn_blocking(|| {
            install_template(&default_cache_dir(|name| std::env::var(name).ok()))
        })
        .await??;
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
            browser: Arc::new(
                Browser::launch(&BrowserConfig::from_lookup(|name| std::env::var(name).ok()))
                    .await?,
            ),
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
    async fn clone(&self, url: String, style: OutputStyle) -> Result<Cloned, Error> {
        if let Some(pool) = &self.pool {
            pool.wait_warm(1, Duration::from_secs(180)).await?;
        }
        let mut request = CloneRequest::new(url);
        request.style = style;
        request.preview = self.pool.is_some();
        self.run(request).await
    }

    /// The files of a clone in `lang`, without a preview.
    async fn files_only(
        &self,
        url: String,
        style: OutputStyle,
        lang: Lang,
    ) -> Result<Cloned, Error> {
        let mut request = CloneRequest::new(url);
        request.style = style;
        request.lang = lang;
        request.preview = false;
        self.run(request).await
    }

    /// `next lint` over `files` on the template's install: (errors, warnings), `None` when it
    /// could not run.
    fn lint(&self, files: &ProjectFiles) -> Option<(usize, usize)> {
        let dir = tempfile::TempDir::new().ok()?;
        write_project_files(dir.path(), files).ok()?;
        std::os::unix::fs::symlink(
            self.template.node_modules(),
            dir.path().join("node_modules"),
        )
        .ok()?;
        let output = std::process::Command::new("node")
            .arg(self.template.node_modules().join("next/dist/bin/next"))
            .arg("lint")
            .current_dir(dir.path())
            .env("NEXT_TELEMETRY_DISABLED", "1")
            .stdin(std::process::Stdio::null())
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&output.stdout);
        let count = |word: &str| text.lines().filter(|line| line.contains(word)).count();
        Some((count("  Error: "), count("  Warning: ")))
    }

    async fn run(&self, request: CloneRequest) -> Result<Cloned, Error> {
        let started = Instant::now();
        let mut run = replica_pipeline::start_clone(request, self.deps())?;
        let mut compiled = None;
        let mut warnings = Vec::new();
        while let Some(event) = run.events.recv().await {
            match event {
                PipelineEvent::Compiled => compiled = Some(started.elapsed()),
                PipelineEvent::Warning { message, .. } => warnings.push(message),
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

/// One page in one style.
#[derive(Clone, Copy)]
struct PageScore {
    /// (desktop, mobile) when the clone was measured.
    measured: Option<(f64, f64)>,
    compiled: bool,
    /// `next lint` (errors, warnings) of the TypeScript and the JavaScript project.
    lint: [Option<(usize, usize)>; 2],
    css_kb: f64,
    /// (arbitrary-value classes, all classes) in the components' `className`s.
    classes: (usize, usize),
}

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
        "{:<14} {:>10} {:>8} {:>7} {:>6} {:>9} {:>9} {:>9} {:>7} {:>8} {:>10} {:>14}",
        "site",
        "compiled s",
        "scrape",
        "design",
        "plan",
        "generate",
        "assemble",
        "validate",
        "deploy",
        "compile",
        "replica MB",
        "children MB"
    );
    let mut all_compiled = Vec::new();
    let mut not_compiled: Vec<&str> = Vec::new();
    let mut stages: Vec<StepTimings> = Vec::new();
    let mut all_peak = Peak::default();
    for site in &sites {
        let mut compiled = Vec::new();
        let mut timings = Vec::new();
        // The highest of the site's runs, as in `scale`.
        let mut peak = Peak::default();
        for _ in 0..runs {
            let sampler = RssSampler::start();
            let cloned = bench
                .clone(server.url(&format!("/{site}/")), OutputStyle::Faithful)
                .await?;
            peak = peak.max(sampler.stop());
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
        // A site that never compiled has no time: it is counted, not sorted in as NaN.
        match site_median.is_nan() {
            true => not_compiled.push(site.as_str()),
            false => all_compiled.push(site_median),
        }
        println!(
            "{site:<14} {site_median:>10.2} {:>8} {:>7} {:>6} {:>9} {:>9} {:>9} {:>7} {:>8} {:>10.0} {:>6.0} / {:<6.0}",
            row.scrape,
            row.design,
            row.plan,
            row.generate,
            row.assemble,
            row.validate,
            row.deploy,
            row.compile,
            peak.own_mb,
            peak.children_rss_mb,
            peak.children_pss_mb
        );
        stages.extend(timings);
        all_peak = all_peak.max(peak);
    }
    let overall = median(&mut all_compiled).unwrap_or(f64::NAN);
    println!(
        "\nmedian time to compiled over {} sites, {runs} runs each: {overall:.2} s (target: at most 5 s, no site above 6 s); stage times in ms",
        all_compiled.len()
    );
    if !not_compiled.is_empty() {
        println!(
            "did not compile in any run (left out of the median): {}",
            not_compiled.join(", ")
        );
    }
    println!(
        "peak memory over all runs: replica {:.0} MB, children {:.0} MB RSS / {:.0} MB PSS (peaks per run, see RssSampler)",
        all_peak.own_mb, all_peak.children_rss_mb, all_peak.children_pss_mb
    );
    Ok(())
}

/// What `bench_clone fidelity` was asked for.
struct FidelityArgs {
    styles: Vec<OutputStyle>,
    dirs: Vec<PathBuf>,
    /// Measure the pipeline's own `next dev` preview instead of a production build.
    dev: bool,
    /// Keep each page's captures, diff images and built project here.
    out: Option<PathBuf>,
    /// Lint each project in both languages (the JavaScript one is generated again).
    lint: bool,
}

fn fidelity_args(args: &[String]) -> Result<FidelityArgs, Error> {
    let mut styles = vec![OutputStyle::Faithful, OutputStyle::Tailwind];
    let mut given = Vec::new();
    let (mut dev, mut out, mut lint) = (false, None, true);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--style" => {
                styles = match rest.next().map(String::as_str) {
                    Some("faithful") => vec![OutputStyle::Faithful],
                    Some("tailwind") => vec![OutputStyle::Tailwind],
                    _ => return Err("--style needs faithful or tailwind".into()),
                }
            }
            "--dev" => dev = true,
            "--no-lint" => lint = false,
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
        lint,
    })
}

async fn fidelity(args: &[String]) -> Result<(), Error> {
    let args = fidelity_args(args)?;
    let bench = Bench::start(args.dev).await?;
    let mut header = format!("{:<34}", "page");
    for style in &args.styles {
        header += &format!(
            " {:>9} {:>6} {:>8} {:>8} {:>6} {:>5} {:>5} {:>5} {:>5} {:>6} {:>5}",
            format!("{style:?}").to_lowercase(),
            "errors",
            "desktop",
            "mobile",
            "s",
            "tsE",
            "tsW",
            "jsE",
            "jsW",
            "cssKB",
            "arb%"
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
                let url = server.url(&format!("/{page}/"));
                let cloned = bench.clone(url.clone(), style).await?;
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
                let took = started.elapsed();
                let lint = if args.lint {
                    let javascript = bench.files_only(url, style, Lang::JavaScript).await?;
                    [
                        bench.lint(&cloned.outcome.files),
                        bench.lint(&javascript.outcome.files),
                    ]
                } else {
                    [None, None]
                };
                let score = PageScore {
                    measured,
                    compiled,
                    lint,
                    css_kb: css_bytes(&cloned.outcome.files) as f64 / 1024.0,
                    classes: class_counts(&cloned.outcome.files),
                };
                line += &score_cells(&score, cloned.outcome.validation_errors, took);
                row.push(score);
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
fn score_cells(page: &PageScore, errors: usize, took: Duration) -> String {
    let score = |value: Option<f64>| match value {
        Some(value) => format!("{value:>8.4}"),
        None => format!("{:>8}", "n/a"),
    };
    let count = |value: Option<usize>| match value {
        Some(value) => format!("{value:>5}"),
        None => format!("{:>5}", "n/a"),
    };
    let [ts, js] = page.lint;
    format!(
        " {:>9} {errors:>6} {} {} {:>6.1} {} {} {} {} {:>6.1} {:>5}",
        if page.compiled { "compiled" } else { "FAILED" },
        score(page.measured.map(|m| m.0)),
        score(page.measured.map(|m| m.1)),
        took.as_secs_f64(),
        count(ts.map(|l| l.0)),
        count(ts.map(|l| l.1)),
        count(js.map(|l| l.0)),
        count(js.map(|l| l.1)),
        page.css_kb,
        share(page.classes).map_or_else(|| "n/a".to_string(), |share| format!("{share:.1}")),
    )
}

/// Arbitrary-value classes as a percentage of all classes (`None` without classes).
fn share((arbitrary, all): (usize, usize)) -> Option<f64> {
    (all > 0).then(|| 100.0 * arbitrary as f64 / all as f64)
}

/// (arbitrary-value classes, all classes) in the `className="..."` of the project's
/// components and pages: a class with a `[...]` part (`w-[13px]`, `[filter:blur(2px)]`,
/// `md:[display:revert]`) is arbitrary.
fn class_counts(files: &ProjectFiles) -> (usize, usize) {
    let mut counts = (0, 0);
    for (path, file) in &files.files {
        if !(path.ends_with(".tsx") || path.ends_with(".jsx")) {
            continue;
        }
        let Ok(source) = std::str::from_utf8(&file.contents) else {
            continue;
        };
        // Class lists in attributes, and the shared ones in constants (`const itemClass = "`),
        // each counted where it is written.
        for opening in ["className=\"", "Class = \""] {
            let mut rest = source;
            while let Some(start) = rest.find(opening) {
                rest = &rest[start + opening.len()..];
                let end = rest.find('"').unwrap_or(rest.len());
                for class in rest[..end].split_whitespace() {
                    counts.1 += 1;
                    if class.contains('[') {
                        counts.0 += 1;
                    }
                }
                rest = &rest[end..];
            }
        }
    }
    counts
}

/// Bytes of the project's CSS files.
fn css_bytes(files: &ProjectFiles) -> usize {
    files
        .files
        .iter()
        .filter(|(path, _)| path.ends_with(".css"))
        .map(|(_, file)| file.contents.len())
        .sum()
}

/// The means, the pages under 0.99 and 0.95, and the table again worst first.
fn print_summary(
    rows: &[(String, String, Vec<PageScore>)],
    slot: usize,
    style: OutputStyle,
    how: &str,
) {
    let name = format!("{style:?}").to_lowercase();
    let measured: Vec<(f64, f64)> = rows.iter().filter_map(|row| row.2[slot].measured).collect();
    let n = measured.len().max(1) as f64;
    let desktop = measured.iter().map(|m| m.0).sum::<f64>() / n;
    let mobile = measured.iter().map(|m| m.1).sum::<f64>() / n;
    let worst_of = |m: &(f64, f64)| m.0.min(m.1);
    let worst = measured.iter().map(worst_of).fold(f64::INFINITY, f64::min);
    let below = |limit: f64| measured.iter().filter(|m| worst_of(m) < limit).count();
    let compiled = rows.iter().filter(|row| row.2[slot].compiled).count();
    let lint_total = |language: usize, pick: fn((usize, usize)) -> usize| -> usize {
        rows.iter()
            .filter_map(|row| row.2[slot].lint[language].map(pick))
            .sum()
    };
    let css_mean =
        rows.iter().map(|row| row.2[slot].css_kb).sum::<f64>() / rows.len().max(1) as f64;
    let classes = rows.iter().fold((0, 0), |sum, row| {
        let (arbitrary, all) = row.2[slot].classes;
        (sum.0 + arbitrary, sum.1 + all)
    });
    let most_arbitrary = rows
        .iter()
        .filter_map(|row| share(row.2[slot].classes).map(|share| (share, row.0.as_str())))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let mut ranked: Vec<&(String, String, Vec<PageScore>)> = rows.iter().collect();
    // Unmeasured pages first, then the lowest of the two devices.
    ranked.sort_by(|a, b| {
        let key = |row: &&(String, String, Vec<PageScore>)| {
            row.2[slot].measured.map_or(-1.0, |m| worst_of(&m))
        };
        key(a).total_cmp(&key(b))
    });
    println!("\n{name}, worst first ({how}):");
    for (page, _, row) in ranked {
        let cell =
            |value: Option<f64>| value.map_or_else(|| "n/a".to_string(), |v| format!("{v:.4}"));
        let measured = row[slot].measured;
        println!(
            "{page:<34} {:>8} {:>8}",
            cell(measured.map(|m| m.0)),
            cell(measured.map(|m| m.1))
        );
    }
    let linted = rows
        .iter()
        .any(|row| row.2[slot].lint.iter().any(Option::is_some));
    let lint = if linted {
        format!(
            "lint errors ts {} js {}, warnings ts {} js {}",
            lint_total(0, |l| l.0),
            lint_total(1, |l| l.0),
            lint_total(0, |l| l.1),
            lint_total(1, |l| l.1),
        )
    } else {
        "lint not run".to_string()
    };
    println!(
        "{name}: mean desktop {desktop:.4}, mean mobile {mobile:.4}, worst page {worst:.4}, \
         {} below 0.99, {} below 0.95 (over {} measured; {} not measured), compiled {compiled}/{} \
         ({how}); {lint}; mean CSS {css_mean:.1} KB; arbitrary-value classes {} of {} ({}), \
         most on one page {}",
        below(0.99),
        below(0.95),
        measured.len(),
        rows.len() - measured.len(),
        rows.len(),
        classes.0,
        classes.1,
        share(classes).map_or_else(|| "n/a".to_string(), |share| format!("{share:.1} %")),
        most_arbitrary.map_or_else(
            || "n/a".to_string(),
            |(share, page)| format!("{share:.1} % ({page})")
        ),
    );
}

/// `scale`: one clone per N of a generated page, stage times and peak memory, then each stage's
/// growth from the smallest N to the largest.
async fn scale(args: &[String]) -> Result<(), Error> {
    let mut sizes: Vec<usize> = args.iter().map(|n| n.parse()).collect::<Result<_, _>>()?;
    if sizes.is_empty() {
        sizes = vec![10, 40, 160];
    }
    let pages = tempfile::TempDir::new()?;
    for &n in &sizes {
        write_scale_page(&pages.path().join(format!("scale-{n}")), n)?;
    }
    let server = FixtureServer::start(pages.path()).await?;
    let bench = Bench::start(true).await?;
    // One untimed clone first, so the smallest N does not pay the browser's and the disk
    // cache's first use.
    bench
        .clone(
            server.url(&format!("/scale-{}/", sizes[0])),
            OutputStyle::Faithful,
        )
        .await?;
    const STAGES: [&str; 10] = [
        "scrape", "design", "plan", "generate", "assemble", "validate", "deploy", "compile",
        "inspect", "total",
    ];
    let stage_values = |t: &StepTimings| {
        [
            t.scrape, t.design, t.plan, t.generate, t.assemble, t.validate, t.deploy, t.compile,
            t.inspect, t.total,
        ]
    };
    let mut header = format!("{:>5} {:>9} {:>9}", "N", "html KB", "compiled");
    for stage in STAGES {
        header += &format!(" {stage:>8}");
    }
    println!(
        "{header} {:>12} {:>14}  (stage times in ms)",
        "replica MB", "children MB"
    );
    let mut rows = Vec::new();
    for &n in &sizes {
        let html = std::fs::metadata(pages.path().join(format!("scale-{n}/index.html")))?.len();
        let sampler = RssSampler::start();
        let cloned = bench
            .clone(server.url(&format!("/scale-{n}/")), OutputStyle::Faithful)
            .await?;
        let peak = sampler.stop();
        if let Some((stage, message)) = &cloned.outcome.error {
            eprintln!("N = {n}: {stage}: {message}");
        }
        // Kept for `cargo xtask bench plan target/bench/scale/scrape-N`: stages C and D
        // alone on the same page, without a browser.
        if let Some(scrape) = &cloned.outcome.scrape {
            scrape.save(&root().join(format!("target/bench/scale/scrape-{n}")))?;
        }
        let values = stage_values(&cloned.outcome.timings);
        let mut line = format!(
            "{n:>5} {:>9} {:>9}",
            html / 1024,
            cloned
                .compiled
                .map_or("no".to_owned(), |t| format!("{:.2} s", t.as_secs_f64()))
        );
        for value in values {
            line += &format!(" {value:>8}");
        }
        println!(
            "{line} {:>10.0} {:>8.0} / {:<6.0}",
            peak.own_mb, peak.children_rss_mb, peak.children_pss_mb
        );
        rows.push((n, values));
    }
    print_growth(&rows, &STAGES);
    Ok(())
}

/// `site [--pages N] [DIR]`: a whole-site clone of N pages (default 5) of DIR (default
/// fixtures/multi-sites/acme; its `index.html` is the start page), then each of its pages
/// cloned alone, one after another; wall time from request to `done` (measurements
/// included) and peak RSS of each. Target: the site at most half the singles' sum.
async fn site(args: &[String]) -> Result<(), Error> {
    let mut pages = 5usize;
    let mut dir = root().join("fixtures/multi-sites/acme");
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--pages" => pages = args.next().ok_or("--pages needs a number")?.parse()?,
            path => dir = PathBuf::from(path),
        }
    }
    let name = dir
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or("DIR has no name")?
        .to_string();
    let server = FixtureServer::start(dir.parent().ok_or("DIR has no parent")?).await?;
    let bench = Bench::start(true).await?;
    let start = server.url(&format!("/{name}/"));
    // One untimed clone first: the browser's and the disk cache's first use.
    bench.clone(start.clone(), OutputStyle::Faithful).await?;
    let timed = async |request: CloneRequest| -> Result<(Cloned, Duration, (f64, f64)), Error> {
        if let Some(pool) = &bench.pool {
            pool.wait_warm(1, Duration::from_secs(180)).await?;
        }
        let sampler = RssSampler::start();
        let started = Instant::now();
        let cloned = bench.run(request).await?;
        let took = started.elapsed();
        let peak = sampler.stop();
        Ok((cloned, took, (peak.own_mb, peak.children_rss_mb)))
    };
    let mut request = CloneRequest::new(start);
    request.pages = pages;
    let (site, site_time, site_mb) = timed(request).await?;
    if let Some((stage, message)) = &site.outcome.error {
        eprintln!("site: {stage}: {message}");
    }
    println!(
        "{:<28} {:>9} {:>9} {:>9} {:>12} {:>12}",
        "page", "desktop", "mobile", "seconds", "replica MB", "children MB"
    );
    let score = |s: Option<replica_core::SimilarityScores>| {
        s.map_or(("n/a".to_string(), "n/a".to_string()), |s| {
            (format!("{:.4}", s.desktop), format!("{:.4}", s.mobile))
        })
    };
    let mut singles = Duration::ZERO;
    let mut single_sums = [0u64; 3];
    for page in &site.outcome.pages {
        let mut request = CloneRequest::new(server.url(&page.path));
        request.pages = 1;
        let (single, took, (own, children)) = timed(request).await?;
        singles += took;
        let t = &single.outcome.timings;
        for (sum, stage) in single_sums
            .iter_mut()
            .zip([t.scrape, t.to_compiled, t.inspect])
        {
            *sum += stage;
        }
        let (desktop, mobile) = score(single.outcome.similarity);
        let (in_site_desktop, in_site_mobile) = score(page.similarity);
        println!(
            "{:<28} {:>9} {:>9} {:>9.1} {own:>12.0} {children:>12.0}   in the site: {in_site_desktop} {in_site_mobile}",
            page.path,
            desktop,
            mobile,
            took.as_secs_f64()
        );
    }
    let (desktop, mobile) = score(site.outcome.similarity);
    println!(
        "{:<28} {:>9} {:>9} {:>9.1} {:>12.0} {:>12.0}",
        format!("site ({} pages)", site.outcome.pages.len()),
        desktop,
        mobile,
        site_time.as_secs_f64(),
        site_mb.0,
        site_mb.1
    );
    let t = &site.outcome.timings;
    println!(
        "site's stages (ms): scrape and crawl {}, plan {}, generate {}, assemble {}, deploy {}, compile {}, to compiled {}, inspect {}",
        t.scrape, t.plan, t.generate, t.assemble, t.deploy, t.compile, t.to_compiled, t.inspect
    );
    println!(
        "singles' sums (ms): scrape {}, to compiled {}, inspect {}",
        single_sums[0], single_sums[1], single_sums[2]
    );
    println!(
        "\nsite {:.1} s, singles in a row {:.1} s: {:.2}x (target: at most 0.5x)",
        site_time.as_secs_f64(),
        singles.as_secs_f64(),
        site_time.as_secs_f64() / singles.as_secs_f64()
    );
    Ok(())
}

/// Each stage's growth from one N to the next against the sections' (allowed: 20/16 of it). A
/// step whose smaller time is under 20 ms is too short to read a ratio from.
fn print_growth(rows: &[(usize, [u64; 10])], stages: &[&str; 10]) {
    println!("\ngrowth per step (time ratio / sections ratio; over 1.25 is superlinear):");
    for (slot, stage) in stages.iter().enumerate() {
        let mut line = format!("  {stage:<9}");
        for pair in rows.windows(2) {
            let ((n_a, a), (n_b, b)) = (&pair[0], &pair[1]);
            let (a, b) = (a[slot], b[slot]);
            let sections = *n_b as f64 / *n_a as f64;
            let growth = b as f64 / a.max(1) as f64 / sections;
            let verdict = if a < 20 {
                "too short"
            } else if growth <= 1.25 {
                "ok"
            } else {
                "SUPERLINEAR"
            };
            line += &format!("  {n_a}->{n_b}: {a}->{b} ms {growth:.2} {verdict:<11}");
        }
        println!("{line}");
    }
}

/// Peak resident memory while a clone runs: this process's (the kernel's high-water mark,
/// reset at the start) and the sums over its descendants, sampled every 100 ms: of RSS, which
/// counts pages the browser's processes share once per process (an upper bound), and of PSS,
/// which splits shared pages between their processes.
struct RssSampler {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<(u64, u64)>,
}

impl RssSampler {
    fn start() -> RssSampler {
        // "5" resets VmHWM to the current RSS (proc(5), clear_refs).
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut peak = (0, 0);
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                let (rss, pss) = descendants_kb(std::process::id());
                peak = (peak.0.max(rss), peak.1.max(pss));
                std::thread::sleep(Duration::from_millis(100));
            }
            peak
        });
        RssSampler { stop, thread }
    }

    fn stop(self) -> Peak {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let (rss, pss) = self.thread.join().unwrap_or((0, 0));
        let own = status_kb(
            &std::fs::read_to_string("/proc/self/status").unwrap_or_default(),
            "VmHWM:",
        );
        Peak {
            own_mb: own as f64 / 1024.0,
            children_rss_mb: rss as f64 / 1024.0,
            children_pss_mb: pss as f64 / 1024.0,
        }
    }
}

/// What an [`RssSampler`] saw, in MB: this process's peak, its descendants' peak summed RSS and
/// summed PSS.
#[derive(Debug, Default, Clone, Copy)]
struct Peak {
    own_mb: f64,
    children_rss_mb: f64,
    children_pss_mb: f64,
}

impl Peak {
    /// Each figure's higher value.
    fn max(self, other: Peak) -> Peak {
        Peak {
            own_mb: self.own_mb.max(other.own_mb),
            children_rss_mb: self.children_rss_mb.max(other.children_rss_mb),
            children_pss_mb: self.children_pss_mb.max(other.children_pss_mb),
        }
    }
}

fn status_kb(status: &str, field: &str) -> u64 {
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
        .unwrap_or(0)
}

/// The summed RSS and PSS of every process below `root`, in KB.
fn descendants_kb(root: u32) -> (u64, u64) {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return (0, 0);
    };
    // (pid, parent pid) of every process, from /proc/PID/stat (the parent is the 2nd field
    // after the parenthesised name).
    let parents: Vec<(u32, u32)> = entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            let ppid = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut below = vec![root];
    let (mut rss, mut pss) = (0, 0);
    while let Some(parent) = below.pop() {
        for &(pid, _) in parents.iter().filter(|(_, ppid)| *ppid == parent) {
            below.push(pid);
            let rollup =
                std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
            rss += status_kb(&rollup, "Rss:");
            pss += status_kb(&rollup, "Pss:");
        }
    }
    (rss, pss)
}

/// `dir/index.html` with `n` sections, text, images, a card grid and a table in turn, and the
/// images it shows.
fn write_scale_page(dir: &Path, n: usize) -> Result<(), Error> {
    std::fs::create_dir_all(dir)?;
    for i in 0..6u8 {
        let image = image::RgbaImage::from_fn(400, 240, |x, y| {
            image::Rgba([(x / 2) as u8 ^ (i * 40), (y / 2) as u8, 90 + i * 25, 255])
        });
        image.save(dir.join(format!("photo-{i}.png")))?;
    }
    let words = "Measured pages grow; the clone must grow with them and no faster than they do";
    let mut body = String::new();
    for i in 0..n {
        body += &match i % 4 {
            0 => format!(
                "<section class=\"text\"><h2>Section {i}: notes</h2><p>{words}. {words}.</p><p>{words}, section {i}.</p></section>\n"
            ),
            1 => {
                let images: String = (0..3)
                    .map(|k| format!("<figure><img src=\"photo-{}.png\" width=\"400\" height=\"240\" alt=\"Photo {i}.{k}\"><figcaption>Photo {i}.{k}</figcaption></figure>", (i + k) % 6))
                    .collect();
                format!(
                    "<section class=\"images\"><h2>Section {i}: photos</h2><div class=\"row\">{images}</div></section>\n"
                )
            }
            2 => {
                let cards: String = (0..6)
                    .map(|k| format!("<div class=\"card\"><h3>Card {i}.{k}</h3><p>{words}.</p><a href=\"#s{i}\">More</a></div>"))
                    .collect();
                format!(
                    "<section class=\"grid\" id=\"s{i}\"><h2>Section {i}: cards</h2><div class=\"cards\">{cards}</div></section>\n"
                )
            }
            _ => {
                let rows: String = (0..8)
                    .map(|r| format!("<tr><td>Item {i}.{r}</td><td>{}</td><td>{}.{:02}</td><td>In stock</td></tr>", r * 7 + i, r + 3, (r * 13 + i) % 100))
                    .collect();
                format!(
                    "<section class=\"table\"><h2>Section {i}: prices</h2><table><thead><tr><th>Item</th><th>Count</th><th>Price</th><th>State</th></tr></thead><tbody>{rows}</tbody></table></section>\n"
                )
            }
        };
    }
    let css = "body{margin:0;font-family:'DejaVu Sans',sans-serif;color:#222;background:#fafafa}\
        header{background:#234;color:#fff;padding:24px 48px}section{padding:32px 48px;border-bottom:1px solid #ddd}\
        h2{margin:0 0 16px;font-size:28px}.row{display:flex;gap:16px}figure{margin:0}img{display:block;border-radius:8px}\
        .cards{display:grid;grid-template-columns:repeat(3,1fr);gap:16px}.card{background:#fff;padding:16px;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.2)}\
        table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:8px;text-align:left}th{background:#eef}";
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Scale {n}</title><style>{css}</style></head>\n<body><header><h1>A page of {n} sections</h1></header>\n{body}<footer><p>End of the page.</p></footer></body></html>\n"
    );
    std::fs::write(dir.join("index.html"), html)?;
    Ok(())
}
