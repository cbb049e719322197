//! `replica chat ID_OR_DIR` and `replica new "PROMPT"` (DESIGN.md §9): the agent from the
//! command line. Progress (tool calls, file changes) goes to stderr, the model's answer and
//! results to stdout.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::Args;
use replica_agent::Mode;
use replica_core::{PipelineEvent, UrlPolicy};
use replica_pipeline::{
    CloneId, LocalPreviews, PreviewSlots, ProjectRef, SessionError, Sessions, TurnRun,
};
use tokio::sync::mpsc;

use crate::clone::LangArg;
use crate::config::Config;
use crate::deps::{Runtime, Sandboxes, agent_deps};
use crate::stdout::{out, outln};

#[derive(Debug, Args)]
pub struct ChatArgs {
    /// A clone id of the store (REPLICA_DATA_DIR), or a Next.js project directory to edit in
    /// place.
    pub project: String,
    /// Send this one message, print the turn's result and exit (no prompt).
    #[arg(long)]
    pub message: Option<String>,
    /// Undo the last turn (the project's files go back to its checkpoint) and exit.
    #[arg(long)]
    pub undo: bool,
    /// List the project's checkpoints and exit.
    #[arg(long)]
    pub checkpoints: bool,
    /// Start a new session instead of resuming the project's latest one.
    #[arg(long)]
    pub new_session: bool,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// What to build, in plain words ("a landing page for a bakery in Lisbon").
    pub prompt: String,
    /// Write the Next.js project here (it is always kept in the store too).
    #[arg(long)]
    pub out: PathBuf,
    /// The language of the project: TypeScript (like create-next-app) or JavaScript.
    #[arg(long, value_enum, default_value_t = LangArg::Ts)]
    pub lang: LangArg,
    /// Print one JSON object on stdout instead of a summary.
    #[arg(long)]
    pub json: bool,
    /// Keep the preview running until Ctrl-C (default: when stdin is a terminal).
    #[arg(long)]
    pub keep_preview: bool,
}

/// The agent's parts for this process: sandboxes on demand, kept until exit.
struct Agent {
    runtime: Runtime,
    previews: Arc<LocalPreviews>,
    sessions: Arc<Sessions>,
}

impl Agent {
    async fn start(config: &Config, sandboxes: Sandboxes) -> anyhow::Result<Agent> {
        // The CLI runs on the user's machine: their loopback pages are theirs.
        let runtime = Runtime::start(config, UrlPolicy::allow_all(), sandboxes).await?;
        let previews = Arc::new(LocalPreviews::default());
        let sessions = Arc::new(Sessions::new(
            agent_deps(&runtime.deps, config),
            Arc::clone(&previews) as Arc<dyn PreviewSlots>,
        ));
        Ok(Agent {
            runtime,
            previews,
            sessions,
        })
    }

    async fn shutdown(self) {
        self.previews.shutdown().await;
        drop(self.sessions);
        self.runtime.shutdown().await;
    }
}

/// A clone id of the store, else a directory (made absolute: sessions are keyed by it).
fn resolve(project: &str, config: &Config) -> anyhow::Result<ProjectRef> {
    if let Ok(id) = CloneId::parse(project) {
        let store = replica_pipeline::CloneStore::open(&config.data_dir)?;
        if store.summary_of(&id).is_ok() {
            return Ok(ProjectRef::Clone(id));
        }
    }
    let path = Path::new(project);
    if path.is_dir() {
        let absolute =
            std::fs::canonicalize(path).with_context(|| format!("resolving {}", path.display()))?;
        return Ok(ProjectRef::Directory(absolute));
    }
    bail!(
        "{project} is neither a clone in {} nor a directory",
        config.data_dir.display()
    )
}

pub async fn chat(args: ChatArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let target = resolve(&args.project, config)?;
    let needs_model = !(args.undo || args.checkpoints);
    if needs_model && config.model.is_none() {
        bail!("{}", SessionError::NoModel);
    }
    let sandboxes = if needs_model {
        Sandboxes::PerClone
    } else {
        Sandboxes::Off
    };
    let agent = Agent::start(config, sandboxes).await?;
    let result = chat_with(&agent, &target, &args).await;
    agent.shutdown().await;
    result
}

async fn chat_with(
    agent: &Agent,
    target: &ProjectRef,
    args: &ChatArgs,
) -> anyhow::Result<ExitCode> {
    let sessions = &agent.sessions;
    if args.checkpoints {
        let list = sessions.checkpoints(target)?;
        if args.json {
            outln!("{}", serde_json::json!({ "checkpoints": list }));
        } else {
            for checkpoint in list {
                outln!("{}", checkpoint_line(&checkpoint));
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.undo {
        let restored = sessions.undo(target).await?;
        if args.json {
            outln!("{}", serde_json::to_value(&restored)?);
        } else {
            outln!(
                "restored checkpoint {} ({} files changed)",
                restored.checkpoint,
                restored.files_changed.len()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let existing = sessions.list(target)?;
    let session = match existing.last() {
        Some(session) if !args.new_session => session.clone(),
        _ => sessions.create(target, Mode::Edit)?,
    };
    eprintln!(
        "session {} on {} ({} earlier turns)",
        session.session_id, session.project_id, session.turns
    );
    match &args.message {
        Some(message) => one_message(sessions, &session.session_id, message, args.json).await,
        None => interactive(sessions, target, &session.session_id).await,
    }
}

/// `--message`: one turn; stdout gets the answer (or the JSON result).
async fn one_message(
    sessions: &Arc<Sessions>,
    session_id: &str,
    message: &str,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let run = sessions.send(session_id, message)?;
    let mut events = Vec::new();
    let ended = follow(sessions, run, !json, |event| events.push(event.clone())).await?;
    let code = match &ended {
        Some(PipelineEvent::Complete { .. }) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    };
    if json {
        let checkpoint = events.iter().find_map(|event| match event {
            PipelineEvent::Checkpoint { id, .. } => Some(id.clone()),
            _ => None,
        });
        let mut result = serde_json::to_value(&ended)?;
        result["session_id"] = session_id.into();
        result["checkpoint"] = checkpoint.into();
        result["tool_calls"] = events
            .iter()
            .filter(|event| matches!(event, PipelineEvent::ToolStart { .. }))
            .count()
            .into();
        outln!("{result}");
    }
    Ok(code)
}

/// Shows a turn's events until it ends; Ctrl-C (or SIGTERM) stops the turn, not the program.
/// Returns the terminal event.
async fn follow(
    sessions: &Arc<Sessions>,
    mut run: TurnRun,
    answer_to_stdout: bool,
    mut each: impl FnMut(&PipelineEvent),
) -> anyhow::Result<Option<PipelineEvent>> {
    let mut signal = std::pin::pin!(crate::shutdown_signal()?);
    let mut last = None;
    let mut stopping = false;
    loop {
        tokio::select! {
            event = run.events.recv() => match event {
                Some(event) => {
                    each(&event);
                    show(&event, answer_to_stdout);
                    if matches!(event, PipelineEvent::Complete { .. } | PipelineEvent::Error { .. }) {
                        last = Some(event);
                    }
                }
                None => break,
            },
            () = &mut signal, if !stopping => {
                eprintln!("\nstopping the turn...");
                stopping = true;
                sessions.stop(&run.session_id)?;
            }
        }
    }
    let _ = run.task.await;
    Ok(last)
}

/// The prompt: requests, `/undo`, `/checkpoints`, `/stop` (while a turn runs), `/quit`.
async fn interactive(
    sessions: &Arc<Sessions>,
    target: &ProjectRef,
    session_id: &str,
) -> anyhow::Result<ExitCode> {
    let (lines, mut input) = mpsc::channel::<String>(16);
    // Reading stdin blocks, so it has a thread of its own; it ends with stdin.
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if lines.blocking_send(line).is_err() {
                break;
            }
        }
    });
    let terminal = std::io::stdin().is_terminal();
    eprintln!("type a request; /undo, /checkpoints, /stop (or Ctrl-C) during a turn, /quit");
    loop {
        if terminal {
            eprint!("> ");
            let _ = std::io::stderr().flush();
        }
        // Made anew each time, so a Ctrl-C that stopped a turn does not also end the prompt.
        let idle_signal = crate::shutdown_signal()?;
        let line = tokio::select! {
            line = input.recv() => line,
            () = idle_signal => None,
        };
        let Some(line) = line else {
            return Ok(ExitCode::SUCCESS);
        };
        match line.trim() {
            "" => {}
            "/quit" | "/exit" => return Ok(ExitCode::SUCCESS),
            "/undo" => match sessions.undo(target).await {
                Ok(restored) => eprintln!(
                    "restored checkpoint {}: {}",
                    restored.checkpoint,
                    restored.files_changed.join(", ")
                ),
                Err(error) => eprintln!("error: {error}"),
            },
            "/checkpoints" => {
                for checkpoint in sessions.checkpoints(target)? {
                    eprintln!("{}", checkpoint_line(&checkpoint));
                }
            }
            "/stop" => eprintln!("no turn is running"),
            message => match sessions.send(session_id, message) {
                Ok(run) => turn_with_stop(sessions, run, &mut input).await?,
                Err(error) => eprintln!("error: {error}"),
            },
        }
    }
}

/// A turn of the prompt: `/stop` typed meanwhile stops it; other lines wait.
async fn turn_with_stop(
    sessions: &Arc<Sessions>,
    run: TurnRun,
    input: &mut mpsc::Receiver<String>,
) -> anyhow::Result<()> {
    let session_id = run.session_id.clone();
    let follow = follow(sessions, run, true, |_| {});
    let mut follow = std::pin::pin!(follow);
    loop {
        tokio::select! {
            result = &mut follow => {
                result?;
                outln!();
                return Ok(());
            }
            Some(line) = input.recv() => {
                if line.trim() == "/stop" {
                    sessions.stop(&session_id)?;
                } else {
                    eprintln!("(a turn is running: /stop ends it)");
                }
            }
        }
    }
}

fn checkpoint_line(checkpoint: &replica_pipeline::CheckpointInfo) -> String {
    let made_by = match &checkpoint.reason {
        replica_pipeline::CheckpointReason::Turn { turn, message, .. } => {
            format!("before turn {turn} ({message:?})")
        }
        replica_pipeline::CheckpointReason::Restore { to } => {
            format!("before restoring checkpoint {to}")
        }
    };
    format!(
        "{:>3}  {}  {made_by}; changed: {}{}",
        checkpoint.id,
        checkpoint.created_at,
        if checkpoint.files_changed.is_empty() {
            "nothing".to_owned()
        } else {
            checkpoint.files_changed.join(", ")
        },
        if checkpoint.undone { " (undone)" } else { "" }
    )
}

/// One event for a person: the answer's text as it streams, a line per tool call and file.
pub fn show(event: &PipelineEvent, answer_to_stdout: bool) {
    match event {
        PipelineEvent::Stream { text } => {
            if answer_to_stdout {
                out!("{text}");
                let _ = std::io::stdout().flush();
            } else {
                eprint!("{text}");
            }
        }
        other => {
            if let Some(line) = agent_line(other) {
                eprintln!("{line}");
            }
        }
    }
}

/// A line for an agent event other than `stream`; `None` for events of a clone.
pub fn agent_line(event: &PipelineEvent) -> Option<String> {
    Some(match event {
        PipelineEvent::Session {
            session_id,
            project_id,
        } => format!("session {session_id} on {project_id}"),
        PipelineEvent::ToolStart { tool, input, .. } => {
            let mut shown = input.to_string();
            if shown.len() > 120 {
                let cut = (0..=117)
                    .rev()
                    .find(|&i| shown.is_char_boundary(i))
                    .unwrap_or(0);
                shown = format!("{}...", &shown[..cut]);
            }
            format!("\n  → {tool} {shown}")
        }
        PipelineEvent::ToolResult { ok, summary, .. } => {
            format!("    {} {summary}", if *ok { "ok" } else { "failed:" })
        }
        PipelineEvent::FileUpdated { path, .. } => format!("    wrote {path}"),
        PipelineEvent::Checkpoint {
            id, files_changed, ..
        } => format!(
            "\ncheckpoint {id} (undo restores it): {} files changed",
            files_changed.len()
        ),
        PipelineEvent::Complete {
            validation,
            compiled,
            left,
            stopped,
            ..
        } => format!(
            "turn {}: {} JSX errors, compiled: {}{}",
            if *stopped { "stopped" } else { "complete" },
            validation.errors,
            compiled.map_or("not checked", |c| if c { "yes" } else { "no" }),
            if left.is_empty() {
                String::new()
            } else {
                format!("; left: {}", left.join("; "))
            }
        ),
        PipelineEvent::Error { message, code, .. } => {
            format!("error ({}): {message}", code.as_deref().unwrap_or("agent"))
        }
        _ => return None,
    })
}

/// `replica new "PROMPT" --out DIR`.
pub async fn new_project(args: NewArgs, config: &Config) -> anyhow::Result<ExitCode> {
    if config.model.is_none() {
        bail!("{}", SessionError::NoModel);
    }
    let agent = Agent::start(config, Sandboxes::PerClone).await?;
    let result = build(&agent, &args).await;
    agent.shutdown().await;
    result
}

async fn build(agent: &Agent, args: &NewArgs) -> anyhow::Result<ExitCode> {
    let mut run = agent
        .sessions
        .start_prompt_project(&args.prompt, args.lang.into())?;
    let mut signal = std::pin::pin!(crate::shutdown_signal()?);
    let mut progress = crate::clone::Progress::new();
    loop {
        tokio::select! {
            event = run.events.recv() => match event {
                Some(event) => progress.show(&event),
                None => break,
            },
            () = &mut signal => {
                agent.sessions.stop_all();
                eprintln!("\nstopping...");
            }
        }
    }
    progress.finish();
    let outcome = run.task.await?;
    for (path, file) in &outcome.files.files {
        let target = args.out.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&target, &file.contents)
            .with_context(|| format!("writing {}", target.display()))?;
    }
    let result = serde_json::json!({
        "clone_id": outcome.clone_id.as_str(),
        "out_dir": args.out,
        "files": outcome.files.len(),
        "validation": outcome.validation,
        "compiled": outcome.compiled,
        "preview_url": outcome.preview_url,
        "time_ms": outcome.time_ms,
        "error": outcome.error,
    });
    if args.json {
        outln!("{result}");
    } else {
        outln!(
            "project {}: {} files in {}\ncompiled: {}\n{}",
            outcome.clone_id,
            outcome.files.len(),
            args.out.display(),
            if outcome.compiled { "yes" } else { "no" },
            outcome
                .preview_url
                .as_deref()
                .map_or(String::new(), |url| format!("preview: {url}"))
        );
    }
    let keep = args.keep_preview || (!args.json && std::io::stdin().is_terminal());
    if let (Some(url), true) = (&outcome.preview_url, keep) {
        eprintln!("preview running at {url}; press Ctrl-C to stop it");
        signal.await;
    }
    Ok(if outcome.error.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
