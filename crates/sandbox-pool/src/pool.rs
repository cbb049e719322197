//! The pre-warmed pool (stage B): sandboxes are provisioned ahead of time so a clone gets one
//! at once, while its scrape runs.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use replica_core::{BoxFuture, Sandbox, SandboxError, SandboxProvider};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::SandboxPoolError;

/// What happens to a sandbox given back with [`SandboxPool::release`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleasePolicy {
    /// Destroy it; the pool provisions a fresh one. Nothing of one clone can reach the next.
    Destroy,
    /// Reset its files to the template's and keep it warm (its dev server and webpack cache
    /// stay), when the pool has room and the provider can reset; otherwise destroy it.
    Recycle,
}

#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// How many warm sandboxes the pool keeps ready.
    pub size: usize,
    pub release: ReleasePolicy,
    /// How long after a sandbox is taken the pool starts warming its replacement. Warming
    /// (template copy, `next dev` start-up and first compile) takes both cores of a small
    /// machine for seconds; started at once it slowed the clone that took the sandbox (its
    /// scrape 2-3x, time to `compiled` 10.4 s median). A request that comes meanwhile finds
    /// no warm sandbox and provisions one itself, as with an empty pool.
    pub replenish_delay: Duration,
}

impl PoolConfig {
    /// Long enough for a clone to scrape and compile on 2 cores ([`PoolConfig::replenish_delay`]).
    pub const DEFAULT_REPLENISH_DELAY: Duration = Duration::from_secs(10);
}

/// Keeps `size` sandboxes warm. Must be created inside a tokio runtime (it starts the
/// background task that provisions). Dropping it stops that task and drops the warm
/// sandboxes, which kills their processes; [`SandboxPool::shutdown`] does the same and waits.
pub struct SandboxPool {
    inner: Arc<PoolInner>,
    /// `None` only after `shutdown` took it.
    replenisher: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for SandboxPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxPool")
            .field("provider", &self.inner.provider.name())
            .field("config", &self.inner.config)
            .field("warm", &self.warm_count())
            .finish()
    }
}

struct PoolInner {
    provider: Arc<dyn SandboxProvider>,
    config: PoolConfig,
    warm: Mutex<VecDeque<Box<dyn Sandbox>>>,
    /// Wakes the replenisher when a sandbox was taken.
    taken: Notify,
    /// The number of warm sandboxes, for those who wait for the pool to fill.
    warm_count: watch::Sender<usize>,
    /// Why the last provisioning failed, until one succeeds.
    last_error: Mutex<Option<String>>,
}

impl SandboxPool {
    /// Starts pre-warming `config.size` sandboxes in the background, one at a time.
    pub fn new(provider: Arc<dyn SandboxProvider>, config: PoolConfig) -> SandboxPool {
        let inner = Arc::new(PoolInner {
            provider,
            config,
            warm: Mutex::new(VecDeque::new()),
            taken: Notify::new(),
            warm_count: watch::Sender::new(0),
            last_error: Mutex::new(None),
        });
        let replenisher = tokio::spawn(replenish(Arc::clone(&inner)));
        SandboxPool {
            inner,
            replenisher: Some(replenisher),
        }
    }

    /// Sandboxes ready to hand out now.
    pub fn warm_count(&self) -> usize {
        lock(&self.inner.warm).len()
    }

    /// Waits until at least `count` sandboxes are warm, at most `timeout`.
    pub async fn wait_warm(&self, count: usize, timeout: Duration) -> Result<(), SandboxPoolError> {
        let mut watcher = self.inner.warm_count.subscribe();
        let filled = tokio::time::timeout(timeout, watcher.wait_for(|warm| *warm >= count)).await;
        match filled {
            Ok(Ok(_)) => Ok(()),
            _ => Err(SandboxPoolError::NotReady {
                timeout,
                message: format!(
                    "{} of {count} sandboxes warm{}",
                    self.warm_count(),
                    lock(&self.inner.last_error)
                        .as_deref()
                        .map(|e| format!("; the last provisioning failed: {e}"))
                        .unwrap_or_default()
                ),
            }),
        }
    }

    /// A warm sandbox at once, or a new one when none is warm. A warm sandbox whose dev server
    /// died is destroyed and never handed out. Taking one starts replenishing.
    pub async fn acquire(&self) -> Result<Box<dyn Sandbox>, SandboxError> {
        loop {
            let candidate = lock(&self.inner.warm).pop_front();
            self.inner.publish_count();
            self.inner.taken.notify_one();
            let Some(sandbox) = candidate else {
                return self.inner.provider.provision().await;
            };
            if sandbox.is_alive().await {
                return Ok(sandbox);
            }
            tracing::warn!(
                sandbox = sandbox.id(),
                "replacing a sandbox whose dev server died"
            );
            tokio::spawn(sandbox.destroy());
        }
    }

    /// Gives a sandbox back: destroyed, or reset and kept warm (see [`ReleasePolicy`]).
    pub async fn release(&self, sandbox: Box<dyn Sandbox>) -> Result<(), SandboxError> {
        if self.inner.config.release == ReleasePolicy::Recycle
            && self.warm_count() < self.inner.config.size
            && sandbox.is_alive().await
        {
            match sandbox.reset().await {
                Ok(()) => {
                    lock(&self.inner.warm).push_back(sandbox);
                    self.inner.publish_count();
                    return Ok(());
                }
                Err(error) => {
                    tracing::debug!(sandbox = sandbox.id(), "not recycled: {error}");
                }
            }
        }
        sandbox.destroy().await
    }

    /// Stops replenishing and destroys every warm sandbox, waiting for each.
    pub async fn shutdown(mut self) -> Result<(), SandboxError> {
        if let Some(replenisher) = self.replenisher.take() {
            replenisher.abort();
            // The task's in-flight provisioning is dropped with it, which stops its process.
            let _ = replenisher.await;
        }
        let warm: Vec<_> = lock(&self.inner.warm).drain(..).collect();
        let mut first_error = None;
        for sandbox in warm {
            if let Err(error) = sandbox.destroy().await {
                first_error.get_or_insert(error);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

/// A pool is itself a provider: provisioning hands out a warm sandbox (or a new one when none
/// is warm), so the pipeline takes a pool or a bare provider alike.
impl SandboxProvider for SandboxPool {
    fn name(&self) -> &str {
        self.inner.provider.name()
    }

    fn provision(&self) -> BoxFuture<'_, Result<Box<dyn Sandbox>, SandboxError>> {
        Box::pin(self.acquire())
    }
}

impl Drop for SandboxPool {
    fn drop(&mut self) {
        if let Some(replenisher) = &self.replenisher {
            replenisher.abort();
        }
        // Dropping a sandbox kills its processes.
        lock(&self.inner.warm).clear();
    }
}

impl PoolInner {
    fn publish_count(&self) {
        let count = lock(&self.warm).len();
        self.warm_count.send_replace(count);
    }
}

/// The one background task: provisions until the pool is full, then sleeps until a sandbox
/// is taken. Failures are retried with a growing pause so a broken setup does not spin.
async fn replenish(pool: Arc<PoolInner>) {
    let mut pause = Duration::from_millis(500);
    loop {
        while lock(&pool.warm).len() < pool.config.size {
            match pool.provider.provision().await {
                Ok(sandbox) => {
                    lock(&pool.warm).push_back(sandbox);
                    lock(&pool.last_error).take();
                    pool.publish_count();
                    pause = Duration::from_millis(500);
                }
                Err(error) => {
                    tracing::warn!("provisioning a warm sandbox failed: {error}");
                    *lock(&pool.last_error) = Some(error.to_string());
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(30));
                }
            }
        }
        pool.taken.notified().await;
        tokio::time::sleep(pool.config.replenish_delay).await;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
