//! Integration tests of replica-planner, one binary.

mod builder;
mod edges;
mod fixtures;
mod invariants;
mod site;
