//! Checkpoints of a project (DESIGN.md §9): the files as they were before each agent turn,
//! kept content-addressed so a hundred turns over two hundred files stay small.
//!
//! Layout, in the project's agent directory: each distinct file content is stored once, named
//! by its SHA-256, either in a pack or loose. `packs/<32 hex>.pack` holds the new contents of
//! one checkpoint that has at least [`PACK_MIN`] of them (a project's first: one write instead
//! of hundreds), end to end; `packs/<32 hex>.idx` maps their hashes to offset and length.
//! `blobs/<2 hex>/<62 hex>` holds one content each (checkpoints with few new contents, and
//! stores from before packs). `checkpoints/<n>.json` is one snapshot (path -> hash) with what
//! made it (the turn and its message, or a restore) and, once the turn ended, which files the
//! turn changed.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use replica_core::ProjectFiles;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::{now_rfc3339, write_atomically};
use crate::{CloneStoreError, store::io_error};

/// New contents from which a checkpoint writes a pack rather than loose blobs: below it the
/// loose files cost about what a pack does, and packs stay few (each take reads their indexes).
const PACK_MIN: usize = 8;

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
        let packed = self.pack_index()?;
        let mut snapshot = BTreeMap::new();
        let mut new_blobs = BTreeMap::new();
        for (path, file) in &files.files {
            let hash = sha256_hex(&file.contents);
            if !packed.contains_key(&hash)
                && !new_blobs.contains_key(&hash)
                && !self.blob_path(&hash).is_file()
            {
                new_blobs.insert(hash.clone(), file.contents.as_slice());
            }
            snapshot.insert(path.clone(), hash);
        }
        // Every blob is on disk before the manifest that names it.
        if new_blobs.len() >= PACK_MIN {
            self.write_pack(&new_blobs)?;
        } else {
            for (hash, bytes) in &new_blobs {
                self.write_loose(hash, bytes)?;
            }
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
        let packed = self.pack_index()?;
        let mut packs = Packs::default();
        let mut files = ProjectFiles::default();
        for (path, hash) in manifest.snapshot {
            let (bytes, from) = match packed.get(&hash) {
                Some(at) => (packs.read(at, &hash)?, at.pack.clone()),
                None => {
                    let blob = self.blob_path(&hash);
                    (fs::read(&blob).map_err(io_error(&blob))?, blob)
                }
            };
            // A damaged pack or blob must not come back as a project's files.
            if sha256_hex(&bytes) != hash {
                return Err(invalid_data(
                    &from,
                    format!("content of {hash} does not match"),
                ));
            }
            files.insert_bytes(path, bytes);
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

    /// Writes one blob as its own file.
    fn write_loose(&self, hash: &str, bytes: &[u8]) -> Result<(), CloneStoreError> {
        let path = self.blob_path(hash);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io_error(parent))?;
        }
        write_atomically(&path, bytes)
    }

    /// Writes `blobs` end to end as one pack, then its index. A crash between the two leaves a
    /// pack no index names (ignored), never an index naming bytes that are not there. The name
    /// is the index's hash, and the index fixes the pack's bytes: a rewrite is identical.
    fn write_pack(&self, blobs: &BTreeMap<String, &[u8]>) -> Result<(), CloneStoreError> {
        let mut pack = Vec::with_capacity(blobs.values().map(|bytes| bytes.len()).sum());
        let mut index = BTreeMap::new();
        for (hash, bytes) in blobs {
            index.insert(hash.as_str(), (pack.len() as u64, bytes.len() as u64));
            pack.extend_from_slice(bytes);
        }
        let dir = self.dir.join("packs");
        let index = serde_json::to_vec(&index).map_err(|source| CloneStoreError::Corrupt {
            path: dir.clone(),
            source,
        })?;
        fs::create_dir_all(&dir).map_err(io_error(&dir))?;
        let name = &sha256_hex(&index)[..32];
        write_atomically(&dir.join(format!("{name}.pack")), &pack)?;
        write_atomically(&dir.join(format!("{name}.idx")), &index)
    }

    /// Where each packed blob is, from every pack's index.
    fn pack_index(&self) -> Result<HashMap<String, Packed>, CloneStoreError> {
        let dir = self.dir.join("packs");
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(HashMap::new()),
            Err(source) => return Err(CloneStoreError::Io { path: dir, source }),
        };
        let mut packed = HashMap::new();
        for entry in entries {
            let path = entry.map_err(io_error(&dir))?.path();
            if path.extension().is_none_or(|extension| extension != "idx") {
                continue;
            }
            let text = fs::read(&path).map_err(io_error(&path))?;
            let index: BTreeMap<String, (u64, u64)> =
                serde_json::from_slice(&text).map_err(|source| CloneStoreError::Corrupt {
                    path: path.clone(),
                    source,
                })?;
            let pack = path.with_extension("pack");
            for (hash, (offset, len)) in index {
                let pack = pack.clone();
                packed.insert(hash, Packed { pack, offset, len });
            }
        }
        Ok(packed)
    }
}

/// Where a packed blob's bytes are.
#[derive(Debug)]
struct Packed {
    pack: PathBuf,
    offset: u64,
    len: u64,
}

/// The packs one read has opened, with their lengths.
#[derive(Default)]
struct Packs(HashMap<PathBuf, (File, u64)>);

impl Packs {
    fn read(&mut self, at: &Packed, hash: &str) -> Result<Vec<u8>, CloneStoreError> {
        let path = &at.pack;
        let (file, pack_len) = match self.0.entry(path.clone()) {
            Entry::Occupied(open) => open.into_mut(),
            Entry::Vacant(slot) => {
                let file = File::open(path).map_err(io_error(path))?;
                let len = file.metadata().map_err(io_error(path))?.len();
                slot.insert((file, len))
            }
        };
        let end = at.offset.checked_add(at.len);
        if end.is_none_or(|end| end > *pack_len) {
            return Err(CloneStoreError::Io {
                path: path.clone(),
                source: std::io::Error::new(
                    ErrorKind::UnexpectedEof,
                    format!("truncated: {hash} ends past the pack's {pack_len} bytes"),
                ),
            });
        }
        let mut bytes = vec![0; usize::try_from(at.len).unwrap_or(usize::MAX)];
        file.seek(SeekFrom::Start(at.offset))
            .and_then(|_| file.read_exact(&mut bytes))
            .map_err(io_error(path))?;
        Ok(bytes)
    }
}

fn invalid_data(path: &Path, message: String) -> CloneStoreError {
    CloneStoreError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(ErrorKind::InvalidData, message),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}
