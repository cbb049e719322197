//! One turn: the user's message, the model calling tools until it answers, the final checks,
//! all within the turn's limits and cancellable by `stop` at any point.

use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use replica_core::{
    ContentPart, LanguageModel, LlmError, LlmRequest, LlmResponse, Message, PipelineEvent, Role,
    StreamEvent, ToolResult, ToolUse, Usage, ValidationCounts,
};
use tokio::sync::{mpsc, watch};

use crate::conversation::{Conversation, TurnRecord, without_images};
use crate::project::{Checks, FileChanges, Project, ProjectError};
use crate::prompt::{Mode, system_prompt};
use crate::tools::{DynTool, ToolOutput, Workspace, all_tools, definitions};

/// Limits and sizes of a turn.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentConfig {
    /// Tool calls per turn.
    pub max_tool_calls: u32,
    /// Wall time per turn.
    pub max_duration: Duration,
    /// Tokens per turn, all kinds summed (input, output, cache reads and writes).
    pub max_tokens: u64,
    /// `max_tokens` of each model call.
    pub max_output_tokens: u32,
    /// Extra rounds given to the model when the final checks find errors.
    pub final_check_rounds: u32,
    /// Characters of one tool result the model reads at most.
    pub max_tool_output_chars: usize,
    /// JSON size of the earlier turns a request carries before they are summarised.
    pub history_budget_chars: usize,
    /// Whether screenshots reach the model as images.
    pub images: bool,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            max_tool_calls: 40,
            max_duration: Duration::from_secs(5 * 60),
            max_tokens: 2_000_000,
            max_output_tokens: 16_000,
            final_check_rounds: 2,
            max_tool_output_chars: 20_000,
            history_budget_chars: 300_000,
            images: true,
        }
    }
}

/// Set to `true` to stop the turn: the model call is dropped and no further tool runs.
pub type StopSender = watch::Sender<bool>;

/// A turn's side of the stop signal.
#[derive(Debug, Clone)]
pub struct StopSignal(watch::Receiver<bool>);

impl StopSignal {
    pub fn new() -> (StopSender, StopSignal) {
        let (sender, receiver) = watch::channel(false);
        (sender, StopSignal(receiver))
    }

    /// Resolves once stop was asked for (at once if it already was); never when the sender
    /// went away without asking.
    pub async fn stopped(&mut self) {
        if self.0.wait_for(|stop| *stop).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Everything one turn needs.
pub struct Turn<'a> {
    pub model: &'a dyn LanguageModel,
    pub project: &'a dyn Project,
    pub checks: &'a dyn Checks,
    pub conversation: &'a Conversation,
    pub message: &'a str,
    pub mode: Mode,
    /// What the caller knows about the project for the prompt (a clone's design tokens).
    pub notes: &'a str,
    pub config: &'a AgentConfig,
    pub events: &'a mpsc::Sender<PipelineEvent>,
    pub stop: StopSignal,
}

impl std::fmt::Debug for Turn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Turn")
            .field("model", &self.model.name())
            .field("message", &self.message)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

/// Which limit ended a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    ToolCalls(u32),
    Time(Duration),
    Tokens(u64),
}

impl Limit {
    fn code(self) -> &'static str {
        match self {
            Limit::ToolCalls(_) => "tool_call_limit",
            Limit::Time(_) => "time_limit",
            Limit::Tokens(_) => "token_limit",
        }
    }

    fn describe(self) -> String {
        match self {
            Limit::ToolCalls(n) => format!("the turn reached its limit of {n} tool calls"),
            Limit::Time(limit) => {
                format!("the turn reached its time limit of {}s", limit.as_secs())
            }
            Limit::Tokens(n) => format!("the turn reached its limit of {n} tokens"),
        }
    }
}

/// How a turn ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Ending {
    /// The model answered and the final checks ran.
    Complete,
    /// `stop` ended it.
    Stopped,
    Limit(Limit),
    /// The model call failed (a provider outage, a cut stream).
    ModelFailed(LlmError),
    /// The project could not be read.
    ProjectFailed(ProjectError),
}

/// What a turn did.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnOutcome {
    /// The turn as the conversation keeps it.
    pub record: TurnRecord,
    pub ending: Ending,
    pub files_changed: Vec<String>,
    pub validation: ValidationCounts,
    pub compiled: Option<bool>,
    /// Problems the final checks left, one line each.
    pub left: Vec<String>,
    pub tool_calls: u32,
    pub usage: Usage,
}

impl TurnOutcome {
    /// The turn's last event: `complete` (ran to its end or stopped) or `error`.
    pub fn terminal_event(&self) -> PipelineEvent {
        let error = |message: String, code: &str| PipelineEvent::Error {
            message,
            stage: "agent".to_owned(),
            code: Some(code.to_owned()),
        };
        let kept = "files keep the changes made so far; undo restores them";
        match &self.ending {
            Ending::Complete | Ending::Stopped => PipelineEvent::Complete {
                files_changed: self.files_changed.clone(),
                validation: self.validation,
                compiled: self.compiled,
                left: self.left.clone(),
                stopped: self.ending == Ending::Stopped,
                text: self.record.answer.clone(),
            },
            Ending::Limit(limit) => error(format!("{}; {kept}", limit.describe()), limit.code()),
            Ending::ModelFailed(error_) => error(
                format!("the model call failed: {error_}; {kept}"),
                "provider",
            ),
            Ending::ProjectFailed(error_) => error(
                format!("the project could not be read: {error_}"),
                "project",
            ),
        }
    }
}

/// Runs one turn to its end. Events (`stream`, `tool_start`, `tool_result`, `file_updated`)
/// go to `turn.events` as they happen; the caller sends the terminal event
/// ([`TurnOutcome::terminal_event`]) after its own (the checkpoint).
pub async fn run_turn(turn: Turn<'_>) -> TurnOutcome {
    let started = Instant::now();
    let mut run = TurnRun {
        deadline: started + turn.config.max_duration,
        tools: all_tools(),
        tool_calls: 0,
        usage: Usage::default(),
        final_rounds: 0,
        validation: ValidationCounts::default(),
        compiled: None,
        left: Vec::new(),
        answer: String::new(),
        stop: turn.stop.clone(),
    };
    let files = match turn.project.files().await {
        Ok(files) => files,
        Err(error) => {
            let messages = vec![
                Message::user_text(turn.message),
                assistant_note("the project could not be read"),
            ];
            return run.outcome(
                &turn,
                messages,
                Default::default(),
                Ending::ProjectFailed(error),
            );
        }
    };
    let mut workspace = Workspace {
        project: turn.project,
        checks: turn.checks,
        files,
        changed: Default::default(),
        events: turn.events,
        images: turn.config.images,
    };
    let mut messages = turn.conversation.context(turn.config.history_budget_chars);
    let first = messages.len();
    messages.push(Message::user_text(turn.message));
    let request = LlmRequest {
        system: system_prompt(
            turn.mode,
            &turn.project.kind(),
            turn.notes,
            &workspace.files,
        ),
        messages: Vec::new(),
        tools: definitions(&run.tools),
        max_tokens: turn.config.max_output_tokens,
        temperature: None,
    };
    let ending = run
        .rounds(&turn, request, &mut messages, &mut workspace)
        .await;
    let mut own = messages.split_off(first);
    if own
        .last()
        .is_none_or(|message| message.role != Role::Assistant)
    {
        let note = match &ending {
            Ending::Stopped => "[stopped by the user]".to_owned(),
            Ending::Limit(limit) => format!("[{}]", limit.describe()),
            other => format!("[the turn ended: {other:?}]"),
        };
        own.push(assistant_note(&note));
    }
    let changed = workspace.changed.into_iter().collect();
    run.outcome(&turn, own, changed, ending)
}

/// The running state of one turn.
struct TurnRun {
    deadline: Instant,
    tools: Vec<Box<dyn DynTool>>,
    tool_calls: u32,
    usage: Usage,
    final_rounds: u32,
    validation: ValidationCounts,
    compiled: Option<bool>,
    left: Vec<String>,
    answer: String,
    stop: StopSignal,
}

/// What one model call led to.
enum Step {
    Continue,
    End(Ending),
}

impl TurnRun {
    /// Model calls and their tool calls until the turn ends.
    async fn rounds(
        &mut self,
        turn: &Turn<'_>,
        mut request: LlmRequest,
        messages: &mut Vec<Message>,
        workspace: &mut Workspace<'_>,
    ) -> Ending {
        loop {
            if let Some(limit) = self.limit_reached(turn.config) {
                return Ending::Limit(limit);
            }
            request.messages.clone_from(messages);
            let mut stop = self.stop.clone();
            let response = tokio::select! {
                response = stream_answer(turn.model, &request, turn.events) => response,
                () = stop.stopped() => return Ending::Stopped,
                () = tokio::time::sleep_until(self.deadline.into()) => {
                    return Ending::Limit(Limit::Time(turn.config.max_duration));
                }
            };
            let response = match response {
                Ok(response) => response,
                Err(error) => return Ending::ModelFailed(error),
            };
            self.usage += response.usage;
            messages.push(response.to_message());
            if !response.text.trim().is_empty() {
                self.answer.clone_from(&response.text);
            }
            let step = if response.tool_uses.is_empty() {
                self.final_checks(turn, messages, workspace).await
            } else {
                self.call_tools(turn, &response.tool_uses, messages, workspace)
                    .await
            };
            if let Step::End(ending) = step {
                return ending;
            }
        }
    }

    fn limit_reached(&self, config: &AgentConfig) -> Option<Limit> {
        let tokens = self.usage.input_tokens
            + self.usage.output_tokens
            + self.usage.cache_read_tokens
            + self.usage.cache_write_tokens;
        if tokens >= config.max_tokens {
            Some(Limit::Tokens(config.max_tokens))
        } else if Instant::now() >= self.deadline {
            Some(Limit::Time(config.max_duration))
        } else {
            None
        }
    }

    /// Runs the calls in order and appends their results. A stop or a limit answers the calls
    /// not run yet with an error result, so the conversation stays well-formed.
    async fn call_tools(
        &mut self,
        turn: &Turn<'_>,
        calls: &[ToolUse],
        messages: &mut Vec<Message>,
        workspace: &mut Workspace<'_>,
    ) -> Step {
        let mut results = Vec::with_capacity(calls.len());
        let mut ended = None;
        for call in calls {
            if ended.is_none() && self.tool_calls >= turn.config.max_tool_calls {
                ended = Some(Ending::Limit(Limit::ToolCalls(turn.config.max_tool_calls)));
            }
            if let Some(ending) = &ended {
                results.push(ToolResult::error(
                    &call.id,
                    format!("not run: the turn ended ({ending:?})"),
                ));
                continue;
            }
            self.tool_calls += 1;
            let (output, interrupted) = self.call_tool(turn, call, workspace).await;
            ended = interrupted;
            results.push(output.to_tool_result(&call.id, turn.config.max_tool_output_chars));
        }
        messages.push(Message::tool_results(results));
        match ended {
            Some(ending) => Step::End(ending),
            None => Step::Continue,
        }
    }

    /// One call, announced by `tool_start` and `tool_result`. Tools that write files finish
    /// even when stop comes meanwhile (a half-applied write helps nobody); the others are
    /// dropped at once.
    async fn call_tool(
        &mut self,
        turn: &Turn<'_>,
        call: &ToolUse,
        workspace: &mut Workspace<'_>,
    ) -> (ToolOutput, Option<Ending>) {
        let _ = turn
            .events
            .send(PipelineEvent::ToolStart {
                id: call.id.clone(),
                tool: call.name.clone(),
                input: call.input.clone(),
            })
            .await;
        let tool = self.tools.iter().find(|tool| tool.tool_name() == call.name);
        let (output, interrupted) = match (tool, call.checked_input()) {
            (None, _) => {
                let names: Vec<&str> = self.tools.iter().map(|t| t.tool_name()).collect();
                (
                    ToolOutput::error(format!(
                        "there is no tool named {:?}; the tools are: {}",
                        call.name,
                        names.join(", ")
                    )),
                    None,
                )
            }
            (Some(_), Err(error)) => (
                ToolOutput::error(error.to_tool_result().joined_text()),
                None,
            ),
            (Some(tool), Ok(input)) if !tool.can_interrupt() => {
                (tool.call(input, workspace).await, None)
            }
            (Some(tool), Ok(input)) => {
                let mut stop = self.stop.clone();
                tokio::select! {
                    output = tool.call(input, workspace) => (output, None),
                    () = stop.stopped() => (
                        ToolOutput::error("stopped by the user before the tool finished"),
                        Some(Ending::Stopped),
                    ),
                    () = tokio::time::sleep_until(self.deadline.into()) => (
                        ToolOutput::error("the turn's time ran out before the tool finished"),
                        Some(Ending::Limit(Limit::Time(turn.config.max_duration))),
                    ),
                }
            }
        };
        let _ = turn
            .events
            .send(PipelineEvent::ToolResult {
                id: call.id.clone(),
                tool: call.name.clone(),
                ok: output.ok,
                summary: output.summary.clone(),
            })
            .await;
        // A stop that came while a write finished still ends the turn here.
        let interrupted = interrupted.or_else(|| self.stop.is_set().then_some(Ending::Stopped));
        (output, interrupted)
    }

    /// The model says it is done: validate and compile-check once more; errors go back to it
    /// for at most `final_check_rounds` more rounds. A turn that changed nothing (a question
    /// answered) is not checked, except in build mode.
    async fn final_checks(
        &mut self,
        turn: &Turn<'_>,
        messages: &mut Vec<Message>,
        workspace: &mut Workspace<'_>,
    ) -> Step {
        if workspace.changed.is_empty() && turn.mode == Mode::Edit {
            return Step::End(Ending::Complete);
        }
        let mut stop = self.stop.clone();
        let deadline = self.deadline;
        let report = tokio::select! {
            report = self.check(workspace) => report,
            () = stop.stopped() => return Step::End(Ending::Stopped),
            () = tokio::time::sleep_until(deadline.into()) => {
                return Step::End(Ending::Limit(Limit::Time(turn.config.max_duration)));
            }
        };
        if report.is_empty() {
            return Step::End(Ending::Complete);
        }
        if self.final_rounds < turn.config.final_check_rounds {
            self.final_rounds += 1;
            messages.push(Message::user_text(format!(
                "The checks after your changes found problems; fix them, then answer \
                 again.\n\n{}",
                report.join("\n\n")
            )));
            return Step::Continue;
        }
        self.left = report
            .iter()
            .map(|problem| problem.lines().next().unwrap_or_default().to_owned())
            .collect();
        Step::End(Ending::Complete)
    }

    /// Validation (its autofix written) and the compile check; the problems left, as text.
    async fn check(&mut self, workspace: &mut Workspace<'_>) -> Vec<String> {
        let mut problems = Vec::new();
        let validation = workspace.checks.validate(&workspace.files);
        if !validation.fixed.is_empty() {
            let changes = FileChanges {
                write: validation.fixed.clone(),
                remove: Vec::new(),
            };
            if let Err(error) = workspace.apply(changes).await {
                problems.push(format!(
                    "the validator's autofix could not be written: {error}"
                ));
            }
        }
        self.validation = ValidationCounts {
            errors: validation.errors,
            warnings: validation.warnings,
        };
        if validation.errors > 0 {
            problems.push(format!(
                "{} JSX errors remain:\n{}",
                validation.errors, validation.report
            ));
        }
        match workspace.checks.compile_check().await {
            Ok(status) => {
                self.compiled = Some(status.compiled);
                if !status.compiled {
                    problems.push(format!(
                        "the preview does not compile ({} errors):\n{}",
                        status.error_count, status.report
                    ));
                }
            }
            Err(ProjectError::Unavailable(_)) => self.compiled = None,
            Err(error) => problems.push(format!("the compile check failed: {error}")),
        }
        problems
    }

    fn outcome(
        self,
        turn: &Turn<'_>,
        messages: Vec<Message>,
        files_changed: Vec<String>,
        ending: Ending,
    ) -> TurnOutcome {
        let ending_text = match &ending {
            Ending::Complete => "complete".to_owned(),
            Ending::Stopped => "stopped".to_owned(),
            Ending::Limit(limit) => limit.describe(),
            Ending::ModelFailed(error) => format!("with a model error: {error}"),
            Ending::ProjectFailed(error) => format!("with a project error: {error}"),
        };
        TurnOutcome {
            record: TurnRecord {
                message: turn.message.to_owned(),
                messages: without_images(&messages),
                answer: self.answer,
                files_changed: files_changed.clone(),
                ending: ending_text,
            },
            ending,
            files_changed,
            validation: self.validation,
            compiled: self.compiled,
            left: self.left,
            tool_calls: self.tool_calls,
            usage: self.usage,
        }
    }
}

impl StopSignal {
    fn is_set(&self) -> bool {
        *self.0.borrow()
    }
}

fn assistant_note(text: &str) -> Message {
    Message {
        role: Role::Assistant,
        content: vec![ContentPart::Text {
            text: text.to_owned(),
        }],
    }
}

/// Reads the model's stream, sending text deltas as `stream` events, to its `Done`.
async fn stream_answer(
    model: &dyn LanguageModel,
    request: &LlmRequest,
    events: &mpsc::Sender<PipelineEvent>,
) -> Result<LlmResponse, LlmError> {
    let mut stream = model.stream(request);
    while let Some(event) = stream.next().await {
        match event? {
            StreamEvent::TextDelta(text) => {
                let _ = events.send(PipelineEvent::Stream { text }).await;
            }
            StreamEvent::Done(response) => return Ok(response),
            StreamEvent::ToolUseStart { .. } | StreamEvent::ToolInputDelta { .. } => {}
        }
    }
    Err(LlmError::StreamCut {
        provider: model.name(),
        reason: "the stream ended before the final message".to_owned(),
    })
}
