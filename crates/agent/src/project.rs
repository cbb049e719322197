//! What the agent works on, as traits the pipeline implements: the project (its files in the
//! store or a directory, and the running sandbox behind them) and the checks (JSX validation,
//! the compile check, screenshots, the comparison with the original).

use replica_core::{BoxFuture, Device, ImageBlock, ProjectFiles};

/// What kind of project a session edits; it picks the system prompt and says whether
/// `compare` has an original to compare with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectKind {
    /// A clone of `url`.
    Clone { url: String },
    /// A project made from a prompt (a clone without an original).
    Prompt,
    /// A directory on the user's machine, edited in place.
    Directory { path: String },
}

/// Files to write and files to remove, applied together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileChanges {
    pub write: ProjectFiles,
    pub remove: Vec<String>,
}

impl FileChanges {
    pub fn is_empty(&self) -> bool {
        self.write.is_empty() && self.remove.is_empty()
    }

    /// Every path the changes touch, sorted.
    pub fn paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self
            .write
            .paths()
            .map(str::to_owned)
            .chain(self.remove.iter().cloned())
            .collect();
        paths.sort();
        paths.dedup();
        paths
    }
}

/// Why the project could not do what was asked. The message is shown to the model (tool
/// errors) or the user (a turn that cannot start), so it says what went wrong in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectError {
    /// A path outside the project, a symlink leading out of it: refused.
    #[error("{0}")]
    Refused(String),
    /// The project or its sandbox does not offer this (no sandbox provider, for example).
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    Failed(String),
}

/// One project's files and sandbox. Paths are project paths (`app/page.jsx`), already checked
/// with `check_project_path`; implementations still refuse what escapes on disk (symlinks).
pub trait Project: Send + Sync {
    fn kind(&self) -> ProjectKind;

    /// Every file of the project now.
    fn files(&self) -> BoxFuture<'_, Result<ProjectFiles, ProjectError>>;

    /// Writes and removes files in the project's home (the store or the directory) and in
    /// its running sandbox, which hot-reloads them.
    fn apply<'a>(&'a self, changes: &'a FileChanges) -> BoxFuture<'a, Result<(), ProjectError>>;

    /// Installs an allowlisted package at its pinned version into the sandbox (the caller
    /// checked the allowlist and adds it to package.json); returns npm's output.
    fn install_package<'a>(
        &'a self,
        name: &'a str,
        version: &'a str,
    ) -> BoxFuture<'a, Result<String, ProjectError>>;
}

/// What the JSX validator said, after its deterministic autofix.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validation {
    pub errors: usize,
    pub warnings: usize,
    /// The report as text (empty when clean).
    pub report: String,
    /// Files the autofix changed, with their new contents.
    pub fixed: ProjectFiles,
}

/// What the compile check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileStatus {
    pub compiled: bool,
    pub error_count: usize,
    /// The errors as text (empty when compiled).
    pub report: String,
}

/// Checks the pipeline runs for the agent (validation, compile, screenshot, comparison).
pub trait Checks: Send + Sync {
    /// The JSX validator over `files`, with its autofix.
    fn validate(&self, files: &ProjectFiles) -> Validation;

    /// The preview's compile result since the last write (starting a sandbox when the project
    /// has none and can have one).
    fn compile_check(&self) -> BoxFuture<'_, Result<CompileStatus, ProjectError>>;

    /// The preview's first screen on `device`, as an image a model can read.
    fn screenshot(&self, device: Device) -> BoxFuture<'_, Result<ImageBlock, ProjectError>>;

    /// For a clone: the preview against the original (pixel similarity per device and the
    /// largest style differences), as text.
    fn compare(&self) -> BoxFuture<'_, Result<String, ProjectError>>;
}
