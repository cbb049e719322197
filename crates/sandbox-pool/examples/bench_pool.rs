//! The sandbox speed targets (issue 7), measured with the real template:
//!
//! - acquire from a warm pool: at most 50 ms;
//! - a cold provision with the cached template: at most 15 s (until `next dev` is ready, and
//!   until the template page has compiled once, which is what the pool waits for);
//! - writing 10 components and a page that uses them, to the first HTTP 200 showing them: at
//!   most 5 s, on a warm sandbox.
//!
//! `cargo run --release -p replica-sandbox-pool --example bench_pool [-- ROUNDS]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use replica_core::{ProjectFiles, Sandbox};
use replica_sandbox_pool::{
    LocalConfig, LocalProvider, PoolConfig, ReleasePolicy, SandboxPool, default_cache_dir,
    install_template,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds: usize = match std::env::args().nth(1) {
        Some(n) => n
            .parse()
            .map_err(|_| format!("{n:?} is not a number of rounds"))?,
        None => 3,
    };
    let template = tokio::task::spawn_blocking(|| {
        install_template(&default_cache_dir(|name| std::env::var(name).ok()))
    })
    .await??;
    let dir = std::env::temp_dir().join(format!("replica-bench-pool-{}", std::process::id()));
    let mut config = LocalConfig::new(template);
    config.sandboxes_dir = dir.clone();
    let result = run(config, rounds).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run(config: LocalConfig, rounds: usize) -> Result<(), Box<dyn std::error::Error>> {
    // Cold provisions, one at a time so they do not share the two cores.
    let mut ready = Vec::new();
    let mut warmed = Vec::new();
    for _ in 0..rounds {
        let mut cold = config.clone();
        cold.warm_up = false;
        let started = Instant::now();
        let sandbox = LocalProvider::new(cold).provision_local().await?;
        ready.push(started.elapsed());
        let response = sandbox.fetch_preview("/").await?;
        if response.status != 200 {
            return Err(format!("the template page answered {}", response.status).into());
        }
        warmed.push(started.elapsed());
        Box::new(sandbox).destroy().await?;
    }
    report(
        "cold provision, until `next dev` is ready",
        &ready,
        Duration::from_secs(15),
    );
    report(
        "cold provision, until the template page compiled (what the pool waits for)",
        &warmed,
        Duration::from_secs(15),
    );

    // Acquire from a pool that is full.
    let provider = Arc::new(LocalProvider::new(config.clone()));
    let pool = SandboxPool::new(
        provider,
        PoolConfig {
            size: rounds,
            release: ReleasePolicy::Destroy,
            replenish_delay: Duration::ZERO,
        },
    );
    pool.wait_warm(rounds, Duration::from_secs(60 * rounds as u64))
        .await?;
    let mut acquires = Vec::new();
    let mut sandboxes = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        let sandbox = pool.acquire().await?;
        acquires.push(started.elapsed());
        sandboxes.push(sandbox);
    }
    // Stop replenishing before the compile rounds so they have the machine to themselves.
    pool.shutdown().await?;
    report(
        "acquire from a warm pool",
        &acquires,
        Duration::from_millis(50),
    );

    // Ten components and a page, written into a warm sandbox, to the first 200 that shows them.
    let mut compiles = Vec::new();
    for (round, sandbox) in sandboxes.iter().enumerate() {
        compiles.push(write_and_compile(sandbox.as_ref(), round).await?);
    }
    report(
        "10 components written to the first HTTP 200 (warm sandbox)",
        &compiles,
        Duration::from_secs(5),
    );
    for sandbox in sandboxes {
        sandbox.destroy().await?;
    }
    Ok(())
}

/// Writes `components/Section{1..10}.jsx` and a page using them, waits for the dev server's
/// rebuild, then requests `/` until it answers 200 with the last section's text.
async fn write_and_compile(
    sandbox: &dyn Sandbox,
    round: usize,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let mut files = ProjectFiles::default();
    let mut imports = String::new();
    let mut body = String::new();
    for i in 1..=10 {
        files.insert_text(
            format!("components/Section{i}.jsx"),
            format!(
                "export default function Section{i}() {{\n  return (\n    <section className=\"px-6 py-12 md:px-12\">\n      <h2 className=\"text-3xl font-bold\">Round {round} section {i}</h2>\n      <p className=\"mt-4 text-gray-600\">Body text of section {i}.</p>\n    </section>\n  );\n}}\n"
            ),
        );
        imports.push_str(&format!(
            "import Section{i} from \"../components/Section{i}\";\n"
        ));
        body.push_str(&format!("      <Section{i} />\n"));
    }
    files.insert_text(
        "app/page.jsx",
        format!("{imports}\nexport default function Page() {{\n  return (\n    <main>\n{body}    </main>\n  );\n}}\n"),
    );
    let expected = format!("Round {round} section 10");
    let since = sandbox.logs(0).await?.len();
    let started = Instant::now();
    sandbox.write_files(&files).await?;
    let deadline = started + Duration::from_secs(60);
    // The request must not reach the old build: wait for the watcher's rebuild first.
    loop {
        let log = sandbox.logs(since).await?;
        if log.contains("Compiled in") || log.contains('⨯') || Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    loop {
        let response = sandbox.fetch_preview("/").await?;
        if response.status == 200 && response.body.contains(&expected) {
            return Ok(started.elapsed());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "no 200 with the new page within 60s (last: {})",
                response.status
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn report(what: &str, samples: &[Duration], target: Duration) {
    let ms: Vec<String> = samples
        .iter()
        .map(|d| format!("{:.1}", d.as_secs_f64() * 1000.0))
        .collect();
    let worst = samples.iter().max().copied().unwrap_or_default();
    let verdict = if worst <= target { "meets" } else { "MISSES" };
    println!(
        "{what}: [{}] ms; worst {:.1} ms {verdict} the target of {} ms",
        ms.join(", "),
        worst.as_secs_f64() * 1000.0,
        target.as_millis()
    );
}
