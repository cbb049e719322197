//! The language-model trait: one request in, one response out.
//!
//! Providers (Anthropic, OpenAI-compatible, Gemini, replay) live in `replica-llm`; stages only
//! see this trait, so every stage can run against a recorded exchange.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::BoxFuture;

/// One call to a model.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LlmRequest {
    /// System prompt blocks, in order. Blocks marked `cache` are the shared prefix that
    /// providers with prompt caching keep warm across the sections of one clone.
    pub system: Vec<SystemBlock>,
    pub messages: Vec<Message>,
    pub max_tokens: u32,
    pub temperature: Option<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemBlock {
    pub text: String,
    #[serde(default)]
    pub cache: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: Vec<ContentPart>,
}

impl Message {
    pub fn user_text(text: impl Into<String>) -> Message {
        Message {
            role: Role::User,
            content: vec![ContentPart::Text { text: text.into() }],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    Text { text: String },
    Image(ImageBlock),
}

/// An encoded image; `data` is the raw file (serialized as base64 by providers).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageBlock {
    /// `image/jpeg` or `image/png`.
    pub media_type: String,
    /// Base64 of the file bytes, ready for any provider's wire format.
    pub base64: String,
}

impl std::fmt::Debug for ImageBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageBlock")
            .field("media_type", &self.media_type)
            .field("base64_len", &self.base64.len())
            .finish()
    }
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// It finished on its own.
    EndTurn,
    /// It hit `max_tokens`: the text is truncated.
    MaxTokens,
    StopSequence,
    /// The provider refused or filtered the answer.
    Refusal,
    Other(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cache_read_tokens += other.cache_read_tokens;
        self.cache_write_tokens += other.cache_write_tokens;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlmResponse {
    pub text: String,
    pub stop_reason: StopReason,
    pub usage: Usage,
    /// The model that answered, as the provider named it.
    pub model: String,
}

impl LlmResponse {
    pub fn is_truncated(&self) -> bool {
        self.stop_reason == StopReason::MaxTokens
    }
}

/// Why a model call failed. Messages carry the provider's own words and never the API key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    #[error("no language model is configured (set REPLICA_LLM and a key)")]
    NotConfigured,
    #[error("{provider} rejected the API key (HTTP {status}): {message}")]
    Unauthorized {
        provider: String,
        status: u16,
        message: String,
    },
    #[error("{provider} answered HTTP {status}: {message}")]
    Status {
        provider: String,
        status: u16,
        message: String,
    },
    #[error("{provider} still failed after {attempts} attempts; last error: {last}")]
    RetriesExhausted {
        provider: String,
        attempts: u32,
        last: String,
    },
    #[error("{provider} did not answer within {}s", timeout.as_secs_f64())]
    Timeout { provider: String, timeout: Duration },
    #[error("could not reach {provider}: {message}")]
    Connection { provider: String, message: String },
    #[error("{provider} sent a response that could not be read: {message}")]
    MalformedResponse { provider: String, message: String },
    #[error(
        "no recorded exchange for request {key} in {dir} (record it with a real provider first)"
    )]
    ReplayMissing { key: String, dir: String },
    #[error("{0}")]
    Other(String),
}

/// A model: one request, one response. Implementations handle retries, timeouts and rate
/// limits themselves.
pub trait LanguageModel: Send + Sync {
    /// Provider and model, for logs and events (`anthropic/claude-sonnet-4-5`).
    fn name(&self) -> String;

    fn complete<'a>(
        &'a self,
        request: &'a LlmRequest,
    ) -> BoxFuture<'a, Result<LlmResponse, LlmError>>;
}

/// A secret that never shows itself in `Debug` or `Display` output.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }

    /// The key itself, for the one place that puts it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl std::fmt::Display for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_is_redacted() {
        let key = ApiKey::new("sk-secret-123");
        assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
        assert_eq!(format!("{key}"), "<redacted>");
        assert_eq!(key.expose(), "sk-secret-123");
    }
}
