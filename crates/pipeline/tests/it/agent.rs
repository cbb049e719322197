//! Agent sessions on the store without a sandbox: turns with scripted models, checkpoints,
//! undo and restore, a restart and resume, directories edited in place, and bad input.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use replica_agent::{AgentConfig, Mode};
use replica_core::{
    Lang, LanguageModel, LlmRequest, LlmStream, PipelineEvent, ProjectFiles, ScrapeOptions,
    StreamEvent,
};
use replica_llm::ScriptedReplay;
use replica_pipeline::{
    AgentDeps, CheckpointReason, Checkpoints, CloneId, CloneStore, CloneStoreError,
    CompileCheckConfig, LocalPreviews, ProjectDeps, ProjectRef, SessionError, Sessions,
    read_project_dir, template_project,
};
use sha2::{Digest, Sha256};
use tempfile::TempDir;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn script(name: &str) -> ScriptedReplay {
    ScriptedReplay::from_file(&root().join("fixtures/llm/scripts").join(name)).unwrap()
}

/// The bakery fixture: the template's configs and the files of fixtures/projects/bakery.
pub fn bakery() -> ProjectFiles {
    let mut files = template_project(Lang::JavaScript);
    let bakery = read_project_dir(&root().join("fixtures/projects/bakery")).unwrap();
    files.files.extend(bakery.files);
    files
}

/// A clone of the bakery in a fresh store.
pub fn bakery_clone(store: &CloneStore) -> CloneId {
    let id = store.create("http://127.0.0.1:41730/bakery/").unwrap();
    store.save_files(&id, &bakery()).unwrap();
    id
}

/// A model that records every request it gets and plays another model's answers.
pub struct Capturing {
    pub inner: Arc<dyn LanguageModel>,
    pub requests: Mutex<Vec<LlmRequest>>,
}

impl LanguageModel for Capturing {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn stream<'a>(&'a self, request: &'a LlmRequest) -> LlmStream<'a> {
        self.requests.lock().unwrap().push(request.clone());
        self.inner.stream(request)
    }
}

/// A model that never finishes its answer.
pub struct Hangs;

impl LanguageModel for Hangs {
    fn name(&self) -> String {
        "hangs".into()
    }

    fn stream<'a>(&'a self, _request: &'a LlmRequest) -> LlmStream<'a> {
        Box::pin(futures_util::stream::unfold(0, |step| async move {
            if step == 0 {
                Some((Ok(StreamEvent::TextDelta("Working on it".into())), 1))
            } else {
                std::future::pending().await
            }
        }))
    }
}

pub fn sessions(data: &Path, model: Option<Arc<dyn LanguageModel>>) -> Arc<Sessions> {
    let deps = AgentDeps {
        project: ProjectDeps {
            store: CloneStore::open(data).unwrap(),
            sandboxes: None,
            source: None,
            scrape_options: ScrapeOptions::default(),
            compile: CompileCheckConfig::default(),
            preview_routes: None,
        },
        model,
        config: AgentConfig::default(),
        max_message_bytes: 16 * 1024,
    };
    Arc::new(Sessions::new(deps, Arc::new(LocalPreviews::default())))
}

pub async fn all_events(mut run: replica_pipeline::TurnRun) -> Vec<PipelineEvent> {
    let mut events = Vec::new();
    while let Some(event) = run.events.recv().await {
        events.push(event);
    }
    run.task.await.unwrap();
    events
}

pub fn types(events: &[PipelineEvent]) -> Vec<String> {
    let mut types: Vec<String> = Vec::new();
    for event in events {
        let kind = serde_json::to_value(event).unwrap()["type"]
            .as_str()
            .unwrap()
            .to_owned();
        if kind == "stream" && types.last().is_some_and(|last| last == "stream") {
            continue;
        }
        types.push(kind);
    }
    types
}

#[tokio::test]
async fn a_turn_edits_the_store_and_undo_restores_the_exact_files() {
    let data = TempDir::new().unwrap();
    let sessions = sessions(data.path(), Some(Arc::new(script("agent-edit-hero.json"))));
    let store = sessions.deps().project.store.clone();
    let id = bakery_clone(&store);
    let target = ProjectRef::Clone(id.clone());
    let before = store.get(&id).unwrap().files;
    let session = sessions.create(&target, Mode::Edit).unwrap();
    assert_eq!(session.project_id, id.to_string());

    let run = sessions
        .send(&session.session_id, "make the hero say Warm bread all day")
        .unwrap();
    let events = all_events(run).await;
    assert_eq!(
        types(&events),
        [
            "stream",
            "tool_start",
            "tool_result",
            "tool_start",
            "tool_result",
            "stream",
            "tool_start",
            "file_updated",
            "tool_result",
            "tool_start",
            "tool_result",
            "tool_start",
            "tool_result",
            "stream",
            "checkpoint",
            "complete"
        ]
    );
    let hero = store.read_file(&id, "components/Hero.jsx").unwrap();
    assert!(
        String::from_utf8(hero)
            .unwrap()
            .contains("Warm bread all day")
    );
    match &events[events.len() - 2] {
        PipelineEvent::Checkpoint {
            id,
            turn,
            files_changed,
        } => {
            assert_eq!((id.as_str(), *turn), ("1", 1));
            assert_eq!(files_changed, &["components/Hero.jsx"]);
        }
        other => panic!("{other:?}"),
    }
    // No sandbox: the compile check was not available, which the result says.
    assert!(events.iter().any(|event| matches!(
        event,
        PipelineEvent::ToolResult { tool, ok: false, summary, .. }
            if tool == "compile_check" && summary.contains("no sandbox provider")
    )));
    let checkpoints = sessions.checkpoints(&target).unwrap();
    assert_eq!(checkpoints.len(), 1);
    assert_eq!(checkpoints[0].files_changed, ["components/Hero.jsx"]);

    let undone = sessions.undo(&target).await.unwrap();
    assert_eq!(undone.checkpoint, 1);
    assert_eq!(undone.files_changed, ["components/Hero.jsx"]);
    assert_eq!(store.get(&id).unwrap().files, before);
    // Nothing left to undo; the restore itself can be restored.
    assert!(matches!(
        sessions.undo(&target).await,
        Err(SessionError::NothingToUndo { .. })
    ));
    sessions.restore(&target, undone.saved_as).await.unwrap();
    assert!(
        String::from_utf8(store.read_file(&id, "components/Hero.jsx").unwrap())
            .unwrap()
            .contains("Warm bread all day")
    );
    assert!(matches!(
        sessions.restore(&target, 99).await,
        Err(SessionError::UnknownCheckpoint { checkpoint: 99, .. })
    ));
}

#[tokio::test]
async fn a_session_survives_a_restart_and_resumes_with_its_history() {
    let data = TempDir::new().unwrap();
    let (id, session_id) = {
        let sessions = sessions(data.path(), Some(Arc::new(script("agent-edit-hero.json"))));
        let id = bakery_clone(&sessions.deps().project.store);
        let session = sessions
            .create(&ProjectRef::Clone(id.clone()), Mode::Edit)
            .unwrap();
        let run = sessions
            .send(&session.session_id, "make the hero say Warm bread all day")
            .unwrap();
        all_events(run).await;
        (id, session.session_id)
    };
    // A new process over the same data directory.
    let capturing = Arc::new(Capturing {
        inner: Arc::new(script("agent-resume.json")),
        requests: Mutex::new(Vec::new()),
    });
    let sessions = sessions(
        data.path(),
        Some(capturing.clone() as Arc<dyn LanguageModel>),
    );
    let listed = sessions.list(&ProjectRef::Clone(id.clone())).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].turns, 1);
    let history = sessions.history(&session_id).unwrap();
    assert_eq!(history.turns.len(), 1);
    assert_eq!(history.turns[0]["ending"], "complete");
    assert!(history.events.len() > 10);
    assert!(
        history
            .events
            .iter()
            .any(|e| e["event"]["type"] == "file_updated"
                && e["event"]["content"].is_null()
                && e["event"]["size"].as_u64() > Some(0))
    );

    let events = all_events(sessions.send(&session_id, "what did you change?").unwrap()).await;
    assert_eq!(types(&events), ["stream", "checkpoint", "complete"]);
    let requests = capturing.requests.lock().unwrap();
    let sent = serde_json::to_string(&requests[0].messages).unwrap();
    assert!(
        sent.contains("make the hero say Warm bread all day"),
        "{sent}"
    );
    assert!(sent.contains("edit_file"), "{sent}");
    assert_eq!(sessions.history(&session_id).unwrap().turns.len(), 2);
}

#[tokio::test]
async fn a_directory_is_edited_in_place_with_its_state_in_the_data_dir() {
    let data = TempDir::new().unwrap();
    let dir = TempDir::new().unwrap();
    for (path, file) in &bakery().files {
        let target = dir.path().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, &file.contents).unwrap();
    }
    std::fs::create_dir_all(dir.path().join("node_modules/react")).unwrap();
    std::fs::write(dir.path().join("node_modules/react/index.js"), "big").unwrap();
    let sessions = sessions(data.path(), Some(Arc::new(script("agent-edit-hero.json"))));
    let target = ProjectRef::Directory(dir.path().to_path_buf());
    let session = sessions.create(&target, Mode::Edit).unwrap();
    assert!(session.project_id.starts_with("dir-"));
    let events = all_events(
        sessions
            .send(&session.session_id, "make the hero say Warm bread all day")
            .unwrap(),
    )
    .await;
    assert_eq!(types(&events).last().unwrap(), "complete");
    let hero = std::fs::read_to_string(dir.path().join("components/Hero.jsx")).unwrap();
    assert!(hero.contains("Warm bread all day"));
    // Nothing of ours went into the directory; node_modules was never read as project files.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        !names
            .iter()
            .any(|n| n.contains("agent") || n.contains("sessions")),
        "{names:?}"
    );
    let checkpoint = sessions.checkpoints(&target).unwrap();
    assert_eq!(checkpoint[0].files, bakery().len());
    sessions.undo(&target).await.unwrap();
    let hero = std::fs::read_to_string(dir.path().join("components/Hero.jsx")).unwrap();
    assert!(hero.contains("Fresh bread every morning"));
}

#[tokio::test]
async fn bad_input_gets_typed_errors() {
    let data = TempDir::new().unwrap();
    let no_model = sessions(data.path(), None);
    let id = bakery_clone(&no_model.deps().project.store);
    let target = ProjectRef::Clone(id.clone());
    let session = no_model.create(&target, Mode::Edit).unwrap();
    let error = no_model.send(&session.session_id, "hello").unwrap_err();
    assert!(matches!(error, SessionError::NoModel));
    for variable in [
        "ANTHROPIC_API_KEY",
        "OPENAI_API_KEY",
        "GEMINI_API_KEY",
        "REPLICA_LLM",
    ] {
        assert!(error.to_string().contains(variable), "{error}");
    }
    assert!(matches!(
        no_model.start_prompt_project("a bakery", Lang::TypeScript),
        Err(SessionError::NoModel)
    ));
    assert_eq!(
        no_model.deps().project.store.list().unwrap().len(),
        1,
        "nothing was created"
    );

    let sessions = sessions(data.path(), Some(Arc::new(Hangs)));
    assert!(matches!(
        sessions.send("s0000000000000000000000", "hi"),
        Err(SessionError::UnknownSession { .. })
    ));
    assert!(matches!(
        sessions.send("../../etc/passwd", "hi"),
        Err(SessionError::InvalidSessionId { .. })
    ));
    assert!(matches!(
        sessions.send(&session.session_id, "   "),
        Err(SessionError::EmptyMessage)
    ));
    assert!(matches!(
        sessions.send(&session.session_id, &"x".repeat(20_000)),
        Err(SessionError::MessageTooLarge {
            size: 20_000,
            limit: 16_384
        })
    ));
    let unknown = ProjectRef::Clone(CloneId::parse("20240101-000000-000-000000").unwrap());
    assert!(matches!(
        sessions.create(&unknown, Mode::Edit),
        Err(SessionError::UnknownProject { .. })
    ));
    assert!(matches!(
        sessions.undo(&target).await,
        Err(SessionError::NothingToUndo { .. })
    ));

    // A message while a turn runs is refused (409), as is an undo; stop ends the turn at once.
    let mut run = sessions
        .send(&session.session_id, "do something slow")
        .unwrap();
    let first = run.events.recv().await.unwrap();
    assert!(matches!(first, PipelineEvent::Stream { .. }), "{first:?}");
    assert!(matches!(
        sessions.send(&session.session_id, "another"),
        Err(SessionError::Busy { .. })
    ));
    assert!(matches!(
        sessions.undo(&target).await,
        Err(SessionError::Busy { .. })
    ));
    assert!(sessions.stop(&session.session_id).unwrap());
    let rest = tokio::time::timeout(Duration::from_secs(5), all_events(run))
        .await
        .unwrap();
    assert_eq!(types(&rest), ["checkpoint", "complete"]);
    assert!(matches!(
        rest[1],
        PipelineEvent::Complete { stopped: true, .. }
    ));
    assert!(
        !sessions.stop(&session.session_id).unwrap(),
        "nothing runs now"
    );
    // The stopped turn still has its checkpoint, and undo works.
    sessions.undo(&target).await.unwrap();
}

#[tokio::test]
async fn a_symlink_out_of_a_directory_project_is_refused() {
    let data = TempDir::new().unwrap();
    let dir = TempDir::new().unwrap();
    let outside = TempDir::new().unwrap();
    std::fs::write(dir.path().join("package.json"), "{}\n").unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("escape")).unwrap();
    let script: replica_llm::Script = serde_json::from_value(serde_json::json!({"turns": [
        {"tool_uses": [
            {"id": "a", "name": "write_file", "input": {"path": "escape/pwned.jsx", "content": "x"}},
            {"id": "b", "name": "read_file", "input": {"path": "escape/secret.txt"}}
        ]},
        {"expect": {"tool_results": [
            {"id": "a", "is_error": true, "contains": "symlink that leads outside the project"},
            {"id": "b", "is_error": true, "contains": "does not exist"}
        ]}, "text": "I cannot write there."}
    ]}))
    .unwrap();
    std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    let model = Arc::new(ScriptedReplay::new("inline", script));
    let sessions = sessions(data.path(), Some(model.clone() as Arc<dyn LanguageModel>));
    let target = ProjectRef::Directory(dir.path().to_path_buf());
    let session = sessions.create(&target, Mode::Edit).unwrap();
    let events = all_events(sessions.send(&session.session_id, "write outside").unwrap()).await;
    assert_eq!(types(&events).last().unwrap(), "complete", "{events:?}");
    assert_eq!(model.remaining(), 0);
    assert!(!outside.path().join("pwned.jsx").exists());
}

#[tokio::test]
async fn an_agent_import_of_a_new_package_lands_in_package_json_and_undo_takes_it_back() {
    let data = TempDir::new().unwrap();
    let script: replica_llm::Script = serde_json::from_value(serde_json::json!({"turns": [
        {"tool_uses": [
            {"id": "a", "name": "write_file", "input": {
                "path": "components/Fade.jsx",
                "content": "import { motion } from \"framer-motion\";\n\nexport default function Fade() {\n  return <motion.div animate={{ opacity: 1 }} />;\n}\n"
            }}
        ]},
        {"text": "Added a fade."}
    ]}))
    .unwrap();
    let sessions = sessions(
        data.path(),
        Some(Arc::new(ScriptedReplay::new("inline", script))),
    );
    let store = sessions.deps().project.store.clone();
    let id = store.create("http://127.0.0.1:41730/bakery/").unwrap();
    // A clone's manifest lists what its files import, not the template's packages.
    let mut files = bakery();
    let tooling = replica_assembler::Tooling {
        lang: Lang::JavaScript,
        tailwind: false,
    };
    replica_assembler::write_manifest(&mut files, "bakery", tooling);
    store.save_files(&id, &files).unwrap();
    let before = files.text("package.json").unwrap().to_owned();
    assert!(!before.contains("framer-motion"), "{before}");
    let target = ProjectRef::Clone(id.clone());
    let session = sessions.create(&target, Mode::Edit).unwrap();
    let events = all_events(sessions.send(&session.session_id, "add a fade").unwrap()).await;
    assert_eq!(types(&events).last().unwrap(), "complete", "{events:?}");

    let after = store.get(&id).unwrap().files;
    let package: serde_json::Value =
        serde_json::from_str(after.text("package.json").unwrap()).unwrap();
    assert!(
        package["dependencies"]["framer-motion"].is_string(),
        "{package}"
    );
    let lock = after.text("package-lock.json").unwrap();
    assert!(lock.contains("\"node_modules/framer-motion\""));
    sessions.undo(&target).await.unwrap();
    let undone = store.get(&id).unwrap().files;
    assert_eq!(undone.text("package.json").unwrap(), before);
}

fn restore_reason() -> CheckpointReason {
    CheckpointReason::Restore { to: 0 }
}

/// The bakery with binary, empty and repeated contents besides.
fn checkpoint_project() -> ProjectFiles {
    let mut files = bakery();
    files.insert_bytes(
        "public/noise.bin",
        (0..=255u8).cycle().take(70_000).collect(),
    );
    files.insert_bytes("public/empty.txt", Vec::new());
    files.insert_text("app/copy-a.txt", "same\n");
    files.insert_text("app/copy-b.txt", "same\n");
    files
}

/// The files under `agent_dir/packs` ending in `.extension`.
fn pack_files(agent_dir: &Path, extension: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(agent_dir.join("packs")) else {
        return Vec::new();
    };
    entries
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == extension))
        .collect()
}

#[test]
fn checkpoints_read_back_byte_exact_after_reopening() {
    let dir = TempDir::new().unwrap();
    let first = checkpoint_project();
    Checkpoints::new(dir.path())
        .take(&first, restore_reason())
        .unwrap();
    // The first checkpoint is one pack; a later one with one new content, one loose blob.
    assert_eq!(pack_files(dir.path(), "pack").len(), 1);
    assert_eq!(pack_files(dir.path(), "idx").len(), 1);
    assert!(!dir.path().join("blobs").exists());
    let mut second = first.clone();
    second.insert_text(
        "app/page.jsx",
        "export default function Page() { return null; }\n",
    );
    Checkpoints::new(dir.path())
        .take(&second, restore_reason())
        .unwrap();
    assert_eq!(pack_files(dir.path(), "pack").len(), 1);
    assert!(dir.path().join("blobs").is_dir());

    let reopened = Checkpoints::new(dir.path());
    assert_eq!(reopened.files(1).unwrap().unwrap(), first);
    assert_eq!(reopened.files(2).unwrap().unwrap(), second);
    assert_eq!(reopened.files(3).unwrap(), None);
    assert_eq!(reopened.list().unwrap().len(), 2);
}

#[test]
fn checkpoints_from_before_packs_stay_readable() {
    // The layout written before packs existed: loose blobs and a manifest naming them.
    let dir = TempDir::new().unwrap();
    let contents = b"export default function Page() { return <h1>Old</h1>; }\n";
    let hash: String = Sha256::digest(contents)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let blob = dir.path().join("blobs").join(&hash[..2]).join(&hash[2..]);
    std::fs::create_dir_all(blob.parent().unwrap()).unwrap();
    std::fs::write(&blob, contents).unwrap();
    std::fs::create_dir_all(dir.path().join("checkpoints")).unwrap();
    let manifest = serde_json::json!({
        "id": 1, "created_at": "2026-12-01T00:00:00Z", "kind": "turn", "session_id": "s1",
        "turn": 1, "message": "hi", "files_changed": ["app/page.jsx"], "undone": false,
        "files": 1, "snapshot": {"app/page.jsx": hash}
    });
    std::fs::write(
        dir.path().join("checkpoints/1.json"),
        serde_json::to_vec(&manifest).unwrap(),
    )
    .unwrap();

    let checkpoints = Checkpoints::new(dir.path());
    let files = checkpoints.files(1).unwrap().unwrap();
    assert_eq!(files.files["app/page.jsx"].contents, contents);
    // New checkpoints over it reuse the loose blob and pack only what is new.
    let id = checkpoints
        .take(&checkpoint_project(), restore_reason())
        .unwrap();
    assert_eq!(id, 2);
    assert_eq!(checkpoints.files(2).unwrap().unwrap(), checkpoint_project());
    assert_eq!(checkpoints.files(1).unwrap().unwrap(), files);
}

#[test]
fn a_damaged_or_missing_pack_is_a_typed_error() {
    let dir = TempDir::new().unwrap();
    let checkpoints = Checkpoints::new(dir.path());
    checkpoints
        .take(&checkpoint_project(), restore_reason())
        .unwrap();
    let [pack] = pack_files(dir.path(), "pack").try_into().unwrap();
    let bytes = std::fs::read(&pack).unwrap();
    let expect = |kind: std::io::ErrorKind| {
        let error = checkpoints.files(1).unwrap_err();
        assert!(
            matches!(&error, CloneStoreError::Io { path, source } if *path == pack && source.kind() == kind),
            "{kind:?}: {error}"
        );
    };

    std::fs::write(&pack, &bytes[..bytes.len() / 2]).unwrap();
    expect(std::io::ErrorKind::UnexpectedEof);
    let mut flipped = bytes.clone();
    flipped[bytes.len() / 3] ^= 1;
    std::fs::write(&pack, &flipped).unwrap();
    expect(std::io::ErrorKind::InvalidData);
    std::fs::remove_file(&pack).unwrap();
    expect(std::io::ErrorKind::NotFound);

    // A damaged index is named too.
    let [index] = pack_files(dir.path(), "idx").try_into().unwrap();
    std::fs::write(&index, b"{\"trunc").unwrap();
    let error = checkpoints.files(1).unwrap_err();
    assert!(
        matches!(&error, CloneStoreError::Corrupt { path, .. } if *path == index),
        "{error}"
    );
}
