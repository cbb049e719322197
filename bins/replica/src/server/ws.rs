//! `/ws/chat` (DESIGN.md §9): the agent over one WebSocket. The client sends
//! `{type:"init", project_id}` (a new session) or `{type:"init", session_id}` (resume),
//! `{type:"message", session_id, text}` and `{type:"stop", session_id}`; the server sends the
//! events of §4 as JSON text messages. A malformed message gets an `error` event and the
//! socket stays open; the server pings every heartbeat and closes a socket that stops
//! answering; a closed socket stops the turns it started.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt as _, StreamExt as _};
use replica_agent::Mode;
use replica_core::PipelineEvent;
use replica_pipeline::SessionError;
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{Instant, interval_at};

use super::Server;
use super::sessions::session_error;

/// Messages waiting for a slow client before the turns wait for it.
const OUTGOING: usize = 256;

/// Pings a client may leave unanswered before the socket is closed.
const MISSED_PONGS: u32 = 3;

/// A client message.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientMessage {
    Init {
        #[serde(default)]
        project_id: Option<String>,
        #[serde(default)]
        session_id: Option<String>,
    },
    Message {
        session_id: String,
        text: String,
    },
    Stop {
        session_id: String,
    },
}

pub async fn upgrade(State(server): State<Arc<Server>>, socket: WebSocketUpgrade) -> Response {
    let limit = server.limits.json_bytes;
    socket
        .max_message_size(limit)
        .on_upgrade(move |socket| chat(server, socket))
}

/// One socket: a reader loop for client messages, a writer task for events, one forwarding
/// task per turn. When the reader ends (close, error, missed pongs) the forwarders are
/// dropped with their turns' event receivers, which stops those turns.
async fn chat(server: Arc<Server>, socket: WebSocket) {
    let (mut sink, mut stream) = socket.split();
    let (outgoing, mut queue) = mpsc::channel::<Message>(OUTGOING);
    let writer = tokio::spawn(async move {
        while let Some(message) = queue.recv().await {
            if sink.send(message).await.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });
    let heartbeat = server.limits.heartbeat;
    let mut pings = interval_at(Instant::now() + heartbeat, heartbeat);
    let mut unanswered = 0;
    let mut turns = JoinSet::new();
    loop {
        tokio::select! {
            received = stream.next() => match received {
                Some(Ok(Message::Text(text))) => {
                    handle(&server, text.as_str(), &outgoing, &mut turns).await;
                }
                Some(Ok(Message::Binary(_))) => {
                    send(&outgoing, &bad_message("messages are JSON text, not binary")).await;
                }
                Some(Ok(Message::Pong(_))) => unanswered = 0,
                Some(Ok(Message::Ping(_))) => {}
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
            },
            _ = pings.tick() => {
                unanswered += 1;
                if unanswered > MISSED_PONGS || server.is_closing() {
                    break;
                }
                let _ = outgoing.send(Message::Ping(Default::default())).await;
            }
            Some(_) = turns.join_next(), if !turns.is_empty() => {}
        }
    }
    // Dropping the forwarders drops their event receivers: the turns stop.
    turns.abort_all();
    while turns.join_next().await.is_some() {}
    drop(outgoing);
    let _ = tokio::time::timeout(Duration::from_secs(5), writer).await;
}

/// Acts on one client message; every problem is an `error` event on the socket.
async fn handle(
    server: &Arc<Server>,
    text: &str,
    outgoing: &mpsc::Sender<Message>,
    turns: &mut JoinSet<()>,
) {
    let message = match serde_json::from_str::<ClientMessage>(text) {
        Ok(message) => message,
        Err(error) => {
            send(
                outgoing,
                &bad_message(&format!("malformed message: {error}")),
            )
            .await;
            return;
        }
    };
    let sessions = &server.sessions;
    let result = match message {
        ClientMessage::Init {
            project_id: Some(project_id),
            session_id: None,
        } => match replica_pipeline::CloneId::parse(&project_id) {
            Ok(id) => sessions
                .create(&replica_pipeline::ProjectRef::Clone(id), Mode::Edit)
                .map(|info| session_event(info.session_id, info.project_id)),
            Err(_) => Err(SessionError::UnknownProject { id: project_id }),
        },
        ClientMessage::Init {
            project_id: None,
            session_id: Some(session_id),
        } => sessions
            .history(&session_id)
            .map(|history| session_event(history.info.session_id, history.info.project_id)),
        ClientMessage::Init { .. } => {
            let message = "init takes either project_id (a new session) or session_id (resume)";
            send(outgoing, &bad_message(message)).await;
            return;
        }
        ClientMessage::Message { session_id, text } => match sessions.send(&session_id, &text) {
            Ok(run) => {
                turns.spawn(forward(run.events, outgoing.clone()));
                return;
            }
            Err(error) => Err(error),
        },
        ClientMessage::Stop { session_id } => sessions.stop(&session_id).map(|_| None),
    };
    match result {
        Ok(Some(event)) => send(outgoing, &event).await,
        Ok(None) => {}
        Err(error) => {
            let code = session_error_code(&error).unwrap_or("agent");
            let status = session_error(error);
            send(
                outgoing,
                &PipelineEvent::Error {
                    message: status.message,
                    stage: "agent".into(),
                    code: Some(code.into()),
                },
            )
            .await;
        }
    }
}

fn session_event(session_id: String, project_id: String) -> Option<PipelineEvent> {
    Some(PipelineEvent::Session {
        session_id,
        project_id,
    })
}

/// The `code` of an error event, named after the HTTP status the same error gets.
fn session_error_code(error: &SessionError) -> Option<&'static str> {
    Some(match error {
        SessionError::NoModel => "no_model",
        SessionError::UnknownSession { .. }
        | SessionError::InvalidSessionId { .. }
        | SessionError::UnknownProject { .. }
        | SessionError::UnknownCheckpoint { .. } => "not_found",
        SessionError::Busy { .. } | SessionError::NothingToUndo { .. } => "busy",
        SessionError::MessageTooLarge { .. } => "too_large",
        SessionError::EmptyMessage => "bad_message",
        SessionError::Project(_) | SessionError::Store(_) => return None,
    })
}

fn bad_message(message: &str) -> PipelineEvent {
    PipelineEvent::Error {
        message: message.to_owned(),
        stage: "agent".into(),
        code: Some("bad_message".into()),
    }
}

async fn send(outgoing: &mpsc::Sender<Message>, event: &PipelineEvent) {
    let json = serde_json::to_string(event).unwrap_or_default();
    let _ = outgoing.send(Message::Text(json.into())).await;
}

/// A turn's events onto the socket, until the turn ends.
async fn forward(mut events: mpsc::Receiver<PipelineEvent>, outgoing: mpsc::Sender<Message>) {
    while let Some(event) = events.recv().await {
        send(&outgoing, &event).await;
    }
}
