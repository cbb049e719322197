//! check_compilation against a scripted sandbox (the waiting and the reading), then against a
//! real local sandbox running the template: broken components of each kind, then fixed.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use replica_core::{BoxFuture, PreviewResponse, ProjectFiles, Sandbox, SandboxError};
use replica_next_error_parser::ErrorKind;
use replica_pipeline::{CompileCheckConfig, CompileCheckError, check_compilation};

/// A dev server in miniature: a log, a rebuild that lands in it at a set time, and requests
/// answered from whichever build is current (the old one until the rebuild lands).
struct ScriptedSandbox {
    log: Mutex<String>,
    rebuild: Mutex<Option<Rebuild>>,
    /// The answer of the current build: status and what the request adds to the log.
    current: Mutex<(u16, String)>,
    requests: Mutex<Vec<String>>,
    fetch_fails: bool,
    /// Nobody listens on the preview's port (a dev server that crashed or is restarting).
    refuses: bool,
}

struct Rebuild {
    at: Instant,
    log: String,
    status: u16,
    request_log: String,
}

impl ScriptedSandbox {
    fn new(log: &str, status: u16) -> ScriptedSandbox {
        ScriptedSandbox {
            log: Mutex::new(log.to_string()),
            rebuild: Mutex::new(None),
            current: Mutex::new((status, format!(" GET / {status} in 9ms\n"))),
            requests: Mutex::new(Vec::new()),
            fetch_fails: false,
            refuses: false,
        }
    }

    fn rebuild_after(&self, delay: Duration, log: &str, status: u16, request_log: &str) {
        *self.rebuild.lock().unwrap() = Some(Rebuild {
            at: Instant::now() + delay,
            log: log.to_string(),
            status,
            request_log: request_log.to_string(),
        });
    }

    fn land_due_rebuild(&self) {
        let mut rebuild = self.rebuild.lock().unwrap();
        if rebuild.as_ref().is_some_and(|r| Instant::now() >= r.at) {
            let done = rebuild.take().unwrap();
            self.log.lock().unwrap().push_str(&done.log);
            *self.current.lock().unwrap() = (done.status, done.request_log);
        }
    }
}

impl Sandbox for ScriptedSandbox {
    fn id(&self) -> &str {
        "scripted"
    }
    fn preview_url(&self) -> &str {
        "http://127.0.0.1:1"
    }
    fn write_files<'a>(&'a self, _: &'a ProjectFiles) -> BoxFuture<'a, Result<(), SandboxError>> {
        Box::pin(async { Ok(()) })
    }
    fn logs(&self, offset: usize) -> BoxFuture<'_, Result<String, SandboxError>> {
        Box::pin(async move {
            self.land_due_rebuild();
            let log = self.log.lock().unwrap();
            Ok(log.get(offset..).unwrap_or("").to_string())
        })
    }
    fn destroy(self: Box<Self>) -> BoxFuture<'static, Result<(), SandboxError>> {
        Box::pin(async { Ok(()) })
    }
    fn fetch_preview<'a>(
        &'a self,
        path: &'a str,
    ) -> BoxFuture<'a, Result<PreviewResponse, SandboxError>> {
        Box::pin(async move {
            if self.fetch_fails {
                return Err(SandboxError::Stopped {
                    id: "scripted".into(),
                    message: "killed".into(),
                });
            }
            if self.refuses {
                return Err(SandboxError::Provider {
                    provider: "scripted".into(),
                    message: "connection refused".into(),
                });
            }
            self.land_due_rebuild();
            self.requests.lock().unwrap().push(path.to_string());
            let (status, request_log) = self.current.lock().unwrap().clone();
            self.log.lock().unwrap().push_str(&request_log);
            Ok(PreviewResponse {
                status,
                body: String::new(),
            })
        })
    }
}

const READY: &str = "  ▲ Next.js 14.2.21\n  - Local:        http://127.0.0.1:3000\n\n ✓ Starting...\n ✓ Ready in 812ms\n ✓ Compiled / in 3.1s (453 modules)\n GET / 200 in 3300ms\n";

const MISSING_MODULE: &str = " ⨯ ./components/Hero.jsx:1:1\nModule not found: Can't resolve 'left-pad'\n> 1 | import pad from 'left-pad';\n    | ^\n\nhttps://nextjs.org/docs/messages/module-not-found\n";

fn fast() -> CompileCheckConfig {
    CompileCheckConfig {
        pickup_timeout: Duration::from_secs(2),
        log_timeout: Duration::from_secs(2),
        poll_interval: Duration::from_millis(10),
        ..CompileCheckConfig::default()
    }
}

#[tokio::test]
async fn a_clean_rebuild_and_a_200_is_compiled() {
    let sandbox = ScriptedSandbox::new(READY, 200);
    sandbox.rebuild_after(
        Duration::ZERO,
        " ✓ Compiled in 240ms (460 modules)\n",
        200,
        " GET / 200 in 80ms\n",
    );
    let check = check_compilation(&sandbox, READY.len(), &fast())
        .await
        .unwrap();
    assert!(check.compiled, "{check:?}");
    assert!(check.errors.is_empty());
    assert_eq!(check.status, 200);
    assert_eq!(check.log_end, sandbox.log.lock().unwrap().len());
    assert_eq!(*sandbox.requests.lock().unwrap(), ["/"]);
}

#[tokio::test]
async fn the_check_waits_for_the_rebuild_instead_of_reading_the_old_build() {
    let sandbox = ScriptedSandbox::new(READY, 200);
    // The old build still answers 200 until the watcher's rebuild lands.
    sandbox.rebuild_after(
        Duration::from_millis(300),
        MISSING_MODULE,
        500,
        " GET / 500 in 31ms\n",
    );
    let check = check_compilation(&sandbox, READY.len(), &fast())
        .await
        .unwrap();
    assert!(!check.compiled);
    assert_eq!(check.status, 500);
    assert_eq!(check.errors.len(), 1, "{:?}", check.errors);
    let error = &check.errors[0];
    assert_eq!(error.kind, ErrorKind::ModuleNotFound);
    assert_eq!(error.file.as_deref(), Some("components/Hero.jsx"));
    assert!(error.message.contains("left-pad"), "{}", error.message);
}

#[tokio::test]
async fn a_rebuild_slower_than_the_pickup_wait_is_still_what_the_check_reads() {
    // The old build fails; the watcher's rebuild with the fix lands after `pickup_timeout`.
    let before = format!("{READY}{MISSING_MODULE} GET / 500 in 20ms\n");
    let sandbox = ScriptedSandbox::new(&before, 500);
    *sandbox.current.lock().unwrap() = (500, format!("{MISSING_MODULE} GET / 500 in 20ms\n"));
    sandbox.rebuild_after(
        Duration::from_millis(400),
        " ✓ Compiled in 100ms (460 modules)\n",
        200,
        " GET / 200 in 50ms\n",
    );
    let config = CompileCheckConfig {
        pickup_timeout: Duration::from_millis(250),
        ..fast()
    };
    let check = check_compilation(&sandbox, before.len(), &config)
        .await
        .unwrap();
    assert!(check.compiled, "{check:?}");
    assert_eq!(check.status, 200);
    assert_eq!(*sandbox.requests.lock().unwrap(), ["/", "/"]);
}

#[tokio::test]
async fn only_output_after_since_counts() {
    // An error from before the caller's change is history.
    let before = format!("{READY}{MISSING_MODULE} GET / 500 in 20ms\n");
    let sandbox = ScriptedSandbox::new(&before, 200);
    sandbox.rebuild_after(
        Duration::ZERO,
        " ✓ Compiled in 100ms (460 modules)\n",
        200,
        " GET / 200 in 50ms\n",
    );
    let check = check_compilation(&sandbox, before.len(), &fast())
        .await
        .unwrap();
    assert!(check.compiled, "{check:?}");
    // From the start, the same log reads as fixed too (a later success clears it), but the
    // check reads only what it was told to.
    let whole = check_compilation(&sandbox, 0, &fast()).await.unwrap();
    assert!(whole.compiled, "{whole:?}");
    assert!(whole.log_end > check.log_end);
}

#[tokio::test]
async fn a_failure_the_log_does_not_explain_is_still_an_error() {
    let sandbox = ScriptedSandbox::new(READY, 404);
    let config = CompileCheckConfig {
        path: "/missing".into(),
        pickup_timeout: Duration::from_millis(100),
        ..fast()
    };
    *sandbox.current.lock().unwrap() = (404, " GET /missing 404 in 12ms\n".into());
    let check = check_compilation(&sandbox, READY.len(), &config)
        .await
        .unwrap();
    assert!(!check.compiled);
    assert_eq!(check.status, 404);
    assert_eq!(check.errors.len(), 1);
    assert_eq!(check.errors[0].kind, ErrorKind::Other);
    assert!(
        check.errors[0].message.contains("HTTP 404"),
        "{}",
        check.errors[0].message
    );
    assert!(
        check.errors[0]
            .code_frame
            .as_deref()
            .unwrap()
            .contains("GET /missing 404")
    );
    assert_eq!(*sandbox.requests.lock().unwrap(), ["/missing"]);
}

#[tokio::test]
async fn a_sandbox_that_cannot_answer_is_a_typed_error() {
    let mut sandbox = ScriptedSandbox::new(READY, 200);
    sandbox.fetch_fails = true;
    let config = CompileCheckConfig {
        pickup_timeout: Duration::from_millis(50),
        ..fast()
    };
    let error = check_compilation(&sandbox, 0, &config).await.unwrap_err();
    assert!(matches!(
        error,
        CompileCheckError::Sandbox(SandboxError::Stopped { .. })
    ));
    assert!(error.to_string().contains("killed"), "{error}");
}

#[tokio::test]
async fn a_preview_that_keeps_refusing_is_reported_with_the_dev_servers_last_output() {
    let mut sandbox = ScriptedSandbox::new(READY, 200);
    sandbox.refuses = true;
    sandbox
        .log
        .lock()
        .unwrap()
        .push_str(" ⚠ Server is approaching the used memory threshold, restarting...\n");
    let config = CompileCheckConfig {
        pickup_timeout: Duration::from_millis(50),
        restart_timeout: Duration::from_millis(600),
        ..fast()
    };
    let error = check_compilation(&sandbox, READY.len(), &config)
        .await
        .unwrap_err();
    assert!(
        matches!(error, CompileCheckError::Unreachable { .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains("connection refused"), "{message}");
    assert!(message.contains("memory threshold"), "{message}");
    assert!(
        !message.contains("Ready in"),
        "only what was logged since the write: {message}"
    );
}

mod with_the_template {
    //! The real thing: `next dev` of the installed template in a local sandbox.

    use replica_sandbox_pool::{LocalConfig, LocalProvider, default_cache_dir, install_template};
    use tempfile::TempDir;

    use super::*;

    const PAGE: &str = r#"import Hero from "../components/Hero";

export default function Page() {
  return (
    <main>
      <Hero />
    </main>
  );
}
"#;

    const HERO: &str = r#"export default function Hero() {
  return <h1>Compiled hero</h1>;
}
"#;

    const SYNTAX_ERROR: &str = r#"export default function Hero() {
  return (
    <section>
      <img src="/hero.png" alt="Hero">
      <h1>Broken</h1>
    </section>
  );
}
"#;

    const CLIENT_HOOK: &str = r#"import { useState } from "react";

export default function Hero() {
  const [open, setOpen] = useState(false);
  return <button onClick={() => setOpen(!open)}>Menu</button>;
}
"#;

    const REFERENCE_ERROR: &str = r#"export default function Hero() {
  return <h1>{heroTitle}</h1>;
}
"#;

    fn files(entries: &[(&str, &str)]) -> ProjectFiles {
        let mut files = ProjectFiles::default();
        for (path, text) in entries {
            files.insert_text(*path, *text);
        }
        files
    }

    /// Writes `hero` and checks; returns the check.
    async fn write_and_check(sandbox: &dyn Sandbox, hero: &str) -> replica_pipeline::CompileCheck {
        let since = sandbox.logs(0).await.unwrap().len();
        sandbox
            .write_files(&files(&[("components/Hero.jsx", hero)]))
            .await
            .unwrap();
        check_compilation(sandbox, since, &CompileCheckConfig::default())
            .await
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn broken_components_are_reported_by_kind_and_a_fix_compiles() {
        let template = tokio::task::spawn_blocking(|| {
            install_template(&default_cache_dir(|name| std::env::var(name).ok()))
        })
        .await
        .unwrap()
        .unwrap();
        let dir = TempDir::new().unwrap();
        let mut config = LocalConfig::new(template);
        config.sandboxes_dir = dir.path().to_path_buf();
        let sandbox = LocalProvider::new(config).provision_local().await.unwrap();
        let sandbox: &dyn Sandbox = &sandbox;

        let since = sandbox.logs(0).await.unwrap().len();
        sandbox
            .write_files(&files(&[
                ("app/page.jsx", PAGE),
                ("components/Hero.jsx", HERO),
            ]))
            .await
            .unwrap();
        let check = check_compilation(sandbox, since, &CompileCheckConfig::default())
            .await
            .unwrap();
        assert!(check.compiled, "{check:?}");

        let check = write_and_check(sandbox, SYNTAX_ERROR).await;
        assert!(!check.compiled);
        let error = &check.errors[0];
        assert_eq!(error.kind, ErrorKind::SyntaxError, "{check:?}");
        assert_eq!(error.file.as_deref(), Some("components/Hero.jsx"));
        assert!(error.line.is_some(), "{error:?}");

        let check = write_and_check(sandbox, CLIENT_HOOK).await;
        assert!(!check.compiled);
        assert!(
            check
                .errors
                .iter()
                .any(|e| e.kind == ErrorKind::ClientComponentNeeded
                    && e.file.as_deref() == Some("components/Hero.jsx")),
            "{check:?}"
        );

        let check = write_and_check(sandbox, REFERENCE_ERROR).await;
        assert!(!check.compiled);
        assert_eq!(check.status, 500);
        assert!(
            check
                .errors
                .iter()
                .any(|e| e.kind == ErrorKind::RuntimeError && e.message.contains("heroTitle")),
            "{check:?}"
        );

        let check = write_and_check(sandbox, HERO).await;
        assert!(check.compiled, "{check:?}");
        assert_eq!(check.status, 200);
    }
}
