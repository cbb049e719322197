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
        self.files.insert(
            path.into(),
            ProjectFile {
                contents: text.into().into_bytes(),
            },
        );
    }

    pub fn insert_bytes(&mut self, path: impl Into<String>, bytes: Vec<u8>) {
        self.files
            .insert(path.into(), ProjectFile { contents: bytes });
    }

    /// The file as text, `None` when it is missing or not UTF-8.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.files
            .get(path)
            .and_then(|file| std::str::from_utf8(&file.contents).ok())
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

/// The language of a project's source files (DESIGN.md §5 `--lang`): TypeScript by default,
/// like create-next-app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "ts")]
    TypeScript,
    #[serde(rename = "js")]
    JavaScript,
}

impl Lang {
    /// `ts` or `js`, as the CLI and the API spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::TypeScript => "ts",
            Lang::JavaScript => "js",
        }
    }

    /// The extension of files holding JSX: `tsx` or `jsx`.
    pub fn jsx_extension(self) -> &'static str {
        match self {
            Lang::TypeScript => "tsx",
            Lang::JavaScript => "jsx",
        }
    }

    /// The language of a source file by its extension, `None` for other files.
    pub fn of_path(path: &str) -> Option<Lang> {
        match path.rsplit_once('.').map(|(_, extension)| extension) {
            Some("ts" | "tsx" | "mts" | "cts") => Some(Lang::TypeScript),
            Some("js" | "jsx" | "mjs" | "cjs") => Some(Lang::JavaScript),
            _ => None,
        }
    }
}

impl std::str::FromStr for Lang {
    type Err = String;

    fn from_str(text: &str) -> Result<Lang, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "ts" | "typescript" => Ok(Lang::TypeScript),
            "js" | "javascript" => Ok(Lang::JavaScript),
            other => Err(format!(
                "unknown language {other:?}: expected ts (TypeScript) or js (JavaScript)"
            )),
        }
    }
}

/// Why a path cannot name a file inside a project.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid project path {path:?}: {reason}")]
pub struct ProjectPathError {
    pub path: String,
    pub reason: &'static str,
}

/// Checks that `path` names a file inside a project: relative, `/`-separated, no `..`, no
/// empty or `.` components, no NUL or backslash. Symlinks are the caller's to check on disk.
pub fn check_project_path(path: &str) -> Result<(), ProjectPathError> {
    let fail = |reason| {
        Err(ProjectPathError {
            path: path.to_string(),
            reason,
        })
    };
    if path.is_empty() {
        return fail("it is empty");
    }
    if path.contains('\0') {
        return fail("it contains a NUL byte");
    }
    if path.contains('\\') {
        return fail("it contains a backslash (use / as the separator)");
    }
    if path.starts_with('/') || path.as_bytes().get(1) == Some(&b':') {
        return fail("it is absolute");
    }
    for component in path.split('/') {
        match component {
            "" => return fail("it has an empty component"),
            "." => return fail("it has a '.' component"),
            ".." => return fail("it leaves the project with '..'"),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages() {
        assert_eq!(Lang::default(), Lang::TypeScript);
        assert_eq!("js".parse::<Lang>(), Ok(Lang::JavaScript));
        assert_eq!("TypeScript".parse::<Lang>(), Ok(Lang::TypeScript));
        assert!("rust".parse::<Lang>().is_err());
        assert_eq!(Lang::of_path("components/Hero.tsx"), Some(Lang::TypeScript));
        assert_eq!(Lang::of_path("app/layout.jsx"), Some(Lang::JavaScript));
        assert_eq!(Lang::of_path("app/globals.css"), None);
        assert_eq!(serde_json::to_string(&Lang::JavaScript).unwrap(), "\"js\"");
    }

    #[test]
    fn project_paths_stay_inside() {
        for ok in [
            "app/page.jsx",
            "public/a b.png",
            "components/Hero.jsx",
            "x..y/z",
        ] {
            assert_eq!(check_project_path(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "./a",
            "a\\b",
            "a\0b",
            "C:/x",
            "a/",
        ] {
            assert!(
                check_project_path(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
    }
}
