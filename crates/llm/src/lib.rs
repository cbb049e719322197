//! replica-llm
