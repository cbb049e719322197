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
//! with the means. The preview is measured as `next dev` serves it; where it could not be
//! measured the scores read `n/a`, the run's warnings say why, and the means leave it out.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use replica_core::{PipelineEvent, ScrapeOptions, StepTimings, UrlPolicy};
use replica_fixture_server::FixtureServer;
use replica_pipeline::{CloneOutcome, CloneRequest, CloneStore, PipelineDeps, StyleKind};
use replica_sandbox_pool::{
    LocalConfig, LocalProvider, PoolConfig, ReleasePolicy, SandboxPool, default_cache_dir,
    install_template,
};
use replica_scrape::{Browser, BrowserConfig};

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

/// A browser, a pool of one local sandbox and a store in a temporary directory.
struct Bench {
    browser: Arc<Browser>,
    pool: Arc<SandboxPool>,
    store: CloneStore,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

impl Bench {
    async fn start() -> Result<Bench, Error> {
        let template =
            tokio::task::spawn_blocking(|| install_template(&default_cache_dir())).await??;
        let sandboxes = tempfile::TempDir::new()?;
        let data = tempfile::TempDir::new()?;
        let mut config = LocalConfig::new(template);
        config.sandboxes_dir = sandboxes.path().to_path_buf();
        let pool = Arc::new(SandboxPool::new(
            Arc::new(LocalProvider::new(config)),
            PoolConfig {
                size: 1,
                release: ReleasePolicy::Destroy,
                replenish_delay: PoolConfig::DEFAULT_REPLENISH_DELAY,
            },
        ));
        Ok(Bench {
            browser: Arc::new(Browser::launch(&BrowserConfig::from_env()).await?),
            pool,
            store: CloneStore::open(data.path())?,
            _dirs: (sandboxes, data),
        })
    }

    fn deps(&self) -> PipelineDeps {
        PipelineDeps {
            source: Arc::clone(&self.browser) as _,
            sandboxes: Some(Arc::clone(&self.pool) as _),
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

    /// One clone with a warm sandbox waiting: the outcome and the time to `compiled`.
    async fn clone(&self, url: String, style: StyleKind) -> Result<Cloned, Error> {
        self.pool.wait_warm(1, Duration::from_secs(180)).await?;
        let mut request = CloneRequest::new(url);
        request.style = style;
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
        let total = started.elapsed();
        if let Some(sandbox) = outcome.sandbox.take() {
            let _ = sandbox.destroy().await;
        }
        Ok(Cloned {
            outcome,
            compiled,
            total,
            warnings,
        })
    }
}

/// One page in one style: (desktop, mobile) when the preview was measured, and whether it
/// compiled.
type PageScore = (Option<(f64, f64)>, bool);

struct Cloned {
    outcome: CloneOutcome,
    /// Time to the `compiled` event, if it came.
    compiled: Option<Duration>,
    total: Duration,
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
    let bench = Bench::start().await?;
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

async fn fidelity(args: &[String]) -> Result<(), Error> {
    let mut styles = vec![StyleKind::Faithful, StyleKind::Tailwind];
    let mut given = Vec::new();
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
    let bench = Bench::start().await?;
    let mut header = format!("{:<34}", "page");
    for style in &styles {
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
    let mut rows: Vec<Vec<PageScore>> = Vec::new();
    for dir in &dirs {
        let server = FixtureServer::start(dir).await?;
        let corpus = dir.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        for page in site_names(dir)? {
            let mut row = Vec::new();
            let mut line = format!("{:<34}", format!("{corpus}/{page}"));
            for &style in &styles {
                let cloned = bench.clone(server.url(&format!("/{page}/")), style).await?;
                let outcome = &cloned.outcome;
                let measured = outcome.similarity.map(|s| (s.desktop, s.mobile));
                row.push((measured, cloned.compiled.is_some()));
                let score = |value: Option<f64>| match value {
                    Some(value) => format!("{value:>8.4}"),
                    None => format!("{:>8}", "n/a"),
                };
                line += &format!(
                    " {:>9} {:>6} {} {} {:>6.1}",
                    if cloned.compiled.is_some() {
                        "compiled"
                    } else {
                        "FAILED"
                    },
                    outcome.validation_errors,
                    score(measured.map(|m| m.0)),
                    score(measured.map(|m| m.1)),
                    cloned.total.as_secs_f64()
                );
                if let Some((stage, message)) = &outcome.error {
                    eprintln!("{corpus}/{page}: {stage}: {message}");
                }
                if measured.is_none() {
                    for warning in &cloned.warnings {
                        eprintln!("{corpus}/{page} ({style:?}): {warning}");
                    }
                }
            }
            println!("{line}");
            rows.push(row);
        }
    }
    for (slot, style) in styles.iter().enumerate() {
        let name = format!("{style:?}").to_lowercase();
        let measured: Vec<(f64, f64)> = rows.iter().filter_map(|row| row[slot].0).collect();
        let n = measured.len().max(1) as f64;
        let desktop = measured.iter().map(|m| m.0).sum::<f64>() / n;
        let mobile = measured.iter().map(|m| m.1).sum::<f64>() / n;
        let worst = measured
            .iter()
            .map(|m| m.0.min(m.1))
            .fold(f64::INFINITY, f64::min);
        let compiled = rows.iter().filter(|row| row[slot].1).count();
        println!(
            "{name}: mean desktop {desktop:.4}, mean mobile {mobile:.4}, worst page {worst:.4} \
             (over {} measured; {} not measured), compiled {compiled}/{}",
            measured.len(),
            rows.len() - measured.len(),
            rows.len()
        );
    }
    Ok(())
}
