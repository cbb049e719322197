//! The Next.js template every sandbox starts from, and its one-time install into the cache.
//!
//! The files live in `template/` beside this crate and are compiled in, so the binary needs
//! no source tree. `node_modules` is installed once with `npm ci` under
//! `REPLICA_CACHE_DIR/templates/<hash of package-lock.json>/`; a changed lock file gets a
//! new directory, and provisioning a sandbox only links to it.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use replica_core::ProjectFiles;
use sha2::{Digest, Sha256};

use crate::SandboxPoolError;

/// The template's files, path relative to the project root and contents.
pub const TEMPLATE_FILES: &[(&str, &str)] = &[
    ("package.json", include_str!("../template/package.json")),
    ("package-lock.json", replica_core::TEMPLATE_LOCK),
    (
        "next.config.mjs",
        include_str!("../template/next.config.mjs"),
    ),
    ("jsconfig.json", include_str!("../template/jsconfig.json")),
    (
        "tailwind.config.js",
        include_str!("../template/tailwind.config.js"),
    ),
    (
        "postcss.config.mjs",
        include_str!("../template/postcss.config.mjs"),
    ),
    ("app/layout.jsx", include_str!("../template/app/layout.jsx")),
    ("app/page.jsx", include_str!("../template/app/page.jsx")),
    (
        "app/globals.css",
        include_str!("../template/app/globals.css"),
    ),
];

/// The template's files that `files` replace in another language: a project has one module
/// per path (`app/layout.tsx` and the template's `app/layout.jsx` would both claim the root
/// layout) and one of `tsconfig.json` / `jsconfig.json`, so writing the one removes the other.
pub fn replaced_template_files(files: &ProjectFiles) -> Vec<&'static str> {
    const MODULES: &[&str] = &["js", "jsx", "ts", "tsx", "mjs", "cjs"];
    let stem = |path: &str| -> Option<String> {
        let (stem, extension) = path.rsplit_once('.')?;
        if MODULES.contains(&extension) {
            return Some(stem.to_string());
        }
        matches!(path, "jsconfig.json" | "tsconfig.json").then(|| "{ts,js}config".to_string())
    };
    TEMPLATE_FILES
        .iter()
        .map(|(path, _)| *path)
        .filter(|path| !files.files.contains_key(*path))
        .filter(|path| {
            stem(path).is_some_and(|template_stem| {
                files
                    .paths()
                    .any(|written| stem(written).as_ref() == Some(&template_stem))
            })
        })
        .collect()
}

/// Marks a finished install; a directory without it is never used.
const COMPLETE_MARKER: &str = ".replica-install-complete";

/// The cache key of the template: the first 16 hex digits of the SHA-256 of its lock file.
pub fn template_key() -> String {
    let lock = template_file("package-lock.json");
    let digest = Sha256::digest(lock.as_bytes());
    digest[..8].iter().fold(String::new(), |mut key, byte| {
        let _ = write!(key, "{byte:02x}");
        key
    })
}

/// `REPLICA_CACHE_DIR`, else `$XDG_CACHE_HOME/replica`, else `~/.cache/replica`, else a
/// folder in the temporary directory.
pub fn default_cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("REPLICA_CACHE_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("replica");
    }
    if let Some(home) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
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
