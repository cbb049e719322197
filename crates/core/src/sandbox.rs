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

    /// Writes (or overwrites) files; the dev server hot-reloads them.
    fn write_files<'a>(
        &'a self,
        files: &'a ProjectFiles,
    ) -> BoxFuture<'a, Result<(), SandboxError>>;

    /// Dev-server output from byte `offset` on, so callers can read only what is new.
    fn logs(&self, offset: usize) -> BoxFuture<'_, Result<String, SandboxError>>;

    /// Stops everything the sandbox started. Dropping without destroying also stops it.
    fn destroy(self: Box<Self>) -> BoxFuture<'static, Result<(), SandboxError>>;
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("{command} is not allowed in a sandbox")]
    CommandNotAllowed { command: String },
    #[error("path {path:?} is outside the project")]
    PathEscape { path: String },
    #[error("the sandbox did not become ready within {}s: {message}", timeout.as_secs_f64())]
    NotReady { timeout: Duration, message: String },
    #[error("{provider} failed: {message}")]
    Provider { provider: String, message: String },
    #[error("sandbox IO failed: {0}")]
    Io(#[from] std::io::Error),
}
