//! Tools over the project's files: list, read, write, edit (exact replace), search.

use std::fmt::Write as _;

use regex::RegexBuilder;
use replica_core::BoxFuture;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{Tool, ToolOutput, Workspace};

/// Lines of a file shown when no range is asked for.
const DEFAULT_READ_LINES: usize = 400;

/// Matches `search` reports at most.
const DEFAULT_SEARCH_RESULTS: usize = 50;

#[derive(Debug)]
pub struct ListFilesTool;

/// Arguments of list_files.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListFilesInput {
    /// Only paths starting with this (a folder such as `components/`); all files when absent.
    #[serde(default)]
    pub prefix: Option<String>,
}

impl Tool for ListFilesTool {
    type Input = ListFilesInput;

    fn name(&self) -> &'static str {
        "list_files"
    }

    fn description(&self) -> &'static str {
        "List the project's files with their sizes in bytes, optionally only those under a \
         folder (prefix). Start here to find the component to change."
    }

    fn run<'a, 'w: 'a>(
        &'a self,
        input: ListFilesInput,
        workspace: &'a mut Workspace<'w>,
    ) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let prefix = input.prefix.unwrap_or_default();
            let mut text = String::new();
            let mut count = 0;
            for (path, file) in &workspace.files.files {
                if path.starts_with(&prefix) {
                    count += 1;
                    let _ = writeln!(text, "{path} ({} bytes)", file.contents.len());
                }
            }
            if count == 0 {
                text = format!("no files under {prefix:?}");
            }
            ToolOutput::ok(format!("{count} files"), text)
        })
    }
}

#[derive(Debug)]
pub struct ReadFileTool;

/// Arguments of read_file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadFileInput {
    /// Project path, e.g. `app/page.jsx`.
    pub path: String,
    /// First line to show (1-based, default 1).
    #[serde(default)]
    pub start_line: Option<u32>,
    /// Last line to show (inclusive; default start + 399).
    #[serde(default)]
    pub end_line: Option<u32>,
}

impl Tool for ReadFileTool {
    type Input = ReadFileInput;

    fn name(&self) -> &'static str {
        "read_file"
    }

    fn description(&self) -> &'static str {
        "Read a text file of the project, each line prefixed with its number (`12| ...`). Long \
         files: ask for a line range with start_line and end_line."
    }

    fn run<'a, 'w: 'a>(
        &'a self,
        input: ReadFileInput,
        workspace: &'a mut Workspace<'w>,
    ) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let text = match workspace.text(&input.path) {
                Ok(text) => text,
                Err(message) => return ToolOutput::error(message),
            };
            let lines: Vec<&str> = text.lines().collect();
            let start = input.start_line.unwrap_or(1).max(1) as usize;
            let end = input
                .end_line
                .map_or(start + DEFAULT_READ_LINES - 1, |end| end as usize)
                .min(lines.len());
            if start > lines.len().max(1) || end < start && !lines.is_empty() {
                return ToolOutput::error(format!(
                    "{} has {} lines; lines {start}-{end} do not exist",
                    input.path,
                    lines.len()
                ));
            }
            let mut shown = String::new();
            for (number, line) in lines.iter().enumerate().take(end).skip(start - 1) {
                let _ = writeln!(shown, "{:>4}| {line}", number + 1);
            }
            if end < lines.len() {
                let _ = writeln!(
                    shown,
                    "[lines {}-{} of {} not shown]",
                    end + 1,
                    lines.len(),
                    lines.len()
                );
            }
            ToolOutput::ok(
                format!("{} lines {start}-{end} of {}", input.path, lines.len()),
                shown,
            )
        })
    }
}

#[derive(Debug)]
pub struct WriteFileTool;

/// Arguments of write_file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WriteFileInput {
    /// Project path, e.g. `components/Pricing.jsx`.
    pub path: String,
    /// The whole new content of the file.
    pub content: String,
}

impl Tool for WriteFileTool {
    type Input = WriteFileInput;

    fn name(&self) -> &'static str {
        "write_file"
    }

    fn interruptible(&self) -> bool {
        false
    }

    fn description(&self) -> &'static str {
        "Create a file or replace a file's whole content. For a change inside an existing file \
         prefer edit_file. The running preview reloads the file."
    }

    fn run<'a, 'w: 'a>(
        &'a self,
        input: WriteFileInput,
        workspace: &'a mut Workspace<'w>,
    ) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let existed = workspace.files.files.contains_key(&input.path);
            let lines = input.content.lines().count();
            match workspace.write_text(&input.path, input.content).await {
                Ok(()) => {
                    let verb = if existed { "replaced" } else { "created" };
                    let summary = format!("{verb} {} ({lines} lines)", input.path);
                    ToolOutput::ok(summary.clone(), summary)
                }
                Err(error) => ToolOutput::error(format!("{} was not written: {error}", input.path)),
            }
        })
    }
}

#[derive(Debug)]
pub struct EditFileTool;

/// Arguments of edit_file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EditFileInput {
    /// Project path of an existing text file.
    pub path: String,
    /// The exact text to replace; it must occur exactly once in the file (include enough
    /// surrounding lines to make it unique).
    pub old: String,
    /// The text that replaces it.
    pub new: String,
}

impl Tool for EditFileTool {
    type Input = EditFileInput;

    fn name(&self) -> &'static str {
        "edit_file"
    }

    fn interruptible(&self) -> bool {
        false
    }

    fn description(&self) -> &'static str {
        "Replace one exact piece of text in a file: `old` must match the file's text exactly \
         once (whitespace included, without read_file's line numbers). Fails without changing \
         anything when it matches zero or several times."
    }

    fn run<'a, 'w: 'a>(
        &'a self,
        input: EditFileInput,
        workspace: &'a mut Workspace<'w>,
    ) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let text = match workspace.text(&input.path) {
                Ok(text) => text,
                Err(message) => return ToolOutput::error(message),
            };
            if input.old.is_empty() {
                return ToolOutput::error("`old` is empty; give the exact text to replace");
            }
            let starts: Vec<usize> = text.match_indices(&input.old).map(|(at, _)| at).collect();
            let line_of = |at: usize| text[..at].matches('\n').count() + 1;
            let edited = match starts[..] {
                [] => {
                    return ToolOutput::error(format!(
                        "`old` does not occur in {}; read the file again and copy the text \
                         exactly (without the line-number prefix)",
                        input.path
                    ));
                }
                [at] => format!(
                    "{}{}{}",
                    &text[..at],
                    input.new,
                    &text[at + input.old.len()..]
                ),
                _ => {
                    let lines: Vec<String> =
                        starts.iter().map(|&at| line_of(at).to_string()).collect();
                    return ToolOutput::error(format!(
                        "`old` occurs {} times in {} (lines {}); include more surrounding text \
                         so it matches once",
                        starts.len(),
                        input.path,
                        lines.join(", ")
                    ));
                }
            };
            let line = line_of(starts[0]);
            match workspace.write_text(&input.path, edited).await {
                Ok(()) => {
                    let summary = format!("edited {} at line {line}", input.path);
                    ToolOutput::ok(summary.clone(), summary)
                }
                Err(error) => ToolOutput::error(format!("{} was not edited: {error}", input.path)),
            }
        })
    }
}

#[derive(Debug)]
pub struct SearchTool;

/// Arguments of search.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchInput {
    /// A regular expression (Rust regex syntax), matched line by line.
    pub pattern: String,
    /// Only files whose path starts with this.
    #[serde(default)]
    pub path_prefix: Option<String>,
    /// Match regardless of case.
    #[serde(default)]
    pub ignore_case: bool,
    /// At most this many matching lines (default 50).
    #[serde(default)]
    pub max_results: Option<u32>,
}

impl Tool for SearchTool {
    type Input = SearchInput;

    fn name(&self) -> &'static str {
        "search"
    }

    fn description(&self) -> &'static str {
        "Search the project's text files for a regular expression; answers `path:line: text` \
         per matching line. Use it to find where a class, a text or a component is."
    }

    fn run<'a, 'w: 'a>(
        &'a self,
        input: SearchInput,
        workspace: &'a mut Workspace<'w>,
    ) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let regex = match RegexBuilder::new(&input.pattern)
                .case_insensitive(input.ignore_case)
                .size_limit(1 << 20)
                .build()
            {
                Ok(regex) => regex,
                Err(error) => {
                    return ToolOutput::error(format!("the pattern is not a valid regex: {error}"));
                }
            };
            let prefix = input.path_prefix.unwrap_or_default();
            let limit = input
                .max_results
                .map_or(DEFAULT_SEARCH_RESULTS, |n| n as usize)
                .max(1);
            let mut text = String::new();
            let mut matches = 0;
            for (path, file) in &workspace.files.files {
                let Ok(content) = std::str::from_utf8(&file.contents) else {
                    continue;
                };
                if !path.starts_with(&prefix) {
                    continue;
                }
                for (number, line) in content.lines().enumerate() {
                    if regex.is_match(line) {
                        matches += 1;
                        if matches <= limit {
                            let line = super::first_line(line.trim(), 200);
                            let _ = writeln!(text, "{path}:{}: {line}", number + 1);
                        }
                    }
                }
            }
            if matches > limit {
                let _ = writeln!(text, "[{} more matches not shown]", matches - limit);
            }
            if matches == 0 {
                text = format!("no line matches {:?}", input.pattern);
            }
            ToolOutput::ok(format!("{matches} matches"), text)
        })
    }
}
