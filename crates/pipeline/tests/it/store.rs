//! The clone store on a real (temporary) data directory.

use std::collections::HashSet;
use std::fs;

use replica_core::{PipelineEvent, ProjectFiles};
use replica_pipeline::{
    CloneId, CloneStatus, CloneStore, CloneStoreError, DirectoryProjects, ProjectRef, Retained,
};
use tempfile::TempDir;

fn project(entries: &[(&str, &str)]) -> ProjectFiles {
    let mut files = ProjectFiles::default();
    for (path, text) in entries {
        files.insert_text(*path, *text);
    }
    files
}

#[test]
fn create_get_and_list() {
    let data = TempDir::new().unwrap();
    let store = CloneStore::open(data.path()).unwrap();
    assert!(data.path().join("clones").is_dir());
    assert!(store.list().unwrap().is_empty());

    let first = store.create("https://example.com/").unwrap();
    let second = store.create("https://example.org/pricing").unwrap();
    let record = store.get(&second).unwrap();
    assert_eq!(record.summary.id, second);
    assert_eq!(record.summary.url, "https://example.org/pricing");
    assert_eq!(record.summary.status, CloneStatus::Running);
    assert!(record.files.is_empty());
    // RFC 3339 UTC with milliseconds, and the same instant as the id.
    assert_eq!(
        record.summary.created_at.len(),
        "2024-11-22T07:04:12.123Z".len()
    );
    assert!(record.summary.created_at.ends_with('Z'));
    assert_eq!(
        record.summary.created_at[..10].replace('-', ""),
        second.as_str()[..8]
    );

    let listed: Vec<CloneId> = store
        .list()
        .unwrap()
        .into_iter()
        .map(|clone| clone.id)
        .collect();
    let mut newest_first = vec![first, second];
    newest_first.sort();
    newest_first.reverse();
    assert_eq!(listed, newest_first);
}

#[test]
fn ids_are_unique_even_within_one_millisecond() {
    let data = TempDir::new().unwrap();
    let store = CloneStore::open(data.path()).unwrap();
    let ids: HashSet<CloneId> = (0..200)
        .map(|_| store.create("https://example.com/").unwrap())
        .collect();
    assert_eq!(ids.len(), 200);
    assert_eq!(store.list().unwrap().len(), 200);
}

#[test]
fn files_round_trip_and_a_new_set_replaces_the_old() {
    let data = TempDir::new().unwrap();
    let store = CloneStore::open(data.path()).unwrap();
    let id = store.create("https://example.com/").unwrap();

    let mut files = project(&[("app/page.jsx", "page"), ("components/Hero.jsx", "hero")]);
    files.insert_bytes("public/logo.png", vec![0x89, b'P', b'N', b'G', 0, 0xff]);
    store.save_files(&id, &files).unwrap();
    assert_eq!(store.get(&id).unwrap().files, files);
    assert_eq!(
        store.read_file(&id, "public/logo.png").unwrap(),
        [0x89, b'P', b'N', b'G', 0, 0xff]
    );

    let replacement = project(&[("app/page.jsx", "page v2")]);
    store.save_files(&id, &replacement).unwrap();
    assert_eq!(store.get(&id).unwrap().files, replacement);
    assert!(matches!(
        store.read_file(&id, "components/Hero.jsx"),
        Err(CloneStoreError::FileNotFound { .. })
    ));
    // Only the metadata and the current file set are left in the clone's directory.
    let mut entries: Vec<String> = fs::read_dir(data.path().join("clones").join(id.as_str()))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    assert_eq!(entries, ["files", "record.json"]);
}

#[test]
fn status_changes_persist_across_reopening() {
    let data = TempDir::new().unwrap();
    let id = {
        let store = CloneStore::open(data.path()).unwrap();
        let id = store.create("https://example.com/").unwrap();
        store.set_status(&id, CloneStatus::Failed).unwrap();
        id
    };
    let store = CloneStore::open(data.path()).unwrap();
    assert_eq!(store.get(&id).unwrap().summary.status, CloneStatus::Failed);
    let json = fs::read_to_string(
        data.path()
            .join("clones")
            .join(id.as_str())
            .join("record.json"),
    )
    .unwrap();
    assert!(json.contains("\"status\": \"failed\""), "{json}");
}

#[test]
fn a_record_written_before_the_wall_timings_existed_still_loads() {
    let data = TempDir::new().unwrap();
    let store = CloneStore::open(data.path()).unwrap();
    let id = store.create("https://example.com/").unwrap();
    store
        .update(&id, |record| {
            record.timings.scrape = 1200;
            record.timings.to_compiled = 7000;
        })
        .unwrap();
    let path = data
        .path()
        .join("clones")
        .join(id.as_str())
        .join("record.json");
    let mut json: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    let timings = json["timings"].as_object_mut().unwrap();
    for added in ["to_compiled", "sandbox_wait", "inspect"] {
        assert!(timings.remove(added).is_some(), "{added} is not written");
    }
    fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    let timings = CloneStore::open(data.path())
        .unwrap()
        .get(&id)
        .unwrap()
        .summary
        .timings;
    assert_eq!((timings.scrape, timings.to_compiled), (1200, 0));
}

#[test]
fn delete_removes_the_clone() {
    let data = TempDir::new().unwrap();
    let store = CloneStore::open(data.path()).unwrap();
    let id = store.create("https://example.com/").unwrap();
    store
        .save_files(&id, &project(&[("app/page.jsx", "page")]))
        .unwrap();
    store.delete(&id).unwrap();
    assert!(matches!(
        store.get(&id),
        Err(CloneStoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.delete(&id),
        Err(CloneStoreError::NotFound { .. })
    ));
    assert!(store.list().unwrap().is_empty());
}

#[test]
fn unknown_clones_and_files_are_not_found() {
    let data = TempDir::new().unwrap();
    let store = CloneStore::open(data.path()).unwrap();
    let unknown = CloneId::parse("20241122-070412-123-8f3a2c").unwrap();
    let error = store.get(&unknown).unwrap_err();
    assert_eq!(
        error.to_string(),
        "clone 20241122-070412-123-8f3a2c not found"
    );
    assert!(matches!(
        store.read_file(&unknown, "app/page.jsx"),
        Err(CloneStoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.save_files(&unknown, &ProjectFiles::default()),
        Err(CloneStoreError::NotFound { .. })
    ));

    let id = store.create("https://example.com/").unwrap();
    store
        .save_files(&id, &project(&[("app/page.jsx", "page")]))
        .unwrap();
    let error = store.read_file(&id, "app/missing.jsx").unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("clone {id} has no file \"app/missing.jsx\"")
    );
    // A directory is not a file.
    assert!(matches!(
        store.read_file(&id, "app"),
        Err(CloneStoreError::FileNotFound { .. })
    ));
}

#[test]
fn paths_and_ids_cannot_leave_the_store() {
    let data = TempDir::new().unwrap();
    let store = CloneStore::open(data.path()).unwrap();
    let id = store.create("https://example.com/").unwrap();
    for bad in [
        "../record.json",
        "/etc/passwd",
        "app/../../record.json",
        "a\\b",
    ] {
        assert!(
            matches!(
                store.read_file(&id, bad),
                Err(CloneStoreError::InvalidPath(_))
            ),
            "{bad}"
        );
        let error = store.save_files(&id, &project(&[(bad, "x")])).unwrap_err();
        assert!(
            matches!(error, CloneStoreError::InvalidPath(_)),
            "{bad}: {error}"
        );
    }
    for bad in ["../clones", "..", "", "20241122-070412-123-8f3a2c/../x"] {
        let error = CloneId::parse(bad).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with(&format!("invalid clone id {bad:?}")),
            "{error}"
        );
    }
}

#[test]
fn stray_directories_are_skipped_and_corrupt_metadata_is_reported() {
    let data = TempDir::new().unwrap();
    let store = CloneStore::open(data.path()).unwrap();
    let clones = data.path().join("clones");
    fs::create_dir(clones.join("not-a-clone")).unwrap();
    // A clone directory whose metadata is not written yet.
    fs::create_dir(clones.join("20241122-070412-123-000000")).unwrap();
    let id = store.create("https://example.com/").unwrap();
    assert_eq!(store.list().unwrap().len(), 1);

    fs::write(clones.join(id.as_str()).join("record.json"), "{ not json").unwrap();
    let error = store.list().unwrap_err();
    assert!(matches!(error, CloneStoreError::Corrupt { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("record.json: invalid clone metadata"),
        "{error}"
    );
}

#[test]
fn events_are_logged_in_order_and_a_cut_last_line_is_left_out() {
    let data = TempDir::new().unwrap();
    let store = CloneStore::open(data.path()).unwrap();
    let id = store.create("https://example.com/").unwrap();
    assert_eq!(store.events(&id).unwrap(), Vec::new());
    let events = [
        PipelineEvent::Queued { position: 1 },
        PipelineEvent::Warning {
            message: "two\nlines".into(),
            page: None,
        },
        PipelineEvent::Compiled,
    ];
    for event in &events {
        store.append_event(&id, event).unwrap();
    }
    assert_eq!(store.events(&id).unwrap(), events);
    // A process killed in the middle of a write.
    let log = data
        .path()
        .join("clones")
        .join(id.as_str())
        .join("events.jsonl");
    let mut text = fs::read_to_string(&log).unwrap();
    text.push_str("{\"type\":\"comp");
    fs::write(&log, text).unwrap();
    assert_eq!(store.events(&id).unwrap(), events);
}

#[test]
fn clones_of_a_dead_process_are_marked_interrupted_with_how_far_they_got() {
    let data = TempDir::new().unwrap();
    let store = CloneStore::open(data.path()).unwrap();
    let ours = store.create("https://example.com/ours").unwrap();
    let dead = store.create("https://example.com/dead").unwrap();
    let queued = store.create("https://example.com/queued").unwrap();
    let finished = store.create("https://example.com/finished").unwrap();
    // No process has this pid (Linux caps pids at 4194304) or started at tick 1.
    let gone = Some("4194304:1".to_string());
    store
        .update(&dead, |record| {
            record.owner = gone.clone();
            record.stages = vec!["scrape".into(), "design".into()];
        })
        .unwrap();
    store
        .update(&queued, |record| {
            record.owner = None;
            record.status = CloneStatus::Queued;
        })
        .unwrap();
    store
        .update(&finished, |record| {
            record.owner = gone.clone();
            record.status = CloneStatus::Done;
        })
        .unwrap();

    let mut marked = store.mark_interrupted().unwrap();
    marked.sort();
    let mut expected = vec![dead.clone(), queued.clone()];
    expected.sort();
    assert_eq!(marked, expected);
    assert_eq!(
        store.summary_of(&ours).unwrap().status,
        CloneStatus::Running
    );
    assert_eq!(
        store.summary_of(&finished).unwrap().status,
        CloneStatus::Done
    );
    let record = store.summary_of(&dead).unwrap();
    assert_eq!(record.status, CloneStatus::Interrupted);
    assert_eq!(record.stages, ["scrape", "design"]);
    assert_eq!(record.owner, None);
    assert!(
        record.errors.last().unwrap().contains("after stage design"),
        "{:?}",
        record.errors
    );
    let Some(PipelineEvent::Error { stage, code, .. }) = store.events(&dead).unwrap().pop() else {
        panic!("no last event");
    };
    assert_eq!(
        (stage.as_str(), code.as_deref()),
        ("server", Some("interrupted"))
    );
    // Marking again finds nothing new.
    assert_eq!(store.mark_interrupted().unwrap(), Vec::new());
}

#[test]
fn retention_sees_every_clone_with_its_last_change_and_deletes_by_item() {
    let data = TempDir::new().unwrap();
    let store = CloneStore::open(data.path()).unwrap();
    let before = std::time::SystemTime::now() - std::time::Duration::from_secs(1);
    let first = store.create("https://example.com/").unwrap();
    let second = store.create("https://example.org/").unwrap();
    let items = store.items().unwrap();
    assert_eq!(items.len(), 2);
    assert!(
        items
            .iter()
            .all(|item| item.kind == "clone" && item.last_used >= before)
    );
    let item = items.iter().find(|item| item.id == first.as_str()).unwrap();
    store.remove(item).unwrap();
    let left: Vec<String> = store.items().unwrap().into_iter().map(|i| i.id).collect();
    assert_eq!(left, [second.to_string()]);
}

#[test]
fn an_agent_turn_on_an_old_clone_counts_as_use() {
    let data = TempDir::new().unwrap();
    let store = CloneStore::open(data.path()).unwrap();
    let id = store.create("https://example.com/").unwrap();
    let dir = data.path().join("clones").join(id.as_str());
    let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7 * 24 * 3600);
    let age = |path: &std::path::Path| {
        fs::File::open(path)
            .unwrap()
            .set_modified(long_ago)
            .unwrap()
    };
    let old_items = || store.items().unwrap()[0].last_used;
    fs::create_dir_all(dir.join("agent/checkpoints")).unwrap();
    for entry in walk(&dir) {
        age(&entry);
    }
    assert!(old_items() <= long_ago + std::time::Duration::from_secs(1));
    // A turn takes a checkpoint: a new manifest in the checkpoints directory.
    fs::write(dir.join("agent/checkpoints/1.json"), "{}").unwrap();
    let recent = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
    assert!(old_items() >= recent);
}

/// `dir` and everything under it.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut paths = vec![dir.to_path_buf()];
    for entry in fs::read_dir(dir).unwrap().flatten() {
        if entry.file_type().unwrap().is_dir() {
            paths.extend(walk(&entry.path()));
        } else {
            paths.push(entry.path());
        }
    }
    paths
}

#[test]
fn retention_deletes_the_stores_record_of_a_directory_project_never_the_directory() {
    let data = TempDir::new().unwrap();
    let work = TempDir::new().unwrap();
    fs::write(
        work.path().join("page.jsx"),
        "export default function P() {}",
    )
    .unwrap();
    let store = CloneStore::open(data.path()).unwrap();
    let projects = DirectoryProjects::new(&store);
    assert_eq!(projects.items().unwrap(), Vec::new());
    let project = ProjectRef::Directory(work.path().to_path_buf());
    // What sessions keep of a directory: `dirs/<key>/agent/...` (as `agent_dir` lays it out).
    let key = project.id().strip_prefix("dir-").unwrap().to_owned();
    let record = data.path().join("dirs").join(&key);
    fs::create_dir_all(record.join("agent/checkpoints")).unwrap();
    let items = projects.items().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        (items[0].kind, items[0].id.as_str()),
        ("directory project", project.id().as_str())
    );
    projects.remove(&items[0]).unwrap();
    assert!(!record.exists());
    assert!(
        work.path().join("page.jsx").is_file(),
        "the user's directory stays"
    );
    let mut forged = items[0].clone();
    forged.id = "dir-../../etc".into();
    assert!(projects.remove(&forged).is_err());
}
