//! Integration tests of replica-design-tokens, one binary.

mod builder;
mod enrich;
mod fixtures;
mod pages;
mod values;
