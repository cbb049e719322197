//! Prompt to app (DESIGN.md §9): a project made from a description, starting from the Next.js
//! template, built by the agent in build mode until it compiles, reported like a clone.

use std::sync::Arc;
use std::time::Instant;

use replica_agent::{Mode, Project};
use replica_core::{Lang, PipelineEvent, ProjectFiles, ValidationCounts};
use replica_sandbox_pool::TEMPLATE_FILES;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::project::ProjectRef;
use crate::run::elapsed_ms;
use crate::session_turn::agent_error;
use crate::sessions::{SessionError, Sessions};
use crate::{CloneId, CloneStatus};

/// A prompt project being built: its events (from `clone_created` to `done` or `error`) and
/// its outcome.
#[derive(Debug)]
pub struct PromptRun {
    pub clone_id: CloneId,
    pub session_id: String,
    pub events: mpsc::Receiver<PipelineEvent>,
    pub task: JoinHandle<PromptOutcome>,
}

/// What a prompt project ended with.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptOutcome {
    pub clone_id: CloneId,
    pub files: ProjectFiles,
    pub validation: ValidationCounts,
    pub compiled: bool,
    pub preview_url: Option<String>,
    /// Why it failed, when it did (the files written so far are kept).
    pub error: Option<String>,
    pub time_ms: u64,
}

/// The template's files as a project's starting point in `lang` (its lock file and the
/// `next-env.d.ts` Next.js writes left out, as a clone's: `npm install` resolves the pinned
/// versions). The template is TypeScript; in JavaScript its root layout and page become `.jsx`
/// (the types dropped) and tsconfig.json becomes jsconfig.json.
pub fn template_project(lang: Lang) -> ProjectFiles {
    let mut files = ProjectFiles::default();
    for (path, text) in TEMPLATE_FILES {
        if !matches!(*path, "package-lock.json" | "next-env.d.ts") {
            files.insert_text(*path, *text);
        }
    }
    if lang == Lang::JavaScript {
        files.files.remove("tsconfig.json");
        files.insert_text("jsconfig.json", replica_assembler::jsconfig());
        for module in ["app/layout", "app/page"] {
            if let Some(file) = files.files.remove(&format!("{module}.tsx")) {
                let text = String::from_utf8_lossy(&file.contents)
                    .replace("import type { Metadata } from \"next\";\n", "")
                    .replace("export const metadata: Metadata", "export const metadata")
                    .replace(
                        "RootLayout({\n  children,\n}: Readonly<{\n  children: React.ReactNode;\n}>)",
                        "RootLayout({ children })",
                    );
                files.insert_text(format!("{module}.jsx"), text);
            }
        }
    }
    files
}

impl Sessions {
    /// Creates a project from `prompt` and builds it in the background. Fails at once, before
    /// anything is stored, without a model or with a bad prompt.
    pub fn start_prompt_project(
        self: &Arc<Self>,
        prompt: &str,
        lang: Lang,
    ) -> Result<PromptRun, SessionError> {
        self.check_message(prompt)?;
        let model = self.model()?;
        let store = &self.deps.project.store;
        let clone_id = store.create_prompt(prompt)?;
        store.save_files(&clone_id, &template_project(lang))?;
        let target = ProjectRef::Clone(clone_id.clone());
        let info = self.create(&target, Mode::Build)?;
        let project = self.open_project(&target)?;
        let claim = self.claim(&target, &info.session_id)?;
        let mut session = self.load(&info.session_id)?;
        let (client, events) = Sessions::channel();
        let sessions = Arc::clone(self);
        let prompt = prompt.to_owned();
        let id = clone_id.clone();
        let task = tokio::spawn(async move {
            let started = Instant::now();
            let stop = claim.stop_signal();
            let created = PipelineEvent::CloneCreated {
                clone_id: id.to_string(),
                url: String::new(),
            };
            let _ = client.send(created).await;
            let _ = client
                .send(PipelineEvent::Session {
                    session_id: session.info.session_id.clone(),
                    project_id: id.to_string(),
                })
                .await;
            let preview = sessions.start_preview(&project, &client).await;
            let outcome = sessions
                .turn_task(
                    &mut session,
                    &project,
                    model.as_ref(),
                    &prompt,
                    &client,
                    stop,
                )
                .await;
            drop(claim);
            sessions
                .finish_prompt_project(&id, &project, outcome, preview, &client, started)
                .await
        });
        Ok(PromptRun {
            clone_id,
            session_id: info.session_id,
            events,
            task,
        })
    }

    /// Starts the project's sandbox (`deployed`), or says why there is none (`warning`).
    async fn start_preview(
        &self,
        project: &crate::LiveProject,
        client: &mpsc::Sender<PipelineEvent>,
    ) -> Option<String> {
        let step = PipelineEvent::Step {
            step: "sandbox".into(),
            message: "starting a Next.js sandbox for the project".into(),
            page: None,
        };
        let _ = client.send(step).await;
        match project.start_preview().await {
            Ok((preview_url, sandbox_id)) => {
                let _ = client
                    .send(PipelineEvent::Deployed {
                        preview_url: preview_url.clone(),
                        sandbox_id,
                    })
                    .await;
                Some(preview_url)
            }
            Err(error) => {
                let message = format!("no preview: {error}");
                let _ = client
                    .send(PipelineEvent::Warning {
                        message,
                        page: None,
                    })
                    .await;
                None
            }
        }
    }

    /// The record's final state and the last events: validation, compile result, `done`.
    async fn finish_prompt_project(
        &self,
        id: &CloneId,
        project: &crate::LiveProject,
        outcome: Option<replica_agent::TurnOutcome>,
        preview_url: Option<String>,
        client: &mpsc::Sender<PipelineEvent>,
        started: Instant,
    ) -> PromptOutcome {
        let files = project.files().await.unwrap_or_default();
        let (validation, compiled, error) = match &outcome {
            Some(outcome) => {
                let error = match outcome.terminal_event() {
                    PipelineEvent::Error { message, .. } => Some(message),
                    _ => None,
                };
                (outcome.validation, outcome.compiled == Some(true), error)
            }
            None => (
                ValidationCounts::default(),
                false,
                Some("the build could not start".to_owned()),
            ),
        };
        let validation_event = if validation.errors == 0 {
            PipelineEvent::ValidationPassed
        } else {
            PipelineEvent::ValidationFailed {
                error_count: validation.errors,
                report: format!("{} JSX errors remain", validation.errors),
            }
        };
        let _ = client.send(validation_event).await;
        if compiled {
            let _ = client.send(PipelineEvent::Compiled).await;
        }
        let time_ms = elapsed_ms(started);
        let status = if error.is_some() {
            CloneStatus::Failed
        } else {
            CloneStatus::Done
        };
        let sandbox_id = project.sandbox_id().await;
        let _ = self.deps.project.store.update(id, |record| {
            record.status = status;
            record.compiled = compiled;
            record.preview_url.clone_from(&preview_url);
            record.sandbox_id.clone_from(&sandbox_id);
            record.timings.total = time_ms;
            record
                .errors
                .extend(error.iter().map(|e| format!("agent: {e}")));
        });
        if error.is_none() {
            let done = PipelineEvent::Done {
                preview_url: preview_url.clone(),
                sandbox_id,
                clone_id: id.to_string(),
                files: files.len(),
                time: time_ms as f64 / 1000.0,
                similarity: None,
                pages: Vec::new(),
            };
            let _ = client.send(done).await;
        } else if outcome.is_none() {
            let message = error.clone().unwrap_or_default();
            let _ = client.send(agent_error(message, "store")).await;
        }
        PromptOutcome {
            clone_id: id.clone(),
            files,
            validation,
            compiled,
            preview_url,
            error,
            time_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_project_is_valid_in_either_language() {
        for (lang, config, extension) in [
            (Lang::TypeScript, "tsconfig.json", "tsx"),
            (Lang::JavaScript, "jsconfig.json", "jsx"),
        ] {
            let files = template_project(lang);
            let report = replica_jsx_validator::validate(&files);
            assert!(report.valid, "{lang:?}: {:?}", report.errors);
            let modules: Vec<&str> = files
                .paths()
                .filter(|path| path.starts_with("app/") && !path.ends_with(".css"))
                .collect();
            assert_eq!(
                modules,
                [
                    format!("app/layout.{extension}"),
                    format!("app/page.{extension}")
                ],
                "{lang:?}"
            );
            assert!(files.files.contains_key(config), "{lang:?}");
            for left_out in ["package-lock.json", "next-env.d.ts"] {
                assert!(!files.files.contains_key(left_out), "{lang:?}: {left_out}");
            }
        }
        let layout = template_project(Lang::JavaScript);
        let layout = layout.text("app/layout.jsx").unwrap();
        for typed in ["Metadata", "React.ReactNode", "Readonly"] {
            assert!(!layout.contains(typed), "{layout}");
        }
    }
}
