//! `cargo xtask bench agent`: what the agent adds around its tools and models.
//!
//! 1. Loop overhead per tool call: a scripted model calls a tool that does almost nothing
//!    (list_files under a prefix no file has) 200 times in one turn, on a project in memory;
//!    the turn's time divided by the calls. Target: at most 5 ms.
//! 2. A checkpoint of a 200-file project (about 4 KB a file): the first one (every blob new,
//!    median of 10 fresh stores) and the next ones (two files changed), median of 20; and the
//!    disk used after 100 turns that each change two files. Target: at most 20 ms.
//! 3. Undo into a running sandbox: from `undo` to the preview (real local `next dev`) serving
//!    the old page again, median of 5. Target: at most 2 s.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use replica_agent::{
    AgentConfig, Checks, CompileStatus, Conversation, FileChanges, Mode, Project, ProjectError,
    ProjectKind, StopSignal, Turn, Validation, run_turn,
};
use replica_core::{BoxFuture, Device, ImageBlock, Lang, ProjectFiles, ScrapeOptions};
use replica_llm::{Script, ScriptedReplay};
use replica_pipeline::{
    AgentDeps, CheckpointReason, Checkpoints, CloneStore, CompileCheckConfig, LocalPreviews,
    PreviewSlots, ProjectDeps, ProjectRef, Sessions, template_project,
};
use replica_sandbox_pool::{LocalConfig, LocalProvider, default_cache_dir, install_template};

type Error = Box<dyn std::error::Error>;

const CALLS: usize = 200;
/// Fresh stores the first checkpoint is timed on.
const FIRST_CHECKPOINTS: usize = 10;

#[tokio::main]
async fn main() -> Result<(), Error> {
    loop_overhead().await?;
    checkpoints()?;
    undo_into_sandbox().await?;
    Ok(())
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A project in memory: the loop's own cost is what is measured.
struct Memory(Mutex<ProjectFiles>);

impl Project for Memory {
    fn kind(&self) -> ProjectKind {
        ProjectKind::Prompt
    }
    fn files(&self) -> BoxFuture<'_, Result<ProjectFiles, ProjectError>> {
        let files = self.0.lock().unwrap().clone();
        Box::pin(async move { Ok(files) })
    }
    fn apply<'a>(&'a self, changes: &'a FileChanges) -> BoxFuture<'a, Result<(), ProjectError>> {
        self.0
            .lock()
            .unwrap()
            .files
            .extend(changes.write.files.clone());
        Box::pin(async { Ok(()) })
    }
    fn install_package<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
    ) -> BoxFuture<'a, Result<String, ProjectError>> {
        Box::pin(async { Err(ProjectError::Unavailable("no".into())) })
    }
}

impl Checks for Memory {
    fn validate(&self, _: &ProjectFiles) -> Validation {
        Validation::default()
    }
    fn compile_check(&self) -> BoxFuture<'_, Result<CompileStatus, ProjectError>> {
        Box::pin(async { Err(ProjectError::Unavailable("no".into())) })
    }
    fn screenshot(&self, _: Device) -> BoxFuture<'_, Result<ImageBlock, ProjectError>> {
        Box::pin(async { Err(ProjectError::Unavailable("no".into())) })
    }
    fn compare(&self) -> BoxFuture<'_, Result<String, ProjectError>> {
        Box::pin(async { Err(ProjectError::Unavailable("no".into())) })
    }
}

/// 200 files of about 4 KB, like a large clone.
fn large_project(version: usize) -> ProjectFiles {
    let mut files = ProjectFiles::default();
    for n in 0..200 {
        let body = format!(
            "export default function Section{n}() {{ return <section>{}</section>; }}\n",
            "text ".repeat(800)
        );
        files.insert_text(format!("components/Section{n:03}.jsx"), body);
    }
    files.insert_text("app/page.jsx", format!("// version {version}\n"));
    files
}

async fn loop_overhead() -> Result<(), Error> {
    let call = serde_json::json!({"tool_uses": [{"id": "c", "name": "list_files", "input": {"prefix": "none/"}}]});
    let mut turns = vec![call; CALLS];
    turns.push(serde_json::json!({"text": "done"}));
    let script: Script = serde_json::from_value(serde_json::json!({ "turns": turns }))?;
    let project = Memory(Mutex::new(large_project(0)));
    let config = AgentConfig {
        max_tool_calls: 10_000,
        ..AgentConfig::default()
    };
    let mut per_call = Vec::new();
    for _ in 0..5 {
        let model = ScriptedReplay::new("bench", script.clone());
        let (events, mut sink) = tokio::sync::mpsc::channel(1024);
        let drain = tokio::spawn(async move { while sink.recv().await.is_some() {} });
        let started = Instant::now();
        let outcome = run_turn(Turn {
            model: &model,
            project: &project,
            checks: &project,
            conversation: &Conversation::default(),
            message: "list",
            mode: Mode::Edit,
            notes: "",
            config: &config,
            events: &events,
            stop: StopSignal::new().1,
        })
        .await;
        let elapsed = started.elapsed();
        drop(events);
        drain.await?;
        assert_eq!(outcome.tool_calls as usize, CALLS, "{:?}", outcome.ending);
        per_call.push(elapsed / CALLS as u32);
    }
    let median = median(&mut per_call);
    println!(
        "loop overhead per tool call: {:.3} ms (median of 5 turns of {CALLS} calls on a 201-file project; target: at most 5 ms)",
        median.as_secs_f64() * 1000.0
    );
    Ok(())
}

fn checkpoints() -> Result<(), Error> {
    let dir = tempfile::TempDir::new()?;
    let checkpoints = Checkpoints::new(dir.path());
    let reason = |turn| CheckpointReason::Turn {
        session_id: "bench".into(),
        turn,
        message: "change".into(),
    };
    // A project's first checkpoint writes every blob: timed on fresh stores, kept apart.
    let mut firsts = Vec::new();
    for _ in 0..FIRST_CHECKPOINTS {
        let fresh = tempfile::TempDir::new()?;
        let started = Instant::now();
        Checkpoints::new(fresh.path()).take(&large_project(0), reason(0))?;
        firsts.push(started.elapsed());
    }
    checkpoints.take(&large_project(0), reason(0))?;
    let mut times = Vec::new();
    let mut files = large_project(0);
    for turn in 1..=100u32 {
        // Each turn changes two files.
        files.insert_text("app/page.jsx", format!("// version {turn}\n"));
        files.insert_text(
            format!("components/Section{:03}.jsx", turn % 200),
            format!("export default function S() {{ return <p>{turn}</p>; }}\n"),
        );
        let started = Instant::now();
        checkpoints.take(&files, reason(turn))?;
        if turn <= 20 {
            times.push(started.elapsed());
        }
    }
    let project_bytes: usize = files.files.values().map(|f| f.contents.len()).sum();
    let stored = disk_usage(dir.path());
    let ms = |duration: Duration| duration.as_secs_f64() * 1000.0;
    println!(
        "checkpoint of a 200-file project: first {:.2} ms (median of {FIRST_CHECKPOINTS} fresh stores, max {:.2}), then {:.2} ms (median of 20, max {:.2}; two files changed each; target: at most 20 ms)",
        ms(median(&mut firsts)),
        ms(firsts.iter().copied().max().unwrap_or_default()),
        ms(median(&mut times)),
        ms(times.iter().copied().max().unwrap_or_default()),
    );
    println!(
        "101 checkpoints (100 turns of two changed files) take {:.2} MB on disk for a {:.2} MB project",
        stored as f64 / 1e6,
        project_bytes as f64 / 1e6
    );
    Ok(())
}

fn disk_usage(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let meta = entry.metadata().unwrap();
        total += if meta.is_dir() {
            disk_usage(&entry.path())
        } else {
            meta.len()
        };
    }
    total
}

async fn undo_into_sandbox() -> Result<(), Error> {
    let template = tokio::task::spawn_blocking(|| {
        install_template(&default_cache_dir(|name| std::env::var(name).ok()))
    })
    .await??;
    let sandboxes = tempfile::TempDir::new()?;
    let mut config = LocalConfig::new(template);
    config.sandboxes_dir = sandboxes.path().to_path_buf();
    let provider = Arc::new(LocalProvider::new(config));
    let data = tempfile::TempDir::new()?;
    let store = CloneStore::open(data.path())?;
    let id = store.create("http://127.0.0.1:41730/bakery/")?;
    let mut files = template_project(Lang::JavaScript);
    for path in [
        "app/layout.jsx",
        "app/page.jsx",
        "app/globals.css",
        "components/Hero.jsx",
        "components/Menu.jsx",
    ] {
        files.insert_bytes(
            path,
            std::fs::read(root().join("fixtures/projects/bakery").join(path))?,
        );
    }
    store.save_files(&id, &files)?;
    let target = ProjectRef::Clone(id);
    let previews = Arc::new(LocalPreviews::default());
    let mut times = Vec::new();
    for _ in 0..5 {
        let model =
            ScriptedReplay::from_file(&root().join("fixtures/llm/scripts/agent-edit-hero.json"))?;
        let sessions = Arc::new(Sessions::new(
            AgentDeps {
                project: ProjectDeps {
                    store: store.clone(),
                    sandboxes: Some(provider.clone()),
                    source: None,
                    scrape_options: ScrapeOptions::default(),
                    compile: CompileCheckConfig::default(),
                    preview_routes: None,
                },
                model: Some(Arc::new(model)),
                config: AgentConfig::default(),
                max_message_bytes: 16 * 1024,
            },
            previews.clone(),
        ));
        let session = sessions.create(&target, Mode::Edit)?;
        let mut run = sessions.send(&session.session_id, "make the hero say Warm bread all day")?;
        while run.events.recv().await.is_some() {}
        run.task.await?;
        let slot = previews.slot(&target);
        wait_for(&slot, "Warm bread all day").await?;
        let started = Instant::now();
        sessions.undo(&target).await?;
        wait_for(&slot, "Fresh bread every morning").await?;
        times.push(started.elapsed());
    }
    println!(
        "undo into a running sandbox until the preview shows the old page: {:.2} s (median of 5; target: at most 2 s)",
        median(&mut times).as_secs_f64()
    );
    previews.shutdown().await;
    Ok(())
}

/// Polls the preview until its page contains `text` (at most 30 s).
async fn wait_for(slot: &replica_pipeline::PreviewSlot, text: &str) -> Result<(), Error> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        {
            let guard = slot.lock().await;
            let sandbox = guard.as_ref().ok_or("no sandbox")?;
            let page = sandbox.fetch_preview("/").await?;
            if page.status == 200 && page.body.contains(text) {
                return Ok(());
            }
        }
        if Instant::now() > deadline {
            return Err(format!("the preview never showed {text:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or_default()
}
