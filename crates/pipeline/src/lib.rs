//! The pipeline (DESIGN.md §1): the only crate that knows the order of the stages.
//!
//! [`start_clone`] runs one clone — scrape and sandbox in parallel, tokens, plan, sections,
//! assembly, review, validation, upload, compile check, optional refine — and streams a
//! [`PipelineEvent`](replica_core::PipelineEvent) per step. Its dependencies are trait objects
//! ([`PipelineDeps`]); every clone is kept in the [`CloneStore`].

mod compile_check;
mod compile_fix;
mod measure;
mod refine;
mod request;
mod run;
mod store;

pub use compile_check::{CompileCheck, CompileCheckConfig, CompileCheckError, check_compilation};
pub use request::{
    Admission, CloneOutcome, CloneRequest, GeneratorKind, PipelineDeps, PreviewRoutes, StyleKind,
};
pub use run::{CloneRun, PipelineError, start_clone, start_queued_clone};
pub use store::{
    CloneId, CloneRecord, CloneStatus, CloneStore, CloneStoreError, CloneSummary, Retained,
    StoredItem,
};
