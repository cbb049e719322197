//! OpenAI-compatible Chat Completions (`POST {base}/chat/completions`), streamed: OpenAI
//! itself, and vLLM, llama.cpp's server, Ollama and OpenRouter at their own base URLs.
//!
//! Chunks carry `choices[0].delta` with `content` and `tool_calls` fragments keyed by `index`
//! (the first fragment of a call has its `id` and `function.name`, later ones pieces of
//! `function.arguments`), then a `finish_reason`, a usage chunk (`stream_options`) and
//! `data: [DONE]`. Compatible servers vary: `content: null` beside tool calls, a whole call in
//! one fragment, no `index` (Ollama, Mistral), no `id`, `finish_reason: "stop"` after tool
//! calls, no `[DONE]`. All of these are read.

use replica_core::{
    ApiKey, ContentPart, LanguageModel, LlmError, LlmRequest, LlmStream, Message, Role, StopReason,
    ToolResult, Usage,
};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::{ErrorDetail, RetryPolicy, Transport, fallback_message, join_url};
use crate::sse::SseEvent;
use crate::stream::{self, DecodeError, Decoder, Exchange, MessageBuilder, event_json};

/// Which body field carries the output-token limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenLimitField {
    /// `max_tokens`: what compatible servers (vLLM, llama.cpp, Ollama, OpenRouter) understand.
    MaxTokens,
    /// `max_completion_tokens`: what OpenAI itself wants; its reasoning models reject
    /// `max_tokens`.
    MaxCompletionTokens,
}

impl TokenLimitField {
    /// `max_completion_tokens` for OpenAI's own endpoint, `max_tokens` everywhere else: OpenAI
    /// deprecated `max_tokens` (and rejects it for o-series and GPT-5 models), while many
    /// compatible servers only know `max_tokens`.
    pub fn for_base_url(base_url: &str) -> TokenLimitField {
        let official = url::Url::parse(base_url)
            .ok()
            .and_then(|url| url.host_str().map(|host| host == "api.openai.com"))
            .unwrap_or(false);
        if official {
            TokenLimitField::MaxCompletionTokens
        } else {
            TokenLimitField::MaxTokens
        }
    }
}

/// Settings for [`OpenAi`].
#[derive(Debug, Clone, PartialEq)]
pub struct OpenAiConfig {
    /// `None` for servers that need no key (Ollama, llama.cpp): no Authorization header is sent.
    pub api_key: Option<ApiKey>,
    /// A model id as the server knows it (`gpt-4.1`, `llama3.1`, `openai/gpt-4o`).
    pub model: String,
    /// With the version segment, as `OPENAI_BASE_URL` has it (`https://api.openai.com/v1`).
    pub base_url: String,
    /// Which field carries `max_tokens`; see [`TokenLimitField::for_base_url`].
    pub token_limit_field: TokenLimitField,
    /// Retries, backoff and timeouts.
    pub retry: RetryPolicy,
}

impl OpenAiConfig {
    /// OpenAI itself.
    pub const DEFAULT_BASE_URL: &'static str = "https://api.openai.com/v1";
    /// Used unless `REPLICA_MODEL` names another; it accepts `temperature`, unlike the
    /// reasoning models.
    pub const DEFAULT_MODEL: &'static str = "gpt-4.1";

    /// The default model at `base_url`, with the token-limit field that server expects.
    pub fn new(api_key: Option<ApiKey>, base_url: impl Into<String>) -> OpenAiConfig {
        let base_url = base_url.into();
        OpenAiConfig {
            api_key,
            model: OpenAiConfig::DEFAULT_MODEL.to_owned(),
            token_limit_field: TokenLimitField::for_base_url(&base_url),
            base_url,
            retry: RetryPolicy::default(),
        }
    }
}

/// A Chat Completions endpoint.
#[derive(Debug)]
pub struct OpenAi {
    model: String,
    url: String,
    token_limit_field: TokenLimitField,
    transport: Transport,
}

impl OpenAi {
    /// Sets up the HTTP client; fails only if TLS cannot be initialised.
    pub fn new(config: OpenAiConfig) -> Result<OpenAi, LlmError> {
        let transport = Transport::new("openai", config.retry, config.api_key)?;
        Ok(OpenAi {
            model: config.model,
            url: join_url(&config.base_url, "chat/completions"),
            token_limit_field: config.token_limit_field,
            transport,
        })
    }

    fn exchange<'a>(
        &'a self,
        request: &'a LlmRequest,
    ) -> Result<Exchange<'a, OpenAiDecoder>, LlmError> {
        stream::check_tools("openai", request)?;
        let mut headers = HeaderMap::new();
        if let Some((name, value)) = self.transport.secret_header("authorization", "Bearer ")? {
            headers.insert(name, value);
        }
        Ok(Exchange {
            transport: &self.transport,
            url: &self.url,
            headers,
            body: request_body(&self.model, self.token_limit_field, request),
            describe: describe_error,
            decoder: OpenAiDecoder::default(),
            message: MessageBuilder::new("openai", request, &self.model),
        })
    }
}

impl LanguageModel for OpenAi {
    fn name(&self) -> String {
        format!("openai/{}", self.model)
    }

    fn stream<'a>(&'a self, request: &'a LlmRequest) -> LlmStream<'a> {
        stream::open(self.exchange(request))
    }
}

pub(crate) fn request_body(
    model: &str,
    limit_field: TokenLimitField,
    request: &LlmRequest,
) -> Value {
    let mut messages = Vec::with_capacity(request.messages.len() + 1);
    if !request.system.is_empty() {
        // Chat Completions has one system message; caching there is automatic by prefix.
        let system: Vec<&str> = request
            .system
            .iter()
            .map(|block| block.text.as_str())
            .collect();
        messages.push(json!({ "role": "system", "content": system.join("\n\n") }));
    }
    for message in &request.messages {
        push_message(message, &mut messages);
    }

    let limit_key = match limit_field {
        TokenLimitField::MaxTokens => "max_tokens",
        TokenLimitField::MaxCompletionTokens => "max_completion_tokens",
    };
    let mut body = json!({
        "model": model,
        "messages": messages,
        "stream": true,
        "stream_options": { "include_usage": true },
    });
    body[limit_key] = json!(request.max_tokens);
    if let Some(temperature) = request.temperature {
        body["temperature"] = crate::temperature_json(temperature);
    }
    if !request.tools.is_empty() {
        let tools: Vec<Value> = request
            .tools
            .iter()
            .map(|tool| {
                json!({
                    "type": "function",
                    "function": { "name": tool.name, "description": tool.description, "parameters": tool.input_schema },
                })
            })
            .collect();
        body["tools"] = Value::Array(tools);
    }
    body
}

/// Appends `message` in Chat Completions form: tool calls ride on the assistant message, each
/// tool result becomes a `tool` message, and what else a user message holds follows them.
fn push_message(message: &Message, out: &mut Vec<Value>) {
    let role = match message.role {
        Role::User => "user",
        Role::Assistant => "assistant",
    };
    let mut parts: Vec<Value> = Vec::new();
    let mut calls: Vec<Value> = Vec::new();
    for part in &message.content {
        match part {
            ContentPart::Text { text } => parts.push(json!({ "type": "text", "text": text })),
            ContentPart::Image(image) => parts.push(image_json(image)),
            ContentPart::ToolUse(call) => {
                let arguments = match &call.invalid_input {
                    // The model's own text goes back as it sent it; the error result says why.
                    Some(raw) => raw.clone(),
                    None => call.input.to_string(),
                };
                calls.push(json!({
                    "id": call.id,
                    "type": "function",
                    "function": { "name": call.name, "arguments": arguments },
                }));
            }
            ContentPart::ToolResult(result) => {
                out.push(tool_message(result));
                // Tool messages hold text only: images follow in the user message.
                let mut images = result.images().map(image_json).peekable();
                if images.peek().is_some() {
                    let label = format!("The image returned by tool call {}:", result.tool_use_id);
                    parts.push(json!({ "type": "text", "text": label }));
                    parts.extend(images);
                }
            }
        }
    }
    if calls.is_empty() && parts.is_empty() {
        return;
    }
    let mut value = match parts.as_slice() {
        // A lone text part goes as a plain string: some compatible servers accept nothing else.
        [single] if single["type"] == "text" => json!({ "role": role, "content": single["text"] }),
        [] => json!({ "role": role, "content": null }),
        _ => json!({ "role": role, "content": parts }),
    };
    if !calls.is_empty() {
        value["tool_calls"] = Value::Array(calls);
    }
    out.push(value);
}

fn tool_message(result: &ToolResult) -> Value {
    let text = result.joined_text();
    let content = if result.is_error {
        format!("Error: {text}")
    } else {
        text
    };
    json!({ "role": "tool", "tool_call_id": result.tool_use_id, "content": content })
}

fn image_json(image: &replica_core::ImageBlock) -> Value {
    json!({
        "type": "image_url",
        "image_url": { "url": format!("data:{};base64,{}", image.media_type, image.base64) },
    })
}

/// Reads Chat Completions chunks; `tool_calls[].index` keys the calls.
#[derive(Debug, Clone, Default)]
struct OpenAiDecoder {
    refused: bool,
}

#[derive(Deserialize)]
struct WireChunk {
    model: Option<String>,
    #[serde(default)]
    choices: Vec<WireChoice>,
    usage: Option<WireUsage>,
    error: Option<Value>,
}

#[derive(Deserialize)]
struct WireChoice {
    /// `message` in a whole answer, `delta` in a chunk.
    #[serde(alias = "message")]
    delta: Option<WireDelta>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireDelta {
    content: Option<String>,
    refusal: Option<String>,
    #[serde(default)]
    tool_calls: Option<Vec<WireToolCall>>,
}

#[derive(Deserialize)]
struct WireToolCall {
    index: Option<usize>,
    id: Option<String>,
    function: Option<WireFunction>,
}

#[derive(Deserialize)]
struct WireFunction {
    name: Option<String>,
    /// A string of JSON text by the spec; some servers send the object itself.
    arguments: Option<Value>,
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    prompt_tokens_details: Option<WirePromptDetails>,
}

#[derive(Deserialize)]
struct WirePromptDetails {
    cached_tokens: Option<u64>,
}

impl WireUsage {
    /// prompt_tokens includes the cached ones; Usage counts them apart so that the four add up.
    fn to_usage(&self) -> Usage {
        let cached = self
            .prompt_tokens_details
            .as_ref()
            .and_then(|details| details.cached_tokens)
            .unwrap_or(0);
        Usage {
            input_tokens: self.prompt_tokens.saturating_sub(cached),
            output_tokens: self.completion_tokens,
            cache_read_tokens: cached,
            cache_write_tokens: 0,
        }
    }
}

impl OpenAiDecoder {
    fn chunk(&mut self, chunk: WireChunk, message: &mut MessageBuilder) -> Result<(), DecodeError> {
        if let Some(error) = chunk.error {
            let text = error.to_string();
            let envelope = json!({ "error": error }).to_string();
            let detail = describe_error(StatusCode::OK, envelope.as_bytes());
            return Err(DecodeError::Provider {
                message: detail.message,
                retryable: [
                    "server_error",
                    "overloaded",
                    "rate_limit",
                    "503",
                    "500",
                    "429",
                ]
                .iter()
                .any(|marker| text.contains(marker)),
            });
        }
        // Some local servers leave the model out or empty.
        if let Some(model) = chunk.model.filter(|model| !model.is_empty()) {
            message.model = model;
        }
        if let Some(usage) = &chunk.usage {
            message.usage = usage.to_usage();
        }
        let Some(choice) = chunk.choices.into_iter().next() else {
            return Ok(());
        };
        if let Some(delta) = choice.delta {
            if let Some(text) = &delta.content {
                message.text(text);
            }
            if let Some(refusal) = &delta.refusal {
                // A refusal comes with no content; its explanation is the best text there is.
                self.refused = true;
                message.text(refusal);
            }
            for call in delta.tool_calls.unwrap_or_default() {
                tool_call(call, message)?;
            }
        }
        if let Some(reason) = choice
            .finish_reason
            .as_deref()
            .filter(|reason| !reason.is_empty())
        {
            message.stop_reason = Some(match reason {
                _ if self.refused => StopReason::Refusal,
                "stop" => StopReason::EndTurn,
                "tool_calls" | "function_call" => StopReason::ToolUse,
                "length" => StopReason::MaxTokens,
                "content_filter" => StopReason::Refusal,
                other => StopReason::Other(other.to_owned()),
            });
        }
        Ok(())
    }
}

/// One tool-call fragment. Without an `index`, a fragment with a new `id` starts a call and
/// one without continues the last.
fn tool_call(call: WireToolCall, message: &mut MessageBuilder) -> Result<(), DecodeError> {
    let key = match (call.index, call.id.as_deref()) {
        (Some(index), _) => index,
        (None, Some(_)) => message.tool_count(),
        (None, None) => message.last_tool_key().unwrap_or(0),
    };
    let (name, arguments) = match call.function {
        Some(function) => (function.name, function.arguments),
        None => (None, None),
    };
    if !message.has_tool(key) {
        message.start_tool(key, call.id.as_deref(), name.as_deref().unwrap_or_default())?;
    }
    match arguments {
        Some(Value::String(fragment)) => message.tool_input(key, &fragment),
        None | Some(Value::Null) => Ok(()),
        Some(object) => message.tool_input(key, &object.to_string()),
    }
}

impl Decoder for OpenAiDecoder {
    fn event(
        &mut self,
        event: &SseEvent,
        message: &mut MessageBuilder,
    ) -> Result<bool, DecodeError> {
        if event.data.trim() == "[DONE]" {
            return Ok(true);
        }
        let chunk: WireChunk = event_json(event)?;
        self.chunk(chunk, message)?;
        Ok(false)
    }

    fn whole(&mut self, body: &[u8], message: &mut MessageBuilder) -> Result<(), DecodeError> {
        let chunk: WireChunk = serde_json::from_slice(body)
            .map_err(|error| DecodeError::Malformed(error.to_string()))?;
        if chunk.error.is_none() && chunk.choices.is_empty() {
            return Err(DecodeError::Malformed(
                "the response has no choices".to_owned(),
            ));
        }
        self.chunk(chunk, message)
    }
}

/// OpenAI: `{"error":{"message","type","code"}}`; vLLM: `{"message","type","code"}`;
/// some servers: `{"error":"text"}`.
fn describe_error(status: StatusCode, body: &[u8]) -> ErrorDetail {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let error = &value["error"];
    let message = match (error, &value["message"]) {
        (Value::Object(_), _) => match (
            error["message"].as_str(),
            error["code"].as_str().or(error["type"].as_str()),
        ) {
            (Some(message), Some(code)) => Some(format!("{code}: {message}")),
            (Some(message), None) => Some(message.to_owned()),
            (None, _) => None,
        },
        (Value::String(message), _) => Some(message.clone()),
        (_, Value::String(message)) => Some(message.clone()),
        _ => None,
    };
    ErrorDetail {
        message: message.unwrap_or_else(|| fallback_message(status, body)),
        ..ErrorDetail::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_limit_field_follows_the_server() {
        assert_eq!(
            TokenLimitField::for_base_url("https://api.openai.com/v1"),
            TokenLimitField::MaxCompletionTokens
        );
        assert_eq!(
            TokenLimitField::for_base_url("http://localhost:11434/v1"),
            TokenLimitField::MaxTokens
        );
        assert_eq!(
            TokenLimitField::for_base_url("https://openrouter.ai/api/v1"),
            TokenLimitField::MaxTokens
        );
        assert_eq!(
            TokenLimitField::for_base_url("not a url"),
            TokenLimitField::MaxTokens
        );
    }

    #[test]
    fn error_shapes_of_compatible_servers() {
        let message = |body: &str| describe_error(StatusCode::BAD_REQUEST, body.as_bytes()).message;
        assert_eq!(
            message(
                r#"{"error":{"message":"The model `x` does not exist","type":"invalid_request_error","code":"model_not_found"}}"#
            ),
            "model_not_found: The model `x` does not exist"
        );
        assert_eq!(
            message(r#"{"error":{"message":"boom","type":"server_error","code":500}}"#),
            "server_error: boom"
        );
        assert_eq!(
            message(r#"{"error":"model \"llama\" not found"}"#),
            "model \"llama\" not found"
        );
        assert_eq!(
            message(
                r#"{"object":"error","message":"too long","type":"BadRequestError","code":400}"#
            ),
            "too long"
        );
        assert_eq!(message("plain text"), "plain text");
    }

    fn parse_response(body: &[u8], model: &str) -> Result<replica_core::LlmResponse, DecodeError> {
        let mut message = MessageBuilder::new("openai", &LlmRequest::default(), model);
        OpenAiDecoder::default().whole(body, &mut message)?;
        Ok(message.finish())
    }

    #[test]
    fn refusal_without_content() {
        let body = br#"{"choices":[{"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"finish_reason":"stop"}]}"#;
        let response = parse_response(body, "gpt-4.1").expect("parses");
        assert_eq!(response.stop_reason, StopReason::Refusal);
        assert_eq!(response.text, "I can't help with that.");
        assert_eq!(response.model, "gpt-4.1");
        assert_eq!(response.usage, Usage::default());
    }

    #[test]
    fn no_choices_is_malformed() {
        assert!(parse_response(br#"{"choices":[]}"#, "m").is_err());
    }
}
