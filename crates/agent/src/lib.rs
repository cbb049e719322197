//! The tool-using agent of DESIGN.md §9: one turn of a session is the user's message, the model
//! calling tools over one project until it answers, and a final validation and compile check.
//!
//! - [`run_turn`] runs a turn within its limits ([`AgentConfig`]: tool calls, wall time,
//!   tokens) and stops at once on [`StopSignal`]; events (`stream`, `tool_start`,
//!   `tool_result`, `file_updated`) go out as they happen, and [`TurnOutcome`] gives the
//!   terminal `complete` or `error`.
//! - The project is behind [`Project`] (its files and running sandbox) and the checks behind
//!   [`Checks`] (validator, compile check, screenshot, comparison with the original): the
//!   pipeline implements both, so this crate depends on `replica-core` alone.
//! - The tools ([`all_tools`]) are small structs implementing [`Tool`], each with a typed
//!   input whose JSON Schema is derived from the struct serde reads.
//! - [`Conversation`] keeps a session's turns, compacting older ones past a budget; the system
//!   prompts per [`Mode`] live in `prompts/`.

mod conversation;
mod project;
mod prompt;
mod tools;
mod turn;

pub use conversation::{Conversation, TurnRecord, without_images};
pub use project::{
    Checks, CompileStatus, FileChanges, Project, ProjectError, ProjectKind, Validation,
};
pub use prompt::{Mode, system_prompt};
pub use tools::{
    DynTool, Tool, ToolOutput, Workspace, all_tools, bounded, check_writable, definitions,
    input_schema,
};
pub use turn::{AgentConfig, Ending, Limit, StopSender, StopSignal, Turn, TurnOutcome, run_turn};
