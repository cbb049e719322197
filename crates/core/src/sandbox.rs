//! Where a generated project runs: a local `next dev` process or a remote sandbox.

use std::time::Duration;

use crate::{BoxFuture, ProjectFiles};

/// Creates sandboxes (local processes by default, Daytona when configured).
pub trait SandboxProvider: Send + Sync {
    /// `local` or `daytona`.
    fn name(&self) -> &str;

    /// A fresh sandbox with the Next.js template installed and its dev server starting.
    fn provision(&self) -> BoxFuture<'_, Result<Box<dyn Sandbox>, SandboxError>>;
}

/// One running project.
pub trait Sandbox: Send + Sync {
    fn id(&self) -> &str;

    /// Where a browser sees the running project.
    fn preview_url(&self) -> &str;

    /// Writes (or overwrites) files; the dev server hot-reloads them. It notices a moment
    /// later: a request sent at once may still be answered from the previous build, so wait
    /// for the rebuild in the logs first (the compile check does).
    fn write_files<'a>(
        &'a self,
        files: &'a ProjectFiles,
    ) -> BoxFuture<'a, Result<(), SandboxError>>;

    /// Removes files (project paths); a path that does not exist is not an error. Undo uses it
    /// for files a turn created.
    fn remove_files<'a>(&'a self, paths: &'a [String]) -> BoxFuture<'a, Result<(), SandboxError>> {
        let _ = paths;
        Box::pin(async {
            Err(SandboxError::Unsupported {
                operation: "remove_files",
            })
        })
    }

    /// Dev-server output from byte `offset` on, so callers can read only what is new.
    fn logs(&self, offset: usize) -> BoxFuture<'_, Result<String, SandboxError>>;

    /// Stops everything the sandbox started. Dropping without destroying also stops it.
    fn destroy(self: Box<Self>) -> BoxFuture<'static, Result<(), SandboxError>>;

    /// Whether the dev server still runs, so a pool never hands out a dead sandbox.
    /// Providers that cannot tell keep this default and are trusted.
    fn is_alive(&self) -> BoxFuture<'_, bool> {
        Box::pin(async { true })
    }

    /// GET `path` (starting with `/`) from the preview, with whatever credentials the provider
    /// needs; `next dev` compiles a route on its first request, so this is how a compile is
    /// triggered.
    fn fetch_preview<'a>(
        &'a self,
        path: &'a str,
    ) -> BoxFuture<'a, Result<PreviewResponse, SandboxError>> {
        let _ = path;
        Box::pin(async {
            Err(SandboxError::Unsupported {
                operation: "fetch_preview",
            })
        })
    }

    /// Runs an allowlisted command (argv, program first) in the project directory, killed
    /// after `timeout`.
    fn run<'a>(
        &'a self,
        argv: &'a [String],
        timeout: Duration,
    ) -> BoxFuture<'a, Result<CommandOutput, SandboxError>> {
        let _ = (argv, timeout);
        Box::pin(async { Err(SandboxError::Unsupported { operation: "run" }) })
    }

    /// Puts the project files back to the template's, so the sandbox can serve another clone.
    fn reset(&self) -> BoxFuture<'_, Result<(), SandboxError>> {
        Box::pin(async { Err(SandboxError::Unsupported { operation: "reset" }) })
    }
}

/// What [`Sandbox::fetch_preview`] got back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewResponse {
    pub status: u16,
    pub body: String,
}

/// What a command run by [`Sandbox::run`] printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// The exit code; `None` when a signal ended it.
    pub exit_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("{command} is not allowed in a sandbox")]
    CommandNotAllowed { command: String },
    #[error("path {path:?} is outside the project")]
    PathEscape { path: String },
    #[error("the sandbox did not become ready within {}s: {message}", timeout.as_secs_f64())]
    NotReady { timeout: Duration, message: String },
    #[error("`{command}` did not finish within {}s and was killed", timeout.as_secs_f64())]
    CommandTimedOut { command: String, timeout: Duration },
    #[error("the sandbox {id} is no longer running: {message}")]
    Stopped { id: String, message: String },
    #[error("this sandbox provider does not support {operation}")]
    Unsupported { operation: &'static str },
    #[error("{provider} failed: {message}")]
    Provider { provider: String, message: String },
    #[error("sandbox IO failed: {0}")]
    Io(#[from] std::io::Error),
}
