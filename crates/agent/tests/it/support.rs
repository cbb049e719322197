//! An in-memory project, scripted checks, and a way to run a turn and collect its events.

use std::sync::Mutex;

use replica_agent::{
    AgentConfig, Checks, CompileStatus, Conversation, FileChanges, Mode, Project, ProjectError,
    ProjectKind, StopSignal, Turn, TurnOutcome, Validation, run_turn,
};
use replica_core::{BoxFuture, Device, ImageBlock, LanguageModel, PipelineEvent, ProjectFiles};
use replica_llm::{Script, ScriptedReplay};
use tokio::sync::mpsc;

pub const PAGE: &str = r#"import Hero from "../components/Hero";

export default function Page() {
  return (
    <main>
      <Hero />
    </main>
  );
}
"#;

pub const HERO: &str = r#"export default function Hero() {
  return (
    <section className="hero">
      <h1 className="title">Fresh bread every morning</h1>
      <p className="lead">Baked in Lisbon since 1921.</p>
    </section>
  );
}
"#;

/// A project held in memory; `apply` can be made to fail.
pub struct MemoryProject {
    pub files: Mutex<ProjectFiles>,
    pub applied: Mutex<Vec<Vec<String>>>,
    pub installs: Mutex<Vec<String>>,
}

impl MemoryProject {
    pub fn new() -> MemoryProject {
        let mut files = ProjectFiles::default();
        files.insert_text("app/page.jsx", PAGE);
        files.insert_text("components/Hero.jsx", HERO);
        files.insert_text(
            "package.json",
            "{\n  \"name\": \"x\",\n  \"dependencies\": {\n    \"next\": \"14.2.21\"\n  }\n}\n",
        );
        files.insert_bytes("public/logo.png", vec![0x89, b'P', b'N', b'G', 0, 0xff]);
        MemoryProject {
            files: Mutex::new(files),
            applied: Mutex::new(Vec::new()),
            installs: Mutex::new(Vec::new()),
        }
    }

    pub fn text(&self, path: &str) -> Option<String> {
        self.files.lock().unwrap().text(path).map(str::to_owned)
    }
}

impl Project for MemoryProject {
    fn kind(&self) -> ProjectKind {
        ProjectKind::Clone {
            url: "https://bakery.example/".into(),
        }
    }

    fn files(&self) -> BoxFuture<'_, Result<ProjectFiles, ProjectError>> {
        let files = self.files.lock().unwrap().clone();
        Box::pin(async move { Ok(files) })
    }

    fn apply<'a>(&'a self, changes: &'a FileChanges) -> BoxFuture<'a, Result<(), ProjectError>> {
        Box::pin(async move {
            let mut files = self.files.lock().unwrap();
            for path in &changes.remove {
                files.files.remove(path);
            }
            files.files.extend(changes.write.files.clone());
            self.applied.lock().unwrap().push(changes.paths());
            Ok(())
        })
    }

    fn install_package<'a>(
        &'a self,
        name: &'a str,
        version: &'a str,
    ) -> BoxFuture<'a, Result<String, ProjectError>> {
        Box::pin(async move {
            self.installs
                .lock()
                .unwrap()
                .push(format!("{name}@{version}"));
            Ok(format!("added 1 package ({name}@{version})"))
        })
    }
}

/// Checks that answer from queues: each validation and compile check takes the next answer
/// (the last one repeats).
pub struct ScriptedChecks {
    pub validations: Mutex<Vec<(usize, String)>>,
    pub compiles: Mutex<Vec<Result<CompileStatus, ProjectError>>>,
    pub compile_calls: Mutex<u32>,
}

impl ScriptedChecks {
    pub fn clean() -> ScriptedChecks {
        ScriptedChecks {
            validations: Mutex::new(vec![(0, String::new())]),
            compiles: Mutex::new(vec![Ok(compiled())]),
            compile_calls: Mutex::new(0),
        }
    }
}

pub fn compiled() -> CompileStatus {
    CompileStatus {
        compiled: true,
        error_count: 0,
        report: String::new(),
    }
}

fn next<T: Clone>(queue: &Mutex<Vec<T>>) -> T {
    let mut queue = queue.lock().unwrap();
    if queue.len() > 1 {
        queue.remove(0)
    } else {
        queue[0].clone()
    }
}

impl Checks for ScriptedChecks {
    fn validate(&self, _files: &ProjectFiles) -> Validation {
        let (errors, report) = next(&self.validations);
        Validation {
            errors,
            warnings: 0,
            report,
            fixed: ProjectFiles::default(),
        }
    }

    fn compile_check(&self) -> BoxFuture<'_, Result<CompileStatus, ProjectError>> {
        *self.compile_calls.lock().unwrap() += 1;
        let answer = next(&self.compiles);
        Box::pin(async move { answer })
    }

    fn screenshot(&self, device: Device) -> BoxFuture<'_, Result<ImageBlock, ProjectError>> {
        Box::pin(async move {
            assert_eq!(device, Device::Mobile);
            Ok(ImageBlock {
                media_type: "image/png".into(),
                base64: "iVBORw0KGgo=".into(),
            })
        })
    }

    fn compare(&self) -> BoxFuture<'_, Result<String, ProjectError>> {
        Box::pin(async { Ok("similarity: desktop 0.9512, mobile 0.9020".to_owned()) })
    }
}

pub fn script(json: serde_json::Value) -> ScriptedReplay {
    let script: Script = serde_json::from_value(json).expect("a valid script");
    ScriptedReplay::new("inline", script)
}

/// Runs one turn and returns its outcome and every event it sent.
pub async fn turn(
    model: &dyn LanguageModel,
    project: &MemoryProject,
    checks: &ScriptedChecks,
    conversation: &Conversation,
    message: &str,
    config: &AgentConfig,
    stop: StopSignal,
) -> (TurnOutcome, Vec<PipelineEvent>) {
    let (events, mut received) = mpsc::channel(1024);
    let outcome = run_turn(Turn {
        model,
        project,
        checks,
        conversation,
        message,
        mode: Mode::Edit,
        notes: "primary colour #b45309",
        config,
        events: &events,
        stop,
    })
    .await;
    drop(events);
    let mut all = Vec::new();
    while let Some(event) = received.recv().await {
        all.push(event);
    }
    (outcome, all)
}

/// The events' types, `tool_start:NAME` and `tool_result:NAME:ok|error` for tool events.
pub fn shape(events: &[PipelineEvent]) -> Vec<String> {
    let mut shape: Vec<String> = Vec::new();
    for event in events {
        let item = match event {
            PipelineEvent::ToolStart { tool, .. } => format!("tool_start:{tool}"),
            PipelineEvent::ToolResult { tool, ok, .. } => {
                format!("tool_result:{tool}:{}", if *ok { "ok" } else { "error" })
            }
            PipelineEvent::FileUpdated { path, .. } => format!("file_updated:{path}"),
            other => serde_json::to_value(other).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned(),
        };
        // Text arrives in several deltas; one entry says there was some.
        if item == "stream" && shape.last().is_some_and(|last| last == "stream") {
            continue;
        }
        shape.push(item);
    }
    shape
}
