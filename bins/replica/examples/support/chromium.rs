//! A chromedriver for the benchmarks (its own process group, killed when dropped) and fresh
//! headless Chromium sessions from it, with the flags DESIGN.md §3 asks for.

use std::path::Path;
use std::process::Stdio;

use serde_json::json;
use tokio::io::AsyncBufReadExt;

pub struct Chromedriver {
    url: String,
    _child: tokio::process::Child,
}

impl Chromedriver {
    pub async fn start() -> Chromedriver {
        let mut child = tokio::process::Command::new("chromedriver")
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver runs");
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut port = None;
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                port = rest.trim_end_matches('.').trim().parse::<u16>().ok();
                break;
            }
        }
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Chromedriver {
            url: format!("http://127.0.0.1:{}", port.expect("chromedriver's port")),
            _child: child,
        }
    }

    /// A new browser (cold cache) with a window of `width` x `height`.
    pub async fn session(&self, width: u32, height: u32) -> fantoccini::Client {
        let mut options = json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     format!("--window-size={width},{height}")],
        });
        let shell = "/usr/lib/chromium/chromium-headless-shell";
        if let Ok(binary) = std::env::var("REPLICA_CHROME") {
            options["binary"] = json!(binary);
        } else if Path::new(shell).is_file() {
            options["binary"] = json!(shell);
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert("goog:chromeOptions".into(), options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        fantoccini::ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a Chromium session")
    }
}
