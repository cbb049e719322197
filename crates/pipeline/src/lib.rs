//! replica-pipeline
