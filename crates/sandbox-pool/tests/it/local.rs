//! The local provider with the real template: `next dev` serving written pages, errors in the
//! log, limits, the allowlist, the idle reaper, and no process left behind.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use replica_core::{Sandbox, SandboxError, SandboxProvider};
use replica_sandbox_pool::{LocalConfig, LocalProvider, SandboxPoolError, processes_in_group};
use tempfile::TempDir;

use crate::support::{
    files, leftover_group_members, leftover_processes, local_config, log_end, template,
    wait_for_log, wait_for_rebuild,
};

const PAGE: &str = r#"import Hero from "../components/Hero";

export default function Page() {
  return (
    <main>
      <Hero />
      <p>Served by the sandbox</p>
    </main>
  );
}
"#;

const HERO: &str = r#"export default function Hero() {
  return <h1 className="text-4xl font-bold">Replica hero heading</h1>;
}
"#;

const PARTY: &str = r#""use client";
import confetti from "canvas-confetti";

export default function Party() {
  return <button onClick={() => confetti()}>Celebrate</button>;
}
"#;

/// `<img>` not closed: SWC refuses it.
const BROKEN_HERO: &str = r#"export default function Hero() {
  return (
    <section>
      <img src="/hero.png" alt="Hero">
      <h1>Broken hero</h1>
    </section>
  );
}
"#;

const TS_LAYOUT: &str = r#"export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
"#;

const JS_LAYOUT: &str = r#"export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
"#;

const JSCONFIG: &str = r#"{
  "compilerOptions": {
    "baseUrl": ".",
    "paths": {
      "@/*": ["./*"]
    }
  }
}
"#;

/// The template is TypeScript, as clones are by default: a TypeScript project is served by
/// the warm dev server (no restart, its template compile kept), and the files Next.js would
/// write on a TypeScript start-up are the template's already.
#[tokio::test(flavor = "multi_thread")]
async fn a_typescript_project_keeps_the_warm_dev_server() {
    let dir = TempDir::new().unwrap();
    let provider = LocalProvider::new(local_config(dir.path()));
    let sandbox = provider.provision_local().await.unwrap();
    let project = sandbox.project_dir();
    for path in ["tsconfig.json", "next-env.d.ts"] {
        assert_eq!(
            std::fs::read_to_string(project.join(path)).unwrap(),
            replica_sandbox_pool::template_file(path),
            "{path}: next dev left the template's file as it is"
        );
    }
    let warm = sandbox.process_group().unwrap();
    let offset = log_end(&sandbox).await;
    sandbox
        .write_files(&files(&[
            ("tsconfig.json", replica_core::TSCONFIG),
            ("app/layout.tsx", TS_LAYOUT),
            (
                "app/page.tsx",
                &PAGE.replace("../components/Hero", "@/components/Hero"),
            ),
            ("components/Hero.tsx", HERO),
        ]))
        .await
        .unwrap();
    assert_eq!(sandbox.process_group(), Some(warm), "the warm dev server");
    wait_for_rebuild(&sandbox, offset).await;
    let page = sandbox.fetch_preview("/").await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Replica hero heading"), "{}", page.body);
    let log = sandbox.logs(offset).await.unwrap();
    assert!(!log.contains("Ready in"), "no second start-up: {log}");
    Box::new(sandbox).destroy().await.unwrap();
    assert!(leftover_group_members(warm).await.is_empty());
    assert!(leftover_processes(dir.path()).await.is_empty());
}

/// A JavaScript project switches the TypeScript template's language: a dev server started on
/// its configuration serves it, and a reset back to the template restarts it again.
#[tokio::test(flavor = "multi_thread")]
async fn a_javascript_project_gets_a_dev_server_started_on_its_configuration() {
    let dir = TempDir::new().unwrap();
    let provider = LocalProvider::new(local_config(dir.path()));
    let sandbox = provider.provision_local().await.unwrap();
    let typescript = sandbox.process_group().unwrap();
    let offset = log_end(&sandbox).await;
    sandbox
        .write_files(&files(&[
            ("jsconfig.json", JSCONFIG),
            ("app/layout.jsx", JS_LAYOUT),
            (
                "app/page.jsx",
                &PAGE.replace("../components/Hero", "@/components/Hero"),
            ),
            ("components/Hero.jsx", HERO),
        ]))
        .await
        .unwrap();
    let javascript = sandbox.process_group().unwrap();
    assert_ne!(
        javascript, typescript,
        "a new dev server for the new language"
    );
    let project = sandbox.project_dir();
    for replaced in [
        "tsconfig.json",
        "next-env.d.ts",
        "app/layout.tsx",
        "app/page.tsx",
    ] {
        assert!(!project.join(replaced).exists(), "{replaced}");
    }
    let page = sandbox.fetch_preview("/").await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Replica hero heading"), "{}", page.body);
    let log = sandbox.logs(offset).await.unwrap();
    assert!(log.contains("Ready in"), "{log}");

    // Edits in the same language keep the running server and its warm compile.
    let offset = log_end(&sandbox).await;
    sandbox
        .write_files(&files(&[(
            "components/Hero.jsx",
            &HERO.replace("Replica hero heading", "Untyped hero"),
        )]))
        .await
        .unwrap();
    assert_eq!(sandbox.process_group(), Some(javascript));
    wait_for_rebuild(&sandbox, offset).await;
    let page = sandbox.fetch_preview("/").await.unwrap();
    assert!(page.body.contains("Untyped hero"), "{}", page.body);

    // Back to the TypeScript template: started again on its configuration.
    sandbox.reset().await.unwrap();
    let reset = sandbox.process_group().unwrap();
    assert_ne!(reset, javascript);
    assert!(project.join("tsconfig.json").is_file());
    assert!(!project.join("jsconfig.json").exists());
    let page = sandbox.fetch_preview("/").await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("Replica sandbox ready."),
        "{}",
        page.body
    );
    Box::new(sandbox).destroy().await.unwrap();
    for group in [typescript, javascript, reset] {
        assert!(leftover_group_members(group).await.is_empty());
    }
    assert!(leftover_processes(dir.path()).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn serves_a_written_page_shows_a_broken_component_in_the_log_and_recovers() {
    let dir = TempDir::new().unwrap();
    let provider = LocalProvider::new(local_config(dir.path()));
    let sandbox = provider.provision_local().await.unwrap();
    assert_eq!(
        sandbox.preview_url(),
        format!("http://127.0.0.1:{}", sandbox.port())
    );
    assert!(sandbox.project_dir().join("node_modules").is_symlink());
    assert!(
        sandbox.project_dir().join(".next").is_dir(),
        "the warm-up compiled the template page"
    );
    let ready = sandbox.logs(0).await.unwrap();
    assert!(ready.contains("Ready in"), "{ready}");
    assert_eq!(sandbox.logs(usize::MAX).await.unwrap(), "");

    // A page and its component: 200 with their text.
    let offset = log_end(&sandbox).await;
    sandbox
        .write_files(&files(&[
            ("app/page.jsx", PAGE),
            ("components/Hero.jsx", HERO),
        ]))
        .await
        .unwrap();
    wait_for_rebuild(&sandbox, offset).await;
    let page = sandbox.fetch_preview("/").await.unwrap();
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Replica hero heading"), "{}", page.body);
    assert!(page.body.contains("Served by the sandbox"));

    // The component broken: the dev server answers 500 and logs SWC's error for that file.
    let offset = log_end(&sandbox).await;
    sandbox
        .write_files(&files(&[("components/Hero.jsx", BROKEN_HERO)]))
        .await
        .unwrap();
    wait_for_rebuild(&sandbox, offset).await;
    let broken = sandbox.fetch_preview("/").await.unwrap();
    assert_eq!(broken.status, 500);
    let log = wait_for_log(&sandbox, offset, |log| log.contains("GET / 500")).await;
    assert!(log.contains("⨯ ./components/Hero.jsx"), "{log}");
    assert!(log.contains("Unexpected token"), "{log}");

    // Fixed again: compiled, 200.
    let offset = log_end(&sandbox).await;
    sandbox
        .write_files(&files(&[("components/Hero.jsx", HERO)]))
        .await
        .unwrap();
    wait_for_rebuild(&sandbox, offset).await;
    let fixed = sandbox.fetch_preview("/").await.unwrap();
    assert_eq!(fixed.status, 200, "{}", fixed.body);
    let log = wait_for_log(&sandbox, offset, |log| log.contains("Compiled")).await;
    assert!(log.contains("Compiled"), "{log}");

    // An allowlisted package goes into the sandbox's own node_modules, never into the shared
    // template install, and the project can import it.
    let root = sandbox.project_dir().parent().unwrap().to_path_buf();
    let shared = std::fs::read_link(sandbox.project_dir().join("node_modules")).unwrap();
    let install = sandbox
        .run(
            &[
                "npm".into(),
                "install".into(),
                "canvas-confetti@1.9.4".into(),
            ],
            Duration::from_secs(180),
        )
        .await
        .unwrap();
    assert_eq!(install.exit_code, Some(0), "{install:?}");
    assert!(
        root.join("node_modules/canvas-confetti/package.json")
            .is_file()
    );
    assert!(
        !shared.join("canvas-confetti").exists(),
        "the shared cache is untouched"
    );
    let offset = log_end(&sandbox).await;
    sandbox
        .write_files(&files(&[
            ("components/Party.jsx", PARTY),
            ("app/page.jsx", &PAGE.replace("<Hero />", "<Hero />\n      <Party />").replace(
                "import Hero from \"../components/Hero\";",
                "import Hero from \"../components/Hero\";\nimport Party from \"../components/Party\";",
            )),
        ]))
        .await
        .unwrap();
    wait_for_rebuild(&sandbox, offset).await;
    let party = sandbox.fetch_preview("/").await.unwrap();
    assert_eq!(party.status, 200, "{}", party.body);
    assert!(party.body.contains("Celebrate"), "{}", party.body);

    // Files go away again (undo of a file a turn created); escapes are refused.
    sandbox
        .write_files(&files(&[("app/page.jsx", PAGE)]))
        .await
        .unwrap();
    sandbox
        .remove_files(&[
            "components/Party.jsx".into(),
            "components/Missing.jsx".into(),
        ])
        .await
        .unwrap();
    assert!(!sandbox.project_dir().join("components/Party.jsx").exists());
    let escape = sandbox
        .remove_files(&["../next-dev.log".into()])
        .await
        .unwrap_err();
    assert!(
        matches!(escape, SandboxError::PathEscape { .. }),
        "{escape}"
    );
    assert!(root.join("next-dev.log").exists());

    // Bad input gets typed errors.
    let escape = sandbox
        .write_files(&files(&[("../outside.jsx", "x")]))
        .await
        .unwrap_err();
    assert!(
        matches!(escape, SandboxError::PathEscape { .. }),
        "{escape}"
    );
    assert!(!dir.path().join("outside.jsx").exists());
    let error = sandbox.fetch_preview("no-slash").await.unwrap_err();
    assert!(error.to_string().contains("no-slash"), "{error}");

    Box::new(sandbox).destroy().await.unwrap();
    assert!(!root.exists(), "destroy removes the sandbox directory");
    assert_eq!(leftover_processes(dir.path()).await, Vec::<i32>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dev_server_is_limited_isolated_and_killed_with_its_group_on_drop() {
    let dir = TempDir::new().unwrap();
    let mut config = local_config(dir.path());
    config.warm_up = false;
    config.heap_limit_mb = 1536;
    config.data_limit_mb = 3072;
    let sandbox = LocalProvider::new(config).provision_local().await.unwrap();
    let pgid = sandbox.process_group().unwrap();
    // `next dev` and the `next-server` worker it forks.
    assert!(
        processes_in_group(pgid).len() >= 2,
        "{:?}",
        processes_in_group(pgid)
    );

    let limits = std::fs::read_to_string(format!("/proc/{pgid}/limits")).unwrap();
    let data = limits
        .lines()
        .find(|l| l.starts_with("Max data size"))
        .unwrap();
    let bytes = (3072u64 * 1024 * 1024).to_string();
    assert_eq!(
        data.split_whitespace().nth(3),
        Some(bytes.as_str()),
        "{data}"
    );
    // The worker inherits the limit.
    for pid in processes_in_group(pgid) {
        let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
        assert!(limits.contains(&bytes), "{pid}: {limits}");
    }

    // Only the variables the sandbox needs: no API key of ours reaches generated code.
    let environ = std::fs::read(format!("/proc/{pgid}/environ")).unwrap();
    let names: BTreeSet<String> = environ
        .split(|b| *b == 0)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let entry = String::from_utf8_lossy(entry);
            entry.split('=').next().unwrap().to_string()
        })
        .collect();
    let allowed: BTreeSet<String> = [
        "PATH",
        "LANG",
        "TZ",
        "HOME",
        "NEXT_TELEMETRY_DISABLED",
        "NODE_OPTIONS",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert!(names.is_subset(&allowed), "{names:?}");
    assert!(
        environ
            .windows(b"NODE_OPTIONS=--max-old-space-size=1536".len())
            .any(|w| w == b"NODE_OPTIONS=--max-old-space-size=1536")
    );

    let root = sandbox.project_dir().parent().unwrap().to_path_buf();
    drop(sandbox);
    assert_eq!(leftover_processes(dir.path()).await, Vec::<i32>::new());
    assert_eq!(leftover_group_members(pgid).await, Vec::<i32>::new());
    assert!(!root.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn run_takes_only_allowlisted_commands_and_kills_them_at_the_timeout() {
    let dir = TempDir::new().unwrap();
    let mut config = local_config(dir.path());
    config.warm_up = false;
    let sandbox = LocalProvider::new(config).provision_local().await.unwrap();
    let argv =
        |command: &str| -> Vec<String> { command.split_whitespace().map(String::from).collect() };

    let node = sandbox
        .run(&argv("node --version"), Duration::from_secs(20))
        .await
        .unwrap();
    assert_eq!(node.exit_code, Some(0));
    assert!(node.stdout.starts_with('v'), "{node:?}");

    for refused in [
        "rm -rf /",
        "bash -c ls",
        "npm install left-pad",
        "npm install",
        "npm ci",
    ] {
        let error = sandbox
            .run(&argv(refused), Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(
            matches!(error, SandboxError::CommandNotAllowed { .. }),
            "{refused}: {error}"
        );
    }

    // A second dev server never finishes: killed with its group at the timeout.
    let before =
        crate::support::leftover_count_excluding(dir.path(), sandbox.process_group().unwrap());
    assert_eq!(before, 0);
    let started = Instant::now();
    let error = sandbox
        .run(
            &argv("npx next dev --port 39123 --hostname 127.0.0.1"),
            Duration::from_secs(3),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, SandboxError::CommandTimedOut { .. }),
        "{error}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    let deadline = Instant::now() + Duration::from_secs(10);
    while crate::support::leftover_count_excluding(dir.path(), sandbox.process_group().unwrap()) > 0
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        crate::support::leftover_count_excluding(dir.path(), sandbox.process_group().unwrap()),
        0,
        "the timed-out command's processes are gone"
    );
    assert!(
        sandbox.is_alive().await,
        "the sandbox's own server is untouched"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_puts_the_template_back_and_keeps_the_server_and_its_cache() {
    let dir = TempDir::new().unwrap();
    let mut config = local_config(dir.path());
    config.warm_up = false;
    let sandbox = LocalProvider::new(config).provision_local().await.unwrap();
    let project = sandbox.project_dir().to_path_buf();
    sandbox
        .write_files(&files(&[
            (
                "app/page.jsx",
                "export default function Page() { return <p>clone</p>; }",
            ),
            ("components/Hero.jsx", "export default function Hero() {}"),
            ("public/logo.svg", "<svg/>"),
        ]))
        .await
        .unwrap();
    let pgid = sandbox.process_group().unwrap();

    sandbox.reset().await.unwrap();
    let mut entries: Vec<String> = std::fs::read_dir(&project)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    entries.sort();
    let mut expected: Vec<String> = replica_sandbox_pool::TEMPLATE_FILES
        .iter()
        .map(|(path, _)| path.split('/').next().unwrap().to_string())
        .chain([".next".to_string(), "node_modules".to_string()])
        .collect();
    expected.sort();
    expected.dedup();
    assert_eq!(entries, expected);
    assert_eq!(
        std::fs::read_to_string(project.join("app/page.tsx")).unwrap(),
        replica_sandbox_pool::template_file("app/page.tsx")
    );
    assert!(project.join("node_modules").is_symlink());
    assert_eq!(
        sandbox.process_group(),
        Some(pgid),
        "the same dev server runs on"
    );
    assert!(sandbox.is_alive().await);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_idle_sandbox_is_stopped_by_the_reaper_and_says_so() {
    let dir = TempDir::new().unwrap();
    let mut config = local_config(dir.path());
    config.warm_up = false;
    config.idle_ttl = Some(Duration::from_millis(500));
    let provider = LocalProvider::new(config);
    let sandbox = provider.provision_local().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while sandbox.is_alive().await && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !sandbox.is_alive().await,
        "the reaper stopped the idle dev server"
    );
    let error = sandbox
        .write_files(&files(&[("app/a.jsx", "x")]))
        .await
        .unwrap_err();
    match error {
        SandboxError::Stopped { id, message } => {
            assert_eq!(id, sandbox.id());
            assert!(message.contains("idle"), "{message}");
        }
        other => panic!("expected Stopped, got {other}"),
    }
    assert_eq!(leftover_processes(dir.path()).await, Vec::<i32>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_template_install_is_a_clear_error_and_starts_nothing() {
    let dir = TempDir::new().unwrap();
    let empty = TempDir::new().unwrap();
    // An install directory without node_modules, as after a half-deleted cache.
    let mut config = LocalConfig::new(template());
    config.template = fake_template(empty.path());
    config.sandboxes_dir = dir.path().to_path_buf();
    let Err(error) = LocalProvider::new(config).provision().await else {
        panic!("provisioning without node_modules must fail");
    };
    assert!(error.to_string().contains("cargo xtask setup"), "{error}");
    assert!(processes_under_is_empty(dir.path()));
}

fn processes_under_is_empty(dir: &std::path::Path) -> bool {
    replica_sandbox_pool::processes_under(dir).is_empty()
}

/// An `InstalledTemplate` pointing at `dir`, built the only public way: installing into a
/// cache whose `templates/<key>` is already marked complete.
fn fake_template(dir: &std::path::Path) -> replica_sandbox_pool::InstalledTemplate {
    let key_dir = dir
        .join("templates")
        .join(replica_sandbox_pool::template_key());
    std::fs::create_dir_all(&key_dir).unwrap();
    std::fs::write(key_dir.join(".replica-install-complete"), "").unwrap();
    let installed = replica_sandbox_pool::install_template(dir).unwrap();
    assert!(!installed.node_modules().exists());
    installed
}

#[test]
fn pool_errors_are_typed() {
    let error = SandboxPoolError::Stopped {
        id: "local-1".into(),
        message: "killed".into(),
    };
    assert!(matches!(
        SandboxError::from(error),
        SandboxError::Stopped { .. }
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn sandboxes_orphaned_by_a_dead_process_are_killed_and_removed() {
    let dir = TempDir::new().unwrap();
    // A sandbox whose owner died without cleaning up, with a process still running in it.
    let dead_owner = {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    };
    let orphan = dir.path().join("local-7");
    std::fs::create_dir_all(orphan.join("project")).unwrap();
    std::fs::write(orphan.join("owner.pid"), dead_owner.to_string()).unwrap();
    let mut leftover = std::process::Command::new("sleep")
        .arg("300")
        .current_dir(orphan.join("project"))
        .spawn()
        .unwrap();
    // A directory that is not a sandbox of ours is left alone.
    std::fs::create_dir(dir.path().join("unrelated")).unwrap();

    let empty = TempDir::new().unwrap();
    let mut config = LocalConfig::new(template());
    config.template = fake_template(empty.path());
    config.sandboxes_dir = dir.path().to_path_buf();
    // Provisioning fails (no node_modules) after the sweep.
    assert!(LocalProvider::new(config).provision().await.is_err());

    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = leftover.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = leftover.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        status.is_some_and(|s| !s.success()),
        "the orphan's process was killed: {status:?}"
    );
    assert!(!orphan.exists());
    assert!(dir.path().join("unrelated").exists());
}
