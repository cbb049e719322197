//! Integration tests of replica-pipeline, one binary.

mod store;
