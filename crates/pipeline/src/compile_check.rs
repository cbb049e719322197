//! Stage J (DESIGN.md §1): does the project in the sandbox compile and render?
//!
//! `next dev` compiles a route when it is first requested and rebuilds when its files change,
//! so the check requests the preview and reads what the dev server logged since the caller's
//! last change. Hydration and other browser-only errors are not in that log; the pipeline adds
//! the browser console's text to a later parse.

use std::time::{Duration, Instant};

use replica_core::{Sandbox, SandboxError};
use replica_next_error_parser::{ErrorKind, NextError, parse_nextjs_errors, strip_ansi};

/// How the check waits. The defaults suit a local sandbox on a slow machine.
#[derive(Debug, Clone)]
pub struct CompileCheckConfig {
    /// The route to request.
    pub path: String,
    /// How long to wait for the dev server to notice a write and rebuild before requesting:
    /// a request sent before its file watcher fires is answered from the old build. The wait
    /// ends as soon as the log shows a compile result.
    pub pickup_timeout: Duration,
    /// How long to wait, after the response, for the log to show the request's result.
    pub log_timeout: Duration,
    /// Pause between reads of the log.
    pub poll_interval: Duration,
    /// How long a preview that refuses connections is tried again (a dev server restarting
    /// after a config change).
    pub restart_timeout: Duration,
}

impl Default for CompileCheckConfig {
    fn default() -> Self {
        CompileCheckConfig {
            path: "/".into(),
            pickup_timeout: Duration::from_secs(3),
            log_timeout: Duration::from_secs(10),
            poll_interval: Duration::from_millis(50),
            restart_timeout: Duration::from_secs(20),
        }
    }
}

/// What the check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileCheck {
    /// The route compiled and rendered: a 2xx answer and no error in the log.
    pub compiled: bool,
    /// The errors the dev server logged since `since`; when the route failed without a
    /// recognisable message, one [`ErrorKind::Other`] error saying so.
    pub errors: Vec<NextError>,
    /// The HTTP status the preview answered with.
    pub status: u16,
    /// The offset of the end of the log read: the `since` of the next check.
    pub log_end: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum CompileCheckError {
    #[error("the compile check could not reach the sandbox: {0}")]
    Sandbox(#[from] SandboxError),
    /// The preview refused or dropped the request past `restart_timeout`; the dev server's
    /// last output usually says why (a crash, a restart, a compile still running).
    #[error(
        "the compile check could not reach the sandbox: {source}; the dev server's last output:\n{log_tail}"
    )]
    Unreachable {
        source: SandboxError,
        log_tail: String,
    },
}

/// Requests `config.path` from the sandbox's preview and parses the dev-server output written
/// since byte `since` (the log's length before the files were written).
///
/// Bounded: at most `pickup_timeout` before the request, the request itself (the sandbox's
/// own timeout), and at most `log_timeout` after it.
pub async fn check_compilation(
    sandbox: &dyn Sandbox,
    since: usize,
    config: &CompileCheckConfig,
) -> Result<CompileCheck, CompileCheckError> {
    let picked_up = shows_rebuild(
        &wait_for_log(sandbox, since, config, config.pickup_timeout, shows_rebuild).await?,
    );
    let mut response = match fetch_while_restarting(sandbox, config).await {
        Ok(response) => response,
        Err(source @ SandboxError::Provider { .. }) => {
            let log = sandbox.logs(since).await.unwrap_or_default();
            return Err(CompileCheckError::Unreachable {
                source,
                log_tail: last_lines(&strip_ansi(&log), 15),
            });
        }
        Err(other) => return Err(other.into()),
    };
    if !picked_up {
        // A watcher slower than `pickup_timeout` (a loaded machine) means the answer came from
        // the old build: wait once more for the rebuild, then ask the new one.
        let log = wait_for_log(
            sandbox,
            since,
            config,
            config.pickup_timeout,
            shows_watcher_build,
        )
        .await?;
        if shows_watcher_build(&log) {
            response = fetch_while_restarting(sandbox, config)
                .await
                .map_err(CompileCheckError::Sandbox)?;
        }
    }
    let success = (200..300).contains(&response.status);
    let request_line = format!("GET {} {}", config.path, response.status);
    // A failed request is logged with its error; wait for both, since the error may be
    // printed after the request line when another compile was still running.
    let log = wait_for_log(sandbox, since, config, config.log_timeout, |log| {
        log.contains(&request_line) && (success || parse_nextjs_errors(log).has_errors)
    })
    .await?;
    let report = parse_nextjs_errors(&log);
    let mut errors = report.errors;
    if !success && errors.is_empty() {
        errors.push(unexplained_failure(response.status, &log));
    }
    Ok(CompileCheck {
        compiled: success && errors.is_empty(),
        errors,
        status: response.status,
        log_end: since + log.len(),
    })
}

/// Requests the preview. A request refused or cut off is tried again for a while: `next dev`
/// restarts itself when next.config.js, package.json or tailwind.config.js change, and for
/// a moment nobody listens.
async fn fetch_while_restarting(
    sandbox: &dyn Sandbox,
    config: &CompileCheckConfig,
) -> Result<replica_core::PreviewResponse, SandboxError> {
    let deadline = Instant::now() + config.restart_timeout;
    loop {
        match sandbox.fetch_preview(&config.path).await {
            Err(SandboxError::Provider { .. }) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            result => return result,
        }
    }
}

/// The last `count` lines of `text`.
fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

/// The file watcher's rebuild finished, well (`✓ Compiled in 240ms`, no route: a route
/// compile such as `✓ Compiled /_error` can be the tail of an earlier request) or not.
fn shows_rebuild(log: &str) -> bool {
    strip_ansi(log).lines().any(|line| {
        let line = line.trim_start();
        line.starts_with("✓ Compiled in ")
            || line.starts_with('⨯')
            || line.contains("Failed to compile")
    })
}

/// The file watcher's own rebuild, well or not, and not a request's error (which `shows_rebuild`
/// also counts): `✓ Compiled in …` or `Failed to compile`.
fn shows_watcher_build(log: &str) -> bool {
    strip_ansi(log).lines().any(|line| {
        let line = line.trim_start();
        line.starts_with("✓ Compiled in ") || line.contains("Failed to compile")
    })
}

/// Reads the log from `since` until `done` holds or `timeout` passes; returns what it read.
async fn wait_for_log(
    sandbox: &dyn Sandbox,
    since: usize,
    config: &CompileCheckConfig,
    timeout: Duration,
    done: impl Fn(&str) -> bool,
) -> Result<String, SandboxError> {
    let deadline = Instant::now() + timeout;
    loop {
        let log = sandbox.logs(since).await?;
        if done(&log) || Instant::now() >= deadline {
            return Ok(log);
        }
        tokio::time::sleep(config.poll_interval).await;
    }
}

fn unexplained_failure(status: u16, log: &str) -> NextError {
    let log = log.trim();
    let mut start = log.len().saturating_sub(2000);
    while !log.is_char_boundary(start) {
        start += 1;
    }
    NextError {
        kind: ErrorKind::Other,
        file: None,
        line: None,
        column: None,
        message: format!(
            "the preview answered HTTP {status} and the dev-server log names no error"
        ),
        fix_hint: "Read the dev-server output below; the route may not exist or the server may \
                   have failed outside the compiler."
            .into(),
        code_frame: (!log.is_empty()).then(|| log[start..].to_string()),
    }
}
