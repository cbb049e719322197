//! Progress events of a clone and of an agent turn (DESIGN.md §4): JSON objects with a
//! `type`, streamed as SSE frames (and WebSocket messages) by the server and shown as progress
//! by the CLI.

use serde::{Deserialize, Serialize};

/// Similarity of clone and original, 0.0..=1.0 (DESIGN.md §8).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct SimilarityScores {
    pub desktop: f64,
    pub mobile: f64,
}

/// Milliseconds per stage (`timings_ms` in the CLI's JSON), and where the wall time went.
/// Fields missing from a record written before they existed read as 0.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StepTimings {
    pub scrape: u64,
    pub design: u64,
    pub plan: u64,
    pub generate: u64,
    pub assemble: u64,
    pub validate: u64,
    pub deploy: u64,
    pub compile: u64,
    /// The preview loaded in the browser and compared with the original, after compiling.
    pub inspect: u64,
    /// How long the clone waited for its sandbox after the scrape was done (the two run at
    /// the same time, so a sandbox ready first costs 0).
    pub sandbox_wait: u64,
    /// From the start of the clone to the `compiled` event, wall time; 0 when it never compiled.
    pub to_compiled: u64,
    pub total: u64,
}

/// A page a whole-site clone takes: its path on the original and its URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveredPage {
    pub path: String,
    pub url: String,
}

/// A page of a finished whole-site clone: its path on the original, its route in the clone
/// and how close that route is to the page (`None` when it could not be measured).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageResult {
    pub path: String,
    pub route: String,
    pub similarity: Option<SimilarityScores>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PipelineEvent {
    CloneCreated {
        clone_id: String,
        url: String,
    },
    Step {
        step: String,
        message: String,
        /// The page of a whole-site clone this event is about (its path on the original).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<String>,
    },
    ScrapeDone {
        title: String,
        sections: usize,
        images: usize,
        page_height: f64,
        /// The page of a whole-site clone this event is about (its path on the original).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<String>,
    },
    DesignExtracted {
        fallback: bool,
        primary_color: Option<String>,
        body_font: Option<String>,
        /// The page of a whole-site clone this event is about (its path on the original).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<String>,
    },
    Planned {
        section_count: usize,
        sections: Vec<PlannedSectionSummary>,
        /// The page of a whole-site clone this event is about (its path on the original).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<String>,
    },
    SectionDone {
        section: String,
        success: bool,
        remaining: usize,
        /// The page of a whole-site clone this event is about (its path on the original).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<String>,
    },
    SectionFailed {
        section: String,
        error: String,
        /// The page of a whole-site clone this event is about (its path on the original).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<String>,
    },
    File {
        path: String,
        content: String,
        language: String,
    },
    GenerationComplete {
        time: f64,
        successful: usize,
        failed: usize,
        /// The page of a whole-site clone this event is about (its path on the original).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<String>,
    },
    ReviewFixed {
        files_changed: Vec<String>,
    },
    ReviewClean,
    ValidationFailed {
        error_count: usize,
        report: String,
    },
    ValidationPassed,
    FileUpdated {
        path: String,
        content: String,
    },
    Deployed {
        preview_url: String,
        sandbox_id: String,
    },
    CompileErrors {
        attempt: u32,
        error_count: usize,
        report: String,
    },
    Compiled,
    Iteration {
        n: u32,
        similarity: SimilarityScores,
    },
    /// The clone waits for a free slot; `position` 1 starts next.
    Queued {
        position: usize,
    },
    Warning {
        message: String,
        /// The page of a whole-site clone this event is about (its path on the original).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<String>,
    },
    Error {
        message: String,
        stage: String,
        /// A machine-readable reason where a client may act on it (agent turns: `provider`,
        /// `tool_call_limit`, `time_limit`, `token_limit`, `no_model`, `bad_message`, ...).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
    },
    Done {
        preview_url: Option<String>,
        sandbox_id: Option<String>,
        clone_id: String,
        files: usize,
        time: f64,
        similarity: Option<SimilarityScores>,
        /// A whole-site clone's pages (`similarity` is their mean).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        pages: Vec<PageResult>,
    },
    /// The pages a whole-site clone takes, start page first.
    PagesDiscovered {
        pages: Vec<DiscoveredPage>,
        /// Links left out because of the page cap.
        #[serde(default)]
        skipped: usize,
    },
    /// An agent session is open (DESIGN.md §9): new, or resumed.
    Session {
        session_id: String,
        project_id: String,
    },
    /// Text of the model's answer as it arrives.
    Stream {
        text: String,
    },
    /// The agent runs a tool; `id` is the call's id, which its `tool_result` repeats.
    ToolStart {
        id: String,
        tool: String,
        input: serde_json::Value,
    },
    ToolResult {
        id: String,
        tool: String,
        ok: bool,
        /// One line saying what the tool did or why it failed.
        summary: String,
    },
    /// The checkpoint taken before the turn that just ended (undo goes back to it) and the
    /// files that turn changed.
    Checkpoint {
        id: String,
        turn: u32,
        files_changed: Vec<String>,
    },
    /// The end of an agent turn that ran to its end or was stopped.
    Complete {
        files_changed: Vec<String>,
        validation: ValidationCounts,
        /// Whether the preview compiled after the turn; `None` when it was not checked (no
        /// file changed, or no preview).
        compiled: Option<bool>,
        /// What the final checks left unfixed, one line each.
        left: Vec<String>,
        /// `true` when `stop` ended the turn early.
        stopped: bool,
        /// The model's last answer.
        text: String,
    },
}

/// Errors and warnings of a JSX validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ValidationCounts {
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedSectionSummary {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl PipelineEvent {
    /// The event as one SSE frame: `data: {...}\n\n`.
    pub fn to_sse_frame(&self) -> String {
        // Serializing these plain structs cannot fail: no maps with non-string keys.
        let json = serde_json::to_string(self).unwrap_or_else(|e| {
            format!(
                r#"{{"type":"error","message":"event serialization failed: {e}","stage":"events"}}"#
            )
        });
        format!("data: {json}\n\n")
    }

    /// The event as one SSE frame with its id (`id: N\ndata: {...}\n\n`), so a client that
    /// reconnects can resume after it with `Last-Event-ID`.
    pub fn to_sse_frame_with_id(&self, id: u64) -> String {
        format!("id: {id}\n{}", self.to_sse_frame())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_with_snake_case_type() {
        let event = PipelineEvent::Step {
            step: "scrape".into(),
            message: "loading".into(),
            page: None,
        };
        assert_eq!(
            event.to_sse_frame(),
            "data: {\"type\":\"step\",\"step\":\"scrape\",\"message\":\"loading\"}\n\n"
        );
        let clean = serde_json::to_string(&PipelineEvent::ReviewClean).unwrap();
        assert_eq!(clean, r#"{"type":"review_clean"}"#);
    }
}
