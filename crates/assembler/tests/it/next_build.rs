//! The assembled project of every recorded fixture as a developer gets it, on the sandbox
//! template's install (Next 14.2.21, its packages and tooling): in TypeScript and JavaScript
//! (faithful style) `next build` passes with its type check (TypeScript) and its lint, and
//! the page it prerenders has exactly the ids and landmarks of the original; the tailwind
//! style builds too. One project is installed for real from the npm cache the template
//! install filled, with no network, then built and started.

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use regex::Regex;
use replica_core::OutputStyle;
use replica_core::{DomElement, Lang, ScrapeData};
use replica_sandbox_pool::{default_cache_dir, install_template, write_project_files};

use crate::{assemble_fixture, scrape_dirs};

/// A cold `next build` of a fixture takes ~15 s here; this bounds a hung command.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(300);

#[test]
fn every_assembled_fixture_checks_lints_builds_and_keeps_its_ids_and_landmarks() {
    let template = install_template(&default_cache_dir(|name| std::env::var(name).ok()))
        .unwrap_or_else(|error| panic!("the sandbox template must install: {error}"));
    let modules = template.node_modules();
    let mut jobs = Vec::new();
    for dir in scrape_dirs() {
        for (style, lang) in [
            (OutputStyle::Faithful, Lang::TypeScript),
            (OutputStyle::Faithful, Lang::JavaScript),
            (OutputStyle::Tailwind, Lang::TypeScript),
        ] {
            jobs.push((dir.clone(), style, lang));
        }
    }
    // Two builds at a time: one `next build` keeps about 1.4 of this machine's 2 cores busy.
    let next_job = AtomicUsize::new(0);
    let outcomes = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..BUILDS_AT_ONCE {
            scope.spawn(|| {
                loop {
                    let index = next_job.fetch_add(1, Ordering::Relaxed);
                    let Some((dir, style, lang)) = jobs.get(index) else {
                        break;
                    };
                    let name = format!(
                        "{} ({}, {})",
                        dir.file_name().unwrap().to_string_lossy(),
                        style.as_str(),
                        lang.as_str()
                    );
                    let outcome = build_fixture(&modules, dir, *style, *lang)
                        .map_err(|problem| format!("{name}:\n{problem}"));
                    outcomes.lock().unwrap().push(outcome);
                }
            });
        }
    });
    let outcomes = outcomes.into_inner().unwrap();
    let built = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    let failures: Vec<String> = outcomes.into_iter().filter_map(Result::err).collect();
    assert!(
        failures.is_empty(),
        "{} of {} projects failed:\n{}",
        failures.len(),
        failures.len() + built,
        failures.join("\n\n")
    );
    assert!(built >= 3 * 12, "only {built} projects were built");
}

const BUILDS_AT_ONCE: usize = 2;

/// The fixture's project in `style` and `lang`, written to a fresh directory on the template's
/// packages, built, and its prerendered page compared with the original.
fn build_fixture(modules: &Path, dir: &Path, style: OutputStyle, lang: Lang) -> Result<(), String> {
    let scrape = ScrapeData::load(dir).map_err(|error| error.to_string())?;
    let project = tempfile::tempdir().unwrap();
    write_project_files(project.path(), &assemble_fixture(dir, style, lang).files)
        .map_err(|error| error.to_string())?;
    std::os::unix::fs::symlink(modules, project.path().join("node_modules")).unwrap();
    check_build(modules, project.path(), style == OutputStyle::Faithful)?;
    let html = prerendered_page(project.path())?;
    compare_structure(&scrape, &html)
}

/// `next build`, which checks the types of a TypeScript project with the project's tsconfig
/// (as `tsc --noEmit` would) and fails on them, and, when `lint`, runs `next lint`'s checks
/// first and fails on an error.
fn check_build(modules: &Path, project: &Path, lint: bool) -> Result<(), String> {
    let mut argv = vec![
        modules
            .join("next/dist/bin/next")
            .to_string_lossy()
            .into_owned(),
        "build".to_string(),
    ];
    if !lint {
        argv.push("--no-lint".to_string());
    }
    let output = run("node", &argv, project).map_err(|e| format!("next build: {e}"))?;
    // Without an ESLint configuration `next build` only warns and goes on unlinted.
    if lint && !output.contains("Linting and checking validity of types") {
        return Err(format!("next build did not lint:\n{output}"));
    }
    Ok(())
}

/// Runs `program` in `dir`; its output, or why it failed with the last lines of it.
fn run(program: &str, args: &[String], dir: &Path) -> Result<String, String> {
    let log_path = dir.join(".command.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env("NEXT_TELEMETRY_DISABLED", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|error| panic!("{program} runs: {error}"));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > COMMAND_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = std::fs::read_to_string(&log_path).unwrap_or_default();
    let _ = std::fs::remove_file(&log_path);
    if status.is_some_and(|status| status.success()) {
        return Ok(output);
    }
    let tail: Vec<&str> = output.lines().rev().take(40).collect();
    let outcome = status.map_or_else(
        || format!("timed out after {COMMAND_TIMEOUT:?}"),
        |s| s.to_string(),
    );
    Err(format!(
        "{outcome}\n{}",
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    ))
}

/// The HTML `next build` prerendered for `/`.
fn prerendered_page(project: &Path) -> Result<String, String> {
    let path: PathBuf = project.join(".next/server/app/index.html");
    std::fs::read_to_string(&path).map_err(|error| format!("{}: {error}", path.display()))
}

/// Ids (each with how many elements carry it) and landmark tags (each with its count).
#[derive(Debug, Default, PartialEq)]
struct Structure {
    ids: BTreeMap<String, usize>,
    landmarks: BTreeMap<String, usize>,
}

const LANDMARKS: &[&str] = &["main", "header", "footer", "nav"];

/// What the clone never renders: these elements and everything in them (the scrape skips
/// them too, or the compiler drops them: they run or load things, or show nothing).
const NOT_RENDERED: &[&str] = &[
    "script", "noscript", "template", "style", "link", "meta", "base", "title",
];

fn original_structure(scrape: &ScrapeData) -> Structure {
    fn walk(element: &DomElement, out: &mut Structure) {
        if NOT_RENDERED.contains(&element.tag.as_str()) {
            return;
        }
        if let Some(id) = element.attr("id") {
            *out.ids.entry(id.to_string()).or_default() += 1;
        }
        if LANDMARKS.contains(&element.tag.as_str()) {
            *out.landmarks.entry(element.tag.clone()).or_default() += 1;
        }
        for child in element.child_elements() {
            walk(child, out);
        }
    }
    let mut structure = Structure::default();
    if let Some(body) = scrape
        .desktop
        .dom
        .child_elements()
        .find(|element| element.tag == "body")
    {
        walk(body, &mut structure);
    }
    structure
}

static SCRIPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?is)<script\b.*?</script\s*>|<style\b.*?</style\s*>|<template\b.*?</template\s*>|<noscript\b.*?</noscript\s*>",
    )
    .unwrap()
});
static TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"<([a-zA-Z][a-zA-Z0-9:-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>"#).unwrap()
});
static ID: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?:^|\s)id=(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))"#).unwrap());

/// The structure of the `<body>` of prerendered HTML (Next's scripts and the payload in them
/// left out).
fn html_structure(html: &str) -> Structure {
    let body = html.find("<body").map_or(html, |start| &html[start..]);
    let body = SCRIPT.replace_all(body, "");
    let mut structure = Structure::default();
    for tag in TAG.captures_iter(&body) {
        let name = tag[1].to_ascii_lowercase();
        if let Some(id) = ID.captures(&tag[2]) {
            let value = id
                .get(1)
                .or(id.get(2))
                .or(id.get(3))
                .map_or("", |m| m.as_str());
            *structure.ids.entry(unescape(value)).or_default() += 1;
        }
        if LANDMARKS.contains(&name.as_str()) {
            *structure.landmarks.entry(name).or_default() += 1;
        }
    }
    structure
}

fn unescape(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn compare_structure(scrape: &ScrapeData, html: &str) -> Result<(), String> {
    let original = original_structure(scrape);
    let clone = html_structure(html);
    if original == clone {
        return Ok(());
    }
    let differences = |what: &str, a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>| {
        a.keys()
            .chain(b.keys())
            .filter(|key| a.get(*key) != b.get(*key))
            .map(|key| {
                format!(
                    "{what} {key:?}: original {}, clone {}",
                    a.get(key).unwrap_or(&0),
                    b.get(key).unwrap_or(&0)
                )
            })
            .collect::<std::collections::BTreeSet<_>>()
    };
    let mut lines = differences("id", &original.ids, &clone.ids);
    lines.extend(differences(
        "landmark",
        &original.landmarks,
        &clone.landmarks,
    ));
    Err(lines.into_iter().collect::<Vec<_>>().join("\n"))
}

/// A project in a fresh directory, as a user gets it: `npm install` with no network (in a
/// network namespace of its own; where `unshare` is not allowed, `npm install --offline`,
/// which makes no request), `npm run build`, `npm start`, and the page answers.
#[test]
fn a_project_installs_from_the_template_cache_offline_builds_and_starts() {
    install_template(&default_cache_dir(|name| std::env::var(name).ok()))
        .unwrap_or_else(|error| panic!("the sandbox template must install: {error}"));
    let dir = crate::workspace_fixtures().join("scrapes/landing");
    let project = tempfile::tempdir().unwrap();
    write_project_files(
        project.path(),
        &assemble_fixture(&dir, OutputStyle::Faithful, Lang::TypeScript).files,
    )
    .unwrap();
    let npm = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
        run("npm", &args, project.path())
    };
    let isolated = Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|status| status.success());
    let install: Vec<String> = if isolated {
        ["-n", "npm", "install", "--no-audit", "--no-fund"]
            .map(String::from)
            .to_vec()
    } else {
        ["install", "--offline", "--no-audit", "--no-fund"]
            .map(String::from)
            .to_vec()
    };
    let program = if isolated { "unshare" } else { "npm" };
    run(program, &install, project.path())
        .unwrap_or_else(|error| panic!("npm install from the cache, no network: {error}"));
    npm(&["run", "build"]).unwrap_or_else(|error| panic!("npm run build: {error}"));
    let port = free_port();
    let mut server = Command::new("npm")
        .args(["start", "--", "--port", &port.to_string()])
        .current_dir(project.path())
        .env("NEXT_TELEMETRY_DISABLED", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let page = wait_for_page(port);
    // npm starts next in the same process group: stop them all (`--`: a negative pid is a
    // process group, not an option).
    let _ = Command::new("kill")
        .args(["-TERM", "--", &format!("-{}", server.id())])
        .status();
    let _ = server.wait();
    let page = page.unwrap_or_else(|error| panic!("npm start: {error}"));
    assert!(page.contains("<main id=\"top\">"), "{page}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// GET / until it answers 200 (at most a minute).
fn wait_for_page(port: u16) -> Result<String, String> {
    use std::io::{Read, Write};
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
            let request = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
            if stream.write_all(request.as_bytes()).is_ok() {
                let mut response = String::new();
                let _ = stream.read_to_string(&mut response);
                if response.starts_with("HTTP/1.1 200") {
                    return Ok(response);
                }
            }
        }
        if Instant::now() > deadline {
            return Err(format!("nothing answered on port {port} within a minute"));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}
