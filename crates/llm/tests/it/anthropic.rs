use std::sync::Arc;

use replica_core::{ApiKey, LanguageModel, StopReason, Usage};
use replica_llm::{Anthropic, AnthropicConfig, RetryPolicy};
use serde_json::{Value, json};

use crate::support::{self, Case, DebugModel, KEY};

pub const PATH: &str = "/v1/messages";

pub fn make(base_url: &str, retry: RetryPolicy) -> Arc<dyn DebugModel> {
    let config = AnthropicConfig {
        base_url: base_url.to_owned(),
        retry,
        ..AnthropicConfig::new(ApiKey::new(KEY))
    };
    Arc::new(Anthropic::new(config).expect("client builds"))
}

fn success_with(text: &str, stop_reason: &str) -> Value {
    json!({
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [{ "type": "text", "text": text }],
        "stop_reason": stop_reason,
        "stop_sequence": null,
        "usage": {
            "input_tokens": 1834,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 2950,
            "output_tokens": 412
        }
    })
}

fn success() -> Value {
    success_with("ok", "end_turn")
}

fn error(status: u16, message: &str) -> Value {
    let kind = match status {
        400 => "invalid_request_error",
        401 => "authentication_error",
        404 => "not_found_error",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        _ => "api_error",
    };
    json!({ "type": "error", "error": { "type": kind, "message": message } })
}

const CASE: Case = Case {
    path: PATH,
    make,
    success,
    error,
};

#[tokio::test]
async fn sends_the_messages_api_request() {
    let server = support::serve(PATH, success()).await;
    make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect("succeeds");
    let request = support::single_request(&server).await;
    assert_eq!(support::header(&request, "x-api-key"), Some(KEY));
    assert_eq!(
        support::header(&request, "anthropic-version"),
        Some("2023-06-01")
    );
    assert_eq!(
        support::header(&request, "content-type"),
        Some("application/json")
    );
    assert_eq!(support::header(&request, "authorization"), None);
    insta::assert_json_snapshot!("anthropic_request", support::body_json(&request));
}

#[tokio::test]
async fn reads_text_stop_reason_usage_and_model() {
    let mut body = success_with("first ", "end_turn");
    // Thinking blocks are not part of the answer; text blocks are joined.
    body["content"] = json!([
        { "type": "thinking", "thinking": "let me see", "signature": "abc" },
        { "type": "text", "text": "export default " },
        { "type": "text", "text": "function Hero() {}" }
    ]);
    body["usage"]["cache_creation_input_tokens"] = json!(120);
    let server = support::serve(PATH, body).await;
    let response = make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect("succeeds");
    assert_eq!(response.text, "export default function Hero() {}");
    assert_eq!(response.stop_reason, StopReason::EndTurn);
    assert_eq!(response.model, "claude-sonnet-4-5-20250929");
    assert_eq!(
        response.usage,
        Usage {
            input_tokens: 1834,
            output_tokens: 412,
            cache_read_tokens: 2950,
            cache_write_tokens: 120
        }
    );
}

#[tokio::test]
async fn max_tokens_is_truncation() {
    let server = support::serve(
        PATH,
        success_with("export default function Hero() {\n  return (", "max_tokens"),
    )
    .await;
    let response = make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect("succeeds");
    assert_eq!(response.stop_reason, StopReason::MaxTokens);
    assert!(response.is_truncated());
}

#[tokio::test]
async fn refusal_and_other_stop_reasons() {
    let server = support::serve(PATH, success_with("", "refusal")).await;
    let response = make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect("succeeds");
    assert_eq!(response.stop_reason, StopReason::Refusal);

    let server = support::serve(PATH, success_with("", "pause_turn")).await;
    let response = make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect("succeeds");
    assert_eq!(
        response.stop_reason,
        StopReason::Other("pause_turn".to_owned())
    );
}

#[tokio::test]
async fn name_and_debug() {
    let model = make("http://127.0.0.1:9", support::fast_retry());
    assert_eq!(model.name(), "anthropic/claude-sonnet-4-5");
    let debug = format!("{model:?}");
    assert!(!debug.contains(KEY), "{debug}");
    let config_debug = format!("{:?}", AnthropicConfig::new(ApiKey::new(KEY)));
    assert!(!config_debug.contains(KEY), "{config_debug}");
}

#[tokio::test]
async fn retries_each_retryable_status() {
    support::retries_each_retryable_status(&CASE).await;
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

#[tokio::test]
async fn error_message_names_the_error_type() {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path(PATH))
        .respond_with(
            wiremock::ResponseTemplate::new(404)
                .set_body_json(error(404, "model: claude-nonexistent")),
        )
        .mount(&server)
        .await;
    let error = make(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect_err("404");
    assert_eq!(
        error.to_string(),
        "anthropic answered HTTP 404: not_found_error: model: claude-nonexistent"
    );
}

#[tokio::test]
async fn a_key_that_cannot_be_a_header_is_an_error_without_the_key() {
    let server = support::serve(PATH, success()).await;
    let bad_key = "sk-ant-line\nbreak";
    let config = AnthropicConfig {
        base_url: server.uri(),
        retry: support::fast_retry(),
        ..AnthropicConfig::new(ApiKey::new(bad_key))
    };
    let error = Anthropic::new(config)
        .expect("client builds")
        .complete(&support::sample_request())
        .await
        .expect_err("no request can carry it");
    assert!(!error.to_string().contains("sk-ant-line"), "{error}");
    assert!(
        error
            .to_string()
            .contains("cannot be sent in an HTTP header"),
        "{error}"
    );
    assert!(support::requests(&server).await.is_empty());
}
