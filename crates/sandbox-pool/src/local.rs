//! The local provider (the default): a sandbox is a directory with the template's files, the
//! cached `node_modules` linked in, and `next dev` on a free loopback port in a process group
//! of its own, its output appended to a log file.
//!
//! Layout of one sandbox: `<sandboxes_dir>/<id>/project` (what `next dev` serves, with its own
//! `.next`), `<sandboxes_dir>/<id>/next-dev.log` (outside the project, so the dev server never
//! watches its own output), and `<sandboxes_dir>/<id>/home` (the server's `HOME`).

use std::fs::{self, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use replica_core::{
    BoxFuture, CommandOutput, PreviewResponse, ProjectFiles, Sandbox, SandboxError, SandboxProvider,
};
use tokio::io::AsyncReadExt;
use tokio::task::JoinHandle;

use crate::command::AllowedCommand;
use crate::process::{group_has_live_process, kill_process_group, limit_data};
use crate::template::{
    InstalledTemplate, remove_replaced_template_files, tail, write_template_files,
};
use crate::{SandboxPoolError, remove_project_files, write_project_files};

/// How local sandboxes are made and limited.
#[derive(Debug, Clone)]
pub struct LocalConfig {
    pub template: InstalledTemplate,
    /// Where sandbox directories are created.
    pub sandboxes_dir: PathBuf,
    /// node's `--max-old-space-size`, in MiB: the JS heap of each node process.
    pub heap_limit_mb: u32,
    /// RLIMIT_DATA of the dev server's processes, in MiB (see `process::limit_data`).
    pub data_limit_mb: u64,
    /// How long `next dev` may take to say it is ready.
    pub ready_timeout: Duration,
    /// How long a preview request may take (the first one compiles the page).
    pub request_timeout: Duration,
    /// Request `/` once before handing the sandbox out, so webpack's first full compile is
    /// done and later edits recompile incrementally.
    pub warm_up: bool,
    /// A sandbox unused for this long has its dev server stopped; `None` keeps it forever.
    pub idle_ttl: Option<Duration>,
}

impl LocalConfig {
    /// Defaults: sandboxes in the temporary directory, a 2 GiB heap under a 4 GiB data limit,
    /// 60 s to start and to answer, warm-up on, a 30 minute idle TTL.
    pub fn new(template: InstalledTemplate) -> LocalConfig {
        LocalConfig {
            template,
            sandboxes_dir: std::env::temp_dir().join("replica-sandboxes"),
            heap_limit_mb: 2048,
            data_limit_mb: 4096,
            ready_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(60),
            warm_up: true,
            idle_ttl: Some(Duration::from_secs(30 * 60)),
        }
    }
}

/// Makes local sandboxes; dropping it stops the idle reaper (sandboxes live on until they are
/// dropped or destroyed).
#[derive(Debug, Clone)]
pub struct LocalProvider {
    inner: Arc<ProviderInner>,
}

#[derive(Debug)]
struct ProviderInner {
    config: LocalConfig,
    http: reqwest::Client,
    /// Every sandbox made, for the reaper; a dropped sandbox leaves a dead `Weak`.
    sandboxes: Mutex<Vec<Weak<SandboxState>>>,
    reaper: Mutex<Option<JoinHandle<()>>>,
    next_id: AtomicU64,
    swept: std::sync::Once,
}

impl Drop for ProviderInner {
    fn drop(&mut self) {
        if let Some(reaper) = lock(&self.reaper).take() {
            reaper.abort();
        }
    }
}

impl LocalProvider {
    pub fn new(config: LocalConfig) -> LocalProvider {
        LocalProvider {
            inner: Arc::new(ProviderInner {
                config,
                http: reqwest::Client::new(),
                sandboxes: Mutex::new(Vec::new()),
                reaper: Mutex::new(None),
                next_id: AtomicU64::new(0),
                swept: std::sync::Once::new(),
            }),
        }
    }

    pub fn config(&self) -> &LocalConfig {
        &self.inner.config
    }

    /// A new sandbox whose dev server is ready (and warmed up when configured). Dropping the
    /// future part-way leaves nothing behind.
    pub async fn provision_local(&self) -> Result<LocalSandbox, SandboxPoolError> {
        self.start_reaper();
        self.inner.swept.call_once(|| {
            let removed = sweep_orphans(&self.inner.config.sandboxes_dir);
            if removed > 0 {
                tracing::info!("removed {removed} sandboxes left by processes that died");
            }
        });
        let config = &self.inner.config;
        let (id, root) = self.claim_directory()?;
        let node_modules = config.template.node_modules();
        let prepare_root = root.clone();
        let prepared =
            tokio::task::spawn_blocking(move || prepare_directory(&prepare_root, &node_modules))
                .await
                .map_err(|e| SandboxPoolError::Io {
                    path: root.clone(),
                    source: std::io::Error::other(e),
                })
                .and_then(|result| result);
        if let Err(error) = prepared {
            let _ = remove_directory(&root);
            return Err(error);
        }

        // Another process may take the free port between our probe and next's bind; then
        // `next dev` exits with EADDRINUSE and another port is tried.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let port = match free_port() {
                Ok(port) => port,
                Err(source) => {
                    let _ = remove_directory(&root);
                    return Err(SandboxPoolError::Io { path: root, source });
                }
            };
            let state = Arc::new(SandboxState::new(
                id.clone(),
                root.clone(),
                port,
                self.inner.http.clone(),
                config,
            ));
            state.start(config)?;
            match state.wait_ready(0, config.ready_timeout).await {
                Ok(()) => {
                    lock(&self.inner.sandboxes).push(Arc::downgrade(&state));
                    let sandbox = LocalSandbox { state };
                    if config.warm_up {
                        sandbox.warm_up().await?;
                    }
                    return Ok(sandbox);
                }
                Err(ReadyError::PortTaken) if attempts < 3 => {
                    // Keep the directory for the next attempt; only the process and its
                    // output go.
                    state.kill();
                    state.keep_directory();
                    let _ = fs::remove_file(&state.log_path);
                }
                Err(ReadyError::PortTaken) => {
                    return Err(SandboxPoolError::NotReady {
                        timeout: config.ready_timeout,
                        message: format!("no free port after {attempts} attempts"),
                    });
                }
                Err(ReadyError::Failed(error)) => return Err(error),
            }
        }
    }

    /// Creates the next free `local-N` directory. Ids are small and repeat across runs (the
    /// paths in recorded logs stay the same); `create_dir` fails on a taken one, so processes
    /// sharing `sandboxes_dir` never share a directory.
    fn claim_directory(&self) -> Result<(String, PathBuf), SandboxPoolError> {
        let dir = &self.inner.config.sandboxes_dir;
        fs::create_dir_all(dir).map_err(|source| SandboxPoolError::Io {
            path: dir.clone(),
            source,
        })?;
        loop {
            let id = format!(
                "local-{}",
                self.inner.next_id.fetch_add(1, Ordering::Relaxed)
            );
            let root = dir.join(&id);
            match fs::create_dir(&root) {
                Ok(()) => {
                    let owner = root.join(OWNER_FILE);
                    fs::write(&owner, std::process::id().to_string()).map_err(|source| {
                        SandboxPoolError::Io {
                            path: owner,
                            source,
                        }
                    })?;
                    return Ok((id, root));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(source) => return Err(SandboxPoolError::Io { path: root, source }),
            }
        }
    }

    fn start_reaper(&self) {
        let Some(ttl) = self.inner.config.idle_ttl else {
            return;
        };
        let mut reaper = lock(&self.inner.reaper);
        if reaper.is_some() {
            return;
        }
        let provider = Arc::downgrade(&self.inner);
        let period = (ttl / 4).clamp(Duration::from_millis(50), Duration::from_secs(30));
        *reaper = Some(tokio::spawn(async move {
            let mut interval = tokio::time::interval(period);
            loop {
                interval.tick().await;
                let Some(provider) = provider.upgrade() else {
                    return;
                };
                let mut sandboxes = lock(&provider.sandboxes);
                sandboxes.retain(|sandbox| sandbox.strong_count() > 0);
                for state in sandboxes.iter().filter_map(Weak::upgrade) {
                    if state.idle_for() >= ttl && state.is_running() {
                        tracing::info!(sandbox = %state.id, "stopping a sandbox idle for {ttl:?}");
                        state.stop(format!("stopped after {}s idle", ttl.as_secs_f64()));
                    }
                }
            }
        }));
    }
}

impl SandboxProvider for LocalProvider {
    fn name(&self) -> &str {
        "local"
    }

    fn provision(&self) -> BoxFuture<'_, Result<Box<dyn Sandbox>, SandboxError>> {
        Box::pin(async move {
            let sandbox = self.provision_local().await?;
            Ok(Box::new(sandbox) as Box<dyn Sandbox>)
        })
    }
}

/// One local sandbox. Dropping it kills its process group and removes its directory.
#[derive(Debug)]
pub struct LocalSandbox {
    state: Arc<SandboxState>,
}

impl LocalSandbox {
    /// The directory `next dev` serves.
    pub fn project_dir(&self) -> &Path {
        &self.state.project
    }

    /// The dev server's output file.
    pub fn log_path(&self) -> &Path {
        &self.state.log_path
    }

    pub fn port(&self) -> u16 {
        self.state.port
    }

    /// The dev server's process group, while it runs.
    pub fn process_group(&self) -> Option<i32> {
        lock(&self.state.server).as_ref().map(|server| server.pgid)
    }

    /// Whether `files` turn the project from JavaScript to TypeScript or back (tsconfig.json
    /// replacing jsconfig.json). `next dev` switches in place, but now and then it then answers
    /// nothing, not even its file watcher's rebuild, until the request times out (4 of 85
    /// clones under load); a dev server started on the new configuration does not.
    fn switches_language(&self, files: &ProjectFiles) -> bool {
        let on_disk = |name: &str| self.state.project.join(name).is_file();
        let writes = |name: &str| files.files.contains_key(name);
        (writes("tsconfig.json") && on_disk("jsconfig.json") && !on_disk("tsconfig.json"))
            || (writes("jsconfig.json") && on_disk("tsconfig.json") && !on_disk("jsconfig.json"))
    }

    /// Stops `next dev` and starts it again on the same port (its compile cache on disk stays).
    async fn restart(&self) -> Result<(), SandboxPoolError> {
        let old = lock(&self.state.server).take();
        if let Some(mut server) = old {
            kill_process_group(server.pgid);
            let _ = server.child.start_kill();
            // The port is free once the old process is gone.
            let _ = tokio::time::timeout(Duration::from_secs(10), server.child.wait()).await;
        }
        let config = &self.state.config;
        let since = fs::metadata(&self.state.log_path).map_or(0, |meta| meta.len());
        self.state.start(config)?;
        match self.state.wait_ready(since, config.ready_timeout).await {
            Ok(()) => Ok(()),
            Err(ReadyError::PortTaken) => Err(SandboxPoolError::NotReady {
                timeout: config.ready_timeout,
                message: format!(
                    "port {} was taken while `next dev` restarted",
                    self.state.port
                ),
            }),
            Err(ReadyError::Failed(error)) => Err(error),
        }
    }

    async fn warm_up(&self) -> Result<(), SandboxPoolError> {
        let response = self.state.get("/").await?;
        if response.status != 200 {
            let log = self.state.read_log(0).unwrap_or_default();
            return Err(SandboxPoolError::NotReady {
                timeout: self.state.request_timeout,
                message: format!(
                    "the template page answered {} instead of 200: {}",
                    response.status,
                    tail(&log, 2000)
                ),
            });
        }
        Ok(())
    }
}

impl Sandbox for LocalSandbox {
    fn id(&self) -> &str {
        &self.state.id
    }

    fn preview_url(&self) -> &str {
        &self.state.preview_url
    }

    fn write_files<'a>(
        &'a self,
        files: &'a ProjectFiles,
    ) -> BoxFuture<'a, Result<(), SandboxError>> {
        Box::pin(async move {
            self.state.ensure_running()?;
            let switches_language = self.switches_language(files);
            // Writes are small and many; the blocking pool is not worth a copy of every file.
            write_project_files(&self.state.project, files)?;
            remove_replaced_template_files(&self.state.project, files)?;
            if switches_language {
                self.restart().await?;
            }
            Ok(())
        })
    }

    fn remove_files<'a>(&'a self, paths: &'a [String]) -> BoxFuture<'a, Result<(), SandboxError>> {
        Box::pin(async move {
            self.state.ensure_running()?;
            remove_project_files(&self.state.project, paths)?;
            Ok(())
        })
    }

    fn logs(&self, offset: usize) -> BoxFuture<'_, Result<String, SandboxError>> {
        Box::pin(async move {
            self.state.touch();
            let mut file = match tokio::fs::File::open(&self.state.log_path).await {
                Ok(file) => file,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(String::new()),
                Err(e) => return Err(e.into()),
            };
            let len = file.metadata().await?.len();
            let offset = offset as u64;
            if offset >= len {
                return Ok(String::new());
            }
            tokio::io::AsyncSeekExt::seek(&mut file, SeekFrom::Start(offset)).await?;
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).await?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        })
    }

    fn destroy(self: Box<Self>) -> BoxFuture<'static, Result<(), SandboxError>> {
        Box::pin(async move {
            let server = lock(&self.state.server).take();
            if let Some(mut server) = server {
                kill_process_group(server.pgid);
                // Reap the leader so no zombie is left; SIGKILL cannot be ignored.
                let _ = tokio::time::timeout(Duration::from_secs(5), server.child.wait()).await;
                // The worker it forked dies on its own time (freeing a large heap takes a
                // while under load): destroyed means gone, so wait for it, boundedly.
                let deadline = Instant::now() + Duration::from_secs(5);
                while group_has_live_process(server.pgid) && Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            let root = self.state.root.clone();
            self.state.keep_directory();
            drop(self);
            tokio::task::spawn_blocking(move || remove_directory(&root))
                .await
                .map_err(std::io::Error::other)??;
            Ok(())
        })
    }

    fn is_alive(&self) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            if !self.state.is_running() {
                return false;
            }
            let address = ("127.0.0.1", self.state.port);
            matches!(
                tokio::time::timeout(
                    Duration::from_secs(1),
                    tokio::net::TcpStream::connect(address)
                )
                .await,
                Ok(Ok(_))
            )
        })
    }

    fn fetch_preview<'a>(
        &'a self,
        path: &'a str,
    ) -> BoxFuture<'a, Result<PreviewResponse, SandboxError>> {
        Box::pin(async move { Ok(self.state.get(path).await?) })
    }

    fn run<'a>(
        &'a self,
        argv: &'a [String],
        timeout: Duration,
    ) -> BoxFuture<'a, Result<CommandOutput, SandboxError>> {
        Box::pin(async move { Ok(self.state.run(argv, timeout).await?) })
    }

    fn reset(&self) -> BoxFuture<'_, Result<(), SandboxError>> {
        Box::pin(async move {
            self.state.ensure_running()?;
            // The template is TypeScript: putting it back over a JavaScript project switches
            // the language, and the dev server restarts as it does for such a write.
            let project = &self.state.project;
            let was_javascript =
                project.join("jsconfig.json").is_file() && !project.join("tsconfig.json").is_file();
            let project = project.clone();
            tokio::task::spawn_blocking(move || reset_project(&project))
                .await
                .map_err(std::io::Error::other)??;
            if was_javascript {
                self.restart().await?;
            }
            Ok(())
        })
    }
}

#[derive(Debug)]
struct SandboxState {
    id: String,
    root: PathBuf,
    project: PathBuf,
    log_path: PathBuf,
    port: u16,
    preview_url: String,
    http: reqwest::Client,
    request_timeout: Duration,
    /// What the dev server was started with, to start it again.
    config: LocalConfig,
    server: Mutex<Option<DevServer>>,
    /// Why the server is not running, once it was stopped on purpose.
    stopped: Mutex<Option<String>>,
    last_used: Mutex<Instant>,
    /// Whether dropping the state removes `root` (false after `destroy` took care of it).
    remove_on_drop: std::sync::atomic::AtomicBool,
}

#[derive(Debug)]
pub(crate) struct DevServer {
    pub(crate) child: tokio::process::Child,
    pub(crate) pgid: i32,
}

impl Drop for DevServer {
    fn drop(&mut self) {
        kill_process_group(self.pgid);
        let _ = self.child.start_kill();
        // Reap if it is already gone; otherwise tokio's orphan reaper collects it.
        let _ = self.child.try_wait();
    }
}

enum ReadyError {
    PortTaken,
    Failed(SandboxPoolError),
}

impl SandboxState {
    fn new(
        id: String,
        root: PathBuf,
        port: u16,
        http: reqwest::Client,
        config: &LocalConfig,
    ) -> SandboxState {
        SandboxState {
            id,
            project: root.join("project"),
            log_path: root.join("next-dev.log"),
            root,
            port,
            preview_url: format!("http://127.0.0.1:{port}"),
            http,
            request_timeout: config.request_timeout,
            config: config.clone(),
            server: Mutex::new(None),
            stopped: Mutex::new(None),
            last_used: Mutex::new(Instant::now()),
            remove_on_drop: std::sync::atomic::AtomicBool::new(true),
        }
    }

    /// Spawns `next dev` in its own process group with limits and a clean environment.
    fn start(&self, config: &LocalConfig) -> Result<(), SandboxPoolError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| SandboxPoolError::Io { path, source }
        };
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .map_err(io(&self.log_path))?;
        let log_for_stderr = log.try_clone().map_err(io(&self.log_path))?;
        let mut command = tokio::process::Command::new("node");
        command
            .arg("node_modules/next/dist/bin/next")
            .args(["dev", "--port", &self.port.to_string()])
            .args(["--hostname", "127.0.0.1"])
            .current_dir(&self.project)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_for_stderr);
        sandbox_environment(&mut command, &self.root, config.heap_limit_mb);
        let child = spawn_in_own_group(&mut command, "node")?;
        let pid = child.id().unwrap_or(0);
        // The group id is the leader's pid (process_group(0)).
        let server = DevServer {
            child,
            pgid: pid as i32,
        };
        if let Err(source) = limit_data(pid, config.data_limit_mb * 1024 * 1024) {
            drop(server);
            return Err(SandboxPoolError::Io {
                path: self.project.clone(),
                source,
            });
        }
        *lock(&self.server) = Some(server);
        Ok(())
    }

    /// Waits for `Ready in` in the log after byte `since`.
    async fn wait_ready(&self, since: u64, timeout: Duration) -> Result<(), ReadyError> {
        let started = Instant::now();
        loop {
            let log = self.read_log(since).unwrap_or_default();
            if log.contains("Ready in") {
                return Ok(());
            }
            let exited = {
                let mut server = lock(&self.server);
                server
                    .as_mut()
                    .map(|s| s.child.try_wait().ok().flatten().is_some())
                    .unwrap_or(true)
            };
            if exited {
                if log.contains("EADDRINUSE") {
                    return Err(ReadyError::PortTaken);
                }
                return Err(ReadyError::Failed(SandboxPoolError::NotReady {
                    timeout,
                    message: format!("`next dev` exited: {}", tail(&log, 2000)),
                }));
            }
            if started.elapsed() >= timeout {
                self.kill();
                return Err(ReadyError::Failed(SandboxPoolError::NotReady {
                    timeout,
                    message: format!("`next dev` printed: {}", tail(&log, 2000)),
                }));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    fn read_log(&self, offset: u64) -> std::io::Result<String> {
        let mut file = fs::File::open(&self.log_path)?;
        file.seek(SeekFrom::Start(offset))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    fn touch(&self) {
        *lock(&self.last_used) = Instant::now();
    }

    fn idle_for(&self) -> Duration {
        lock(&self.last_used).elapsed()
    }

    fn is_running(&self) -> bool {
        let mut server = lock(&self.server);
        match server.as_mut() {
            Some(server) => matches!(server.child.try_wait(), Ok(None)),
            None => false,
        }
    }

    fn ensure_running(&self) -> Result<(), SandboxPoolError> {
        self.touch();
        if self.is_running() {
            return Ok(());
        }
        let reason = lock(&self.stopped)
            .clone()
            .unwrap_or_else(|| "the dev server exited".into());
        Err(SandboxPoolError::Stopped {
            id: self.id.clone(),
            message: reason,
        })
    }

    fn kill(&self) {
        lock(&self.server).take();
    }

    fn stop(&self, reason: String) {
        *lock(&self.stopped) = Some(reason);
        self.kill();
    }

    fn keep_directory(&self) {
        self.remove_on_drop.store(false, Ordering::Relaxed);
    }

    async fn get(&self, path: &str) -> Result<PreviewResponse, SandboxPoolError> {
        self.ensure_running()?;
        if !path.starts_with('/') {
            return Err(SandboxPoolError::BadPreviewPath { path: path.into() });
        }
        let url = format!("{}{path}", self.preview_url);
        // reqwest's own message hides the cause (refused, reset, timed out) in its sources.
        let http_error = |e: reqwest::Error| {
            let mut message = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                message = format!("{message}: {cause}");
                source = cause.source();
            }
            SandboxPoolError::Http {
                url: url.clone(),
                message,
            }
        };
        let response = self
            .http
            .get(&url)
            .timeout(self.request_timeout)
            .send()
            .await
            .map_err(http_error)?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(http_error)?;
        self.touch();
        Ok(PreviewResponse { status, body })
    }

    async fn run(
        &self,
        argv: &[String],
        timeout: Duration,
    ) -> Result<CommandOutput, SandboxPoolError> {
        let allowed = AllowedCommand::parse(argv)?;
        self.ensure_running()?;
        let canonical = allowed.argv();
        let mut directory = self.project.clone();
        let mut command = match &allowed {
            AllowedCommand::NpmInstallPackage { .. } => {
                // The project's node_modules is the shared template cache: installing into it
                // would change every sandbox. The package goes into the sandbox root's own
                // node_modules instead, which module resolution from the project (Node's and
                // webpack's, walking up from the file) reaches after the project's own.
                directory = self.root.clone();
                prepare_package_root(&self.root)?;
                let mut command = tokio::process::Command::new("npm");
                command
                    .args(&canonical[1..])
                    .args(["--no-audit", "--no-fund", "--ignore-scripts"])
                    .arg("--no-package-lock");
                command
            }
            AllowedCommand::NpmInstall { .. } | AllowedCommand::NpmCi { .. } => {
                return Err(SandboxPoolError::CommandNotAllowed {
                    command: canonical.join(" "),
                    reason: "a local sandbox shares the template's installed node_modules, \
                             which is installed once per template"
                        .into(),
                });
            }
            AllowedCommand::NextDev { .. }
            | AllowedCommand::NextBuild
            | AllowedCommand::NextStart { .. } => {
                // `npx next` without npx's own start-up: the project's next, run by node.
                let mut command = tokio::process::Command::new("node");
                command
                    .arg("node_modules/next/dist/bin/next")
                    .args(&canonical[2..]);
                command
            }
            AllowedCommand::NodeVersion | AllowedCommand::NpmVersion => {
                let mut command = tokio::process::Command::new(&canonical[0]);
                command.args(&canonical[1..]);
                command
            }
        };
        command.current_dir(&directory);
        sandbox_environment(&mut command, &self.root, 2048);
        run_to_end(command, &canonical, &self.project, timeout).await
    }
}

/// Runs `command` (whose canonical argv is `canonical`) in a process group of its own until it
/// exits, collecting its output; the group is killed after `timeout` or when the future is
/// dropped.
pub(crate) async fn run_to_end(
    mut command: tokio::process::Command,
    canonical: &[String],
    project: &Path,
    timeout: Duration,
) -> Result<CommandOutput, SandboxPoolError> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = spawn_in_own_group(&mut command, &canonical[0])?;
    let pgid = child.id().unwrap_or(0) as i32;
    // Kill the group however this future ends (timeout, error or cancellation).
    let _group = GroupGuard(pgid);
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let collect = async {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let read_out = async {
            if let Some(s) = stdout.as_mut() {
                let _ = s.read_to_end(&mut out).await;
            }
        };
        let read_err = async {
            if let Some(s) = stderr.as_mut() {
                let _ = s.read_to_end(&mut err).await;
            }
        };
        tokio::join!(read_out, read_err);
        let status = child.wait().await;
        (status, out, err)
    };
    match tokio::time::timeout(timeout, collect).await {
        Ok((status, out, err)) => {
            let status = status.map_err(|source| SandboxPoolError::Io {
                path: project.to_path_buf(),
                source,
            })?;
            Ok(CommandOutput {
                exit_code: status.code(),
                stdout: String::from_utf8_lossy(&out).into_owned(),
                stderr: String::from_utf8_lossy(&err).into_owned(),
            })
        }
        Err(_) => Err(SandboxPoolError::CommandTimedOut {
            command: canonical.join(" "),
            timeout,
        }),
    }
}

impl Drop for SandboxState {
    fn drop(&mut self) {
        if let Ok(server) = self.server.get_mut() {
            server.take();
        }
        if self.remove_on_drop.load(Ordering::Relaxed) {
            let _ = remove_directory(&self.root);
        }
    }
}

/// Kills a process group when dropped.
struct GroupGuard(i32);

impl Drop for GroupGuard {
    fn drop(&mut self) {
        kill_process_group(self.0);
    }
}

/// A clean environment: the sandbox runs generated code, which must not see API keys or
/// anything else of ours. `HOME` is the sandbox's own, so nothing writes into the user's.
pub(crate) fn sandbox_environment(
    command: &mut tokio::process::Command,
    root: &Path,
    heap_limit_mb: u32,
) {
    command.env_clear();
    for name in ["PATH", "LANG", "TZ"] {
        if let Some(value) = std::env::var_os(name) {
            command.env(name, value);
        }
    }
    command
        .env("HOME", root.join("home"))
        .env("NEXT_TELEMETRY_DISABLED", "1")
        .env(
            "NODE_OPTIONS",
            format!("--max-old-space-size={heap_limit_mb}"),
        );
}

pub(crate) fn spawn_in_own_group(
    command: &mut tokio::process::Command,
    program: &str,
) -> Result<tokio::process::Child, SandboxPoolError> {
    command.process_group(0).kill_on_drop(true);
    command
        .spawn()
        .map_err(|source| SandboxPoolError::ToolMissing {
            program: program.to_string(),
            source,
        })
}

/// A `package.json` in the sandbox root, so npm installs packages there (and not in some
/// directory above that happens to have one).
fn prepare_package_root(root: &Path) -> Result<(), SandboxPoolError> {
    let manifest = root.join("package.json");
    if manifest.is_file() {
        return Ok(());
    }
    fs::write(
        &manifest,
        "{\"name\": \"replica-sandbox-packages\", \"private\": true}\n",
    )
    .map_err(|source| SandboxPoolError::Io {
        path: manifest,
        source,
    })
}

/// Creates `root/project` with the template's files and `node_modules` linked to the cache.
pub(crate) fn prepare_directory(root: &Path, node_modules: &Path) -> Result<(), SandboxPoolError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SandboxPoolError::Io { path, source }
    };
    if !node_modules.is_dir() {
        return Err(SandboxPoolError::TemplateInstall {
            dir: node_modules.to_path_buf(),
            message: "the template's node_modules is missing; run `cargo xtask setup`".into(),
        });
    }
    let project = root.join("project");
    fs::create_dir_all(&project).map_err(io(&project))?;
    fs::create_dir_all(root.join("home")).map_err(io(root))?;
    write_template_files(&project)?;
    let link = project.join("node_modules");
    std::os::unix::fs::symlink(node_modules, &link).map_err(io(&link))?;
    Ok(())
}

/// Names the process that made a sandbox directory, so a later one can tell it is orphaned.
const OWNER_FILE: &str = "owner.pid";

/// Kills the processes and removes the directories of sandboxes whose owner process is gone
/// (it was SIGKILLed or crashed, so no `Drop` ran: its dev servers, in their own process
/// groups, outlived it). Returns how many were removed.
pub fn sweep_orphans(sandboxes_dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(sandboxes_dir) else {
        return 0;
    };
    let mut removed = 0;
    for root in entries.flatten().map(|entry| entry.path()) {
        let owner = fs::read_to_string(root.join(OWNER_FILE))
            .ok()
            .and_then(|pid| pid.trim().parse::<u32>().ok());
        let orphaned = match owner {
            Some(pid) => pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists(),
            // Not one of ours (or its owner file was never written): left alone.
            None => false,
        };
        if !orphaned {
            continue;
        }
        for pid in crate::process::processes_under(&root) {
            crate::process::kill_process(pid);
        }
        if remove_directory(&root).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Removes everything the project holds except `node_modules` and `.next` (webpack's cache
/// keeps the next compile fast), then writes the template's files again.
fn reset_project(project: &Path) -> Result<(), SandboxPoolError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SandboxPoolError::Io { path, source }
    };
    for entry in fs::read_dir(project).map_err(io(project))? {
        let entry = entry.map_err(io(project))?;
        let name = entry.file_name();
        if name == "node_modules" || name == ".next" {
            continue;
        }
        let path = entry.path();
        let removed = match entry.file_type() {
            Ok(kind) if kind.is_dir() => fs::remove_dir_all(&path),
            _ => fs::remove_file(&path),
        };
        removed.map_err(io(&path))?;
    }
    write_template_files(project)
}

fn remove_directory(root: &Path) -> std::io::Result<()> {
    match fs::remove_dir_all(root) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// A port nobody listens on right now (the OS picks it).
pub(crate) fn free_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}

/// Locks a mutex, carrying on after a panic elsewhere (the data is still consistent: every
/// critical section here is a single assignment or take).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
