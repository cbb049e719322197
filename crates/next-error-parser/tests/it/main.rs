//! Integration tests of replica-next-error-parser, one binary.

mod next_logs;
mod robustness;
