//! Integration tests of replica-sandbox-pool, one binary.

mod write;
