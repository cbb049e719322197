//! One turn of a session as a task: checkpoint, the agent's turn, the conversation and events
//! written to the store, and the client's events (a client that leaves stops the turn).

use std::sync::Arc;

use replica_agent::{Project, StopSignal, Turn, TurnOutcome, run_turn};
use replica_core::{LanguageModel, PipelineEvent};
use tokio::sync::mpsc;

use crate::checkpoints::{CheckpointReason, Checkpoints};
use crate::project::{LiveProject, ProjectRef};
use crate::sessions::{SessionError, Sessions, StoredSessionHandle, TurnRun, difference};

/// Where a turn's events go: the client, and the session's log.
pub(crate) struct EventSink<'a> {
    pub(crate) sessions: &'a Sessions,
    pub(crate) session: &'a StoredSessionHandle,
    pub(crate) client: &'a mpsc::Sender<PipelineEvent>,
    pub(crate) turn: u32,
    pub(crate) next_id: u64,
}

impl EventSink<'_> {
    /// Logs the event and hands it to the client (if it is still there).
    pub(crate) async fn send(&mut self, event: PipelineEvent) {
        self.next_id += 1;
        if let Err(error) =
            self.sessions
                .log_event(&self.session.info, self.next_id, self.turn, &event)
        {
            tracing::warn!("the session's event log could not be written: {error}");
        }
        let _ = self.client.send(event).await;
    }
}

impl Sessions {
    /// Starts a turn of `session_id` with the user's `text`. Fails at once (nothing started)
    /// for an unknown session, a bad message, no model, or a turn already running on the
    /// project (DESIGN.md §9: a second message gets 409, it is not queued).
    pub fn send(self: &Arc<Self>, session_id: &str, text: &str) -> Result<TurnRun, SessionError> {
        let session = self.load(session_id)?;
        self.check_message(text)?;
        let model = self.model()?;
        let project = self.open_project(&session.info.project)?;
        let claim = self.claim(&session.info.project, session_id)?;
        let (client, events) = Sessions::channel();
        let sessions = Arc::clone(self);
        let text = text.to_owned();
        let task = tokio::spawn(async move {
            let stop = claim.stop_signal();
            let mut session = session;
            sessions
                .turn_task(&mut session, &project, model.as_ref(), &text, &client, stop)
                .await;
            drop(claim);
        });
        Ok(TurnRun {
            session_id: session_id.to_owned(),
            events,
            task,
        })
    }

    /// The turn: checkpoint, agent, records, `checkpoint` and the terminal event.
    pub(crate) async fn turn_task(
        &self,
        session: &mut StoredSessionHandle,
        project: &LiveProject,
        model: &dyn LanguageModel,
        text: &str,
        client: &mpsc::Sender<PipelineEvent>,
        stop: StopSignal,
    ) -> Option<TurnOutcome> {
        let turn = u32::try_from(session.conversation.turns.len()).unwrap_or(u32::MAX - 1) + 1;
        let next_id = self.logged_events(session);
        let snapshot = session.clone();
        let mut sink = EventSink {
            sessions: self,
            session: &snapshot,
            client,
            turn,
            next_id,
        };
        let target = session.info.project.clone();
        let prepared = self
            .checkpoint_before(project, &target, session, turn, text)
            .await;
        let (before, checkpoint) = match prepared {
            Ok(prepared) => prepared,
            Err(error) => {
                sink.send(agent_error(
                    format!("the turn could not start: {error}"),
                    "store",
                ))
                .await;
                return None;
            }
        };
        let notes = self.notes(&target);
        let (events, mut received) = Sessions::channel();
        let (outcome, ()) = tokio::join!(
            async {
                let events = events;
                run_turn(Turn {
                    model,
                    project,
                    checks: project,
                    conversation: &session.conversation,
                    message: text,
                    mode: session.info.mode,
                    notes: &notes,
                    config: &self.deps.config,
                    events: &events,
                    stop,
                })
                .await
            },
            async {
                loop {
                    tokio::select! {
                        event = received.recv() => match event {
                            Some(event) => sink.send(event).await,
                            None => break,
                        },
                        // The client left (a closed socket, an SSE client gone): stop the turn.
                        () = client.closed() => {
                            self.stop_project(&target);
                            while let Some(event) = received.recv().await {
                                sink.send(event).await;
                            }
                            break;
                        }
                    }
                }
            }
        );
        let after = project.files().await.unwrap_or_else(|_| before.clone());
        let changed = difference(&before, &after).paths();
        // A project deleted meanwhile has no checkpoints left to update; the client still
        // hears how the turn ended.
        let recorded = self
            .agent_dir(&target)
            .map_err(|error| error.to_string())
            .and_then(|dir| {
                Checkpoints::new(&dir)
                    .set_files_changed(checkpoint, changed.clone())
                    .map_err(|error| error.to_string())
            });
        if let Err(error) = recorded {
            tracing::warn!("the checkpoint could not be updated: {error}");
        }
        session.conversation.turns.push(outcome.record.clone());
        session.info.turns = session.conversation.turns.len();
        if let Err(error) = self.save_handle(session) {
            tracing::warn!("the session could not be saved: {error}");
        }
        self.record_compiled(&target, outcome.compiled);
        sink.send(PipelineEvent::Checkpoint {
            id: checkpoint.to_string(),
            turn,
            files_changed: changed,
        })
        .await;
        sink.send(outcome.terminal_event()).await;
        Some(outcome)
    }

    /// The files before the turn, saved as a checkpoint.
    async fn checkpoint_before(
        &self,
        project: &LiveProject,
        target: &ProjectRef,
        session: &StoredSessionHandle,
        turn: u32,
        text: &str,
    ) -> Result<(replica_core::ProjectFiles, u32), SessionError> {
        let before = project.files().await?;
        let checkpoints = Checkpoints::new(&self.agent_dir(target)?);
        let id = checkpoints.take(
            &before,
            CheckpointReason::Turn {
                session_id: session.info.session_id.clone(),
                turn,
                message: text.to_owned(),
            },
        )?;
        Ok((before, id))
    }

    /// How many events the session logged so far (ids continue from there).
    fn logged_events(&self, session: &StoredSessionHandle) -> u64 {
        self.session_dir(&session.info)
            .ok()
            .and_then(|dir| std::fs::read_to_string(dir.join("events.jsonl")).ok())
            .map_or(0, |log| log.lines().count() as u64)
    }

    pub(crate) fn stop_project(&self, target: &ProjectRef) {
        if let Some(turn) = self
            .running
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&target.id())
        {
            let _ = turn.stop.send(true);
        }
    }

    /// A clone's design tokens for the prompt (colours and fonts), when it has them.
    fn notes(&self, target: &ProjectRef) -> String {
        let ProjectRef::Clone(id) = target else {
            return String::new();
        };
        let Some(tokens) = self
            .deps
            .project
            .store
            .clone_dir(id)
            .ok()
            .and_then(|dir| std::fs::read(dir.join("tokens.json")).ok())
            .and_then(|bytes| serde_json::from_slice::<replica_core::DesignTokens>(&bytes).ok())
        else {
            return String::new();
        };
        let colors = serde_json::to_string(&tokens.colors).unwrap_or_default();
        let fonts = serde_json::to_string(&tokens.typography.families).unwrap_or_default();
        format!(
            "Design tokens of the original (use these values for new or changed styles):\n\
             colours {colors}\nfont families {fonts}"
        )
    }

    /// Keeps the clone's record in step with the last compile check.
    fn record_compiled(&self, target: &ProjectRef, compiled: Option<bool>) {
        if let (ProjectRef::Clone(id), Some(compiled)) = (target, compiled) {
            let _ = self
                .deps
                .project
                .store
                .update(id, |record| record.compiled = compiled);
        }
    }
}

/// An `error` event of the agent stage.
pub(crate) fn agent_error(message: String, code: &str) -> PipelineEvent {
    PipelineEvent::Error {
        message,
        stage: "agent".to_owned(),
        code: Some(code.to_owned()),
    }
}
