//! Integration tests of replica-pipeline, one binary.

mod compile_check;
mod store;
