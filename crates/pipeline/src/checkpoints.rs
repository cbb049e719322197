//! Checkpoints of a project (DESIGN.md §9): the files as they were before each agent turn,
//! kept content-addressed so a hundred turns over two hundred files stay small.
//!
//! Layout, in the project's agent directory: `blobs/<2 hex>/<62 hex>` holds each distinct
//! file content once, named by its SHA-256; `checkpoints/<n>.json` is one snapshot (path ->
//! hash) with what made it (the turn and its message, or a restore) and, once the turn
//! ended, which files the turn changed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use replica_core::ProjectFiles;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::{now_rfc3339, write_atomically};
use crate::{CloneStoreError, store::io_error};

/// What made a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CheckpointReason {
    /// Taken before turn `turn` of session `session_id`.
    Turn {
        session_id: String,
        turn: u32,
        message: String,
    },
    /// Taken before an undo or a restore, so that can be undone too.
    Restore { to: u32 },
}

/// One checkpoint as listed (`GET /api/projects/{id}/checkpoints`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckpointInfo {
    pub id: u32,
    pub created_at: String,
    #[serde(flatten)]
    pub reason: CheckpointReason,
    /// Files the turn after it changed (filled in when the turn ends).
    pub files_changed: Vec<String>,
    /// An undo or a restore went back to it (undo takes the newest turn checkpoint that
    /// is not undone yet).
    #[serde(default)]
    pub undone: bool,
    pub files: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Manifest {
    #[serde(flatten)]
    info: CheckpointInfo,
    /// Project path -> SHA-256 of its content.
    snapshot: BTreeMap<String, String>,
}

/// The checkpoints of one project.
#[derive(Debug, Clone)]
pub struct Checkpoints {
    dir: PathBuf,
}

impl Checkpoints {
    /// The checkpoints kept in `agent_dir` (created on the first checkpoint).
    pub fn new(agent_dir: &Path) -> Checkpoints {
        Checkpoints {
            dir: agent_dir.to_path_buf(),
        }
    }

    /// Saves `files` as a new checkpoint and returns its id (1, 2, ...).
    pub fn take(
        &self,
        files: &ProjectFiles,
        reason: CheckpointReason,
    ) -> Result<u32, CloneStoreError> {
        let mut snapshot = BTreeMap::new();
        for (path, file) in &files.files {
            snapshot.insert(path.clone(), self.put_blob(&file.contents)?);
        }
        let manifests = self.dir.join("checkpoints");
        fs::create_dir_all(&manifests).map_err(io_error(&manifests))?;
        let id = self.last_id()? + 1;
        let manifest = Manifest {
            info: CheckpointInfo {
                id,
                created_at: now_rfc3339(),
                reason,
                files_changed: Vec::new(),
                undone: false,
                files: files.len(),
            },
            snapshot,
        };
        self.write(&manifest)?;
        Ok(id)
    }

    /// Records which files the turn after checkpoint `id` changed.
    pub fn set_files_changed(&self, id: u32, changed: Vec<String>) -> Result<(), CloneStoreError> {
        let mut manifest = self.read(id)?;
        manifest.info.files_changed = changed;
        self.write(&manifest)
    }

    /// Marks checkpoint `id` and every later one as undone.
    pub fn mark_undone_from(&self, id: u32) -> Result<(), CloneStoreError> {
        for info in self.list()? {
            if info.id >= id && !info.undone {
                let mut manifest = self.read(info.id)?;
                manifest.info.undone = true;
                self.write(&manifest)?;
            }
        }
        Ok(())
    }

    /// Every checkpoint, oldest first.
    pub fn list(&self) -> Result<Vec<CheckpointInfo>, CloneStoreError> {
        let mut list = Vec::new();
        for id in self.ids()? {
            list.push(self.read(id)?.info);
        }
        Ok(list)
    }

    /// The newest turn checkpoint not undone yet: what undo goes back to.
    pub fn undo_target(&self) -> Result<Option<CheckpointInfo>, CloneStoreError> {
        Ok(self
            .list()?
            .into_iter()
            .rev()
            .find(|info| !info.undone && matches!(info.reason, CheckpointReason::Turn { .. })))
    }

    /// The files of checkpoint `id`, `None` when there is no such checkpoint.
    pub fn files(&self, id: u32) -> Result<Option<ProjectFiles>, CloneStoreError> {
        let manifest = match self.read(id) {
            Ok(manifest) => manifest,
            Err(CloneStoreError::Io { source, .. }) if source.kind() == ErrorKind::NotFound => {
                return Ok(None);
            }
            Err(error) => return Err(error),
        };
        let mut files = ProjectFiles::default();
        for (path, hash) in manifest.snapshot {
            let blob = self.blob_path(&hash);
            files.insert_bytes(path, fs::read(&blob).map_err(io_error(&blob))?);
        }
        Ok(Some(files))
    }

    fn ids(&self) -> Result<Vec<u32>, CloneStoreError> {
        let manifests = self.dir.join("checkpoints");
        let entries = match fs::read_dir(&manifests) {
            Ok(entries) => entries,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(CloneStoreError::Io {
                    path: manifests,
                    source,
                });
            }
        };
        let mut ids: Vec<u32> = entries
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name();
                name.to_str()?.strip_suffix(".json")?.parse().ok()
            })
            .collect();
        ids.sort_unstable();
        Ok(ids)
    }

    fn last_id(&self) -> Result<u32, CloneStoreError> {
        Ok(self.ids()?.last().copied().unwrap_or(0))
    }

    fn manifest_path(&self, id: u32) -> PathBuf {
        self.dir.join("checkpoints").join(format!("{id}.json"))
    }

    fn read(&self, id: u32) -> Result<Manifest, CloneStoreError> {
        let path = self.manifest_path(id);
        let text = fs::read(&path).map_err(io_error(&path))?;
        serde_json::from_slice(&text).map_err(|source| CloneStoreError::Corrupt { path, source })
    }

    fn write(&self, manifest: &Manifest) -> Result<(), CloneStoreError> {
        let path = self.manifest_path(manifest.info.id);
        // Compact: a manifest of 200 paths is read on every list.
        let json = serde_json::to_vec(manifest).map_err(|source| CloneStoreError::Corrupt {
            path: path.clone(),
            source,
        })?;
        write_atomically(&path, &json)
    }

    fn blob_path(&self, hash: &str) -> PathBuf {
        let (head, tail) = hash.split_at(2.min(hash.len()));
        self.dir.join("blobs").join(head).join(tail)
    }

    /// Stores `bytes` once under their hash; returns the hash.
    fn put_blob(&self, bytes: &[u8]) -> Result<String, CloneStoreError> {
        let digest = Sha256::digest(bytes);
        let hash = digest
            .iter()
            .fold(String::with_capacity(64), |mut hex, byte| {
                let _ = write!(hex, "{byte:02x}");
                hex
            });
        let path = self.blob_path(&hash);
        if !path.is_file() {
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(io_error(parent))?;
            }
            write_atomically(&path, bytes)?;
        }
        Ok(hash)
    }
}
