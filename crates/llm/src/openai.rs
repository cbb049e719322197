//! OpenAI-compatible Chat Completions (`POST {base}/chat/completions`): OpenAI itself, and
//! vLLM, llama.cpp's server, Ollama and OpenRouter at their own base URLs.

use replica_core::{
    ApiKey, BoxFuture, ContentPart, LanguageModel, LlmError, LlmRequest, LlmResponse, Message,
    Role, StopReason, Usage,
};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::{ErrorDetail, RetryPolicy, Transport, fallback_message, join_url};

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

    async fn call(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError> {
        let mut headers = HeaderMap::new();
        if let Some((name, value)) = self.transport.secret_header("authorization", "Bearer ")? {
            headers.insert(name, value);
        }
        let body = request_body(&self.model, self.token_limit_field, request);
        let bytes = self
            .transport
            .post_json(&self.url, headers, &body, describe_error)
            .await?;
        parse_response(&bytes, &self.model)
            .map_err(|message| self.transport.malformed(&message, &bytes))
    }
}

impl LanguageModel for OpenAi {
    fn name(&self) -> String {
        format!("openai/{}", self.model)
    }

    fn complete<'a>(
        &'a self,
        request: &'a LlmRequest,
    ) -> BoxFuture<'a, Result<LlmResponse, LlmError>> {
        Box::pin(self.call(request))
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
    messages.extend(request.messages.iter().map(message_json));

    let limit_key = match limit_field {
        TokenLimitField::MaxTokens => "max_tokens",
        TokenLimitField::MaxCompletionTokens => "max_completion_tokens",
    };
    let mut body = json!({ "model": model, "messages": messages });
    body[limit_key] = json!(request.max_tokens);
    if let Some(temperature) = request.temperature {
        body["temperature"] = crate::temperature_json(temperature);
    }
    body
}

fn message_json(message: &Message) -> Value {
    let role = match message.role {
        Role::User => "user",
        Role::Assistant => "assistant",
    };
    // A lone text part goes as a plain string: some compatible servers accept nothing else.
    if let [ContentPart::Text { text }] = message.content.as_slice() {
        return json!({ "role": role, "content": text });
    }
    let content: Vec<Value> = message
        .content
        .iter()
        .map(|part| match part {
            ContentPart::Text { text } => json!({ "type": "text", "text": text }),
            ContentPart::Image(image) => json!({
                "type": "image_url",
                "image_url": { "url": format!("data:{};base64,{}", image.media_type, image.base64) },
            }),
        })
        .collect();
    json!({ "role": role, "content": content })
}

#[derive(Deserialize)]
struct WireResponse {
    model: Option<String>,
    choices: Vec<WireChoice>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireChoice {
    message: WireMessage,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireMessage {
    content: Option<String>,
    refusal: Option<String>,
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

pub(crate) fn parse_response(bytes: &[u8], requested_model: &str) -> Result<LlmResponse, String> {
    let wire: WireResponse = serde_json::from_slice(bytes).map_err(|error| error.to_string())?;
    let Some(choice) = wire.choices.into_iter().next() else {
        return Err("the response has no choices".to_owned());
    };
    let refused = choice.message.refusal.is_some();
    // A refusal comes with no content; its explanation is the best text there is.
    let text = choice
        .message
        .content
        .or(choice.message.refusal)
        .unwrap_or_default();
    let stop_reason = match choice.finish_reason.as_deref() {
        _ if refused => StopReason::Refusal,
        Some("stop") => StopReason::EndTurn,
        Some("length") => StopReason::MaxTokens,
        Some("content_filter") => StopReason::Refusal,
        Some(other) => StopReason::Other(other.to_owned()),
        None => StopReason::Other("none".to_owned()),
    };
    // prompt_tokens includes the cached ones; Usage counts them apart so that the four add up.
    let usage = wire
        .usage
        .map(|usage| {
            let cached = usage
                .prompt_tokens_details
                .and_then(|details| details.cached_tokens)
                .unwrap_or(0);
            Usage {
                input_tokens: usage.prompt_tokens.saturating_sub(cached),
                output_tokens: usage.completion_tokens,
                cache_read_tokens: cached,
                cache_write_tokens: 0,
            }
        })
        .unwrap_or_default();
    // Some local servers leave the model out.
    let model = wire
        .model
        .filter(|model| !model.is_empty())
        .unwrap_or_else(|| requested_model.to_owned());
    Ok(LlmResponse {
        text,
        stop_reason,
        usage,
        model,
    })
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
