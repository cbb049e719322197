//! A project served the way users deploy it (DESIGN.md §8): `next build`, then `next start` on
//! a free loopback port, in a process group of its own. It is how the fidelity benchmark
//! measures clones; previews keep `next dev` (hot reload, compile errors in its log).
//!
//! Layout under the caller's `root`: `project/` (the template's files, the project's over them,
//! the cached `node_modules` linked in, `.next` once built), `home/` (the server's `HOME`) and
//! `next-start.log`. The directory is the caller's: it stays after the server stops, so a
//! built clone can be looked at.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use replica_core::ProjectFiles;

use crate::local::{
    DevServer, free_port, prepare_directory, run_to_end, sandbox_environment, spawn_in_own_group,
};
use crate::process::limit_data;
use crate::template::{remove_replaced_template_files, tail};
use crate::{InstalledTemplate, SandboxPoolError, write_project_files};

/// Limits of a production build and server.
#[derive(Debug, Clone)]
pub struct ProductionConfig {
    /// node's `--max-old-space-size`, in MiB.
    pub heap_limit_mb: u32,
    /// RLIMIT_DATA of the server's processes, in MiB.
    pub data_limit_mb: u64,
    /// How long `next build` may take.
    pub build_timeout: Duration,
    /// How long `next start` may take to say it is ready.
    pub ready_timeout: Duration,
}

impl Default for ProductionConfig {
    /// The local sandbox's memory limits; 5 minutes to build (a cold build of a large page
    /// takes 15-40 s on a loaded machine), 60 s to start.
    fn default() -> ProductionConfig {
        ProductionConfig {
            heap_limit_mb: 2048,
            data_limit_mb: 4096,
            build_timeout: Duration::from_secs(300),
            ready_timeout: Duration::from_secs(60),
        }
    }
}

/// A built project served by `next start`. Dropping it kills the server's process group.
#[derive(Debug)]
pub struct ProductionServer {
    project: PathBuf,
    url: String,
    _server: DevServer,
}

impl ProductionServer {
    /// Writes `files` over the template into `root/project`, builds it and starts it. `root`
    /// must be empty or missing. A failed build is [`SandboxPoolError::BuildFailed`] with the
    /// end of its output.
    pub async fn start(
        template: &InstalledTemplate,
        root: &Path,
        files: &ProjectFiles,
        config: &ProductionConfig,
    ) -> Result<ProductionServer, SandboxPoolError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| SandboxPoolError::Io { path, source }
        };
        let project = root.join("project");
        let (setup_root, node_modules, owned) =
            (root.to_path_buf(), template.node_modules(), files.clone());
        tokio::task::spawn_blocking(move || {
            prepare_directory(&setup_root, &node_modules)?;
            let project = setup_root.join("project");
            write_project_files(&project, &owned)?;
            remove_replaced_template_files(&project, &owned)
        })
        .await
        .map_err(|e| SandboxPoolError::Io {
            path: root.to_path_buf(),
            source: std::io::Error::other(e),
        })??;

        let mut build = next_command(&project, root, config.heap_limit_mb);
        build.arg("build");
        let canonical = ["npx", "next", "build"].map(String::from);
        let output = run_to_end(build, &canonical, &project, config.build_timeout).await?;
        if output.exit_code != Some(0) {
            return Err(SandboxPoolError::BuildFailed {
                output: tail(&format!("{}{}", output.stdout, output.stderr), 3000).to_string(),
            });
        }

        // Another process may take the free port between the probe and next's bind.
        let log_path = root.join("next-start.log");
        for _ in 0..3 {
            let port = free_port().map_err(io(root))?;
            let log = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log_path)
                .map_err(io(&log_path))?;
            let since = log.metadata().map_err(io(&log_path))?.len() as usize;
            let mut start = next_command(&project, root, config.heap_limit_mb);
            start
                .args([
                    "start",
                    "--port",
                    &port.to_string(),
                    "--hostname",
                    "127.0.0.1",
                ])
                .stdin(Stdio::null())
                .stdout(log.try_clone().map_err(io(&log_path))?)
                .stderr(log);
            let child = spawn_in_own_group(&mut start, "node")?;
            let pid = child.id().unwrap_or(0);
            let mut server = DevServer {
                child,
                pgid: pid as i32,
            };
            limit_data(pid, config.data_limit_mb * 1024 * 1024).map_err(io(&project))?;
            match wait_ready(&mut server, &log_path, since, config.ready_timeout).await? {
                true => {
                    return Ok(ProductionServer {
                        project,
                        url: format!("http://127.0.0.1:{port}"),
                        _server: server,
                    });
                }
                false => continue,
            }
        }
        Err(SandboxPoolError::NotReady {
            timeout: config.ready_timeout,
            message: "`next start` found no free port after 3 attempts".into(),
        })
    }

    /// Where a browser sees the project.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The built project.
    pub fn project_dir(&self) -> &Path {
        &self.project
    }
}

/// `node node_modules/next/dist/bin/next` in `project`, in the sandbox's clean environment.
fn next_command(project: &Path, root: &Path, heap_limit_mb: u32) -> tokio::process::Command {
    let mut command = tokio::process::Command::new("node");
    command
        .arg("node_modules/next/dist/bin/next")
        .current_dir(project);
    sandbox_environment(&mut command, root, heap_limit_mb);
    command
}

/// Waits for `next start`'s ready line after byte `since` of its log: `Ok(true)` once ready,
/// `Ok(false)` when the port was taken (try another).
async fn wait_ready(
    server: &mut DevServer,
    log_path: &Path,
    since: usize,
    timeout: Duration,
) -> Result<bool, SandboxPoolError> {
    let started = Instant::now();
    loop {
        let log = std::fs::read(log_path).unwrap_or_default();
        let log = String::from_utf8_lossy(log.get(since..).unwrap_or_default());
        if log.contains("Ready in") {
            return Ok(true);
        }
        if server.child.try_wait().ok().flatten().is_some() {
            if log.contains("EADDRINUSE") {
                return Ok(false);
            }
            return Err(SandboxPoolError::NotReady {
                timeout,
                message: format!("`next start` exited: {}", tail(&log, 2000)),
            });
        }
        if started.elapsed() >= timeout {
            return Err(SandboxPoolError::NotReady {
                timeout,
                message: format!("`next start` printed: {}", tail(&log, 2000)),
            });
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
