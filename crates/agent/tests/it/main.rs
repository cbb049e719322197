//! Integration tests of replica-agent, one binary: the tools' schemas, and whole turns against
//! an in-memory project with scripted models.

mod schemas;
mod support;
mod turns;
