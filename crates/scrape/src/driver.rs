//! The WebDriver server: a chromedriver we start and always stop, or one the user runs.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use replica_core::ScrapeError;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const INSTALL_HINT: &str = "Install Chromium and ChromeDriver with `apt-get install chromium chromium-driver` (add chromium-headless-shell for faster scrapes; or run `cargo xtask setup`), \
     or point REPLICA_WEBDRIVER_URL at a running WebDriver / Selenium Grid.";

/// Where WebDriver commands go.
#[derive(Debug)]
pub(crate) enum WebDriver {
    /// A chromedriver this process started; killed with its whole process group on drop.
    Spawned(Box<SpawnedDriver>),
    /// A server someone else runs (REPLICA_WEBDRIVER_URL).
    Remote { url: String },
}

impl WebDriver {
    pub(crate) fn url(&self) -> &str {
        match self {
            WebDriver::Spawned(driver) => &driver.url,
            WebDriver::Remote { url } => url,
        }
    }

    /// Process group of a spawned driver (chromedriver and the browsers it launched).
    pub(crate) fn process_group(&self) -> Option<i32> {
        match self {
            WebDriver::Spawned(driver) => Some(driver.pgid),
            WebDriver::Remote { .. } => None,
        }
    }
}

#[derive(Debug)]
pub(crate) struct SpawnedDriver {
    child: Child,
    pgid: i32,
    url: String,
    /// TMPDIR of chromedriver and its browsers. Chromium leaves its singleton-socket and
    /// scoped directories (and, with `--disable-dev-shm-usage`, shared memory files) there
    /// when it is killed; removed after the processes (fields drop after `Drop::drop`).
    _temp: tempfile::TempDir,
}

impl SpawnedDriver {
    /// Starts `program` on a free loopback port and waits until it says it is ready. A driver
    /// that exits before that is started once more: under load chromedriver occasionally quits
    /// at start-up (seen in CI with many scrapes starting at once).
    pub(crate) async fn start(program: &Path) -> Result<SpawnedDriver, ScrapeError> {
        match Self::start_once(program).await {
            Err(ScrapeError::BrowserStart { message }) if message.contains("exited before") => {
                tracing::warn!("{message}; starting it once more");
                Self::start_once(program).await
            }
            result => result,
        }
    }

    async fn start_once(program: &Path) -> Result<SpawnedDriver, ScrapeError> {
        let temp = tempfile::Builder::new()
            .prefix("replica-chromedriver-")
            .tempdir()
            .map_err(|source| ScrapeError::Io {
                action: "create a temporary directory for chromedriver in",
                path: std::env::temp_dir(),
                source,
            })?;
        let mut command = Command::new(program);
        command
            .arg("--port=0")
            .env("TMPDIR", temp.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // Its own process group, so the browsers it starts can be killed with it.
            .process_group(0)
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ScrapeError::ToolMissing {
                program: program.display().to_string(),
                hint: INSTALL_HINT.to_string(),
            },
            _ => ScrapeError::BrowserStart {
                message: format!("could not run {}: {e}", program.display()),
            },
        })?;
        let pgid = child.id().map(|id| id as i32).unwrap_or(0);
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| ScrapeError::BrowserStart {
                message: "chromedriver's output is not readable".into(),
            })?;
        let port = tokio::time::timeout(Duration::from_secs(20), read_port(stdout)).await;
        let mut driver = SpawnedDriver {
            child,
            pgid,
            url: String::new(),
            _temp: temp,
        };
        match port {
            Ok(Some(port)) => {
                driver.url = format!("http://127.0.0.1:{port}");
                Ok(driver)
            }
            Ok(None) => Err(ScrapeError::BrowserStart {
                message: format!("{} exited before it was ready", program.display()),
            }),
            Err(_) => Err(ScrapeError::BrowserStart {
                message: format!("{} did not report its port within 20s", program.display()),
            }),
        }
    }

    fn kill(&mut self) {
        if let Some(pid) = rustix::process::Pid::from_raw(self.pgid) {
            let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
        }
        let _ = self.child.start_kill();
        // Reap it so no zombie is left behind; it was just sent SIGKILL.
        let _ = self.child.try_wait();
    }
}

impl Drop for SpawnedDriver {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn read_port(stdout: tokio::process::ChildStdout) -> Option<u16> {
    let mut lines = BufReader::new(stdout).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        // "ChromeDriver was started successfully on port 38895."
        if let Some(rest) = line.split("started successfully on port ").nth(1) {
            let port = rest.trim_end_matches('.').trim().parse().ok();
            // Keep draining its output in the background so it never blocks on a full pipe.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            return port;
        }
    }
    None
}

/// Finds `chromedriver` on the PATH (a configured one is used without looking).
pub(crate) fn find_chromedriver() -> Result<PathBuf, ScrapeError> {
    find_on_path("chromedriver").ok_or_else(|| ScrapeError::ToolMissing {
        program: "chromedriver".into(),
        hint: INSTALL_HINT.to_string(),
    })
}

/// Debian's headless shell; `/usr/bin/chromium-headless-shell` is a shell script that runs it
/// without `exec`, so chromedriver would stop the script and leave the browser running.
const DEBIAN_HEADLESS_SHELL: &str = "/usr/lib/chromium/chromium-headless-shell";

/// The program chromedriver should start for `path`: the binary behind Debian's script.
pub(crate) fn browser_binary(path: &Path) -> PathBuf {
    if path == Path::new("/usr/bin/chromium-headless-shell")
        && Path::new(DEBIAN_HEADLESS_SHELL).is_file()
    {
        return PathBuf::from(DEBIAN_HEADLESS_SHELL);
    }
    path.to_path_buf()
}

/// Finds the browser binary chromedriver should start by its usual names (a configured one is
/// used without looking).
///
/// The headless shell comes first: the same Blink without the browser's UI layer, it renders
/// the same pixels (with `--font-render-hinting=slight`) and starts and loads faster
/// (docs/BENCHMARKS.md).
pub(crate) fn find_chromium() -> Result<PathBuf, ScrapeError> {
    if Path::new(DEBIAN_HEADLESS_SHELL).is_file() {
        return Ok(PathBuf::from(DEBIAN_HEADLESS_SHELL));
    }
    [
        "chrome-headless-shell",
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .find_map(|name| find_on_path(name))
    .ok_or_else(|| ScrapeError::ToolMissing {
        program: "chromium".into(),
        hint: INSTALL_HINT.to_string(),
    })
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}
