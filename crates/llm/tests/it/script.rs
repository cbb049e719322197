//! Scripted conversations (`fixtures/llm/scripts`), driven the way the agent loop drives a
//! model: stream a turn, run the tools it called, send the results back, until it answers.

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use replica_core::{
    LanguageModel, LlmError, LlmRequest, LlmResponse, Message, StopReason, StreamEvent,
    SystemBlock, ToolResult, ToolUse,
};
use replica_llm::{Script, ScriptedReplay, from_env};
use serde_json::json;

use crate::support;

fn script_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/llm/scripts")
        .join(format!("{name}.json"))
}

fn first_request() -> LlmRequest {
    LlmRequest {
        system: vec![SystemBlock {
            text: "You edit a Next.js 14 project with the tools given.".to_owned(),
            cache: true,
        }],
        messages: vec![Message::user_text("Make the hero title red, please.")],
        tools: support::agent_tools(),
        max_tokens: 4096,
        temperature: None,
    }
}

/// What the project's tools would answer.
fn run_tool(call: &ToolUse) -> ToolResult {
    let input = match call.checked_input() {
        Ok(input) => input,
        Err(error) => return error.to_tool_result(),
    };
    match call.name.as_str() {
        "read_file" => ToolResult::text(&call.id, support::PAGE_SOURCE),
        "edit_file" => ToolResult::text(&call.id, format!("edited {}", input["path"])),
        "screenshot" => support::screenshot_result(&call.id),
        other => ToolResult::error(&call.id, format!("no tool named {other}")),
    }
}

/// One turn: the streamed text and call names, and the final answer.
async fn turn(
    model: &dyn LanguageModel,
    request: &LlmRequest,
) -> Result<(String, Vec<String>, LlmResponse), LlmError> {
    let mut stream = model.stream(request);
    let (mut text, mut calls) = (String::new(), Vec::new());
    while let Some(item) = stream.next().await {
        match item? {
            StreamEvent::TextDelta(delta) => text.push_str(&delta),
            StreamEvent::ToolUseStart { name, .. } => calls.push(name),
            StreamEvent::ToolInputDelta { .. } => {}
            StreamEvent::Done(response) => return Ok((text, calls, response)),
        }
    }
    panic!("the stream ended without Done or an error");
}

#[tokio::test]
async fn plays_a_three_turn_tool_conversation() {
    let model = ScriptedReplay::from_file(&script_path("edit-hero-title")).expect("loads");
    assert_eq!(model.remaining(), 3);
    let mut request = first_request();
    let mut turns = Vec::new();
    loop {
        let (text, calls, response) = turn(&model, &request).await.expect("the script plays");
        assert_eq!(text, response.text, "the deltas add up to the answer");
        request.messages.push(response.to_message());
        turns.push(json!({ "streamed_calls": calls, "response": response }));
        if response.stop_reason != StopReason::ToolUse {
            break;
        }
        let results = response.tool_uses.iter().map(run_tool).collect();
        request.messages.push(Message::tool_results(results));
    }
    assert_eq!(turns.len(), 3);
    assert_eq!(model.remaining(), 0);
    insta::assert_json_snapshot!("scripted_three_turns", turns);

    let error = model.complete(&request).await.expect_err("no fourth turn");
    assert!(
        error
            .to_string()
            .ends_with("turn 4: the script has 3 turns and the conversation asked for one more"),
        "{error}"
    );
}

#[tokio::test]
async fn a_request_that_misses_an_expectation_names_the_turn_and_what_is_missing() {
    let model = ScriptedReplay::from_file(&script_path("edit-hero-title")).expect("loads");
    let mut request = first_request();
    let (_, _, response) = turn(&model, &request).await.expect("turn 1");
    request.messages.push(response.to_message());
    // The tool answered something else than the page.
    request
        .messages
        .push(Message::tool_results(vec![ToolResult::error(
            "call_1",
            "no such file",
        )]));
    let error = model
        .complete(&request)
        .await
        .expect_err("turn 2 expects the page");
    let LlmError::Script {
        script,
        turn,
        problem,
    } = error
    else {
        panic!("expected a script error, got {error:?}");
    };
    assert!(script.ends_with("edit-hero-title.json"), "{script}");
    assert_eq!(turn, 2);
    assert_eq!(
        problem,
        "the result for call call_1 has is_error true, expected false"
    );

    let fresh = ScriptedReplay::from_file(&script_path("edit-hero-title")).expect("loads");
    let mut without_tools = first_request();
    without_tools.tools.clear();
    let error = fresh.complete(&without_tools).await.expect_err("no tools");
    assert!(
        error
            .to_string()
            .ends_with("turn 1: the request does not offer the tool read_file"),
        "{error}"
    );
}

#[tokio::test]
async fn scripted_malformed_arguments_and_cut_streams() {
    let script: Script = serde_json::from_value(json!({
        "turns": [
            { "tool_uses": [{ "id": "c1", "name": "write_file", "arguments": "{\"path\": \"a.jsx\", \"content\": " }] },
            { "expect": { "tool_results": [{ "id": "c1", "is_error": true, "contains": "are invalid JSON" }] },
              "text": "Writing it again properly", "error": "connection reset by peer" }
        ]
    }))
    .expect("a script");
    let model = ScriptedReplay::new("inline", script);
    let mut request = first_request();
    let response = model.complete(&request).await.expect("turn 1");
    let error = response.tool_uses[0]
        .checked_input()
        .expect_err("the arguments are cut");
    assert_eq!(error.id, "c1");
    request.messages.push(response.to_message());
    request
        .messages
        .push(Message::tool_results(vec![error.to_tool_result()]));

    let items: Vec<_> = model.stream(&request).collect().await;
    assert!(matches!(items.first(), Some(Ok(StreamEvent::TextDelta(_)))));
    assert_eq!(
        items.last(),
        Some(&Err(LlmError::StreamCut {
            provider: "replay/script".to_owned(),
            reason: "connection reset by peer".to_owned()
        }))
    );
}

#[test]
fn replica_llm_script_selects_the_scripted_replay() {
    let path = script_path("edit-hero-title");
    let path_text = path.display().to_string();
    let lookup = |name: &str| match name {
        "REPLICA_LLM" => Some("replay".to_owned()),
        "REPLICA_LLM_SCRIPT" => Some(path_text.clone()),
        _ => None,
    };
    let selected = from_env(lookup).expect("valid");
    assert_eq!(
        selected.to_string(),
        format!("language model: replay (scripted conversation in {path_text})")
    );
    assert_eq!(
        selected.capabilities().to_string(),
        "tool use: yes, streaming: yes (the script's turns, a few words per delta)"
    );
    let model = selected.build().expect("builds").expect("a model");
    assert_eq!(model.name(), "replay/script");

    let missing = |name: &str| match name {
        "REPLICA_LLM" => Some("replay".to_owned()),
        "REPLICA_LLM_SCRIPT" => Some("/nonexistent/script.json".to_owned()),
        _ => None,
    };
    let Err(error) = from_env(missing).expect("valid").build() else {
        panic!("built a model from a missing script");
    };
    assert!(
        error
            .to_string()
            .starts_with("scripted replay /nonexistent/script.json, turn 0: cannot read it"),
        "{error}"
    );
}
