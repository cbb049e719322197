use std::sync::Arc;

use replica_core::{ApiKey, LanguageModel, LlmRequest, Message, StopReason, Usage};
use replica_llm::{OpenAi, OpenAiConfig, RetryPolicy, TokenLimitField};
use serde_json::{Value, json};

use crate::support::{self, Case, DebugModel, KEY};

pub const PATH: &str = "/v1/chat/completions";

fn config(base_url: &str, retry: RetryPolicy) -> OpenAiConfig {
    OpenAiConfig {
        retry,
        ..OpenAiConfig::new(Some(ApiKey::new(KEY)), format!("{base_url}/v1"))
    }
}

pub fn make(base_url: &str, retry: RetryPolicy) -> Arc<dyn DebugModel> {
    Arc::new(OpenAi::new(config(base_url, retry)).expect("client builds"))
}

fn success_with(content: &str, finish_reason: &str) -> Value {
    json!({
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": 1741569952,
        "model": "gpt-4.1-2025-04-14",
        "choices": [{
            "index": 0,
            "message": { "role": "assistant", "content": content, "refusal": null, "annotations": [] },
            "logprobs": null,
            "finish_reason": finish_reason
        }],
        "usage": {
            "prompt_tokens": 2000,
            "completion_tokens": 300,
            "total_tokens": 2300,
            "prompt_tokens_details": { "cached_tokens": 1536, "audio_tokens": 0 },
            "completion_tokens_details": { "reasoning_tokens": 0 }
        },
        "system_fingerprint": "fp_b376dfbbd5"
    })
}

fn success() -> Value {
    success_with("ok", "stop")
}

fn error(status: u16, message: &str) -> Value {
    let (kind, code) = match status {
        401 => ("invalid_request_error", json!("invalid_api_key")),
        404 => ("invalid_request_error", json!("model_not_found")),
        429 => ("requests", json!("rate_limit_exceeded")),
        400 => ("invalid_request_error", Value::Null),
        _ => ("server_error", Value::Null),
    };
    json!({ "error": { "message": message, "type": kind, "param": null, "code": code } })
}

const CASE: Case = Case {
    path: PATH,
    make,
    success,
    error,
};

#[tokio::test]
async fn sends_the_chat_completions_request() {
    let server = support::serve(PATH, success()).await;
    make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect("succeeds");
    let request = support::single_request(&server).await;
    assert_eq!(
        support::header(&request, "authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(
        support::header(&request, "content-type"),
        Some("application/json")
    );
    insta::assert_json_snapshot!("openai_request", support::body_json(&request));
}

#[tokio::test]
async fn keyless_server_gets_no_authorization_header() {
    let server = support::serve(PATH, success()).await;
    let config = OpenAiConfig {
        api_key: None,
        model: "llama3.1".to_owned(),
        ..config(&server.uri(), support::fast_retry())
    };
    let model = OpenAi::new(config).expect("client builds");
    let request = LlmRequest {
        messages: vec![Message::user_text("hi")],
        max_tokens: 16,
        ..LlmRequest::default()
    };
    model.complete(&request).await.expect("succeeds");
    let received = support::single_request(&server).await;
    assert_eq!(support::header(&received, "authorization"), None);
    assert_eq!(
        support::body_json(&received),
        json!({
            "model": "llama3.1",
            "messages": [{ "role": "user", "content": "hi" }],
            "max_tokens": 16,
            "stream": true,
            "stream_options": { "include_usage": true },
        })
    );
}

#[tokio::test]
async fn official_endpoint_field_is_max_completion_tokens() {
    let server = support::serve(PATH, success()).await;
    let config = OpenAiConfig {
        token_limit_field: TokenLimitField::MaxCompletionTokens,
        ..config(&server.uri(), support::fast_retry())
    };
    OpenAi::new(config)
        .expect("client builds")
        .complete(&support::sample_request())
        .await
        .expect("succeeds");
    let body = support::body_json(&support::single_request(&server).await);
    assert_eq!(body["max_completion_tokens"], json!(4096));
    assert!(body.get("max_tokens").is_none());
}

#[tokio::test]
async fn reads_text_stop_reason_and_usage_with_cached_tokens_apart() {
    let server = support::serve(
        PATH,
        success_with("export default function Hero() {}", "stop"),
    )
    .await;
    let response = make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect("succeeds");
    assert_eq!(response.text, "export default function Hero() {}");
    assert_eq!(response.stop_reason, StopReason::EndTurn);
    assert_eq!(response.model, "gpt-4.1-2025-04-14");
    assert_eq!(
        response.usage,
        Usage {
            input_tokens: 464,
            output_tokens: 300,
            cache_read_tokens: 1536,
            cache_write_tokens: 0
        }
    );
}

#[tokio::test]
async fn minimal_compatible_server_response() {
    // llama.cpp and Ollama leave out usage details, and some leave out the model.
    let body = json!({ "choices": [{ "message": { "role": "assistant", "content": "ok" }, "finish_reason": "stop" }] });
    let server = support::serve(PATH, body).await;
    let response = make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect("succeeds");
    assert_eq!(response.text, "ok");
    assert_eq!(response.model, "gpt-4.1");
    assert_eq!(response.usage, Usage::default());
}

#[tokio::test]
async fn length_is_truncation_and_content_filter_is_refusal() {
    let server = support::serve(
        PATH,
        success_with("export default function Hero() {", "length"),
    )
    .await;
    let response = make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect("succeeds");
    assert_eq!(response.stop_reason, StopReason::MaxTokens);
    assert!(response.is_truncated());

    let server = support::serve(PATH, success_with("", "content_filter")).await;
    let response = make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect("succeeds");
    assert_eq!(response.stop_reason, StopReason::Refusal);
}

#[tokio::test]
async fn name_and_debug() {
    let model = make("http://127.0.0.1:9", support::fast_retry());
    assert_eq!(model.name(), "openai/gpt-4.1");
    let debug = format!("{model:?}");
    assert!(!debug.contains(KEY), "{debug}");
}

#[tokio::test]
async fn error_message_names_the_code() {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path(PATH))
        .respond_with(
            wiremock::ResponseTemplate::new(404)
                .set_body_json(error(404, "The model `gpt-9` does not exist")),
        )
        .mount(&server)
        .await;
    let error = make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect_err("404");
    assert_eq!(
        error.to_string(),
        "openai answered HTTP 404: model_not_found: The model `gpt-9` does not exist"
    );
}

#[tokio::test]
async fn retries_each_retryable_status() {
    support::retries_each_retryable_status(&CASE).await;
}

#[tokio::test]
async fn retry_after_ms_is_honoured() {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path(PATH))
        .respond_with(
            wiremock::ResponseTemplate::new(429)
                .insert_header("retry-after-ms", "3600000")
                .set_body_json(error(429, "Rate limit reached")),
        )
        .mount(&server)
        .await;
    let error = make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect_err("429");
    // An hour is past the budget: one request, no sleeping.
    assert!(
        matches!(error, replica_core::LlmError::Status { status: 429, .. }),
        "{error:?}"
    );
    assert_eq!(support::requests(&server).await.len(), 1);
}

#[tokio::test]
async fn gives_up_after_max_attempts() {
    support::gives_up_after_max_attempts(&CASE).await;
}

#[tokio::test]
async fn retry_after_beyond_the_budget_gives_up_at_once() {
    support::retry_after_beyond_the_budget_gives_up_at_once(&CASE).await;
}

#[tokio::test]
async fn non_retryable_errors_carry_status_and_message() {
    support::non_retryable_errors_carry_status_and_message(&CASE).await;
}

#[tokio::test]
async fn bad_key_is_unauthorized_and_never_shown() {
    support::bad_key_is_unauthorized_and_never_shown(&CASE).await;
}

#[tokio::test]
async fn malformed_json_is_reported() {
    support::malformed_json_is_reported(&CASE).await;
}

#[tokio::test]
async fn slow_server_times_out() {
    support::slow_server_times_out(&CASE).await;
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    support::connection_refused_is_retried_then_reported(&CASE).await;
}
