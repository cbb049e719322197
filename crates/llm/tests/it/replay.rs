use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use replica_core::{
    ApiKey, ContentPart, ImageBlock, LanguageModel, LlmError, LlmRequest, LlmResponse, Message,
    Role, StopReason, StreamEvent, SystemBlock, ToolUse, Usage,
};
use replica_llm::{
    Anthropic, AnthropicConfig, RecordedExchange, Recording, Replay, exchange_path,
    first_json_object, request_key, strip_code_fences, view_key,
};

use crate::support::{self, KEY, Stub};

/// A 32x16 JPEG of a blue band on white, as section-gen would attach a section screenshot.
const HERO_JPEG_BASE64: &str = "/9j/4AAQSkZJRgABAgAAAQABAAD/wAARCAAQACADAREAAhEBAxEB/9sAQwAIBgYHBgUIBwcHCQkICgwUDQwLCwwZEhMPFB0aHx4dGhwcICQuJyAiLCMcHCg3KSwwMTQ0NB8nOT04MjwuMzQy/9sAQwEJCQkMCwwYDQ0YMiEcITIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIy/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDz1K+sgeciZa6YGiJ1rqgaInSumBoj30fCzwYP+YN/5NTf/F18EsdiF9r8F/kP2UOwo+F/g4f8wf8A8mZv/i6pZjiV9r8F/kP2cew4fDLwgP8AmEf+TMv/AMXVrNMWvt/gv8h8kRw+GvhEf8wn/wAmZf8A4qqWb41fb/Bf5D5Uf//Z";

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/llm")
}

/// The request behind the committed fixture: an LLM section generation for a hero section.
pub fn hero_section_request() -> LlmRequest {
    LlmRequest {
        system: vec![
            SystemBlock {
                text: "You convert one section of a live web page into a React component for a Next.js 14 \
                       App Router project (JSX, Tailwind CSS). Reproduce the layout, text, colours and spacing \
                       exactly as the screenshot and the section data show them. Use only the design tokens \
                       given; never invent colours or fonts. Answer with one ```jsx code block holding a \
                       default-exported component and nothing else."
                    .to_owned(),
                cache: true,
            },
            SystemBlock {
                text: "Design tokens: primary #1e3a8a; background #ffffff; text #111827; body font Inter, \
                       system-ui, sans-serif; heading scale 48/36/24 px; container 1200 px."
                    .to_owned(),
                cache: true,
            },
        ],
        messages: vec![Message {
            role: Role::User,
            content: vec![
                ContentPart::Text {
                    text: "Section 1 of 5: hero (type hint: hero), 1280x640 at y=0.\n\
                           Heading (h1): \"Ship faster with Acme\"\n\
                           Paragraph: \"The platform for teams who build for the web.\"\n\
                           Buttons: \"Get started\" (href /signup), \"Book a demo\" (href /demo)\n\
                           Component name: Hero"
                        .to_owned(),
                },
                ContentPart::Image(ImageBlock { media_type: "image/jpeg".to_owned(), base64: HERO_JPEG_BASE64.to_owned() }),
            ],
        }],
        tools: Vec::new(),
        max_tokens: 8192,
        temperature: Some(0.2),
    }
}

fn response(text: &str) -> LlmResponse {
    LlmResponse {
        text: text.to_owned(),
        tool_uses: Vec::new(),
        stop_reason: StopReason::EndTurn,
        usage: Usage {
            input_tokens: 10,
            output_tokens: 2,
            cache_read_tokens: 0,
            cache_write_tokens: 0,
        },
        model: "stub-model".to_owned(),
    }
}

#[tokio::test]
async fn answers_the_committed_fixture() {
    let replay = Replay::new(fixtures_dir());
    let answer = replay
        .complete(&hero_section_request())
        .await
        .expect("the fixture answers");
    assert_eq!(answer.model, "claude-sonnet-4-5-20250929");
    assert_eq!(answer.stop_reason, StopReason::EndTurn);
    assert_eq!(
        answer.usage,
        Usage {
            input_tokens: 412,
            output_tokens: 389,
            cache_read_tokens: 2154,
            cache_write_tokens: 0
        }
    );
    let component = strip_code_fences(&answer.text);
    assert!(
        component.starts_with("export default function Hero() {"),
        "{component}"
    );
    assert!(component.contains("Ship faster with Acme"));
}

#[test]
fn every_committed_fixture_is_keyed_by_its_request() {
    let mut checked = 0;
    for entry in std::fs::read_dir(fixtures_dir()).expect("fixtures/llm exists") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_none_or(|extension| extension != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let exchange: RecordedExchange = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let stem = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .unwrap_or_default();
        assert_eq!(
            view_key(&exchange.request),
            stem,
            "{} is not named after its request's key",
            path.display()
        );
        checked += 1;
    }
    assert!(checked >= 1, "fixtures/llm holds no exchange");
}

#[tokio::test]
async fn tool_conversations_are_recorded_and_replayed_as_streams() {
    let dir = tempfile::tempdir().expect("temp dir");
    let answer = LlmResponse {
        tool_uses: vec![ToolUse::new(
            "toolu_9",
            "read_file",
            serde_json::json!({ "path": "app/globals.css" }),
        )],
        stop_reason: StopReason::ToolUse,
        ..response("Checking the stylesheet.")
    };
    let stub = Arc::new(Stub::answering(answer));
    let request = support::tool_conversation();
    let recorded = Recording::new(stub, dir.path())
        .complete(&request)
        .await
        .expect("records");

    let path = exchange_path(dir.path(), &request_key(&request));
    let text = std::fs::read_to_string(&path).expect("file written");
    let exchange: RecordedExchange = serde_json::from_str(&text).expect("valid exchange");
    assert_eq!(view_key(&exchange.request), request_key(&request));
    assert_eq!(exchange.request["tools"][0]["name"], "read_file");
    assert_eq!(
        exchange.request["messages"][2]["content"][1]["content"][1]["type"],
        "image"
    );
    assert!(
        !text.contains("iVBORw0KGgo="),
        "the screenshot is stored as its digest"
    );

    let items: Vec<_> = Replay::new(dir.path()).stream(&request).collect().await;
    let expected: Vec<Result<StreamEvent, LlmError>> =
        recorded.into_events().into_iter().map(Ok).collect();
    assert_eq!(items, expected);

    // Tools are part of the key.
    let mut fewer_tools = request.clone();
    fewer_tools.tools.pop();
    assert_ne!(request_key(&fewer_tools), request_key(&request));
}

#[tokio::test]
async fn recording_then_replaying_round_trips() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stub = Arc::new(Stub::answering(response(
        "```json\n{\"primary\": \"#1e3a8a\"}\n```",
    )));
    let recording = Recording::new(stub.clone(), dir.path());
    assert_eq!(recording.name(), "stub/model");
    let request = support::sample_request();
    let recorded = recording.complete(&request).await.expect("records");
    assert_eq!(stub.calls(), 1);

    let path = exchange_path(dir.path(), &request_key(&request));
    let exchange: RecordedExchange =
        serde_json::from_slice(&std::fs::read(&path).expect("file written"))
            .expect("valid exchange");
    assert_eq!(exchange.response, recorded);
    assert_eq!(view_key(&exchange.request), request_key(&request));
    // The image is stored as its digest, not its bytes.
    assert!(
        !std::fs::read_to_string(&path)
            .expect("text")
            .contains("/9j/4AAQSkZJRg==")
    );
    // Only the exchange itself is left: no partial files.
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);

    let replayed = Replay::new(dir.path())
        .complete(&request)
        .await
        .expect("replays");
    assert_eq!(replayed, recorded);
    assert_eq!(
        first_json_object(&replayed.text),
        Some("{\"primary\": \"#1e3a8a\"}")
    );
}

#[tokio::test]
async fn records_from_a_real_provider_and_replays_offline() {
    let server = support::serve(
        "/v1/messages",
        serde_json::json!({
            "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5-20250929",
            "content": [{ "type": "text", "text": "{\"fixes\": {}}" }],
            "stop_reason": "end_turn", "stop_sequence": null,
            "usage": { "input_tokens": 900, "output_tokens": 6, "cache_creation_input_tokens": 1500, "cache_read_input_tokens": 0 }
        }),
    )
    .await;
    let config = AnthropicConfig {
        base_url: server.uri(),
        retry: support::fast_retry(),
        ..AnthropicConfig::new(ApiKey::new(KEY))
    };
    let anthropic = Arc::new(Anthropic::new(config).expect("client builds"));
    let dir = tempfile::tempdir().expect("temp dir");
    let request = support::sample_request();
    let live = Recording::new(anthropic, dir.path())
        .complete(&request)
        .await
        .expect("live call");
    drop(server);

    let replayed = Replay::new(dir.path())
        .complete(&request)
        .await
        .expect("replays offline");
    assert_eq!(replayed, live);
    assert_eq!(replayed.usage.cache_write_tokens, 1500);
    let file = std::fs::read_to_string(exchange_path(dir.path(), &request_key(&request)))
        .expect("recorded");
    assert!(!file.contains(KEY));
}

#[tokio::test]
async fn failures_are_passed_on_and_not_recorded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stub = Arc::new(Stub::failing(LlmError::Status {
        provider: "stub".to_owned(),
        status: 400,
        message: "bad".to_owned(),
    }));
    let error = Recording::new(stub, dir.path())
        .complete(&support::sample_request())
        .await
        .expect_err("fails");
    assert!(matches!(error, LlmError::Status { status: 400, .. }));
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}

#[tokio::test]
async fn a_request_never_recorded_names_its_key_and_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let request = support::sample_request();
    let error = Replay::new(dir.path())
        .complete(&request)
        .await
        .expect_err("missing");
    let key = request_key(&request);
    assert_eq!(
        error,
        LlmError::ReplayMissing {
            key: key.clone(),
            dir: dir.path().display().to_string()
        }
    );
    let message = error.to_string();
    assert!(
        message.contains(&key) && message.contains(&dir.path().display().to_string()),
        "{message}"
    );
}

#[tokio::test]
async fn a_broken_fixture_is_malformed_not_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let request = support::sample_request();
    std::fs::write(
        exchange_path(dir.path(), &request_key(&request)),
        "{\"request\": {}, \"response\": ",
    )
    .expect("write");
    let error = Replay::new(dir.path())
        .complete(&request)
        .await
        .expect_err("broken");
    assert!(
        matches!(error, LlmError::MalformedResponse { .. }),
        "{error:?}"
    );
}
