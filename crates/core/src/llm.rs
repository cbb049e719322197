//! The language-model trait: one request in, one streamed response out.
//!
//! Providers (Anthropic, OpenAI-compatible, Gemini, replay) live in `replica-llm`; stages only
//! see this trait, so every stage can run against a recorded exchange.
//!
//! A request may offer tools ([`ToolDefinition`]); the model answers with text and
//! [`ToolUse`] calls, and the caller sends [`ToolResult`]s back in the next user message.
//! [`LanguageModel::stream`] yields [`StreamEvent`]s as the answer arrives and ends with
//! [`StreamEvent::Done`]; [`LanguageModel::complete`] is that stream collected, for callers
//! that only want the final [`LlmResponse`].

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::BoxFuture;

/// One call to a model.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LlmRequest {
    /// System prompt blocks, in order. Blocks marked `cache` are the shared prefix that
    /// providers with prompt caching keep warm across the sections of one clone.
    pub system: Vec<SystemBlock>,
    pub messages: Vec<Message>,
    /// Tools the model may call; empty for a plain completion. Providers that cache prompts
    /// cache this list, so keep it the same across the turns of a conversation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<ToolDefinition>,
    pub max_tokens: u32,
    pub temperature: Option<f32>,
}

/// A tool the model may call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolDefinition {
    /// `[a-zA-Z0-9_-]{1,64}`: the name every provider accepts.
    pub name: String,
    /// What the tool does and when to use it; the model reads this.
    pub description: String,
    /// JSON Schema of the arguments, an object schema (`{"type": "object", ...}`).
    pub input_schema: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemBlock {
    pub text: String,
    #[serde(default)]
    pub cache: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: Vec<ContentPart>,
}

impl Message {
    pub fn user_text(text: impl Into<String>) -> Message {
        Message {
            role: Role::User,
            content: vec![ContentPart::Text { text: text.into() }],
        }
    }

    /// The user message that answers an assistant turn's tool calls.
    pub fn tool_results(results: Vec<ToolResult>) -> Message {
        Message {
            role: Role::User,
            content: results.into_iter().map(ContentPart::ToolResult).collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    Text {
        text: String,
    },
    Image(ImageBlock),
    /// A call the model made (assistant messages only).
    ToolUse(ToolUse),
    /// The answer to a call (user messages only).
    ToolResult(ToolResult),
}

/// A tool call from the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolUse {
    /// The provider's id for the call; the [`ToolResult`] names it.
    pub id: String,
    pub name: String,
    /// The arguments, a JSON object; `{}` when they did not parse (see `invalid_input`).
    pub input: Value,
    /// The model's arguments as received when they were not one JSON object once assembled.
    /// Use [`ToolUse::checked_input`] rather than reading this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_input: Option<String>,
    /// An opaque token the provider wants back with the call in later turns (Gemini's
    /// `thoughtSignature`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl ToolUse {
    /// A call with valid arguments.
    pub fn new(id: impl Into<String>, name: impl Into<String>, input: Value) -> ToolUse {
        ToolUse {
            id: id.into(),
            name: name.into(),
            input,
            invalid_input: None,
            signature: None,
        }
    }

    /// A call from the arguments' JSON text as streamed: empty text is `{}` (a call without
    /// arguments), a JSON object is the input, anything else is kept as `invalid_input`.
    pub fn from_json_text(id: impl Into<String>, name: impl Into<String>, raw: &str) -> ToolUse {
        let mut call = ToolUse::new(id, name, Value::Object(serde_json::Map::new()));
        match serde_json::from_str::<Value>(raw) {
            Ok(value @ Value::Object(_)) => call.input = value,
            _ if raw.trim().is_empty() => {}
            _ => call.invalid_input = Some(raw.to_owned()),
        }
        call
    }

    /// The arguments, or the error to hand back to the model as this call's result.
    pub fn checked_input(&self) -> Result<&Value, ToolInputError> {
        let Some(raw) = &self.invalid_input else {
            return Ok(&self.input);
        };
        let reason = match serde_json::from_str::<Value>(raw) {
            Err(error) => format!("invalid JSON ({error})"),
            Ok(Value::Array(_)) => "a JSON array, not an object".to_owned(),
            Ok(_) => "a JSON scalar, not an object".to_owned(),
        };
        Err(ToolInputError {
            id: self.id.clone(),
            name: self.name.clone(),
            raw: raw.clone(),
            reason,
        })
    }
}

/// A tool call whose arguments are not a JSON object: the caller answers the call with
/// [`ToolInputError::to_tool_result`] so the model can try again.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the arguments of {name} (call {id}) are {reason}; received: {}",
    excerpt(raw, 200)
)]
pub struct ToolInputError {
    pub id: String,
    pub name: String,
    /// The arguments as received.
    pub raw: String,
    /// What is wrong with them.
    pub reason: String,
}

impl ToolInputError {
    /// An error result for the call, telling the model what to fix.
    pub fn to_tool_result(&self) -> ToolResult {
        ToolResult::error(
            &self.id,
            format!(
                "{self}. Call {} again with one JSON object that matches its input schema.",
                self.name
            ),
        )
    }
}

/// The first `max_chars` characters of `text`, with an ellipsis when cut.
fn excerpt(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// What a tool call produced, sent back in a user message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolResult {
    /// The [`ToolUse::id`] this answers.
    pub tool_use_id: String,
    pub content: Vec<ToolResultPart>,
    /// The tool failed; `content` says why.
    #[serde(default)]
    pub is_error: bool,
}

impl ToolResult {
    /// A successful result holding text.
    pub fn text(tool_use_id: impl Into<String>, text: impl Into<String>) -> ToolResult {
        ToolResult {
            tool_use_id: tool_use_id.into(),
            content: vec![ToolResultPart::Text { text: text.into() }],
            is_error: false,
        }
    }

    /// A failed call, with the message the model should read.
    pub fn error(tool_use_id: impl Into<String>, message: impl Into<String>) -> ToolResult {
        ToolResult {
            is_error: true,
            ..ToolResult::text(tool_use_id, message)
        }
    }

    /// The text parts joined by newlines (for providers whose results are text only).
    pub fn joined_text(&self) -> String {
        let texts: Vec<&str> = self
            .content
            .iter()
            .filter_map(|part| match part {
                ToolResultPart::Text { text } => Some(text.as_str()),
                ToolResultPart::Image(_) => None,
            })
            .collect();
        texts.join("\n")
    }

    /// The images, in order.
    pub fn images(&self) -> impl Iterator<Item = &ImageBlock> {
        self.content.iter().filter_map(|part| match part {
            ToolResultPart::Image(image) => Some(image),
            ToolResultPart::Text { .. } => None,
        })
    }
}

/// Part of a tool result: text, or an image such as a screenshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolResultPart {
    Text { text: String },
    Image(ImageBlock),
}

/// An encoded image; `data` is the raw file (serialized as base64 by providers).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageBlock {
    /// `image/jpeg` or `image/png`.
    pub media_type: String,
    /// Base64 of the file bytes, ready for any provider's wire format.
    pub base64: String,
}

impl std::fmt::Debug for ImageBlock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageBlock")
            .field("media_type", &self.media_type)
            .field("base64_len", &self.base64.len())
            .finish()
    }
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// It finished on its own.
    EndTurn,
    /// It called tools and waits for their results.
    ToolUse,
    /// It hit `max_tokens`: the text is truncated.
    MaxTokens,
    StopSequence,
    /// The provider refused or filtered the answer.
    Refusal,
    Other(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, other: Usage) {
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cache_read_tokens += other.cache_read_tokens;
        self.cache_write_tokens += other.cache_write_tokens;
    }
}

/// The model's whole answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlmResponse {
    /// The answer's text blocks joined (thinking left out).
    pub text: String,
    /// The tools it called, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_uses: Vec<ToolUse>,
    pub stop_reason: StopReason,
    pub usage: Usage,
    /// The model that answered, as the provider named it.
    pub model: String,
}

impl LlmResponse {
    pub fn is_truncated(&self) -> bool {
        self.stop_reason == StopReason::MaxTokens
    }

    /// The assistant message to append to the conversation: the text, then the tool calls.
    pub fn to_message(&self) -> Message {
        let text = (!self.text.is_empty()).then(|| ContentPart::Text {
            text: self.text.clone(),
        });
        Message {
            role: Role::Assistant,
            content: text
                .into_iter()
                .chain(self.tool_uses.iter().cloned().map(ContentPart::ToolUse))
                .collect(),
        }
    }

    /// The events a stream of this response carries: the text in one delta, each call's start
    /// and its arguments in one fragment, then `Done`.
    pub fn into_events(self) -> Vec<StreamEvent> {
        let mut events = Vec::with_capacity(2 + 2 * self.tool_uses.len());
        if !self.text.is_empty() {
            events.push(StreamEvent::TextDelta(self.text.clone()));
        }
        for call in &self.tool_uses {
            events.push(StreamEvent::ToolUseStart {
                id: call.id.clone(),
                name: call.name.clone(),
            });
            let json_fragment = match &call.invalid_input {
                Some(raw) => raw.clone(),
                None => call.input.to_string(),
            };
            events.push(StreamEvent::ToolInputDelta {
                id: call.id.clone(),
                json_fragment,
            });
        }
        events.push(StreamEvent::Done(self));
        events
    }
}

/// What a streaming call yields, in order: deltas as they arrive, then `Done` once.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// More answer text.
    TextDelta(String),
    /// The model began a tool call; its arguments follow as `ToolInputDelta`s.
    ToolUseStart { id: String, name: String },
    /// A piece of a call's JSON arguments (not valid JSON on its own).
    ToolInputDelta { id: String, json_fragment: String },
    /// The complete answer; nothing follows it.
    Done(LlmResponse),
}

/// The events of one call. A stream that ends before `Done` was cut, and says so with an error
/// item ([`LlmError::StreamCut`]) rather than just ending.
pub type LlmStream<'a> = Pin<Box<dyn Stream<Item = Result<StreamEvent, LlmError>> + Send + 'a>>;

/// A stream for a model that answers all at once (test doubles, replay): the response's
/// [`LlmResponse::into_events`] once `answer` resolves, or its error.
pub fn response_stream<'a>(
    answer: impl Future<Output = Result<LlmResponse, LlmError>> + Send + 'a,
) -> LlmStream<'a> {
    Box::pin(OneShot {
        answer: Some(Box::pin(answer)),
        events: VecDeque::new(),
    })
}

struct OneShot<'a> {
    answer: Option<BoxFuture<'a, Result<LlmResponse, LlmError>>>,
    events: VecDeque<StreamEvent>,
}

impl Stream for OneShot<'_> {
    type Item = Result<StreamEvent, LlmError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(answer) = self.answer.as_mut() {
            let Poll::Ready(result) = answer.as_mut().poll(cx) else {
                return Poll::Pending;
            };
            self.answer = None;
            match result {
                Ok(response) => self.events = response.into_events().into(),
                Err(error) => return Poll::Ready(Some(Err(error))),
            }
        }
        Poll::Ready(self.events.pop_front().map(Ok))
    }
}

/// Reads `stream` to its `Done`; what [`LanguageModel::complete`] does.
async fn collect(mut stream: LlmStream<'_>, provider: String) -> Result<LlmResponse, LlmError> {
    loop {
        match std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
            Some(Ok(StreamEvent::Done(response))) => return Ok(response),
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(error),
            None => {
                return Err(LlmError::StreamCut {
                    provider,
                    reason: "the stream ended before the final message".to_owned(),
                });
            }
        }
    }
}

/// Why a model call failed. Messages carry the provider's own words and never the API key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    #[error("no language model is configured (set REPLICA_LLM and a key)")]
    NotConfigured,
    #[error("{provider} rejected the API key (HTTP {status}): {message}")]
    Unauthorized {
        provider: String,
        status: u16,
        message: String,
    },
    #[error("{provider} answered HTTP {status}: {message}")]
    Status {
        provider: String,
        status: u16,
        message: String,
    },
    #[error("{provider} still failed after {attempts} attempts; last error: {last}")]
    RetriesExhausted {
        provider: String,
        attempts: u32,
        last: String,
    },
    #[error("{provider} did not answer within {}s", timeout.as_secs_f64())]
    Timeout { provider: String, timeout: Duration },
    #[error("could not reach {provider}: {message}")]
    Connection { provider: String, message: String },
    #[error("{provider} sent a response that could not be read: {message}")]
    MalformedResponse { provider: String, message: String },
    /// The answer stopped before it was complete: the connection closed, the provider sent an
    /// error event mid-stream, or the stream ended without its final event. What had arrived
    /// is not returned as an answer.
    #[error("{provider} stopped answering mid-stream: {reason}")]
    StreamCut { provider: String, reason: String },
    /// The model called a tool although the request offered none.
    #[error("{provider} called the tool {name} although the request offered no tools")]
    UnexpectedToolUse { provider: String, name: String },
    /// The provider could not turn the model's output into a tool call (Gemini's
    /// `MALFORMED_FUNCTION_CALL`): there is no call to answer, so tell the model in a message.
    #[error("{provider} could not read the model's tool call: {message}")]
    MalformedToolCall { provider: String, message: String },
    /// The request cannot be put into the provider's format (a tool result for a call that
    /// is not in the conversation, for example).
    #[error("the request cannot be sent to {provider}: {message}")]
    InvalidRequest { provider: String, message: String },
    #[error(
        "no recorded exchange for request {key} in {dir} (record it with a real provider first)"
    )]
    ReplayMissing { key: String, dir: String },
    /// A scripted conversation did not go as its fixture says.
    #[error("scripted replay {script}, turn {turn}: {problem}")]
    Script {
        script: String,
        turn: usize,
        problem: String,
    },
    #[error("{0}")]
    Other(String),
}

/// A model: one request, one streamed response. Implementations handle retries, timeouts and
/// rate limits themselves; retries happen before the first event, never mid-stream.
pub trait LanguageModel: Send + Sync {
    /// Provider and model, for logs and events (`anthropic/claude-sonnet-4-5`).
    fn name(&self) -> String;

    /// The answer as it arrives, ending with [`StreamEvent::Done`] or an error. Models that
    /// answer all at once return [`response_stream`].
    fn stream<'a>(&'a self, request: &'a LlmRequest) -> LlmStream<'a>;

    /// The whole answer: [`LanguageModel::stream`] read to its end.
    fn complete<'a>(
        &'a self,
        request: &'a LlmRequest,
    ) -> BoxFuture<'a, Result<LlmResponse, LlmError>> {
        Box::pin(collect(self.stream(request), self.name()))
    }
}

/// A secret that never shows itself in `Debug` or `Display` output.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> ApiKey {
        ApiKey(key.into())
    }

    /// The key itself, for the one place that puts it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl std::fmt::Display for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_arguments_from_streamed_text() {
        let call = ToolUse::from_json_text("t1", "read_file", r#"{"path": "app/page.jsx"}"#);
        assert_eq!(
            call.checked_input(),
            Ok(&serde_json::json!({ "path": "app/page.jsx" }))
        );
        let empty = ToolUse::from_json_text("t2", "list_files", "  ");
        assert_eq!(empty.checked_input(), Ok(&serde_json::json!({})));
        assert_eq!(empty.invalid_input, None);

        let cut = ToolUse::from_json_text("t3", "write_file", r#"{"path": "a.jsx", "content": "#);
        assert_eq!(cut.input, serde_json::json!({}));
        let error = cut.checked_input().expect_err("not JSON");
        assert_eq!(error.id, "t3");
        assert!(
            error.reason.starts_with("invalid JSON (EOF"),
            "{}",
            error.reason
        );
        assert!(
            error
                .to_string()
                .starts_with("the arguments of write_file (call t3) are invalid JSON"),
            "{error}"
        );
        let result = error.to_tool_result();
        assert!(result.is_error);
        assert_eq!(result.tool_use_id, "t3");
        assert!(result.joined_text().ends_with("matches its input schema."));

        let array = ToolUse::from_json_text("t4", "search", "[1, 2]");
        assert_eq!(
            array.checked_input().expect_err("array").reason,
            "a JSON array, not an object"
        );
    }

    fn answer() -> LlmResponse {
        LlmResponse {
            text: "Reading it.".to_owned(),
            tool_uses: vec![ToolUse::new(
                "t1",
                "read_file",
                serde_json::json!({ "path": "a" }),
            )],
            stop_reason: StopReason::ToolUse,
            usage: Usage::default(),
            model: "m".to_owned(),
        }
    }

    #[test]
    fn response_becomes_events_and_an_assistant_message() {
        let events = answer().into_events();
        assert_eq!(
            events[..3],
            [
                StreamEvent::TextDelta("Reading it.".to_owned()),
                StreamEvent::ToolUseStart {
                    id: "t1".to_owned(),
                    name: "read_file".to_owned()
                },
                StreamEvent::ToolInputDelta {
                    id: "t1".to_owned(),
                    json_fragment: r#"{"path":"a"}"#.to_owned()
                },
            ]
        );
        assert_eq!(events[3], StreamEvent::Done(answer()));
        let message = answer().to_message();
        assert_eq!(message.role, Role::Assistant);
        assert!(
            matches!(&message.content[..], [ContentPart::Text { .. }, ContentPart::ToolUse(call)] if call.id == "t1")
        );
    }

    /// A model that only answers all at once, as test doubles do.
    struct Fixed(Option<LlmResponse>);

    impl LanguageModel for Fixed {
        fn name(&self) -> String {
            "fixed".to_owned()
        }

        fn stream<'a>(&'a self, _request: &'a LlmRequest) -> LlmStream<'a> {
            let answer = self.0.clone().ok_or(LlmError::NotConfigured);
            response_stream(async move { answer })
        }
    }

    /// Polls a future that never waits (everything here is ready at once).
    fn block_on<T>(future: impl Future<Output = T>) -> T {
        let mut future = Box::pin(future);
        let mut context = Context::from_waker(std::task::Waker::noop());
        match future.as_mut().poll(&mut context) {
            Poll::Ready(value) => value,
            Poll::Pending => panic!("the future waited"),
        }
    }

    #[test]
    fn complete_collects_the_stream() {
        let request = LlmRequest::default();
        assert_eq!(
            block_on(Fixed(Some(answer())).complete(&request)),
            Ok(answer())
        );
        assert_eq!(
            block_on(Fixed(None).complete(&request)),
            Err(LlmError::NotConfigured)
        );
    }

    /// A stream that stops after its deltas, as a dropped connection would look to a careless
    /// provider.
    struct Cut;

    impl LanguageModel for Cut {
        fn name(&self) -> String {
            "cut".to_owned()
        }

        fn stream<'a>(&'a self, _request: &'a LlmRequest) -> LlmStream<'a> {
            let mut events = answer().into_events();
            events.pop();
            Box::pin(Replayed(events.into()))
        }
    }

    struct Replayed(VecDeque<StreamEvent>);

    impl Stream for Replayed {
        type Item = Result<StreamEvent, LlmError>;

        fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            Poll::Ready(self.0.pop_front().map(Ok))
        }
    }

    #[test]
    fn a_stream_without_done_is_cut_not_complete() {
        let error = block_on(Cut.complete(&LlmRequest::default())).expect_err("cut");
        assert_eq!(
            error,
            LlmError::StreamCut {
                provider: "cut".to_owned(),
                reason: "the stream ended before the final message".to_owned()
            }
        );
    }

    #[test]
    fn old_responses_and_requests_still_load() {
        let response: LlmResponse = serde_json::from_str(
            r#"{"text":"ok","stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":2,"cache_read_tokens":0,"cache_write_tokens":0},"model":"m"}"#,
        )
        .expect("loads");
        assert!(response.tool_uses.is_empty());
        let request: LlmRequest = serde_json::from_str(
            r#"{"system":[],"messages":[],"max_tokens":5,"temperature":null}"#,
        )
        .expect("loads");
        assert!(request.tools.is_empty());
        assert!(!serde_json::to_string(&request).unwrap().contains("tools"));
    }

    #[test]
    fn api_key_is_redacted() {
        let key = ApiKey::new("sk-secret-123");
        assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
        assert_eq!(format!("{key}"), "<redacted>");
        assert_eq!(key.expose(), "sk-secret-123");
    }
}
