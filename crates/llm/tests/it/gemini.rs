use std::sync::Arc;

use replica_core::{ApiKey, LanguageModel, LlmError, StopReason, Usage};
use replica_llm::{Gemini, GeminiConfig, RetryPolicy};
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{self, Case, DebugModel, KEY};

pub const PATH: &str = "/v1beta/models/gemini-2.5-flash:streamGenerateContent";

pub fn make(base_url: &str, retry: RetryPolicy) -> Arc<dyn DebugModel> {
    let config = GeminiConfig {
        base_url: base_url.to_owned(),
        retry,
        ..GeminiConfig::new(ApiKey::new(KEY))
    };
    Arc::new(Gemini::new(config).expect("client builds"))
}

fn success_with(text: &str, finish_reason: &str) -> Value {
    json!({
        "candidates": [{
            "content": { "parts": [{ "text": text }], "role": "model" },
            "finishReason": finish_reason,
            "index": 0
        }],
        "usageMetadata": {
            "promptTokenCount": 3100,
            "candidatesTokenCount": 250,
            "totalTokenCount": 3350,
            "cachedContentTokenCount": 2048,
            "promptTokensDetails": [{ "modality": "TEXT", "tokenCount": 2842 }, { "modality": "IMAGE", "tokenCount": 258 }]
        },
        "modelVersion": "gemini-2.5-flash",
        "responseId": "mKdNaJ3WBoWqz7IP1rKN4Ak"
    })
}

fn success() -> Value {
    success_with("ok", "STOP")
}

fn error(status: u16, message: &str) -> Value {
    let code = match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        503 | 529 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "INTERNAL",
    };
    json!({ "error": { "code": status, "message": message, "status": code } })
}

const CASE: Case = Case {
    path: PATH,
    make,
    success,
    error,
};

#[tokio::test]
async fn sends_the_generate_content_request() {
    let server = support::serve(PATH, success()).await;
    make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect("succeeds");
    let request = support::single_request(&server).await;
    assert_eq!(support::header(&request, "x-goog-api-key"), Some(KEY));
    assert_eq!(
        support::header(&request, "content-type"),
        Some("application/json")
    );
    // The key travels in the header only, never in the URL where logs would show it.
    assert_eq!(request.url.query(), Some("alt=sse"));
    assert!(!request.url.as_str().contains(KEY));
    insta::assert_json_snapshot!("gemini_request", support::body_json(&request));
}

#[tokio::test]
async fn reads_text_stop_reason_and_usage() {
    let server = support::serve(
        PATH,
        success_with("export default function Hero() {}", "STOP"),
    )
    .await;
    let response = make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect("succeeds");
    assert_eq!(response.text, "export default function Hero() {}");
    assert_eq!(response.stop_reason, StopReason::EndTurn);
    assert_eq!(response.model, "gemini-2.5-flash");
    assert_eq!(
        response.usage,
        Usage {
            input_tokens: 1052,
            output_tokens: 250,
            cache_read_tokens: 2048,
            cache_write_tokens: 0
        }
    );
}

#[tokio::test]
async fn max_tokens_is_truncation_and_safety_is_refusal() {
    let server = support::serve(
        PATH,
        success_with("export default function Hero() {", "MAX_TOKENS"),
    )
    .await;
    let response = make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect("succeeds");
    assert_eq!(response.stop_reason, StopReason::MaxTokens);
    assert!(response.is_truncated());

    let server = support::serve(PATH, success_with("", "SAFETY")).await;
    let response = make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect("succeeds");
    assert_eq!(response.stop_reason, StopReason::Refusal);
}

#[tokio::test]
async fn bad_key_as_gemini_sends_it_is_unauthorized() {
    // Gemini answers a bad key with 400 INVALID_ARGUMENT and reason API_KEY_INVALID.
    let body = json!({ "error": {
        "code": 400,
        "message": format!("API key not valid. Please pass a valid API key. ({KEY})"),
        "status": "INVALID_ARGUMENT",
        "details": [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID", "domain": "googleapis.com" }]
    }});
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::path(PATH))
        .respond_with(ResponseTemplate::new(400).set_body_json(body))
        .mount(&server)
        .await;
    let error = make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect_err("bad key");
    assert!(
        matches!(error, LlmError::Unauthorized { status: 400, .. }),
        "{error:?}"
    );
    support::assert_key_hidden(&error);
    assert!(
        error
            .to_string()
            .contains("INVALID_ARGUMENT: API key not valid"),
        "{error}"
    );
}

#[tokio::test]
async fn models_prefix_is_accepted() {
    let server = support::serve(PATH, success()).await;
    let config = GeminiConfig {
        model: "models/gemini-2.5-flash".to_owned(),
        base_url: server.uri(),
        retry: support::fast_retry(),
        ..GeminiConfig::new(ApiKey::new(KEY))
    };
    let model = Gemini::new(config).expect("client builds");
    assert_eq!(model.name(), "gemini/gemini-2.5-flash");
    model
        .complete(&support::sample_request())
        .await
        .expect("succeeds");
}

#[tokio::test]
async fn name_and_debug() {
    let model = make("http://127.0.0.1:9", support::fast_retry());
    assert_eq!(model.name(), "gemini/gemini-2.5-flash");
    let debug = format!("{model:?}");
    assert!(!debug.contains(KEY), "{debug}");
}

#[tokio::test]
async fn retries_each_retryable_status() {
    support::retries_each_retryable_status(&CASE).await;
}

#[tokio::test]
async fn retry_info_in_the_body_is_honoured() {
    let body = json!({ "error": {
        "code": 429,
        "message": "You exceeded your current quota.",
        "status": "RESOURCE_EXHAUSTED",
        "details": [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "3600s" }]
    }});
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::path(PATH))
        .respond_with(ResponseTemplate::new(429).set_body_json(body))
        .mount(&server)
        .await;
    let error = make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect_err("quota");
    // An hour is past the budget: one request, no sleeping.
    assert!(
        matches!(error, LlmError::Status { status: 429, .. }),
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
