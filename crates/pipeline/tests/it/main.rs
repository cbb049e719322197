//! Integration tests of replica-pipeline, one binary.

mod clone;
mod compile_check;
mod store;
