//! Retention (`REPLICA_RETENTION`): what nobody has used for that long goes — clones and
//! prompt projects of the store (with their kept previews and agent sessions), the store's
//! records of directory projects (sessions, checkpoints; never the directory), kept previews
//! alone, and local
//! sandbox directories whose process died. At start and then every hour (or every
//! retention period, when that is shorter). Never a clone that is queued or running or has an
//! agent turn running, and never anything outside the data and sandboxes directories.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use replica_pipeline::{CloneId, DirectoryProjects, Retained};
use tokio::task::JoinHandle;

use super::Server;

/// The sweeping task; dropping it stops the sweeps.
#[derive(Debug)]
pub struct Retention(JoinHandle<()>);

impl Drop for Retention {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Retention {
    /// Marks clones of dead processes as interrupted, sweeps once, then sweeps on a timer.
    pub async fn start(server: Arc<Server>) -> Retention {
        let store = server.deps.store.clone();
        match tokio::task::spawn_blocking(move || store.mark_interrupted()).await {
            Ok(Ok(marked)) if !marked.is_empty() => {
                tracing::warn!(
                    count = marked.len(),
                    "clones left running by a process that stopped are now `interrupted`"
                );
            }
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::warn!("marking interrupted clones: {error}"),
            Err(error) => tracing::warn!("marking interrupted clones: {error}"),
        }
        sweep(&server).await;
        let period = server
            .limits
            .retention
            .map_or(Duration::from_secs(3600), |retention| {
                retention.clamp(Duration::from_secs(1), Duration::from_secs(3600))
            });
        Retention(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                sweep(&server).await;
            }
        }))
    }
}

/// One pass: deletes what has been unused longer than the retention.
pub async fn sweep(server: &Arc<Server>) {
    server.rate_limits.forget_idle();
    let Some(retention) = server.limits.retention else {
        return;
    };
    // Each store that keeps things with an age. Agent sessions and checkpoints of a clone or
    // prompt project live in its directory and go with it; a directory project's are kept
    // apart (never in the user's directory).
    let sources: Vec<Arc<dyn Retained>> = vec![
        Arc::new(server.deps.store.clone()),
        Arc::new(DirectoryProjects::new(&server.deps.store)),
    ];
    for source in sources {
        let listed = Arc::clone(&source);
        let items = match tokio::task::spawn_blocking(move || listed.items()).await {
            Ok(Ok(items)) => items,
            Ok(Err(error)) => {
                tracing::warn!("retention: listing the store: {error}");
                continue;
            }
            Err(error) => {
                tracing::warn!("retention: {error}");
                continue;
            }
        };
        for item in items {
            let id = CloneId::parse(&item.id).ok();
            if id.as_ref().is_some_and(|id| server.registry.is_running(id))
                || server.sessions.is_busy(&item.id)
            {
                continue;
            }
            let changed = SystemTime::now()
                .duration_since(item.last_used)
                .unwrap_or_default();
            // A preview being looked at keeps its clone.
            let idle = match id.as_ref().and_then(|id| server.registry.preview_idle(id)) {
                Some(viewed) => changed.min(viewed),
                None => changed,
            };
            if idle < retention {
                continue;
            }
            if let Some(id) = &id {
                server.registry.stop(id).await;
            }
            let removed = Arc::clone(&source);
            let target = item.clone();
            match tokio::task::spawn_blocking(move || removed.remove(&target)).await {
                Ok(Ok(())) => tracing::info!(
                    kind = item.kind,
                    id = item.id,
                    idle_s = idle.as_secs(),
                    "deleted: unused for longer than the retention"
                ),
                Ok(Err(error)) => tracing::warn!("retention: deleting {}: {error}", item.id),
                Err(error) => tracing::warn!("retention: deleting {}: {error}", item.id),
            }
        }
    }
    // Kept previews nobody looked at for the retention (their clone may have changed since).
    for id in server.registry.previewed() {
        if server
            .registry
            .preview_idle(&id)
            .is_some_and(|idle| idle >= retention)
        {
            server.registry.stop(&id).await;
            tracing::info!(clone_id = %id, "preview stopped: unused for longer than the retention");
        }
    }
    if let Some(dir) = server.runtime.sandboxes_dir.clone() {
        let removed =
            tokio::task::spawn_blocking(move || replica_sandbox_pool::sweep_orphans(&dir))
                .await
                .unwrap_or(0);
        if removed > 0 {
            tracing::info!(count = removed, "removed sandboxes of processes that died");
        }
    }
    server.disk.invalidate();
}

/// `24h`, `90m`, `30s`, `7d`, `1h30m`; a bare number is seconds; `0` is zero (forever, for
/// the retention).
pub fn parse_duration(value: &str) -> Result<Duration, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err("expected a duration such as 24h, 90m, 30s or 0".into());
    }
    if let Ok(seconds) = value.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    let mut total = 0u64;
    let mut number = String::new();
    for c in value.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => {
                return Err(format!(
                    "{value:?}: expected a duration such as 24h, 90m, 30s or 0"
                ));
            }
        };
        let count: u64 = number
            .parse()
            .map_err(|_| format!("{value:?}: expected a number before {c:?}"))?;
        total = total.saturating_add(count.saturating_mul(unit));
        number.clear();
    }
    if !number.is_empty() {
        return Err(format!(
            "{value:?}: a number without a unit (s, m, h or d) at the end"
        ));
    }
    Ok(Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_documented() {
        for (text, seconds) in [
            ("0", 0),
            ("24h", 86_400),
            ("90m", 5_400),
            ("30s", 30),
            ("1h30m", 5_400),
            ("7d", 604_800),
            ("45", 45),
        ] {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_secs(seconds)),
                "{text}"
            );
        }
        for bad in ["", "h", "24x", "1h30", "-1h"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }
}
