//! Integration tests of replica-jsx-validator, one binary.

mod fixtures;
