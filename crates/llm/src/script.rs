//! Scripted conversations: the fixture format ([`Script`]) and its player ([`ScriptedReplay`]).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use replica_core::{
    ContentPart, LanguageModel, LlmError, LlmRequest, LlmResponse, LlmStream, Message, StopReason,
    StreamEvent, ToolResult, ToolUse, Usage,
};
use serde::Deserialize;
use serde_json::Value;

/// A scripted conversation: the fixture holds the model's turns in order and [`ScriptedReplay`]
/// plays one per request, whatever the request's exact bytes. Tool results carry compile output
/// and screenshots, so a hand-written fixture cannot match requests by hash; instead each turn
/// may state light expectations that the request must meet.
///
/// The fixture is JSON:
///
/// ```json
/// {
///   "description": "the agent reads the page, edits it, and answers",
///   "turns": [
///     {
///       "expect": { "tools": ["read_file", "write_file"], "last_message_contains": "red title" },
///       "text": "Let me look at the page first.",
///       "tool_uses": [{ "id": "call_1", "name": "read_file", "input": { "path": "app/page.jsx" } }]
///     },
///     {
///       "expect": { "tool_results": [{ "id": "call_1", "contains": "export default" }] },
///       "tool_uses": [{ "id": "call_2", "name": "write_file", "arguments": "{\"path\": \"app/page.jsx\"" }]
///     },
///     { "expect": { "tool_results": [{ "id": "call_2", "is_error": true }] }, "text": "Done." }
///   ]
/// }
/// ```
///
/// A turn: `text` (streamed a few words per delta), `tool_uses` (each with `id`, `name` and
/// either `input`, a JSON object, or `arguments`, the raw text as a model would stream it, so
/// malformed arguments can be scripted), optional `stop_reason` (default `tool_use` when there
/// are calls, else `end_turn`), `usage`, and `error`: the stream is cut with that reason after
/// the turn's deltas. `expect` (all optional): `tools` offered by name, `last_message_contains`
/// (text of the last message, tool-result text included), `tool_results` (the last message
/// answers these calls: `id`, optional `is_error`, `contains`, `images`), `system_contains`.
/// A request that misses an expectation, or comes after the last turn, is
/// [`LlmError::Script`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    #[serde(default)]
    pub description: String,
    pub turns: Vec<ScriptTurn>,
}

/// One answer of the model, and what the request for it must hold.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScriptTurn {
    pub expect: Expectations,
    pub text: String,
    pub tool_uses: Vec<ScriptedCall>,
    pub stop_reason: Option<StopReason>,
    pub usage: Usage,
    /// Cut the stream with this reason after the turn's deltas.
    pub error: Option<String>,
}

/// A tool call in a turn: `input` (a JSON object) or `arguments` (raw text).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedCall {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub input: Option<Value>,
    #[serde(default)]
    pub arguments: Option<String>,
}

/// Checks on the request a turn answers; all optional.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Expectations {
    /// Tools the request must offer, by name.
    pub tools: Vec<String>,
    pub last_message_contains: Option<String>,
    /// Calls the last message must answer.
    pub tool_results: Vec<ExpectedResult>,
    pub system_contains: Option<String>,
}

/// A tool result the last message must hold.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExpectedResult {
    pub id: String,
    pub is_error: Option<bool>,
    pub contains: Option<String>,
    /// How many images it must carry.
    pub images: Option<usize>,
}

/// Plays a [`Script`] one turn per request. Clones share the position in the script.
#[derive(Debug, Clone)]
pub struct ScriptedReplay {
    name: String,
    script: Arc<Script>,
    next: Arc<AtomicUsize>,
}

impl ScriptedReplay {
    /// Plays `script`; `name` (the fixture's path) appears in errors.
    pub fn new(name: impl Into<String>, script: Script) -> ScriptedReplay {
        ScriptedReplay {
            name: name.into(),
            script: Arc::new(script),
            next: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Reads a fixture file.
    pub fn from_file(path: &Path) -> Result<ScriptedReplay, LlmError> {
        let name = path.display().to_string();
        let problem = |problem: String| LlmError::Script {
            script: name.clone(),
            turn: 0,
            problem,
        };
        let text = std::fs::read_to_string(path)
            .map_err(|error| problem(format!("cannot read it: {error}")))?;
        let script: Script = serde_json::from_str(&text)
            .map_err(|error| problem(format!("not a script: {error}")))?;
        Ok(ScriptedReplay::new(name, script))
    }

    /// Turns not played yet: a finished conversation leaves none.
    pub fn remaining(&self) -> usize {
        self.script
            .turns
            .len()
            .saturating_sub(self.next.load(Ordering::SeqCst))
    }

    /// The next turn's events, after checking the request against its expectations.
    fn play(&self, request: &LlmRequest) -> Vec<Result<StreamEvent, LlmError>> {
        let index = self.next.fetch_add(1, Ordering::SeqCst);
        let problem = |problem: String| LlmError::Script {
            script: self.name.clone(),
            turn: index + 1,
            problem,
        };
        let Some(turn) = self.script.turns.get(index) else {
            let played = self.script.turns.len();
            return vec![Err(problem(format!(
                "the script has {played} turns and the conversation asked for one more"
            )))];
        };
        if let Err(failure) = check(&turn.expect, request) {
            return vec![Err(problem(failure))];
        }
        turn_events(turn)
    }
}

impl LanguageModel for ScriptedReplay {
    fn name(&self) -> String {
        "replay/script".to_owned()
    }

    fn stream<'a>(&'a self, request: &'a LlmRequest) -> LlmStream<'a> {
        Box::pin(futures_util::stream::iter(self.play(request)))
    }
}

/// What `request` misses of `expect`, if anything.
fn check(expect: &Expectations, request: &LlmRequest) -> Result<(), String> {
    for name in &expect.tools {
        if !request.tools.iter().any(|tool| &tool.name == name) {
            return Err(format!("the request does not offer the tool {name}"));
        }
    }
    if let Some(needle) = &expect.system_contains
        && !request
            .system
            .iter()
            .any(|block| block.text.contains(needle))
    {
        return Err(format!("the system prompt does not contain {needle:?}"));
    }
    let last = request.messages.last();
    if let Some(needle) = &expect.last_message_contains {
        let text = last.map(message_text).unwrap_or_default();
        if !text.contains(needle) {
            return Err(format!(
                "the last message does not contain {needle:?}; it reads {:?}",
                crate::http::excerpt(&text, 300)
            ));
        }
    }
    let results: Vec<&ToolResult> = last
        .map(|message| {
            message
                .content
                .iter()
                .filter_map(|part| match part {
                    ContentPart::ToolResult(result) => Some(result),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    for expected in &expect.tool_results {
        let Some(result) = results
            .iter()
            .find(|result| result.tool_use_id == expected.id)
        else {
            return Err(format!(
                "the last message holds no tool_result for call {}",
                expected.id
            ));
        };
        check_result(expected, result)?;
    }
    Ok(())
}

fn check_result(expected: &ExpectedResult, result: &ToolResult) -> Result<(), String> {
    let id = &expected.id;
    if let Some(is_error) = expected.is_error
        && result.is_error != is_error
    {
        return Err(format!(
            "the result for call {id} has is_error {}, expected {is_error}",
            result.is_error
        ));
    }
    let text = result.joined_text();
    if let Some(needle) = &expected.contains
        && !text.contains(needle)
    {
        return Err(format!(
            "the result for call {id} does not contain {needle:?}; it reads {:?}",
            crate::http::excerpt(&text, 300)
        ));
    }
    if let Some(images) = expected.images {
        let count = result.images().count();
        if count != images {
            return Err(format!(
                "the result for call {id} has {count} images, expected {images}"
            ));
        }
    }
    Ok(())
}

/// The text of a message: its text parts and its tool results' text.
fn message_text(message: &Message) -> String {
    let texts: Vec<String> = message
        .content
        .iter()
        .filter_map(|part| match part {
            ContentPart::Text { text } => Some(text.clone()),
            ContentPart::ToolResult(result) => Some(result.joined_text()),
            ContentPart::Image(_) | ContentPart::ToolUse(_) => None,
        })
        .collect();
    texts.join("\n")
}

/// The turn as a model would stream it: text a few words at a time, each call's arguments in
/// pieces, then `Done` (or the scripted cut).
fn turn_events(turn: &ScriptTurn) -> Vec<Result<StreamEvent, LlmError>> {
    let mut events = Vec::new();
    for piece in pieces(&turn.text, 3) {
        events.push(Ok(StreamEvent::TextDelta(piece)));
    }
    let mut tool_uses = Vec::with_capacity(turn.tool_uses.len());
    for call in &turn.tool_uses {
        let raw = match (&call.arguments, &call.input) {
            (Some(raw), _) => raw.clone(),
            (None, Some(input)) => input.to_string(),
            (None, None) => String::new(),
        };
        events.push(Ok(StreamEvent::ToolUseStart {
            id: call.id.clone(),
            name: call.name.clone(),
        }));
        for piece in pieces(&raw, 4) {
            events.push(Ok(StreamEvent::ToolInputDelta {
                id: call.id.clone(),
                json_fragment: piece,
            }));
        }
        tool_uses.push(ToolUse::from_json_text(&call.id, &call.name, &raw));
    }
    if let Some(reason) = &turn.error {
        events.push(Err(LlmError::StreamCut {
            provider: "replay/script".to_owned(),
            reason: reason.clone(),
        }));
        return events;
    }
    let stop_reason = turn.stop_reason.clone().unwrap_or(if tool_uses.is_empty() {
        StopReason::EndTurn
    } else {
        StopReason::ToolUse
    });
    events.push(Ok(StreamEvent::Done(LlmResponse {
        text: turn.text.clone(),
        tool_uses,
        stop_reason,
        usage: turn.usage,
        model: "scripted".to_owned(),
    })));
    events
}

/// `text` in about `parts` pieces split after spaces (never inside a character).
fn pieces(text: &str, parts: usize) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    let target = text.len().div_ceil(parts.max(1));
    let mut out = Vec::new();
    let mut current = String::new();
    for word in text.split_inclusive([' ', ',', ':']) {
        current.push_str(word);
        if current.len() >= target {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_join_back_to_the_text() {
        for text in [
            "",
            "one",
            "Let me look at the page first.",
            r#"{"path": "a, b: c"}"#,
        ] {
            let split = pieces(text, 3);
            assert_eq!(split.concat(), text);
            assert!(split.len() <= 4, "{split:?}");
        }
        assert!(pieces("Let me look at the page first.", 3).len() > 1);
    }

    #[test]
    fn unknown_fields_are_refused() {
        let error =
            serde_json::from_str::<Script>(r#"{"turns":[{"txt":"typo"}]}"#).expect_err("typo");
        assert!(error.to_string().contains("unknown field `txt`"), "{error}");
    }
}
