//! Integration tests of replica-pipeline, one binary.

mod agent;
mod agent_live;
mod clone;
mod compile_check;
mod site;
mod store;
