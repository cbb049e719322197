//! The pipeline (DESIGN.md §1): the only crate that knows the order of the stages.
//!
//! [`start_clone`] runs one clone — scrape and sandbox in parallel, tokens, plan, sections,
//! assembly, review, validation, upload, compile check, optional refine — and streams a
//! [`PipelineEvent`](replica_core::PipelineEvent) per step. Its dependencies are trait objects
//! ([`PipelineDeps`]); every clone is kept in the [`CloneStore`].
//!
//! [`Sessions`] runs the agent of `replica-agent` on a project of the store or a directory
//! ([`LiveProject`] implements the agent's project and checks with the stage crates): turns
//! with a checkpoint before each, undo and restore, and prompt-to-app projects.

mod checkpoints;
mod compile_check;
mod compile_fix;
mod measure;
mod project;
mod prompt_project;
mod refine;
mod request;
mod run;
mod session_turn;
mod sessions;
mod site;
mod store;

pub use checkpoints::{CheckpointInfo, CheckpointReason, Checkpoints};
pub use project::{
    DirectoryProjects, LiveProject, PreviewSlot, ProjectDeps, ProjectRef, read_project_dir,
};
pub use prompt_project::{PromptOutcome, PromptRun, template_project};
pub use sessions::{
    AgentDeps, LocalPreviews, PreviewSlots, Restored, SessionError, SessionHistory, SessionInfo,
    Sessions, TurnRun,
};

pub use compile_check::{CompileCheck, CompileCheckConfig, CompileCheckError, check_compilation};
pub use replica_core::OutputStyle;
/// `--pages all`: the most pages a whole-site clone takes.
pub use replica_planner::MAX_SITE_PAGES;
pub use request::{
    Admission, CloneOutcome, CloneRequest, GeneratorKind, PipelineDeps, PreviewRoutes,
};
pub use run::{CloneRun, INSPECTION_DIR, PipelineError, start_clone, start_queued_clone};
pub use store::{
    CloneId, CloneKind, CloneRecord, CloneStatus, CloneStore, CloneStoreError, CloneSummary,
    Retained, StoredItem,
};
