//! The pipeline (DESIGN.md §1): the only crate that knows the order of the stages.
//!
//! Now: the clone store, where every clone's metadata and files live between and after runs,
//! and the compile check (stage J) over a `Sandbox`.
//! Later issues add the stage order over the core traits, events, retries and the refine loop.

mod compile_check;
mod store;

pub use compile_check::{CompileCheck, CompileCheckConfig, CompileCheckError, check_compilation};
pub use store::{CloneId, CloneRecord, CloneStatus, CloneStore, CloneStoreError, CloneSummary};
