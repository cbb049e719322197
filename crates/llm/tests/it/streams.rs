//! Streamed answers with tools, for each provider in its own wire format.
//!
//! `tests/fixtures/streams/<provider>/*.sse` hold answer bodies as each provider sends them
//! (one tool call, two in a turn, arguments in many pieces, text after a tool result, a stream
//! cut mid-way, malformed arguments, and each wire's quirks). Each is served by wiremock as
//! `text/event-stream` to the same tool conversation; the events, the final answer or error,
//! and the number of requests are snapshotted. The scenarios below add what a body alone
//! cannot show: the request with tools, retries before the stream starts, none after.

use std::path::Path;
use std::sync::Arc;

use futures_util::StreamExt;
use replica_core::{LanguageModel, LlmError, LlmRequest, StopReason, StreamEvent};
use replica_llm::RetryPolicy;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{self, DebugModel};
use crate::{anthropic, gemini, openai};

/// A provider as these scenarios see it.
struct Wire {
    /// The fixture folder.
    name: &'static str,
    path: &'static str,
    make: fn(&str, RetryPolicy) -> Arc<dyn DebugModel>,
    /// An error the provider sends as the first event of a stream.
    early_error: &'static str,
}

const ANTHROPIC: Wire = Wire {
    name: "anthropic",
    path: anthropic::PATH,
    make: anthropic::make,
    early_error: "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-5-20250929\",\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n",
};

const OPENAI: Wire = Wire {
    name: "openai",
    path: openai::PATH,
    make: openai::make,
    early_error: "data: {\"error\":{\"message\":\"The server is overloaded\",\"type\":\"server_error\",\"code\":null}}\n\n",
};

const GEMINI: Wire = Wire {
    name: "gemini",
    path: gemini::PATH,
    make: gemini::make,
    early_error: "data: {\"error\":{\"code\":503,\"message\":\"The model is overloaded.\",\"status\":\"UNAVAILABLE\"}}\r\n\r\n",
};

fn fixture(wire: &Wire, case: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/streams")
        .join(wire.name)
        .join(format!("{case}.sse"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn sse(body: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body.as_bytes().to_vec(), "text/event-stream")
}

/// A server on `path_` that answers `first` to the first request, if given, then `then`.
async fn server(
    path_: &str,
    first: Option<ResponseTemplate>,
    then: ResponseTemplate,
) -> MockServer {
    let server = MockServer::start().await;
    if let Some(first) = first {
        Mock::given(method("POST"))
            .and(path(path_))
            .respond_with(first)
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path(path_))
        .respond_with(then)
        .mount(&server)
        .await;
    server
}

/// Every item of the stream, as the caller sees it.
async fn stream_all(
    model: &dyn LanguageModel,
    request: &LlmRequest,
) -> Vec<Result<StreamEvent, LlmError>> {
    model.stream(request).collect().await
}

fn event_json(item: &Result<StreamEvent, LlmError>) -> Value {
    match item {
        Ok(StreamEvent::TextDelta(text)) => json!({ "text": text }),
        Ok(StreamEvent::ToolUseStart { id, name }) => {
            json!({ "tool_use_start": { "id": id, "name": name } })
        }
        Ok(StreamEvent::ToolInputDelta { id, json_fragment }) => {
            json!({ "tool_input": { "id": id, "fragment": json_fragment } })
        }
        Ok(StreamEvent::Done(response)) => {
            // What the caller hands back to the model for each call it cannot run.
            let input_errors: Vec<String> = response
                .tool_uses
                .iter()
                .filter_map(|call| call.checked_input().err())
                .map(|error| error.to_string())
                .collect();
            json!({ "done": response, "tool_input_errors": input_errors })
        }
        Err(error) => json!({ "error": error.to_string() }),
    }
}

/// The stream's shape: at most one `Done`, last; an error ends it.
fn assert_well_formed(items: &[Result<StreamEvent, LlmError>]) {
    let ends = items
        .iter()
        .filter(|item| matches!(item, Ok(StreamEvent::Done(_)) | Err(_)))
        .count();
    assert_eq!(ends, 1, "exactly one Done or error: {items:?}");
    assert!(
        matches!(items.last(), Some(Ok(StreamEvent::Done(_)) | Err(_))),
        "{items:?}"
    );
}

/// Serves each fixture of `wire` to the tool conversation and snapshots what comes out.
fn play_fixtures(wire: &Wire) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut played = 0;
    for entry in fixture_files(wire) {
        let case = entry
            .file_stem()
            .and_then(|stem| stem.to_str())
            .expect("a file name")
            .to_owned();
        let body = std::fs::read_to_string(&entry).expect("readable fixture");
        let snapshot = runtime.block_on(async {
            let server = server(wire.path, None, sse(&body)).await;
            let model = (wire.make)(&server.uri(), support::fast_retry());
            let request = support::tool_conversation();
            let items = stream_all(model.as_ref(), &request).await;
            assert_well_formed(&items);
            let requests = support::requests(&server).await.len();
            // `complete` is the same stream collected.
            let completed = model.complete(&request).await;
            match (items.last(), &completed) {
                (Some(Ok(StreamEvent::Done(streamed))), Ok(collected)) => {
                    assert_eq!(streamed, collected, "{case}");
                }
                (Some(Err(streamed)), Err(collected)) => {
                    assert_eq!(streamed, collected, "{case}");
                }
                (last, _) => {
                    panic!("{case}: stream ended in {last:?}, complete gave {completed:?}")
                }
            }
            json!({
                "requests": requests,
                "events": items.iter().map(event_json).collect::<Vec<_>>(),
            })
        });
        insta::with_settings!({ snapshot_suffix => format!("{}-{case}", wire.name), omit_expression => true }, {
            insta::assert_json_snapshot!("stream", snapshot);
        });
        played += 1;
    }
    assert!(played >= 6, "{} has {played} stream fixtures", wire.name);
}

/// The provider's `.sse` fixtures, sorted.
fn fixture_files(wire: &Wire) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/streams")
        .join(wire.name);
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "sse"))
        .collect();
    files.sort();
    files
}

/// The request with tools, tool calls and tool results in the provider's format.
async fn sends_tools(wire: &Wire) -> Value {
    let server = server(wire.path, None, sse(&fixture(wire, "one_tool_call"))).await;
    let response = (wire.make)(&server.uri(), support::fast_retry())
        .complete(&support::tool_conversation())
        .await
        .expect("succeeds");
    assert_eq!(response.stop_reason, StopReason::ToolUse);
    support::body_json(&support::single_request(&server).await)
}

/// A 429 with `retry-after` before the stream, then the stream: the caller sees exactly what a
/// first-time success gives, and the server saw two requests.
async fn rate_limit_then_stream(wire: &Wire) {
    let limited = ResponseTemplate::new(429)
        .insert_header("retry-after", "0")
        .set_body_string("rate limited");
    let answer = || sse(&fixture(wire, "one_tool_call"));
    let busy = server(wire.path, Some(limited), answer()).await;
    let model = (wire.make)(&busy.uri(), support::fast_retry());
    let items = stream_all(model.as_ref(), &support::tool_conversation()).await;
    assert_eq!(support::requests(&busy).await.len(), 2);

    let direct = server(wire.path, None, answer()).await;
    let model = (wire.make)(&direct.uri(), support::fast_retry());
    let expected = stream_all(model.as_ref(), &support::tool_conversation()).await;
    assert_eq!(items, expected, "{}", wire.name);
    assert!(
        matches!(items.last(), Some(Ok(StreamEvent::Done(response))) if response.tool_uses.len() == 1),
        "{}: {items:?}",
        wire.name
    );
}

/// An overload reported as the stream's first event is retried: nothing reached the caller.
async fn early_stream_error_is_retried(wire: &Wire) {
    let server = server(
        wire.path,
        Some(sse(wire.early_error)),
        sse(&fixture(wire, "text_after_tool_result")),
    )
    .await;
    let response = (wire.make)(&server.uri(), support::fast_retry())
        .complete(&support::tool_conversation())
        .await
        .unwrap_or_else(|error| panic!("{}: {error}", wire.name));
    assert!(
        response.text.starts_with("The hero title is red"),
        "{response:?}"
    );
    assert_eq!(support::requests(&server).await.len(), 2);
}

/// A server that answers tool calls to a request that offered none: an error naming it.
async fn tool_calls_without_tools(wire: &Wire) {
    let server = server(wire.path, None, sse(&fixture(wire, "one_tool_call"))).await;
    let error = (wire.make)(&server.uri(), support::fast_retry())
        .complete(&support::sample_request())
        .await
        .expect_err("no tools were offered");
    assert_eq!(
        error,
        LlmError::UnexpectedToolUse {
            provider: wire.name.to_owned(),
            name: "read_file".to_owned()
        }
    );
    assert_eq!(support::requests(&server).await.len(), 1);
}

#[test]
fn anthropic_streams() {
    play_fixtures(&ANTHROPIC);
}

#[test]
fn openai_streams() {
    play_fixtures(&OPENAI);
}

#[test]
fn gemini_streams() {
    play_fixtures(&GEMINI);
}

#[tokio::test]
async fn anthropic_request_with_tools() {
    let body = sends_tools(&ANTHROPIC).await;
    // Breakpoints: the tool list, the cached system block, the end of the conversation.
    let marked = body.to_string().matches("cache_control").count();
    assert_eq!(marked, 3, "{body}");
    insta::assert_json_snapshot!("anthropic_tool_request", body);
}

#[tokio::test]
async fn openai_request_with_tools() {
    insta::assert_json_snapshot!("openai_tool_request", sends_tools(&OPENAI).await);
}

#[tokio::test]
async fn gemini_request_with_tools() {
    insta::assert_json_snapshot!("gemini_tool_request", sends_tools(&GEMINI).await);
}

#[tokio::test]
async fn rate_limit_then_stream_for_every_provider() {
    for wire in [&ANTHROPIC, &OPENAI, &GEMINI] {
        rate_limit_then_stream(wire).await;
    }
}

#[tokio::test]
async fn an_early_stream_error_is_retried_for_every_provider() {
    for wire in [&ANTHROPIC, &OPENAI, &GEMINI] {
        early_stream_error_is_retried(wire).await;
    }
}

#[tokio::test]
async fn tool_calls_without_tools_are_an_error_for_every_provider() {
    for wire in [&ANTHROPIC, &OPENAI, &GEMINI] {
        tool_calls_without_tools(wire).await;
    }
}

#[tokio::test]
async fn a_stream_that_closes_before_any_content_is_retried() {
    let server = server(
        ANTHROPIC.path,
        Some(sse("")),
        sse(&fixture(&ANTHROPIC, "one_tool_call")),
    )
    .await;
    let response = anthropic::make(&server.uri(), support::fast_retry())
        .complete(&support::tool_conversation())
        .await
        .expect("the retry succeeds");
    assert_eq!(
        response.tool_uses[0].input,
        json!({ "path": "app/globals.css" })
    );
    assert_eq!(support::requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_gemini_result_for_an_unknown_call_is_refused_before_sending() {
    let server = MockServer::start().await;
    let mut request = support::tool_conversation();
    request.messages[1].content.truncate(2);
    let error = gemini::make(&server.uri(), support::fast_retry())
        .complete(&request)
        .await
        .expect_err("toolu_01B was never called");
    assert_eq!(
        error.to_string(),
        "the request cannot be sent to gemini: a tool result answers call toolu_01B, which no earlier message made"
    );
    assert!(support::requests(&server).await.is_empty());
}

/// Reads one HTTP request (headers, then `content-length` bytes of body) from `socket`.
async fn read_request(socket: &mut tokio::net::TcpStream) {
    use tokio::io::AsyncReadExt;
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let read = socket.read(&mut buffer).await.expect("reads the request");
        assert!(read > 0, "the client closed before sending its request");
        received.extend_from_slice(&buffer[..read]);
        let Some(end) = received.windows(4).position(|window| window == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&received[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse().ok())
            .unwrap_or(0);
        if received.len() >= end + 4 + length {
            return;
        }
    }
}

/// The first delta reaches the caller while the server still holds the rest of the answer: the
/// server sends the remainder only once the test has seen that delta, so a client that waited
/// for the whole body would time out here.
#[tokio::test]
async fn deltas_arrive_before_the_answer_ends() {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a loopback port");
    let address = listener.local_addr().expect("its address");
    let body = fixture(&ANTHROPIC, "text_after_tool_result");
    let cut = body.find("event: content_block_delta").expect("a delta") + 1;
    let cut = cut + body[cut..].find("\n\n").expect("its end") + 2;
    let (head, tail) = (body[..cut].to_owned(), body[cut..].to_owned());
    let (seen, seen_by_server) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("a connection");
        read_request(&mut socket).await;
        let headers =
            "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
        socket.write_all(headers.as_bytes()).await.expect("writes");
        socket.write_all(head.as_bytes()).await.expect("writes");
        socket.flush().await.expect("flushes");
        // Nothing more until the client has shown the first delta.
        seen_by_server.await.expect("the test reports the delta");
        socket.write_all(tail.as_bytes()).await.expect("writes");
        socket.shutdown().await.expect("closes");
    });

    let model = anthropic::make(&format!("http://{address}"), support::fast_retry());
    let request = support::tool_conversation();
    let mut stream = model.stream(&request);
    let first = tokio::time::timeout(std::time::Duration::from_secs(5), stream.next())
        .await
        .expect("a delta before the answer ended");
    assert_eq!(
        first,
        Some(Ok(StreamEvent::TextDelta("The hero title".to_owned())))
    );
    seen.send(()).expect("the server waits");
    let rest: Vec<_> = stream.collect().await;
    assert!(
        matches!(rest.last(), Some(Ok(StreamEvent::Done(response))) if response.text.ends_with("original layout.")),
        "{rest:?}"
    );
    server.await.expect("the server finished");
}
