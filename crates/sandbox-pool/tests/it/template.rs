//! The template's files against core's package list, and its install into the cache.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;

use replica_core::{NEXT_VERSION, TEMPLATE_DEV_PACKAGES, TEMPLATE_PACKAGES};
use replica_sandbox_pool::{
    TEMPLATE_FILES, install_template, replaced_template_files, template_file, template_key,
};

use crate::support::template;

fn dependencies(json: &serde_json::Value) -> BTreeMap<String, String> {
    json.as_object()
        .unwrap()
        .iter()
        .map(|(name, version)| (name.clone(), version.as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn package_json_pins_exactly_the_template_packages() {
    let package: serde_json::Value = serde_json::from_str(template_file("package.json")).unwrap();
    let pinned = dependencies(&package["dependencies"]);
    assert_eq!(pinned, listed(TEMPLATE_PACKAGES));
    assert_eq!(pinned["next"], NEXT_VERSION);
    assert_eq!(
        dependencies(&package["devDependencies"]),
        listed(TEMPLATE_DEV_PACKAGES),
        "the template's tooling is TEMPLATE_DEV_PACKAGES"
    );
}

fn listed(packages: &[(&str, &str)]) -> BTreeMap<String, String> {
    packages
        .iter()
        .map(|(name, version)| (name.to_string(), version.to_string()))
        .collect()
}

#[test]
fn the_lock_file_resolves_every_package_to_the_pinned_version() {
    let lock: serde_json::Value = serde_json::from_str(template_file("package-lock.json")).unwrap();
    let root = dependencies(&lock["packages"][""]["dependencies"]);
    let dev = dependencies(&lock["packages"][""]["devDependencies"]);
    assert_eq!(
        (root, dev),
        (listed(TEMPLATE_PACKAGES), listed(TEMPLATE_DEV_PACKAGES)),
        "crates/core/template/package-lock.json is stale: run `npm install --package-lock-only` \
         beside template/package.json and copy the lock there"
    );
    for (name, version) in TEMPLATE_PACKAGES.iter().chain(TEMPLATE_DEV_PACKAGES) {
        let resolved = &lock["packages"][format!("node_modules/{name}")]["version"];
        assert_eq!(resolved.as_str(), Some(*version), "{name}");
    }
}

#[test]
fn a_project_in_another_language_replaces_the_template_s_modules() {
    let javascript = crate::support::files(&[
        ("app/layout.jsx", ""),
        ("app/page.jsx", ""),
        ("jsconfig.json", "{}"),
        ("next.config.mjs", ""),
        ("components/Hero.jsx", ""),
    ]);
    assert_eq!(
        replaced_template_files(&javascript),
        [
            "tsconfig.json",
            "next-env.d.ts",
            "app/layout.tsx",
            "app/page.tsx"
        ]
    );
    let typescript = crate::support::files(&[
        ("app/layout.tsx", ""),
        ("app/page.tsx", ""),
        ("tsconfig.json", "{}"),
        ("components/Hero.tsx", ""),
    ]);
    // What a sandbox made from the JavaScript template before it (a Daytona snapshot) has.
    assert_eq!(
        replaced_template_files(&typescript),
        ["jsconfig.json", "app/layout.jsx", "app/page.jsx"]
    );
    let edit = crate::support::files(&[("components/Hero.tsx", "")]);
    assert!(replaced_template_files(&edit).is_empty());
}

#[test]
fn the_template_is_typescript_as_create_next_app_writes_it() {
    assert_eq!(template_file("tsconfig.json"), replica_core::TSCONFIG);
    assert!(template_file("next-env.d.ts").starts_with("/// <reference types=\"next\" />\n"));
    for path in ["app/layout.tsx", "app/page.tsx"] {
        assert!(!template_file(path).is_empty(), "{path}");
    }
    for (path, _) in TEMPLATE_FILES {
        assert!(
            !path.ends_with(".jsx") && *path != "jsconfig.json",
            "{path}: one language"
        );
    }
}

#[test]
fn no_template_file_uses_google_fonts() {
    // next/font/google downloads fonts while compiling, which fails offline.
    for (path, contents) in TEMPLATE_FILES {
        assert!(!contents.contains("next/font/google"), "{path}");
    }
}

#[test]
fn the_key_is_a_hash_of_the_template_s_files() {
    let key = template_key();
    assert_eq!(key.len(), 16);
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()), "{key}");
    assert_eq!(key, template_key());
    // The JavaScript template's installs were keyed by its lock file alone (this lock file):
    // a cache holding one must not pass for this template.
    let lock_only = sha2_prefix(template_file("package-lock.json"));
    assert_ne!(key, lock_only);
}

fn sha2_prefix(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[test]
fn an_installed_template_is_found_again_without_npm() {
    let installed = template();
    assert!(installed.dir().ends_with(template_key()));
    let next_package = installed.node_modules().join("next/package.json");
    let next: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(next_package).unwrap()).unwrap();
    assert_eq!(next["version"], NEXT_VERSION);
    // No temporary install directories are left beside it.
    let leftovers: Vec<_> = std::fs::read_dir(installed.dir().parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A second install finds the first: the same node_modules, not a new one renamed in.
    let inode = |path: &std::path::Path| std::fs::metadata(path).unwrap().ino();
    let before = inode(&installed.node_modules());
    let cache = installed.dir().parent().unwrap().parent().unwrap();
    let again = install_template(cache).unwrap();
    assert_eq!(again, installed);
    assert_eq!(inode(&again.node_modules()), before);
}

#[test]
fn a_failing_install_is_a_typed_error_and_leaves_nothing() {
    // A cache directory that is a file cannot hold templates.
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("cache");
    std::fs::write(&file, "not a directory").unwrap();
    let error = install_template(&file).unwrap_err();
    assert!(
        matches!(error, replica_sandbox_pool::SandboxPoolError::Io { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("cache"), "{error}");
}
