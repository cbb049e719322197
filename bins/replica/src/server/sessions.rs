//! The agent's HTTP routes (DESIGN.md §9) for clients without WebSocket: prompt projects and
//! session turns stream their events as SSE, the rest is JSON.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use bytes::Bytes;
use http::StatusCode;
use http::header::HeaderValue;
use replica_agent::Mode;
use replica_core::{Lang, PipelineEvent};
use replica_pipeline::{CloneId, PreviewSlot, PreviewSlots, ProjectRef, SessionError};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio::time::{Instant, interval_at};

use super::Server;
use super::clones::Registry;
use super::http::{ApiError, ok_json, parse_json, read_body, sse_response};

type Shared = State<Arc<Server>>;
type Answer = Result<Response, ApiError>;

/// The agent's routes, merged into the server's router.
pub fn routes() -> Router<Arc<Server>> {
    Router::new()
        .route(
            "/api/projects",
            post(async |State(s): Shared, body: Body| s.new_project(body).await),
        )
        .route(
            "/api/projects/{id}",
            get(async |State(s): Shared, Path(id): Path<String>| s.get_project(&id).await),
        )
        .route(
            "/api/projects/{id}/sessions",
            post(async |State(s): Shared, Path(id): Path<String>| s.create_session(&id).await)
                .get(async |State(s): Shared, Path(id): Path<String>| s.list_sessions(&id).await),
        )
        .route(
            "/api/projects/{id}/checkpoints",
            get(async |State(s): Shared, Path(id): Path<String>| s.checkpoints(&id).await),
        )
        .route(
            "/api/projects/{id}/undo",
            post(async |State(s): Shared, Path(id): Path<String>| s.undo(&id).await),
        )
        .route(
            "/api/projects/{id}/checkpoints/{cp}/restore",
            post(
                async |State(s): Shared, Path((id, cp)): Path<(String, String)>| {
                    s.restore(&id, &cp).await
                },
            ),
        )
        .route(
            "/api/sessions/{id}",
            get(async |State(s): Shared, Path(id): Path<String>| s.history(&id).await),
        )
        .route(
            "/api/sessions/{id}/messages",
            post(
                async |State(s): Shared, Path(id): Path<String>, body: Body| {
                    s.message(&id, body).await
                },
            ),
        )
        .route(
            "/api/sessions/{id}/stop",
            post(async |State(s): Shared, Path(id): Path<String>| s.stop_turn(&id).await),
        )
        .route("/ws/chat", get(super::ws::upgrade))
}

/// The server's registry of live previews is where the agent's sandboxes live too.
impl PreviewSlots for Registry {
    fn slot(&self, project: &ProjectRef) -> PreviewSlot {
        match project {
            ProjectRef::Clone(id) => Registry::slot(self, id),
            // The server only serves projects of its store.
            ProjectRef::Directory(_) => PreviewSlot::default(),
        }
    }
}

/// What went wrong, as the status a client expects (DESIGN.md §9's bad input).
pub fn session_error(error: SessionError) -> ApiError {
    let status = match &error {
        SessionError::NoModel => StatusCode::SERVICE_UNAVAILABLE,
        SessionError::UnknownSession { .. }
        | SessionError::InvalidSessionId { .. }
        | SessionError::UnknownProject { .. }
        | SessionError::UnknownCheckpoint { .. } => StatusCode::NOT_FOUND,
        SessionError::Busy { .. } | SessionError::NothingToUndo { .. } => StatusCode::CONFLICT,
        SessionError::MessageTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        SessionError::EmptyMessage => StatusCode::BAD_REQUEST,
        SessionError::Project(_) | SessionError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let message = match &error {
        SessionError::InvalidSessionId { id } => format!("session {id} not found"),
        other => other.to_string(),
    };
    ApiError::new(status, message)
}

/// A project id from a path: a clone of the store (404 naming the id otherwise).
fn project(id: &str) -> Result<ProjectRef, ApiError> {
    CloneId::parse(id)
        .map(ProjectRef::Clone)
        .map_err(|_| ApiError::not_found(format!("project {id} not found")))
}

/// Events as an SSE response: `id: N` per frame (from 1), heartbeats while quiet. Closing the
/// response (the client left) drops `events`, which stops the turn.
pub fn event_stream(
    mut events: mpsc::Receiver<PipelineEvent>,
    heartbeat: Duration,
    header: Option<(&'static str, String)>,
) -> Response {
    let (frames, chunks) = mpsc::channel::<Bytes>(64);
    tokio::spawn(async move {
        let mut ticks = interval_at(Instant::now() + heartbeat, heartbeat);
        let mut id = 0u64;
        loop {
            let frame = tokio::select! {
                event = events.recv() => match event {
                    Some(event) => {
                        id += 1;
                        Bytes::from(format!("id: {id}\n{}", event.to_sse_frame()))
                    }
                    None => break,
                },
                _ = ticks.tick() => Bytes::from_static(b": heartbeat\n\n"),
                () = frames.closed() => break,
            };
            if frames.send(frame).await.is_err() {
                break;
            }
        }
    });
    let mut response = sse_response(chunks);
    if let Some((name, value)) = header
        && let Ok(value) = HeaderValue::from_str(&value)
    {
        response.headers_mut().insert(name, value);
    }
    response
}

impl Server {
    async fn new_project(&self, body: Body) -> Answer {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct NewProject {
            prompt: String,
            #[serde(default)]
            lang: Lang,
        }
        if self.is_closing() {
            return Err(super::shutting_down());
        }
        let body = read_body(body, self.limits.json_bytes).await?;
        let asked: NewProject = parse_json(&body)?;
        let run = self
            .sessions
            .start_prompt_project(&asked.prompt, asked.lang)
            .map_err(session_error)?;
        let clone_id = run.clone_id.to_string();
        // The run's task outlives the request: a client that leaves stops the turn, the project
        // and its preview stay (as a finished clone's do).
        drop(run.task);
        Ok(event_stream(
            run.events,
            self.limits.heartbeat,
            Some(("x-clone-id", clone_id)),
        ))
    }

    async fn get_project(&self, id: &str) -> Answer {
        let clone = project(id)?;
        let ProjectRef::Clone(id) = clone else {
            return Err(ApiError::not_found("no such project"));
        };
        self.get_clone(&id).await
    }

    async fn create_session(&self, id: &str) -> Answer {
        let target = project(id)?;
        let info = self
            .sessions
            .create(&target, Mode::Edit)
            .map_err(session_error)?;
        Ok(ok_json(&serde_json::to_value(&info).unwrap_or_default()))
    }

    async fn list_sessions(&self, id: &str) -> Answer {
        let target = project(id)?;
        let sessions = self.sessions.list(&target).map_err(session_error)?;
        Ok(ok_json(&serde_json::json!({ "sessions": sessions })))
    }

    async fn history(&self, id: &str) -> Answer {
        let history = self.sessions.history(id).map_err(session_error)?;
        Ok(ok_json(&serde_json::to_value(&history).unwrap_or_default()))
    }

    async fn message(&self, id: &str, body: Body) -> Answer {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Message {
            text: String,
        }
        if self.is_closing() {
            return Err(super::shutting_down());
        }
        let body = read_body(body, self.limits.json_bytes).await?;
        let asked: Message = parse_json(&body)?;
        let run = self.sessions.send(id, &asked.text).map_err(session_error)?;
        drop(run.task);
        Ok(event_stream(run.events, self.limits.heartbeat, None))
    }

    async fn stop_turn(&self, id: &str) -> Answer {
        let stopped = self.sessions.stop(id).map_err(session_error)?;
        Ok(ok_json(
            &serde_json::json!({ "session_id": id, "stopped": stopped }),
        ))
    }

    async fn checkpoints(&self, id: &str) -> Answer {
        let target = project(id)?;
        let list = self.sessions.checkpoints(&target).map_err(session_error)?;
        Ok(ok_json(&serde_json::json!({ "checkpoints": list })))
    }

    async fn undo(&self, id: &str) -> Answer {
        let target = project(id)?;
        let restored = self.sessions.undo(&target).await.map_err(session_error)?;
        Ok(ok_json(
            &serde_json::to_value(&restored).unwrap_or_default(),
        ))
    }

    async fn restore(&self, id: &str, checkpoint: &str) -> Answer {
        let target = project(id)?;
        let checkpoint: u32 = checkpoint.parse().map_err(|_| {
            ApiError::not_found(format!("project {id} has no checkpoint {checkpoint}"))
        })?;
        let restored = self
            .sessions
            .restore(&target, checkpoint)
            .await
            .map_err(session_error)?;
        Ok(ok_json(
            &serde_json::to_value(&restored).unwrap_or_default(),
        ))
    }
}
