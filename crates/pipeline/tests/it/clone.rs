//! Whole clones: recorded scrapes with a sandbox that breaks (finished work kept), and the
//! fixture sites through real Chromium and a real `next dev` (events in order, a compiled
//! preview with the page's text, similarity at least each site's floor, cancellation).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use replica_core::{
    BoxFuture, PageSource, PipelineEvent, ProjectFiles, Sandbox, SandboxError, SandboxProvider,
    ScrapeData, ScrapeError, ScrapeOptions, UrlPolicy,
};
use replica_fixture_server::FixtureServer;
use replica_pipeline::{
    Admission, CloneRequest, CloneRun, CloneStatus, CloneStore, OutputStyle, PipelineDeps,
    start_clone, start_queued_clone,
};
use replica_sandbox_pool::{
    LocalConfig, LocalProvider, PoolConfig, ReleasePolicy, SandboxPool, default_cache_dir,
    install_template, processes_under,
};
use replica_scrape::{Browser, BrowserConfig};
use tempfile::TempDir;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Answers every URL with one recorded scrape.
struct RecordedSource(ScrapeData);

impl PageSource for RecordedSource {
    fn scrape<'a>(
        &'a self,
        _url: &'a str,
        _options: &'a ScrapeOptions,
    ) -> BoxFuture<'a, Result<ScrapeData, ScrapeError>> {
        Box::pin(async { Ok(self.0.clone()) })
    }
}

/// Hands out sandboxes whose uploads fail.
struct BrokenProvider;

struct BrokenSandbox;

impl SandboxProvider for BrokenProvider {
    fn name(&self) -> &str {
        "broken"
    }

    fn provision(&self) -> BoxFuture<'_, Result<Box<dyn Sandbox>, SandboxError>> {
        Box::pin(async { Ok(Box::new(BrokenSandbox) as Box<dyn Sandbox>) })
    }
}

impl Sandbox for BrokenSandbox {
    fn id(&self) -> &str {
        "broken-1"
    }

    fn preview_url(&self) -> &str {
        "http://127.0.0.1:9"
    }

    fn write_files<'a>(
        &'a self,
        _files: &'a ProjectFiles,
    ) -> BoxFuture<'a, Result<(), SandboxError>> {
        Box::pin(async {
            Err(SandboxError::Provider {
                provider: "broken".into(),
                message: "the disk is full".into(),
            })
        })
    }

    fn logs(&self, _offset: usize) -> BoxFuture<'_, Result<String, SandboxError>> {
        Box::pin(async { Ok(String::new()) })
    }

    fn destroy(self: Box<Self>) -> BoxFuture<'static, Result<(), SandboxError>> {
        Box::pin(async { Ok(()) })
    }
}

pub(crate) fn deps(
    source: Arc<dyn PageSource>,
    sandboxes: Option<Arc<dyn SandboxProvider>>,
    data: &Path,
) -> PipelineDeps {
    PipelineDeps {
        source,
        sandboxes,
        model: None,
        store: CloneStore::open(data).unwrap(),
        scrape_options: ScrapeOptions {
            policy: UrlPolicy::allow_all(),
            ..ScrapeOptions::default()
        },
        localize_assets: false,
        compile_timeout: Duration::from_secs(30),
        preview_routes: None,
    }
}

fn kind(event: &PipelineEvent) -> String {
    let json = serde_json::to_value(event).unwrap();
    json["type"].as_str().unwrap().to_string()
}

/// The event types in order, repeats of `section_done`/`file`/`step`/`warning` folded.
fn shape(events: &[PipelineEvent]) -> Vec<String> {
    let mut shape: Vec<String> = Vec::new();
    for event in events {
        let kind = kind(event);
        if matches!(kind.as_str(), "step" | "warning" | "file" | "file_updated") {
            continue;
        }
        if shape.last() != Some(&kind) {
            shape.push(kind);
        }
    }
    shape
}

fn recorded(site: &str) -> ScrapeData {
    ScrapeData::load(&root().join("fixtures/scrapes").join(site)).unwrap()
}

#[tokio::test]
async fn a_failing_stage_says_where_and_keeps_the_finished_work() {
    let data = TempDir::new().unwrap();
    let deps = deps(
        Arc::new(RecordedSource(recorded("landing"))),
        Some(Arc::new(BrokenProvider)),
        data.path(),
    );
    let store = deps.store.clone();
    let mut run = start_clone(CloneRequest::new("http://example.test/"), deps).unwrap();
    let mut events = Vec::new();
    while let Some(event) = run.events.recv().await {
        events.push(event);
    }
    let outcome = run.finish().await.unwrap();
    assert_eq!(
        shape(&events),
        [
            "clone_created",
            "scrape_done",
            "design_extracted",
            "planned",
            "section_done",
            "generation_complete",
            "review_clean",
            "validation_passed",
            "error"
        ]
    );
    let Some(PipelineEvent::Error { stage, message, .. }) = events.last() else {
        panic!("no error event");
    };
    assert_eq!(stage, "deploy");
    assert!(message.contains("the disk is full"), "{message}");
    assert_eq!(outcome.error.as_ref().map(|e| e.0.as_str()), Some("deploy"));
    // A failed clone lets its sandbox go at once and promises no preview.
    assert!(outcome.sandbox.is_none());
    assert_eq!(outcome.preview_url, None);

    let record = store.get(&outcome.clone_id).unwrap();
    assert_eq!(record.summary.status, CloneStatus::Failed);
    assert_eq!(record.summary.preview_url, None);
    assert_eq!(record.summary.sandbox_id, None);
    assert_eq!(record.summary.owner, None);
    // How far it got.
    assert_eq!(
        record.summary.stages,
        [
            "scrape", "design", "plan", "generate", "assemble", "validate"
        ]
    );
    assert!(
        record
            .summary
            .errors
            .iter()
            .any(|e| e.contains("disk is full"))
    );
    assert!(record.files.text("app/page.tsx").is_some());
    assert_eq!(record.files, outcome.files);
    let dir = store.clone_dir(&outcome.clone_id).unwrap();
    assert!(dir.join("tokens.json").is_file());
    assert!(ScrapeData::load(&dir.join("scrape")).is_ok());
}

/// A clone of the recorded landing page waiting at `place` in a queue: the run, its store,
/// the sender of its place and the slot it holds (one strong count more while held).
fn queued(
    data: &Path,
    place: usize,
) -> (
    CloneRun,
    CloneStore,
    tokio::sync::watch::Sender<usize>,
    Arc<()>,
) {
    let deps = deps(Arc::new(RecordedSource(recorded("landing"))), None, data);
    let store = deps.store.clone();
    let (sender, position) = tokio::sync::watch::channel(place);
    let slot_held = Arc::new(());
    let admission = Admission {
        position,
        slot: Box::new(Arc::clone(&slot_held)),
    };
    let run = start_queued_clone(
        CloneRequest::new("http://example.test/"),
        deps,
        Some(admission),
    )
    .unwrap();
    (run, store, sender, slot_held)
}

#[tokio::test]
async fn a_queued_clone_says_where_it_waits_and_starts_when_admitted() {
    let data = TempDir::new().unwrap();
    let (mut run, store, place, slot_held) = queued(data.path(), 2);
    let id = run.clone_id.clone();
    assert!(matches!(
        run.events.recv().await,
        Some(PipelineEvent::CloneCreated { .. })
    ));
    assert_eq!(
        run.events.recv().await,
        Some(PipelineEvent::Queued { position: 2 })
    );
    assert_eq!(store.summary_of(&id).unwrap().status, CloneStatus::Queued);
    place.send(1).unwrap();
    assert_eq!(
        run.events.recv().await,
        Some(PipelineEvent::Queued { position: 1 })
    );
    place.send(0).unwrap();
    let mut events = Vec::new();
    while let Some(event) = run.events.recv().await {
        events.push(event);
    }
    assert_eq!(shape(&events).last().map(String::as_str), Some("done"));
    assert!(!shape(&events).contains(&"queued".to_string()));
    run.finish().await.unwrap();
    // The slot was held for the run and given back at its end.
    assert_eq!(Arc::strong_count(&slot_held), 1);
    assert_eq!(store.summary_of(&id).unwrap().status, CloneStatus::Done);
}

#[tokio::test]
async fn a_clone_cancelled_while_queued_gives_up_its_place() {
    let data = TempDir::new().unwrap();
    let (mut run, store, _place, slot_held) = queued(data.path(), 1);
    let id = run.clone_id.clone();
    run.events.recv().await;
    assert_eq!(
        run.events.recv().await,
        Some(PipelineEvent::Queued { position: 1 })
    );
    run.events.close();
    let outcome = run.finish().await.unwrap();
    assert_eq!(outcome.error.map(|e| e.0), Some("cancelled".to_string()));
    assert_eq!(Arc::strong_count(&slot_held), 1);
    let record = store.summary_of(&id).unwrap();
    assert_eq!(record.status, CloneStatus::Cancelled);
    assert!(record.stages.is_empty());
}

#[tokio::test]
async fn without_a_preview_the_files_are_written_and_done_has_no_url() {
    let data = TempDir::new().unwrap();
    let deps = deps(
        Arc::new(RecordedSource(recorded("dark"))),
        None,
        data.path(),
    );
    let mut request = CloneRequest::new("http://example.test/");
    request.style = OutputStyle::Tailwind;
    let mut run = start_clone(request, deps).unwrap();
    let mut events = Vec::new();
    while let Some(event) = run.events.recv().await {
        events.push(event);
    }
    let outcome = run.finish().await.unwrap();
    assert_eq!(shape(&events).last().map(String::as_str), Some("done"));
    assert!(!shape(&events).contains(&"deployed".to_string()));
    let Some(PipelineEvent::Done {
        preview_url, files, ..
    }) = events.last()
    else {
        panic!("no done event");
    };
    assert_eq!(*preview_url, None);
    assert_eq!(*files, outcome.files.len());
    assert!(outcome.files.text("tailwind.config.js").is_some());
    assert_eq!(outcome.validation_errors, 0);
}

#[tokio::test]
async fn urls_that_are_not_http_or_that_the_policy_refuses_start_nothing() {
    let data = TempDir::new().unwrap();
    let mut deps = deps(
        Arc::new(RecordedSource(recorded("dark"))),
        None,
        data.path(),
    );
    let error = start_clone(CloneRequest::new("file:///etc/passwd"), deps.clone()).unwrap_err();
    assert!(error.to_string().contains("only http and https"), "{error}");
    deps.scrape_options.policy = UrlPolicy::public_only();
    let error = start_clone(
        CloneRequest::new("http://169.254.169.254/latest"),
        deps.clone(),
    )
    .unwrap_err();
    assert!(error.to_string().starts_with("refused"), "{error}");
    assert!(deps.store.list().unwrap().is_empty());
}

/// `next dev` restarts on any write to next.config.* and rebuilds on other config writes,
/// losing the warm compile; the assembler's config files are the template's, byte for byte, so
/// an upload leaves them alone (unchanged files are not written).
#[test]
fn the_assembled_config_files_are_the_templates() {
    let template = |path: &str| {
        replica_sandbox_pool::TEMPLATE_FILES
            .iter()
            .find(|(name, _)| *name == path)
            .map(|(_, text)| *text)
    };
    assert_eq!(
        template("next.config.mjs"),
        Some(replica_assembler::next_config().as_str())
    );
    // The template is TypeScript, a clone's default language.
    let skeleton = replica_assembler::skeleton(
        &replica_assembler::LayoutConfig::default(),
        replica_core::Lang::TypeScript,
    );
    for path in ["next.config.mjs", "tsconfig.json"] {
        assert_eq!(skeleton.text(path), template(path), "{path}");
    }
    assert_eq!(
        Some(replica_assembler::POSTCSS_CONFIG),
        template("postcss.config.mjs")
    );
}

/// The real parts, shared by the tests below: the fixture sites, a browser, local sandboxes.
struct Live {
    sites: FixtureServer,
    browser: Arc<Browser>,
    provider: Arc<LocalProvider>,
    sandboxes: TempDir,
    data: TempDir,
}

async fn live() -> Live {
    let sites = FixtureServer::start(root().join("fixtures/sites"))
        .await
        .unwrap();
    let browser = Arc::new(
        Browser::launch(&BrowserConfig::from_lookup(|name| std::env::var(name).ok()))
            .await
            .unwrap(),
    );
    let template = tokio::task::spawn_blocking(|| {
        install_template(&default_cache_dir(|name| std::env::var(name).ok()))
    })
    .await
    .unwrap()
    .unwrap();
    let sandboxes = TempDir::new().unwrap();
    let mut config = LocalConfig::new(template);
    config.sandboxes_dir = sandboxes.path().to_path_buf();
    Live {
        sites,
        browser,
        provider: Arc::new(LocalProvider::new(config)),
        sandboxes,
        data: TempDir::new().unwrap(),
    }
}

impl Live {
    fn deps(&self) -> PipelineDeps {
        deps(
            Arc::clone(&self.browser) as _,
            Some(Arc::clone(&self.provider) as _),
            self.data.path(),
        )
    }

    /// Deps whose sandboxes come from a pool of one, so the next clone's sandbox starts while
    /// this one runs (as under the server).
    fn pooled_deps(&self, pool: &Arc<SandboxPool>) -> PipelineDeps {
        deps(
            Arc::clone(&self.browser) as _,
            Some(Arc::clone(pool) as _),
            self.data.path(),
        )
    }
}

fn scrape_sections(outcome: &replica_pipeline::CloneOutcome) -> usize {
    outcome.sections
}

/// Similarity floors per site and device (fixtures/similarity-floors.json): what the faithful
/// clone reached when the floor was last raised. Floors only go up.
fn floors() -> BTreeMap<String, (f64, f64)> {
    let text = std::fs::read_to_string(root().join("fixtures/similarity-floors.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_fixture_site_clones_to_a_compiled_preview_as_close_as_its_floor() {
    let live = live().await;
    let pool = Arc::new(SandboxPool::new(
        Arc::clone(&live.provider) as _,
        PoolConfig {
            size: 1,
            release: ReleasePolicy::Destroy,
            replenish_delay: Duration::ZERO,
        },
    ));
    let floors = floors();
    let mut sites: Vec<String> = std::fs::read_dir(root().join("fixtures/sites"))
        .unwrap()
        .flatten()
        .filter(|entry| entry.path().join("index.html").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    sites.sort();
    let mut failures = Vec::new();
    for site in &sites {
        let Some((desktop_floor, mobile_floor)) = floors.get(site) else {
            panic!("fixtures/similarity-floors.json has no floor for the site {site}");
        };
        let url = live.sites.url(&format!("/{site}/"));
        let started = std::time::Instant::now();
        let mut run = start_clone(CloneRequest::new(url), live.pooled_deps(&pool)).unwrap();
        let mut events = Vec::new();
        while let Some(event) = run.events.recv().await {
            events.push(event);
        }
        let outcome = run.finish().await.unwrap();
        let mut shape = shape(&events);
        if scrape_sections(&outcome) == 0 {
            // A page without sections has nothing to report per section.
            shape.insert(4, "section_done".into());
        }
        let expected_start = [
            "clone_created",
            "scrape_done",
            "design_extracted",
            "planned",
            "section_done",
            "generation_complete",
        ];
        assert_eq!(
            shape[..expected_start.len()],
            expected_start,
            "{site}: {shape:?} {:?}",
            outcome.error
        );
        let tail: Vec<&str> = shape[expected_start.len()..]
            .iter()
            .map(String::as_str)
            .collect();
        assert!(
            matches!(
                tail[..],
                [
                    "review_clean" | "review_fixed",
                    "validation_passed",
                    "deployed",
                    "compiled",
                    "done"
                ]
            ),
            "{site}: {shape:?} {:?}",
            outcome.error
        );
        assert!(outcome.compiled, "{site}: {:?}", outcome.error);
        let t = &outcome.timings;
        assert!(
            (1..=t.total).contains(&t.to_compiled) && (1..=t.total).contains(&t.inspect),
            "{site}: {t:?}"
        );
        // The sandbox's wait is what it added after the scrape; the inspection follows the
        // compile.
        assert!(
            t.scrape + t.sandbox_wait <= t.to_compiled && t.to_compiled + t.inspect <= t.total,
            "{site}: {t:?}"
        );
        let sandbox = outcome.sandbox.as_ref().unwrap();
        let page = sandbox.fetch_preview("/").await.unwrap();
        assert_eq!(page.status, 200, "{site}");
        let scrape = outcome.scrape.as_ref().unwrap();
        if let Some(word) = scrape.title.split_whitespace().next() {
            assert!(
                page.body.contains(word),
                "{site}: {word:?} not in the preview"
            );
        }
        let similarity = outcome.similarity.unwrap();
        eprintln!(
            "{site}: desktop {:.4}, mobile {:.4}, {:.1}s {:?}",
            similarity.desktop,
            similarity.mobile,
            started.elapsed().as_secs_f64(),
            outcome.timings
        );
        if similarity.desktop < *desktop_floor || similarity.mobile < *mobile_floor {
            failures.push(format!(
                "{site}: desktop {:.4} (floor {desktop_floor}), mobile {:.4} (floor {mobile_floor})",
                similarity.desktop, similarity.mobile
            ));
        }
        let _ = outcome.sandbox.unwrap().destroy().await;
    }
    assert!(
        failures.is_empty(),
        "below the floor:\n{}",
        failures.join("\n")
    );
    drop(pool);
    assert_eq!(
        processes_left_after_10s(live.sandboxes.path()).await,
        Vec::<i32>::new()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_goes_away_cancels_the_clone_and_releases_its_sandbox() {
    let live = live().await;
    let deps = live.deps();
    let store = deps.store.clone();
    let mut run = start_clone(CloneRequest::new(live.sites.url("/landing/")), deps).unwrap();
    let id = run.clone_id.clone();
    while let Some(event) = run.events.recv().await {
        if matches!(event, PipelineEvent::Deployed { .. }) {
            break;
        }
    }
    assert!(!processes_under(live.sandboxes.path()).is_empty());
    drop(run);
    let mut status = CloneStatus::Running;
    for _ in 0..200 {
        status = store.summary_of(&id).unwrap().status;
        if status != CloneStatus::Running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, CloneStatus::Cancelled);
    // The files finished before the client left are kept.
    assert!(store.get(&id).unwrap().files.text("app/page.tsx").is_some());
    assert_eq!(
        processes_left_after_10s(live.sandboxes.path()).await,
        Vec::<i32>::new()
    );
}

/// The processes still running under `dir` once they had 10 s to exit.
async fn processes_left_after_10s(dir: &Path) -> Vec<i32> {
    let mut left = processes_under(dir);
    for _ in 0..200 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        left = processes_under(dir);
    }
    left
}
