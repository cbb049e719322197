//! The routes of DESIGN.md §5 on axum's router, and what each one does.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, RawQuery, State};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post};
use base64::Engine as _;
use http::header::{self, HeaderMap, HeaderValue};
use http::request::Parts;
use http::{Method, StatusCode, Uri};
use replica_core::{Device, ProjectFiles, ScrapeOptions, check_project_path};
use replica_pipeline::{CloneId, CloneRequest, CloneStoreError, PipelineError, start_queued_clone};
use serde::Deserialize;

use super::Server;
use super::auth;
use super::clones::{Driving, spawn_clone};
use super::control::{Local, LocalOptions};
use super::download::project_zip;
use super::events::{EventLog, last_event_id};
use super::http::{ApiError, Cors, api_layer, ok_json, parse_json, read_body};
use super::limits::human;

/// What a client is told to wait before retrying a clone when the queue is full: about the
/// time a clone of a simple page takes.
const RETRY_AFTER_SECONDS: u64 = 10;

pub(super) type Shared = State<Arc<Server>>;
type Answer = Result<Response, ApiError>;

/// Every route. Unknown paths are 404 and other methods 405 (with `Allow`), both as JSON
/// errors; a handler that panics answers 500 instead of dropping the connection.
pub fn router(server: Arc<Server>, cors: Cors) -> Router {
    let files = get(async |State(s): Shared, clone: CloneTarget| s.list_files(&clone.id).await);
    let list = get(async |State(s): Shared| s.list_clones().await);
    let clone = get(async |State(s): Shared, clone: CloneTarget| s.get_clone(&clone.id).await)
        .delete(async |State(s): Shared, clone: CloneTarget| s.delete_clone(&clone.id).await);
    Router::new()
        .route(
            "/health",
            allow(get(async |State(s): Shared| s.health()), "GET"),
        )
        .route(
            "/login",
            allow(
                get(async |RawQuery(query): RawQuery| auth::login_form(query.as_deref())).post(
                    async |State(s): Shared, headers: HeaderMap, body: Body| {
                        auth::login(s.auth.as_deref(), &headers, body).await
                    },
                ),
                "GET, POST",
            ),
        )
        .route("/logout", allow(post(async || auth::logout()), "POST"))
        .route(
            "/clone/stream",
            allow(
                post(
                    async |State(s): Shared,
                           ConnectInfo(peer): Client,
                           Local(local): Local,
                           body: Body| {
                        s.clone_stream(peer.ip().to_canonical(), local, body).await
                    },
                ),
                "POST",
            ),
        )
        .route(
            "/screenshot",
            allow(
                post(async |State(s): Shared, body: Body| s.screenshot(body).await),
                "POST",
            ),
        )
        .route("/api/clones", allow(list.clone(), "GET"))
        .route("/api/clones/", allow(list, "GET"))
        .route(
            "/api/clones/{id}",
            clone_allow(clone.clone(), "GET, DELETE"),
        )
        .route("/api/clones/{id}/", clone_allow(clone, "GET, DELETE"))
        .route("/api/clones/{id}/files", clone_allow(files.clone(), "GET"))
        .route("/api/clones/{id}/files/", clone_allow(files, "GET"))
        .route(
            "/api/clones/{id}/events",
            clone_allow(
                get(
                    async |State(s): Shared,
                           clone: CloneTarget,
                           headers: HeaderMap,
                           RawQuery(query): RawQuery| {
                        s.events(&clone.id, &headers, query.as_deref()).await
                    },
                ),
                "GET",
            ),
        )
        .route(
            "/api/clones/{id}/download",
            clone_allow(
                get(async |State(s): Shared, clone: CloneTarget| s.download(&clone.id).await),
                "GET",
            ),
        )
        .route(
            "/api/clones/{id}/files/{*path}",
            clone_allow(
                get(async |State(s): Shared, file: FileTarget| {
                    s.read_file(&file.id, &file.path).await
                })
                .put(async |State(s): Shared, file: FileTarget, body: Body| {
                    s.write_file(&file.id, file.path, body).await
                }),
                "GET, PUT",
            ),
        )
        .merge(super::captures::router())
        .merge(super::ui::router())
        .merge(super::sessions::routes())
        .fallback(no_route)
        .with_state(Arc::clone(&server))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .layer(axum::middleware::from_fn_with_state(
            server.auth.clone(),
            auth::require_token,
        ))
        // Before the token check, so guessing tokens is limited too; inside CORS, so a
        // browser's script can read a 429.
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&server.rate_limits),
            super::limits::rate_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(cors, api_layer))
        .layer(super::http::compression())
        // A preview host never reaches the API (nor its token check or CORS headers).
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&server),
            super::proxy::route_previews,
        ))
        .layer(super::http::security_headers())
        // Outermost: every request, previews too, is logged with its clone id.
        .layer(super::http::request_log(
            server.previews.as_ref().map(|p| p.host.clone()),
        ))
}

type Client = ConnectInfo<std::net::SocketAddr>;

/// Other methods than the route's: 405 naming the allowed ones.
fn allow(route: MethodRouter<Arc<Server>>, allowed: &'static str) -> MethodRouter<Arc<Server>> {
    route.fallback(async move |method: Method| ApiError::method_not_allowed(&method, allowed))
}

/// [`allow`] for a clone's routes: a bad clone id or file path is 400 before the method is
/// looked at.
fn clone_allow(
    route: MethodRouter<Arc<Server>>,
    allowed: &'static str,
) -> MethodRouter<Arc<Server>> {
    route.fallback(async move |method: Method, uri: Uri| {
        CloneTarget::parse(uri.path())?;
        if let Some(encoded) = file_part(uri.path()) {
            project_path(encoded)?;
        }
        Err::<Response, _>(ApiError::method_not_allowed(&method, allowed))
    })
}

async fn no_route(uri: Uri) -> ApiError {
    let path = uri.path();
    match CloneTarget::parse(path) {
        Ok(target) => {
            let rest = path
                .strip_prefix("/api/clones/")
                .and_then(|rest| rest.split_once('/'))
                .map_or("", |(_, rest)| rest);
            ApiError::not_found(format!("no route for /api/clones/{}/{rest}", target.id))
        }
        Err(error) if path.starts_with("/api/clones/") => error,
        Err(_) => ApiError::not_found(format!("no route for {path}")),
    }
}

fn panicked(panic: Box<dyn std::any::Any + Send>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("a handler panicked");
    axum::response::IntoResponse::into_response(ApiError::internal(message.to_string()))
}

/// The clone of an `/api/clones/{id}...` route. The id is taken from the path as sent (not
/// percent-decoded), as the store names it.
pub(super) struct CloneTarget {
    pub(super) id: CloneId,
}

impl CloneTarget {
    fn parse(path: &str) -> Result<CloneTarget, ApiError> {
        let rest = path.strip_prefix("/api/clones/").unwrap_or_default();
        let id = rest.split_once('/').map_or(rest, |(id, _)| id);
        Ok(CloneTarget {
            id: CloneId::parse(id).map_err(store_error)?,
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CloneTarget {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        CloneTarget::parse(parts.uri.path())
    }
}

/// A file of a clone (`/api/clones/{id}/files/{path}`), its path percent-decoded once and
/// checked.
struct FileTarget {
    id: CloneId,
    path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for FileTarget {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let CloneTarget { id } = CloneTarget::parse(parts.uri.path())?;
        let encoded = file_part(parts.uri.path()).unwrap_or_default();
        Ok(FileTarget {
            id,
            path: project_path(encoded)?,
        })
    }
}

/// What follows `/api/clones/{id}/files/`, as sent.
fn file_part(path: &str) -> Option<&str> {
    let (_, rest) = path.strip_prefix("/api/clones/")?.split_once('/')?;
    rest.strip_prefix("files/")
}

impl Server {
    fn health(&self) -> Response {
        ok_json(&serde_json::json!({
            "ok": true,
            "version": env!("CARGO_PKG_VERSION"),
            "clones_running": self.queue.running(),
            "clones_queued": self.queue.waiting(),
            "max_clones": self.limits.max_clones,
            "auth": self.auth.is_some(),
            "retention_s": self.limits.retention.map(|r| r.as_secs()),
            "previews": self.registry.preview_count(),
            "pool_warm": self.warm_sandboxes(),
            "allow_private": self.policy.allows_private(),
        }))
    }

    /// `POST /clone/stream`. `local`: the request came over the control socket, from the
    /// server's own user, with the command line's URL policy (robots.txt may be ignored).
    async fn clone_stream(
        &self,
        client: std::net::IpAddr,
        local: Option<LocalOptions>,
        body: Body,
    ) -> Answer {
        if self.is_closing() {
            return Err(super::shutting_down());
        }
        let body = read_body(body, self.limits.json_bytes).await?;
        let clone_request: CloneRequest = parse_json(&body)?;
        check_refine_options(&clone_request)?;
        check_site_options(&clone_request, local.is_some())?;
        let mut deps = self.deps.clone();
        if let Some(local) = &local {
            deps.scrape_options.policy = local.policy.clone();
        }
        check_url(&deps.scrape_options.policy, &clone_request.url)?;
        self.check_capacity().await?;
        let admission = self.queue.join(client).map_err(|full| ApiError {
            retry_after: Some(RETRY_AFTER_SECONDS),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "{} clones are running and {} are waiting, the most this server queues \
                     (--max-queued); retry later",
                    self.limits.max_clones, full.waiting
                ),
            )
        })?;
        let run =
            start_queued_clone(clone_request, deps, Some(admission)).map_err(
                |error| match error {
                    PipelineError::InvalidUrl { .. } => ApiError::bad_request(error.to_string()),
                    PipelineError::Refused { .. } => {
                        ApiError::new(StatusCode::FORBIDDEN, error.to_string())
                    }
                    PipelineError::Store(error) => store_error(error),
                    PipelineError::Task(_) => ApiError::internal(error.to_string()),
                },
            )?;
        tracing::Span::current().record("clone_id", run.clone_id.as_str());
        let clone_id = HeaderValue::from_str(run.clone_id.as_str()).ok();
        self.disk.invalidate();
        let log = spawn_clone(
            Arc::clone(&self.registry),
            Driving {
                run,
                store: self.deps.store.clone(),
                orphan_timeout: self.limits.orphan_timeout,
                keep_preview: local.is_none_or(|local| local.keep_preview),
            },
        );
        let mut response = log.follow(0, self.limits.heartbeat);
        if let Some(clone_id) = clone_id {
            response.headers_mut().insert("x-clone-id", clone_id);
        }
        Ok(response)
    }

    /// The caps on stored clones and disk use: 507 naming the cap when one is reached.
    async fn check_capacity(&self) -> Result<(), ApiError> {
        let full = |message: String| ApiError::new(StatusCode::INSUFFICIENT_STORAGE, message);
        if self.limits.max_stored_clones > 0 {
            let store = self.deps.store.clone();
            let stored = blocking(move || store.list()).await?.len();
            if stored >= self.limits.max_stored_clones {
                return Err(full(format!(
                    "the store holds {stored} clones, the most this server keeps \
                     (--max-stored-clones); delete some or wait for retention"
                )));
            }
        }
        if self.limits.max_disk > 0 {
            let used = self.disk.bytes().await;
            if used >= self.limits.max_disk {
                return Err(full(format!(
                    "the clone store and sandboxes use {} of the {} this server may use \
                     (--max-disk); delete clones or wait for retention",
                    human(used),
                    human(self.limits.max_disk)
                )));
            }
        }
        Ok(())
    }

    /// `GET /api/clones/{id}/events`: the clone's events after `Last-Event-ID`, then the
    /// live ones while it runs.
    async fn events(&self, id: &CloneId, headers: &HeaderMap, query: Option<&str>) -> Answer {
        let after = last_event_id(headers, query).map_err(ApiError::bad_request)?;
        if let Some(log) = self.registry.log(id) {
            return Ok(log.follow(after, self.limits.heartbeat));
        }
        let store = self.deps.store.clone();
        let owned = id.clone();
        let events = blocking(move || store.events(&owned)).await?;
        // It may have ended between the two looks: the store has every event by then.
        Ok(EventLog::finished(&events).follow(after, self.limits.heartbeat))
    }

    async fn list_clones(&self) -> Answer {
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

    pub(super) async fn get_clone(&self, id: &CloneId) -> Answer {
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
        // Which process works on it is the store's business.
        if let Some(record) = value.as_object_mut() {
            record.remove("owner");
        }
        value["running"] = self.registry.is_running(id).into();
        value["preview_live"] = live.is_some().into();
        if let Some((url, sandbox_id)) = live {
            value["preview_url"] = url.into();
            value["sandbox_id"] = sandbox_id.into();
        }
    }

    async fn delete_clone(&self, id: &CloneId) -> Answer {
        let store = self.deps.store.clone();
        let owned = id.clone();
        blocking(move || store.summary_of(&owned)).await?;
        let stopped = self.registry.stop(id).await;
        let store = self.deps.store.clone();
        let owned = id.clone();
        blocking(move || store.delete(&owned)).await?;
        self.disk.invalidate();
        Ok(ok_json(&serde_json::json!({
            "deleted": id.as_str(),
            "stopped": stopped,
        })))
    }

    async fn list_files(&self, id: &CloneId) -> Answer {
        let store = self.deps.store.clone();
        let owned = id.clone();
        let record = blocking(move || store.get(&owned)).await?;
        Ok(ok_json(&serde_json::json!({
            "id": id.as_str(),
            "files": file_list(&record.files),
        })))
    }

    async fn read_file(&self, id: &CloneId, path: &str) -> Answer {
        let store = self.deps.store.clone();
        let (owned_id, owned_path) = (id.clone(), path.to_string());
        let bytes = blocking(move || store.read_file(&owned_id, &owned_path)).await?;
        let mut response = Response::new(Body::from(bytes));
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(replica_core::media_type_of_path(path)),
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
    async fn write_file(&self, id: &CloneId, path: String, body: Body) -> Answer {
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

    async fn download(&self, id: &CloneId) -> Answer {
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
        let mut response = Response::new(Body::from(zip));
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

    async fn screenshot(&self, body: Body) -> Answer {
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
        let body = read_body(body, self.limits.json_bytes).await?;
        let asked: ScreenshotRequest = parse_json(&body)?;
        let url = check_url(&self.policy, &asked.url)?;
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

/// Refuses what `policy` refuses before anything starts: 400 for what is not an http(s) URL,
/// 403 for a private target the policy does not admit (the server's: without
/// `--allow-private`).
fn check_url(policy: &replica_core::UrlPolicy, url: &str) -> Result<url::Url, ApiError> {
    let parsed = url::Url::parse(url.trim())
        .map_err(|error| ApiError::bad_request(format!("invalid URL {url:?}: {error}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ApiError::bad_request(format!(
            "invalid URL {url:?}: only http and https pages can be loaded, not {}:",
            parsed.scheme()
        )));
    }
    policy.check_url(&parsed).map_err(|violation| {
        ApiError::new(StatusCode::FORBIDDEN, format!("refused {url}: {violation}"))
    })?;
    Ok(parsed)
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

/// A whole-site clone takes 1 to `MAX_SITE_PAGES` pages; robots.txt is obeyed on a server
/// (ignoring it is for the CLI, on sites the user owns, `local` on the control socket).
fn check_site_options(request: &CloneRequest, local: bool) -> Result<(), ApiError> {
    let max = replica_pipeline::MAX_SITE_PAGES;
    if !(1..=max).contains(&request.pages) {
        return Err(ApiError::bad_request(format!(
            "pages is {}; a clone takes 1 to {max} pages",
            request.pages
        )));
    }
    if request.ignore_robots && !local {
        return Err(ApiError::bad_request(
            "ignore_robots is for the CLI (replica clone --ignore-robots); the server obeys robots.txt",
        ));
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
pub(super) async fn blocking<T: Send + 'static>(
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
        CloneStoreError::Io { .. } if error.is_disk_full() => {
            ApiError::new(StatusCode::INSUFFICIENT_STORAGE, error.to_string())
        }
        CloneStoreError::Corrupt { .. } | CloneStoreError::Io { .. } => {
            ApiError::internal(error.to_string())
        }
    }
}

pub(super) fn internal(error: impl std::fmt::Display) -> ApiError {
    ApiError::internal(error.to_string())
}
