//! The clones this server process is responsible for: those running now (with a way to stop
//! them), the live previews of finished ones (kept until DELETE or shutdown) and where the
//! server's preview hosts lead (preview.rs).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant as StdInstant};

use bytes::Bytes;
use replica_core::{PipelineEvent, ProjectFiles, Sandbox, SandboxError};
use replica_pipeline::{CloneId, CloneRun};
use tokio::sync::{OwnedSemaphorePermit, mpsc, oneshot, watch};
use tokio::time::{Instant, interval_at};

/// How long a stopped clone may take to release its sandbox before we stop waiting for it.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// How long the last frame of a stream (`done`, `error`) may wait for a slow client.
const LAST_FRAME_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a running clone is told to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    Deleted,
    ShuttingDown,
}

/// One live preview; the inner lock is held while files are written, so DELETE waits for a
/// write in progress rather than destroying the sandbox under it.
pub type Preview = Arc<tokio::sync::Mutex<Option<Box<dyn Sandbox>>>>;

/// Where a routed preview's requests go.
#[derive(Debug, Clone)]
pub enum Upstream {
    /// The sandbox's own URL (`http://127.0.0.1:PORT`).
    Live(String),
    /// Its dev server died; a new sandbox is being prepared.
    Replacing,
    /// Replacing it failed (why, and when).
    Failed { message: String, at: StdInstant },
}

/// A preview routed through the server: from `deployed` until the clone ends without a
/// preview, is deleted, or the server stops.
#[derive(Debug, Clone)]
pub struct Route {
    /// The URL users were given.
    pub published: String,
    pub upstream: Upstream,
}

struct Running {
    stop: oneshot::Sender<StopReason>,
    /// Changes (its sender is dropped) when the clone's task has ended and released what it held.
    ended: watch::Receiver<()>,
}

#[derive(Default)]
pub struct Registry {
    running: Mutex<HashMap<CloneId, Running>>,
    previews: Mutex<HashMap<CloneId, Preview>>,
    routes: Mutex<HashMap<CloneId, Route>>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("running", &self.running_count())
            .field("previews", &self.preview_count())
            .finish()
    }
}

impl Registry {
    pub fn running_count(&self) -> usize {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_running(&self, id: &CloneId) -> bool {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(id)
    }

    /// Live previews; an agent's slot that has no sandbox yet does not count (a slot being
    /// written to does).
    pub fn preview_count(&self) -> usize {
        self.previews
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .filter(|slot| slot.try_lock().map_or(true, |sandbox| sandbox.is_some()))
            .count()
    }

    pub fn preview(&self, id: &CloneId) -> Option<Preview> {
        self.previews
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    /// The clone's preview slot, created empty when it has none: the agent starts a sandbox
    /// in it when a tool needs one, and it is then the clone's live preview.
    pub fn slot(&self, id: &CloneId) -> Preview {
        lock(&self.previews).entry(id.clone()).or_default().clone()
    }

    /// The preview's URL (routed when it is) and sandbox id, when the clone has a live preview.
    pub async fn preview_info(&self, id: &CloneId) -> Option<(String, String)> {
        let preview = self.preview(id)?;
        let published = self.route(id).map(|route| route.published);
        let guard = preview.lock().await;
        guard.as_ref().map(|sandbox| {
            let url = published.unwrap_or_else(|| sandbox.preview_url().to_string());
            (url, sandbox.id().to_string())
        })
    }

    pub fn route(&self, id: &CloneId) -> Option<Route> {
        lock(&self.routes).get(id).cloned()
    }

    pub fn add_route(&self, id: CloneId, published: String, upstream: Upstream) {
        lock(&self.routes).insert(
            id,
            Route {
                published,
                upstream,
            },
        );
    }

    /// Points an existing route elsewhere; a route removed meanwhile (DELETE) stays removed.
    pub fn set_upstream(&self, id: &CloneId, upstream: Upstream) -> bool {
        match lock(&self.routes).get_mut(id) {
            Some(route) => {
                route.upstream = upstream;
                true
            }
            None => false,
        }
    }

    /// Marks a kept preview as being replaced, unless that is under way or failed less than
    /// `retry_after` ago. `true`: the caller replaces it.
    pub fn begin_replacing(&self, id: &CloneId, retry_after: Duration) -> bool {
        if self.preview(id).is_none() {
            return false;
        }
        let mut routes = lock(&self.routes);
        let Some(route) = routes.get_mut(id) else {
            return false;
        };
        let due = match &route.upstream {
            Upstream::Live(_) => true,
            Upstream::Replacing => false,
            Upstream::Failed { at, .. } => at.elapsed() >= retry_after,
        };
        if due {
            route.upstream = Upstream::Replacing;
        }
        due
    }

    fn remove_route(&self, id: &CloneId) {
        lock(&self.routes).remove(id);
    }

    /// Writes `files` into the clone's live preview, if it has one. `Ok(false)`: no preview.
    pub async fn write_preview(
        &self,
        id: &CloneId,
        files: &ProjectFiles,
    ) -> Result<bool, SandboxError> {
        let Some(preview) = self.preview(id) else {
            return Ok(false);
        };
        let guard = preview.lock().await;
        match guard.as_ref() {
            Some(sandbox) => sandbox.write_files(files).await.map(|()| true),
            None => Ok(false),
        }
    }

    fn add_preview(&self, id: CloneId, sandbox: Box<dyn Sandbox>) {
        let previous = self
            .previews
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, Arc::new(tokio::sync::Mutex::new(Some(sandbox))));
        // Ids are unique, so there is never a previous one; should there be, dropping kills it.
        drop(previous);
    }

    /// Stops the clone if it is running (waiting until its sandbox is released) and destroys
    /// its preview. Returns whether there was anything to stop.
    pub async fn stop(&self, id: &CloneId) -> bool {
        self.remove_route(id);
        let running = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
        let was_running = running.is_some();
        if let Some(running) = running {
            stop_and_wait(running, StopReason::Deleted).await;
        }
        let preview = self
            .previews
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
        let had_preview = match preview {
            Some(preview) => destroy_preview(id, preview).await,
            None => false,
        };
        was_running || had_preview
    }

    /// Shutdown: stops every running clone, then destroys every preview.
    pub async fn stop_all(&self) {
        lock(&self.routes).clear();
        let running: Vec<Running> = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .map(|(_, running)| running)
            .collect();
        let mut stops = tokio::task::JoinSet::new();
        for running in running {
            stops.spawn(stop_and_wait(running, StopReason::ShuttingDown));
        }
        while stops.join_next().await.is_some() {}
        let previews: Vec<(CloneId, Preview)> = self
            .previews
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .drain()
            .collect();
        let mut destroys = tokio::task::JoinSet::new();
        for (id, preview) in previews {
            destroys.spawn(async move { destroy_preview(&id, preview).await });
        }
        while destroys.join_next().await.is_some() {}
    }
}

async fn stop_and_wait(running: Running, reason: StopReason) {
    let Running { stop, mut ended } = running;
    let _ = stop.send(reason);
    // `changed` fails once the task dropped its sender, i.e. once it has ended.
    let _ = tokio::time::timeout(STOP_TIMEOUT, async {
        while ended.changed().await.is_ok() {}
    })
    .await;
}

/// Destroys a preview's sandbox; `true` when there was one.
async fn destroy_preview(id: &CloneId, preview: Preview) -> bool {
    let sandbox = preview.lock().await.take();
    match sandbox {
        Some(sandbox) => {
            if let Err(error) = sandbox.destroy().await {
                tracing::warn!("destroying the preview of clone {id}: {error}");
            }
            true
        }
        None => false,
    }
}

/// What an SSE stream of one clone needs.
pub struct Streaming {
    pub run: CloneRun,
    /// The URL as the client sent it, for `clone_created`.
    pub url: String,
    pub frames: mpsc::Sender<Bytes>,
    pub heartbeat: Duration,
    /// The clone's slot among `--max-clones`; released when the clone ends.
    pub permit: OwnedSemaphorePermit,
}

/// Registers the clone as running and streams its events as SSE frames on a task of its own.
///
/// `done` is held back until the clone's preview is registered, so a client that acts on
/// `done` (PUT a file, DELETE) always finds it. A client that goes away, a DELETE and a
/// shutdown all stop the clone the same way: its event channel is closed, which makes the
/// pipeline stop its work and release the sandbox, and `finish` waits for that.
pub fn spawn_stream(registry: Arc<Registry>, streaming: Streaming) {
    let (stop_sender, stop) = oneshot::channel();
    let (ended_sender, ended) = watch::channel(());
    let id = streaming.run.clone_id.clone();
    registry
        .running
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(
            id.clone(),
            Running {
                stop: stop_sender,
                ended,
            },
        );
    tokio::spawn(async move {
        stream_events(&registry, streaming, stop).await;
        registry
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
        drop(ended_sender);
    });
}

enum Ending {
    /// The pipeline sent its last event.
    Finished,
    ClientGone,
    Stopped(StopReason),
}

async fn stream_events(
    registry: &Registry,
    streaming: Streaming,
    mut stop: oneshot::Receiver<StopReason>,
) {
    let Streaming {
        mut run,
        url,
        frames,
        heartbeat,
        permit,
    } = streaming;
    let id = run.clone_id.clone();
    let mut ticks = interval_at(Instant::now() + heartbeat, heartbeat);
    // The clone exists from `start_clone` on; announcing it at once gives the client its id
    // before the first (slow) stage reports.
    let created = PipelineEvent::CloneCreated {
        clone_id: id.to_string(),
        url,
    };
    let mut done = None;
    let announced = deliver(&frames, created.to_sse_frame().into(), &mut stop).await;
    let ending = loop {
        if let Some(ending) = announced {
            break ending;
        }
        let frame = tokio::select! {
            event = run.events.recv() => match event {
                // Already announced above.
                Some(PipelineEvent::CloneCreated { .. }) => continue,
                Some(event @ PipelineEvent::Done { .. }) => {
                    done = Some(event);
                    continue;
                }
                Some(event) => Bytes::from(event.to_sse_frame()),
                None => break Ending::Finished,
            },
            _ = ticks.tick() => Bytes::from_static(b": heartbeat\n\n"),
            () = frames.closed() => break Ending::ClientGone,
            reason = &mut stop => break Ending::Stopped(reason.unwrap_or(StopReason::ShuttingDown)),
        };
        if let Some(ending) = deliver(&frames, frame, &mut stop).await {
            break ending;
        }
    };
    if !matches!(ending, Ending::Finished) {
        // Closing the channel is how the pipeline learns nobody listens any more.
        run.events.close();
    }
    let outcome = run.finish().await;
    drop(permit);
    match ending {
        Ending::Finished => match outcome {
            Ok(outcome) => {
                match outcome.sandbox {
                    Some(sandbox) => registry.add_preview(id, sandbox),
                    None => registry.remove_route(&id),
                }
                if let Some(done) = done {
                    send_last(&frames, done).await;
                }
            }
            Err(error) => {
                registry.remove_route(&id);
                send_error(&frames, error.to_string()).await;
            }
        },
        Ending::ClientGone => {
            registry.remove_route(&id);
            release(outcome).await;
        }
        Ending::Stopped(reason) => {
            registry.remove_route(&id);
            release(outcome).await;
            let message = match reason {
                StopReason::Deleted => "the clone was deleted while it ran",
                StopReason::ShuttingDown => "the server is shutting down",
            };
            send_error(&frames, message.to_string()).await;
        }
    }
}

/// After a stop the pipeline has released the sandbox itself; one that raced to the end is
/// destroyed here.
async fn release(outcome: Result<replica_pipeline::CloneOutcome, replica_pipeline::PipelineError>) {
    if let Ok(outcome) = outcome
        && let Some(sandbox) = outcome.sandbox
    {
        let _ = sandbox.destroy().await;
    }
}

async fn send_error(frames: &mpsc::Sender<Bytes>, message: String) {
    let event = PipelineEvent::Error {
        message,
        stage: "server".into(),
        code: None,
    };
    send_last(frames, event).await;
}

/// The stream's last frame; a client that stopped reading does not hold the task up for long.
async fn send_last(frames: &mpsc::Sender<Bytes>, event: PipelineEvent) {
    let frame = Bytes::from(event.to_sse_frame());
    let _ = tokio::time::timeout(LAST_FRAME_TIMEOUT, frames.send(frame)).await;
}

/// Sends one frame unless the client is gone or the clone is told to stop first (a client
/// that stopped reading must not keep a DELETE or a shutdown waiting).
async fn deliver(
    frames: &mpsc::Sender<Bytes>,
    frame: Bytes,
    stop: &mut oneshot::Receiver<StopReason>,
) -> Option<Ending> {
    tokio::select! {
        sent = frames.send(frame) => sent.err().map(|_| Ending::ClientGone),
        reason = stop => Some(Ending::Stopped(reason.unwrap_or(StopReason::ShuttingDown))),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
