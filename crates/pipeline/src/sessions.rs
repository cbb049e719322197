//! Agent sessions (DESIGN.md §9): conversations with the agent about one project, kept in the
//! clone store so a restart loses nothing; one turn at a time per project, a checkpoint before
//! each, undo and restore.
//!
//! Layout, in the project's agent directory (`clones/<id>/agent/`, or `dirs/<key>/agent/` for
//! a directory): `sessions/<session id>/session.json` (the session and its conversation) and
//! `events.jsonl` (every event of its turns, file contents left out), beside the checkpoints.
//! `<data dir>/sessions/<session id>.json` says which project a session belongs to.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use replica_agent::{AgentConfig, Conversation, FileChanges, Mode, Project, ProjectError};
use replica_core::{LanguageModel, PipelineEvent, ProjectFiles};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::CloneStoreError;
use crate::checkpoints::{CheckpointInfo, CheckpointReason, Checkpoints};
use crate::project::{LiveProject, PreviewSlot, ProjectDeps, ProjectRef};
use crate::store::{now_rfc3339, random_hex, write_atomically};

/// Events of a turn waiting for a slow consumer.
const TURN_EVENTS: usize = 256;

/// What sessions could not do; each names what was wrong.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(
        "no language model is configured: set ANTHROPIC_API_KEY, OPENAI_API_KEY (or \
         OPENAI_BASE_URL for a compatible server) or GEMINI_API_KEY, or choose one with \
         REPLICA_LLM (see `replica config`)"
    )]
    NoModel,
    #[error("invalid session id {id:?}")]
    InvalidSessionId { id: String },
    #[error("session {id} not found")]
    UnknownSession { id: String },
    #[error("project {id} not found")]
    UnknownProject { id: String },
    #[error(
        "a turn of session {session_id} is running on project {project_id}; stop it or wait for `complete`"
    )]
    Busy {
        project_id: String,
        session_id: String,
    },
    #[error("the message is empty")]
    EmptyMessage,
    #[error("the message has {size} bytes; at most {limit} are accepted")]
    MessageTooLarge { size: usize, limit: usize },
    #[error("project {project_id} has no turn to undo")]
    NothingToUndo { project_id: String },
    #[error("project {project_id} has no checkpoint {checkpoint}")]
    UnknownCheckpoint { project_id: String, checkpoint: u32 },
    #[error(transparent)]
    Project(#[from] ProjectError),
    #[error(transparent)]
    Store(#[from] CloneStoreError),
}

/// A session as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub session_id: String,
    pub project_id: String,
    pub project: ProjectRef,
    pub created_at: String,
    pub mode: Mode,
    pub turns: usize,
}

/// What `session.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredSession {
    #[serde(flatten)]
    info: SessionInfo,
    conversation: Conversation,
}

/// A session with its turns and events (`GET /api/sessions/{id}`).
#[derive(Debug, Clone, Serialize)]
pub struct SessionHistory {
    #[serde(flatten)]
    pub info: SessionInfo,
    /// Per turn: the request, the answer, the files changed and how it ended.
    pub turns: Vec<serde_json::Value>,
    /// Every event of every turn, `{id, turn, event}`, file contents left out.
    pub events: Vec<serde_json::Value>,
    pub running: bool,
}

/// Where projects' sandboxes are kept between turns: the server's registry of live previews
/// (so the clone's preview and the agent's sandbox are one), or [`LocalPreviews`].
pub trait PreviewSlots: Send + Sync {
    fn slot(&self, project: &ProjectRef) -> PreviewSlot;
}

/// Sandboxes kept by this process, destroyed by [`LocalPreviews::shutdown`] (or when dropped).
#[derive(Default)]
pub struct LocalPreviews {
    slots: Mutex<HashMap<ProjectRef, PreviewSlot>>,
}

impl std::fmt::Debug for LocalPreviews {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalPreviews").finish_non_exhaustive()
    }
}

impl LocalPreviews {
    /// Destroys every sandbox started for a project.
    pub async fn shutdown(&self) {
        let slots: Vec<PreviewSlot> = self
            .slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .map(|(_, slot)| slot)
            .collect();
        for slot in slots {
            if let Some(sandbox) = slot.lock().await.take() {
                let _ = sandbox.destroy().await;
            }
        }
    }
}

impl PreviewSlots for LocalPreviews {
    fn slot(&self, project: &ProjectRef) -> PreviewSlot {
        self.slots
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(project.clone())
            .or_default()
            .clone()
    }
}

/// What sessions run on.
#[derive(Clone)]
pub struct AgentDeps {
    pub project: ProjectDeps,
    /// `None`: messages and prompt projects answer [`SessionError::NoModel`].
    pub model: Option<Arc<dyn LanguageModel>>,
    pub config: AgentConfig,
    /// The largest message accepted, in bytes.
    pub max_message_bytes: usize,
}

impl std::fmt::Debug for AgentDeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentDeps")
            .field("project", &self.project)
            .field("model", &self.model.as_ref().map(|m| m.name()))
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A turn in progress: its events, ending with `checkpoint` and then `complete` or `error`.
/// Dropping `events` stops the turn (a client that left).
#[derive(Debug)]
pub struct TurnRun {
    pub session_id: String,
    pub events: mpsc::Receiver<PipelineEvent>,
    pub task: JoinHandle<()>,
}

/// A running turn's stop switch.
pub(crate) struct Running {
    pub(crate) session_id: String,
    pub(crate) stop: replica_agent::StopSender,
}

/// Every session of one data directory.
pub struct Sessions {
    pub(crate) deps: AgentDeps,
    pub(crate) previews: Arc<dyn PreviewSlots>,
    /// Running turns (and restores) by project id.
    pub(crate) running: Arc<Mutex<HashMap<String, Running>>>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sessions")
            .field("deps", &self.deps)
            .finish_non_exhaustive()
    }
}

impl Sessions {
    pub fn new(deps: AgentDeps, previews: Arc<dyn PreviewSlots>) -> Sessions {
        Sessions {
            deps,
            previews,
            running: Arc::default(),
        }
    }

    pub fn deps(&self) -> &AgentDeps {
        &self.deps
    }

    /// The project with its shared sandbox slot.
    pub fn open_project(&self, target: &ProjectRef) -> Result<LiveProject, SessionError> {
        LiveProject::open(
            target.clone(),
            self.deps.project.clone(),
            self.previews.slot(target),
        )
        .map_err(|error| match error {
            ProjectError::Unavailable(_) => SessionError::UnknownProject { id: target.id() },
            other => SessionError::Project(other),
        })
    }

    /// A new session on `target`.
    pub fn create(&self, target: &ProjectRef, mode: Mode) -> Result<SessionInfo, SessionError> {
        self.open_project(target)?;
        let info = SessionInfo {
            session_id: format!(
                "s{}{}",
                now_rfc3339().replace(['-', ':', '.', 'T', 'Z'], ""),
                random_hex()
            ),
            project_id: target.id(),
            project: target.clone(),
            created_at: now_rfc3339(),
            mode,
            turns: 0,
        };
        let index = self.index_path(&info.session_id)?;
        if let Some(parent) = index.parent() {
            std::fs::create_dir_all(parent).map_err(crate::store::io_error(parent))?;
        }
        let project = serde_json::to_vec(target).unwrap_or_default();
        write_atomically(&index, &project)?;
        self.save(&StoredSession {
            info: info.clone(),
            conversation: Conversation::default(),
        })?;
        Ok(info)
    }

    /// The sessions of `target`, oldest first.
    pub fn list(&self, target: &ProjectRef) -> Result<Vec<SessionInfo>, SessionError> {
        self.open_project(target)?;
        let dir = self.agent_dir(target)?.join("sessions");
        let mut sessions = Vec::new();
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                if let Some(id) = entry.file_name().to_str()
                    && let Ok(session) = self.load(id)
                {
                    sessions.push(session.info);
                }
            }
        }
        sessions.sort_by(|a, b| a.session_id.cmp(&b.session_id));
        Ok(sessions)
    }

    /// A session with its turns and events.
    pub fn history(&self, session_id: &str) -> Result<SessionHistory, SessionError> {
        let session = self.load(session_id)?;
        let turns = session
            .conversation
            .turns
            .iter()
            .map(|turn| {
                serde_json::json!({
                    "message": turn.message,
                    "answer": turn.answer,
                    "files_changed": turn.files_changed,
                    "ending": turn.ending,
                })
            })
            .collect();
        let path = self.session_dir(&session.info)?.join("events.jsonl");
        let events = std::fs::read_to_string(&path)
            .unwrap_or_default()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect();
        let running = self.running_session(&session.info.project_id).as_deref() == Some(session_id);
        Ok(SessionHistory {
            info: session.info,
            turns,
            events,
            running,
        })
    }

    /// Asks the running turn of `session_id` to stop; `false` when none runs.
    pub fn stop(&self, session_id: &str) -> Result<bool, SessionError> {
        let session = self.load(session_id)?;
        let running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        Ok(match running.get(&session.info.project_id) {
            Some(turn) if turn.session_id == session_id => {
                let _ = turn.stop.send(true);
                true
            }
            _ => false,
        })
    }

    /// Asks every running turn to stop (a server shutting down).
    pub fn stop_all(&self) {
        for turn in self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
        {
            let _ = turn.stop.send(true);
        }
    }

    /// The checkpoints of `target`, oldest first.
    pub fn checkpoints(&self, target: &ProjectRef) -> Result<Vec<CheckpointInfo>, SessionError> {
        self.open_project(target)?;
        Ok(Checkpoints::new(&self.agent_dir(target)?).list()?)
    }

    /// Restores the project as it was before its last turn not undone yet.
    pub async fn undo(&self, target: &ProjectRef) -> Result<Restored, SessionError> {
        let checkpoints = Checkpoints::new(&self.agent_dir(target)?);
        let Some(last) = checkpoints.undo_target()? else {
            self.open_project(target)?;
            return Err(SessionError::NothingToUndo {
                project_id: target.id(),
            });
        };
        self.restore(target, last.id).await
    }

    /// Restores checkpoint `checkpoint` into the project's home and its running sandbox. The
    /// state before is saved as a checkpoint of its own, so a restore can be undone too.
    pub async fn restore(
        &self,
        target: &ProjectRef,
        checkpoint: u32,
    ) -> Result<Restored, SessionError> {
        let project = self.open_project(target)?;
        let _turn = self.claim(target, "restore")?;
        let checkpoints = Checkpoints::new(&self.agent_dir(target)?);
        let Some(wanted) = checkpoints.files(checkpoint)? else {
            return Err(SessionError::UnknownCheckpoint {
                project_id: target.id(),
                checkpoint,
            });
        };
        let current = project.files().await?;
        let changes = difference(&current, &wanted);
        let saved = checkpoints.take(&current, CheckpointReason::Restore { to: checkpoint })?;
        checkpoints.mark_undone_from(checkpoint)?;
        // The safety checkpoint is not a turn: marking it undone keeps undo on turns.
        checkpoints.mark_undone_from(saved)?;
        project.apply(&changes).await?;
        Ok(Restored {
            checkpoint,
            files_changed: changes.paths(),
            saved_as: saved,
        })
    }

    /// Marks `target` as busy until the guard drops; 409-style error when a turn runs.
    pub(crate) fn claim(
        &self,
        target: &ProjectRef,
        session_id: &str,
    ) -> Result<Claim, SessionError> {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let project_id = target.id();
        if let Some(turn) = running.get(&project_id) {
            return Err(SessionError::Busy {
                project_id,
                session_id: turn.session_id.clone(),
            });
        }
        let (stop, _) = replica_agent::StopSignal::new();
        running.insert(
            project_id.clone(),
            Running {
                session_id: session_id.to_owned(),
                stop,
            },
        );
        Ok(Claim {
            running: Arc::clone(&self.running),
            project_id,
        })
    }

    /// Whether an agent turn (or a restore) runs on the project now: retention spares it.
    pub fn is_busy(&self, project_id: &str) -> bool {
        self.running_session(project_id).is_some()
    }

    fn running_session(&self, project_id: &str) -> Option<String> {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(project_id)
            .map(|turn| turn.session_id.clone())
    }

    pub(crate) fn agent_dir(&self, target: &ProjectRef) -> Result<PathBuf, SessionError> {
        target
            .agent_dir(&self.deps.project.store)
            .map_err(|_| SessionError::UnknownProject { id: target.id() })
    }

    fn index_path(&self, session_id: &str) -> Result<PathBuf, SessionError> {
        check_session_id(session_id)?;
        Ok(self
            .deps
            .project
            .store
            .data_dir()
            .join("sessions")
            .join(format!("{session_id}.json")))
    }

    pub(crate) fn session_dir(&self, info: &SessionInfo) -> Result<PathBuf, SessionError> {
        Ok(self
            .agent_dir(&info.project)?
            .join("sessions")
            .join(&info.session_id))
    }

    pub(crate) fn load(&self, session_id: &str) -> Result<StoredSessionHandle, SessionError> {
        let unknown = || SessionError::UnknownSession {
            id: session_id.to_owned(),
        };
        let index = self.index_path(session_id)?;
        let project: ProjectRef = std::fs::read(&index)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(unknown)?;
        let path = self
            .agent_dir(&project)?
            .join("sessions")
            .join(session_id)
            .join("session.json");
        let bytes = std::fs::read(&path).map_err(|_| unknown())?;
        let stored: StoredSession = serde_json::from_slice(&bytes)
            .map_err(|source| CloneStoreError::Corrupt { path, source })?;
        Ok(StoredSessionHandle {
            info: stored.info,
            conversation: stored.conversation,
        })
    }

    pub(crate) fn save_handle(&self, session: &StoredSessionHandle) -> Result<(), SessionError> {
        self.save(&StoredSession {
            info: session.info.clone(),
            conversation: session.conversation.clone(),
        })
    }

    fn save(&self, session: &StoredSession) -> Result<(), SessionError> {
        let dir = self.session_dir(&session.info)?;
        std::fs::create_dir_all(&dir).map_err(crate::store::io_error(&dir))?;
        let json = serde_json::to_vec(session).unwrap_or_default();
        write_atomically(&dir.join("session.json"), &json)?;
        Ok(())
    }

    /// Appends one event to the session's log.
    pub(crate) fn log_event(
        &self,
        info: &SessionInfo,
        id: u64,
        turn: u32,
        event: &PipelineEvent,
    ) -> Result<(), SessionError> {
        let mut value = serde_json::to_value(event).unwrap_or_default();
        if let Some(content) = value.get_mut("content") {
            // File contents are in the store; the log says how large they were.
            let size = content.as_str().map_or(0, str::len);
            *content = serde_json::Value::Null;
            value["size"] = size.into();
        }
        let line = serde_json::json!({"id": id, "turn": turn, "event": value});
        let path = self.session_dir(info)?.join("events.jsonl");
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(crate::store::io_error(&path))?;
        writeln!(file, "{line}").map_err(crate::store::io_error(&path))?;
        Ok(())
    }

    /// The model, or the error that says how to configure one.
    pub(crate) fn model(&self) -> Result<Arc<dyn LanguageModel>, SessionError> {
        self.deps.model.clone().ok_or(SessionError::NoModel)
    }

    /// Checks a message before a turn starts.
    pub(crate) fn check_message(&self, text: &str) -> Result<(), SessionError> {
        if text.len() > self.deps.max_message_bytes {
            return Err(SessionError::MessageTooLarge {
                size: text.len(),
                limit: self.deps.max_message_bytes,
            });
        }
        if text.trim().is_empty() {
            return Err(SessionError::EmptyMessage);
        }
        Ok(())
    }

    pub(crate) fn channel() -> (mpsc::Sender<PipelineEvent>, mpsc::Receiver<PipelineEvent>) {
        mpsc::channel(TURN_EVENTS)
    }
}

/// A loaded session.
#[derive(Debug, Clone)]
pub(crate) struct StoredSessionHandle {
    pub(crate) info: SessionInfo,
    pub(crate) conversation: Conversation,
}

/// A project marked busy; dropping it frees the project.
pub(crate) struct Claim {
    running: Arc<Mutex<HashMap<String, Running>>>,
    project_id: String,
}

impl Claim {
    /// Arms the stop switch of the running turn and returns its signal.
    pub(crate) fn stop_signal(&self) -> replica_agent::StopSignal {
        let (stop, signal) = replica_agent::StopSignal::new();
        if let Some(turn) = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_mut(&self.project_id)
        {
            turn.stop = stop;
        }
        signal
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.project_id);
    }
}

/// What an undo or restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Restored {
    /// The checkpoint whose files the project has now.
    pub checkpoint: u32,
    pub files_changed: Vec<String>,
    /// The checkpoint holding the files from before the restore.
    pub saved_as: u32,
}

/// The changes that turn `current` into `wanted`.
pub(crate) fn difference(current: &ProjectFiles, wanted: &ProjectFiles) -> FileChanges {
    let mut changes = FileChanges::default();
    for (path, file) in &wanted.files {
        if current.files.get(path) != Some(file) {
            changes.write.files.insert(path.clone(), file.clone());
        }
    }
    for path in current.paths() {
        if !wanted.files.contains_key(path) {
            changes.remove.push(path.to_owned());
        }
    }
    changes
}

/// Session ids are `s` and digits/hex only: never a path trick.
fn check_session_id(id: &str) -> Result<(), SessionError> {
    let valid = id.len() <= 40
        && id.len() > 8
        && id.starts_with('s')
        && id[1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if valid {
        Ok(())
    } else {
        Err(SessionError::InvalidSessionId { id: id.to_owned() })
    }
}
