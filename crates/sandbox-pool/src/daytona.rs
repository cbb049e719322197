//! The Daytona provider: sandboxes in Daytona's cloud, driven over its REST API with reqwest.
//!
//! Every request and response shape below is Daytona's own, from its open-source repository
//! (github.com/daytonaio/daytona):
//! - control plane at `{api_url}` (`libs/api-client/src/api/sandbox-api.ts` and
//!   `libs/api-client/src/models/`): `POST /sandbox` with a `CreateSandbox` body
//!   (`create-sandbox.ts`), `GET /sandbox/{id}` returning a `Sandbox` whose `state` is a
//!   `SandboxState` (`sandbox-state.ts`: `started`, `error`, `build_failed`, ...) with an
//!   `errorReason`, `GET /sandbox/{id}/ports/{port}/preview-url` returning a `PortPreviewUrl`
//!   (`port-preview-url.ts`: `url`, `token`), and `DELETE /sandbox/{id}`;
//! - toolbox at `{toolboxProxyUrl}/{id}` (`libs/toolbox-api-client/src/api/process-api.ts`,
//!   `file-system-api.ts`; the SDKs build this base from the sandbox's `toolboxProxyUrl`):
//!   `POST /process/session` with `{sessionId}`, `POST /process/session/{sessionId}/exec` with
//!   `{command, runAsync}` returning `{cmdId}`, `GET /process/session/{sessionId}/command/{cmdId}/logs`
//!   returning text, and `POST /files/bulk-upload` as multipart with `files[i].path` and
//!   `files[i].file` parts (`libs/sdk-typescript/src/FileSystem.ts`, `uploadFiles`),
//!   `POST /process/execute` with `{command, timeout}` returning `{exitCode, result}`, and
//!   `GET /process/session/{sessionId}/command/{cmdId}` returning a `Command` whose `exitCode`
//!   stays null while it runs;
//! - the preview itself, opened with `x-daytona-preview-token` (for private sandboxes) and
//!   `X-Daytona-Skip-Preview-Warning: true` (Daytona's SDK examples and proxy).
//!
//! Authentication is `Authorization: Bearer <key>` on both, plus `X-Daytona-Organization-ID`
//! when configured (`libs/sdk-typescript/src/Daytona.ts`).
//!
//! The snapshot is expected to hold the template with its `node_modules` installed in
//! `project_dir`, so provisioning never runs `npm install`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use replica_core::{
    ApiKey, BoxFuture, CommandOutput, PreviewResponse, ProjectFiles, ProjectPathError, Sandbox,
    SandboxError, SandboxProvider, check_project_path,
};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::AllowedCommand;

/// Where provisioning keeps the template as it came (without `node_modules` and `.next`), so
/// `reset` can put it back.
const PRISTINE_ARCHIVE: &str = "/tmp/replica-template.tar";

/// Daytona's hosted API.
pub const DEFAULT_DAYTONA_API_URL: &str = "https://app.daytona.io/api";

/// How to reach Daytona and what to run in each sandbox.
#[derive(Debug, Clone)]
pub struct DaytonaConfig {
    pub api_key: ApiKey,
    /// Without a trailing slash; [`DEFAULT_DAYTONA_API_URL`] unless self-hosted.
    pub api_url: String,
    /// Sent as `X-Daytona-Organization-ID` when set.
    pub organization_id: Option<String>,
    /// The region (`us`, `eu`); Daytona picks the organization's default when `None`.
    pub target: Option<String>,
    /// The snapshot holding the installed template; Daytona's default snapshot when neither
    /// this nor `image` is set.
    pub snapshot: Option<String>,
    /// A container image holding the installed template, built by Daytona on first use (as
    /// the SDKs do: a `buildInfo` of `FROM <image>`). Only one of `snapshot` and `image`.
    pub image: Option<String>,
    /// Absolute directory of the template inside the sandbox; written files land below it.
    pub project_dir: String,
    /// Starts the dev server (a shell command run in `project_dir`, in the background, in a
    /// toolbox session); it must listen on `port`.
    pub dev_command: String,
    /// The port the dev server listens on, whose preview URL the sandbox reports.
    pub port: u16,
    /// Whether the preview is reachable without the preview token.
    pub public: bool,
    /// Daytona stops an idle sandbox after this many minutes (0 disables it).
    pub auto_stop_minutes: u32,
    /// How long a new sandbox may take to reach `started`.
    pub start_timeout: Duration,
    /// The pause between two state checks while waiting for `started`.
    pub poll_interval: Duration,
    /// Bound on each HTTP request.
    pub request_timeout: Duration,
}

impl DaytonaConfig {
    pub fn new(api_key: ApiKey) -> DaytonaConfig {
        DaytonaConfig {
            api_key,
            api_url: DEFAULT_DAYTONA_API_URL.to_string(),
            organization_id: None,
            target: None,
            snapshot: None,
            image: None,
            project_dir: "/home/daytona/app".to_string(),
            dev_command: "NEXT_TELEMETRY_DISABLED=1 node_modules/.bin/next dev -H 0.0.0.0 -p 3000"
                .to_string(),
            port: 3000,
            public: true,
            auto_stop_minutes: 30,
            start_timeout: Duration::from_secs(120),
            poll_interval: Duration::from_secs(1),
            request_timeout: Duration::from_secs(60),
        }
    }

    /// Reads `DAYTONA_API_KEY` (required), `DAYTONA_API_URL`, `DAYTONA_TARGET`,
    /// `DAYTONA_SNAPSHOT`, `DAYTONA_IMAGE` and `DAYTONA_ORGANIZATION_ID` through `lookup` (`std::env::var` in
    /// the binary, a map in tests).
    pub fn from_env(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<DaytonaConfig, DaytonaError> {
        let non_empty = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let api_key = non_empty("DAYTONA_API_KEY").ok_or(DaytonaError::MissingApiKey)?;
        let mut config = DaytonaConfig::new(ApiKey::new(api_key.trim()));
        if let Some(url) = non_empty("DAYTONA_API_URL") {
            config.api_url = url.trim().trim_end_matches('/').to_string();
        }
        config.target = non_empty("DAYTONA_TARGET");
        config.snapshot = non_empty("DAYTONA_SNAPSHOT");
        config.image = non_empty("DAYTONA_IMAGE");
        config.organization_id = non_empty("DAYTONA_ORGANIZATION_ID");
        Ok(config)
    }
}

/// What went wrong talking to Daytona. Messages never contain the API key.
#[derive(Debug, thiserror::Error)]
pub enum DaytonaError {
    #[error("DAYTONA_API_KEY is not set; create a key at https://app.daytona.io/dashboard/keys")]
    MissingApiKey,
    #[error("the Daytona API URL {url:?} is not a valid http(s) URL")]
    InvalidApiUrl { url: String },
    #[error("set either a Daytona snapshot ({snapshot:?}) or an image ({image:?}), not both")]
    SnapshotAndImage { snapshot: String, image: String },
    #[error(
        "Daytona rejected the API key while trying to {operation} (HTTP {status}); check DAYTONA_API_KEY"
    )]
    Unauthorized {
        operation: &'static str,
        status: u16,
    },
    #[error("Daytona failed to {operation}: HTTP {status}: {message}")]
    Http {
        operation: &'static str,
        status: u16,
        message: String,
    },
    #[error("could not reach Daytona to {operation}: {message}")]
    Transport {
        operation: &'static str,
        message: String,
    },
    #[error("Daytona answered an unexpected body to {operation}: {message}")]
    InvalidResponse {
        operation: &'static str,
        message: String,
    },
    #[error("Daytona sandbox {id} is in state {state:?}: {reason}")]
    SandboxFailed {
        id: String,
        state: String,
        reason: String,
    },
    #[error("Daytona sandbox {id} did not start within {}s (last state {state:?})", timeout.as_secs_f64())]
    StartTimeout {
        id: String,
        state: String,
        timeout: Duration,
    },
    #[error("the sandbox command to {operation} exited with {exit_code}: {output}")]
    CommandFailed {
        operation: &'static str,
        exit_code: i32,
        output: String,
    },
    #[error("`{command}` did not finish within {}s", timeout.as_secs_f64())]
    CommandTimedOut { command: String, timeout: Duration },
    #[error(transparent)]
    InvalidPath(#[from] ProjectPathError),
}

impl From<DaytonaError> for SandboxError {
    fn from(error: DaytonaError) -> SandboxError {
        match error {
            DaytonaError::StartTimeout { timeout, .. } => SandboxError::NotReady {
                timeout,
                message: error.to_string(),
            },
            DaytonaError::InvalidPath(ProjectPathError { path, .. }) => {
                SandboxError::PathEscape { path }
            }
            DaytonaError::CommandTimedOut { command, timeout } => {
                SandboxError::CommandTimedOut { command, timeout }
            }
            other => SandboxError::Provider {
                provider: "daytona".to_string(),
                message: other.to_string(),
            },
        }
    }
}

/// Creates Daytona sandboxes running the template's dev server.
#[derive(Debug, Clone)]
pub struct DaytonaProvider {
    client: Client,
}

impl DaytonaProvider {
    pub fn new(config: DaytonaConfig) -> Result<DaytonaProvider, DaytonaError> {
        let parsed = url::Url::parse(&config.api_url);
        if !parsed.is_ok_and(|url| matches!(url.scheme(), "http" | "https")) {
            return Err(DaytonaError::InvalidApiUrl {
                url: config.api_url,
            });
        }
        if let (Some(snapshot), Some(image)) = (&config.snapshot, &config.image) {
            return Err(DaytonaError::SnapshotAndImage {
                snapshot: snapshot.clone(),
                image: image.clone(),
            });
        }
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .build()
            .map_err(|error| DaytonaError::Transport {
                operation: "build an HTTP client",
                message: error.to_string(),
            })?;
        Ok(DaytonaProvider {
            client: Client {
                http,
                config: Arc::new(config),
            },
        })
    }

    /// Creates a sandbox, waits until it runs, starts the dev server and learns the preview
    /// URL. A sandbox that fails on the way is deleted before the error is returned.
    pub async fn create_sandbox(&self) -> Result<DaytonaSandbox, DaytonaError> {
        let config = &self.client.config;
        let request = CreateSandbox {
            snapshot: config.snapshot.as_deref(),
            build_info: config.image.as_ref().map(|image| BuildInfo {
                dockerfile_content: format!("FROM {image}\n"),
            }),
            target: config.target.as_deref(),
            public: config.public,
            auto_stop_interval: config.auto_stop_minutes,
            labels: [("app", "replica")].into_iter().collect(),
        };
        let created: SandboxInfo = self
            .client
            .json(
                "create a sandbox",
                self.client
                    .request(Method::POST, &self.client.api("/sandbox"))
                    .json(&request),
            )
            .await?;
        let id = created.id.clone();
        // The sandbox exists and bills from here on: if this future is dropped before it is
        // handed out, the guard deletes it.
        let mut guard = CancelGuard {
            client: Some(self.client.clone()),
            id: id.clone(),
        };
        let started = self.start(created).await;
        guard.client = None;
        match started {
            Ok(sandbox) => Ok(sandbox),
            Err(error) => {
                if let Err(delete_error) = self.client.delete_sandbox(&id).await {
                    tracing::warn!(%id, %delete_error, "could not delete a failed Daytona sandbox");
                }
                Err(error)
            }
        }
    }

    async fn start(&self, created: SandboxInfo) -> Result<DaytonaSandbox, DaytonaError> {
        let info = self.client.wait_until_started(created).await?;
        let toolbox_url = match &info.toolbox_proxy_url {
            Some(proxy) => format!("{}/{}", proxy.trim_end_matches('/'), info.id),
            // Older deployments route the toolbox through the API itself.
            None => self.client.api(&format!("/toolbox/{}/toolbox", info.id)),
        };
        // Keep the template as it came for `reset`, before the dev server writes `.next`.
        let archive = format!(
            "tar -C {} --exclude=./node_modules --exclude=./.next -cf {PRISTINE_ARCHIVE} .",
            shell_quote(&self.client.config.project_dir)
        );
        self.client
            .execute(&toolbox_url, &archive, self.client.config.request_timeout)
            .await?
            .success("keep a pristine copy of the template")?;
        let session_id = "replica-dev".to_string();
        self.client
            .send(
                "create a toolbox session",
                self.client
                    .request(Method::POST, &format!("{toolbox_url}/process/session"))
                    .json(&CreateSession {
                        session_id: &session_id,
                    }),
            )
            .await?;
        let executed: SessionExecuteResponse = self
            .client
            .json(
                "start the dev server",
                self.client
                    .request(
                        Method::POST,
                        &format!("{toolbox_url}/process/session/{session_id}/exec"),
                    )
                    .json(&SessionExecuteRequest {
                        command: &format!(
                            "cd {} && {}",
                            shell_quote(&self.client.config.project_dir),
                            self.client.config.dev_command
                        ),
                        run_async: true,
                    }),
            )
            .await?;
        let preview: PortPreviewUrl = self
            .client
            .json(
                "get the preview URL",
                self.client.request(
                    Method::GET,
                    &self.client.api(&format!(
                        "/sandbox/{}/ports/{}/preview-url",
                        info.id, self.client.config.port
                    )),
                ),
            )
            .await?;
        Ok(DaytonaSandbox {
            client: self.client.clone(),
            id: info.id,
            toolbox_url,
            session_id,
            command_id: executed.cmd_id,
            preview_url: preview.url,
            preview_token: ApiKey::new(preview.token),
            destroyed: AtomicBool::new(false),
        })
    }
}

impl SandboxProvider for DaytonaProvider {
    fn name(&self) -> &str {
        "daytona"
    }

    fn provision(&self) -> BoxFuture<'_, Result<Box<dyn Sandbox>, SandboxError>> {
        Box::pin(async move {
            let sandbox = self.create_sandbox().await?;
            Ok(Box::new(sandbox) as Box<dyn Sandbox>)
        })
    }
}

/// One Daytona sandbox with its dev server running in a toolbox session.
#[derive(Debug)]
pub struct DaytonaSandbox {
    client: Client,
    id: String,
    /// `{toolboxProxyUrl}/{id}`.
    toolbox_url: String,
    session_id: String,
    command_id: String,
    preview_url: String,
    preview_token: ApiKey,
    destroyed: AtomicBool,
}

impl DaytonaSandbox {
    /// Sent as `x-daytona-preview-token` to open a non-public preview.
    pub fn preview_token(&self) -> &ApiKey {
        &self.preview_token
    }

    pub async fn upload(&self, files: &ProjectFiles) -> Result<(), DaytonaError> {
        if files.is_empty() {
            return Ok(());
        }
        for path in files.paths() {
            check_project_path(path)?;
        }
        let form = MultipartForm::new(files, &self.client.config.project_dir);
        self.client
            .send(
                "upload files",
                self.client
                    .request(
                        Method::POST,
                        &format!("{}/files/bulk-upload", self.toolbox_url),
                    )
                    .header(reqwest::header::CONTENT_TYPE, form.content_type())
                    .body(form.body),
            )
            .await?;
        Ok(())
    }

    /// Removes the template's files that `files` replace in another language (see
    /// [`crate::replaced_template_files`]).
    async fn remove_replaced(&self, files: &ProjectFiles) -> Result<(), DaytonaError> {
        let replaced = crate::replaced_template_files(files);
        if replaced.is_empty() {
            return Ok(());
        }
        let paths: Vec<String> = replaced.iter().map(|path| shell_quote(path)).collect();
        let line = format!(
            "cd {} && rm -f -- {}",
            shell_quote(&self.client.config.project_dir),
            paths.join(" ")
        );
        self.client
            .execute(&self.toolbox_url, &line, self.client.config.request_timeout)
            .await?
            .success("remove the template files the project replaces")
    }

    /// Whether the sandbox is `started` and the dev-server command has not exited.
    pub async fn dev_server_running(&self) -> Result<bool, DaytonaError> {
        let info = self.client.get_sandbox(&self.id).await?;
        if info.state.as_deref() != Some("started") {
            return Ok(false);
        }
        let command: SessionCommand = self
            .client
            .json(
                "check the dev-server command",
                self.client.request(
                    Method::GET,
                    &format!(
                        "{}/process/session/{}/command/{}",
                        self.toolbox_url, self.session_id, self.command_id
                    ),
                ),
            )
            .await?;
        Ok(command.exit_code.is_none())
    }

    /// GETs `path` from the preview with the token and without Daytona's warning page.
    pub async fn get_preview(&self, path: &str) -> Result<PreviewResponse, DaytonaError> {
        let operation = "request the preview";
        let url = format!("{}{path}", self.preview_url.trim_end_matches('/'));
        // The preview is not the API: no API key goes there.
        let response = self
            .client
            .http
            .get(&url)
            .header("x-daytona-preview-token", self.preview_token.expose())
            .header("X-Daytona-Skip-Preview-Warning", "true")
            .send()
            .await
            .map_err(|error| self.client.transport(operation, &error))?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|error| self.client.transport(operation, &error))?;
        Ok(PreviewResponse { status, body })
    }

    /// Runs an allowlisted command in the project directory through the toolbox.
    pub async fn run_allowed(
        &self,
        command: &AllowedCommand,
        timeout: Duration,
    ) -> Result<CommandOutput, DaytonaError> {
        let line = command
            .argv()
            .iter()
            .map(|arg| shell_quote(arg))
            .collect::<Vec<_>>()
            .join(" ");
        let line = format!(
            "cd {} && {line}",
            shell_quote(&self.client.config.project_dir)
        );
        let executed = self
            .client
            .execute(&self.toolbox_url, &line, timeout)
            .await?;
        Ok(CommandOutput {
            exit_code: executed.exit_code,
            // The toolbox returns stdout and stderr as one text.
            stdout: executed.result,
            stderr: String::new(),
        })
    }

    /// Puts the project back to the template kept at provisioning; `node_modules` and `.next`
    /// stay.
    pub async fn reset_project(&self) -> Result<(), DaytonaError> {
        let dir = shell_quote(&self.client.config.project_dir);
        let line = format!(
            "find {dir} -mindepth 1 -maxdepth 1 ! -name node_modules ! -name .next -exec rm -rf {{}} + \
             && tar -C {dir} -xf {PRISTINE_ARCHIVE}"
        );
        self.client
            .execute(&self.toolbox_url, &line, self.client.config.request_timeout)
            .await?
            .success("reset the project to the template")
    }

    /// The dev server's whole output so far, without Daytona's stream markers. Daytona has no
    /// offset parameter, so `logs` reads it all and slices.
    pub async fn dev_server_output(&self) -> Result<String, DaytonaError> {
        let response = self
            .client
            .send(
                "read the dev-server logs",
                self.client.request(
                    Method::GET,
                    &format!(
                        "{}/process/session/{}/command/{}/logs",
                        self.toolbox_url, self.session_id, self.command_id
                    ),
                ),
            )
            .await?;
        let text = response
            .text()
            .await
            .map_err(|error| self.client.transport("read the dev-server logs", &error))?;
        Ok(strip_stream_markers(&text))
    }
}

impl Sandbox for DaytonaSandbox {
    fn id(&self) -> &str {
        &self.id
    }

    fn preview_url(&self) -> &str {
        &self.preview_url
    }

    fn write_files<'a>(
        &'a self,
        files: &'a ProjectFiles,
    ) -> BoxFuture<'a, Result<(), SandboxError>> {
        Box::pin(async move {
            self.remove_replaced(files).await?;
            Ok(self.upload(files).await?)
        })
    }

    fn logs(&self, offset: usize) -> BoxFuture<'_, Result<String, SandboxError>> {
        Box::pin(async move {
            let output = self.dev_server_output().await?;
            Ok(output_from(&output, offset).to_string())
        })
    }

    fn is_alive(&self) -> BoxFuture<'_, bool> {
        Box::pin(async move {
            match self.dev_server_running().await {
                Ok(running) => running,
                Err(error) => {
                    tracing::debug!(id = %self.id, %error, "Daytona sandbox counted as dead");
                    false
                }
            }
        })
    }

    fn fetch_preview<'a>(
        &'a self,
        path: &'a str,
    ) -> BoxFuture<'a, Result<PreviewResponse, SandboxError>> {
        Box::pin(async move { Ok(self.get_preview(path).await?) })
    }

    fn run<'a>(
        &'a self,
        argv: &'a [String],
        timeout: Duration,
    ) -> BoxFuture<'a, Result<CommandOutput, SandboxError>> {
        Box::pin(async move {
            let command = AllowedCommand::parse(argv)?;
            Ok(self.run_allowed(&command, timeout).await?)
        })
    }

    fn reset(&self) -> BoxFuture<'_, Result<(), SandboxError>> {
        Box::pin(async move { Ok(self.reset_project().await?) })
    }

    fn destroy(self: Box<Self>) -> BoxFuture<'static, Result<(), SandboxError>> {
        self.destroyed.store(true, Ordering::SeqCst);
        let client = self.client.clone();
        let id = self.id.clone();
        Box::pin(async move { Ok(client.delete_sandbox(&id).await?) })
    }
}

impl Drop for DaytonaSandbox {
    /// A sandbox dropped without `destroy` is deleted all the same.
    fn drop(&mut self) {
        if self.destroyed.load(Ordering::SeqCst) {
            return;
        }
        delete_in_background(self.client.clone(), self.id.clone(), "dropped");
    }
}

/// Deletes the sandbox being provisioned when provisioning is cancelled.
struct CancelGuard {
    /// `None` once provisioning has finished, one way or the other.
    client: Option<Client>,
    id: String,
}

impl Drop for CancelGuard {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            delete_in_background(client, std::mem::take(&mut self.id), "half-provisioned");
        }
    }
}

/// Deletes a sandbox from a `Drop`: in the background when a Tokio runtime is around;
/// otherwise Daytona's auto-stop is the backstop.
fn delete_in_background(client: Client, id: String, what: &'static str) {
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => {
            runtime.spawn(async move {
                if let Err(error) = client.delete_sandbox(&id).await {
                    tracing::warn!(%id, %error, "could not delete a {what} Daytona sandbox");
                }
            });
        }
        Err(_) => tracing::warn!(
            %id,
            "{what} Daytona sandbox outside a Tokio runtime; it stops when its auto-stop interval ends"
        ),
    }
}

/// `text` from byte `offset` on; an offset inside a character moves to the next one.
fn output_from(text: &str, offset: usize) -> &str {
    let mut start = offset.min(text.len());
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// The toolbox tags stdout and stderr chunks with three-byte markers (`STDOUT_PREFIX_BYTES`
/// 01 01 01 and `STDERR_PREFIX_BYTES` 02 02 02 in `libs/sdk-typescript/src/Process.ts`); the
/// dev server's output is both streams in order, so the markers are dropped.
fn strip_stream_markers(text: &str) -> String {
    text.replace("\u{1}\u{1}\u{1}", "")
        .replace("\u{2}\u{2}\u{2}", "")
}

/// The HTTP side shared by the provider and its sandboxes.
#[derive(Debug, Clone)]
struct Client {
    http: reqwest::Client,
    config: Arc<DaytonaConfig>,
}

impl Client {
    fn api(&self, path: &str) -> String {
        format!("{}{path}", self.config.api_url.trim_end_matches('/'))
    }

    fn request(&self, method: Method, url: &str) -> RequestBuilder {
        // bearer_auth marks the header sensitive, so reqwest never prints it.
        let request = self
            .http
            .request(method, url)
            .bearer_auth(self.config.api_key.expose());
        match &self.config.organization_id {
            Some(organization) => request.header("X-Daytona-Organization-ID", organization),
            None => request,
        }
    }

    /// Sends `request`; any status but 2xx becomes a typed error.
    async fn send(
        &self,
        operation: &'static str,
        request: RequestBuilder,
    ) -> Result<Response, DaytonaError> {
        let response = request
            .send()
            .await
            .map_err(|error| self.transport(operation, &error))?;
        self.check_status(operation, response).await
    }

    /// Any status but 2xx becomes a typed error.
    async fn check_status(
        &self,
        operation: &'static str,
        response: Response,
    ) -> Result<Response, DaytonaError> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            return Err(DaytonaError::Unauthorized {
                operation,
                status: status.as_u16(),
            });
        }
        let body = response.text().await.unwrap_or_default();
        Err(DaytonaError::Http {
            operation,
            status: status.as_u16(),
            message: self.scrub(&error_message(&body)),
        })
    }

    async fn json<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        request: RequestBuilder,
    ) -> Result<T, DaytonaError> {
        let response = self.send(operation, request).await?;
        self.read_json(operation, response).await
    }

    async fn read_json<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        response: Response,
    ) -> Result<T, DaytonaError> {
        let body = response
            .bytes()
            .await
            .map_err(|error| self.transport(operation, &error))?;
        serde_json::from_slice(&body).map_err(|error| DaytonaError::InvalidResponse {
            operation,
            message: error.to_string(),
        })
    }

    async fn get_sandbox(&self, id: &str) -> Result<SandboxInfo, DaytonaError> {
        self.json(
            "check the sandbox state",
            self.request(Method::GET, &self.api(&format!("/sandbox/{id}"))),
        )
        .await
    }

    /// Polls until `started`; `error` and `build_failed` end the wait at once.
    async fn wait_until_started(&self, mut info: SandboxInfo) -> Result<SandboxInfo, DaytonaError> {
        let deadline = Instant::now() + self.config.start_timeout;
        loop {
            let state = info.state.as_deref().unwrap_or("unknown");
            match state {
                "started" => return Ok(info),
                "error" | "build_failed" | "destroyed" | "destroying" => {
                    return Err(DaytonaError::SandboxFailed {
                        state: state.to_string(),
                        reason: info
                            .error_reason
                            .clone()
                            .unwrap_or_else(|| "Daytona gave no reason".to_string()),
                        id: info.id,
                    });
                }
                _ => {}
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(DaytonaError::StartTimeout {
                    state: state.to_string(),
                    id: info.id,
                    timeout: self.config.start_timeout,
                });
            }
            tokio::time::sleep(self.config.poll_interval.min(deadline - now)).await;
            info = self.get_sandbox(&info.id).await?;
        }
    }

    /// `POST /process/execute`, bounded by `timeout` on Daytona's side (whole seconds, at
    /// least one) and by that plus a 2 s margin for the request on ours.
    async fn execute(
        &self,
        toolbox_url: &str,
        command: &str,
        timeout: Duration,
    ) -> Result<ExecuteResponse, DaytonaError> {
        let seconds = u64::try_from(timeout.as_millis().div_ceil(1000))
            .unwrap_or(u64::MAX)
            .max(1);
        let request = self
            .request(Method::POST, &format!("{toolbox_url}/process/execute"))
            .timeout(Duration::from_secs(seconds.saturating_add(2)))
            .json(&ExecuteRequest {
                command,
                timeout: seconds,
            });
        let operation = "run a command";
        let response = request.send().await.map_err(|error| {
            if error.is_timeout() {
                DaytonaError::CommandTimedOut {
                    command: command.to_string(),
                    timeout,
                }
            } else {
                self.transport(operation, &error)
            }
        })?;
        let response = self.check_status(operation, response).await?;
        self.read_json(operation, response).await
    }

    async fn delete_sandbox(&self, id: &str) -> Result<(), DaytonaError> {
        let request = self.request(Method::DELETE, &self.api(&format!("/sandbox/{id}")));
        match self.send("delete the sandbox", request).await {
            // Already gone is what we wanted.
            Err(DaytonaError::Http { status: 404, .. }) => Ok(()),
            other => other.map(drop),
        }
    }

    fn transport(&self, operation: &'static str, error: &reqwest::Error) -> DaytonaError {
        let message = if error.is_timeout() {
            format!(
                "no answer within {}s",
                self.config.request_timeout.as_secs_f64()
            )
        } else {
            // The chain carries the cause (refused, DNS); the key is never part of it.
            let mut message = error.to_string();
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                message.push_str(": ");
                message.push_str(&cause.to_string());
                source = cause.source();
            }
            message
        };
        DaytonaError::Transport {
            operation,
            message: self.scrub(&message),
        }
    }

    /// Servers sometimes echo the request headers back in their errors.
    fn scrub(&self, text: &str) -> String {
        let key = self.config.api_key.expose();
        if key.is_empty() {
            return text.to_string();
        }
        text.replace(key, "<redacted>")
    }
}

/// Daytona's errors are `{"statusCode":..,"message":"..","error":".."}` (NestJS); anything
/// else is shown as it came, shortened.
fn error_message(body: &str) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        message: serde_json::Value,
    }
    let message = match serde_json::from_str::<ErrorBody>(body) {
        Ok(ErrorBody {
            message: serde_json::Value::String(message),
        }) => message,
        Ok(ErrorBody { message }) => message.to_string(),
        Err(_) => body.trim().to_string(),
    };
    match message.char_indices().nth(500) {
        Some((cut, _)) => format!("{}...", &message[..cut]),
        None if message.is_empty() => "no message".to_string(),
        None => message,
    }
}

/// `text` as one single-quoted shell word.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// `ExecuteRequest` of the toolbox (`timeout` in seconds).
#[derive(Serialize)]
struct ExecuteRequest<'a> {
    command: &'a str,
    timeout: u64,
}

/// `ExecuteResponse` of the toolbox: the exit code and stdout and stderr as one text.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExecuteResponse {
    exit_code: Option<i32>,
    #[serde(default)]
    result: String,
}

impl ExecuteResponse {
    fn success(self, operation: &'static str) -> Result<(), DaytonaError> {
        match self.exit_code {
            Some(0) | None => Ok(()),
            Some(exit_code) => Err(DaytonaError::CommandFailed {
                operation,
                exit_code,
                output: self.result.chars().take(500).collect(),
            }),
        }
    }
}

/// The fields of the toolbox's `Command` this provider reads.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionCommand {
    exit_code: Option<i32>,
}

/// `CreateSandbox` (`libs/api-client/src/models/create-sandbox.ts`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateSandbox<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    snapshot: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    build_info: Option<BuildInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'a str>,
    public: bool,
    auto_stop_interval: u32,
    labels: std::collections::BTreeMap<&'a str, &'a str>,
}

/// `CreateBuildInfo` (`libs/api-client/src/models/create-build-info.ts`), as the TypeScript
/// SDK's `Daytona.create` fills it for an image name (`Image.base(image).dockerfile`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BuildInfo {
    dockerfile_content: String,
}

/// The fields of `Sandbox` (`libs/api-client/src/models/sandbox.ts`) this provider reads.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SandboxInfo {
    id: String,
    state: Option<String>,
    error_reason: Option<String>,
    toolbox_proxy_url: Option<String>,
}

/// `CreateSessionRequest` of the toolbox.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreateSession<'a> {
    session_id: &'a str,
}

/// `SessionExecuteRequest` of the toolbox.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionExecuteRequest<'a> {
    command: &'a str,
    run_async: bool,
}

/// `SessionExecuteResponse` of the toolbox (`cmdId`, plus output fields unused when async).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionExecuteResponse {
    cmd_id: String,
}

/// `PortPreviewUrl` (`libs/api-client/src/models/port-preview-url.ts`).
#[derive(Deserialize)]
struct PortPreviewUrl {
    url: String,
    token: String,
}

/// A `multipart/form-data` body for the bulk upload: for file `i`, a `files[i].path` text part
/// with the absolute destination and a `files[i].file` part with the bytes. Written here
/// because the parts are fixed and simple, and reqwest's `multipart` feature would add
/// `mime_guess`, which nothing else in the workspace needs.
struct MultipartForm {
    boundary: String,
    body: Vec<u8>,
}

impl MultipartForm {
    fn new(files: &ProjectFiles, project_dir: &str) -> MultipartForm {
        let boundary = boundary_for(files);
        let mut body = Vec::new();
        let project_dir = project_dir.trim_end_matches('/');
        for (index, (path, file)) in files.files.iter().enumerate() {
            let destination = format!("{project_dir}/{path}");
            // Project paths are checked: no quotes, CR or LF can break the headers.
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"files[{index}].path\"\r\n\r\n{destination}\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"files[{index}].file\"; filename=\"{destination}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(&file.contents);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        MultipartForm { boundary, body }
    }

    fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }
}

/// A boundary that occurs in none of the files (extended until it does not).
fn boundary_for(files: &ProjectFiles) -> String {
    let mut boundary = "replica-daytona-upload".to_string();
    let mut salt = 0u32;
    while files.files.values().any(|file| {
        file.contents
            .windows(boundary.len())
            .any(|window| window == boundary.as_bytes())
    }) {
        salt += 1;
        boundary = format!("replica-daytona-upload-{salt:08x}");
    }
    boundary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_inside_a_character_move_to_the_next() {
        let text = "a✓b";
        assert_eq!(output_from(text, 0), "a✓b");
        assert_eq!(output_from(text, 2), "b");
        assert_eq!(output_from(text, 4), "b");
        assert_eq!(output_from(text, 99), "");
    }

    #[test]
    fn stream_markers_are_dropped() {
        assert_eq!(
            strip_stream_markers("\u{1}\u{1}\u{1} ✓ Ready\n\u{2}\u{2}\u{2} ⨯ boom\n"),
            " ✓ Ready\n ⨯ boom\n"
        );
    }

    #[test]
    fn the_boundary_avoids_file_contents() {
        let mut files = ProjectFiles::default();
        files.insert_text("a.txt", "--replica-daytona-upload\r\n");
        let boundary = boundary_for(&files);
        assert_ne!(boundary, "replica-daytona-upload");
        assert!(!"--replica-daytona-upload\r\n".contains(&boundary));
    }

    #[test]
    fn nest_error_bodies_give_their_message() {
        assert_eq!(
            error_message(
                r#"{"statusCode":400,"message":"Snapshot nope not found","error":"Bad Request"}"#
            ),
            "Snapshot nope not found"
        );
        assert_eq!(error_message("  plain text \n"), "plain text");
        assert_eq!(error_message(""), "no message");
    }

    #[test]
    fn config_from_env() {
        let vars = |name: &str| match name {
            "DAYTONA_API_KEY" => Some("dtn_secret".to_string()),
            "DAYTONA_API_URL" => Some("http://localhost:3000/api/".to_string()),
            "DAYTONA_TARGET" => Some("eu".to_string()),
            _ => None,
        };
        let config = DaytonaConfig::from_env(vars).unwrap();
        assert_eq!(config.api_url, "http://localhost:3000/api");
        assert_eq!(config.target.as_deref(), Some("eu"));
        assert_eq!(config.snapshot, None);
        assert!(!format!("{config:?}").contains("dtn_secret"));
        assert!(matches!(
            DaytonaConfig::from_env(|_| None),
            Err(DaytonaError::MissingApiKey)
        ));
    }
}
