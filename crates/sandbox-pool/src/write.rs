//! Writing a project's files into a sandbox directory without ever leaving it (DESIGN.md §7).

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use replica_core::{ProjectFiles, check_project_path};

use crate::SandboxPoolError;

/// Writes every file under `root`, creating parent directories and replacing existing files.
///
/// All paths are checked with `check_project_path` before anything is written. On disk, a
/// symlink on the way (a directory or the file itself) is followed only when it resolves
/// inside `root`; one that leads outside, or nowhere, is refused. Each file is written to a
/// fresh temporary file beside it and renamed into place, so the dev server never reads half
/// a file and the final write never follows a symlink. Processes inside the sandbox that swap
/// directories for symlinks while this runs are outside what this check can see.
pub fn write_project_files(root: &Path, files: &ProjectFiles) -> Result<(), SandboxPoolError> {
    for path in files.paths() {
        check_project_path(path)?;
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SandboxPoolError::Io { path, source }
    };
    let root = fs::canonicalize(root).map_err(io(root))?;
    if !root.is_dir() {
        return Err(SandboxPoolError::Io {
            path: root,
            source: std::io::Error::new(
                ErrorKind::NotADirectory,
                "the project root is not a directory",
            ),
        });
    }
    for (path, file) in &files.files {
        let target = resolve_inside(&root, path)?;
        // An unchanged file is left alone: its watcher event would make `next dev` rebuild,
        // or restart outright for next.config.*, throwing away the warm compile.
        if fs::read(&target).is_ok_and(|current| current == file.contents) {
            continue;
        }
        write_atomically(&target, &file.contents).map_err(io(&target))?;
    }
    Ok(())
}

/// Removes files under `root` (a path that is not there is skipped). Every directory on the
/// way must be a real directory inside `root`: a symlink among them is refused, so a removal
/// never reaches outside; the file itself, when a symlink, is removed as a link.
pub fn remove_project_files(root: &Path, paths: &[String]) -> Result<(), SandboxPoolError> {
    for path in paths {
        check_project_path(path)?;
    }
    let root = fs::canonicalize(root).map_err(|source| SandboxPoolError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    'paths: for path in paths {
        let components: Vec<&str> = path.split('/').collect();
        let mut current = root.clone();
        for component in &components[..components.len() - 1] {
            current.push(component);
            match fs::symlink_metadata(&current) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Err(SandboxPoolError::SymlinkEscape {
                        path: path.clone(),
                        link: current,
                    });
                }
                Ok(meta) if meta.is_dir() => {}
                // A missing directory (or a file where one was expected): nothing to remove.
                _ => continue 'paths,
            }
        }
        current.push(components[components.len() - 1]);
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => fs::remove_file(&current).map_err(|source| SandboxPoolError::Io {
                path: current.clone(),
                source,
            })?,
            Err(_) => {}
        }
    }
    Ok(())
}

/// Where `path` lands under `root`, creating missing directories on the way and refusing
/// symlinks that leave `root`.
fn resolve_inside(root: &Path, path: &str) -> Result<PathBuf, SandboxPoolError> {
    let components: Vec<&str> = path.split('/').collect();
    let mut current = root.to_path_buf();
    for (i, component) in components.iter().enumerate() {
        let is_file = i + 1 == components.len();
        let next = current.join(component);
        match fs::symlink_metadata(&next) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let escape = || SandboxPoolError::SymlinkEscape {
                    path: path.to_string(),
                    link: next.clone(),
                };
                // A dangling link cannot be shown to stay inside, so it is refused too.
                let resolved = fs::canonicalize(&next).map_err(|_| escape())?;
                if !resolved.starts_with(root) {
                    return Err(escape());
                }
                // The file itself is replaced by the rename, not written through.
                current = if is_file { next } else { resolved };
            }
            Ok(_) => current = next,
            Err(error) if error.kind() == ErrorKind::NotFound => {
                if !is_file {
                    fs::create_dir(&next).map_err(|source| SandboxPoolError::Io {
                        path: next.clone(),
                        source,
                    })?;
                }
                current = next;
            }
            Err(source) => return Err(SandboxPoolError::Io { path: next, source }),
        }
    }
    Ok(current)
}

fn write_atomically(target: &Path, contents: &[u8]) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = target.parent().unwrap_or(target);
    let name = target
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or("file");
    let temporary = dir.join(format!(
        ".{name}.replica-{}-{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    // create_new refuses an existing path, a planted symlink included.
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)?;
    // No fsync: the dev server needs to see whole files, not files that survive a crash.
    let written = file.write_all(contents);
    drop(file);
    match written.and_then(|()| fs::rename(&temporary, target)) {
        Ok(()) => Ok(()),
        Err(error) => {
            // Best effort: the error that matters is the write's.
            let _ = fs::remove_file(&temporary);
            Err(error)
        }
    }
}
