//! The clone store on a real (temporary) data directory.

use std::collections::HashSet;
use std::fs;

use replica_core::ProjectFiles;
use replica_pipeline::{CloneId, CloneStatus, CloneStore, CloneStoreError};
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
