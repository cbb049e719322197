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

/// Which language the project is written in, from its root layout (or its config when the
/// layout is missing), so the model writes new files in the same one.
fn language_note(files: &ProjectFiles) -> Option<&'static str> {
    let has = |path: &str| files.files.contains_key(path);
    let typescript = if ["app/layout.tsx", "app/layout.ts"].iter().any(|p| has(p)) {
        true
    } else if ["app/layout.jsx", "app/layout.js"].iter().any(|p| has(p)) {
        false
    } else if has("tsconfig.json") {
        true
    } else if has("jsconfig.json") {
        false
    } else {
        return None;
    };
    Some(if typescript {
        "Language: TypeScript. New components are `.tsx` files with typed props; `tsc` is strict."
    } else {
        "Language: JavaScript. New components are `.jsx` files."
    })
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
    if let Some(language) = language_note(files) {
        let _ = writeln!(project, "{language}");
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

#[cfg(test)]
mod tests {
    use super::*;

    fn files(paths: &[&str]) -> ProjectFiles {
        let mut files = ProjectFiles::default();
        for path in paths {
            files.insert_text(*path, "x");
        }
        files
    }

    #[test]
    fn the_project_block_names_the_language_of_the_root_layout() {
        let block = |paths: &[&str]| {
            let blocks = system_prompt(Mode::Edit, &ProjectKind::Prompt, "", &files(paths));
            blocks[1].text.clone()
        };
        assert!(block(&["app/layout.tsx", "jsconfig.json"]).contains("Language: TypeScript"));
        assert!(block(&["app/layout.jsx", "tsconfig.json"]).contains("Language: JavaScript"));
        assert!(block(&["tsconfig.json"]).contains("Language: TypeScript"));
        assert!(!block(&["package.json"]).contains("Language:"));
    }
}
