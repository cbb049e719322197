//! Integration tests of replica-jsx-validator, one binary.

mod autofix;
mod fixtures;
mod llm_fix;
mod project;
mod robustness;
