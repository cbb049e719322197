//! Anthropic's Messages API (`POST /v1/messages`), streamed.
//!
//! Events: `message_start` (model, input usage), `content_block_start` (a `text` or `tool_use`
//! block at an index), `content_block_delta` (`text_delta`, `input_json_delta`; thinking and
//! citation deltas are skipped), `content_block_stop`, `message_delta` (stop reason, output
//! usage), `message_stop` (the end), `ping`, and `error` (an overload or rate limit after the
//! answer began).

use replica_core::{
    ApiKey, ContentPart, LanguageModel, LlmError, LlmRequest, LlmStream, Message, Role, StopReason,
    ToolResultPart, Usage,
};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::{ErrorDetail, RetryPolicy, Transport, fallback_message, join_url};
use crate::sse::SseEvent;
use crate::stream::{self, DecodeError, Decoder, Exchange, MessageBuilder, event_json};

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

/// Claude through the Messages API, with prompt caching on the shared system prompt, the tool
/// list and, in tool conversations, the conversation so far.
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

    fn exchange<'a>(
        &'a self,
        request: &'a LlmRequest,
    ) -> Result<Exchange<'a, AnthropicDecoder>, LlmError> {
        stream::check_tools("anthropic", request)?;
        let mut headers = HeaderMap::new();
        if let Some((name, value)) = self.transport.secret_header("x-api-key", "")? {
            headers.insert(name, value);
        }
        headers.insert(
            "anthropic-version",
            HeaderValue::from_static(AnthropicConfig::API_VERSION),
        );
        Ok(Exchange {
            transport: &self.transport,
            url: &self.url,
            headers,
            body: request_body(&self.model, request),
            describe: describe_error,
            decoder: AnthropicDecoder,
            message: MessageBuilder::new("anthropic", request, &self.model),
        })
    }
}

impl LanguageModel for Anthropic {
    fn name(&self) -> String {
        format!("anthropic/{}", self.model)
    }

    fn stream<'a>(&'a self, request: &'a LlmRequest) -> LlmStream<'a> {
        stream::open(self.exchange(request))
    }
}

pub(crate) fn request_body(model: &str, request: &LlmRequest) -> Value {
    let tools: Vec<Value> = request
        .tools
        .iter()
        .map(|tool| {
            json!({ "name": tool.name, "description": tool.description, "input_schema": tool.input_schema })
        })
        .collect();
    let mut messages: Vec<Value> = request.messages.iter().map(message_json).collect();

    // A breakpoint caches everything before it (tools, then system, then messages). The tool
    // list and, in a tool conversation, the conversation so far each get one, so that the next
    // turn reads them from the cache; the system prompt's cached runs share the rest.
    let conversation = !tools.is_empty();
    let reserved = usize::from(!tools.is_empty()) + usize::from(conversation);
    let system = system_json(
        request,
        AnthropicConfig::MAX_CACHE_BREAKPOINTS.saturating_sub(reserved),
    );
    if conversation
        && let Some(block) = messages
            .last_mut()
            .and_then(|message| message["content"].as_array_mut())
            .and_then(|content| content.last_mut())
    {
        block["cache_control"] = json!({ "type": "ephemeral" });
    }

    let mut body = json!({ "model": model, "max_tokens": request.max_tokens, "messages": messages, "stream": true });
    if !system.is_empty() {
        body["system"] = Value::Array(system);
    }
    if let Some(last) = tools.len().checked_sub(1) {
        let mut tools = tools;
        tools[last]["cache_control"] = json!({ "type": "ephemeral" });
        body["tools"] = Value::Array(tools);
    }
    if let Some(temperature) = request.temperature {
        body["temperature"] = crate::temperature_json(temperature);
    }
    body
}

/// The system blocks, with a breakpoint at the end of each run of cached blocks; only the last
/// `budget` runs keep theirs.
fn system_json(request: &LlmRequest, budget: usize) -> Vec<Value> {
    let mut breakpoints: Vec<usize> = (0..request.system.len())
        .filter(|&index| {
            request.system[index].cache
                && request.system.get(index + 1).is_none_or(|next| !next.cache)
        })
        .collect();
    let excess = breakpoints.len().saturating_sub(budget);
    breakpoints.drain(..excess);
    request
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
        .collect()
}

fn message_json(message: &Message) -> Value {
    let role = match message.role {
        Role::User => "user",
        Role::Assistant => "assistant",
    };
    // Tool results must open the user message they are in; keep the rest in order after them.
    let (results, others): (Vec<&ContentPart>, Vec<&ContentPart>) = message
        .content
        .iter()
        .partition(|part| matches!(part, ContentPart::ToolResult(_)));
    let content: Vec<Value> = results.into_iter().chain(others).map(part_json).collect();
    json!({ "role": role, "content": content })
}

fn part_json(part: &ContentPart) -> Value {
    match part {
        ContentPart::Text { text } => json!({ "type": "text", "text": text }),
        ContentPart::Image(image) => image_json(image),
        ContentPart::ToolUse(call) => {
            json!({ "type": "tool_use", "id": call.id, "name": call.name, "input": call.input })
        }
        ContentPart::ToolResult(result) => {
            let content: Vec<Value> = result
                .content
                .iter()
                .map(|part| match part {
                    ToolResultPart::Text { text } => json!({ "type": "text", "text": text }),
                    ToolResultPart::Image(image) => image_json(image),
                })
                .collect();
            let mut value = json!({ "type": "tool_result", "tool_use_id": result.tool_use_id, "content": content });
            if result.is_error {
                value["is_error"] = json!(true);
            }
            value
        }
    }
}

fn image_json(image: &replica_core::ImageBlock) -> Value {
    json!({
        "type": "image",
        "source": { "type": "base64", "media_type": image.media_type, "data": image.base64 },
    })
}

/// Reads Anthropic's events; block indexes key the tool calls.
#[derive(Debug, Clone, Copy)]
struct AnthropicDecoder;

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireEvent {
    MessageStart {
        message: WireStart,
    },
    ContentBlockStart {
        index: usize,
        content_block: WireBlock,
    },
    ContentBlockDelta {
        index: usize,
        delta: WireDelta,
    },
    ContentBlockStop {},
    MessageDelta {
        delta: WireMessageDelta,
        #[serde(default)]
        usage: Option<WireUsage>,
    },
    MessageStop {},
    Ping {},
    Error {
        error: WireError,
    },
    #[serde(other)]
    Unknown,
}

#[derive(Deserialize)]
struct WireStart {
    model: String,
    usage: WireUsage,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireDelta {
    TextDelta {
        text: String,
    },
    InputJsonDelta {
        partial_json: String,
    },
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct WireMessageDelta {
    stop_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireError {
    #[serde(rename = "type")]
    kind: String,
    message: String,
}

impl Decoder for AnthropicDecoder {
    fn event(
        &mut self,
        event: &SseEvent,
        message: &mut MessageBuilder,
    ) -> Result<bool, DecodeError> {
        match event_json::<WireEvent>(event)? {
            WireEvent::MessageStart { message: start } => {
                message.model = start.model;
                message.usage = start.usage.to_usage();
            }
            WireEvent::ContentBlockStart {
                index,
                content_block,
            } => match content_block.kind.as_str() {
                "text" => message.text(&content_block.text),
                "tool_use" => {
                    message.start_tool(index, content_block.id.as_deref(), &content_block.name)?;
                    // The start carries `input: {}`; the arguments follow as deltas.
                }
                other => tracing::debug!(block = other, "skipping a content block"),
            },
            WireEvent::ContentBlockDelta { index, delta } => match delta {
                WireDelta::TextDelta { text } => message.text(&text),
                WireDelta::InputJsonDelta { partial_json } => {
                    message.tool_input(index, &partial_json)?;
                }
                WireDelta::Other => {}
            },
            WireEvent::MessageDelta { delta, usage } => {
                message.stop_reason = Some(stop_reason(delta.stop_reason.as_deref()));
                if let Some(usage) = usage {
                    // Cumulative counts; input counts appear here only on some API versions.
                    message.usage.output_tokens = usage.output_tokens;
                    if usage.input_tokens > 0 {
                        message.usage.input_tokens = usage.input_tokens;
                    }
                    if let Some(tokens) = usage.cache_read_input_tokens {
                        message.usage.cache_read_tokens = tokens;
                    }
                    if let Some(tokens) = usage.cache_creation_input_tokens {
                        message.usage.cache_write_tokens = tokens;
                    }
                }
            }
            WireEvent::MessageStop {} => return Ok(true),
            WireEvent::Error { error } => {
                return Err(DecodeError::Provider {
                    retryable: matches!(
                        error.kind.as_str(),
                        "overloaded_error" | "rate_limit_error" | "api_error"
                    ),
                    message: format!("{}: {}", error.kind, error.message),
                });
            }
            WireEvent::ContentBlockStop {} | WireEvent::Ping {} => {}
            WireEvent::Unknown => {
                tracing::debug!(event = %event.name, "skipping an unknown event");
            }
        }
        Ok(false)
    }

    fn whole(&mut self, body: &[u8], message: &mut MessageBuilder) -> Result<(), DecodeError> {
        let wire: WireResponse = serde_json::from_slice(body)
            .map_err(|error| DecodeError::Malformed(error.to_string()))?;
        message.model = wire.model;
        message.usage = wire.usage.to_usage();
        message.stop_reason = Some(stop_reason(wire.stop_reason.as_deref()));
        for block in wire.content {
            match block.kind.as_str() {
                "text" => message.text(&block.text),
                "tool_use" => message.whole_tool(
                    block.id.as_deref(),
                    &block.name,
                    &block.input.unwrap_or(Value::Null),
                    None,
                )?,
                // Thinking blocks carry no answer text.
                _ => {}
            }
        }
        Ok(())
    }

    fn complete_at_end(&self, _message: &MessageBuilder) -> bool {
        // Every answer ends with message_stop; without it the connection was cut.
        false
    }
}

fn stop_reason(wire: Option<&str>) -> StopReason {
    match wire {
        Some("end_turn") => StopReason::EndTurn,
        Some("tool_use") => StopReason::ToolUse,
        Some("max_tokens") => StopReason::MaxTokens,
        Some("stop_sequence") => StopReason::StopSequence,
        Some("refusal") => StopReason::Refusal,
        Some(other) => StopReason::Other(other.to_owned()),
        None => StopReason::Other("none".to_owned()),
    }
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
    id: Option<String>,
    #[serde(default)]
    name: String,
    input: Option<Value>,
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

impl WireUsage {
    /// Anthropic's input_tokens already excludes cached tokens: the four counts add up.
    fn to_usage(&self) -> Usage {
        Usage {
            input_tokens: self.input_tokens,
            output_tokens: self.output_tokens,
            cache_read_tokens: self.cache_read_input_tokens.unwrap_or(0),
            cache_write_tokens: self.cache_creation_input_tokens.unwrap_or(0),
        }
    }
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
