//! One clone from URL to running preview, in the order of DESIGN.md §1, with an event per step.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use replica_assembler::{AssembleInput, LocalizeOptions, ProjectStyle, SiteStyles};
use replica_core::{
    AllowedOrigin, ComponentFile, DesignTokens, Device, OutputStyle, PageResult, PipelineEvent,
    Plan, PlannedSectionSummary, ProjectFiles, Sandbox, ScrapeData, ScrapeOptions,
    SimilarityScores, StepTimings,
};
use replica_jsx_validator::Report;
use replica_section_gen::{
    BatchConfig, BatchInput, CompileOptions, Generator, LlmConfig, LlmGenerator, SectionResult,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::Instrument as _;

use crate::compile_fix::{CompileFix, fix_compile_errors};
use crate::request::{Admission, CloneOutcome, CloneRequest, GeneratorKind, PipelineDeps};
use crate::{
    CloneId, CloneStatus, CloneStoreError, CompileCheckConfig, check_compilation, measure, refine,
};

/// Events waiting for a slow consumer before the pipeline waits for it.
const EVENT_BUFFER: usize = 256;

/// Where the inspection's captures are kept in a clone's directory.
pub const INSPECTION_DIR: &str = "inspection";

/// Compile checks after the first one, each after a fix (DESIGN.md §1 J).
const COMPILE_FIX_ATTEMPTS: u32 = 3;

/// Why a clone could not start.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("refused {url}: {reason}")]
    Refused { url: String, reason: String },
    #[error(transparent)]
    Store(#[from] CloneStoreError),
    #[error("the clone task failed: {0}")]
    Task(String),
}

/// A clone in progress: its events, then its outcome.
pub struct CloneRun {
    pub clone_id: CloneId,
    /// Every event of the clone, in order; the channel closes after `done` or `error`.
    /// Dropping the receiver cancels the clone (pending work stops, the sandbox is released).
    pub events: mpsc::Receiver<PipelineEvent>,
    task: JoinHandle<CloneOutcome>,
}

impl std::fmt::Debug for CloneRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloneRun")
            .field("clone_id", &self.clone_id)
            .finish_non_exhaustive()
    }
}

impl CloneRun {
    /// Waits for the end, discarding events not read yet.
    pub async fn finish(mut self) -> Result<CloneOutcome, PipelineError> {
        while self.events.recv().await.is_some() {}
        self.task
            .await
            .map_err(|error| PipelineError::Task(error.to_string()))
    }
}

/// Starts a clone of `request.url` in the background. Must be called inside a tokio runtime.
///
/// Fails at once, before anything is stored, on a URL that is not http(s) or that the scrape
/// options' policy refuses; the scrape checks the policy again after DNS and redirects.
pub fn start_clone(request: CloneRequest, deps: PipelineDeps) -> Result<CloneRun, PipelineError> {
    start_queued_clone(request, deps, None)
}

/// [`start_clone`] for a clone that may have to wait for a slot: it is stored as `queued`,
/// says `queued{position}` whenever its place changes, and runs once `admission` lets it.
/// Cancelling it while it waits (dropping the events) gives up its place.
pub fn start_queued_clone(
    request: CloneRequest,
    deps: PipelineDeps,
    admission: Option<Admission>,
) -> Result<CloneRun, PipelineError> {
    let parsed =
        url::Url::parse(request.url.trim()).map_err(|error| PipelineError::InvalidUrl {
            url: request.url.clone(),
            reason: error.to_string(),
        })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(PipelineError::InvalidUrl {
            url: request.url.clone(),
            reason: format!(
                "only http and https pages can be cloned, not {}:",
                parsed.scheme()
            ),
        });
    }
    deps.scrape_options
        .policy
        .check_url(&parsed)
        .map_err(|violation| PipelineError::Refused {
            url: request.url.clone(),
            reason: violation.to_string(),
        })?;
    let clone_id = deps.store.create(&request.url)?;
    let options = serde_json::to_value(&request).unwrap_or_default();
    let queued = admission.is_some();
    deps.store.update(&clone_id, |record| {
        record.options = options;
        if queued {
            record.status = CloneStatus::Queued;
        }
    })?;

    let (sender, events) = mpsc::channel(EVENT_BUFFER);
    let id = clone_id.clone();
    // Every line logged for this clone's work names it.
    let span = tracing::info_span!("clone", clone_id = %clone_id);
    let task = tokio::spawn(
        async move {
            let watcher = sender.clone();
            let url = request.url.clone();
            let mut progress = Progress::new(request, deps, id.clone(), sender);
            progress
                .emit(PipelineEvent::CloneCreated {
                    clone_id: id.as_str().to_string(),
                    url,
                })
                .await;
            let finished = tokio::select! {
                result = admitted_then_run(&mut progress, admission) => Some(result),
                // Every receiver is gone: nobody follows the clone. Dropping `run` stops
                // its work (and gives up a place in the queue).
                () = watcher.closed() => None,
            };
            progress.finish(finished).await
        }
        .instrument(span),
    );
    Ok(CloneRun {
        clone_id,
        events,
        task,
    })
}

/// Waits for the clone's turn (saying where it is in the queue), then runs it; the slot is
/// held until the run ends.
async fn admitted_then_run(p: &mut Progress, admission: Option<Admission>) -> Result<(), Failure> {
    let _slot = match admission {
        Some(Admission { mut position, slot }) => {
            loop {
                let place = *position.borrow_and_update();
                if place == 0 {
                    break;
                }
                p.emit(PipelineEvent::Queued { position: place }).await;
                if position.changed().await.is_err() {
                    return Err(Failure::new("queue", "the server stopped its queue"));
                }
            }
            let _ = p.deps.store.update(&p.id, |record| {
                record.status = CloneStatus::Running;
            });
            Some(slot)
        }
        None => None,
    };
    run(p).await
}

/// A stage that failed: the clone stops there and keeps what it has.
#[derive(Debug)]
pub(crate) struct Failure {
    stage: &'static str,
    message: String,
    /// For clients that act on the reason (`disk_full`).
    code: Option<&'static str>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.stage, self.message)
    }
}

impl Failure {
    pub(crate) fn new(stage: &'static str, error: impl std::fmt::Display) -> Failure {
        Failure {
            stage,
            message: error.to_string(),
            code: None,
        }
    }

    fn disk_full(error: impl std::fmt::Display) -> Failure {
        Failure {
            stage: "store",
            message: format!("the clone store's disk is full: {error}"),
            code: Some("disk_full"),
        }
    }
}

/// What one clone has done so far; whatever is here survives a failed stage.
pub(crate) struct Progress {
    pub(crate) request: CloneRequest,
    pub(crate) deps: PipelineDeps,
    pub(crate) id: CloneId,
    events: mpsc::Sender<PipelineEvent>,
    started: Instant,
    pub(crate) timings: StepTimings,
    pub(crate) scrape: Option<Arc<ScrapeData>>,
    pub(crate) files: ProjectFiles,
    pub(crate) sections: usize,
    report: Option<Report>,
    pub(crate) sandbox: Option<Box<dyn Sandbox>>,
    /// The preview's URL as users get it, once deployed (see [`crate::PreviewRoutes`]).
    preview_url: Option<String>,
    pub(crate) compiled: bool,
    pub(crate) similarity: Option<SimilarityScores>,
    errors: Vec<String>,
    stages: Vec<String>,
    /// A store write failed for want of space: the clone stops at the end of the stage.
    disk_full: Option<String>,
    /// The page of a whole-site clone whose stages run now: its events name it.
    pub(crate) page: Option<String>,
    /// A whole-site clone's pages, measured.
    pub(crate) pages: Vec<PageResult>,
}

impl Progress {
    fn new(
        request: CloneRequest,
        deps: PipelineDeps,
        id: CloneId,
        events: mpsc::Sender<PipelineEvent>,
    ) -> Progress {
        Progress {
            request,
            deps,
            id,
            events,
            started: Instant::now(),
            timings: StepTimings::default(),
            scrape: None,
            files: ProjectFiles::default(),
            sections: 0,
            report: None,
            sandbox: None,
            preview_url: None,
            compiled: false,
            similarity: None,
            errors: Vec::new(),
            stages: Vec::new(),
            disk_full: None,
            page: None,
            pages: Vec::new(),
        }
    }

    /// Records that `stage` finished (in the record, with the timings so far, so a clone
    /// whose process dies says how far it got); a full disk ends the clone here.
    pub(crate) fn stage_done(&mut self, stage: &str) -> Result<(), Failure> {
        self.stages.push(stage.to_string());
        let (stages, timings) = (self.stages.clone(), self.timings.clone());
        let written = self.deps.store.update(&self.id, |record| {
            record.stages = stages;
            record.timings = timings;
        });
        if let Err(error) = written
            && error.is_disk_full()
        {
            self.disk_full.get_or_insert(error.to_string());
        }
        match &self.disk_full {
            Some(error) => Err(Failure::disk_full(error)),
            None => Ok(()),
        }
    }

    /// A store write that failed: a full disk is remembered (the clone stops after the
    /// stage), anything else is a problem the clone goes on after.
    async fn store_failed(&mut self, what: &str, error: impl std::fmt::Display, full: bool) {
        if full {
            self.disk_full.get_or_insert(error.to_string());
        }
        self.problem("store", format!("{what} could not be saved: {error}"))
            .await;
    }

    /// Sends an event; a consumer that left is noticed by the task's `closed()` branch.
    pub(crate) async fn emit(&self, event: PipelineEvent) {
        let _ = self.events.send(event).await;
    }

    pub(crate) async fn step(&self, step: &str, message: impl Into<String>) {
        self.emit(PipelineEvent::Step {
            step: step.into(),
            message: message.into(),
            page: self.page.clone(),
        })
        .await;
    }

    pub(crate) async fn warn(&self, message: impl Into<String>) {
        self.emit(PipelineEvent::Warning {
            message: message.into(),
            page: self.page.clone(),
        })
        .await;
    }

    /// A problem the clone goes on after: said as a warning and kept in the record.
    async fn problem(&mut self, stage: &str, message: impl Into<String>) {
        let message = message.into();
        self.errors.push(format!("{stage}: {message}"));
        self.warn(message).await;
    }

    /// Writes the files to the store, so they survive whatever comes next.
    pub(crate) async fn save_files(&mut self) {
        if let Err(error) = self.deps.store.save_files(&self.id, &self.files) {
            let full = error.is_disk_full();
            self.store_failed("the files", error, full).await;
        }
    }

    /// The end of the clone: the record's final state, `done` or `error`, and the outcome.
    async fn finish(mut self, finished: Option<Result<(), Failure>>) -> CloneOutcome {
        self.timings.total = elapsed_ms(self.started);
        let (status, error) = match finished {
            Some(Ok(())) => (CloneStatus::Done, None),
            Some(Err(failure)) => {
                // A failed clone has no preview: its sandbox goes back at once.
                if let Some(sandbox) = self.sandbox.take() {
                    let _ = sandbox.destroy().await;
                }
                self.preview_url = None;
                self.errors
                    .push(format!("{}: {}", failure.stage, failure.message));
                self.emit(PipelineEvent::Error {
                    message: failure.message.clone(),
                    stage: failure.stage.to_string(),
                    code: failure.code.map(str::to_string),
                })
                .await;
                (
                    CloneStatus::Failed,
                    Some((failure.stage.to_string(), failure.message)),
                )
            }
            None => {
                // Nobody is listening: release the sandbox now rather than hand it back.
                if let Some(sandbox) = self.sandbox.take() {
                    let _ = sandbox.destroy().await;
                }
                self.errors
                    .push("cancelled: nobody followed the clone any more".into());
                (
                    CloneStatus::Cancelled,
                    Some((
                        "cancelled".into(),
                        "nobody followed the clone any more".into(),
                    )),
                )
            }
        };
        let preview_url = self
            .sandbox
            .as_ref()
            .filter(|_| status == CloneStatus::Done)
            .map(|sandbox| {
                self.preview_url
                    .clone()
                    .unwrap_or_else(|| sandbox.preview_url().to_string())
            });
        let sandbox_id = self.sandbox.as_ref().map(|s| s.id().to_string());
        let record = self.deps.store.update(&self.id, |record| {
            record.status = status;
            record.owner = None;
            record.stages = self.stages.clone();
            record.timings = self.timings.clone();
            record.preview_url = preview_url.clone();
            record.sandbox_id = sandbox_id.clone();
            record.similarity = self.similarity;
            record.compiled = self.compiled;
            record.errors = self.errors.clone();
        });
        if let Err(error) = record {
            self.warn(format!("the clone's record could not be written: {error}"))
                .await;
        }
        if status == CloneStatus::Done {
            self.emit(PipelineEvent::Done {
                preview_url: preview_url.clone(),
                sandbox_id,
                clone_id: self.id.as_str().to_string(),
                files: self.files.len(),
                time: self.timings.total as f64 / 1000.0,
                similarity: self.similarity,
                pages: self.pages.clone(),
            })
            .await;
        }
        let (validation_errors, validation_warnings) =
            self.report.as_ref().map_or((0, 0), |report| {
                (report.errors.len(), report.warnings.len())
            });
        CloneOutcome {
            clone_id: self.id,
            files: self.files,
            scrape: self.scrape,
            sections: self.sections,
            validation_errors,
            validation_warnings,
            compiled: self.compiled,
            sandbox: self.sandbox,
            preview_url,
            similarity: self.similarity,
            pages: self.pages,
            timings: self.timings,
            error,
        }
    }
}

/// Stages A to R; K (the `done` event and the record) is [`Progress::finish`].
async fn run(p: &mut Progress) -> Result<(), Failure> {
    if p.request.pages > 1 {
        return crate::site::run_site(p).await;
    }
    let scrape = scrape_and_acquire(p).await?;
    p.stage_done("scrape")?;
    let tokens = design(p, &scrape).await;
    p.stage_done("design")?;
    let plan = plan(p, &scrape, &tokens).await;
    p.stage_done("plan")?;
    let components = generate(p, &scrape, &plan, &tokens).await;
    p.stage_done("generate")?;
    assemble(p, &scrape, &plan, &tokens, &components).await?;
    p.stage_done("assemble")?;
    validate(p).await;
    p.save_files().await;
    p.stage_done("validate")?;
    if p.sandbox.is_some() {
        deploy_and_compile(p, &scrape, &plan, &tokens).await?;
        p.stage_done("compile")?;
        if p.compiled {
            let started = Instant::now();
            inspect_preview(p, &scrape).await;
            p.timings.inspect = elapsed_ms(started);
            p.stage_done("inspect")?;
            if p.request.refine {
                refine::refine(p, &scrape, &plan, &tokens).await;
                p.stage_done("refine")?;
            }
        }
    } else if p.request.preview && p.deps.sandboxes.is_none() {
        p.warn("no sandbox provider is configured: the files are written, nothing runs them")
            .await;
    }
    Ok(())
}

/// A and B at the same time: the page is scraped while a sandbox is handed out.
pub(crate) async fn scrape_and_acquire(p: &mut Progress) -> Result<Arc<ScrapeData>, Failure> {
    let deps = p.deps.clone();
    let url = p.request.url.as_str();
    p.step(
        "scrape",
        format!("loading {url} in headless Chromium (desktop 1280x720, mobile 375x667@2x)"),
    )
    .await;
    let provider = deps.sandboxes.as_ref().filter(|_| p.request.preview);
    if provider.is_some() {
        p.step("sandbox", "acquiring a Next.js sandbox").await;
    }
    let started = Instant::now();
    let (scrape, sandbox) = tokio::join!(
        async {
            let result = deps.source.scrape(url, &deps.scrape_options).await;
            (result, elapsed_ms(started))
        },
        async {
            match provider {
                Some(provider) => Some(provider.provision().await),
                None => None,
            }
        }
    );
    let (scrape, scrape_ms) = scrape;
    p.timings.scrape = scrape_ms;
    // Whatever the join waited beyond the scrape was the sandbox's doing.
    p.timings.sandbox_wait = elapsed_ms(started).saturating_sub(scrape_ms);
    match sandbox {
        Some(Ok(sandbox)) => p.sandbox = Some(sandbox),
        Some(Err(error)) => {
            p.problem(
                "sandbox",
                format!("no preview: the sandbox could not start: {error}"),
            )
            .await;
        }
        None => {}
    }
    let scrape = Arc::new(scrape.map_err(|error| Failure::new("scrape", error))?);
    p.scrape = Some(Arc::clone(&scrape));
    let saved = p
        .deps
        .store
        .clone_dir(&p.id)
        .map_err(|e| e.to_string())
        .and_then(|dir| scrape.save(&dir.join("scrape")).map_err(|e| e.to_string()));
    if let Err(error) = saved {
        let full = error.contains("No space left on device");
        p.store_failed("the scrape", error, full).await;
    }
    scrape_done(p, &scrape).await;
    Ok(scrape)
}

/// The scrape's warnings and `scrape_done`.
pub(crate) async fn scrape_done(p: &Progress, scrape: &ScrapeData) {
    for warning in &scrape.warnings {
        p.warn(format!("scrape: {warning}")).await;
    }
    p.emit(PipelineEvent::ScrapeDone {
        title: scrape.title.clone(),
        sections: scrape.desktop.sections.len(),
        images: scrape.desktop.images.len(),
        page_height: scrape.desktop.document.height,
        page: p.page.clone(),
    })
    .await;
}

/// C: the tokens from the computed styles, enriched by the model when there is one.
pub(crate) async fn design(p: &mut Progress, scrape: &ScrapeData) -> DesignTokens {
    p.step("design", "extracting colours, fonts and spacing")
        .await;
    let started = Instant::now();
    let mut tokens = replica_design_tokens::extract(scrape);
    if let Some(model) = &p.deps.model {
        tokens = replica_design_tokens::enrich(tokens, scrape, model.as_ref()).await;
    }
    p.timings.design = elapsed_ms(started);
    if let Err(error) = p.deps.store.save_json(&p.id, "tokens.json", &tokens) {
        let full = error.is_disk_full();
        p.store_failed("the tokens", error, full).await;
    }
    p.emit(PipelineEvent::DesignExtracted {
        fallback: !tokens.fallback.is_empty(),
        primary_color: tokens.colors.primary.clone(),
        body_font: tokens.typography.families.body.clone(),
        page: p.page.clone(),
    })
    .await;
    tokens
}

/// D: the sections.
pub(crate) async fn plan(p: &mut Progress, scrape: &ScrapeData, tokens: &DesignTokens) -> Plan {
    p.step("plan", "splitting the page into sections").await;
    let started = Instant::now();
    let plan = replica_planner::plan(scrape, tokens);
    p.timings.plan = elapsed_ms(started);
    p.sections = plan.sections.len();
    p.emit(PipelineEvent::Planned {
        section_count: plan.sections.len(),
        sections: plan
            .sections
            .iter()
            .map(|section| PlannedSectionSummary {
                name: section.component_name.clone(),
                kind: section.kind.as_str().to_string(),
            })
            .collect(),
        page: p.page.clone(),
    })
    .await;
    plan
}

/// E: every section at once; an event as each one finishes.
pub(crate) async fn generate(
    p: &mut Progress,
    scrape: &Arc<ScrapeData>,
    plan: &Plan,
    tokens: &DesignTokens,
) -> Vec<ComponentFile> {
    let style = p.request.style;
    let generator = match (p.request.generator, &p.deps.model) {
        (GeneratorKind::Llm, Some(model)) => Generator::Llm(LlmGenerator::new(
            Arc::clone(model),
            LlmConfig {
                fallback_style: style,
                ..LlmConfig::default()
            },
        )),
        (GeneratorKind::Llm, None) => {
            p.warn(
                "no language model is configured: the deterministic compiler writes the sections",
            )
            .await;
            Generator::Compile(style)
        }
        (GeneratorKind::Compile, _) => Generator::Compile(style),
    };
    p.step(
        "generate",
        format!(
            "writing {} sections with {}",
            plan.sections.len(),
            generator.name()
        ),
    )
    .await;
    let started = Instant::now();
    // The batch reports through a plain callback; its events are forwarded as they come.
    // Its future is not `Send` for every lifetime (a stream of borrowing futures inside), so it
    // runs on a blocking thread driven by this runtime, over data it owns.
    let (finished, mut arrivals) = mpsc::unbounded_channel::<SectionResult>();
    let total = plan.sections.len();
    let owned = (Arc::clone(scrape), plan.clone(), tokens.clone());
    let runtime = tokio::runtime::Handle::current();
    let lang = p.request.lang;
    let span = tracing::Span::current();
    let generation = tokio::task::spawn_blocking(move || {
        let _span = span.enter();
        let (scrape, plan, tokens) = owned;
        let input = BatchInput {
            plan: &plan,
            tokens: &tokens,
            mobile_dom: Some(&scrape.mobile.dom),
            rendering_mode: scrape.rendering_mode(),
            lang,
        };
        runtime.block_on(replica_section_gen::generate_sections(
            &generator,
            &input,
            &BatchConfig::default(),
            |result| {
                let _ = finished.send(result.clone());
            },
        ))
    });
    let forward = async {
        let mut done = 0;
        while let Some(result) = arrivals.recv().await {
            done += 1;
            if !result.success {
                p.emit(PipelineEvent::SectionFailed {
                    section: result.component_name.clone(),
                    error: result.error.clone().unwrap_or_default(),
                    page: p.page.clone(),
                })
                .await;
            }
            p.emit(PipelineEvent::SectionDone {
                section: result.component_name.clone(),
                success: result.success,
                remaining: total - done,
                page: p.page.clone(),
            })
            .await;
            if !result.content.is_empty() {
                p.emit(PipelineEvent::File {
                    path: result.filepath.clone(),
                    content: result.content.clone(),
                    language: language_of(&result.filepath).into(),
                })
                .await;
            }
        }
    };
    let (results, ()) = tokio::join!(generation, forward);
    let results = results.unwrap_or_default();
    p.timings.generate = elapsed_ms(started);
    let successful = results.iter().filter(|result| result.success).count();
    p.emit(PipelineEvent::GenerationComplete {
        time: started.elapsed().as_secs_f64(),
        successful,
        failed: results.len() - successful,
        page: p.page.clone(),
    })
    .await;
    for result in &results {
        if let Some(reason) = &result.fallback {
            p.warn(format!(
                "{}: written by the deterministic compiler: {reason}",
                result.component_name
            ))
            .await;
        }
    }
    results.iter().filter_map(SectionResult::file).collect()
}

pub(crate) fn project_style(
    style: OutputStyle,
    tokens: &DesignTokens,
    scrape: &ScrapeData,
) -> ProjectStyle {
    match style {
        OutputStyle::Faithful => ProjectStyle::Faithful,
        OutputStyle::Tailwind => {
            let widths = replica_section_gen::LayoutWidths::of(scrape);
            ProjectStyle::Tailwind {
                theme_extend: serde_json::to_value(replica_section_gen::tailwind_theme(
                    tokens,
                    Some(widths),
                ))
                .unwrap_or_default(),
            }
        }
    }
}

/// F and G: the project around the components, its assets, the cross-component review.
async fn assemble(
    p: &mut Progress,
    scrape: &ScrapeData,
    plan: &Plan,
    tokens: &DesignTokens,
    components: &[ComponentFile],
) -> Result<(), Failure> {
    p.step("assemble", "writing the Next.js project").await;
    let started = Instant::now();
    p.files = assemble_files(p, scrape, None, plan, tokens, components).await?;
    finish_assembly(p).await;
    p.timings.assemble = elapsed_ms(started);
    Ok(())
}

/// F for one page: its project as [`replica_assembler::assemble`] writes it (`site`: every
/// page of a whole-site clone).
pub(crate) async fn assemble_files(
    p: &mut Progress,
    scrape: &ScrapeData,
    site: Option<&SiteStyles>,
    plan: &Plan,
    tokens: &DesignTokens,
    components: &[ComponentFile],
) -> Result<ProjectFiles, Failure> {
    let style = project_style(p.request.style, tokens, scrape);
    // The elements around several sections (a `<main>`, a page-wide `<div id="page">`),
    // compiled like a section in the requested style whatever wrote the sections: a shell.
    let wrappers = replica_section_gen::compile_wrappers(
        plan,
        tokens,
        &CompileOptions {
            style: p.request.style,
            mobile_dom: Some(&scrape.mobile.dom),
            rendering_mode: scrape.rendering_mode(),
            lang: p.request.lang,
        },
    );
    // The author's text of the linked stylesheets, for readable CSS (only when assets may be
    // fetched: the same network, the same policy).
    let sources = if p.deps.localize_assets && matches!(style, ProjectStyle::Faithful) {
        replica_assembler::fetch_stylesheet_sources(&scrape.stylesheets, &localize_options(p)).await
    } else {
        Vec::new()
    };
    let assembly = replica_assembler::assemble(&AssembleInput {
        scrape,
        plan,
        tokens,
        components,
        wrappers: &wrappers,
        style: &style,
        lang: p.request.lang,
        stylesheet_sources: &sources,
        site,
    })
    .map_err(|error| Failure::new("assemble", error))?;
    for warning in assembly.warnings {
        p.warn(warning).await;
    }
    Ok(assembly.files)
}

/// Fetches of the original's files beyond the page: the same network, the same policy.
pub(crate) fn localize_options(p: &Progress) -> LocalizeOptions {
    LocalizeOptions {
        policy: p.deps.scrape_options.policy.clone(),
        ..LocalizeOptions::default()
    }
}

/// F's end and G over `p.files`: assets, a `file` event each, the cross-component review.
pub(crate) async fn finish_assembly(p: &mut Progress) {
    if p.deps.localize_assets {
        p.step("assets", "downloading images, fonts and icons into public/")
            .await;
        let options = localize_options(p);
        let report = replica_assembler::localize_assets(&mut p.files, &options).await;
        for warning in report.warnings() {
            p.warn(warning).await;
        }
    }
    for (path, file) in &p.files.files {
        if let Ok(content) = std::str::from_utf8(&file.contents) {
            p.emit(PipelineEvent::File {
                path: path.clone(),
                content: content.to_string(),
                language: language_of(path).into(),
            })
            .await;
        }
    }
    p.save_files().await;

    p.step("review", "checking the components against each other")
        .await;
    let review = replica_assembler::review(&p.files);
    let mut changed: Vec<String> = review.changed.paths().map(str::to_string).collect();
    p.files.files.extend(review.changed.files);
    if let Some(model) = &p.deps.model {
        match replica_assembler::model_review(model.as_ref(), &p.files).await {
            Ok(files) => {
                changed.extend(files.paths().map(str::to_string));
                p.files.files.extend(files.files);
            }
            Err(error) => {
                p.warn(format!("the model review was skipped: {error}"))
                    .await
            }
        }
    }
    changed.extend(replica_assembler::refresh_manifest(&mut p.files));
    changed.sort();
    changed.dedup();
    if changed.is_empty() {
        p.emit(PipelineEvent::ReviewClean).await;
    } else {
        p.emit(PipelineEvent::ReviewFixed {
            files_changed: changed,
        })
        .await;
    }
}

/// H: validation, the mechanical autofix, then the model for what is left.
pub(crate) async fn validate(p: &mut Progress) {
    p.step("validate", "checking the JSX").await;
    let started = Instant::now();
    let mut report = replica_jsx_validator::validate(&p.files);
    if !report.valid {
        let fixed = replica_jsx_validator::autofix(&p.files, &report);
        report = fixed.report;
        update_files(p, fixed.files, &fixed.changed).await;
    }
    if !report.valid
        && let Some(model) = &p.deps.model
    {
        match replica_jsx_validator::fix_targeted(model.as_ref(), &p.files, &report).await {
            Ok(fixed) => {
                report = fixed.report;
                update_files(p, fixed.files, &fixed.changed).await;
            }
            Err(error) => p.warn(format!("the model fix was skipped: {error}")).await,
        }
    }
    if report.valid {
        p.emit(PipelineEvent::ValidationPassed).await;
    } else {
        let error_count = report.errors.len();
        p.errors
            .push(format!("validate: {error_count} JSX errors remain"));
        p.emit(PipelineEvent::ValidationFailed {
            error_count,
            report: replica_jsx_validator::format_report(&report),
        })
        .await;
    }
    p.report = Some(report);
    p.timings.validate = elapsed_ms(started);
}

/// Replaces the project with `files` and says which files changed.
/// package.json and its lock follow the imports, which a fix may have changed.
pub(crate) async fn update_files(p: &mut Progress, files: ProjectFiles, changed: &[String]) {
    p.files = files;
    let mut changed = changed.to_vec();
    changed.extend(replica_assembler::refresh_manifest(&mut p.files));
    for path in &changed {
        if let Some(content) = p.files.text(path) {
            p.emit(PipelineEvent::FileUpdated {
                path: path.clone(),
                content: content.to_string(),
            })
            .await;
        }
    }
}

/// I and J: upload, then compile checks with up to three fixes in between.
pub(crate) async fn deploy_and_compile(
    p: &mut Progress,
    scrape: &ScrapeData,
    plan: &Plan,
    tokens: &DesignTokens,
) -> Result<(), Failure> {
    let Some(sandbox) = p.sandbox.take() else {
        return Ok(());
    };
    let result = deploy_and_compile_in(p, sandbox.as_ref(), scrape, plan, tokens).await;
    p.sandbox = Some(sandbox);
    result
}

async fn deploy_and_compile_in(
    p: &mut Progress,
    sandbox: &dyn Sandbox,
    scrape: &ScrapeData,
    plan: &Plan,
    tokens: &DesignTokens,
) -> Result<(), Failure> {
    p.step("deploy", format!("uploading {} files", p.files.len()))
        .await;
    let started = Instant::now();
    // A changed next.config makes `next dev` restart itself; that goes first, and the rest
    // is written once the server is back, so no request lands on a server about to restart.
    // The assembler's own next.config.mjs is the template's byte for byte (a test pins it) and
    // an unchanged file is not written, so the usual upload restarts nothing and waits for
    // nothing.
    let template_config = replica_assembler::next_config();
    let (config, rest): (BTreeMap<_, _>, BTreeMap<_, _>) =
        p.files.files.clone().into_iter().partition(|(path, file)| {
            path.starts_with("next.config.")
                && !(path == "next.config.mjs" && file.contents == template_config.as_bytes())
        });
    if !config.is_empty() {
        let since = log_length(sandbox).await;
        sandbox
            .write_files(&ProjectFiles { files: config })
            .await
            .map_err(|error| Failure::new("deploy", error))?;
        wait_for_restart(sandbox, since).await;
    }
    let mut since = log_length(sandbox).await;
    sandbox
        .write_files(&ProjectFiles { files: rest })
        .await
        .map_err(|error| Failure::new("deploy", error))?;
    p.timings.deploy = elapsed_ms(started);
    let preview_url = match &p.deps.preview_routes {
        Some(routes) => routes.route(&p.id, sandbox),
        None => sandbox.preview_url().to_string(),
    };
    p.preview_url = Some(preview_url.clone());
    p.emit(PipelineEvent::Deployed {
        preview_url: preview_url.clone(),
        sandbox_id: sandbox.id().to_string(),
    })
    .await;
    let sandbox_id = sandbox.id().to_string();
    let _ = p.deps.store.update(&p.id, |record| {
        record.preview_url = Some(preview_url);
        record.sandbox_id = Some(sandbox_id);
    });

    p.step("compile", "waiting for Next.js to compile the page")
        .await;
    let started = Instant::now();
    let config = CompileCheckConfig {
        log_timeout: p.deps.compile_timeout,
        ..CompileCheckConfig::default()
    };
    let options = CompileOptions {
        style: OutputStyle::Faithful,
        mobile_dom: Some(&scrape.mobile.dom),
        rendering_mode: scrape.rendering_mode(),
        lang: p.request.lang,
    };
    let mut fixes = CompileFix::new(plan, tokens, options);
    for attempt in 1..=COMPILE_FIX_ATTEMPTS + 1 {
        let check = check_compilation(sandbox, since, &config)
            .await
            .map_err(|error| Failure::new("compile", error))?;
        if check.compiled {
            p.compiled = true;
            p.timings.to_compiled = elapsed_ms(p.started);
            p.emit(PipelineEvent::Compiled).await;
            break;
        }
        p.emit(PipelineEvent::CompileErrors {
            attempt,
            error_count: check.errors.len(),
            report: replica_next_error_parser::format_nextjs_errors(&check.errors),
        })
        .await;
        if attempt > COMPILE_FIX_ATTEMPTS {
            p.errors.push(format!(
                "compile: {} errors remain after {COMPILE_FIX_ATTEMPTS} fixes",
                check.errors.len()
            ));
            break;
        }
        let fixed = fix_compile_errors(&mut fixes, &p.files, &check.errors);
        if fixed.changed.is_empty() {
            p.errors
                .push("compile: the errors name nothing that can be fixed".into());
            break;
        }
        for note in &fixed.notes {
            p.warn(note.clone()).await;
        }
        let mut upload = ProjectFiles::default();
        for path in &fixed.changed {
            if let Some(file) = fixed.files.files.get(path) {
                upload.files.insert(path.clone(), file.clone());
            }
        }
        update_files(p, fixed.files, &fixed.changed).await;
        p.save_files().await;
        since = log_length(sandbox).await;
        sandbox
            .write_files(&upload)
            .await
            .map_err(|error| Failure::new("deploy", error))?;
    }
    p.timings.compile = elapsed_ms(started);
    Ok(())
}

/// After a config write: when the dev server announces a restart (within a second), waits
/// until it is ready again (at most 30 s).
async fn wait_for_restart(sandbox: &dyn Sandbox, since: usize) {
    const RESTART: &str = "Restarting the server";
    let announce_by = Instant::now() + std::time::Duration::from_secs(1);
    let ready_by = Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let log = sandbox.logs(since).await.unwrap_or_default();
        match log.find(RESTART) {
            Some(at) if log[at..].contains("Ready in") => return,
            Some(_) if Instant::now() < ready_by => {}
            None if Instant::now() < announce_by => {}
            _ => return,
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Where the dev-server log ends now: what is written after this belongs to our change.
async fn log_length(sandbox: &dyn Sandbox) -> usize {
    sandbox.logs(0).await.map_or(0, |log| log.len())
}

/// The compiled preview loaded once in the browser: runtime and hydration errors from its
/// console, and how close it is to the original (DESIGN.md §8).
pub(crate) async fn inspect_preview(p: &mut Progress, original: &Arc<ScrapeData>) {
    p.step("inspect", "loading the preview in the browser")
        .await;
    if let Some(scores) = inspect_route(p, original, "/", INSPECTION_DIR).await {
        p.similarity = Some(scores);
    }
}

/// One route of the preview loaded and compared with its original page; the captures kept
/// in `dir` of the clone's directory.
pub(crate) async fn inspect_route(
    p: &mut Progress,
    original: &Arc<ScrapeData>,
    route: &str,
    dir: &str,
) -> Option<SimilarityScores> {
    let root = p
        .sandbox
        .as_ref()?
        .preview_url()
        .trim_end_matches('/')
        .to_string();
    let url = format!("{root}{route}");
    let options = preview_scrape_options(&p.deps.scrape_options, &url);
    let clone = p.deps.source.scrape(&url, &options).await;
    judge_route(p, original, clone, dir).await
}

/// A route of the preview, loaded in the browser (`clone`), compared with its original page:
/// errors of its console reported, the captures kept in `dir` of the clone's directory.
pub(crate) async fn judge_route(
    p: &mut Progress,
    original: &Arc<ScrapeData>,
    clone: Result<ScrapeData, replica_core::ScrapeError>,
    dir: &str,
) -> Option<SimilarityScores> {
    let clone = match clone {
        Ok(clone) => clone,
        Err(error) => {
            p.problem(
                "inspect",
                format!("the preview could not be loaded: {error}"),
            )
            .await;
            return None;
        }
    };
    let console: String = clone
        .console
        .iter()
        .map(|message| format!("{}: {}\n", message.level, message.text))
        .collect();
    let report = replica_next_error_parser::parse_nextjs_errors(&console);
    for error in &report.errors {
        p.problem("browser", format!("the preview's console: {error}"))
            .await;
    }
    let dir = p
        .deps
        .store
        .clone_dir(&p.id)
        .ok()
        .map(|clone_dir| clone_dir.join(dir));
    let measured = {
        let original = Arc::clone(original);
        tokio::task::spawn_blocking(move || measure_and_keep(&original, &clone, dir)).await
    };
    match measured {
        Ok(Ok((scores, kept))) => {
            if let Err(error) = kept {
                p.warn(format!("the comparison images could not be kept: {error}"))
                    .await;
            }
            Some(scores)
        }
        Ok(Err(error)) => {
            p.problem(
                "measure",
                format!("the similarity could not be measured: {error}"),
            )
            .await;
            None
        }
        Err(error) => {
            p.problem("measure", format!("the measurement failed: {error}"))
                .await;
            None
        }
    }
}

/// Both devices compared; the captures and diff images kept in `dir` (`inspection/` of the
/// clone), for the web UI's compare view.
fn measure_and_keep(
    original: &ScrapeData,
    clone: &ScrapeData,
    dir: Option<std::path::PathBuf>,
) -> Result<(SimilarityScores, std::io::Result<()>), replica_visual_diff::VisualDiffError> {
    let comparisons = measure::pixels(original, clone)?;
    let kept = match dir {
        Some(dir) => refine::write_captures(
            &dir,
            original,
            clone,
            comparisons.iter().map(|(device, pixels)| (*device, pixels)),
        ),
        None => Err(std::io::Error::other("the clone's directory is gone")),
    };
    let of = |wanted| {
        comparisons
            .iter()
            .find(|(device, _)| *device == wanted)
            .map_or(0.0, |(_, pixels)| pixels.similarity)
    };
    let scores = SimilarityScores {
        desktop: of(Device::Desktop),
        mobile: of(Device::Mobile),
    };
    Ok((scores, kept))
}

/// The preview is the clone's own, on loopback or the sandbox provider's host: its origin is
/// admitted whatever the policy says. What the preview page loads from anywhere else (an
/// image left at the original's URL, say) still obeys the policy.
pub(crate) fn preview_scrape_options(options: &ScrapeOptions, preview_url: &str) -> ScrapeOptions {
    let own = url::Url::parse(preview_url)
        .ok()
        .and_then(|url| AllowedOrigin::of(&url));
    ScrapeOptions {
        policy: options.policy.clone().allow_origins(own),
        ..options.clone()
    }
}

fn language_of(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, extension)| extension) {
        Some("js" | "jsx" | "mjs" | "cjs") => "javascript",
        Some("ts" | "tsx") => "typescript",
        Some("css") => "css",
        Some("json") => "json",
        Some("html") => "html",
        Some("svg") => "svg",
        Some("md") => "markdown",
        _ => "text",
    }
}

pub(crate) fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Both devices, for loops over them.
pub(crate) const DEVICES: [Device; 2] = [Device::Desktop, Device::Mobile];

#[cfg(test)]
mod tests {
    use replica_core::UrlPolicy;

    use super::*;

    #[test]
    fn the_preview_admits_its_own_origin_and_nothing_else() {
        let server = ScrapeOptions {
            policy: UrlPolicy::public_only(),
            ..ScrapeOptions::default()
        };
        let options = preview_scrape_options(&server, "http://127.0.0.1:3005");
        let check = |url: &str| options.policy.check_url(&url::Url::parse(url).unwrap());
        assert!(check("http://127.0.0.1:3005/_next/static/app.js").is_ok());
        assert!(check("http://127.0.0.1:3006/").is_err());
        assert!(check("http://169.254.169.254/").is_err());
    }
}
