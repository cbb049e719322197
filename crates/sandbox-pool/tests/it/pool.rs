//! The pool: its logic against a scripted provider, then once with real local sandboxes
//! (warm acquire, replenish, a dead sandbox replaced, nothing left after drop).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use replica_core::{BoxFuture, ProjectFiles, Sandbox, SandboxError, SandboxProvider};
use replica_sandbox_pool::{LocalProvider, PoolConfig, ReleasePolicy, SandboxPool};
use tempfile::TempDir;

use crate::support::{leftover_processes, local_config, still_running};

/// What the scripted provider did, for the assertions.
#[derive(Default)]
struct Ledger {
    provisioned: AtomicUsize,
    destroyed: AtomicUsize,
    reset: AtomicUsize,
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    /// Alive flags of every sandbox made, in order, so a test can "crash" one.
    alive: Mutex<Vec<Arc<AtomicBool>>>,
}

struct ScriptedProvider {
    ledger: Arc<Ledger>,
    delay: Duration,
    fail: bool,
}

struct ScriptedSandbox {
    id: String,
    alive: Arc<AtomicBool>,
    ledger: Arc<Ledger>,
}

impl SandboxProvider for ScriptedProvider {
    fn name(&self) -> &str {
        "scripted"
    }

    fn provision(&self) -> BoxFuture<'_, Result<Box<dyn Sandbox>, SandboxError>> {
        Box::pin(async move {
            let ledger = &self.ledger;
            let now = ledger.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            ledger.most_in_flight.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(self.delay).await;
            ledger.in_flight.fetch_sub(1, Ordering::SeqCst);
            if self.fail {
                return Err(SandboxError::Provider {
                    provider: "scripted".into(),
                    message: "no capacity".into(),
                });
            }
            let n = ledger.provisioned.fetch_add(1, Ordering::SeqCst);
            let alive = Arc::new(AtomicBool::new(true));
            ledger.alive.lock().unwrap().push(Arc::clone(&alive));
            Ok(Box::new(ScriptedSandbox {
                id: format!("s{n}"),
                alive,
                ledger: Arc::clone(ledger),
            }) as Box<dyn Sandbox>)
        })
    }
}

impl Sandbox for ScriptedSandbox {
    fn id(&self) -> &str {
        &self.id
    }
    fn preview_url(&self) -> &str {
        "http://127.0.0.1:1"
    }
    fn write_files<'a>(&'a self, _: &'a ProjectFiles) -> BoxFuture<'a, Result<(), SandboxError>> {
        Box::pin(async { Ok(()) })
    }
    fn logs(&self, _: usize) -> BoxFuture<'_, Result<String, SandboxError>> {
        Box::pin(async { Ok(String::new()) })
    }
    fn destroy(self: Box<Self>) -> BoxFuture<'static, Result<(), SandboxError>> {
        Box::pin(async move {
            self.ledger.destroyed.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
    }
    fn is_alive(&self) -> BoxFuture<'_, bool> {
        Box::pin(async move { self.alive.load(Ordering::SeqCst) })
    }
    fn reset(&self) -> BoxFuture<'_, Result<(), SandboxError>> {
        Box::pin(async move {
            self.ledger.reset.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
    }
}

fn scripted(delay_ms: u64, fail: bool) -> (Arc<Ledger>, Arc<dyn SandboxProvider>) {
    let ledger = Arc::new(Ledger::default());
    let provider = ScriptedProvider {
        ledger: Arc::clone(&ledger),
        delay: Duration::from_millis(delay_ms),
        fail,
    };
    (ledger, Arc::new(provider))
}

fn config(size: usize, release: ReleasePolicy) -> PoolConfig {
    PoolConfig {
        size,
        release,
        replenish_delay: Duration::ZERO,
    }
}

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(start_paused = true)]
async fn the_replacement_is_warmed_only_after_the_replenish_delay() {
    let (ledger, provider) = scripted(1_000, false);
    let delay = Duration::from_secs(10);
    let pool = SandboxPool::new(
        provider,
        PoolConfig {
            replenish_delay: delay,
            ..config(1, ReleasePolicy::Destroy)
        },
    );
    pool.wait_warm(1, WAIT).await.unwrap();
    let _taken = pool.acquire().await.unwrap();
    // The clone that took it has the machine to itself for the delay.
    tokio::time::sleep(delay - Duration::from_millis(1)).await;
    assert_eq!(ledger.in_flight.load(Ordering::SeqCst), 0);
    assert_eq!(ledger.provisioned.load(Ordering::SeqCst), 1);
    // Then the replacement is provisioned (1 s in the script).
    pool.wait_warm(1, Duration::from_millis(1_100))
        .await
        .unwrap();
    assert_eq!(ledger.provisioned.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn prewarms_one_at_a_time_and_replenishes_after_each_acquire() {
    let (ledger, provider) = scripted(20, false);
    let pool = SandboxPool::new(provider, config(3, ReleasePolicy::Destroy));
    pool.wait_warm(3, WAIT).await.unwrap();
    assert_eq!(ledger.provisioned.load(Ordering::SeqCst), 3);

    let first = pool.acquire().await.unwrap();
    let second = pool.acquire().await.unwrap();
    assert_eq!(
        (first.id(), second.id()),
        ("s0", "s1"),
        "warm ones, oldest first"
    );
    pool.wait_warm(3, WAIT).await.unwrap();
    assert_eq!(ledger.provisioned.load(Ordering::SeqCst), 5);
    assert_eq!(
        ledger.most_in_flight.load(Ordering::SeqCst),
        1,
        "one replenish at a time"
    );
    // Full again: nothing more is made.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(ledger.provisioned.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn an_empty_pool_provisions_on_demand() {
    let (ledger, provider) = scripted(0, false);
    let pool = SandboxPool::new(provider, config(0, ReleasePolicy::Destroy));
    let sandbox = pool.acquire().await.unwrap();
    assert_eq!(sandbox.id(), "s0");
    assert_eq!(pool.warm_count(), 0);
    pool.release(sandbox).await.unwrap();
    assert_eq!(ledger.destroyed.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_dead_warm_sandbox_is_destroyed_and_never_handed_out() {
    let (ledger, provider) = scripted(0, false);
    let pool = SandboxPool::new(provider, config(2, ReleasePolicy::Destroy));
    pool.wait_warm(2, WAIT).await.unwrap();
    ledger.alive.lock().unwrap()[0].store(false, Ordering::SeqCst);
    let sandbox = pool.acquire().await.unwrap();
    assert_eq!(sandbox.id(), "s1");
    assert!(sandbox.is_alive().await);
    // The dead one is destroyed in the background.
    tokio::time::timeout(WAIT, async {
        while ledger.destroyed.load(Ordering::SeqCst) < 1 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap();

    // All dead: the pool falls through to a fresh one.
    pool.wait_warm(2, WAIT).await.unwrap();
    for alive in ledger.alive.lock().unwrap().iter() {
        alive.store(false, Ordering::SeqCst);
    }
    let fresh = pool.acquire().await.unwrap();
    assert!(fresh.is_alive().await, "{}", fresh.id());
}

#[tokio::test]
async fn release_destroys_or_recycles_as_configured() {
    let (ledger, provider) = scripted(0, false);
    let pool = SandboxPool::new(provider, config(1, ReleasePolicy::Recycle));
    pool.wait_warm(1, WAIT).await.unwrap();
    let sandbox = pool.acquire().await.unwrap();
    let id = sandbox.id().to_string();
    // Let the replenisher refill first: the pool is then full and the released one goes.
    pool.wait_warm(1, WAIT).await.unwrap();
    pool.release(sandbox).await.unwrap();
    assert_eq!(ledger.destroyed.load(Ordering::SeqCst), 1);
    assert_eq!(ledger.reset.load(Ordering::SeqCst), 0);

    // With room in the pool, a live sandbox is reset and kept.
    let a = pool.acquire().await.unwrap();
    let b = pool.acquire().await.unwrap();
    assert_ne!(a.id(), id);
    let b_id = b.id().to_string();
    pool.release(b).await.unwrap();
    assert_eq!(ledger.reset.load(Ordering::SeqCst), 1);
    let again = pool.acquire().await.unwrap();
    assert_eq!(again.id(), b_id, "the recycled sandbox is handed out again");

    // A dead one is destroyed even with room.
    ledger
        .alive
        .lock()
        .unwrap()
        .iter()
        .for_each(|a| a.store(false, Ordering::SeqCst));
    let destroyed = ledger.destroyed.load(Ordering::SeqCst);
    pool.release(a).await.unwrap();
    assert_eq!(ledger.destroyed.load(Ordering::SeqCst), destroyed + 1);
}

#[tokio::test]
async fn failing_provisioning_is_reported_by_wait_warm_and_acquire() {
    let (_ledger, provider) = scripted(0, true);
    let pool = SandboxPool::new(provider, config(1, ReleasePolicy::Destroy));
    let error = pool
        .wait_warm(1, Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("no capacity"), "{error}");
    let Err(error) = pool.acquire().await else {
        panic!("acquire must fail when provisioning does");
    };
    assert!(error.to_string().contains("no capacity"), "{error}");
}

#[tokio::test]
async fn shutdown_destroys_every_warm_sandbox() {
    let (ledger, provider) = scripted(0, false);
    let pool = SandboxPool::new(provider, config(3, ReleasePolicy::Destroy));
    pool.wait_warm(3, WAIT).await.unwrap();
    pool.shutdown().await.unwrap();
    assert_eq!(ledger.destroyed.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn local_pool_acquires_warm_replaces_dead_and_leaves_no_process_after_drop() {
    let dir = TempDir::new().unwrap();
    let provider = Arc::new(LocalProvider::new(local_config(dir.path())));
    let pool = SandboxPool::new(provider, config(1, ReleasePolicy::Destroy));
    pool.wait_warm(1, Duration::from_secs(120)).await.unwrap();

    let first = pool.acquire().await.unwrap();
    let page = first.fetch_preview("/").await.unwrap();
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Replica sandbox ready"), "{}", page.body);

    // Replenished in the background; then its dev server is killed behind the pool's back.
    pool.wait_warm(1, Duration::from_secs(120)).await.unwrap();
    let warm_dir = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .find(|path| !path.ends_with(first.id()))
        .unwrap();
    let warm_id = warm_dir.file_name().unwrap().to_string_lossy().into_owned();
    let pids = replica_sandbox_pool::processes_under(&warm_dir);
    assert!(!pids.is_empty());
    let kill = std::process::Command::new("kill")
        .arg("-KILL")
        .args(pids.iter().map(i32::to_string))
        .status()
        .unwrap();
    assert!(kill.success());
    // Dead means a zombie or gone: SIGKILL lands when the kernel next schedules them.
    assert_eq!(still_running(&pids).await, Vec::<i32>::new());
    assert_eq!(leftover_processes(&warm_dir).await, Vec::<i32>::new());

    let second = pool.acquire().await.unwrap();
    assert_ne!(second.id(), warm_id, "the dead sandbox was not handed out");
    assert!(second.is_alive().await);
    assert_eq!(second.fetch_preview("/").await.unwrap().status, 200);

    pool.release(first).await.unwrap();
    drop(second);
    drop(pool);
    assert_eq!(leftover_processes(dir.path()).await, Vec::<i32>::new());
    // The replacement being provisioned when the pool dropped is gone too.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(leftover_processes(dir.path()).await, Vec::<i32>::new());
}
