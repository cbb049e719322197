//! What the tests with the real template share: the install (through the same function as
//! `cargo xtask setup`, so a fresh machine installs once) and sandbox configs whose
//! directories are the test's own, so leftover processes can be counted per test.

use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use replica_core::ProjectFiles;
use replica_sandbox_pool::{
    InstalledTemplate, LocalConfig, default_cache_dir, install_template, processes_under,
};

pub fn template() -> InstalledTemplate {
    static TEMPLATE: OnceLock<InstalledTemplate> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            install_template(&default_cache_dir(|name| std::env::var(name).ok()))
                .unwrap_or_else(|e| panic!("the template must install: {e}"))
        })
        .clone()
}

/// A local config whose sandboxes go under `dir`.
pub fn local_config(dir: &Path) -> LocalConfig {
    let mut config = LocalConfig::new(template());
    config.sandboxes_dir = dir.to_path_buf();
    config
}

pub fn files(entries: &[(&str, &str)]) -> ProjectFiles {
    let mut files = ProjectFiles::default();
    for (path, text) in entries {
        files.insert_text(*path, *text);
    }
    files
}

/// Waits (at most 10 s: SIGKILL is delivered at once, the kernel then reaps) until no process
/// runs under `dir`, and returns those still there.
pub async fn leftover_processes(dir: &Path) -> Vec<i32> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = processes_under(dir);
        if left.is_empty() || Instant::now() >= deadline {
            return left;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits (at most 10 s) until process group `pgid` is empty; returns what is left. SIGKILLed
/// processes stay visible in /proc for a moment while the kernel tears them down.
pub async fn leftover_group_members(pgid: i32) -> Vec<i32> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = replica_sandbox_pool::processes_in_group(pgid);
        if left.is_empty() || Instant::now() >= deadline {
            return left;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls the sandbox's log from `offset` until `done` says the text is complete, at most 60 s.
pub async fn wait_for_log(
    sandbox: &dyn replica_core::Sandbox,
    offset: usize,
    done: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let log = sandbox.logs(offset).await.unwrap();
        if done(&log) || Instant::now() >= deadline {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Processes under `dir` outside process group `pgid` (what a sandbox's `run` left behind).
pub fn leftover_count_excluding(dir: &Path, pgid: i32) -> usize {
    let group = replica_sandbox_pool::processes_in_group(pgid);
    processes_under(dir)
        .into_iter()
        .filter(|pid| !group.contains(pid))
        .count()
}

/// Waits until the dev server has rebuilt after a write (its log from `offset` shows a compile
/// result): a request sent before its file watcher fires is answered from the old build.
pub async fn wait_for_rebuild(sandbox: &dyn replica_core::Sandbox, offset: usize) -> String {
    wait_for_log(sandbox, offset, |log| {
        log.contains("Compiled") || log.contains("Failed to compile") || log.contains('⨯')
    })
    .await
}

/// The length of the sandbox's whole log so far: the offset of what comes next.
pub async fn log_end(sandbox: &dyn replica_core::Sandbox) -> usize {
    sandbox.logs(0).await.unwrap().len()
}

/// Waits (at most 10 s) until every process in `pids` is dead; returns those still live.
/// Checked by pid, not by directory: a process in the middle of exiting may have no cwd any
/// more while its other threads still hold its sockets.
pub async fn still_running(pids: &[i32]) -> Vec<i32> {
    let running = |pid: &i32| replica_sandbox_pool::process_is_live(*pid);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left: Vec<i32> = pids.iter().copied().filter(running).collect();
        if left.is_empty() || Instant::now() >= deadline {
            return left;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
