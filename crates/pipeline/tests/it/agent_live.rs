//! Agent sessions with a real local `next dev`: an edit turn whose change the preview shows,
//! undo back to the exact files in the store and the sandbox, and a prompt-to-app run that
//! compiles. One sandbox serves both (reset in between), to keep CI time down.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use replica_agent::{AgentConfig, Mode};
use replica_core::{
    BoxFuture, Lang, PipelineEvent, Sandbox, SandboxError, SandboxProvider, ScrapeOptions,
};
use replica_pipeline::{
    AgentDeps, CloneStore, CompileCheckConfig, LocalPreviews, PreviewSlots, ProjectDeps,
    ProjectRef, Sessions,
};
use replica_sandbox_pool::{LocalConfig, LocalProvider, default_cache_dir, install_template};
use tempfile::TempDir;

use crate::agent::{all_events, bakery_clone, script, types};

/// Hands out the sandbox put back with `keep` (reset to the template) before starting one.
struct Recycling {
    provider: LocalProvider,
    kept: Mutex<Option<Box<dyn Sandbox>>>,
    provisioned: Mutex<u32>,
}

impl SandboxProvider for Recycling {
    fn name(&self) -> &str {
        "local"
    }

    fn provision(&self) -> BoxFuture<'_, Result<Box<dyn Sandbox>, SandboxError>> {
        Box::pin(async move {
            let kept = self.kept.lock().unwrap().take();
            match kept {
                Some(sandbox) => Ok(sandbox),
                None => {
                    *self.provisioned.lock().unwrap() += 1;
                    self.provider.provision().await
                }
            }
        })
    }
}

/// The preview's page once it contains `text` (the dev server rebuilds after a write).
async fn page_with(sandbox: &dyn Sandbox, text: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let page = sandbox.fetch_preview("/").await.unwrap();
        if page.status == 200 && page.body.contains(text) || Instant::now() > deadline {
            return page.body;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn edit_undo_and_prompt_to_app_on_a_real_dev_server() {
    let template = tokio::task::spawn_blocking(|| {
        install_template(&default_cache_dir(|name| std::env::var(name).ok()))
    })
    .await
    .unwrap()
    .unwrap();
    let sandboxes_dir = TempDir::new().unwrap();
    let mut config = LocalConfig::new(template);
    config.sandboxes_dir = sandboxes_dir.path().to_path_buf();
    let recycling = Arc::new(Recycling {
        provider: LocalProvider::new(config),
        kept: Mutex::new(None),
        provisioned: Mutex::new(0),
    });
    let data = TempDir::new().unwrap();
    let previews = Arc::new(LocalPreviews::default());
    let deps = |model: &str| AgentDeps {
        project: ProjectDeps {
            store: CloneStore::open(data.path()).unwrap(),
            sandboxes: Some(recycling.clone() as Arc<dyn SandboxProvider>),
            source: None,
            scrape_options: ScrapeOptions::default(),
            compile: CompileCheckConfig {
                log_timeout: Duration::from_secs(60),
                ..CompileCheckConfig::default()
            },
            preview_routes: None,
        },
        model: Some(Arc::new(script(model))),
        config: AgentConfig::default(),
        max_message_bytes: 16 * 1024,
    };

    // An edit turn on the bakery clone: the compile check starts the sandbox.
    let sessions = Arc::new(Sessions::new(
        deps("agent-edit-hero.json"),
        previews.clone(),
    ));
    let store = sessions.deps().project.store.clone();
    let id = bakery_clone(&store);
    let target = ProjectRef::Clone(id.clone());
    let before = store.get(&id).unwrap().files;
    let session = sessions.create(&target, Mode::Edit).unwrap();
    let events = all_events(
        sessions
            .send(&session.session_id, "make the hero say Warm bread all day")
            .unwrap(),
    )
    .await;
    match events.last().unwrap() {
        PipelineEvent::Complete {
            compiled,
            files_changed,
            left,
            ..
        } => {
            assert_eq!(*compiled, Some(true), "{events:?}");
            assert_eq!(files_changed, &["components/Hero.jsx"]);
            assert!(left.is_empty(), "{left:?}");
        }
        other => panic!("{other:?}\n{events:?}"),
    }
    assert!(events.iter().any(|event| matches!(
        event,
        PipelineEvent::ToolResult { tool, ok: true, .. } if tool == "compile_check"
    )));
    let slot = previews.slot(&target);
    {
        let guard = slot.lock().await;
        let sandbox = guard.as_ref().expect("the compile check started a sandbox");
        let page = page_with(sandbox.as_ref(), "Warm bread all day").await;
        assert!(page.contains("Warm bread all day"), "{page}");
    }

    // Undo: the store has the exact files again, and the preview shows the old page.
    sessions.undo(&target).await.unwrap();
    assert_eq!(store.get(&id).unwrap().files, before);
    {
        let guard = slot.lock().await;
        let sandbox = guard.as_ref().unwrap();
        let page = page_with(sandbox.as_ref(), "Fresh bread every morning").await;
        assert!(page.contains("Fresh bread every morning"), "{page}");
        assert!(!page.contains("Warm bread all day"));
    }

    // The same sandbox, reset, runs a project made from a prompt.
    let sandbox = slot.lock().await.take().unwrap();
    sandbox.reset().await.unwrap();
    *recycling.kept.lock().unwrap() = Some(sandbox);
    let sessions = Arc::new(Sessions::new(
        deps("agent-build-bakery-ts.json"),
        previews.clone(),
    ));
    let mut run = sessions
        .start_prompt_project("a landing page for a bakery in Lisbon", Lang::TypeScript)
        .unwrap();
    let mut events = Vec::new();
    while let Some(event) = run.events.recv().await {
        events.push(event);
    }
    let outcome = run.task.await.unwrap();
    let shape = types(&events);
    assert_eq!(
        shape[..4],
        ["clone_created", "session", "step", "deployed"],
        "{shape:?}"
    );
    assert_eq!(
        shape[shape.len() - 5..],
        [
            "checkpoint",
            "complete",
            "validation_passed",
            "compiled",
            "done"
        ],
        "{shape:?}"
    );
    assert!(outcome.compiled, "{outcome:?}");
    assert_eq!(outcome.error, None);
    let record = store.summary_of(&outcome.clone_id).unwrap();
    assert_eq!(record.kind, replica_pipeline::CloneKind::Prompt);
    assert_eq!(
        record.prompt.as_deref(),
        Some("a landing page for a bakery in Lisbon")
    );
    assert!(record.compiled);
    let slot = previews.slot(&ProjectRef::Clone(outcome.clone_id.clone()));
    {
        let guard = slot.lock().await;
        let page = page_with(guard.as_ref().unwrap().as_ref(), "Padaria Alfama").await;
        assert!(page.contains("Padaria Alfama"), "{page}");
    }
    assert_eq!(
        *recycling.provisioned.lock().unwrap(),
        1,
        "one sandbox for both"
    );
    previews.shutdown().await;
}
