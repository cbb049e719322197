//! Integration tests of replica-llm: each provider against wiremock speaking that provider's
//! wire format (whole answers, and streamed answers with tools), replay and recording, scripted
//! conversations, the concurrency limit, and configuration.

mod anthropic;
mod config;
mod gemini;
mod limit;
mod openai;
mod replay;
mod script;
mod streams;
mod support;
