//! What a long-running server needs of the store besides clones themselves: each clone's
//! event log (replayed to clients that re-attach), clones whose process died, and what
//! retention may delete.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::Path;
use std::time::SystemTime;

use replica_core::PipelineEvent;

use super::{CloneId, CloneStatus, CloneStore, CloneStoreError, io};

/// One line per event, the line number being its SSE id.
const EVENTS: &str = "events.jsonl";

/// Something kept under the data directory that retention may delete: a clone or prompt
/// project here; agent sessions implement [`Retained`] over their own store the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredItem {
    /// What it is (`clone`), for logs.
    pub kind: &'static str,
    pub id: String,
    /// When it last changed (its newest metadata, event, or agent turn).
    pub last_used: SystemTime,
}

/// A store whose items retention may delete: it lists them with their age and deletes one.
/// Deleting never touches anything outside the data directory (a directory a user works in
/// keeps its files; only the store's own records of it go).
pub trait Retained: Send + Sync {
    fn items(&self) -> Result<Vec<StoredItem>, CloneStoreError>;
    fn remove(&self, item: &StoredItem) -> Result<(), CloneStoreError>;
}

impl Retained for CloneStore {
    fn items(&self) -> Result<Vec<StoredItem>, CloneStoreError> {
        let mut items = Vec::new();
        for summary in self.list()? {
            let dir = self.clones.join(summary.id.as_str());
            let last_used = last_used(&dir, &[super::METADATA, EVENTS]);
            items.push(StoredItem {
                kind: "clone",
                id: summary.id.to_string(),
                last_used,
            });
        }
        Ok(items)
    }

    fn remove(&self, item: &StoredItem) -> Result<(), CloneStoreError> {
        self.delete(&CloneId::parse(&item.id)?)
    }
}

/// When a project directory of the store (a clone's, or a directory project's record) was
/// last used: the newest change of the directory, of its `own` files, and of its agent state.
/// An agent turn changes files, not the metadata: its checkpoint (one new manifest per turn)
/// and session directories count as use too.
pub(crate) fn last_used(dir: &Path, own: &[&str]) -> SystemTime {
    let agent = ["agent/checkpoints", "agent/sessions"];
    std::iter::once(dir.to_path_buf())
        .chain(own.iter().chain(&agent).map(|name| dir.join(name)))
        .filter_map(|path| fs::metadata(path).and_then(|m| m.modified()).ok())
        .max()
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

impl CloneStore {
    /// Appends one event to the clone's log; its id is the number of events before it plus 1.
    pub fn append_event(&self, id: &CloneId, event: &PipelineEvent) -> Result<(), CloneStoreError> {
        let path = self.existing_dir(id)?.join(EVENTS);
        // An event is one JSON line: serde_json escapes every newline inside strings.
        let mut line = serde_json::to_vec(event).unwrap_or_default();
        line.push(b'\n');
        let mut file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(io(&path))?;
        file.write_all(&line).map_err(io(&path))
    }

    /// The clone's logged events, in order (the first has id 1). A clone that never logged
    /// any (cloned by the CLI) has none. A last line cut short by a crash is left out.
    pub fn events(&self, id: &CloneId) -> Result<Vec<PipelineEvent>, CloneStoreError> {
        let path = self.existing_dir(id)?.join(EVENTS);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(CloneStoreError::Io { path, source }),
        };
        Ok(text
            .lines()
            .map_while(|line| serde_json::from_str(line).ok())
            .collect())
    }

    /// Marks every queued or running clone whose process is gone as `interrupted` (with an
    /// error line and a last logged event saying so) and returns their ids. A clone of a
    /// live process (a CLI clone beside the server, on the same data directory) is left alone.
    pub fn mark_interrupted(&self) -> Result<Vec<CloneId>, CloneStoreError> {
        let mut marked = Vec::new();
        for summary in self.list()? {
            if !summary.status.is_active() || summary.owner.as_deref().is_some_and(process_is_alive)
            {
                continue;
            }
            let message = format!(
                "interrupted: the process running the clone stopped before it finished (after {})",
                match summary.stages.last() {
                    Some(stage) => format!("stage {stage}"),
                    None => "no finished stage".into(),
                }
            );
            self.update(&summary.id, |record| {
                record.status = CloneStatus::Interrupted;
                record.owner = None;
                record.errors.push(message.clone());
            })?;
            self.append_event(
                &summary.id,
                &PipelineEvent::Error {
                    message,
                    stage: "server".into(),
                    code: Some("interrupted".into()),
                },
            )?;
            marked.push(summary.id);
        }
        Ok(marked)
    }
}

/// This process as `pid:start-time` (clock ticks after boot, from /proc): a pid alone could
/// name a new process after a restart (a container's pid 1).
pub(super) fn this_process() -> Option<String> {
    let pid = std::process::id();
    start_time(pid).map(|start| format!("{pid}:{start}"))
}

fn process_is_alive(owner: &str) -> bool {
    let Some((pid, start)) = owner.split_once(':') else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    start_time(pid).is_some_and(|now| now.to_string() == start)
}

/// Field 22 of /proc/PID/stat; `None` for a process that is gone or a zombie.
fn start_time(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses; fields after it do not.
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    if fields.first() == Some(&"Z") {
        return None;
    }
    // `rest` starts at field 3.
    fields.get(19)?.parse().ok()
}

impl CloneStoreError {
    /// The file system had no space left (ENOSPC, or a quota).
    pub fn is_disk_full(&self) -> bool {
        match self {
            CloneStoreError::Io { source, .. } => matches!(
                source.kind(),
                ErrorKind::StorageFull | ErrorKind::QuotaExceeded
            ),
            _ => false,
        }
    }
}

/// Rewrites a small file in place: the last resort for a record on a full disk, where the
/// temporary file of an atomic write cannot be created but the record's own blocks can be
/// reused (a record is far smaller than a block).
pub(super) fn overwrite_in_place(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = fs::OpenOptions::new().write(true).open(path)?;
    file.write_all(bytes)?;
    file.set_len(bytes.len() as u64)?;
    file.sync_data()
}
