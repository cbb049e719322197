//! Installs what Replica needs on this machine, when it is missing: system packages and the
//! Next.js template every local sandbox runs on.

use std::process::Command;

use anyhow::{Context, bail};

/// Debian packages: the browser and its driver, and the fonts the fixture sites use. The
/// headless shell (same source package as chromium) is what scrapes run in when it is there:
/// it renders the same pixels and scrapes about a second faster.
const PACKAGES: &[&str] = &[
    "chromium",
    "chromium-headless-shell",
    "chromium-driver",
    "fonts-dejavu-core",
    "fonts-liberation",
];

/// Installs missing packages with apt-get when running as root (otherwise says what to run),
/// then the Next.js template into the cache. Does nothing slow when everything is there.
pub fn ensure_system_packages() -> anyhow::Result<()> {
    ensure_debian_packages()?;
    ensure_next_template()
}

/// `npm ci` of the sandbox template into `REPLICA_CACHE_DIR/templates/<files hash>`, once.
pub fn ensure_next_template() -> anyhow::Result<()> {
    let cache = replica_sandbox_pool::default_cache_dir(|name| std::env::var(name).ok());
    let key = replica_sandbox_pool::template_key();
    if !cache.join("templates").join(&key).is_dir() {
        eprintln!(
            "setup: installing the Next.js template into {} (npm ci, once)",
            cache.join("templates").join(&key).display()
        );
    }
    let installed = replica_sandbox_pool::install_template(&cache)
        .context("installing the Next.js sandbox template (needs node and npm)")?;
    eprintln!(
        "setup: Next.js template ready in {}",
        installed.dir().display()
    );
    Ok(())
}

/// npm pixelmatch 7 (and pngjs) for `bench diff`'s comparison, installed once into
/// `REPLICA_CACHE_DIR/bench/pixelmatch-7`. `None`, with a message saying so, when node or npm is
/// missing: the bench then times ours alone.
pub fn ensure_pixelmatch() -> anyhow::Result<Option<std::path::PathBuf>> {
    if !has("node") || !has("npm") {
        eprintln!(
            "bench diff: node and npm are not on the PATH; skipping the comparison with npm pixelmatch 7 (install Node.js 18+ to get it)"
        );
        return Ok(None);
    }
    let dir = replica_sandbox_pool::default_cache_dir(|name| std::env::var(name).ok())
        .join("bench/pixelmatch-7");
    let version = |package: &str| -> Option<String> {
        let manifest = std::fs::read(dir.join("node_modules").join(package).join("package.json"));
        let manifest: serde_json::Value = serde_json::from_slice(&manifest.ok()?).ok()?;
        manifest["version"].as_str().map(str::to_owned)
    };
    let is_seven = |version: Option<String>| version.is_some_and(|v| v.starts_with("7."));
    if !(is_seven(version("pixelmatch")) && version("pngjs").is_some()) {
        eprintln!(
            "setup: installing npm pixelmatch@7 and pngjs into {} (once)",
            dir.display()
        );
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        crate::run(
            Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
                .arg(&dir)
                .args(["pixelmatch@7", "pngjs@7"]),
        )
        .context("installing npm pixelmatch@7 and pngjs@7 for `bench diff`")?;
        if !is_seven(version("pixelmatch")) {
            bail!("npm installed no pixelmatch 7 into {}", dir.display());
        }
    }
    Ok(Some(dir))
}

fn ensure_debian_packages() -> anyhow::Result<()> {
    let missing: Vec<&str> = PACKAGES.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !has("apt-get") {
        if has("chromium") && has("chromedriver") {
            return Ok(());
        }
        bail!(
            "Chromium and ChromeDriver are needed ({}), and this is not a Debian-like system: install them and put `chromium` and `chromedriver` on the PATH",
            missing.join(", ")
        );
    }
    let command = format!(
        "apt-get install -y --no-install-recommends {}",
        missing.join(" ")
    );
    if !is_root() {
        bail!(
            "missing system packages: {}. Install them with:\n    sudo {command}",
            missing.join(", ")
        );
    }
    eprintln!("setup: installing {}", missing.join(", "));
    let install = || {
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
    };
    if !install()?.success() {
        // A fresh machine may have no package lists yet.
        crate::run(
            Command::new("apt-get")
                .args(["update", "-q"])
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )?;
        if !install()?.success() {
            bail!("`{command}` failed");
        }
    }
    Ok(())
}

fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).contains("install ok installed"))
        .unwrap_or(false)
}

fn has(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|uid| uid == "0"))
        })
        .unwrap_or(false)
}
