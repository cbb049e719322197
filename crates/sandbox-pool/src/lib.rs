//! Stage B and I (DESIGN.md §1, §7): where generated projects run, and the safety rules every
//! sandbox follows whatever its provider.
//!
//! - `template`: the Next.js 14 template (compiled in from `template/`) and its one-time
//!   `npm ci` into the cache, keyed by the lock file's hash.
//! - `local`: the default provider, `next dev` in a directory linking the cached
//!   `node_modules`, in a process group of its own, memory-limited, reaped when idle.
//! - `daytona`: the Daytona REST provider.
//! - `pool`: keeps sandboxes warm so a clone gets one at once.
//! - `production`: a project built with `next build` and served by `next start`, as users
//!   deploy it (how clones are measured).
//! - `command`, `write`: the command allowlist and safe file writes every provider uses.

mod command;
mod daytona;
mod local;
mod pool;
mod process;
mod production;
mod template;
mod write;

pub use command::{AllowedCommand, NPM_FLAGS};
pub use daytona::{
    DEFAULT_DAYTONA_API_URL, DaytonaConfig, DaytonaError, DaytonaProvider, DaytonaSandbox,
};
pub use local::{LocalConfig, LocalProvider, LocalSandbox, sweep_orphans};
pub use pool::{PoolConfig, ReleasePolicy, SandboxPool};
pub use process::{kill_process_group, process_is_live, processes_in_group, processes_under};
pub use production::{ProductionConfig, ProductionServer};
pub use template::{
    InstalledTemplate, TEMPLATE_FILES, default_cache_dir, install_template,
    replaced_template_files, template_file, template_key,
};
pub use write::{remove_project_files, write_project_files};

use std::path::PathBuf;
use std::time::Duration;

use replica_core::{ProjectPathError, SandboxError};

/// What a sandbox refused or failed to do.
#[derive(Debug, thiserror::Error)]
pub enum SandboxPoolError {
    #[error("`{command}` is not allowed in a sandbox: {reason}")]
    CommandNotAllowed { command: String, reason: String },
    #[error(transparent)]
    InvalidPath(#[from] ProjectPathError),
    #[error("refusing to write {path:?}: {link} is a symlink that leads outside the project")]
    SymlinkEscape { path: String, link: PathBuf },
    #[error("writing {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("could not run {program} (is it installed and on the PATH?): {source}")]
    ToolMissing {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("installing the Next.js template into {dir} failed: {message}")]
    TemplateInstall { dir: PathBuf, message: String },
    #[error("the sandbox did not become ready within {}s: {message}", timeout.as_secs_f64())]
    NotReady { timeout: Duration, message: String },
    #[error("the sandbox {id} is no longer running: {message}")]
    Stopped { id: String, message: String },
    #[error("`{command}` did not finish within {}s and was killed", timeout.as_secs_f64())]
    CommandTimedOut { command: String, timeout: Duration },
    #[error("preview paths start with '/', not {path:?}")]
    BadPreviewPath { path: String },
    #[error("requesting {url} failed: {message}")]
    Http { url: String, message: String },
    #[error("`next build` failed: {output}")]
    BuildFailed { output: String },
}

impl From<SandboxPoolError> for SandboxError {
    /// The trait-level error the pipeline sees, keeping the refused command or path.
    fn from(error: SandboxPoolError) -> Self {
        match error {
            SandboxPoolError::CommandNotAllowed { command, .. } => {
                SandboxError::CommandNotAllowed { command }
            }
            SandboxPoolError::InvalidPath(ProjectPathError { path, .. })
            | SandboxPoolError::SymlinkEscape { path, .. } => SandboxError::PathEscape { path },
            SandboxPoolError::Io { path, source } => SandboxError::Io(std::io::Error::new(
                source.kind(),
                format!("writing {}: {source}", path.display()),
            )),
            SandboxPoolError::NotReady { timeout, message } => {
                SandboxError::NotReady { timeout, message }
            }
            SandboxPoolError::Stopped { id, message } => SandboxError::Stopped { id, message },
            SandboxPoolError::CommandTimedOut { command, timeout } => {
                SandboxError::CommandTimedOut { command, timeout }
            }
            error @ (SandboxPoolError::ToolMissing { .. }
            | SandboxPoolError::TemplateInstall { .. }
            | SandboxPoolError::BadPreviewPath { .. }
            | SandboxPoolError::Http { .. }
            | SandboxPoolError::BuildFailed { .. }) => SandboxError::Provider {
                provider: "local".into(),
                message: error.to_string(),
            },
        }
    }
}
