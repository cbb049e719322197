//! The routes of DESIGN.md §5, matched by hand: a handful of paths does not need a router.

use std::sync::Arc;

use base64::Engine as _;
use http::header::{self, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use replica_core::{Device, ProjectFiles, ScrapeOptions, check_project_path};
use replica_pipeline::{CloneId, CloneRequest, CloneStoreError, PipelineError, start_clone};
use serde::Deserialize;
use tokio::sync::mpsc;

use super::Server;
use super::clones::{Streaming, spawn_stream};
use super::download::project_zip;
use super::http::{
    ApiError, Body, ChannelBody, content_type, full, ok_json, parse_json, read_body,
};

/// What a client is told to wait before retrying a clone when all slots are busy: about the
/// time a clone of a simple page takes.
const RETRY_AFTER_SECONDS: u64 = 10;

/// SSE frames waiting for a slow client before the clone waits for it.
const FRAME_BUFFER: usize = 64;

impl Server {
    /// Answers one request. Every failure is a JSON error response; nothing here panics the
    /// server.
    pub async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Response<Body> {
        let headers = request.headers().clone();
        if request.method() == Method::OPTIONS {
            return self.cors.preflight(&headers);
        }
        let method = request.method().clone();
        let path = request.uri().path().to_string();
        let mut response = match self.route(request).await {
            Ok(response) => response,
            Err(error) => {
                if error.status == StatusCode::INTERNAL_SERVER_ERROR {
                    tracing::warn!("{method} {path}: {}", error.message);
                }
                error.into_response()
            }
        };
        self.cors.decorate(&headers, &mut response);
        response
    }

    async fn route(&self, request: Request<Incoming>) -> Result<Response<Body>, ApiError> {
        let path = request.uri().path().to_string();
        let method = request.method().clone();
        match path.as_str() {
            "/health" => match method {
                Method::GET | Method::HEAD => Ok(self.health()),
                _ => Err(ApiError::method_not_allowed(&method, "GET")),
            },
            "/clone/stream" => match method {
                Method::POST => self.clone_stream(request).await,
                _ => Err(ApiError::method_not_allowed(&method, "POST")),
            },
            "/screenshot" => match method {
                Method::POST => self.screenshot(request).await,
                _ => Err(ApiError::method_not_allowed(&method, "POST")),
            },
            "/api/clones" | "/api/clones/" => match method {
                Method::GET => self.list_clones().await,
                _ => Err(ApiError::method_not_allowed(&method, "GET")),
            },
            _ => match path.strip_prefix("/api/clones/") {
                Some(rest) => self.clone_route(request, rest).await,
                None => Err(ApiError::not_found(format!("no route for {path}"))),
            },
        }
    }

    /// `/api/clones/{id}[/files[/{path}]|/download]`; `rest` is what follows `/api/clones/`.
    async fn clone_route(
        &self,
        request: Request<Incoming>,
        rest: &str,
    ) -> Result<Response<Body>, ApiError> {
        let method = request.method().clone();
        let (id, rest) = rest.split_once('/').unwrap_or((rest, ""));
        let id = CloneId::parse(id).map_err(store_error)?;
        match rest {
            "" => match method {
                Method::GET => self.get_clone(&id).await,
                Method::DELETE => self.delete_clone(&id).await,
                _ => Err(ApiError::method_not_allowed(&method, "GET, DELETE")),
            },
            "files" | "files/" => match method {
                Method::GET => self.list_files(&id).await,
                _ => Err(ApiError::method_not_allowed(&method, "GET")),
            },
            "download" => match method {
                Method::GET => self.download(&id).await,
                _ => Err(ApiError::method_not_allowed(&method, "GET")),
            },
            _ => match rest.strip_prefix("files/") {
                Some(encoded) => {
                    let path = project_path(encoded)?;
                    match method {
                        Method::GET => self.read_file(&id, &path).await,
                        Method::PUT => self.write_file(&id, path, request.into_body()).await,
                        _ => Err(ApiError::method_not_allowed(&method, "GET, PUT")),
                    }
                }
                None => Err(ApiError::not_found(format!(
                    "no route for /api/clones/{id}/{rest}"
                ))),
            },
        }
    }

    fn health(&self) -> Response<Body> {
        ok_json(&serde_json::json!({
            "ok": true,
            "version": env!("CARGO_PKG_VERSION"),
            "clones_running": self.registry.running_count(),
            "max_clones": self.limits.max_clones,
            "previews": self.registry.preview_count(),
            "pool_warm": self.warm_sandboxes(),
            "allow_private": self.policy.allows_private(),
        }))
    }

    async fn clone_stream(&self, request: Request<Incoming>) -> Result<Response<Body>, ApiError> {
        if self.is_closing() {
            return Err(super::shutting_down());
        }
        let body = read_body(request.into_body(), self.limits.json_bytes).await?;
        let clone_request: CloneRequest = parse_json(&body)?;
        check_refine_options(&clone_request)?;
        self.check_url(&clone_request.url)?;
        let permit = Arc::clone(&self.slots)
            .try_acquire_owned()
            .map_err(|_| ApiError {
                retry_after: Some(RETRY_AFTER_SECONDS),
                ..ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "{} clones are running, the most this server runs at once; retry later",
                        self.limits.max_clones
                    ),
                )
            })?;
        let url = clone_request.url.clone();
        let run = start_clone(clone_request, self.deps.clone()).map_err(|error| match error {
            PipelineError::InvalidUrl { .. } => ApiError::bad_request(error.to_string()),
            PipelineError::Refused { .. } => {
                ApiError::new(StatusCode::FORBIDDEN, error.to_string())
            }
            PipelineError::Store(_) | PipelineError::Task(_) => {
                ApiError::internal(error.to_string())
            }
        })?;
        let clone_id = HeaderValue::from_str(run.clone_id.as_str()).ok();
        let (frames, chunks) = mpsc::channel(FRAME_BUFFER);
        spawn_stream(
            Arc::clone(&self.registry),
            Streaming {
                run,
                url,
                frames,
                heartbeat: self.limits.heartbeat,
                permit,
            },
        );
        let mut response = Response::new(http_body_util::BodyExt::boxed(ChannelBody::new(chunks)));
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
        if let Some(clone_id) = clone_id {
            headers.insert("x-clone-id", clone_id);
        }
        Ok(response)
    }

    /// Refuses what the server's policy refuses before anything starts: 400 for what is not
    /// an http(s) URL, 403 for a private target without `--allow-private`.
    fn check_url(&self, url: &str) -> Result<url::Url, ApiError> {
        let parsed = url::Url::parse(url.trim())
            .map_err(|error| ApiError::bad_request(format!("invalid URL {url:?}: {error}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ApiError::bad_request(format!(
                "invalid URL {url:?}: only http and https pages can be loaded, not {}:",
                parsed.scheme()
            )));
        }
        self.policy.check_url(&parsed).map_err(|violation| {
            ApiError::new(StatusCode::FORBIDDEN, format!("refused {url}: {violation}"))
        })?;
        Ok(parsed)
    }

    async fn list_clones(&self) -> Result<Response<Body>, ApiError> {
        let store = self.deps.store.clone();
        let summaries = blocking(move || store.list()).await?;
        let mut clones = Vec::with_capacity(summaries.len());
        for summary in summaries {
            let mut value = serde_json::to_value(&summary).map_err(internal)?;
            self.add_live_state(&summary.id, &mut value).await;
            clones.push(value);
        }
        Ok(ok_json(&serde_json::json!({ "clones": clones })))
    }

    async fn get_clone(&self, id: &CloneId) -> Result<Response<Body>, ApiError> {
        let store = self.deps.store.clone();
        let owned = id.clone();
        let record = blocking(move || store.get(&owned)).await?;
        let mut value = serde_json::to_value(&record.summary).map_err(internal)?;
        self.add_live_state(id, &mut value).await;
        value["files"] = file_list(&record.files);
        Ok(ok_json(&value))
    }

    /// What only this process knows: whether the clone runs and where its live preview is.
    /// A preview URL stored by an earlier process (before a restart) is not live any more.
    async fn add_live_state(&self, id: &CloneId, value: &mut serde_json::Value) {
        let live = self.registry.preview_info(id).await;
        value["running"] = self.registry.is_running(id).into();
        value["preview_live"] = live.is_some().into();
        if let Some((url, sandbox_id)) = live {
            value["preview_url"] = url.into();
            value["sandbox_id"] = sandbox_id.into();
        }
    }

    async fn delete_clone(&self, id: &CloneId) -> Result<Response<Body>, ApiError> {
        let store = self.deps.store.clone();
        let owned = id.clone();
        blocking(move || store.summary_of(&owned)).await?;
        let stopped = self.registry.stop(id).await;
        let store = self.deps.store.clone();
        let owned = id.clone();
        blocking(move || store.delete(&owned)).await?;
        Ok(ok_json(&serde_json::json!({
            "deleted": id.as_str(),
            "stopped": stopped,
        })))
    }

    async fn list_files(&self, id: &CloneId) -> Result<Response<Body>, ApiError> {
        let store = self.deps.store.clone();
        let owned = id.clone();
        let record = blocking(move || store.get(&owned)).await?;
        Ok(ok_json(&serde_json::json!({
            "id": id.as_str(),
            "files": file_list(&record.files),
        })))
    }

    async fn read_file(&self, id: &CloneId, path: &str) -> Result<Response<Body>, ApiError> {
        let store = self.deps.store.clone();
        let (owned_id, owned_path) = (id.clone(), path.to_string());
        let bytes = blocking(move || store.read_file(&owned_id, &owned_path)).await?;
        let mut response = Response::new(full(bytes));
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type(path)),
        );
        // Generated files are data to the API's clients, never pages of the API's origin.
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("sandbox"),
        );
        Ok(response)
    }

    /// PUT: the body becomes the file, in the store and, when the clone has a live preview, in
    /// its sandbox (the dev server hot-reloads it).
    async fn write_file(
        &self,
        id: &CloneId,
        path: String,
        body: Incoming,
    ) -> Result<Response<Body>, ApiError> {
        let store = self.deps.store.clone();
        let owned = id.clone();
        blocking(move || store.summary_of(&owned)).await?;
        if self.registry.is_running(id) {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("clone {id} is still running; edit its files after `done`"),
            ));
        }
        let bytes = read_body(body, self.limits.file_bytes).await?;
        let size = bytes.len();
        let mut changed = ProjectFiles::default();
        changed.insert_bytes(path.clone(), bytes.to_vec());
        {
            // One writer at a time: a write reads the file set and stores it whole.
            let _writing = self.file_writes.lock().await;
            let store = self.deps.store.clone();
            let owned = id.clone();
            let file = changed.clone();
            blocking(move || {
                let mut files = store.get(&owned)?.files;
                files.files.extend(file.files);
                store.save_files(&owned, &files)
            })
            .await?;
        }
        let (preview_updated, preview_error) = match self.registry.write_preview(id, &changed).await
        {
            Ok(updated) => (updated, None),
            Err(error) => (false, Some(error.to_string())),
        };
        Ok(ok_json(&serde_json::json!({
            "path": path,
            "size": size,
            "preview_updated": preview_updated,
            "preview_error": preview_error,
        })))
    }

    async fn download(&self, id: &CloneId) -> Result<Response<Body>, ApiError> {
        let store = self.deps.store.clone();
        let owned = id.clone();
        let folder = format!("replica-{id}");
        let zip = tokio::task::spawn_blocking(move || {
            let record = store.get(&owned).map_err(store_error)?;
            project_zip(&folder, &record.files)
                .map_err(|error| ApiError::internal(format!("zipping the project: {error}")))
        })
        .await
        .map_err(internal)??;
        let mut response = Response::new(full(zip));
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/zip"),
        );
        if let Ok(disposition) =
            HeaderValue::from_str(&format!("attachment; filename=\"replica-{id}.zip\""))
        {
            headers.insert(header::CONTENT_DISPOSITION, disposition);
        }
        Ok(response)
    }

    async fn screenshot(&self, request: Request<Incoming>) -> Result<Response<Body>, ApiError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "camelCase")]
        struct ScreenshotRequest {
            url: String,
            #[serde(default = "desktop")]
            device: Device,
            #[serde(default)]
            full_page: bool,
        }
        fn desktop() -> Device {
            Device::Desktop
        }
        let body = read_body(request.into_body(), self.limits.json_bytes).await?;
        let asked: ScreenshotRequest = parse_json(&body)?;
        let url = self.check_url(&asked.url)?;
        let options = ScrapeOptions {
            policy: self.policy.clone(),
            ..self.deps.scrape_options.clone()
        };
        let png = self
            .take_screenshot(url.as_str(), asked.device, asked.full_page, &options)
            .await?;
        let encoded = base64::engine::general_purpose::STANDARD.encode(&png);
        Ok(ok_json(&serde_json::json!({
            "image": format!("data:image/png;base64,{encoded}"),
        })))
    }
}

/// Most refine iterations a client may ask for: each one renders and diffs both pages.
const MAX_REFINE_ITERATIONS: u32 = 10;

fn check_refine_options(request: &CloneRequest) -> Result<(), ApiError> {
    if request.refine_max_iterations > MAX_REFINE_ITERATIONS {
        return Err(ApiError::bad_request(format!(
            "refine_max_iterations is {}; at most {MAX_REFINE_ITERATIONS} are allowed",
            request.refine_max_iterations
        )));
    }
    if !(0.0..=1.0).contains(&request.refine_threshold) {
        return Err(ApiError::bad_request(format!(
            "refine_threshold is {}; it is a similarity between 0 and 1",
            request.refine_threshold
        )));
    }
    Ok(())
}

/// The file part of a files route, percent-decoded and checked: `..`, absolute paths, NUL,
/// backslashes and what only becomes one of them after decoding (`%2e%2e`) are 400.
fn project_path(encoded: &str) -> Result<String, ApiError> {
    let decoded = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .map_err(|_| ApiError::bad_request(format!("file path {encoded:?} is not UTF-8")))?
        .into_owned();
    check_project_path(&decoded).map_err(|error| ApiError::bad_request(error.to_string()))?;
    Ok(decoded)
}

fn file_list(files: &ProjectFiles) -> serde_json::Value {
    files
        .files
        .iter()
        .map(|(path, file)| serde_json::json!({ "path": path, "size": file.contents.len() }))
        .collect()
}

/// Runs store IO (plain file system calls) off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, CloneStoreError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(internal)?
        .map_err(store_error)
}

fn store_error(error: CloneStoreError) -> ApiError {
    match error {
        CloneStoreError::InvalidId { .. } | CloneStoreError::InvalidPath(_) => {
            ApiError::bad_request(error.to_string())
        }
        CloneStoreError::NotFound { .. } | CloneStoreError::FileNotFound { .. } => {
            ApiError::not_found(error.to_string())
        }
        CloneStoreError::Corrupt { .. } | CloneStoreError::Io { .. } => {
            ApiError::internal(error.to_string())
        }
    }
}

fn internal(error: impl std::fmt::Display) -> ApiError {
    ApiError::internal(error.to_string())
}
