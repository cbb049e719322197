//! `replica`: the command line (stdout = result, stderr = progress) and, later, the SSE server.

mod chat;
mod clone;
mod compare;
mod config;
mod deps;
mod diff;
mod env;
mod handoff;
mod policy;
mod server;
mod stdout;
mod summary;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::stdout::{out, outln};
use anyhow::Context;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use replica_core::ScrapeOptions;

#[derive(Debug, Parser)]
#[command(
    name = "replica",
    version,
    about = "Clone a live web page into an editable Next.js project"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Clone a page into a Next.js project, run it in a sandbox and check that it compiles.
    Clone(clone::CloneArgs),
    /// Talk to a clone (or a Next.js directory): the agent edits it with tools, a checkpoint
    /// before each turn; `/undo` and `/checkpoints` at the prompt, or --message, --undo,
    /// --checkpoints for scripts.
    Chat(chat::ChatArgs),
    /// Build a Next.js project from a description with the agent, until it compiles.
    New(chat::NewArgs),
    /// Measure how alike two pages render (desktop and mobile): pixel similarity, diff images
    /// and computed-style differences, written to DIR.
    Compare(compare::CompareArgs),
    /// Compare two screenshots (PNG or JPEG) pixel by pixel, as a clone is measured: the
    /// similarity, a diff image with --out, exit code 1 under --fail-below.
    Diff(diff::DiffArgs),
    /// Show what Replica picked up from the environment: language model, browser, directories.
    Config {
        /// Print one JSON object instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Scrape a page in headless Chromium (desktop and mobile) into DIR/scrape.json and PNGs.
    Scrape {
        url: String,
        /// Directory to write scrape.json and the screenshots into.
        #[arg(long)]
        out: PathBuf,
        /// Print one JSON object on stdout instead of a summary.
        #[arg(long)]
        json: bool,
        /// Seconds to wait for the page to load.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
        /// Refuse private, loopback, link-local and metadata addresses, for the page and
        /// everything it loads (the server's policy), except the --allow-origin origins.
        #[arg(long, alias = "public-only")]
        deny_private: bool,
        #[command(flatten)]
        policy: policy::PolicyArgs,
    },
    /// Serve the HTTP API: clones streamed as server-sent events, the clone store, screenshots.
    Serve(server::ServeArgs),
    /// Check a Next.js project's JSX (syntax, imports, Next.js rules); exit code 1 on errors.
    Validate {
        dir: PathBuf,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::from_arg_matches(&env::with_help(Cli::command()).get_matches()) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    init_logging(matches!(cli.command, Command::Serve(_)));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        // The server handles SIGINT/SIGTERM itself: it shuts down gracefully and exits with 0.
        // `clone` too: a signal while it works cancels it, once done it only ends the preview.
        // `chat` and `new`: a signal stops the running turn; they end on their own after.
        if matches!(
            cli.command,
            Command::Serve(_) | Command::Clone(_) | Command::Chat(_) | Command::New(_)
        ) {
            return run(cli).await;
        }
        let signal = shutdown_signal()?;
        tokio::select! {
            result = run(cli) => result,
            // Dropping `run` stops everything it started (browsers included) before we exit.
            _ = signal => Err(anyhow::anyhow!("interrupted")),
        }
    });
    // Give spawned cleanup (WebDriver session shutdown) a moment, then stop.
    runtime.shutdown_timeout(Duration::from_secs(2));
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Clone(args) => {
            let mut config = config::Config::from_env()?;
            args.policy.apply(&mut config.browser)?;
            clone::run(args, &config).await
        }
        Command::Chat(args) => chat::chat(args, &config::Config::from_env()?).await,
        Command::New(args) => chat::new_project(args, &config::Config::from_env()?).await,
        Command::Compare(args) => compare::run(args).await,
        Command::Diff(args) => diff::run(&args),
        Command::Validate { dir, json } => validate::run(&dir, json),
        Command::Serve(args) => {
            let mut config = config::Config::from_env()?;
            args.policy.apply(&mut config.browser)?;
            server::run(args, &config).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Config { json } => {
            let config = config::Config::from_env()?;
            if json {
                outln!("{}", serde_json::to_string(&config.to_json())?);
            } else {
                out!("{config}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Scrape {
            url,
            out,
            json,
            timeout,
            deny_private,
            policy,
        } => {
            let options = ScrapeOptions {
                load_timeout: Duration::from_secs(timeout),
                policy: policy.cli_policy(deny_private)?,
                ..ScrapeOptions::default()
            };
            let mut browser = replica_scrape::BrowserConfig::from_lookup(env::lookup);
            policy.apply(&mut browser)?;
            eprintln!("scraping {url} (desktop 1280x720, mobile 375x667@2x)...");
            let browser = replica_scrape::Browser::launch(&browser).await?;
            let scraped = browser.scrape(&url, &options).await;
            browser.shutdown().await;
            let data = scraped?;
            data.save(&out)
                .with_context(|| format!("saving the scrape to {}", out.display()))?;
            if json {
                outln!("{}", serde_json::to_string(&summary::json(&data, &out))?);
            } else {
                out!("{}", summary::text(&data, &out));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Progress and diagnostics go to stderr; RUST_LOG=replica_scrape=debug shows step timings.
/// A server logs each request and clone at `info`; REPLICA_LOG=json makes every line a JSON
/// object (with its spans: request, clone id).
fn init_logging(serving: bool) {
    let default = if serving {
        "warn,replica=info,replica_pipeline=info"
    } else {
        "warn"
    };
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| default.into());
    let json = env::lookup("REPLICA_LOG").is_some_and(|format| format.trim() == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .init();
    } else {
        builder.init();
    }
}

/// Resolves on the first SIGINT, SIGTERM or SIGHUP: however the user or a supervisor says
/// stop, what was started (browsers, dev servers) is stopped before the process exits.
pub(crate) fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("listening for SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    let mut hangup = signal(SignalKind::hangup()).context("listening for SIGHUP")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
            _ = hangup.recv() => {}
        }
    })
}
