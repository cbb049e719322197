//! A generated Next.js project as a set of files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One file of a project. Text files are UTF-8; assets keep their bytes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectFile {
    pub contents: Vec<u8>,
}

impl std::fmt::Debug for ProjectFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match std::str::from_utf8(&self.contents) {
            Ok(text) if text.len() <= 80 => write!(f, "ProjectFile({text:?})"),
            _ => write!(f, "ProjectFile({} bytes)", self.contents.len()),
        }
    }
}

/// Files keyed by their path relative to the project root, with `/` separators
/// (`app/page.jsx`, `public/assets/logo.png`). Sorted, so output is deterministic.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProjectFiles {
    pub files: BTreeMap<String, ProjectFile>,
}

impl ProjectFiles {
    pub fn insert_text(&mut self, path: impl Into<String>, text: impl Into<String>) {
        self.files.insert(path.into(), ProjectFile { contents: text.into().into_bytes() });
    }

    pub fn insert_bytes(&mut self, path: impl Into<String>, bytes: Vec<u8>) {
        self.files.insert(path.into(), ProjectFile { contents: bytes });
    }

    /// The file as text, `None` when it is missing or not UTF-8.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.files.get(path).and_then(|file| std::str::from_utf8(&file.contents).ok())
    }

    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
