//! `replica validate DIR [--json]`: the jsx-validator over a Next.js project on disk.

use std::path::Path;
use std::process::ExitCode;

use crate::stdout::{out, outln};
use anyhow::{Context, bail};
use replica_core::ProjectFiles;
use replica_jsx_validator::{format_report, validate};

/// Folders that are build output or dependencies, never the project's source.
const SKIPPED_DIRS: &[&str] = &["node_modules", ".next", ".git", "out", ".turbo", ".vercel"];

/// Source files are read whole; other files (images, fonts) only need to exist, for imports.
const SOURCE_EXTENSIONS: &[&str] = &["js", "jsx", "ts", "tsx", "mjs", "cjs", "css", "json"];

/// Validates the project in `dir`; exit code 1 when it has errors.
pub fn run(dir: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let files = read_project(dir)?;
    if !files.paths().any(replica_jsx_validator::is_checked_path) {
        bail!(
            "{} has no .js or .jsx files; is it a Next.js project?",
            dir.display()
        );
    }
    let report = validate(&files);
    if json {
        outln!("{}", serde_json::to_string(&report)?);
    } else {
        out!("{}", format_report(&report));
    }
    Ok(if report.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The project's files, keyed by `/`-separated paths relative to `dir`. Symlinks are not
/// followed, so nothing outside the project is read.
fn read_project(dir: &Path) -> anyhow::Result<ProjectFiles> {
    let metadata =
        std::fs::metadata(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    if !metadata.is_dir() {
        bail!("{} is not a directory", dir.display());
    }
    let mut files = ProjectFiles::default();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, prefix)) = pending.pop() {
        let entries =
            std::fs::read_dir(&path).with_context(|| format!("cannot list {}", path.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", path.display()))?;
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                eprintln!(
                    "warning: skipping {} (its name is not UTF-8)",
                    entry.path().display()
                );
                continue;
            };
            let project_path = format!("{prefix}{name}");
            let file_type = entry
                .file_type()
                .with_context(|| format!("cannot read {}", entry.path().display()))?;
            if file_type.is_dir() {
                if !SKIPPED_DIRS.contains(&name.as_str()) {
                    pending.push((entry.path(), format!("{project_path}/")));
                }
            } else if file_type.is_file() {
                let is_source = Path::new(&name)
                    .extension()
                    .and_then(|extension| extension.to_str())
                    .is_some_and(|extension| SOURCE_EXTENSIONS.contains(&extension));
                let contents = if is_source {
                    std::fs::read(entry.path())
                        .with_context(|| format!("cannot read {}", entry.path().display()))?
                } else {
                    Vec::new()
                };
                files.insert_bytes(project_path, contents);
            }
        }
    }
    Ok(files)
}
