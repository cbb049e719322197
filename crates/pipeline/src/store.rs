//! The clone store: one directory per clone under `<data dir>/clones/`, holding `record.json`
//! (status, options, timings, preview, similarity, errors) next to `files/` (the project, as the
//! user downloads it), `scrape/` (the original's scrape) and `tokens.json`. Every JSON file is
//! written through a temporary file and a rename, so a crash never leaves half of one.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::fs;
use std::hash::BuildHasher;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use replica_core::{
    ProjectFiles, ProjectPathError, SimilarityScores, StepTimings, check_project_path,
};
use serde::{Deserialize, Serialize};

mod upkeep;

pub(crate) use upkeep::last_used;
use upkeep::this_process;
pub use upkeep::{Retained, StoredItem};

const METADATA: &str = "record.json";
const FILES: &str = "files";

/// What the store could not do.
#[derive(Debug, thiserror::Error)]
pub enum CloneStoreError {
    #[error("invalid clone id {id:?}: expected the form 20241122-070412-123-8f3a2c")]
    InvalidId { id: String },
    #[error("clone {id} not found")]
    NotFound { id: CloneId },
    #[error("clone {id} has no file {path:?}")]
    FileNotFound { id: CloneId, path: String },
    #[error(transparent)]
    InvalidPath(#[from] ProjectPathError),
    #[error("{}: invalid clone metadata: {source}", path.display())]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

pub(crate) fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> CloneStoreError + '_ {
    io(path)
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CloneStoreError + '_ {
    move |source| CloneStoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A clone's id: its UTC creation time to the millisecond and a random suffix,
/// `20241122-070412-123-8f3a2c`, so ids sort by age and are safe as one path component.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CloneId(String);

impl CloneId {
    /// Accepts only the exact id form, so an id from a URL can never be a path trick.
    pub fn parse(id: &str) -> Result<CloneId, CloneStoreError> {
        let bytes = id.as_bytes();
        let well_formed = bytes.len() == 26
            && bytes.iter().enumerate().all(|(i, &b)| match i {
                8 | 15 | 19 => b == b'-',
                20..=25 => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
                _ => b.is_ascii_digit(),
            });
        if well_formed {
            Ok(CloneId(id.to_string()))
        } else {
            Err(CloneStoreError::InvalidId { id: id.to_string() })
        }
    }

    /// The id as text, which is also its directory name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn new(created: Duration, suffix: u32) -> CloneId {
        let time = UtcTime::from_unix(created);
        CloneId(format!(
            "{:04}{:02}{:02}-{:02}{:02}{:02}-{:03}-{:06x}",
            time.year,
            time.month,
            time.day,
            time.hour,
            time.minute,
            time.second,
            time.millisecond,
            suffix & 0xff_ffff
        ))
    }
}

impl fmt::Display for CloneId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CloneId {
    type Error = CloneStoreError;

    fn try_from(id: String) -> Result<Self, Self::Error> {
        CloneId::parse(&id)
    }
}

impl From<CloneId> for String {
    fn from(id: CloneId) -> String {
        id.0
    }
}

/// Where a clone is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloneStatus {
    /// Created; waiting for a free slot of the server that runs it.
    Queued,
    /// Created; the pipeline is working on it.
    Running,
    Done,
    /// The pipeline stopped with an error; the files saved so far are kept.
    Failed,
    /// Stopped before the end (nobody followed it, or it was stopped); the files saved so far
    /// are kept.
    Cancelled,
    /// The process running it ended before it did (killed, crashed); `stages` says how far it
    /// got and the files saved so far are kept.
    Interrupted,
}

impl CloneStatus {
    /// Queued or running: a process is (or was, if it died) working on the clone.
    pub fn is_active(self) -> bool {
        matches!(self, CloneStatus::Queued | CloneStatus::Running)
    }
}

/// What a project of the store was made from (DESIGN.md §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloneKind {
    /// A clone of a page (`url`).
    #[default]
    Clone,
    /// A project made from a prompt: a clone without an original (`url` is empty).
    Prompt,
}

/// A clone without its files, as `GET /api/clones` lists it. Also the content of record.json.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloneSummary {
    pub id: CloneId,
    #[serde(default)]
    pub kind: CloneKind,
    pub url: String,
    /// The prompt a prompt project was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// RFC 3339, UTC (`2024-11-22T07:04:12.123Z`).
    pub created_at: String,
    pub status: CloneStatus,
    /// The request's options (generator, style, preview, refine), as JSON.
    #[serde(default)]
    pub options: serde_json::Value,
    #[serde(default)]
    pub timings: StepTimings,
    #[serde(default)]
    pub preview_url: Option<String>,
    #[serde(default)]
    pub sandbox_id: Option<String>,
    #[serde(default)]
    pub similarity: Option<SimilarityScores>,
    #[serde(default)]
    pub compiled: bool,
    /// What went wrong, as `stage: message` lines (a failed stage, compile errors left, ...).
    #[serde(default)]
    pub errors: Vec<String>,
    /// The stages that finished, in order (`scrape`, `design`, ... `compile`): how far an
    /// interrupted or failed clone got.
    #[serde(default)]
    pub stages: Vec<String>,
    /// The process working on a queued or running clone (`pid:start-time`), so another
    /// process can tell a clone whose process died ([`CloneStore::mark_interrupted`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

/// A clone with its files.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloneRecord {
    #[serde(flatten)]
    pub summary: CloneSummary,
    pub files: ProjectFiles,
}

/// Clones on disk under one data directory (`REPLICA_DATA_DIR`).
#[derive(Debug, Clone)]
pub struct CloneStore {
    root: PathBuf,
    clones: PathBuf,
}

impl CloneStore {
    /// Opens the store in `data_dir`, creating `data_dir/clones` if needed.
    pub fn open(data_dir: &Path) -> Result<CloneStore, CloneStoreError> {
        let clones = data_dir.join("clones");
        fs::create_dir_all(&clones).map_err(io(&clones))?;
        Ok(CloneStore {
            root: data_dir.to_path_buf(),
            clones,
        })
    }

    /// The data directory the store lives in (agent state of directories lives beside it).
    pub fn data_dir(&self) -> &Path {
        &self.root
    }

    /// Records a new clone of `url` with status `running` and no files yet.
    pub fn create(&self, url: &str) -> Result<CloneId, CloneStoreError> {
        self.create_record(CloneKind::Clone, url, None)
    }

    /// Records a new project made from `prompt` (status `running`, no files yet).
    pub fn create_prompt(&self, prompt: &str) -> Result<CloneId, CloneStoreError> {
        self.create_record(CloneKind::Prompt, "", Some(prompt))
    }

    fn create_record(
        &self,
        kind: CloneKind,
        url: &str,
        prompt: Option<&str>,
    ) -> Result<CloneId, CloneStoreError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        loop {
            let id = CloneId::new(now, random_suffix());
            let dir = self.clones.join(id.as_str());
            // create_dir fails on an existing directory, which makes the id unique in the store.
            match fs::create_dir(&dir) {
                Ok(()) => {}
                Err(error) if error.kind() == ErrorKind::AlreadyExists => continue,
                Err(source) => return Err(CloneStoreError::Io { path: dir, source }),
            }
            let summary = CloneSummary {
                id: id.clone(),
                kind,
                url: url.to_string(),
                prompt: prompt.map(str::to_string),
                created_at: UtcTime::from_unix(now).rfc3339(),
                status: CloneStatus::Running,
                options: serde_json::Value::Null,
                timings: StepTimings::default(),
                preview_url: None,
                sandbox_id: None,
                similarity: None,
                compiled: false,
                errors: Vec::new(),
                stages: Vec::new(),
                owner: this_process(),
            };
            self.write_summary(&summary)?;
            return Ok(id);
        }
    }

    /// Makes `files` the clone's file set, replacing whatever was saved before.
    pub fn save_files(&self, id: &CloneId, files: &ProjectFiles) -> Result<(), CloneStoreError> {
        for path in files.paths() {
            check_project_path(path)?;
        }
        let dir = self.existing_dir(id)?;
        // Written beside the old set and swapped in, so a failure leaves the old set whole.
        let staging = dir.join(format!("{FILES}.new-{:06x}", random_suffix() & 0xff_ffff));
        fs::create_dir(&staging).map_err(io(&staging))?;
        let written = files.files.iter().try_for_each(|(path, file)| {
            let target = staging.join(path);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).map_err(io(parent))?;
            }
            fs::write(&target, &file.contents).map_err(io(&target))
        });
        if let Err(error) = written {
            let _ = fs::remove_dir_all(&staging);
            return Err(error);
        }
        let current = dir.join(FILES);
        let old = dir.join(format!("{FILES}.old-{:06x}", random_suffix() & 0xff_ffff));
        match fs::rename(&current, &old) {
            Ok(()) => {}
            Err(error) if error.kind() == ErrorKind::NotFound => {}
            Err(source) => {
                return Err(CloneStoreError::Io {
                    path: current,
                    source,
                });
            }
        }
        fs::rename(&staging, &current).map_err(io(&current))?;
        // The new set is in place; a leftover old set only costs disk space.
        let _ = fs::remove_dir_all(&old);
        Ok(())
    }

    /// Writes and removes single files of the clone in place (each written through a
    /// temporary file and a rename), leaving the others alone: an agent's edit touches one
    /// file of hundreds. Removing a file that is not there is not an error.
    pub fn update_files(
        &self,
        id: &CloneId,
        write: &ProjectFiles,
        remove: &[String],
    ) -> Result<(), CloneStoreError> {
        for path in write.paths().chain(remove.iter().map(String::as_str)) {
            check_project_path(path)?;
        }
        let root = self.existing_dir(id)?.join(FILES);
        for (path, file) in &write.files {
            let target = root.join(path);
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).map_err(io(parent))?;
            }
            write_atomically(&target, &file.contents)?;
        }
        for path in remove {
            let target = root.join(path);
            match fs::remove_file(&target) {
                Ok(()) => {}
                Err(error) if error.kind() == ErrorKind::NotFound => {}
                Err(source) => {
                    return Err(CloneStoreError::Io {
                        path: target,
                        source,
                    });
                }
            }
        }
        Ok(())
    }

    /// Records the clone's new status.
    pub fn set_status(&self, id: &CloneId, status: CloneStatus) -> Result<(), CloneStoreError> {
        self.update(id, |summary| summary.status = status)
    }

    /// Changes the clone's record with `change` and writes it back.
    pub fn update(
        &self,
        id: &CloneId,
        change: impl FnOnce(&mut CloneSummary),
    ) -> Result<(), CloneStoreError> {
        let mut summary = self.summary(id)?;
        change(&mut summary);
        self.write_summary(&summary)
    }

    /// The clone's own directory (`record.json`, `files/`, artifacts beside them).
    pub fn clone_dir(&self, id: &CloneId) -> Result<PathBuf, CloneStoreError> {
        self.existing_dir(id)
    }

    /// Writes `value` as `<clone dir>/<name>` (a plain file name such as `tokens.json`),
    /// through a temporary file.
    pub fn save_json(
        &self,
        id: &CloneId,
        name: &str,
        value: &impl Serialize,
    ) -> Result<(), CloneStoreError> {
        let dir = self.existing_dir(id)?;
        let path = dir.join(name);
        let json = serde_json::to_vec_pretty(value).map_err(|source| CloneStoreError::Corrupt {
            path: path.clone(),
            source,
        })?;
        write_atomically(&path, &json)
    }

    /// The summary of one clone (its record.json).
    pub fn summary_of(&self, id: &CloneId) -> Result<CloneSummary, CloneStoreError> {
        self.summary(id)
    }

    /// All clones, newest first. Directories that are not clones (or are being created and
    /// have no metadata yet) are skipped.
    pub fn list(&self) -> Result<Vec<CloneSummary>, CloneStoreError> {
        let mut clones = Vec::new();
        for entry in fs::read_dir(&self.clones).map_err(io(&self.clones))? {
            let entry = entry.map_err(io(&self.clones))?;
            let Some(id) = entry
                .file_name()
                .to_str()
                .and_then(|name| CloneId::parse(name).ok())
            else {
                continue;
            };
            match self.summary(&id) {
                Ok(summary) => clones.push(summary),
                Err(CloneStoreError::NotFound { .. }) => {}
                Err(error) => return Err(error),
            }
        }
        clones.sort_by(|a, b| b.id.cmp(&a.id));
        Ok(clones)
    }

    /// The clone with all its files.
    pub fn get(&self, id: &CloneId) -> Result<CloneRecord, CloneStoreError> {
        let summary = self.summary(id)?;
        let mut files = ProjectFiles::default();
        let root = self.clones.join(id.as_str()).join(FILES);
        if root.is_dir() {
            collect_files(&root, "", &mut files)?;
        }
        Ok(CloneRecord { summary, files })
    }

    /// One file of a clone, by project path (`app/page.jsx`).
    pub fn read_file(&self, id: &CloneId, path: &str) -> Result<Vec<u8>, CloneStoreError> {
        check_project_path(path)?;
        let dir = self.existing_dir(id)?;
        let file = dir.join(FILES).join(path);
        match fs::symlink_metadata(&file) {
            Ok(meta) if meta.is_file() => fs::read(&file).map_err(io(&file)),
            // Directories and anything that is not a plain file are not project files.
            Ok(_) => Err(CloneStoreError::FileNotFound {
                id: id.clone(),
                path: path.to_string(),
            }),
            Err(error) if error.kind() == ErrorKind::NotFound => {
                Err(CloneStoreError::FileNotFound {
                    id: id.clone(),
                    path: path.to_string(),
                })
            }
            Err(source) => Err(CloneStoreError::Io { path: file, source }),
        }
    }

    /// Removes a clone and its files.
    pub fn delete(&self, id: &CloneId) -> Result<(), CloneStoreError> {
        let dir = self.existing_dir(id)?;
        fs::remove_dir_all(&dir).map_err(io(&dir))
    }

    fn existing_dir(&self, id: &CloneId) -> Result<PathBuf, CloneStoreError> {
        let dir = self.clones.join(id.as_str());
        if dir.join(METADATA).is_file() {
            Ok(dir)
        } else {
            Err(CloneStoreError::NotFound { id: id.clone() })
        }
    }

    fn summary(&self, id: &CloneId) -> Result<CloneSummary, CloneStoreError> {
        let path = self.clones.join(id.as_str()).join(METADATA);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == ErrorKind::NotFound => {
                return Err(CloneStoreError::NotFound { id: id.clone() });
            }
            Err(source) => return Err(CloneStoreError::Io { path, source }),
        };
        serde_json::from_str(&text).map_err(|source| CloneStoreError::Corrupt { path, source })
    }

    /// Writes record.json through a temporary file, so readers never see half of it.
    fn write_summary(&self, summary: &CloneSummary) -> Result<(), CloneStoreError> {
        let path = self.clones.join(summary.id.as_str()).join(METADATA);
        // Plain strings, numbers and enums always serialize.
        let json = serde_json::to_vec_pretty(summary).unwrap_or_default();
        match write_atomically(&path, &json) {
            // A record that says `running` forever would be worse than one written in place.
            Err(error) if error.is_disk_full() => {
                upkeep::overwrite_in_place(&path, &json).map_err(io(&path))
            }
            written => written,
        }
    }
}

/// Now, as RFC 3339 UTC with milliseconds.
pub(crate) fn now_rfc3339() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    UtcTime::from_unix(now).rfc3339()
}

/// Random hex for ids (sessions), from the same source as clone ids.
pub(crate) fn random_hex() -> String {
    format!("{:08x}", random_suffix())
}

/// Writes `bytes` to a temporary file beside `path` and renames it over `path`.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CloneStoreError> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let temporary = path.with_file_name(format!("{name}.{:06x}.tmp", random_suffix() & 0xff_ffff));
    if let Err(source) = fs::write(&temporary, bytes) {
        // A full disk leaves a partial temporary file behind otherwise.
        let _ = fs::remove_file(&temporary);
        return Err(CloneStoreError::Io {
            path: temporary,
            source,
        });
    }
    fs::rename(&temporary, path).map_err(io(path))
}

/// Adds the regular files under `dir` to `files`, keyed by `/`-joined paths after `prefix`.
fn collect_files(
    dir: &Path,
    prefix: &str,
    files: &mut ProjectFiles,
) -> Result<(), CloneStoreError> {
    for entry in fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        let key = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let file_type = entry.file_type().map_err(io(&path))?;
        // Symlinks are never followed: the store only holds what it wrote itself.
        if file_type.is_dir() {
            collect_files(&path, &key, files)?;
        } else if file_type.is_file() {
            files.insert_bytes(key, fs::read(&path).map_err(io(&path))?);
        }
    }
    Ok(())
}

/// Random bits without a random-number crate: std's per-process random hash keys over a
/// counter and the clock.
fn random_suffix() -> u32 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let hash = RandomState::new().hash_one((COUNTER.fetch_add(1, Ordering::Relaxed), nanos));
    (hash >> 32) as u32
}

/// A UTC calendar time, from Unix time without a date crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct UtcTime {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millisecond: u32,
}

impl UtcTime {
    fn from_unix(since_epoch: Duration) -> UtcTime {
        let seconds = since_epoch.as_secs();
        let days = i64::try_from(seconds / 86_400).unwrap_or(i64::MAX / 2);
        let of_day = (seconds % 86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        UtcTime {
            year,
            month,
            day,
            hour: of_day / 3600,
            minute: of_day / 60 % 60,
            second: of_day % 60,
            millisecond: since_epoch.subsec_millis(),
        }
    }

    fn rfc3339(self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second, self.millisecond
        )
    }
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times_from_unix_time() {
        let cases = [
            (0, "1970-01-01T00:00:00.000Z"),
            (951_868_799_999, "2000-02-29T23:59:59.999Z"),
            (1_732_259_052_123, "2024-11-22T07:04:12.123Z"),
            (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
        ];
        for (millis, expected) in cases {
            assert_eq!(
                UtcTime::from_unix(Duration::from_millis(millis)).rfc3339(),
                expected
            );
        }
    }

    #[test]
    fn ids_carry_the_time_and_parse_back() {
        let id = CloneId::new(Duration::from_millis(1_732_259_052_123), 0x8f3a2c);
        assert_eq!(id.as_str(), "20241122-070412-123-8f3a2c");
        assert_eq!(CloneId::parse(id.as_str()).unwrap(), id);
        let later = CloneId::new(Duration::from_millis(1_732_259_052_124), 0);
        assert!(later > id);
    }

    #[test]
    fn ids_other_than_the_exact_form_are_refused() {
        for bad in [
            "",
            "..",
            "../20241122-070412-123-8f3a2c",
            "20241122-070412-123-8f3a2c/",
            "20241122-070412-123-8F3A2C",
            "20241122-070412-123-8f3a2",
            "20241122-070412-123-8f3a2cd",
            "20241122_070412-123-8f3a2c",
            "2024112a-070412-123-8f3a2c",
            "20241122-070412-123-8f3a2g",
        ] {
            assert!(
                matches!(CloneId::parse(bad), Err(CloneStoreError::InvalidId { .. })),
                "{bad:?}"
            );
        }
    }
}
