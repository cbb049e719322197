//! Integration tests of replica-llm: each provider against wiremock speaking that provider's
//! wire format, replay and recording, the concurrency limit, and configuration.

mod anthropic;
mod config;
mod gemini;
mod limit;
mod openai;
mod replay;
mod support;
