//! Anthropic's Messages API (`POST /v1/messages`).

use replica_core::{
    ApiKey, BoxFuture, ContentPart, LanguageModel, LlmError, LlmRequest, LlmResponse, Role,
    StopReason, Usage,
};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::{ErrorDetail, RetryPolicy, Transport, fallback_message, join_url};

/// Settings for [`Anthropic`].
#[derive(Debug, Clone, PartialEq)]
pub struct AnthropicConfig {
    /// Sent as `x-api-key`.
    pub api_key: ApiKey,
    /// A model id such as `claude-sonnet-4-5` (`REPLICA_MODEL`).
    pub model: String,
    /// Without `/v1`; overridable for proxies and tests.
    pub base_url: String,
    /// Retries, backoff and timeouts.
    pub retry: RetryPolicy,
}

impl AnthropicConfig {
    /// The public API.
    pub const DEFAULT_BASE_URL: &'static str = "https://api.anthropic.com";
    /// Used unless `REPLICA_MODEL` names another.
    pub const DEFAULT_MODEL: &'static str = "claude-sonnet-4-5";
    /// The API version this crate speaks, sent as `anthropic-version`.
    pub const API_VERSION: &'static str = "2023-06-01";
    /// The API accepts at most this many `cache_control` breakpoints per request.
    const MAX_CACHE_BREAKPOINTS: usize = 4;

    /// The default model at the public endpoint.
    pub fn new(api_key: ApiKey) -> AnthropicConfig {
        AnthropicConfig {
            api_key,
            model: AnthropicConfig::DEFAULT_MODEL.to_owned(),
            base_url: AnthropicConfig::DEFAULT_BASE_URL.to_owned(),
            retry: RetryPolicy::default(),
        }
    }
}

/// Claude through the Messages API, with prompt caching on the shared system prompt.
#[derive(Debug)]
pub struct Anthropic {
    model: String,
    url: String,
    transport: Transport,
}

impl Anthropic {
    /// Sets up the HTTP client; fails only if TLS cannot be initialised.
    pub fn new(config: AnthropicConfig) -> Result<Anthropic, LlmError> {
        let transport = Transport::new("anthropic", config.retry, Some(config.api_key))?;
        Ok(Anthropic {
            model: config.model,
            url: join_url(&config.base_url, "v1/messages"),
            transport,
        })
    }

    async fn call(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError> {
        let mut headers = HeaderMap::new();
        if let Some((name, value)) = self.transport.secret_header("x-api-key", "")? {
            headers.insert(name, value);
        }
        headers.insert(
            "anthropic-version",
            HeaderValue::from_static(AnthropicConfig::API_VERSION),
        );
        let body = request_body(&self.model, request);
        let bytes = self
            .transport
            .post_json(&self.url, headers, &body, describe_error)
            .await?;
        parse_response(&bytes).map_err(|message| self.transport.malformed(&message, &bytes))
    }
}

impl LanguageModel for Anthropic {
    fn name(&self) -> String {
        format!("anthropic/{}", self.model)
    }

    fn complete<'a>(
        &'a self,
        request: &'a LlmRequest,
    ) -> BoxFuture<'a, Result<LlmResponse, LlmError>> {
        Box::pin(self.call(request))
    }
}

pub(crate) fn request_body(model: &str, request: &LlmRequest) -> Value {
    // A breakpoint caches everything before it, so one at the end of each run of cached blocks
    // covers them all; keeping only the last few stays within the API's limit.
    let mut breakpoints: Vec<usize> = (0..request.system.len())
        .filter(|&index| {
            request.system[index].cache
                && request.system.get(index + 1).is_none_or(|next| !next.cache)
        })
        .collect();
    let excess = breakpoints
        .len()
        .saturating_sub(AnthropicConfig::MAX_CACHE_BREAKPOINTS);
    breakpoints.drain(..excess);

    let system: Vec<Value> = request
        .system
        .iter()
        .enumerate()
        .map(|(index, block)| {
            let mut value = json!({ "type": "text", "text": block.text });
            if breakpoints.contains(&index) {
                value["cache_control"] = json!({ "type": "ephemeral" });
            }
            value
        })
        .collect();
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|message| {
            let role = match message.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            let content: Vec<Value> = message
                .content
                .iter()
                .map(|part| match part {
                    ContentPart::Text { text } => json!({ "type": "text", "text": text }),
                    ContentPart::Image(image) => json!({
                        "type": "image",
                        "source": { "type": "base64", "media_type": image.media_type, "data": image.base64 },
                    }),
                })
                .collect();
            json!({ "role": role, "content": content })
        })
        .collect();

    let mut body =
        json!({ "model": model, "max_tokens": request.max_tokens, "messages": messages });
    if !system.is_empty() {
        body["system"] = Value::Array(system);
    }
    if let Some(temperature) = request.temperature {
        body["temperature"] = crate::temperature_json(temperature);
    }
    body
}

#[derive(Deserialize)]
struct WireResponse {
    model: String,
    content: Vec<WireBlock>,
    stop_reason: Option<String>,
    usage: WireUsage,
}

#[derive(Deserialize)]
struct WireBlock {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
}

pub(crate) fn parse_response(bytes: &[u8]) -> Result<LlmResponse, String> {
    let wire: WireResponse = serde_json::from_slice(bytes).map_err(|error| error.to_string())?;
    // Thinking and tool blocks carry no answer text.
    let text = wire
        .content
        .iter()
        .filter(|block| block.kind == "text")
        .map(|block| block.text.as_str())
        .collect();
    let stop_reason = match wire.stop_reason.as_deref() {
        Some("end_turn") => StopReason::EndTurn,
        Some("max_tokens") => StopReason::MaxTokens,
        Some("stop_sequence") => StopReason::StopSequence,
        Some("refusal") => StopReason::Refusal,
        Some(other) => StopReason::Other(other.to_owned()),
        None => StopReason::Other("none".to_owned()),
    };
    // Anthropic's input_tokens already excludes cached tokens: the four counts add up.
    let usage = Usage {
        input_tokens: wire.usage.input_tokens,
        output_tokens: wire.usage.output_tokens,
        cache_read_tokens: wire.usage.cache_read_input_tokens.unwrap_or(0),
        cache_write_tokens: wire.usage.cache_creation_input_tokens.unwrap_or(0),
    };
    Ok(LlmResponse {
        text,
        stop_reason,
        usage,
        model: wire.model,
    })
}

/// `{"type":"error","error":{"type":"not_found_error","message":"model: x"}}`.
fn describe_error(status: StatusCode, body: &[u8]) -> ErrorDetail {
    #[derive(Deserialize)]
    struct Envelope {
        error: Inner,
    }
    #[derive(Deserialize)]
    struct Inner {
        #[serde(rename = "type")]
        kind: Option<String>,
        message: String,
    }
    let message = match serde_json::from_slice::<Envelope>(body) {
        Ok(Envelope {
            error: Inner {
                kind: Some(kind),
                message,
            },
        }) => format!("{kind}: {message}"),
        Ok(Envelope {
            error: Inner {
                kind: None,
                message,
            },
        }) => message,
        Err(_) => fallback_message(status, body),
    };
    ErrorDetail {
        message,
        ..ErrorDetail::default()
    }
}

#[cfg(test)]
mod tests {
    use replica_core::SystemBlock;

    use super::*;

    fn block(text: &str, cache: bool) -> SystemBlock {
        SystemBlock {
            text: text.to_owned(),
            cache,
        }
    }

    fn marked(request: &LlmRequest) -> Vec<String> {
        let body = request_body("m", request);
        body["system"]
            .as_array()
            .map(|blocks| {
                blocks
                    .iter()
                    .filter(|block| block.get("cache_control").is_some())
                    .filter_map(|block| block["text"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn cache_breakpoint_ends_each_cached_run_within_the_limit() {
        let request = LlmRequest {
            system: vec![
                block("a", true),
                block("b", true),
                block("c", false),
                block("d", true),
            ],
            ..LlmRequest::default()
        };
        assert_eq!(marked(&request), ["b", "d"]);

        let many = LlmRequest {
            system: (0..10)
                .map(|index| block(&index.to_string(), index % 2 == 0))
                .collect(),
            ..LlmRequest::default()
        };
        assert_eq!(marked(&many), ["2", "4", "6", "8"]);

        let none = LlmRequest {
            system: vec![block("x", false)],
            ..LlmRequest::default()
        };
        assert!(marked(&none).is_empty());
    }

    #[test]
    fn empty_system_is_left_out() {
        let body = request_body(
            "m",
            &LlmRequest {
                max_tokens: 5,
                ..LlmRequest::default()
            },
        );
        assert!(body.get("system").is_none());
        assert!(body.get("temperature").is_none());
    }

    #[test]
    fn error_body_without_the_envelope_falls_back_to_text() {
        let detail = describe_error(StatusCode::BAD_GATEWAY, b"<html>bad gateway</html>");
        assert_eq!(detail.message, "<html>bad gateway</html>");
        let empty = describe_error(StatusCode::BAD_GATEWAY, b"");
        assert_eq!(empty.message, "Bad Gateway");
    }
}
