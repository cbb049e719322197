//! Integration tests of replica-sandbox-pool, one binary.

mod daytona;
mod local;
mod pool;
mod production;
mod support;
mod template;
mod write;
