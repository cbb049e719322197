//! The pipeline (DESIGN.md §1): the only crate that knows the order of the stages.
//!
//! Now: the clone store, where every clone's metadata and files live between and after runs.
//! Later issues add the stage order over the core traits, events, retries and the refine loop.

mod store;

pub use store::{CloneId, CloneRecord, CloneStatus, CloneStore, CloneStoreError, CloneSummary};
