//! The clones this server process is responsible for: those running now (with a way to stop
//! them), the live previews of finished ones (kept until DELETE or shutdown) and where the
//! server's preview hosts lead (preview.rs).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant as StdInstant};

use replica_core::{PipelineEvent, ProjectFiles, Sandbox, SandboxError};
use replica_pipeline::{CloneId, CloneRun, CloneStore};
use tokio::sync::{oneshot, watch};
use tracing::Instrument as _;

use super::events::EventLog;

/// How long a stopped clone may take to release its sandbox before we stop waiting for it.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

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
    log: Arc<EventLog>,
}

#[derive(Default)]
pub struct Registry {
    /// Queued and running clones.
    running: Mutex<HashMap<CloneId, Running>>,
    previews: Mutex<HashMap<CloneId, Preview>>,
    routes: Mutex<HashMap<CloneId, Route>>,
    /// When each kept preview last served a request (retention spares what is looked at).
    preview_used: Mutex<HashMap<CloneId, StdInstant>>,
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

    /// The event log of a queued or running clone.
    pub fn log(&self, id: &CloneId) -> Option<Arc<EventLog>> {
        lock(&self.running)
            .get(id)
            .map(|running| Arc::clone(&running.log))
    }

    /// A request reached the clone's preview.
    pub fn touch_preview(&self, id: &CloneId) {
        lock(&self.preview_used).insert(id.clone(), StdInstant::now());
    }

    /// How long ago the clone's kept preview last served a request (or was kept).
    pub fn preview_idle(&self, id: &CloneId) -> Option<Duration> {
        lock(&self.preview_used).get(id).map(StdInstant::elapsed)
    }

    /// The clones with a kept preview.
    pub fn previewed(&self) -> Vec<CloneId> {
        lock(&self.previews).keys().cloned().collect()
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
            .insert(id.clone(), Arc::new(tokio::sync::Mutex::new(Some(sandbox))));
        self.touch_preview(&id);
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
        lock(&self.preview_used).remove(id);
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
    let Running {
        stop, mut ended, ..
    } = running;
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

/// What the task driving one clone needs.
pub struct Driving {
    pub run: CloneRun,
    pub store: CloneStore,
    /// With nobody following its events this long, the clone is cancelled.
    pub orphan_timeout: Duration,
    /// Keep the preview once the clone is done (until DELETE, retention or shutdown); else
    /// it is destroyed then (a CLI's clone nobody will look at).
    pub keep_preview: bool,
}

/// Registers the clone as running and drives it on a task of its own: its events go into
/// its log (memory and store), which clients follow ([`EventLog::follow`]); it returns the
/// log.
///
/// `done` is held back until the clone's preview is registered, so a client that acts on
/// `done` (PUT a file, DELETE) always finds it. A DELETE, a shutdown and a clone nobody
/// followed for `orphan_timeout` stop the clone the same way: its event channel is closed,
/// which makes the pipeline stop its work and release the sandbox, and `finish` waits for it.
pub fn spawn_clone(registry: Arc<Registry>, driving: Driving) -> Arc<EventLog> {
    let (stop_sender, stop) = oneshot::channel();
    let (ended_sender, ended) = watch::channel(());
    let id = driving.run.clone_id.clone();
    let log = EventLog::new();
    lock(&registry.running).insert(
        id.clone(),
        Running {
            stop: stop_sender,
            ended,
            log: Arc::clone(&log),
        },
    );
    let span = tracing::info_span!("clone", clone_id = %id);
    let driven = Arc::clone(&log);
    tokio::spawn(
        async move {
            drive(&registry, driving, &driven, stop).await;
            driven.end();
            lock(&registry.running).remove(&id);
            drop(ended_sender);
        }
        .instrument(span),
    );
    log
}

enum Ending {
    /// The pipeline sent its last event.
    Finished,
    /// Nobody followed the clone for the orphan timeout.
    Orphaned,
    Stopped(StopReason),
}

async fn drive(
    registry: &Registry,
    driving: Driving,
    log: &EventLog,
    mut stop: oneshot::Receiver<StopReason>,
) {
    let Driving {
        mut run,
        store,
        orphan_timeout,
        keep_preview,
    } = driving;
    let id = run.clone_id.clone();
    let record = |event: &PipelineEvent| {
        // The store first: once the log in memory says a clone ended, its file is whole.
        if let Err(error) = store.append_event(&id, event) {
            tracing::warn!("logging an event of clone {id}: {error}");
        }
        log.push(event);
    };
    let mut done = None;
    let orphaned = super::events::orphaned(log.followers(), orphan_timeout);
    let mut orphaned = std::pin::pin!(orphaned);
    let ending = loop {
        tokio::select! {
            event = run.events.recv() => match event {
                Some(event @ PipelineEvent::Done { .. }) => done = Some(event),
                Some(event) => record(&event),
                None => break Ending::Finished,
            },
            () = &mut orphaned => break Ending::Orphaned,
            reason = &mut stop => break Ending::Stopped(reason.unwrap_or(StopReason::ShuttingDown)),
        }
    };
    if !matches!(ending, Ending::Finished) {
        // Closing the channel is how the pipeline learns to stop.
        run.events.close();
    }
    let outcome = run.finish().await;
    match &outcome {
        Ok(outcome) => match &outcome.error {
            Some((stage, message)) => tracing::info!(stage, "clone ended: {message}"),
            None => tracing::info!(files = outcome.files.len(), "clone done"),
        },
        Err(error) => tracing::warn!("the clone's task failed: {error}"),
    }
    let server_error = |message: &str, code: &str| {
        record(&PipelineEvent::Error {
            message: message.to_string(),
            stage: "server".into(),
            code: Some(code.to_string()),
        });
    };
    match ending {
        Ending::Finished => match outcome {
            Ok(outcome) => {
                let unwanted = match outcome.sandbox {
                    Some(sandbox) if keep_preview => {
                        registry.add_preview(id.clone(), sandbox);
                        None
                    }
                    sandbox => {
                        registry.remove_route(&id);
                        sandbox
                    }
                };
                if let Some(done) = done {
                    record(&done);
                }
                // After `done`: the client need not wait for the dev server to stop.
                if let Some(sandbox) = unwanted {
                    let _ = sandbox.destroy().await;
                }
            }
            Err(error) => {
                registry.remove_route(&id);
                server_error(&error.to_string(), "internal");
            }
        },
        Ending::Orphaned => {
            registry.remove_route(&id);
            release(outcome).await;
            tracing::info!("cancelled: nobody followed the clone for {orphan_timeout:?}");
            server_error(
                &format!(
                    "the clone was cancelled: nobody followed it for {} s (--orphan-timeout)",
                    orphan_timeout.as_secs()
                ),
                "orphaned",
            );
        }
        Ending::Stopped(reason) => {
            registry.remove_route(&id);
            release(outcome).await;
            match reason {
                StopReason::Deleted => {
                    server_error("the clone was deleted while it ran", "deleted")
                }
                StopReason::ShuttingDown => {
                    server_error("the server is shutting down", "shutting_down")
                }
            }
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

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
