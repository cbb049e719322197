//! The assembled project of every recorded fixture, in both styles, passes a real `next build`
//! on the sandbox template's install (Next 14.2.21 and the packages generated code may import).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use replica_sandbox_pool::{default_cache_dir, install_template, write_project_files};
use replica_section_gen::Style;

use crate::{assemble_fixture, scrape_dirs};

/// A cold `next build` of a fixture takes ~15 s here; this bounds a hung one.
const BUILD_TIMEOUT: Duration = Duration::from_secs(300);

#[test]
fn every_assembled_fixture_passes_next_build() {
    let template = install_template(&default_cache_dir())
        .unwrap_or_else(|error| panic!("the sandbox template must install: {error}"));
    let next = template.node_modules().join("next/dist/bin/next");
    let mut failures = Vec::new();
    let mut built = 0;
    for dir in scrape_dirs() {
        for style in [Style::Faithful, Style::Tailwind] {
            let name = format!("{} ({style:?})", dir.file_name().unwrap().to_string_lossy());
            let project = tempfile::tempdir().unwrap();
            write_project_files(project.path(), &assemble_fixture(&dir, style).files)
                .unwrap_or_else(|error| panic!("{name}: {error}"));
            std::os::unix::fs::symlink(
                template.node_modules(),
                project.path().join("node_modules"),
            )
            .unwrap();
            match next_build(&next, project.path()) {
                Ok(()) => built += 1,
                Err(output) => failures.push(format!("{name}:\n{output}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "next build failed for:\n{}",
        failures.join("\n\n")
    );
    assert!(built >= 2 * 12, "only {built} projects were built");
}

/// Runs `next build` in `project`; on failure, the last lines of its output.
fn next_build(next: &Path, project: &Path) -> Result<(), String> {
    let log_path = project.join("build.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new("node")
        .arg(next)
        .arg("build")
        .current_dir(project)
        .env("NEXT_TELEMETRY_DISABLED", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("node runs");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > BUILD_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    if status.is_some_and(|status| status.success()) {
        return Ok(());
    }
    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
    let tail: Vec<&str> = output.lines().rev().take(30).collect();
    let outcome = status.map_or_else(
        || format!("timed out after {BUILD_TIMEOUT:?}"),
        |s| s.to_string(),
    );
    Err(format!(
        "{outcome}\n{}",
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    ))
}
