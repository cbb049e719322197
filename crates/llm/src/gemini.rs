//! Google's Gemini API, streamed (`POST {base}/v1beta/models/{model}:streamGenerateContent?alt=sse`).
//!
//! Every SSE event is a whole `GenerateContentResponse` holding the next parts: text deltas,
//! and `functionCall`s that arrive complete (arguments as a JSON object, with a
//! `thoughtSignature` to send back). The last carries `finishReason` and usage; the stream then
//! simply ends. Calls often come without an `id`: ours are then made up and never sent, and
//! Gemini pairs the `functionResponse`s with the calls by name and order; an id Gemini gave is
//! sent back with the call and its response.

use std::time::Duration;

use replica_core::{
    ApiKey, ContentPart, LanguageModel, LlmError, LlmRequest, LlmStream, Role, StopReason,
    ToolResult, ToolUse, Usage,
};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::{ErrorDetail, RetryPolicy, Transport, fallback_message, join_url};
use crate::sse::SseEvent;
use crate::stream::{
    self, DecodeError, Decoder, Exchange, MessageBuilder, event_json, is_synthetic_id,
};

/// Settings for [`Gemini`].
#[derive(Debug, Clone, PartialEq)]
pub struct GeminiConfig {
    /// Sent as `x-goog-api-key`.
    pub api_key: ApiKey,
    /// A model id such as `gemini-2.5-flash` (a `models/` prefix is accepted).
    pub model: String,
    /// Without the version segment; overridable for proxies and tests.
    pub base_url: String,
    /// Retries, backoff and timeouts.
    pub retry: RetryPolicy,
}

impl GeminiConfig {
    /// The public API.
    pub const DEFAULT_BASE_URL: &'static str = "https://generativelanguage.googleapis.com";
    /// Used unless `REPLICA_MODEL` names another; fast and cheap enough for every section.
    pub const DEFAULT_MODEL: &'static str = "gemini-2.5-flash";

    /// The default model at the public endpoint.
    pub fn new(api_key: ApiKey) -> GeminiConfig {
        GeminiConfig {
            api_key,
            model: GeminiConfig::DEFAULT_MODEL.to_owned(),
            base_url: GeminiConfig::DEFAULT_BASE_URL.to_owned(),
            retry: RetryPolicy::default(),
        }
    }
}

/// Gemini through `streamGenerateContent`. The key goes in the `x-goog-api-key` header, never
/// in the URL, so it cannot leak through logged URLs.
#[derive(Debug)]
pub struct Gemini {
    model: String,
    url: String,
    transport: Transport,
}

impl Gemini {
    /// Sets up the HTTP client; fails only if TLS cannot be initialised.
    pub fn new(config: GeminiConfig) -> Result<Gemini, LlmError> {
        let model = config
            .model
            .strip_prefix("models/")
            .unwrap_or(&config.model)
            .to_owned();
        let url = join_url(
            &config.base_url,
            &format!("v1beta/models/{model}:streamGenerateContent?alt=sse"),
        );
        let transport = Transport::new("gemini", config.retry, Some(config.api_key))?;
        Ok(Gemini {
            model,
            url,
            transport,
        })
    }

    fn exchange<'a>(
        &'a self,
        request: &'a LlmRequest,
    ) -> Result<Exchange<'a, GeminiDecoder>, LlmError> {
        stream::check_tools("gemini", request)?;
        let mut headers = HeaderMap::new();
        if let Some((name, value)) = self.transport.secret_header("x-goog-api-key", "")? {
            headers.insert(name, value);
        }
        Ok(Exchange {
            transport: &self.transport,
            url: &self.url,
            headers,
            body: request_body(request)?,
            describe: describe_error,
            decoder: GeminiDecoder,
            message: MessageBuilder::new("gemini", request, &self.model),
        })
    }
}

impl LanguageModel for Gemini {
    fn name(&self) -> String {
        format!("gemini/{}", self.model)
    }

    fn stream<'a>(&'a self, request: &'a LlmRequest) -> LlmStream<'a> {
        stream::open(self.exchange(request))
    }
}

pub(crate) fn request_body(request: &LlmRequest) -> Result<Value, LlmError> {
    let mut contents = Vec::with_capacity(request.messages.len());
    for (index, message) in request.messages.iter().enumerate() {
        let role = match message.role {
            Role::User => "user",
            Role::Assistant => "model",
        };
        let mut parts = Vec::with_capacity(message.content.len());
        for part in &message.content {
            match part {
                ContentPart::Text { text } => parts.push(json!({ "text": text })),
                ContentPart::Image(image) => parts.push(image_json(image)),
                ContentPart::ToolUse(call) => parts.push(call_json(call)),
                ContentPart::ToolResult(result) => {
                    let name = called_name(request, index, &result.tool_use_id)?;
                    parts.push(response_json(name, result));
                    // functionResponse holds JSON only: images follow it as parts of their own.
                    parts.extend(result.images().map(image_json));
                }
            }
        }
        contents.push(json!({ "role": role, "parts": parts }));
    }

    let mut generation_config = json!({ "maxOutputTokens": request.max_tokens });
    if let Some(temperature) = request.temperature {
        generation_config["temperature"] = crate::temperature_json(temperature);
    }
    let mut body = json!({ "contents": contents, "generationConfig": generation_config });
    if !request.system.is_empty() {
        // Gemini caches repeated prefixes implicitly; there is no per-block marker to send.
        let parts: Vec<Value> = request
            .system
            .iter()
            .map(|block| json!({ "text": block.text }))
            .collect();
        body["systemInstruction"] = json!({ "parts": parts });
    }
    if !request.tools.is_empty() {
        // parametersJsonSchema takes JSON Schema as is; `parameters` wants an OpenAPI subset.
        let declarations: Vec<Value> = request
            .tools
            .iter()
            .map(|tool| {
                json!({ "name": tool.name, "description": tool.description, "parametersJsonSchema": tool.input_schema })
            })
            .collect();
        body["tools"] = json!([{ "functionDeclarations": declarations }]);
    }
    Ok(body)
}

fn image_json(image: &replica_core::ImageBlock) -> Value {
    json!({ "inline_data": { "mime_type": image.media_type, "data": image.base64 } })
}

fn call_json(call: &ToolUse) -> Value {
    let mut value = json!({ "functionCall": { "name": call.name, "args": call.input } });
    if !is_synthetic_id(&call.id) {
        value["functionCall"]["id"] = json!(call.id);
    }
    if let Some(signature) = &call.signature {
        value["thoughtSignature"] = json!(signature);
    }
    value
}

fn response_json(name: &str, result: &ToolResult) -> Value {
    // Gemini reads `output` as the result and `error` as a failure.
    let key = if result.is_error { "error" } else { "output" };
    let mut value =
        json!({ "functionResponse": { "name": name, "response": { key: result.joined_text() } } });
    if !is_synthetic_id(&result.tool_use_id) {
        value["functionResponse"]["id"] = json!(result.tool_use_id);
    }
    value
}

/// The name of the call `id` answers: Gemini pairs results with calls by name.
fn called_name<'a>(request: &'a LlmRequest, before: usize, id: &str) -> Result<&'a str, LlmError> {
    request.messages[..before]
        .iter()
        .rev()
        .flat_map(|message| message.content.iter().rev())
        .find_map(|part| match part {
            ContentPart::ToolUse(call) if call.id == id => Some(call.name.as_str()),
            _ => None,
        })
        .ok_or_else(|| LlmError::InvalidRequest {
            provider: "gemini".to_owned(),
            message: format!("a tool result answers call {id}, which no earlier message made"),
        })
}

/// Reads `GenerateContentResponse` chunks.
#[derive(Debug, Clone, Copy)]
struct GeminiDecoder;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireResponse {
    #[serde(default)]
    candidates: Vec<WireCandidate>,
    prompt_feedback: Option<WirePromptFeedback>,
    usage_metadata: Option<WireUsage>,
    model_version: Option<String>,
    error: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCandidate {
    content: Option<WireContent>,
    finish_reason: Option<String>,
    finish_message: Option<String>,
}

#[derive(Deserialize)]
struct WireContent {
    #[serde(default)]
    parts: Vec<WirePart>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePart {
    text: Option<String>,
    #[serde(default)]
    thought: bool,
    function_call: Option<WireFunctionCall>,
    thought_signature: Option<String>,
}

#[derive(Deserialize)]
struct WireFunctionCall {
    id: Option<String>,
    name: String,
    #[serde(default)]
    args: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePromptFeedback {
    block_reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireUsage {
    #[serde(default)]
    prompt_token_count: u64,
    #[serde(default)]
    candidates_token_count: u64,
    #[serde(default)]
    cached_content_token_count: u64,
    #[serde(default)]
    thoughts_token_count: u64,
}

impl GeminiDecoder {
    /// Reads one response chunk; `false` when it held no candidate (nor a blocked prompt).
    fn chunk(&self, wire: WireResponse, message: &mut MessageBuilder) -> Result<bool, DecodeError> {
        if let Some(error) = wire.error {
            let detail = describe_error(
                StatusCode::OK,
                json!({ "error": error }).to_string().as_bytes(),
            );
            let status = error["status"].as_str().unwrap_or_default();
            return Err(DecodeError::Provider {
                message: detail.message,
                retryable: matches!(status, "UNAVAILABLE" | "RESOURCE_EXHAUSTED" | "INTERNAL"),
            });
        }
        // promptTokenCount includes the cached tokens and thinking is billed as output; Usage
        // counts them so that the four add up to what is billed.
        if let Some(usage) = wire.usage_metadata {
            message.usage = Usage {
                input_tokens: usage
                    .prompt_token_count
                    .saturating_sub(usage.cached_content_token_count),
                output_tokens: usage.candidates_token_count + usage.thoughts_token_count,
                cache_read_tokens: usage.cached_content_token_count,
                cache_write_tokens: 0,
            };
        }
        if let Some(model) = wire.model_version.filter(|model| !model.is_empty()) {
            message.model = model;
        }
        let Some(candidate) = wire.candidates.into_iter().next() else {
            // A blocked prompt gets no candidate at all, only feedback.
            let blocked = wire
                .prompt_feedback
                .and_then(|feedback| feedback.block_reason)
                .is_some();
            if blocked {
                message.stop_reason = Some(StopReason::Refusal);
            }
            return Ok(blocked);
        };
        for part in candidate
            .content
            .map(|content| content.parts)
            .unwrap_or_default()
        {
            match (part.function_call, part.text) {
                (Some(call), _) => {
                    message.whole_tool(
                        call.id.as_deref(),
                        &call.name,
                        &call.args,
                        part.thought_signature,
                    )?;
                }
                (None, Some(text)) if !part.thought => message.text(&text),
                _ => {}
            }
        }
        if let Some(reason) = candidate.finish_reason {
            message.stop_reason = Some(finish_reason(&reason, candidate.finish_message)?);
        }
        Ok(true)
    }
}

fn finish_reason(reason: &str, finish_message: Option<String>) -> Result<StopReason, DecodeError> {
    let details = || finish_message.clone().unwrap_or_default();
    Ok(match reason {
        "STOP" => StopReason::EndTurn,
        "MAX_TOKENS" => StopReason::MaxTokens,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY" => {
            StopReason::Refusal
        }
        "MALFORMED_FUNCTION_CALL" | "UNEXPECTED_TOOL_CALL" => {
            return Err(DecodeError::Typed(LlmError::MalformedToolCall {
                provider: "gemini".to_owned(),
                message: format!("{reason}: {}", details())
                    .trim_end_matches(": ")
                    .to_owned(),
            }));
        }
        other => StopReason::Other(other.to_ascii_lowercase()),
    })
}

impl Decoder for GeminiDecoder {
    fn event(
        &mut self,
        event: &SseEvent,
        message: &mut MessageBuilder,
    ) -> Result<bool, DecodeError> {
        self.chunk(event_json(event)?, message)?;
        Ok(false)
    }

    /// One response, or the JSON array of chunks that `streamGenerateContent` sends when
    /// `alt=sse` got lost on the way (a proxy that drops query strings).
    fn whole(&mut self, body: &[u8], message: &mut MessageBuilder) -> Result<(), DecodeError> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Whole {
            // First: a derived struct would also accept an array, as a tuple.
            Chunks(Vec<WireResponse>),
            One(WireResponse),
        }
        let chunks = match serde_json::from_slice(body) {
            Ok(Whole::One(wire)) => vec![wire],
            Ok(Whole::Chunks(chunks)) => chunks,
            Err(error) => return Err(DecodeError::Malformed(error.to_string())),
        };
        let mut any = false;
        for chunk in chunks {
            any |= self.chunk(chunk, message)?;
        }
        if any {
            Ok(())
        } else {
            Err(DecodeError::Malformed(
                "the response has no candidates".to_owned(),
            ))
        }
    }
}

/// `{"error":{"code":400,"message":"...","status":"INVALID_ARGUMENT","details":[...]}}`.
fn describe_error(status: StatusCode, body: &[u8]) -> ErrorDetail {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let error = &value["error"];
    let message = match (error["message"].as_str(), error["status"].as_str()) {
        (Some(message), Some(code)) => format!("{code}: {message}"),
        (Some(message), None) => message.to_owned(),
        (None, _) => fallback_message(status, body),
    };
    let details = error["details"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    // A bad key is a 400 with reason API_KEY_INVALID, not a 401.
    let unauthorized = details
        .iter()
        .any(|detail| detail["reason"].as_str() == Some("API_KEY_INVALID"));
    // Quota errors say how long to wait in a RetryInfo detail: {"retryDelay": "37s"}.
    let retry_after = details
        .iter()
        .filter_map(|detail| detail["retryDelay"].as_str())
        .filter_map(|delay| delay.strip_suffix('s')?.parse::<f64>().ok())
        .find_map(|seconds| Duration::try_from_secs_f64(seconds).ok());
    ErrorDetail {
        message,
        unauthorized,
        retry_after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_response(body: &[u8], model: &str) -> Result<replica_core::LlmResponse, DecodeError> {
        let mut message = MessageBuilder::new("gemini", &LlmRequest::default(), model);
        GeminiDecoder.whole(body, &mut message)?;
        Ok(message.finish())
    }

    #[test]
    fn blocked_prompt_is_a_refusal() {
        let body = br#"{"promptFeedback":{"blockReason":"SAFETY"},"usageMetadata":{"promptTokenCount":12}}"#;
        let response = parse_response(body, "gemini-2.5-flash").expect("parses");
        assert_eq!(response.stop_reason, StopReason::Refusal);
        assert_eq!(response.text, "");
        assert_eq!(response.usage.input_tokens, 12);
        assert_eq!(response.model, "gemini-2.5-flash");
    }

    #[test]
    fn thoughts_are_skipped_and_billed_as_output() {
        let body = br#"{"candidates":[{"content":{"role":"model","parts":[{"text":"hmm","thought":true},{"text":"answer"}]},"finishReason":"STOP"}],
            "usageMetadata":{"promptTokenCount":100,"cachedContentTokenCount":60,"candidatesTokenCount":5,"thoughtsTokenCount":20}}"#;
        let response = parse_response(body, "m").expect("parses");
        assert_eq!(response.text, "answer");
        assert_eq!(
            response.usage,
            Usage {
                input_tokens: 40,
                output_tokens: 25,
                cache_read_tokens: 60,
                cache_write_tokens: 0
            }
        );
    }

    #[test]
    fn no_candidates_without_feedback_is_malformed() {
        assert!(parse_response(br#"{"usageMetadata":{}}"#, "m").is_err());
    }

    #[test]
    fn retry_info_and_bad_key_are_read_from_details() {
        let quota = br#"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED","details":[
            {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}"#;
        let detail = describe_error(StatusCode::TOO_MANY_REQUESTS, quota);
        assert_eq!(detail.retry_after, Some(Duration::from_secs(37)));
        assert_eq!(detail.message, "RESOURCE_EXHAUSTED: Quota exceeded");
        assert!(!detail.unauthorized);

        let bad_key = br#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[
            {"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}"#;
        assert!(describe_error(StatusCode::BAD_REQUEST, bad_key).unauthorized);
    }
}
