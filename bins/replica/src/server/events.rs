//! A clone's events as SSE: every event gets an id (1, 2, ...) and goes into the clone's log,
//! in memory while it runs and in the store (`events.jsonl`) for good. Any number of clients
//! follow a log from any id (`Last-Event-ID`); a slow one slows only itself. The clone runs
//! whether anyone follows or not, until nobody has for `--orphan-timeout`.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::header::{self, HeaderValue};
use replica_core::PipelineEvent;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, interval_at};

use super::http::ChannelBody;

/// Frames a follower's connection may hold before the follower waits for it.
const FRAME_BUFFER: usize = 64;

/// One clone's events so far.
#[derive(Debug)]
pub struct EventLog {
    frames: Mutex<Frames>,
    /// The number of frames, and whether the log has ended: followers wait on it.
    grown: watch::Sender<(usize, bool)>,
    /// How many clients follow the log right now.
    followers: watch::Sender<usize>,
}

#[derive(Debug, Default)]
struct Frames {
    frames: Vec<Bytes>,
    ended: bool,
}

impl EventLog {
    pub fn new() -> Arc<EventLog> {
        Arc::new(EventLog {
            frames: Mutex::new(Frames::default()),
            grown: watch::channel((0, false)).0,
            followers: watch::channel(0).0,
        })
    }

    /// A finished log, replayed from the store.
    pub fn finished(events: &[PipelineEvent]) -> Arc<EventLog> {
        let log = EventLog::new();
        for event in events {
            log.push(event);
        }
        log.end();
        log
    }

    /// Adds an event; its id is the log's length after it.
    pub fn push(&self, event: &PipelineEvent) -> u64 {
        let mut frames = self.frames.lock().unwrap_or_else(PoisonError::into_inner);
        let id = frames.frames.len() as u64 + 1;
        frames
            .frames
            .push(Bytes::from(event.to_sse_frame_with_id(id)));
        self.grown.send_replace((frames.frames.len(), frames.ended));
        id
    }

    /// No event comes after this; followers end once they have sent everything.
    pub fn end(&self) {
        let mut frames = self.frames.lock().unwrap_or_else(PoisonError::into_inner);
        frames.ended = true;
        self.grown.send_replace((frames.frames.len(), true));
    }

    pub fn len(&self) -> usize {
        self.frames
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .frames
            .len()
    }

    fn frames_after(&self, sent: usize) -> Vec<Bytes> {
        let frames = self.frames.lock().unwrap_or_else(PoisonError::into_inner);
        frames.frames.get(sent..).unwrap_or_default().to_vec()
    }

    /// Changes whenever a client starts or stops following.
    pub fn followers(&self) -> watch::Receiver<usize> {
        self.followers.subscribe()
    }

    /// The SSE response of a client following the log from after event `after` (0: from the
    /// start). It ends when the log has ended and everything was sent.
    pub fn follow(self: &Arc<Self>, after: u64, heartbeat: Duration) -> Response {
        let (frames, chunks) = mpsc::channel(FRAME_BUFFER);
        self.followers.send_modify(|count| *count += 1);
        let follower = Follower {
            log: Arc::clone(self),
        };
        tokio::spawn(follower.run(after as usize, frames, heartbeat));
        let mut response = Response::new(Body::new(ChannelBody::new(chunks)));
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
        response
    }
}

/// One client following a log; counted among the log's followers while it lives.
struct Follower {
    log: Arc<EventLog>,
}

impl Drop for Follower {
    fn drop(&mut self) {
        self.log.followers.send_modify(|count| *count -= 1);
    }
}

impl Follower {
    async fn run(self, mut sent: usize, frames: mpsc::Sender<Bytes>, heartbeat: Duration) {
        let mut grown = self.log.grown.subscribe();
        let mut ticks = interval_at(Instant::now() + heartbeat, heartbeat);
        loop {
            let (_, ended) = *grown.borrow_and_update();
            for frame in self.log.frames_after(sent) {
                if frames.send(frame).await.is_err() {
                    return;
                }
                sent += 1;
            }
            if ended && sent >= self.log.len() {
                return;
            }
            tokio::select! {
                changed = grown.changed() => if changed.is_err() { return },
                _ = ticks.tick() => {
                    if frames.send(Bytes::from_static(b": heartbeat\n\n")).await.is_err() {
                        return;
                    }
                }
                () = frames.closed() => return,
            }
        }
    }
}

/// Resolves once nobody has followed the log for `timeout` (at once counting from the
/// moment the last follower left).
pub async fn orphaned(mut followers: watch::Receiver<usize>, timeout: Duration) {
    loop {
        if *followers.borrow_and_update() > 0 {
            if followers.changed().await.is_err() {
                return std::future::pending().await;
            }
            continue;
        }
        tokio::select! {
            () = tokio::time::sleep(timeout) => return,
            changed = followers.changed() => if changed.is_err() {
                return std::future::pending().await;
            },
        }
    }
}

/// The event id a reconnecting client last saw (`Last-Event-ID`, or `?after=N` for clients
/// that cannot set headers); 0 when it saw none.
pub fn last_event_id(headers: &http::HeaderMap, query: Option<&str>) -> Result<u64, String> {
    let header = headers
        .get("last-event-id")
        .map(|value| value.to_str().unwrap_or("?").trim().to_string());
    let query = query.and_then(|query| {
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(key, _)| key == "after")
            .map(|(_, value)| value.into_owned())
    });
    match header.or(query) {
        None => Ok(0),
        Some(value) if value.is_empty() => Ok(0),
        Some(value) => value
            .parse()
            .map_err(|_| format!("Last-Event-ID {value:?} is not an event id (a number)")),
    }
}
