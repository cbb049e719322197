//! `cargo xtask bench load [--clones N]`: N (20) clone requests of the fixture sites sent at
//! once to a real `replica serve` (release build, `REPLICA_BIN`) with its default limits and a
//! pool of 2, the deterministic generator. Every clone must reach `done` through the queue;
//! each is deleted once done (its preview would otherwise keep a `next dev` per clone).
//! Reports the time to `done` (p50, p95), errors (target 0), the peak resident memory of the
//! server and of the server with all its descendants, and the processes left 10 s after the
//! server stopped (target 0).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[path = "support/server.rs"]
mod support;
use support::listening;

#[tokio::main]
async fn main() {
    let mut clones = 20usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--clones" => {
                clones = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("--clones N")
            }
            other => panic!("unknown argument {other:?} (expected --clones N)"),
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let fixtures = replica_fixture_server::FixtureServer::start(root.join("fixtures/sites"))
        .await
        .unwrap();
    let mut sites: Vec<String> = std::fs::read_dir(root.join("fixtures/sites"))
        .unwrap()
        .flatten()
        .filter(|entry| entry.path().join("index.html").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    sites.sort();
    let dir = tempfile::tempdir().unwrap();
    let mut server = support::spawn(dir.path(), 2);
    let pid = server.id().unwrap();
    let base = listening(&mut server).await;
    println!("load average before: {}", load_average());

    let memory = Arc::new(Mutex::new(Memory::default()));
    let sampler = tokio::spawn(sample(pid, Arc::clone(&memory)));
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let started = Instant::now();
    let mut runs = tokio::task::JoinSet::new();
    for n in 0..clones {
        let url = fixtures.url(&format!("/{}/index.html", sites[n % sites.len()]));
        let (http, base) = (http.clone(), base.clone());
        runs.spawn(async move { clone(&http, &base, &url).await });
    }
    let mut times = Vec::new();
    let mut errors = Vec::new();
    while let Some(result) = runs.join_next().await {
        match result.unwrap() {
            Ok(time) => times.push(time),
            Err(error) => errors.push(error),
        }
    }
    let wall = started.elapsed();
    sampler.abort();
    println!("load average after: {}", load_average());

    let _ = rustix::process::kill_process(
        rustix::process::Pid::from_raw(pid as i32).unwrap(),
        rustix::process::Signal::TERM,
    );
    let _ = tokio::time::timeout(Duration::from_secs(60), server.wait()).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let memory = memory.lock().unwrap().clone();
    let left: Vec<u32> = memory
        .seen
        .iter()
        .filter(|(pid, start)| start_time(*pid) == Some(*start))
        .map(|(pid, _)| *pid)
        .collect();

    times.sort();
    let percentile = |p: f64| {
        times
            .get(((times.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map_or(0.0, Duration::as_secs_f64)
    };
    println!(
        "{clones} clones at once: {} done, {} errors, all done in {:.1} s",
        times.len(),
        errors.len(),
        wall.as_secs_f64()
    );
    println!(
        "time to done: p50 {:.1} s, p95 {:.1} s",
        percentile(0.5),
        percentile(0.95)
    );
    println!(
        "peak RSS: server {} MiB, server and all its children {} MiB",
        memory.server_peak >> 20,
        memory.total_peak >> 20
    );
    println!(
        "processes left 10 s after the server stopped: {} {left:?}",
        left.len()
    );
    for error in &errors {
        println!("error: {error}");
    }
}

/// One clone through the queue to `done` (then deleted): its time, or what went wrong.
async fn clone(http: &reqwest::Client, base: &str, url: &str) -> Result<Duration, String> {
    let started = Instant::now();
    let response = http
        .post(format!("{base}/clone/stream"))
        .json(&json!({ "url": url }))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("{url}: {}", response.status()));
    }
    let body = response.text().await.map_err(|e| e.to_string())?;
    let last: Value = body
        .lines()
        .rev()
        .filter_map(|line| line.strip_prefix("data: "))
        .find_map(|data| serde_json::from_str(data).ok())
        .ok_or_else(|| format!("{url}: no event"))?;
    let time = started.elapsed();
    if last["type"] != "done" {
        return Err(format!("{url}: {last}"));
    }
    let id = last["clone_id"].as_str().unwrap_or_default();
    let _ = http.delete(format!("{base}/api/clones/{id}")).send().await;
    Ok(time)
}

#[derive(Debug, Default, Clone)]
struct Memory {
    server_peak: u64,
    total_peak: u64,
    /// Every descendant seen, with its start time (a pid may be reused).
    seen: HashSet<(u32, u64)>,
}

/// Every 250 ms: the resident memory of the server and of all its descendants.
async fn sample(server: u32, memory: Arc<Mutex<Memory>>) {
    loop {
        let processes = processes();
        let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
        for (pid, (parent, _, _)) in &processes {
            children.entry(*parent).or_default().push(*pid);
        }
        let mut total = 0;
        let mut stack = vec![server];
        let mut found = Vec::new();
        while let Some(pid) = stack.pop() {
            if let Some((_, rss, start)) = processes.get(&pid) {
                total += rss;
                if pid != server {
                    found.push((pid, *start));
                }
            }
            stack.extend(children.get(&pid).into_iter().flatten());
        }
        let server_rss = processes.get(&server).map_or(0, |(_, rss, _)| *rss);
        {
            let mut memory = memory.lock().unwrap();
            memory.server_peak = memory.server_peak.max(server_rss);
            memory.total_peak = memory.total_peak.max(total);
            memory.seen.extend(found);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// pid -> (parent, resident bytes, start time) of every live process.
fn processes() -> HashMap<u32, (u32, u64, u64)> {
    let page = 4096;
    let mut found = HashMap::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // From field 3 on: state, ppid, ..., starttime (22), vsize (23), rss pages (24).
        if fields.len() < 22 || fields[0] == "Z" {
            continue;
        }
        let parent = fields[1].parse().unwrap_or(0);
        let start = fields[19].parse().unwrap_or(0);
        let rss = fields[21].parse::<u64>().unwrap_or(0) * page;
        found.insert(pid, (parent, rss, start));
    }
    found
}

fn start_time(pid: u32) -> Option<u64> {
    processes().get(&pid).map(|(_, _, start)| *start)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}
