//! The Next.js template every sandbox starts from, and its one-time install into the cache.
//!
//! The files live in `template/` beside this crate and are compiled in, so the binary needs
//! no source tree. `node_modules` is installed once with `npm ci` under
//! `REPLICA_CACHE_DIR/templates/<hash of the template's files>/`; a changed file gets a new
//! directory, and provisioning a sandbox only links to it.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use replica_core::ProjectFiles;
use sha2::{Digest, Sha256};

use crate::SandboxPoolError;

/// The template's files, path relative to the project root and contents. TypeScript, as a
/// clone is by default: a TypeScript project keeps the warm dev server, and only a JavaScript
/// one switches the language (see [`replaced_template_files`]).
pub const TEMPLATE_FILES: &[(&str, &str)] = &[
    ("package.json", include_str!("../template/package.json")),
    ("package-lock.json", replica_core::TEMPLATE_LOCK),
    (
        "next.config.mjs",
        include_str!("../template/next.config.mjs"),
    ),
    ("tsconfig.json", replica_core::TSCONFIG),
    ("next-env.d.ts", include_str!("../template/next-env.d.ts")),
    (
        "tailwind.config.js",
        include_str!("../template/tailwind.config.js"),
    ),
    (
        "postcss.config.mjs",
        include_str!("../template/postcss.config.mjs"),
    ),
    ("app/layout.tsx", include_str!("../template/app/layout.tsx")),
    ("app/page.tsx", include_str!("../template/app/page.tsx")),
    (
        "app/globals.css",
        include_str!("../template/app/globals.css"),
    ),
];

/// The files of the JavaScript template this one replaced: a sandbox made from it (a Daytona
/// snapshot installed before) still has them, and a TypeScript project replaces them too.
const JAVASCRIPT_TEMPLATE_FILES: &[&str] = &["jsconfig.json", "app/layout.jsx", "app/page.jsx"];

/// The template's files that `files` replace in another language: a project has one module
/// per path (`app/layout.jsx` and the template's `app/layout.tsx` would both claim the root
/// layout) and one of `tsconfig.json` / `jsconfig.json`, so writing the one removes the other
/// (and a JavaScript project drops `next-env.d.ts`, which only TypeScript reads). Paths a
/// sandbox may not have are included; removing them is a no-op.
pub fn replaced_template_files(files: &ProjectFiles) -> Vec<&'static str> {
    const MODULES: &[&str] = &["js", "jsx", "ts", "tsx", "mjs", "cjs"];
    let module_stem = |path: &str| -> Option<String> {
        let (stem, extension) = path.rsplit_once('.')?;
        MODULES.contains(&extension).then(|| stem.to_string())
    };
    let writes = |path: &str| files.files.contains_key(path);
    let replaced = |path: &str| match path {
        "jsconfig.json" => writes("tsconfig.json"),
        "tsconfig.json" => writes("jsconfig.json"),
        "next-env.d.ts" => writes("jsconfig.json") && !writes("tsconfig.json"),
        _ => module_stem(path).is_some_and(|template_stem| {
            files
                .paths()
                .any(|written| module_stem(written).as_ref() == Some(&template_stem))
        }),
    };
    JAVASCRIPT_TEMPLATE_FILES
        .iter()
        .copied()
        .chain(TEMPLATE_FILES.iter().map(|(path, _)| *path))
        .filter(|path| !writes(path) && replaced(path))
        .collect()
}

/// Removes from the project directory `project` the template files that `files` replace (see
/// [`replaced_template_files`]); one not there is skipped.
pub(crate) fn remove_replaced_template_files(
    project: &Path,
    files: &ProjectFiles,
) -> Result<(), SandboxPoolError> {
    for path in replaced_template_files(files) {
        let twin = project.join(path);
        match fs::remove_file(&twin) {
            Err(source) if source.kind() != std::io::ErrorKind::NotFound => {
                return Err(SandboxPoolError::Io { path: twin, source });
            }
            _ => {}
        }
    }
    Ok(())
}

/// Marks a finished install; a directory without it is never used.
const COMPLETE_MARKER: &str = ".replica-install-complete";

/// The cache key of the template: the first 16 hex digits of the SHA-256 of its files (paths
/// and contents, the lock file among them), so any change to the template, not only to its
/// packages, installs it again under a new key.
pub fn template_key() -> String {
    files_key(TEMPLATE_FILES)
}

fn files_key(files: &[(&str, &str)]) -> String {
    let mut hasher = Sha256::new();
    for (path, contents) in files {
        // Lengths first: no two different file lists hash the same bytes.
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update((contents.len() as u64).to_le_bytes());
        hasher.update(contents.as_bytes());
    }
    let digest = hasher.finalize();
    digest[..8].iter().fold(String::new(), |mut key, byte| {
        let _ = write!(key, "{byte:02x}");
        key
    })
}

/// `REPLICA_CACHE_DIR`, else `$XDG_CACHE_HOME/replica`, else `~/.cache/replica`, else a
/// folder in the temporary directory; the variables read through `lookup` (the binary reads
/// the environment, tests and xtask pass `|name| std::env::var(name).ok()`).
pub fn default_cache_dir(lookup: impl Fn(&str) -> Option<String>) -> PathBuf {
    let non_empty = |name: &str| lookup(name).filter(|value| !value.is_empty());
    if let Some(dir) = non_empty("REPLICA_CACHE_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = non_empty("XDG_CACHE_HOME") {
        return PathBuf::from(dir).join("replica");
    }
    if let Some(home) = non_empty("HOME") {
        return PathBuf::from(home).join(".cache/replica");
    }
    std::env::temp_dir().join("replica-cache")
}

/// A template whose `node_modules` is installed and complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledTemplate {
    dir: PathBuf,
}

impl InstalledTemplate {
    /// The install directory (the template files plus `node_modules`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What sandboxes link as their `node_modules`.
    pub fn node_modules(&self) -> PathBuf {
        self.dir.join("node_modules")
    }
}

/// Installs the template under `cache_dir` unless it is there already; then returns at once.
///
/// The install runs `npm ci` in a temporary directory beside the final one and renames it into
/// place, so an interrupted install is never used; two processes installing at once both
/// succeed and one rename wins. Blocking: call it from `spawn_blocking` in async code.
pub fn install_template(cache_dir: &Path) -> Result<InstalledTemplate, SandboxPoolError> {
    // Tests in one binary install concurrently; one npm at a time is enough.
    static INSTALLING: Mutex<()> = Mutex::new(());
    let _guard = INSTALLING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());

    let templates = cache_dir.join("templates");
    let key = template_key();
    let installed = InstalledTemplate {
        dir: templates.join(&key),
    };
    if installed.dir.join(COMPLETE_MARKER).is_file() {
        return Ok(installed);
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SandboxPoolError::Io { path, source }
    };
    fs::create_dir_all(&templates).map_err(io(&templates))?;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let staging = templates.join(format!(".{key}.{}-{nanos}.tmp", std::process::id()));
    let result = install_into(&staging).and_then(|()| {
        match fs::rename(&staging, &installed.dir) {
            Ok(()) => Ok(()),
            // Another process finished first; its install is as good as ours.
            Err(_) if installed.dir.join(COMPLETE_MARKER).is_file() => Ok(()),
            Err(source) => Err(SandboxPoolError::Io {
                path: installed.dir.clone(),
                source,
            }),
        }
    });
    if staging.exists() {
        let _ = fs::remove_dir_all(&staging);
    }
    result.map(|()| installed)
}

fn install_into(staging: &Path) -> Result<(), SandboxPoolError> {
    write_template_files(staging)?;
    let npm = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--no-progress"])
        // No package in the template needs an install script (Next's SWC binary is an
        // optional dependency), and running none keeps the install to unpacking.
        .arg("--ignore-scripts")
        .current_dir(staging)
        .env("NEXT_TELEMETRY_DISABLED", "1")
        .stdin(Stdio::null())
        .output()
        .map_err(|source| SandboxPoolError::ToolMissing {
            program: "npm".into(),
            source,
        })?;
    if !npm.status.success() {
        let output = String::from_utf8_lossy(&npm.stderr);
        return Err(SandboxPoolError::TemplateInstall {
            dir: staging.to_path_buf(),
            message: format!(
                "`npm ci` failed with {}: {}",
                npm.status,
                tail(&output, 2000)
            ),
        });
    }
    let marker = staging.join(COMPLETE_MARKER);
    fs::write(&marker, template_key()).map_err(|source| SandboxPoolError::Io {
        path: marker,
        source,
    })
}

/// Writes the template's files (not `node_modules`) under `dir`, creating it.
pub(crate) fn write_template_files(dir: &Path) -> Result<(), SandboxPoolError> {
    for (path, contents) in TEMPLATE_FILES {
        let target = dir.join(path);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(|source| SandboxPoolError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        fs::write(&target, contents).map_err(|source| SandboxPoolError::Io {
            path: target,
            source,
        })?;
    }
    Ok(())
}

/// The contents of one template file by path; every name passed here is in TEMPLATE_FILES.
pub fn template_file(path: &str) -> &'static str {
    TEMPLATE_FILES
        .iter()
        .find(|(name, _)| *name == path)
        .map(|(_, contents)| *contents)
        .unwrap_or("")
}

/// The last `max` bytes of `text`, cut at a character boundary.
pub(crate) fn tail(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..].trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_changed_file_changes_the_key() {
        let base = [("app/page.tsx", "a"), ("package-lock.json", "{}")];
        let key = files_key(&base);
        assert_ne!(key, files_key(&[("app/page.tsx", "b"), base[1]]));
        assert_ne!(key, files_key(&[("app/page.jsx", "a"), base[1]]));
        assert_ne!(
            key,
            files_key(&[("app/page.tsx", "a{}"), ("package-lock.json", "")])
        );
        assert_eq!(key, files_key(&base));
    }
}
