//! The agent's tools. Each is a small struct implementing [`Tool`]: a name, a description the
//! model reads, a typed input (serde reads it, schemars derives its JSON Schema from the same
//! struct) and `run`. A new tool is a file here plus one line in [`all_tools`].

mod checks;
mod files;

use std::collections::BTreeSet;

use replica_core::{
    BoxFuture, ImageBlock, PipelineEvent, ProjectFiles, ToolDefinition, ToolResult, ToolResultPart,
    check_project_path,
};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::mpsc;

use crate::project::{Checks, FileChanges, Project, ProjectError};

pub use checks::{CompareTool, CompileCheckTool, InstallPackageTool, ScreenshotTool, ValidateTool};
pub use files::{EditFileTool, ListFilesTool, ReadFileTool, SearchTool, WriteFileTool};

/// A tool the model may call.
pub trait Tool: Send + Sync {
    /// The arguments, a JSON object. Input structs deny unknown fields, so the schema says
    /// `additionalProperties: false` and the model hears about a misspelt argument.
    type Input: DeserializeOwned + JsonSchema;

    /// `[a-z_]+`, unique among the tools.
    fn name(&self) -> &'static str;

    /// What it does and when to use it, for the model.
    fn description(&self) -> &'static str;

    /// Whether `stop` may drop the tool while it runs. Tools that write files say no: they
    /// are quick, and a write cut in half would leave the store and the sandbox apart.
    fn interruptible(&self) -> bool {
        true
    }

    fn run<'a, 'w: 'a>(
        &'a self,
        input: Self::Input,
        workspace: &'a mut Workspace<'w>,
    ) -> BoxFuture<'a, ToolOutput>;
}

/// A [`Tool`] behind a trait object: the loop calls tools by name with JSON arguments.
pub trait DynTool: Send + Sync {
    fn tool_name(&self) -> &'static str;

    fn definition(&self) -> ToolDefinition;

    fn can_interrupt(&self) -> bool;

    /// Whether `input` reads as this tool's input struct (the error says why not).
    fn accepts(&self, input: &Value) -> Result<(), String>;

    fn call<'a, 'w: 'a>(
        &'a self,
        input: &Value,
        workspace: &'a mut Workspace<'w>,
    ) -> BoxFuture<'a, ToolOutput>;
}

impl<T: Tool> DynTool for T {
    fn tool_name(&self) -> &'static str {
        self.name()
    }

    fn can_interrupt(&self) -> bool {
        self.interruptible()
    }

    fn accepts(&self, input: &Value) -> Result<(), String> {
        serde_json::from_value::<T::Input>(input.clone())
            .map(drop)
            .map_err(|error| error.to_string())
    }

    fn definition(&self) -> ToolDefinition {
        ToolDefinition {
            name: self.name().to_owned(),
            description: self.description().to_owned(),
            input_schema: input_schema::<T::Input>(),
        }
    }

    fn call<'a, 'w: 'a>(
        &'a self,
        input: &Value,
        workspace: &'a mut Workspace<'w>,
    ) -> BoxFuture<'a, ToolOutput> {
        match serde_json::from_value::<T::Input>(input.clone()) {
            Ok(input) => self.run(input, workspace),
            Err(error) => {
                let message = format!(
                    "the arguments do not match the input schema of {}: {error}",
                    self.name()
                );
                Box::pin(async move { ToolOutput::error(message) })
            }
        }
    }
}

/// The JSON Schema of a tool's input as providers take it: an object schema without the
/// `$schema` and `title` keys schemars adds.
pub fn input_schema<T: JsonSchema>() -> Value {
    let mut schema = schemars::schema_for!(T).to_value();
    if let Value::Object(map) = &mut schema {
        map.remove("$schema");
        map.remove("title");
        map.entry("properties")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
    schema
}

/// Every tool, in the order the model sees them.
pub fn all_tools() -> Vec<Box<dyn DynTool>> {
    vec![
        Box::new(ListFilesTool),
        Box::new(ReadFileTool),
        Box::new(WriteFileTool),
        Box::new(EditFileTool),
        Box::new(SearchTool),
        Box::new(ValidateTool),
        Box::new(CompileCheckTool),
        Box::new(ScreenshotTool),
        Box::new(CompareTool),
        Box::new(InstallPackageTool),
    ]
}

/// What a tool call produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    pub ok: bool,
    /// One line for the `tool_result` event.
    pub summary: String,
    /// What the model reads.
    pub text: String,
    pub image: Option<ImageBlock>,
}

impl ToolOutput {
    pub fn ok(summary: impl Into<String>, text: impl Into<String>) -> ToolOutput {
        ToolOutput {
            ok: true,
            summary: summary.into(),
            text: text.into(),
            image: None,
        }
    }

    /// A failure: the model reads `message` and may try again.
    pub fn error(message: impl Into<String>) -> ToolOutput {
        let message = message.into();
        ToolOutput {
            ok: false,
            summary: first_line(&message, 200),
            text: message,
            image: None,
        }
    }

    /// The result sent back for call `id`, its text cut to `max_chars`.
    pub fn to_tool_result(&self, id: &str, max_chars: usize) -> ToolResult {
        let mut content = vec![ToolResultPart::Text {
            text: bounded(&self.text, max_chars),
        }];
        content.extend(self.image.clone().map(ToolResultPart::Image));
        ToolResult {
            tool_use_id: id.to_owned(),
            content,
            is_error: !self.ok,
        }
    }
}

/// `text` cut to at most `max_chars` characters, saying how much was left out.
pub fn bounded(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_owned(),
        Some((cut, _)) => {
            let left = text[cut..].chars().count();
            format!(
                "{}\n[… {left} more characters not shown: ask for less, e.g. a line range]",
                &text[..cut]
            )
        }
    }
}

fn first_line(text: &str, max_chars: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.char_indices().nth(max_chars) {
        None => line.to_owned(),
        Some((cut, _)) => format!("{}…", &line[..cut]),
    }
}

/// What a turn's tools work on: the project's files as the turn sees them, the project and
/// checks behind them, and where file changes are announced.
pub struct Workspace<'w> {
    pub project: &'w dyn Project,
    pub checks: &'w dyn Checks,
    pub files: ProjectFiles,
    /// Paths this turn wrote or removed.
    pub changed: BTreeSet<String>,
    pub events: &'w mpsc::Sender<PipelineEvent>,
    /// Whether screenshots go to the model as images.
    pub images: bool,
}

impl std::fmt::Debug for Workspace<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("files", &self.files.len())
            .field("changed", &self.changed)
            .finish_non_exhaustive()
    }
}

impl Workspace<'_> {
    /// Writes `changes` through the project (store and sandbox), then into the turn's view,
    /// announcing each text file written.
    pub async fn apply(&mut self, changes: FileChanges) -> Result<(), ProjectError> {
        for path in changes.paths() {
            check_writable(&path)?;
        }
        self.project.apply(&changes).await?;
        for path in &changes.remove {
            self.files.files.remove(path);
            self.changed.insert(path.clone());
        }
        for (path, file) in changes.write.files {
            if let Ok(content) = std::str::from_utf8(&file.contents) {
                let _ = self
                    .events
                    .send(PipelineEvent::FileUpdated {
                        path: path.clone(),
                        content: content.to_owned(),
                    })
                    .await;
            }
            self.changed.insert(path.clone());
            self.files.files.insert(path, file);
        }
        Ok(())
    }

    /// Writes one text file through [`Workspace::apply`].
    pub async fn write_text(&mut self, path: &str, text: String) -> Result<(), ProjectError> {
        let mut write = ProjectFiles::default();
        write.insert_text(path, text);
        self.apply(FileChanges {
            write,
            remove: Vec::new(),
        })
        .await
    }

    /// A text file of the project, or the error to give the model.
    pub fn text(&self, path: &str) -> Result<&str, String> {
        check_project_path(path).map_err(|error| error.to_string())?;
        match self.files.files.get(path) {
            None => Err(format!(
                "{path} does not exist; list_files shows the project's files"
            )),
            Some(file) => std::str::from_utf8(&file.contents)
                .map_err(|_| format!("{path} is a binary file ({} bytes)", file.contents.len())),
        }
    }
}

/// Paths a tool may write: project paths outside what tools and the dev server own.
pub fn check_writable(path: &str) -> Result<(), ProjectError> {
    check_project_path(path).map_err(|error| {
        tracing::warn!("agent: refused the path {path:?}: {error}");
        ProjectError::Refused(error.to_string())
    })?;
    let first = path.split('/').next().unwrap_or_default();
    if matches!(first, "node_modules" | ".next" | ".git") {
        tracing::warn!("agent: refused the path {path:?} (under {first}/)");
        return Err(ProjectError::Refused(format!(
            "{path} is under {first}/, which the project's tools manage; it cannot be written"
        )));
    }
    Ok(())
}

/// The tool definitions offered to the model, in a stable order (providers cache them).
pub fn definitions(tools: &[Box<dyn DynTool>]) -> Vec<ToolDefinition> {
    tools.iter().map(|tool| tool.definition()).collect()
}
