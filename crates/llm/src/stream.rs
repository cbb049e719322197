//! From a provider's HTTP answer to `StreamEvent`s, once for all providers.
//!
//! A provider builds its request and a [`Decoder`] for its wire format; [`open`] sends the
//! request through the retrying [`Transport`], splits an event-stream answer into SSE events,
//! hands each to the decoder, which writes into a [`MessageBuilder`], and yields the builder's
//! events. A server that ignored `"stream": true` and sent one JSON body is read whole by the
//! same decoder. Retries happen only while nothing has reached the caller: a rate limit, an
//! overload event before the first delta, a connection that closed before any content. After
//! that, a failure is [`LlmError::StreamCut`].

use std::collections::VecDeque;
use std::time::Duration;

use replica_core::{ContentPart, ToolUse};
use replica_core::{LlmError, LlmRequest, LlmResponse, LlmStream, StopReason, StreamEvent, Usage};
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde_json::Value;

use crate::http::{Attempts, DescribeError, Failure, Transport};
use crate::sse::{SseEvent, SseParser};

/// Ids made up for calls that came without one are this prefix and a number.
const SYNTHETIC_ID_PREFIX: &str = "call_";

/// Whether `id` was made up here rather than sent by a provider (so it means nothing to one).
pub(crate) fn is_synthetic_id(id: &str) -> bool {
    id.strip_prefix(SYNTHETIC_ID_PREFIX).is_some_and(|number| {
        !number.is_empty() && number.bytes().all(|byte| byte.is_ascii_digit())
    })
}

/// The answer being assembled, and the events not yet handed to the caller.
#[derive(Debug, Clone)]
pub(crate) struct MessageBuilder {
    provider: &'static str,
    tools_offered: bool,
    /// Ids for calls the provider sent without one continue the count of the conversation's
    /// calls, so they stay unique across turns and the same on every run.
    next_synthetic_id: usize,
    text: String,
    calls: Vec<PendingCall>,
    pub stop_reason: Option<StopReason>,
    pub usage: Usage,
    pub model: String,
    events: VecDeque<StreamEvent>,
}

#[derive(Debug, Clone)]
struct PendingCall {
    key: usize,
    id: String,
    name: String,
    arguments: String,
    signature: Option<String>,
}

impl MessageBuilder {
    /// An empty answer to `request` from `model` (until the provider names the model itself).
    pub(crate) fn new(provider: &'static str, request: &LlmRequest, model: &str) -> MessageBuilder {
        let earlier_calls = request
            .messages
            .iter()
            .flat_map(|message| &message.content)
            .filter(|part| matches!(part, ContentPart::ToolUse(_)))
            .count();
        MessageBuilder {
            provider,
            tools_offered: !request.tools.is_empty(),
            next_synthetic_id: earlier_calls + 1,
            text: String::new(),
            calls: Vec::new(),
            stop_reason: None,
            usage: Usage::default(),
            model: model.to_owned(),
            events: VecDeque::new(),
        }
    }

    pub(crate) fn text(&mut self, delta: &str) {
        if delta.is_empty() {
            return;
        }
        self.text.push_str(delta);
        self.events
            .push_back(StreamEvent::TextDelta(delta.to_owned()));
    }

    /// A call begins under the provider's `key` (a block or call index).
    pub(crate) fn start_tool(
        &mut self,
        key: usize,
        id: Option<&str>,
        name: &str,
    ) -> Result<(), DecodeError> {
        if !self.tools_offered {
            return Err(DecodeError::Typed(LlmError::UnexpectedToolUse {
                provider: self.provider.to_owned(),
                name: name.to_owned(),
            }));
        }
        let id = match id.filter(|id| !id.is_empty()) {
            Some(id) => id.to_owned(),
            None => {
                self.next_synthetic_id += 1;
                format!("{SYNTHETIC_ID_PREFIX}{}", self.next_synthetic_id - 1)
            }
        };
        self.events.push_back(StreamEvent::ToolUseStart {
            id: id.clone(),
            name: name.to_owned(),
        });
        self.calls.push(PendingCall {
            key,
            id,
            name: name.to_owned(),
            arguments: String::new(),
            signature: None,
        });
        Ok(())
    }

    /// More argument text for the call under `key`.
    pub(crate) fn tool_input(&mut self, key: usize, fragment: &str) -> Result<(), DecodeError> {
        let Some(call) = self.calls.iter_mut().rev().find(|call| call.key == key) else {
            return Err(DecodeError::Malformed(format!(
                "arguments for tool call {key}, which never started"
            )));
        };
        if fragment.is_empty() {
            return Ok(());
        }
        call.arguments.push_str(fragment);
        self.events.push_back(StreamEvent::ToolInputDelta {
            id: call.id.clone(),
            json_fragment: fragment.to_owned(),
        });
        Ok(())
    }

    /// A call that arrives whole, its arguments already a JSON value (Gemini, whole bodies).
    pub(crate) fn whole_tool(
        &mut self,
        id: Option<&str>,
        name: &str,
        input: &Value,
        signature: Option<String>,
    ) -> Result<(), DecodeError> {
        let key = self.calls.len();
        self.start_tool(key, id, name)?;
        // A JSON string holds the arguments' text (OpenAI's `arguments`); anything else is them.
        let text = match input {
            Value::String(text) => text.clone(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        self.tool_input(key, &text)?;
        if let Some(call) = self.calls.last_mut() {
            call.signature = signature;
        }
        Ok(())
    }

    /// Whether a call was started under `key`.
    pub(crate) fn has_tool(&self, key: usize) -> bool {
        self.calls.iter().any(|call| call.key == key)
    }

    /// The key of the call started last.
    pub(crate) fn last_tool_key(&self) -> Option<usize> {
        self.calls.last().map(|call| call.key)
    }

    /// How many calls have started.
    pub(crate) fn tool_count(&self) -> usize {
        self.calls.len()
    }

    /// Events produced since the last call.
    pub(crate) fn take_events(&mut self) -> impl Iterator<Item = StreamEvent> + '_ {
        self.events.drain(..)
    }

    /// The answer as it stands. A turn with calls whose provider said only "stopped" stopped
    /// to use them (Gemini always says `STOP`; some compatible servers say `stop`).
    pub(crate) fn finish(&mut self) -> LlmResponse {
        let tool_uses: Vec<ToolUse> = self
            .calls
            .iter()
            .map(|call| {
                let mut tool_use = ToolUse::from_json_text(&call.id, &call.name, &call.arguments);
                tool_use.signature.clone_from(&call.signature);
                tool_use
            })
            .collect();
        let stop_reason = match self.stop_reason.clone() {
            Some(StopReason::EndTurn) | None if !tool_uses.is_empty() => StopReason::ToolUse,
            Some(reason) => reason,
            None => StopReason::Other("none".to_owned()),
        };
        LlmResponse {
            text: std::mem::take(&mut self.text),
            tool_uses,
            stop_reason,
            usage: self.usage,
            model: std::mem::take(&mut self.model),
        }
    }
}

/// Tool names every provider accepts (`[a-zA-Z0-9_-]{1,64}`), each once: a typed error here
/// rather than a provider's 400 after a round trip.
pub(crate) fn check_tools(provider: &'static str, request: &LlmRequest) -> Result<(), LlmError> {
    let invalid = |message: String| LlmError::InvalidRequest {
        provider: provider.to_owned(),
        message,
    };
    for (index, tool) in request.tools.iter().enumerate() {
        let name = &tool.name;
        let valid = (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-');
        if !valid {
            return Err(invalid(format!(
                "the tool name {name:?} is not 1 to 64 letters, digits, '_' or '-'"
            )));
        }
        if request.tools[..index]
            .iter()
            .any(|other| &other.name == name)
        {
            return Err(invalid(format!("the tool {name} is offered twice")));
        }
    }
    Ok(())
}

/// Why a decoder could not go on.
#[derive(Debug)]
pub(crate) enum DecodeError {
    /// The answer is not what this provider sends.
    Malformed(String),
    /// The provider reported an error inside the stream.
    Provider { message: String, retryable: bool },
    /// Anything already typed.
    Typed(LlmError),
}

/// One provider's wire format, read into a [`MessageBuilder`]. Cloned fresh for each attempt.
pub(crate) trait Decoder: Clone + Send + Sync {
    /// Reads one SSE event; `Ok(true)` when it was the answer's last.
    fn event(
        &mut self,
        event: &SseEvent,
        message: &mut MessageBuilder,
    ) -> Result<bool, DecodeError>;

    /// Reads a whole JSON answer (a server that did not stream).
    fn whole(&mut self, body: &[u8], message: &mut MessageBuilder) -> Result<(), DecodeError>;

    /// Whether a stream that ended without its last event still holds a whole answer. By
    /// default it does once a stop reason arrived (Gemini's streams simply end).
    fn complete_at_end(&self, message: &MessageBuilder) -> bool {
        message.stop_reason.is_some()
    }
}

/// One call's request, ready to send.
pub(crate) struct Exchange<'a, D> {
    pub transport: &'a Transport,
    pub url: &'a str,
    pub headers: HeaderMap,
    pub body: Value,
    pub describe: DescribeError,
    pub decoder: D,
    pub message: MessageBuilder,
}

/// Sends the request (lazily, on the first poll) and streams the decoded answer; a request
/// that could not be prepared is a stream of that one error.
pub(crate) fn open<'a, D: Decoder + 'a>(
    exchange: Result<Exchange<'a, D>, LlmError>,
) -> LlmStream<'a> {
    let exchange = match exchange {
        Ok(exchange) => exchange,
        Err(error) => return replica_core::response_stream(async move { Err(error) }),
    };
    // Encoding a JSON value cannot fail: its map keys are strings.
    let body = serde_json::to_vec(&exchange.body).unwrap_or_default();
    let driver = Driver {
        body,
        exchange,
        attempts: None,
        reading: None,
        pending: VecDeque::new(),
        emitted: false,
        finished: false,
        error: None,
    };
    Box::pin(futures_util::stream::unfold(
        driver,
        |mut driver| async move {
            let item = driver.next().await?;
            Some((item, driver))
        },
    ))
}

struct Driver<'a, D> {
    exchange: Exchange<'a, D>,
    body: Vec<u8>,
    attempts: Option<Attempts>,
    reading: Option<Reading<D>>,
    pending: VecDeque<StreamEvent>,
    /// Some event reached the caller: from now on nothing is retried.
    emitted: bool,
    finished: bool,
    /// The error that ends the stream once `pending` is drained.
    error: Option<LlmError>,
}

/// An event stream being read.
struct Reading<D> {
    response: reqwest::Response,
    timeout: Duration,
    sse: SseParser,
    decoder: D,
    message: MessageBuilder,
}

impl<D: Decoder> Driver<'_, D> {
    async fn next(&mut self) -> Option<Result<StreamEvent, LlmError>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                self.emitted = true;
                return Some(Ok(event));
            }
            if self.finished {
                return self.error.take().map(Err);
            }
            let Err(failure) = self.step().await else {
                continue;
            };
            self.reading = None;
            let quiet = !self.emitted && self.pending.is_empty();
            if failure.retryable && quiet {
                let transport = self.exchange.transport;
                let attempts = self.attempts.get_or_insert_with(|| transport.attempts());
                match transport.wait_to_retry(attempts, failure).await {
                    Ok(()) => continue,
                    Err(error) => self.error = Some(error),
                }
            } else {
                self.error = Some(failure.error);
            }
            self.finished = true;
        }
    }

    /// Sends the request, or reads the next chunk of the answer.
    async fn step(&mut self) -> Result<(), Failure> {
        let Some(reading) = &mut self.reading else {
            return self.send().await;
        };
        let provider = self.exchange.transport.provider();
        match reading.response.chunk().await {
            Ok(Some(bytes)) => {
                for event in reading.sse.push(&bytes) {
                    if read_event(reading, &event, &mut self.pending, provider)? {
                        // The answer is whole: let the connection go now.
                        self.reading = None;
                        self.finished = true;
                        return Ok(());
                    }
                }
                Ok(())
            }
            Ok(None) => {
                if let Some(event) = reading.sse.finish()
                    && read_event(reading, &event, &mut self.pending, provider)?
                {
                    self.reading = None;
                    self.finished = true;
                    return Ok(());
                }
                if !reading.decoder.complete_at_end(&reading.message) {
                    return Err(cut(
                        provider,
                        "the stream ended before the answer was complete",
                    ));
                }
                let response = reading.message.finish();
                self.pending.push_back(StreamEvent::Done(response));
                self.reading = None;
                self.finished = true;
                Ok(())
            }
            Err(error) => {
                let failure = self
                    .exchange
                    .transport
                    .transport_failure(&error, reading.timeout);
                Err(match failure.error {
                    LlmError::Timeout { .. } => failure,
                    other => cut(provider, &format!("the connection failed ({other})")),
                })
            }
        }
    }

    async fn send(&mut self) -> Result<(), Failure> {
        let exchange = &self.exchange;
        let attempts = self
            .attempts
            .get_or_insert_with(|| exchange.transport.attempts());
        let (response, timeout) = exchange
            .transport
            .send(
                exchange.url,
                &exchange.headers,
                &self.body,
                exchange.describe,
                attempts,
            )
            .await
            .map_err(|error| Failure {
                error,
                retryable: false,
                retry_after: None,
            })?;
        let streamed = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("text/event-stream"));
        let mut decoder = exchange.decoder.clone();
        let mut message = exchange.message.clone();
        if streamed {
            self.reading = Some(Reading {
                response,
                timeout,
                sse: SseParser::default(),
                decoder,
                message,
            });
            return Ok(());
        }
        let body = response
            .bytes()
            .await
            .map_err(|error| exchange.transport.transport_failure(&error, timeout))?;
        decoder
            .whole(&body, &mut message)
            .map_err(|error| decode_failure(exchange.transport, error, &body))?;
        self.pending.extend(message.finish().into_events());
        self.finished = true;
        Ok(())
    }
}

/// Feeds one event to the decoder and queues what it produced; `Ok(true)` at the last event.
fn read_event<D: Decoder>(
    reading: &mut Reading<D>,
    event: &SseEvent,
    pending: &mut VecDeque<StreamEvent>,
    provider: &'static str,
) -> Result<bool, Failure> {
    let last = reading
        .decoder
        .event(event, &mut reading.message)
        .map_err(|error| match error {
            DecodeError::Malformed(message) => Failure {
                error: LlmError::MalformedResponse {
                    provider: provider.to_owned(),
                    message: format!(
                        "{message}; the event was: {}",
                        crate::http::excerpt(&event.data, 200)
                    ),
                },
                retryable: false,
                retry_after: None,
            },
            DecodeError::Provider { message, retryable } => Failure {
                retryable,
                ..cut(provider, &message)
            },
            DecodeError::Typed(error) => Failure {
                error,
                retryable: false,
                retry_after: None,
            },
        })?;
    pending.extend(reading.message.take_events());
    if last {
        pending.push_back(StreamEvent::Done(reading.message.finish()));
    }
    Ok(last)
}

/// A whole body the decoder could not read.
fn decode_failure(transport: &Transport, error: DecodeError, body: &[u8]) -> Failure {
    let error = match error {
        DecodeError::Malformed(message) => transport.malformed(&message, body),
        DecodeError::Provider { message, .. } => LlmError::MalformedResponse {
            provider: transport.provider().to_owned(),
            message: transport.scrub(&message),
        },
        DecodeError::Typed(error) => error,
    };
    Failure {
        error,
        retryable: false,
        retry_after: None,
    }
}

/// A stream that stopped early; retried only while nothing reached the caller.
fn cut(provider: &'static str, reason: &str) -> Failure {
    Failure {
        error: LlmError::StreamCut {
            provider: provider.to_owned(),
            reason: reason.to_owned(),
        },
        retryable: true,
        retry_after: None,
    }
}

/// Parses an SSE event's JSON data, or says what it was.
pub(crate) fn event_json<T: serde::de::DeserializeOwned>(
    event: &SseEvent,
) -> Result<T, DecodeError> {
    serde_json::from_str(&event.data).map_err(|error| DecodeError::Malformed(error.to_string()))
}

#[cfg(test)]
mod tests {
    use replica_core::{Message, Role, ToolDefinition};
    use serde_json::json;

    use super::*;

    fn request(tools: bool, earlier_calls: usize) -> LlmRequest {
        let call = ContentPart::ToolUse(ToolUse::new("x", "t", json!({})));
        LlmRequest {
            messages: vec![Message {
                role: Role::Assistant,
                content: vec![call; earlier_calls],
            }],
            tools: if tools {
                vec![ToolDefinition {
                    name: "t".to_owned(),
                    description: String::new(),
                    input_schema: json!({ "type": "object" }),
                }]
            } else {
                Vec::new()
            },
            ..LlmRequest::default()
        }
    }

    #[test]
    fn calls_assemble_from_fragments_with_synthetic_ids_after_earlier_calls() {
        let mut message = MessageBuilder::new("test", &request(true, 2), "m");
        message.text("Let me ");
        message.text("look.");
        message.start_tool(0, None, "t").expect("offered");
        message.tool_input(0, "{\"a\":").expect("started");
        message.start_tool(1, Some("given"), "t").expect("offered");
        message.tool_input(0, " 1}").expect("started");
        message.tool_input(1, "{\"b\"").expect("started");
        message.stop_reason = Some(StopReason::EndTurn);
        let events: Vec<StreamEvent> = message.take_events().collect();
        assert_eq!(events.len(), 7);
        let response = message.finish();
        assert_eq!(response.text, "Let me look.");
        assert_eq!(response.stop_reason, StopReason::ToolUse);
        assert_eq!(response.tool_uses[0].id, "call_3");
        assert_eq!(response.tool_uses[0].input, json!({ "a": 1 }));
        assert_eq!(response.tool_uses[1].id, "given");
        assert_eq!(
            response.tool_uses[1].invalid_input.as_deref(),
            Some("{\"b\"")
        );
    }

    #[test]
    fn tool_names_are_checked_before_sending() {
        assert_eq!(check_tools("x", &request(true, 0)), Ok(()));
        let mut bad = request(true, 0);
        bad.tools[0].name = "read file".to_owned();
        assert_eq!(
            check_tools("anthropic", &bad)
                .expect_err("a space")
                .to_string(),
            "the request cannot be sent to anthropic: the tool name \"read file\" is not 1 to 64 letters, digits, '_' or '-'"
        );
        let mut twice = request(true, 0);
        twice.tools.push(twice.tools[0].clone());
        assert!(check_tools("x", &twice).is_err());
    }

    #[test]
    fn synthetic_ids_are_recognised() {
        assert!(is_synthetic_id("call_3"));
        assert!(is_synthetic_id("call_12"));
        for id in [
            "call_",
            "call_x1",
            "call_Vx2KQwZKj0o3jRMcAV9aYiBh",
            "toolu_01",
            "46ww9pp1",
        ] {
            assert!(!is_synthetic_id(id), "{id}");
        }
    }

    #[test]
    fn tool_calls_without_offered_tools_are_an_error_naming_the_provider() {
        let mut message = MessageBuilder::new("openai", &request(false, 0), "m");
        let Err(DecodeError::Typed(error)) = message.start_tool(0, Some("c"), "rm_rf") else {
            panic!("accepted a call nobody offered");
        };
        assert_eq!(
            error.to_string(),
            "openai called the tool rm_rf although the request offered no tools"
        );
        assert!(matches!(
            MessageBuilder::new("x", &request(true, 0), "m").tool_input(4, "{}"),
            Err(DecodeError::Malformed(_))
        ));
    }
}
