//! Whole turns with scripted models: the edit flow, bad tool calls, paths that escape, limits,
//! stop, a provider outage, the final checks, and a resumed conversation.

use std::time::Duration;

use replica_agent::{AgentConfig, CompileStatus, Conversation, Ending, Limit, StopSignal};
use replica_core::{
    ContentPart, LanguageModel, LlmRequest, LlmStream, PipelineEvent, Role, StreamEvent,
};
use serde_json::json;

use crate::support::{HERO, MemoryProject, ScriptedChecks, script, shape, turn};

fn no_stop() -> StopSignal {
    // The sender is dropped: the turn is never stopped.
    StopSignal::new().1
}

#[tokio::test]
async fn an_edit_turn_reads_edits_validates_compiles_and_answers() {
    let model = script(json!({"turns": [
        {
            "expect": {"tools": ["read_file", "edit_file", "validate", "compile_check"],
                       "system_contains": "primary colour #b45309",
                       "last_message_contains": "make the title red"},
            "text": "Reading the hero.",
            "tool_uses": [{"id": "c1", "name": "read_file", "input": {"path": "components/Hero.jsx"}}]
        },
        {
            "expect": {"tool_results": [{"id": "c1", "is_error": false, "contains": "   4|       <h1 className=\"title\">"}]},
            "tool_uses": [
                {"id": "c2", "name": "edit_file", "input": {"path": "components/Hero.jsx",
                  "old": "<h1 className=\"title\">", "new": "<h1 className=\"title\" style={{ color: \"#dc2626\" }}>"}},
                {"id": "c3", "name": "validate", "input": {}},
                {"id": "c4", "name": "compile_check", "input": {}}
            ]
        },
        {
            "expect": {"tool_results": [
                {"id": "c2", "is_error": false, "contains": "edited components/Hero.jsx at line 4"},
                {"id": "c3", "is_error": false, "contains": "0 errors"},
                {"id": "c4", "is_error": false, "contains": "compiled"}
            ]},
            "text": "The hero title is red now."
        }
    ]}));
    let project = MemoryProject::new();
    let checks = ScriptedChecks::clean();
    let (outcome, events) = turn(
        &model,
        &project,
        &checks,
        &Conversation::default(),
        "make the title red",
        &AgentConfig::default(),
        no_stop(),
    )
    .await;
    assert_eq!(outcome.ending, Ending::Complete, "{outcome:?}");
    assert_eq!(model.remaining(), 0);
    assert_eq!(
        shape(&events),
        [
            "stream",
            "tool_start:read_file",
            "tool_result:read_file:ok",
            "tool_start:edit_file",
            "file_updated:components/Hero.jsx",
            "tool_result:edit_file:ok",
            "tool_start:validate",
            "tool_result:validate:ok",
            "tool_start:compile_check",
            "tool_result:compile_check:ok",
            "stream",
        ]
    );
    assert!(
        project
            .text("components/Hero.jsx")
            .unwrap()
            .contains(r##"<h1 className="title" style={{ color: "#dc2626" }}>"##)
    );
    assert_eq!(outcome.files_changed, ["components/Hero.jsx"]);
    assert_eq!(outcome.compiled, Some(true));
    assert_eq!(outcome.tool_calls, 4);
    assert_eq!(outcome.record.answer, "The hero title is red now.");
    // The final check ran once more after the model's answer.
    assert_eq!(*checks.compile_calls.lock().unwrap(), 2);
    match outcome.terminal_event() {
        PipelineEvent::Complete {
            files_changed,
            compiled,
            stopped,
            left,
            ..
        } => {
            assert_eq!(files_changed, ["components/Hero.jsx"]);
            assert_eq!(compiled, Some(true));
            assert!(!stopped);
            assert!(left.is_empty());
        }
        other => panic!("{other:?}"),
    }
    // The kept turn: user, assistant (call), tool results, ..., assistant answer.
    let roles: Vec<Role> = outcome.record.messages.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            Role::User,
            Role::Assistant,
            Role::User,
            Role::Assistant,
            Role::User,
            Role::Assistant
        ]
    );
}

#[tokio::test]
async fn bad_calls_get_error_results_and_the_turn_goes_on() {
    let model = script(json!({"turns": [
        {"tool_uses": [
            {"id": "a", "name": "edit_file", "input": {"path": "components/Hero.jsx", "old": "no such text", "new": "x"}},
            {"id": "b", "name": "edit_file", "input": {"path": "components/Hero.jsx", "old": "className=", "new": "class="}},
            {"id": "c", "name": "delete_everything", "input": {}},
            {"id": "d", "name": "read_file", "arguments": "{\"path\": \"components/Hero.jsx\""},
            {"id": "e", "name": "read_file", "input": {"file": "components/Hero.jsx"}},
            {"id": "f", "name": "write_file", "input": {"path": "../outside.jsx", "content": "x"}},
            {"id": "g", "name": "write_file", "input": {"path": "/etc/passwd", "content": "x"}},
            {"id": "h", "name": "write_file", "input": {"path": "node_modules/react/index.js", "content": "x"}},
            {"id": "i", "name": "read_file", "input": {"path": "public/logo.png"}},
            {"id": "j", "name": "search", "input": {"pattern": "(unclosed"}},
            {"id": "k", "name": "install_package", "input": {"name": "left-pad"}},
            {"id": "l", "name": "install_package", "input": {"name": "zod", "version": "3.0.0"}}
        ]},
        {
            "expect": {"tool_results": [
                {"id": "a", "is_error": true, "contains": "does not occur in components/Hero.jsx"},
                {"id": "b", "is_error": true, "contains": "occurs 3 times in components/Hero.jsx (lines 3, 4, 5)"},
                {"id": "c", "is_error": true, "contains": "there is no tool named \"delete_everything\""},
                {"id": "d", "is_error": true, "contains": "invalid JSON"},
                {"id": "e", "is_error": true, "contains": "unknown field `file`"},
                {"id": "f", "is_error": true, "contains": "leaves the project"},
                {"id": "g", "is_error": true, "contains": "it is absolute"},
                {"id": "h", "is_error": true, "contains": "under node_modules/"},
                {"id": "i", "is_error": true, "contains": "binary file"},
                {"id": "j", "is_error": true, "contains": "not a valid regex"},
                {"id": "k", "is_error": true, "contains": "not on the allowlist"},
                {"id": "l", "is_error": true, "contains": "allowed only at 4.6.7"}
            ]},
            "text": "Nothing to change."
        }
    ]}));
    let project = MemoryProject::new();
    let checks = ScriptedChecks::clean();
    let (outcome, _) = turn(
        &model,
        &project,
        &checks,
        &Conversation::default(),
        "try things",
        &AgentConfig::default(),
        no_stop(),
    )
    .await;
    assert_eq!(outcome.ending, Ending::Complete, "{outcome:?}");
    assert_eq!(model.remaining(), 0);
    assert!(project.applied.lock().unwrap().is_empty());
    assert_eq!(project.text("components/Hero.jsx").unwrap(), HERO);
    assert!(outcome.files_changed.is_empty());
    // Nothing changed, so no final compile check.
    assert_eq!(*checks.compile_calls.lock().unwrap(), 0);
}

#[tokio::test]
async fn list_search_write_screenshot_compare_and_install() {
    let model = script(json!({"turns": [
        {"tool_uses": [
            {"id": "a", "name": "list_files", "input": {"prefix": "components/"}},
            {"id": "b", "name": "search", "input": {"pattern": "LISBON", "ignore_case": true}},
            {"id": "c", "name": "write_file", "input": {"path": "components/Pricing.jsx", "content": "export default function Pricing() {\n  return <section>Prices</section>;\n}\n"}},
            {"id": "d", "name": "screenshot", "input": {"device": "mobile"}},
            {"id": "e", "name": "compare", "input": {}},
            {"id": "f", "name": "install_package", "input": {"name": "canvas-confetti"}},
            {"id": "g", "name": "read_file", "input": {"path": "components/Hero.jsx", "start_line": 4, "end_line": 4}}
        ]},
        {
            "expect": {"tool_results": [
                {"id": "a", "is_error": false, "contains": "components/Hero.jsx (214 bytes)"},
                {"id": "b", "is_error": false, "contains": "components/Hero.jsx:5: <p className=\"lead\">Baked in Lisbon since 1921.</p>"},
                {"id": "c", "is_error": false, "contains": "created components/Pricing.jsx (3 lines)"},
                {"id": "d", "is_error": false, "images": 1},
                {"id": "e", "is_error": false, "contains": "desktop 0.9512"},
                {"id": "f", "is_error": false, "contains": "installed canvas-confetti@1.9.4"},
                {"id": "g", "is_error": false, "contains": "[lines 5-8 of 8 not shown]"}
            ]},
            "text": "Added a pricing section."
        }
    ]}));
    let project = MemoryProject::new();
    let checks = ScriptedChecks::clean();
    let (outcome, _) = turn(
        &model,
        &project,
        &checks,
        &Conversation::default(),
        "add pricing",
        &AgentConfig::default(),
        no_stop(),
    )
    .await;
    assert_eq!(outcome.ending, Ending::Complete, "{outcome:?}");
    assert_eq!(model.remaining(), 0);
    assert_eq!(
        outcome.files_changed,
        ["components/Pricing.jsx", "package.json"]
    );
    assert_eq!(*project.installs.lock().unwrap(), ["canvas-confetti@1.9.4"]);
    assert_eq!(
        project.text("package.json").unwrap(),
        "{\n  \"name\": \"x\",\n  \"dependencies\": {\n    \"canvas-confetti\": \"1.9.4\",\n    \"next\": \"14.2.21\"\n  }\n}\n"
    );
    // Screenshots are not kept in the history.
    let kept = serde_json::to_string(&outcome.record.messages).unwrap();
    assert!(!kept.contains("iVBORw0KGgo="));
    assert!(kept.contains("not kept in the history"));
}

#[tokio::test]
async fn a_model_that_loops_on_tools_is_stopped_by_the_call_limit() {
    let call = json!({"tool_uses": [{"id": "x", "name": "list_files", "input": {}}]});
    let model = script(json!({"turns": [call, call, call, call, call]}));
    let project = MemoryProject::new();
    let checks = ScriptedChecks::clean();
    let config = AgentConfig {
        max_tool_calls: 3,
        ..AgentConfig::default()
    };
    let (outcome, events) = turn(
        &model,
        &project,
        &checks,
        &Conversation::default(),
        "loop",
        &config,
        no_stop(),
    )
    .await;
    assert_eq!(outcome.ending, Ending::Limit(Limit::ToolCalls(3)));
    assert_eq!(outcome.tool_calls, 3);
    let tool_starts = events
        .iter()
        .filter(|event| matches!(event, PipelineEvent::ToolStart { .. }))
        .count();
    assert_eq!(tool_starts, 3);
    match outcome.terminal_event() {
        PipelineEvent::Error {
            code,
            message,
            stage,
        } => {
            assert_eq!(code.as_deref(), Some("tool_call_limit"));
            assert_eq!(stage, "agent");
            assert!(message.contains("limit of 3 tool calls"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // The kept turn answers every call and ends with the assistant.
    assert_eq!(
        outcome.record.messages.last().unwrap().role,
        Role::Assistant
    );
}

/// A model that streams some text, then never finishes.
struct Hangs;

impl LanguageModel for Hangs {
    fn name(&self) -> String {
        "hangs".into()
    }

    fn stream<'a>(&'a self, _request: &'a LlmRequest) -> LlmStream<'a> {
        Box::pin(futures_util::stream::unfold(0, |step| async move {
            if step == 0 {
                Some((Ok(StreamEvent::TextDelta("Thinking…".into())), 1))
            } else {
                std::future::pending().await
            }
        }))
    }
}

#[tokio::test]
async fn stop_ends_the_turn_at_once_and_a_time_limit_too() {
    let project = MemoryProject::new();
    let checks = ScriptedChecks::clean();
    let (stop, signal) = StopSignal::new();
    let stopper = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let _ = stop.send(true);
        stop
    });
    let started = std::time::Instant::now();
    let (outcome, events) = turn(
        &Hangs,
        &project,
        &checks,
        &Conversation::default(),
        "do it",
        &AgentConfig::default(),
        signal,
    )
    .await;
    assert!(started.elapsed() < Duration::from_secs(2));
    drop(stopper.await);
    assert_eq!(outcome.ending, Ending::Stopped);
    assert_eq!(shape(&events), ["stream"]);
    assert!(matches!(
        outcome.terminal_event(),
        PipelineEvent::Complete { stopped: true, .. }
    ));
    let roles: Vec<Role> = outcome.record.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::User, Role::Assistant]);

    let config = AgentConfig {
        max_duration: Duration::from_millis(200),
        ..AgentConfig::default()
    };
    let (outcome, _) = turn(
        &Hangs,
        &project,
        &checks,
        &Conversation::default(),
        "do it",
        &config,
        no_stop(),
    )
    .await;
    assert_eq!(
        outcome.ending,
        Ending::Limit(Limit::Time(config.max_duration))
    );
}

#[tokio::test]
async fn a_provider_outage_mid_turn_keeps_what_the_tools_did() {
    let model = script(json!({"turns": [
        {"tool_uses": [{"id": "a", "name": "write_file", "input": {"path": "components/New.jsx", "content": "export default function New() { return null; }\n"}}]},
        {"text": "Now the", "error": "connection reset by peer"}
    ]}));
    let project = MemoryProject::new();
    let checks = ScriptedChecks::clean();
    let (outcome, _) = turn(
        &model,
        &project,
        &checks,
        &Conversation::default(),
        "add a component",
        &AgentConfig::default(),
        no_stop(),
    )
    .await;
    assert!(
        matches!(outcome.ending, Ending::ModelFailed(_)),
        "{outcome:?}"
    );
    assert!(project.text("components/New.jsx").is_some());
    assert_eq!(outcome.files_changed, ["components/New.jsx"]);
    match outcome.terminal_event() {
        PipelineEvent::Error { code, message, .. } => {
            assert_eq!(code.as_deref(), Some("provider"));
            assert!(message.contains("connection reset by peer"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn final_check_errors_go_back_to_the_model_at_most_twice() {
    let write = |id: &str| json!({"tool_uses": [{"id": id, "name": "write_file", "input": {"path": "components/Hero.jsx", "content": "broken"}}]});
    let model = script(json!({"turns": [
        write("a"),
        {"text": "Done."},
        {"expect": {"last_message_contains": "2 JSX errors remain"}, "text": "Fixed, I think."},
        {"expect": {"last_message_contains": "does not compile"}, "text": "Fixed now."}
    ]}));
    let project = MemoryProject::new();
    let checks = ScriptedChecks::clean();
    *checks.validations.lock().unwrap() = vec![
        (2, "components/Hero.jsx:1: syntax".into()),
        (0, String::new()),
    ];
    let broken = CompileStatus {
        compiled: false,
        error_count: 1,
        report: "Module not found".into(),
    };
    *checks.compiles.lock().unwrap() = vec![Ok(broken.clone()), Ok(broken.clone()), Ok(broken)];
    let (outcome, _) = turn(
        &model,
        &project,
        &checks,
        &Conversation::default(),
        "break it",
        &AgentConfig::default(),
        no_stop(),
    )
    .await;
    assert_eq!(outcome.ending, Ending::Complete, "{outcome:?}");
    assert_eq!(model.remaining(), 0);
    assert_eq!(outcome.compiled, Some(false));
    assert_eq!(outcome.left, ["the preview does not compile (1 errors):"]);
    assert_eq!(outcome.record.answer, "Fixed now.");
}

#[tokio::test]
async fn a_resumed_conversation_carries_earlier_turns_and_compacts_old_ones() {
    let first = script(json!({"turns": [{"text": "The hero says: Fresh bread every morning."}]}));
    let project = MemoryProject::new();
    let checks = ScriptedChecks::clean();
    let mut conversation = Conversation::default();
    for question in ["what does the hero say?"] {
        let (outcome, _) = turn(
            &first,
            &project,
            &checks,
            &conversation,
            question,
            &AgentConfig::default(),
            no_stop(),
        )
        .await;
        conversation.turns.push(outcome.record);
    }
    let context = conversation.context(100_000);
    assert_eq!(context.len(), 2);
    assert!(
        matches!(&context[1].content[0], ContentPart::Text { text } if text.contains("Fresh bread"))
    );
    for n in 0..5 {
        let mut turn = conversation.turns[0].clone();
        turn.message = format!("question {n} {}", "x".repeat(2000));
        turn.messages[0] = replica_core::Message::user_text(turn.message.clone());
        conversation.turns.push(turn);
    }
    // A small budget keeps the newest turns whole and summarises the rest.
    let compacted = conversation.context(5_000);
    let ContentPart::Text { text } = &compacted[0].content[0] else {
        panic!("a summary first")
    };
    assert!(text.starts_with("Summary of the earlier turns"), "{text}");
    assert!(
        text.contains("Turn 1: the user asked \"what does the hero say?\""),
        "{text}"
    );
    assert!(compacted.len() < 2 * conversation.turns.len());
    assert_eq!(compacted[0].role, Role::User);
    assert_eq!(compacted[1].role, Role::Assistant);
}
