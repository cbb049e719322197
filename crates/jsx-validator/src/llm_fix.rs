//! What autofix cannot repair goes to a language model: the report and the failing files in,
//! a JSON object `{path: content}` out, validated again.

use std::collections::BTreeSet;

use replica_core::{
    LanguageModel, LlmError, LlmRequest, Message, ProjectFiles, SystemBlock, TEMPLATE_PACKAGES,
    check_project_path,
};

use crate::{Report, format_report, validate};

/// Room for several whole component files in one answer.
const MAX_ANSWER_TOKENS: u32 = 16_000;

const SYSTEM_PROMPT: &str = "You fix files of a generated Next.js 14 project (App Router, \
JavaScript with JSX, no TypeScript). You get a validator's report and the files it found errors \
in. Fix every error without changing what the page looks like. Answer with exactly one JSON \
object and nothing else: each key is a project path you change or create, each value the \
file's complete new content. Never shorten a file or leave placeholder comments.";

/// Why [`fix_targeted`] could not use the model's answer.
#[derive(Debug, thiserror::Error)]
pub enum JsxValidatorError {
    #[error("the language model failed: {0}")]
    Llm(#[from] LlmError),
    #[error("the language model's answer was cut off at {max_tokens} tokens")]
    Truncated { max_tokens: u32 },
    #[error(
        "the language model's answer has no JSON object of {{path: content}}; it began: {start:?}"
    )]
    NoJsonObject { start: String },
    #[error("the language model's answer writes {path:?}, which it may not: {reason}")]
    ForbiddenPath { path: String, reason: String },
    #[error("the language model's answer gives {path:?} a JSON {found} instead of the file's text")]
    NotText { path: String, found: &'static str },
}

/// What [`fix_targeted`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixOutcome {
    pub files: ProjectFiles,
    /// Paths the model wrote, sorted.
    pub changed: Vec<String>,
    /// The project validated again.
    pub report: Report,
}

/// Asks `model` to fix the errors of `report` in `files`. A clean report costs no call.
pub async fn fix_targeted(
    model: &dyn LanguageModel,
    files: &ProjectFiles,
    report: &Report,
) -> Result<FixOutcome, JsxValidatorError> {
    if report.valid {
        return Ok(FixOutcome {
            files: files.clone(),
            changed: Vec::new(),
            report: report.clone(),
        });
    }
    let request = LlmRequest {
        system: vec![SystemBlock {
            text: SYSTEM_PROMPT.to_string(),
            cache: true,
        }],
        messages: vec![Message::user_text(fix_prompt(files, report))],
        max_tokens: MAX_ANSWER_TOKENS,
        temperature: Some(0.0),
        tools: Vec::new(),
    };
    let response = model.complete(&request).await?;
    if response.is_truncated() {
        return Err(JsxValidatorError::Truncated {
            max_tokens: MAX_ANSWER_TOKENS,
        });
    }
    let answer = first_json_map(&response.text).ok_or_else(|| JsxValidatorError::NoJsonObject {
        start: response.text.chars().take(120).collect(),
    })?;
    let mut fixed = files.clone();
    let mut changed = BTreeSet::new();
    for (path, content) in answer {
        check_writable(&path)?;
        let serde_json::Value::String(content) = content else {
            return Err(JsxValidatorError::NotText {
                path,
                found: json_kind(&content),
            });
        };
        if fixed.text(&path) != Some(content.as_str()) {
            fixed.insert_text(path.clone(), content);
            changed.insert(path);
        }
    }
    let report = validate(&fixed);
    Ok(FixOutcome {
        files: fixed,
        changed: changed.into_iter().collect(),
        report,
    })
}

/// The report, the files with errors in full, the other paths, and the packages there are.
pub fn fix_prompt(files: &ProjectFiles, report: &Report) -> String {
    let mut prompt = String::from("Validator report:\n");
    prompt.push_str(&format_report(report));
    prompt.push_str("\nFiles with errors:\n");
    for path in report.files_with_errors() {
        match files.text(path) {
            Some(text) => prompt.push_str(&format!(
                "\n=== {path} ===\n{text}\n=== end of {path} ===\n"
            )),
            None => prompt.push_str(&format!("\n=== {path} === (does not exist yet)\n")),
        }
    }
    prompt.push_str("\nOther files of the project:\n");
    let failing = report.files_with_errors();
    for path in files.paths().filter(|path| !failing.contains(path)) {
        prompt.push_str(&format!("- {path}\n"));
    }
    prompt.push_str("\nnpm packages installed (import nothing else): ");
    let packages: Vec<&str> = TEMPLATE_PACKAGES.iter().map(|(name, _)| *name).collect();
    prompt.push_str(&packages.join(", "));
    prompt.push_str(
        "\n\nAnswer with one JSON object {\"path\": \"complete new content\", ...} for the files \
         you change.\n",
    );
    prompt
}

/// A model may write source and style files inside the project, nothing else.
fn check_writable(path: &str) -> Result<(), JsxValidatorError> {
    if let Err(error) = check_project_path(path) {
        return Err(JsxValidatorError::ForbiddenPath {
            path: path.to_string(),
            reason: error.reason.to_string(),
        });
    }
    let allowed = [".js", ".jsx", ".mjs", ".ts", ".tsx", ".css"];
    if !allowed.iter().any(|extension| path.ends_with(extension)) {
        return Err(JsxValidatorError::ForbiddenPath {
            path: path.to_string(),
            reason: "only .js, .jsx, .mjs, .ts, .tsx and .css files may be written".to_string(),
        });
    }
    if path.starts_with("node_modules/") || path.starts_with(".next/") {
        return Err(JsxValidatorError::ForbiddenPath {
            path: path.to_string(),
            reason: "it is not part of the project's source".to_string(),
        });
    }
    Ok(())
}

/// The first `{...}` in `text` that parses as a JSON object: models wrap answers in prose and
/// code fences.
fn first_json_map(text: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    serde_json::from_str(replica_core::first_json_object(text)?).ok()
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_json_object_is_found_in_prose_and_fences() {
        let text = "Here is the fix {not json}:\n```json\n{\"app/page.jsx\": \"export default 1;\\n\"}\n```\n{\"second\": 1}";
        let object = first_json_map(text).unwrap();
        assert_eq!(object.len(), 1);
        assert_eq!(object["app/page.jsx"], "export default 1;\n");
        assert!(first_json_map("no braces").is_none());
        assert!(first_json_map("{ broken").is_none());
    }

    #[test]
    fn only_source_files_inside_the_project_are_writable() {
        assert!(check_writable("components/Hero.jsx").is_ok());
        assert!(check_writable("app/globals.css").is_ok());
        for bad in [
            "../x.jsx",
            "/etc/passwd",
            "package.json",
            ".env",
            "node_modules/a/index.js",
        ] {
            assert!(check_writable(bad).is_err(), "{bad}");
        }
    }
}
