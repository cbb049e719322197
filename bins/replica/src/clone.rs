//! `replica clone URL`: the whole pipeline from the command line. Progress on stderr (a line
//! per stage, a bar for the sections), the result on stdout.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use replica_core::{Lang, PipelineEvent};
use replica_pipeline::{CloneOutcome, CloneRequest, CloneStore, GeneratorKind, OutputStyle};

use crate::config::Config;
use crate::deps::{Runtime, Sandboxes};
use crate::stdout::{out, outln};

#[derive(Debug, Args)]
pub struct CloneArgs {
    pub url: String,
    /// Write the Next.js project here (it is always kept in the clone store too).
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = GeneratorArg::Compile)]
    pub generator: GeneratorArg,
    #[arg(long, value_enum, default_value_t = StyleArg::Faithful)]
    pub style: StyleArg,
    /// The language of the generated files: TypeScript (like create-next-app) or JavaScript.
    #[arg(long, value_enum, default_value_t = LangArg::Ts)]
    pub lang: LangArg,
    /// Only write the files: no sandbox, no compile check.
    #[arg(long)]
    pub no_preview: bool,
    /// Compare the clone with the original and improve it until it is close enough.
    #[arg(long)]
    pub refine: bool,
    /// Clone the site: this many pages (the start page and the pages it links, breadth
    /// first), or `all` (at most 50). Default: the page alone.
    #[arg(long, value_name = "N|all", default_value = "1", value_parser = parse_pages)]
    pub pages: usize,
    /// A whole-site clone ignores robots.txt (for sites you own).
    #[arg(long)]
    pub ignore_robots: bool,
    /// Print one JSON object on stdout instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// Keep the preview running until Ctrl-C (default: when stdin is a terminal); a clone
    /// handed to `replica serve` keeps it in the server instead.
    #[arg(long)]
    pub keep_preview: bool,
    /// Clone in this process even when a `replica serve` with the same REPLICA_DATA_DIR runs
    /// (by default the clone is handed to it, over its control.sock, and runs on its warm
    /// browser and sandbox pool).
    #[arg(long)]
    pub no_server: bool,
    /// Refuse private, loopback, link-local and metadata addresses, for the page and
    /// everything it loads (the server's policy), except the --allow-origin origins.
    #[arg(long)]
    pub deny_private: bool,
    #[command(flatten)]
    pub policy: crate::policy::PolicyArgs,
}

/// `--pages`: a count from 1, or `all` (the hard cap).
fn parse_pages(value: &str) -> Result<usize, String> {
    let max = replica_pipeline::MAX_SITE_PAGES;
    if value.eq_ignore_ascii_case("all") {
        return Ok(max);
    }
    match value.parse::<usize>() {
        Ok(0) => Err("a clone takes at least 1 page".to_string()),
        Ok(pages) if pages > max => Err(format!("at most {max} pages (`all`)")),
        Ok(pages) => Ok(pages),
        Err(_) => Err(format!("{value:?} is not a number of pages or `all`")),
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GeneratorArg {
    Compile,
    Llm,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StyleArg {
    Faithful,
    Tailwind,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    Ts,
    Js,
}

impl From<LangArg> for Lang {
    fn from(lang: LangArg) -> Lang {
        match lang {
            LangArg::Ts => Lang::TypeScript,
            LangArg::Js => Lang::JavaScript,
        }
    }
}

pub async fn run(args: CloneArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let sandboxes = if args.no_preview {
        Sandboxes::Off
    } else {
        Sandboxes::PerClone
    };
    // The CLI runs on the user's own machine: private and loopback pages are theirs to clone,
    // unless a script cloning untrusted URLs says --deny-private.
    let policy = args.policy.cli_policy(args.deny_private)?;
    let request = request_of(&args);
    if !args.no_server
        && let Some(code) = crate::handoff::run(&args, &request, config).await?
    {
        return Ok(code);
    }
    let runtime = Runtime::start(config, policy, sandboxes).await?;
    let finished = AtomicBool::new(false);
    let signal = crate::shutdown_signal()?;
    let result = tokio::select! {
        result = clone(request, &runtime, &args, &finished) => result,
        // Dropping the clone cancels it and stops its sandbox; once it is done and only the
        // preview runs, Ctrl-C (or SIGTERM) is how the user says they are done looking.
        _ = signal => if finished.load(Ordering::SeqCst) {
            Ok(ExitCode::SUCCESS)
        } else {
            Err(anyhow::anyhow!("interrupted"))
        },
    };
    runtime.shutdown().await;
    result
}

/// The clone the flags ask for.
fn request_of(args: &CloneArgs) -> CloneRequest {
    let mut request = CloneRequest::new(args.url.clone());
    request.generator = match args.generator {
        GeneratorArg::Compile => GeneratorKind::Compile,
        GeneratorArg::Llm => GeneratorKind::Llm,
    };
    request.style = match args.style {
        StyleArg::Faithful => OutputStyle::Faithful,
        StyleArg::Tailwind => OutputStyle::Tailwind,
    };
    request.lang = args.lang.into();
    request.preview = !args.no_preview;
    request.refine = args.refine;
    request.pages = args.pages;
    request.ignore_robots = args.ignore_robots;
    request
}

async fn clone(
    request: CloneRequest,
    runtime: &Runtime,
    args: &CloneArgs,
    finished: &AtomicBool,
) -> anyhow::Result<ExitCode> {
    let mut run = replica_pipeline::start_clone(request, runtime.deps.clone())?;
    let mut progress = Progress::new();
    while let Some(event) = run.events.recv().await {
        progress.show(&event);
    }
    progress.finish();
    let outcome = run.finish().await?;
    let code = report(&outcome, &runtime.deps.store, args)?;
    if let (Some(url), true) = (&outcome.preview_url, keeps_preview(args)) {
        eprintln!("preview running at {url}; press Ctrl-C to stop it");
        if code == ExitCode::SUCCESS {
            finished.store(true, Ordering::SeqCst);
        }
        std::future::pending::<()>().await;
    }
    if let Some(sandbox) = outcome.sandbox {
        let _ = sandbox.destroy().await;
    }
    Ok(code)
}

/// Whether the preview stays up once the clone is done.
pub(crate) fn keeps_preview(args: &CloneArgs) -> bool {
    args.keep_preview || (!args.json && std::io::stdin().is_terminal())
}

/// Writes `--out` (else the result points at the store's copy) and prints the result; the
/// exit code says whether the clone succeeded.
pub(crate) fn report(
    outcome: &CloneOutcome,
    store: &CloneStore,
    args: &CloneArgs,
) -> anyhow::Result<ExitCode> {
    let out_dir = match &args.out {
        Some(dir) => {
            write_project(outcome, dir)?;
            dir.clone()
        }
        None => store.clone_dir(&outcome.clone_id)?.join("files"),
    };
    if args.json {
        outln!(
            "{}",
            serde_json::to_string(&result_json(outcome, &out_dir))?
        );
    } else {
        out!("{}", summary(outcome, &out_dir));
    }
    Ok(if outcome.error.is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes the project into `dir` (created when missing; files already there are replaced).
fn write_project(outcome: &CloneOutcome, dir: &Path) -> anyhow::Result<()> {
    for (path, file) in &outcome.files.files {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&target, &file.contents)
            .with_context(|| format!("writing {}", target.display()))?;
    }
    Ok(())
}

/// DESIGN.md §5's JSON result.
pub fn result_json(outcome: &CloneOutcome, out_dir: &Path) -> serde_json::Value {
    serde_json::json!({
        "clone_id": outcome.clone_id.as_str(),
        "out_dir": out_dir,
        "sections": outcome.sections,
        "files": outcome.files.len(),
        "validation": {
            "errors": outcome.validation_errors,
            "warnings": outcome.validation_warnings,
        },
        "compiled": outcome.compiled,
        "preview_url": outcome.preview_url,
        "similarity": outcome.similarity,
        "pages": outcome.pages,
        "timings_ms": outcome.timings,
        "error": outcome.error.as_ref().map(|(stage, message)| {
            serde_json::json!({"stage": stage, "message": message})
        }),
    })
}

fn summary(outcome: &CloneOutcome, out_dir: &Path) -> String {
    let mut text = format!(
        "clone {}: {} sections, {} files in {}\n",
        outcome.clone_id.as_str(),
        outcome.sections,
        outcome.files.len(),
        out_dir.display()
    );
    text += &format!(
        "validation: {} errors, {} warnings; compiled: {}\n",
        outcome.validation_errors,
        outcome.validation_warnings,
        if outcome.compiled { "yes" } else { "no" }
    );
    if let Some(url) = &outcome.preview_url {
        text += &format!("preview: {url}\n");
    }
    if let Some(similarity) = outcome.similarity {
        text += &format!(
            "similarity: desktop {:.4}, mobile {:.4}\n",
            similarity.desktop, similarity.mobile
        );
    }
    for page in &outcome.pages {
        text += &match page.similarity {
            Some(s) => format!(
                "  {} -> {}: desktop {:.4}, mobile {:.4}\n",
                page.path, page.route, s.desktop, s.mobile
            ),
            None => format!("  {} -> {}: not measured\n", page.path, page.route),
        };
    }
    let t = &outcome.timings;
    text += &format!(
        "time: {:.1}s (scrape {}, design {}, plan {}, generate {}, assemble {}, validate {}, deploy {}, compile {}, inspect {} ms)\n",
        t.total as f64 / 1000.0,
        t.scrape,
        t.design,
        t.plan,
        t.generate,
        t.assemble,
        t.validate,
        t.deploy,
        t.compile,
        t.inspect
    );
    if outcome.compiled {
        text += &format!(
            "compiled after {:.1}s, {} ms of it waiting for the sandbox\n",
            t.to_compiled as f64 / 1000.0,
            t.sandbox_wait
        );
    }
    if let Some((stage, message)) = &outcome.error {
        text += &format!("failed at {stage}: {message}\n");
    }
    text
}

/// The stderr side: one line per stage, a bar while sections are written.
pub(crate) struct Progress {
    sections: Option<ProgressBar>,
}

impl Progress {
    pub(crate) fn new() -> Progress {
        Progress { sections: None }
    }

    fn line(&self, text: String) {
        match &self.sections {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    pub(crate) fn show(&mut self, event: &PipelineEvent) {
        if self.show_page(event) {
            return;
        }
        match event {
            PipelineEvent::CloneCreated { clone_id, url } => {
                self.line(format!("clone {clone_id} of {url}"));
            }
            PipelineEvent::Step { step, message, .. } => self.line(format!("[{step}] {message}")),
            PipelineEvent::ScrapeDone {
                title,
                sections,
                images,
                page_height,
                ..
            } => self.line(format!(
                "  scraped {title:?}: {sections} sections, {images} images, {page_height:.0}px tall"
            )),
            PipelineEvent::DesignExtracted {
                primary_color,
                body_font,
                ..
            } => self.line(format!(
                "  primary colour {}, body font {}",
                primary_color.as_deref().unwrap_or("none"),
                body_font.as_deref().unwrap_or("none")
            )),
            PipelineEvent::Planned { section_count, .. } => {
                self.line(format!("  {section_count} sections planned"));
                let bar = ProgressBar::new(*section_count as u64);
                bar.set_style(
                    ProgressStyle::with_template("  sections {bar:30} {pos}/{len}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                self.sections = Some(bar);
            }
            PipelineEvent::SectionDone { .. } => {
                if let Some(bar) = &self.sections {
                    bar.inc(1);
                }
            }
            PipelineEvent::SectionFailed { section, error, .. } => {
                self.line(format!("  {section} failed: {error}"));
            }
            PipelineEvent::GenerationComplete {
                time,
                successful,
                failed,
                ..
            } => {
                if let Some(bar) = self.sections.take() {
                    bar.finish_and_clear();
                }
                eprintln!("  {successful} sections written, {failed} failed, in {time:.2}s");
            }
            PipelineEvent::ReviewFixed { files_changed } => {
                self.line(format!("  review fixed {}", files_changed.join(", ")));
            }
            PipelineEvent::ValidationFailed {
                error_count,
                report,
            } => {
                self.line(format!("  {error_count} JSX errors remain:\n{report}"));
            }
            PipelineEvent::ValidationPassed => self.line("  JSX valid".into()),
            PipelineEvent::Deployed { preview_url, .. } => {
                self.line(format!("  deployed to {preview_url}"));
            }
            PipelineEvent::CompileErrors {
                attempt,
                error_count,
                report,
            } => self.line(format!(
                "  compile attempt {attempt}: {error_count} errors\n{report}"
            )),
            PipelineEvent::Compiled => self.line("  compiled".into()),
            PipelineEvent::Iteration { n, similarity } => self.line(format!(
                "  iteration {n}: desktop {:.4}, mobile {:.4}",
                similarity.desktop, similarity.mobile
            )),
            PipelineEvent::Warning { message, .. } => self.line(format!("  warning: {message}")),
            PipelineEvent::PagesDiscovered { pages, skipped } => {
                let paths: Vec<&str> = pages.iter().map(|page| page.path.as_str()).collect();
                let more = match skipped {
                    0 => String::new(),
                    n => format!(" ({n} more left out by --pages)"),
                };
                self.line(format!(
                    "  {} pages: {}{more}",
                    pages.len(),
                    paths.join(", ")
                ));
            }
            PipelineEvent::Error { message, stage, .. } => {
                self.line(format!("error in {stage}: {message}"));
            }
            PipelineEvent::Queued { position } => self.line(format!("  queued: {position}")),
            // A project made from a prompt: the agent's turn (`replica new`).
            PipelineEvent::Stream { .. }
            | PipelineEvent::Session { .. }
            | PipelineEvent::ToolStart { .. }
            | PipelineEvent::ToolResult { .. }
            | PipelineEvent::Checkpoint { .. }
            | PipelineEvent::Complete { .. } => crate::chat::show(event, false),
            PipelineEvent::File { .. }
            | PipelineEvent::FileUpdated { .. }
            | PipelineEvent::ReviewClean
            | PipelineEvent::Done { .. } => {}
        }
    }

    /// A whole-site clone's page events: one line per page when its sections are written,
    /// its warnings; the rest of them stays quiet. Says whether the event was a page's.
    fn show_page(&mut self, event: &PipelineEvent) -> bool {
        match event {
            PipelineEvent::GenerationComplete {
                successful,
                failed,
                time,
                page: Some(page),
            } => {
                self.line(format!(
                    "  page {page}: {successful} sections written, {failed} failed, in {time:.2}s"
                ));
                true
            }
            PipelineEvent::Warning {
                message,
                page: Some(page),
            } => {
                self.line(format!("  warning ({page}): {message}"));
                true
            }
            PipelineEvent::Step { page: Some(_), .. }
            | PipelineEvent::ScrapeDone { page: Some(_), .. }
            | PipelineEvent::DesignExtracted { page: Some(_), .. }
            | PipelineEvent::Planned { page: Some(_), .. }
            | PipelineEvent::SectionDone { page: Some(_), .. } => true,
            _ => false,
        }
    }

    pub(crate) fn finish(&mut self) {
        if let Some(bar) = self.sections.take() {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_is_a_count_or_all() {
        assert_eq!(parse_pages("1"), Ok(1));
        assert_eq!(parse_pages("7"), Ok(7));
        assert_eq!(parse_pages("ALL"), Ok(replica_pipeline::MAX_SITE_PAGES));
        assert!(parse_pages("0").unwrap_err().contains("at least 1"));
        assert!(parse_pages("51").unwrap_err().contains("at most 50"));
        assert!(parse_pages("five").unwrap_err().contains("not a number"));
    }
}
