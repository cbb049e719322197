//! Records fixtures/next-logs: real `next dev` output of the installed template with one
//! deliberately broken page or component per case.
//!
//! `cargo run -p replica-sandbox-pool --example record_next_logs [-- [--out DIR] [CASE...]]`
//!
//! Each case gets a fresh local sandbox (a fresh `.next`), its files written before the first
//! request, one request of `/`, and the output until the request is logged plus a short
//! settle; the log is saved verbatim as `CASE.log`. Sandboxes live under a fixed directory so
//! the absolute paths SWC prints are the same on every recording (the port is the one thing
//! that changes).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use replica_core::{ProjectFiles, Sandbox};
use replica_sandbox_pool::{LocalConfig, LocalProvider, default_cache_dir, install_template};

/// Where the sandboxes of a recording live (emptied first).
const SANDBOXES_DIR: &str = "/tmp/replica-next-logs";

const CLEAN_PAGE: &str = r#"export default function Page() {
  return (
    <main>
      <h1>Hello</h1>
    </main>
  );
}
"#;

const HERO_PAGE: &str = r#"import Hero from '../components/Hero';

export default function Page() {
  return (
    <main>
      <Hero />
    </main>
  );
}
"#;

/// One recording: the files written over the template, then what to do after the first
/// request (`fixed`: files written next, then a second request).
struct Case {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    fixed: Option<&'static [(&'static str, &'static str)]>,
}

const CASES: &[Case] = &[
    Case {
        name: "clean",
        files: &[("app/page.jsx", CLEAN_PAGE)],
        fixed: None,
    },
    Case {
        name: "jsx-syntax-error",
        files: &[("app/page.jsx", JSX_SYNTAX_ERROR)],
        fixed: None,
    },
    Case {
        name: "unclosed-tag",
        files: &[(
            "app/page.jsx",
            r#"export default function Page() {
  return (
    <main>
      <section className="hero">
        <h1>Hello</h1>
    </main>
  );
}
"#,
        )],
        fixed: None,
    },
    Case {
        name: "component-syntax-error",
        files: &[
            ("app/page.jsx", HERO_PAGE),
            (
                "components/Hero.jsx",
                r#"export default function Hero() {
  return (
    <section className="hero">
      <img src="/hero.png" alt="Hero">
      <h1>Build faster</h1>
    </section>
  );
}
"#,
            ),
        ],
        fixed: None,
    },
    Case {
        name: "missing-module",
        files: &[(
            "app/page.jsx",
            r#"import axios from 'axios';

export default async function Page() {
  const { data } = await axios.get('https://example.com/api');
  return (
    <main>
      <h1>{data.title}</h1>
    </main>
  );
}
"#,
        )],
        fixed: None,
    },
    Case {
        name: "missing-local-file",
        files: &[("app/page.jsx", HERO_PAGE)],
        fixed: None,
    },
    Case {
        name: "runtime-reference-error",
        files: &[(
            "app/page.jsx",
            r#"export default function Page() {
  return (
    <main>
      <h1>{heroTitle}</h1>
    </main>
  );
}
"#,
        )],
        fixed: None,
    },
    Case {
        name: "runtime-type-error",
        files: &[(
            "app/page.jsx",
            r#"const features = null;

export default function Page() {
  return (
    <main>
      <ul>
        {features.map((feature) => (
          <li key={feature}>{feature}</li>
        ))}
      </ul>
    </main>
  );
}
"#,
        )],
        fixed: None,
    },
    Case {
        name: "bad-default-export",
        files: &[(
            "app/page.jsx",
            r#"const Page = { title: 'Hello' };

export default Page;
"#,
        )],
        fixed: None,
    },
    Case {
        name: "missing-default-export",
        files: &[(
            "app/page.jsx",
            r#"export function Page() {
  return (
    <main>
      <h1>Hello</h1>
    </main>
  );
}
"#,
        )],
        fixed: None,
    },
    Case {
        name: "client-hook-in-server-component",
        files: &[(
            "app/page.jsx",
            r#"import { useState } from 'react';

export default function Page() {
  const [open, setOpen] = useState(false);
  return (
    <main>
      <button onClick={() => setOpen(!open)}>Menu</button>
      {open && <nav>Links</nav>}
    </main>
  );
}
"#,
        )],
        fixed: None,
    },
    Case {
        name: "css-syntax-error",
        files: &[
            ("app/page.jsx", CLEAN_PAGE),
            (
                "app/globals.css",
                r#"body {
  margin: 0;
  font-family: "Inter", sans-serif;
}

.hero {
  background: url("/hero.png") no-repeat;
  padding: 64px 0;

.hero h1 { font-size: 48px; }
"#,
            ),
        ],
        fixed: None,
    },
    Case {
        name: "recovered-after-fix",
        files: &[("app/page.jsx", JSX_SYNTAX_ERROR)],
        fixed: Some(&[("app/page.jsx", CLEAN_PAGE)]),
    },
];

const JSX_SYNTAX_ERROR: &str = r#"export default function Page() {
  return (
    <main>
      <h1>Pricing {plans}</h1>
      <p>Starting at $9 / month}</p>
    </main>
  );
}
"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/next-logs");
    let mut only = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = PathBuf::from(args.next().ok_or("--out needs a directory")?),
            name if CASES.iter().any(|case| case.name == name) => only.push(arg),
            other => {
                let names: Vec<_> = CASES.iter().map(|case| case.name).collect();
                return Err(format!("unknown case {other:?}; cases: {}", names.join(", ")).into());
            }
        }
    }
    std::fs::create_dir_all(&out)?;

    let template = tokio::task::spawn_blocking(|| {
        install_template(&default_cache_dir(|name| std::env::var(name).ok()))
    })
    .await??;
    let _ = std::fs::remove_dir_all(SANDBOXES_DIR);
    let mut config = LocalConfig::new(template);
    config.sandboxes_dir = PathBuf::from(SANDBOXES_DIR);
    config.warm_up = false;
    config.idle_ttl = None;

    for case in CASES {
        if !only.is_empty() && !only.iter().any(|name| name == case.name) {
            continue;
        }
        let started = Instant::now();
        // A provider per case: every sandbox is `local-0`, so a case records the same paths
        // whether it is recorded alone or with the others.
        let sandbox = LocalProvider::new(config.clone()).provision_local().await?;
        sandbox.write_files(&files(case.files)).await?;
        let first = sandbox.fetch_preview("/").await?;
        let mut log = settled_log(&sandbox, 1).await?;
        let mut statuses = vec![first.status];
        if let Some(fixed) = case.fixed {
            let since = log.len();
            sandbox.write_files(&files(fixed)).await?;
            // Let the file watcher notice before asking again: a rebuild shows as `✓ Compiled
            // in` or an error, but a route that last failed may rebuild silently, so the wait
            // is bounded.
            let rebuilt = |new: &str| {
                new.lines().any(|line| {
                    let line = line.trim_start();
                    line.starts_with("✓ Compiled in ") || line.starts_with('⨯')
                })
            };
            wait_for(&sandbox, since, Duration::from_secs(3), rebuilt).await?;
            statuses.push(sandbox.fetch_preview("/").await?.status);
            log = settled_log(&sandbox, 2).await?;
        }
        let path = out.join(format!("{}.log", case.name));
        let path = std::path::absolute(&path).unwrap_or(path);
        std::fs::write(&path, &log)?;
        eprintln!(
            "record: {} -> {} (HTTP {statuses:?}, {} bytes, {:.1}s)",
            case.name,
            path.display(),
            log.len(),
            started.elapsed().as_secs_f64()
        );
        Box::new(sandbox).destroy().await?;
    }
    let _ = std::fs::remove_dir_all(SANDBOXES_DIR);
    Ok(())
}

fn files(entries: &[(&str, &str)]) -> ProjectFiles {
    let mut files = ProjectFiles::default();
    for (path, text) in entries {
        files.insert_text(*path, *text);
    }
    files
}

/// The whole log once `requests` requests are logged and nothing new came for a second.
async fn settled_log(
    sandbox: &dyn Sandbox,
    requests: usize,
) -> Result<String, Box<dyn std::error::Error>> {
    let logged = |log: &str| log.matches(" GET / ").count() >= requests;
    if !wait_for(sandbox, 0, Duration::from_secs(60), logged).await? {
        return Err(format!("{} logged no request within 60s", sandbox.id()).into());
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut last = sandbox.logs(0).await?;
    loop {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = sandbox.logs(0).await?;
        if now == last || Instant::now() >= deadline {
            return Ok(now);
        }
        last = now;
    }
}

/// Whether the log from `since` satisfied `done` within `timeout`.
async fn wait_for(
    sandbox: &dyn Sandbox,
    since: usize,
    timeout: Duration,
    done: impl Fn(&str) -> bool,
) -> Result<bool, Box<dyn std::error::Error>> {
    let deadline = Instant::now() + timeout;
    loop {
        if done(&sandbox.logs(since).await?) {
            return Ok(true);
        }
        if Instant::now() >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
