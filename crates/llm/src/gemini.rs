//! Google's Gemini API (`POST {base}/v1beta/models/{model}:generateContent`).

use std::time::Duration;

use replica_core::{
    ApiKey, BoxFuture, ContentPart, LanguageModel, LlmError, LlmRequest, LlmResponse, Role,
    StopReason, Usage,
};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::{ErrorDetail, RetryPolicy, Transport, fallback_message, join_url};

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

/// Gemini through `generateContent`. The key goes in the `x-goog-api-key` header, never in the
/// URL, so it cannot leak through logged URLs.
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
            &format!("v1beta/models/{model}:generateContent"),
        );
        let transport = Transport::new("gemini", config.retry, Some(config.api_key))?;
        Ok(Gemini {
            model,
            url,
            transport,
        })
    }

    async fn call(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError> {
        let mut headers = HeaderMap::new();
        if let Some((name, value)) = self.transport.secret_header("x-goog-api-key", "")? {
            headers.insert(name, value);
        }
        let body = request_body(request);
        let bytes = self
            .transport
            .post_json(&self.url, headers, &body, describe_error)
            .await?;
        parse_response(&bytes, &self.model)
            .map_err(|message| self.transport.malformed(&message, &bytes))
    }
}

impl LanguageModel for Gemini {
    fn name(&self) -> String {
        format!("gemini/{}", self.model)
    }

    fn complete<'a>(
        &'a self,
        request: &'a LlmRequest,
    ) -> BoxFuture<'a, Result<LlmResponse, LlmError>> {
        Box::pin(self.call(request))
    }
}

pub(crate) fn request_body(request: &LlmRequest) -> Value {
    let contents: Vec<Value> = request
        .messages
        .iter()
        .map(|message| {
            let role = match message.role {
                Role::User => "user",
                Role::Assistant => "model",
            };
            let parts: Vec<Value> = message
                .content
                .iter()
                .map(|part| match part {
                    ContentPart::Text { text } => json!({ "text": text }),
                    ContentPart::Image(image) => json!({
                        "inline_data": { "mime_type": image.media_type, "data": image.base64 },
                    }),
                })
                .collect();
            json!({ "role": role, "parts": parts })
        })
        .collect();

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
    body
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireResponse {
    #[serde(default)]
    candidates: Vec<WireCandidate>,
    prompt_feedback: Option<WirePromptFeedback>,
    usage_metadata: Option<WireUsage>,
    model_version: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCandidate {
    content: Option<WireContent>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireContent {
    #[serde(default)]
    parts: Vec<WirePart>,
}

#[derive(Deserialize)]
struct WirePart {
    text: Option<String>,
    #[serde(default)]
    thought: bool,
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

pub(crate) fn parse_response(bytes: &[u8], requested_model: &str) -> Result<LlmResponse, String> {
    let wire: WireResponse = serde_json::from_slice(bytes).map_err(|error| error.to_string())?;
    // promptTokenCount includes the cached tokens and thinking is billed as output; Usage counts
    // them so that the four add up to what is billed.
    let usage = wire
        .usage_metadata
        .map(|usage| Usage {
            input_tokens: usage
                .prompt_token_count
                .saturating_sub(usage.cached_content_token_count),
            output_tokens: usage.candidates_token_count + usage.thoughts_token_count,
            cache_read_tokens: usage.cached_content_token_count,
            cache_write_tokens: 0,
        })
        .unwrap_or_default();
    let model = wire
        .model_version
        .filter(|model| !model.is_empty())
        .unwrap_or_else(|| requested_model.to_owned());

    let Some(candidate) = wire.candidates.into_iter().next() else {
        // A blocked prompt gets no candidate at all, only feedback.
        return match wire
            .prompt_feedback
            .and_then(|feedback| feedback.block_reason)
        {
            Some(_) => Ok(LlmResponse {
                text: String::new(),
                stop_reason: StopReason::Refusal,
                usage,
                model,
            }),
            None => Err("the response has no candidates".to_owned()),
        };
    };
    let text = candidate
        .content
        .map(|content| {
            content
                .parts
                .into_iter()
                .filter(|part| !part.thought)
                .filter_map(|part| part.text)
                .collect::<String>()
        })
        .unwrap_or_default();
    let stop_reason = match candidate.finish_reason.as_deref() {
        Some("STOP") => StopReason::EndTurn,
        Some("MAX_TOKENS") => StopReason::MaxTokens,
        Some(
            "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY",
        ) => StopReason::Refusal,
        Some(other) => StopReason::Other(other.to_ascii_lowercase()),
        None => StopReason::Other("none".to_owned()),
    };
    Ok(LlmResponse {
        text,
        stop_reason,
        usage,
        model,
    })
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
