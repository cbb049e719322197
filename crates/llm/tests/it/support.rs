//! Scenarios every HTTP provider must pass, written once and run per provider with that
//! provider's paths and bodies.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use replica_core::{
    ContentPart, ImageBlock, LanguageModel, LlmError, LlmRequest, LlmResponse, Message, Role,
    StopReason, SystemBlock, ToolDefinition, ToolResult, ToolResultPart, ToolUse,
};
use replica_llm::RetryPolicy;
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A key distinctive enough that finding it anywhere in output is never a coincidence.
pub const KEY: &str = "sk-test-SECRET-7f3a9c1e5b";

/// A model that also shows its `Debug`, so tests can check that the key stays out of it.
pub trait DebugModel: LanguageModel + Debug {}
impl<T: LanguageModel + Debug> DebugModel for T {}

/// Tiny waits so that the whole suite stays fast; a generous budget so none of it is reached by
/// accident on a busy machine.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(5),
        total_budget: Duration::from_secs(10),
        request_timeout: Duration::from_secs(10),
    }
}

/// A request with everything a stage sends: a cached shared prompt, a per-call block, an
/// image, a prior assistant turn and a temperature.
pub fn sample_request() -> LlmRequest {
    LlmRequest {
        system: vec![
            SystemBlock {
                text: "You convert web page sections into Next.js 14 JSX.".to_owned(),
                cache: true,
            },
            SystemBlock {
                text: "Section: hero (1280x640).".to_owned(),
                cache: false,
            },
        ],
        messages: vec![
            Message {
                role: Role::User,
                content: vec![
                    ContentPart::Text {
                        text: "Here is the screenshot.".to_owned(),
                    },
                    ContentPart::Image(ImageBlock {
                        media_type: "image/jpeg".to_owned(),
                        base64: "/9j/4AAQSkZJRg==".to_owned(),
                    }),
                ],
            },
            Message {
                role: Role::Assistant,
                content: vec![ContentPart::Text {
                    text: "Understood.".to_owned(),
                }],
            },
            Message::user_text("Write the component."),
        ],
        tools: Vec::new(),
        max_tokens: 4096,
        temperature: Some(0.2),
    }
}

/// The agent's tools, as a tool-using request offers them.
pub fn agent_tools() -> Vec<ToolDefinition> {
    let tool = |name: &str, description: &str, input_schema: Value| ToolDefinition {
        name: name.to_owned(),
        description: description.to_owned(),
        input_schema,
    };
    vec![
        tool(
            "read_file",
            "Read a file of the project.",
            serde_json::json!({
                "type": "object",
                "properties": { "path": { "type": "string", "description": "Relative to the project root." } },
                "required": ["path"],
                "additionalProperties": false
            }),
        ),
        tool(
            "write_file",
            "Create or replace a file of the project.",
            serde_json::json!({
                "type": "object",
                "properties": { "path": { "type": "string" }, "content": { "type": "string" } },
                "required": ["path", "content"],
                "additionalProperties": false
            }),
        ),
        tool(
            "edit_file",
            "Replace one exact occurrence of `old` with `new` in a file.",
            serde_json::json!({
                "type": "object",
                "properties": { "path": { "type": "string" }, "old": { "type": "string" }, "new": { "type": "string" } },
                "required": ["path", "old", "new"]
            }),
        ),
        tool(
            "screenshot",
            "Screenshot the running preview.",
            serde_json::json!({
                "type": "object",
                "properties": { "device": { "type": "string", "enum": ["desktop", "mobile"] } }
            }),
        ),
    ]
}

/// What `read_file` gives for the page in these conversations.
pub const PAGE_SOURCE: &str =
    "export default function Page() {\n  return <h1 className=\"title\">Ship faster</h1>;\n}\n";

/// What `screenshot` gives: a line of text and the picture.
pub fn screenshot_result(tool_use_id: &str) -> ToolResult {
    ToolResult {
        tool_use_id: tool_use_id.to_owned(),
        content: vec![
            ToolResultPart::Text {
                text: "desktop, 1280x720".to_owned(),
            },
            ToolResultPart::Image(ImageBlock {
                media_type: "image/png".to_owned(),
                base64: "iVBORw0KGgo=".to_owned(),
            }),
        ],
        is_error: false,
    }
}

/// The middle of an agent turn: the user asked, the model called two tools, and the results
/// (text, and a screenshot) came back with a remark from the user.
pub fn tool_conversation() -> LlmRequest {
    LlmRequest {
        system: vec![
            SystemBlock {
                text: "You edit a Next.js 14 project with the tools given.".to_owned(),
                cache: true,
            },
            SystemBlock {
                text: "Project: a clone of https://acme.example.".to_owned(),
                cache: false,
            },
        ],
        messages: vec![
            Message::user_text("Make the hero title red."),
            Message {
                role: Role::Assistant,
                content: vec![
                    ContentPart::Text {
                        text: "I'll read the page and look at it first.".to_owned(),
                    },
                    ContentPart::ToolUse(ToolUse::new(
                        "toolu_01A",
                        "read_file",
                        serde_json::json!({ "path": "app/page.jsx" }),
                    )),
                    ContentPart::ToolUse(ToolUse::new(
                        "toolu_01B",
                        "screenshot",
                        serde_json::json!({ "device": "desktop" }),
                    )),
                ],
            },
            Message {
                role: Role::User,
                content: vec![
                    ContentPart::ToolResult(ToolResult::text("toolu_01A", PAGE_SOURCE)),
                    ContentPart::ToolResult(screenshot_result("toolu_01B")),
                    ContentPart::Text {
                        text: "Keep the font as it is.".to_owned(),
                    },
                ],
            },
        ],
        tools: agent_tools(),
        max_tokens: 8192,
        temperature: None,
    }
}

/// What a provider looks like to the shared scenarios.
pub struct Case {
    /// The path the provider POSTs to.
    pub path: &'static str,
    pub make: fn(base_url: &str, retry: RetryPolicy) -> Arc<dyn DebugModel>,
    /// A success body whose text is `"ok"`.
    pub success: fn() -> Value,
    /// The provider's error body for `status` with `message`.
    pub error: fn(status: u16, message: &str) -> Value,
}

pub async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap_or_default()
}

fn ok_response(case: &Case) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json((case.success)())
}

async fn answer_once(server: &MockServer, case: &Case, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(case.path))
        .respond_with(response)
        .up_to_n_times(1)
        .mount(server)
        .await;
}

async fn answer_always(server: &MockServer, case: &Case, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(case.path))
        .respond_with(response)
        .mount(server)
        .await;
}

fn assert_ok(result: Result<LlmResponse, LlmError>) -> LlmResponse {
    match result {
        Ok(response) => {
            assert_eq!(response.text, "ok");
            assert_eq!(response.stop_reason, StopReason::EndTurn);
            response
        }
        Err(error) => panic!("expected success, got {error}"),
    }
}

/// Each of 429, 500, 502, 503, 504 and 529 is retried, and the retry succeeds.
pub async fn retries_each_retryable_status(case: &Case) {
    for status in [429, 500, 502, 503, 504, 529] {
        let server = MockServer::start().await;
        let failure =
            ResponseTemplate::new(status).set_body_json((case.error)(status, "busy, try again"));
        // A 429 says when to come back; "0" keeps the test fast and proves the header is read.
        let failure = if status == 429 {
            failure.insert_header("retry-after", "0")
        } else {
            failure
        };
        answer_once(&server, case, failure).await;
        answer_always(&server, case, ok_response(case)).await;
        let model = (case.make)(&server.uri(), fast_retry());
        assert_ok(model.complete(&sample_request()).await);
        assert_eq!(
            requests(&server).await.len(),
            2,
            "HTTP {status} should be retried once"
        );
    }
}

/// A server that keeps failing is tried `max_attempts` times, then the last error is reported.
pub async fn gives_up_after_max_attempts(case: &Case) {
    let server = MockServer::start().await;
    answer_always(
        &server,
        case,
        ResponseTemplate::new(503).set_body_json((case.error)(503, "overloaded right now")),
    )
    .await;
    let model = (case.make)(&server.uri(), fast_retry());
    let error = model
        .complete(&sample_request())
        .await
        .expect_err("keeps failing");
    match &error {
        LlmError::RetriesExhausted { attempts, last, .. } => {
            assert_eq!(*attempts, 3);
            assert!(
                last.contains("503") && last.contains("overloaded right now"),
                "{last}"
            );
        }
        other => panic!("expected RetriesExhausted, got {other:?}"),
    }
    assert_eq!(requests(&server).await.len(), 3);
}

/// A `retry-after` longer than the time budget ends the call at once instead of sleeping.
pub async fn retry_after_beyond_the_budget_gives_up_at_once(case: &Case) {
    let server = MockServer::start().await;
    let failure = ResponseTemplate::new(429)
        .insert_header("retry-after", "3600")
        .set_body_json((case.error)(429, "rate limited"));
    answer_always(&server, case, failure).await;
    let model = (case.make)(&server.uri(), fast_retry());
    let error = model
        .complete(&sample_request())
        .await
        .expect_err("rate limited");
    match &error {
        LlmError::Status {
            status: 429,
            message,
            ..
        } => assert!(message.contains("rate limited"), "{message}"),
        other => panic!("expected Status 429, got {other:?}"),
    }
    assert_eq!(requests(&server).await.len(), 1);
}

/// 400 and 404 are not retried and carry the status and the provider's own message.
pub async fn non_retryable_errors_carry_status_and_message(case: &Case) {
    for (status, message) in [
        (400, "max_tokens: must be at most 64000"),
        (404, "model: claude-nonexistent not found"),
    ] {
        let server = MockServer::start().await;
        answer_always(
            &server,
            case,
            ResponseTemplate::new(status).set_body_json((case.error)(status, message)),
        )
        .await;
        let model = (case.make)(&server.uri(), fast_retry());
        let error = model.complete(&sample_request()).await.expect_err("fails");
        match &error {
            LlmError::Status {
                status: got,
                message: got_message,
                ..
            } => {
                assert_eq!(*got, status);
                assert!(got_message.contains(message), "{got_message}");
            }
            other => panic!("expected Status {status}, got {other:?}"),
        }
        assert!(
            error.to_string().contains(&format!("HTTP {status}")),
            "{error}"
        );
        assert_eq!(
            requests(&server).await.len(),
            1,
            "HTTP {status} must not be retried"
        );
    }
}

/// A 401 is Unauthorized, not retried, and neither the error (whose body echoes the key, as
/// some servers do) nor the provider's Debug shows the key.
pub async fn bad_key_is_unauthorized_and_never_shown(case: &Case) {
    let server = MockServer::start().await;
    let echoed = format!("invalid api key: {KEY}");
    answer_always(
        &server,
        case,
        ResponseTemplate::new(401).set_body_json((case.error)(401, &echoed)),
    )
    .await;
    let model = (case.make)(&server.uri(), fast_retry());
    let error = model
        .complete(&sample_request())
        .await
        .expect_err("unauthorized");
    assert!(
        matches!(error, LlmError::Unauthorized { status: 401, .. }),
        "{error:?}"
    );
    assert_key_hidden(&error);
    assert!(
        error.to_string().contains("invalid api key: <redacted>"),
        "{error}"
    );
    let debug = format!("{model:?}");
    assert!(!debug.contains(KEY), "{debug}");
    assert_eq!(requests(&server).await.len(), 1);
}

pub fn assert_key_hidden(error: &LlmError) {
    let display = error.to_string();
    let debug = format!("{error:?}");
    assert!(!display.contains(KEY), "key in Display: {display}");
    assert!(!debug.contains(KEY), "key in Debug: {debug}");
}

/// A 200 whose body is not the provider's JSON is MalformedResponse, not retried.
pub async fn malformed_json_is_reported(case: &Case) {
    for body in [
        "{\"truncated\": ",
        "<html>gateway</html>",
        "{\"unexpected\": true}",
    ] {
        let server = MockServer::start().await;
        answer_always(
            &server,
            case,
            ResponseTemplate::new(200).set_body_string(body),
        )
        .await;
        let model = (case.make)(&server.uri(), fast_retry());
        let error = model
            .complete(&sample_request())
            .await
            .expect_err("malformed");
        match &error {
            LlmError::MalformedResponse { message, .. } => assert!(!message.is_empty()),
            other => panic!("expected MalformedResponse for {body}, got {other:?}"),
        }
        assert_eq!(requests(&server).await.len(), 1);
    }
}

/// A server slower than the request timeout gives Timeout; that is not retried.
pub async fn slow_server_times_out(case: &Case) {
    let server = MockServer::start().await;
    answer_always(
        &server,
        case,
        ok_response(case).set_delay(Duration::from_secs(5)),
    )
    .await;
    let retry = RetryPolicy {
        request_timeout: Duration::from_millis(100),
        ..fast_retry()
    };
    let model = (case.make)(&server.uri(), retry);
    let error = model
        .complete(&sample_request())
        .await
        .expect_err("times out");
    match &error {
        LlmError::Timeout { timeout, .. } => assert_eq!(*timeout, Duration::from_millis(100)),
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert_eq!(requests(&server).await.len(), 1);
}

/// Nothing listening: connection errors are retried, then reported.
pub async fn connection_refused_is_retried_then_reported(case: &Case) {
    // Bind and drop to get a local port with nothing behind it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port();
    let model = (case.make)(&format!("http://127.0.0.1:{port}"), fast_retry());
    let error = model
        .complete(&sample_request())
        .await
        .expect_err("nothing listens");
    match &error {
        LlmError::RetriesExhausted {
            attempts: 3, last, ..
        } => assert!(last.contains("could not reach"), "{last}"),
        other => panic!("expected RetriesExhausted after connection errors, got {other:?}"),
    }
}

/// The one request the server received, for checking headers and snapshotting the body.
pub async fn single_request(server: &MockServer) -> wiremock::Request {
    let mut received = requests(server).await;
    assert_eq!(received.len(), 1, "expected exactly one request");
    received.remove(0)
}

pub fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
}

pub fn body_json(request: &wiremock::Request) -> Value {
    serde_json::from_slice(&request.body).expect("the request body is JSON")
}

/// Starts a server that answers `body` with 200 on `path_`.
pub async fn serve(path_: &str, body: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(path_))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    server
}

/// A model that answers from memory and counts its calls.
#[derive(Debug)]
pub struct Stub {
    pub answer: Result<LlmResponse, LlmError>,
    pub calls: std::sync::atomic::AtomicUsize,
}

impl Stub {
    pub fn answering(response: LlmResponse) -> Stub {
        Stub {
            answer: Ok(response),
            calls: Default::default(),
        }
    }

    pub fn failing(error: LlmError) -> Stub {
        Stub {
            answer: Err(error),
            calls: Default::default(),
        }
    }

    pub fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl LanguageModel for Stub {
    fn name(&self) -> String {
        "stub/model".to_owned()
    }

    fn stream<'a>(&'a self, _request: &'a LlmRequest) -> replica_core::LlmStream<'a> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let answer = self.answer.clone();
        replica_core::response_stream(async move { answer })
    }
}
