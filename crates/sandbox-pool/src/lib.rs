//! Stage B and I (DESIGN.md §1, §7): where generated projects run, and the safety rules every
//! sandbox follows whatever its provider.
//!
//! Now: the command allowlist and safe file writes into a project directory. Later issues add
//! the local-process and Daytona providers, the Next.js template and the pre-warmed pool.

mod command;
mod write;

pub use command::{AllowedCommand, NPM_FLAGS};
pub use write::write_project_files;

use std::path::PathBuf;

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
        }
    }
}
