//! The system prompt: the mode's text (a file in `prompts/`, cached by providers that cache)
//! and a block about this project (what it is, its design tokens, its files).

use std::fmt::Write as _;

use replica_core::{ProjectFiles, SystemBlock};

use crate::project::ProjectKind;

const EDIT: &str = include_str!("../prompts/edit.md");
const BUILD: &str = include_str!("../prompts/build.md");

/// What the agent is asked to do with the project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Change an existing project (a clone, a directory, an earlier prompt project) as asked.
    #[default]
    Edit,
    /// Build a new app from the Next.js template to the user's description.
    Build,
}

/// Files listed in the prompt at most; list_files shows the rest.
const LISTED_FILES: usize = 200;

/// The system blocks of a turn. `notes` is what the caller knows about the project (the
/// clone's design tokens, for one).
pub fn system_prompt(
    mode: Mode,
    kind: &ProjectKind,
    notes: &str,
    files: &ProjectFiles,
) -> Vec<SystemBlock> {
    let instructions = match mode {
        Mode::Edit => EDIT,
        Mode::Build => BUILD,
    };
    let mut project = String::from("## This project\n");
    match kind {
        ProjectKind::Clone { url } => {
            let _ = writeln!(
                project,
                "A clone of {url}, made by Replica: faithful to the original's markup and CSS. \
                 `compare` measures it against the original."
            );
        }
        ProjectKind::Prompt => {
            let _ = writeln!(
                project,
                "A project made from a prompt (no original page; `compare` does not apply)."
            );
        }
        ProjectKind::Directory { path } => {
            let _ = writeln!(
                project,
                "The Next.js project in the directory {path}, edited in place."
            );
        }
    }
    if !notes.trim().is_empty() {
        let _ = writeln!(project, "\n{}", notes.trim());
    }
    let _ = writeln!(project, "\nFiles ({} in all):", files.len());
    for (path, file) in files.files.iter().take(LISTED_FILES) {
        let _ = writeln!(project, "- {path} ({} bytes)", file.contents.len());
    }
    if files.len() > LISTED_FILES {
        let _ = writeln!(project, "- … (list_files shows the rest)");
    }
    vec![
        SystemBlock {
            text: instructions.to_owned(),
            cache: true,
        },
        SystemBlock {
            text: project,
            cache: false,
        },
    ]
}
