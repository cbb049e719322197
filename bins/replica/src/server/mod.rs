//! `replica serve`: the HTTP API of DESIGN.md §5, axum's router served on hyper 1.x.
//!
//! `POST /clone/stream` runs a clone and streams its events as SSE (`GET
//! /api/clones/{id}/events` re-attaches); the `/api/clones` routes read, edit (PUT writes
//! through to the live preview), download and delete clones of the store; `POST /screenshot`
//! renders a page as DESIGN.md §8 does. At most `--max-clones` run at once, more wait in a
//! fair queue (queue.rs). Requests for a preview host (`{id}-{token}.preview.localhost:PORT`)
//! are proxied to that clone's `next dev` (preview.rs, proxy.rs). For a team: the API token
//! (auth.rs), per-client rate limits and disk caps (limits.rs), retention (retention.rs) and a
//! request log. `GET /` is the web UI (ui.rs; captures.rs has the routes only its views
//! need). SIGINT and SIGTERM stop the server gracefully: no new connections, running
//! clones cancelled, every sandbox destroyed, the browser stopped, exit code 0.

mod auth;
mod captures;
mod clones;
pub(crate) mod control;
mod download;
mod events;
mod http;
mod limits;
mod preview;
mod proxy;
mod queue;
mod retention;
mod routes;
mod sessions;
mod ui;
mod ws;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use hyper::StatusCode;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use replica_core::{Device, ScrapeError, ScrapeOptions, UrlPolicy};
use replica_pipeline::PipelineDeps;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use self::retention::Retention;
use tokio::task::JoinSet;

use self::clones::Registry;
use self::http::{ApiError, Cors};
use crate::config::Config;
use crate::deps::{Runtime, Sandboxes};

/// How long open connections get to finish after a shutdown signal (SSE streams end as soon
/// as their clones are stopped, which happens first).
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// `replica serve` flags.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free one; the address is printed on stderr).
    #[arg(long, default_value = "127.0.0.1:8000")]
    pub addr: SocketAddr,
    /// Clone and screenshot private, loopback and link-local addresses too (refused by default).
    #[arg(long)]
    pub allow_private: bool,
    #[command(flatten)]
    pub policy: crate::policy::PolicyArgs,
    /// Clones running at once; more wait in a queue (`queued{position}` events).
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_clones: u32,
    /// Clones that may wait for a slot; beyond, 429 with Retry-After.
    #[arg(long, default_value_t = 50)]
    pub max_queued: usize,
    /// The API token: every API and WebSocket request needs `Authorization: Bearer TOKEN` or
    /// the cookie of the login form (/login); at least 16 characters.
    #[arg(long, env = "REPLICA_API_TOKEN", hide_env_values = true)]
    pub token: Option<auth::Secret>,
    /// API requests per client (IP address): `N/s`, `N/min`, `N/h` (all N at once, then one
    /// each period/N), or `off`.
    #[arg(long, default_value = "600/min")]
    pub rate_api: limits::Rate,
    /// Clone, prompt-project and agent-turn starts per client, as for --rate-api.
    #[arg(long, default_value = "30/min")]
    pub rate_starts: limits::Rate,
    /// Most clones (and prompt projects) the store keeps; new ones get 507 beyond. 0: no cap.
    #[arg(long, default_value_t = 1000)]
    pub max_stored_clones: usize,
    /// Most disk the clone store and the local sandboxes may use (`20G`, `500M`); new clones
    /// get 507 beyond. 0: no cap.
    #[arg(long, default_value = "20G")]
    pub max_disk: limits::Size,
    /// Clones, projects, sessions and sandboxes unused this long are deleted (hourly, and at
    /// start): `24h`, `90m`, `7d`, `30s`; `0` keeps them forever.
    #[arg(long, env = "REPLICA_RETENTION", default_value = "24h", value_parser = retention::parse_duration)]
    pub retention: Duration,
    /// A clone nobody follows (no client reading its events) for this long is cancelled and
    /// its sandbox released: `60s`, `5m`.
    #[arg(long, default_value = "60s", value_parser = retention::parse_duration)]
    pub orphan_timeout: Duration,
    /// Browser origin allowed to call the API (repeatable; `*` allows any). None: no CORS headers.
    #[arg(
        long = "cors-origin",
        value_name = "ORIGIN",
        env = "REPLICA_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// Largest JSON request body, in bytes (413 beyond).
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_json_bytes: usize,
    /// Largest file accepted by `PUT /api/clones/{id}/files/{path}`, in bytes (413 beyond).
    #[arg(long, default_value_t = 5 * 1024 * 1024)]
    pub max_file_bytes: usize,
    /// Seconds between `: heartbeat` comments on an event stream, which keep proxies from
    /// closing a quiet connection.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..))]
    pub heartbeat: u64,
    /// Domain under which every local preview gets a host of its own, served on this server's
    /// port: `preview.example.com` (with a wildcard DNS record) gives
    /// `http://{id}-{token}.preview.example.com:PORT/`; a URL such as
    /// `https://preview.example.com` fixes the scheme and port (behind a TLS proxy).
    #[arg(long, value_name = "DOMAIN", env = "REPLICA_PREVIEW_HOST", default_value = preview::DEFAULT_PREVIEW_HOST)]
    pub preview_host: String,
}

/// Limits and timings of the routes.
#[derive(Debug, Clone)]
struct Limits {
    max_clones: usize,
    json_bytes: usize,
    file_bytes: usize,
    heartbeat: Duration,
    max_stored_clones: usize,
    max_disk: u64,
    /// `None`: kept forever.
    retention: Option<Duration>,
    orphan_timeout: Duration,
}

/// What every request handler shares.
struct Server {
    deps: PipelineDeps,
    runtime: Arc<Runtime>,
    policy: UrlPolicy,
    limits: Limits,
    queue: queue::CloneQueue,
    rate_limits: Arc<limits::RateLimits>,
    auth: Option<Arc<auth::Auth>>,
    disk: Arc<limits::DiskUse>,
    registry: Arc<Registry>,
    /// Serializes file PUTs (each rewrites the clone's file set).
    file_writes: tokio::sync::Mutex<()>,
    /// Set on shutdown: new clones are refused with 503.
    closing: AtomicBool,
    /// One permit per screenshot that may be taken at once (as many as clones).
    screenshot_slots: Semaphore,
    /// The preview proxy; `None` when sandboxes have URLs of their own (Daytona).
    previews: Option<proxy::Previews>,
    /// Agent sessions over the store's projects (`/ws/chat`, `/api/projects`, `/api/sessions`).
    sessions: Arc<replica_pipeline::Sessions>,
}

impl Server {
    fn warm_sandboxes(&self) -> Option<usize> {
        self.runtime.pool.as_ref().map(|pool| pool.warm_count())
    }

    async fn take_screenshot(
        &self,
        url: &str,
        device: Device,
        full_page: bool,
        options: &ScrapeOptions,
    ) -> Result<Vec<u8>, ApiError> {
        if self.is_closing() {
            return Err(shutting_down());
        }
        let _permit = self.screenshot_slots.try_acquire().map_err(|_| ApiError {
            retry_after: Some(5),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "{} screenshots are being taken, the most this server takes at once; retry later",
                    self.limits.max_clones
                ),
            )
        })?;
        // The clones' browser: one chromedriver for the whole server.
        self.runtime
            .browser()
            .await
            .map_err(screenshot_error)?
            .screenshot(url, device, full_page, options)
            .await
            .map_err(screenshot_error)
    }

    fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }
}

/// A failed screenshot: the client's fault (400, 403), the page's (502, 504) or ours (500).
fn screenshot_error(error: ScrapeError) -> ApiError {
    let status = match &error {
        ScrapeError::InvalidUrl { .. } | ScrapeError::UnsupportedScheme { .. } => {
            StatusCode::BAD_REQUEST
        }
        ScrapeError::Refused { .. } => StatusCode::FORBIDDEN,
        ScrapeError::Dns { .. }
        | ScrapeError::ConnectionRefused { .. }
        | ScrapeError::Connection { .. }
        | ScrapeError::HttpStatus { .. }
        | ScrapeError::NotHtml { .. } => StatusCode::BAD_GATEWAY,
        ScrapeError::LoadTimeout { .. } => StatusCode::GATEWAY_TIMEOUT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    ApiError::new(status, error.to_string())
}

fn shutting_down() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "the server is shutting down",
    )
}

/// Serves until SIGINT or SIGTERM, then shuts down gracefully.
pub async fn run(args: ServeArgs, config: &Config) -> anyhow::Result<()> {
    let mut signal = std::pin::pin!(crate::shutdown_signal()?);
    if args.token.is_none() && !args.addr.ip().is_loopback() {
        eprintln!(
            "WARNING: serving on {}, reachable from other machines, WITHOUT an API token: \
             anyone who reaches it can clone, edit and delete. Set REPLICA_API_TOKEN (or --token).",
            args.addr
        );
    }
    let listener = TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("listening on {}", args.addr))?;
    let addr = listener.local_addr()?;
    let preview_host =
        preview::PreviewHost::parse(&args.preview_host, addr.port()).map_err(anyhow::Error::msg)?;

    let policy = args.policy.server_policy(args.allow_private)?;
    for origin in policy.allowed_origins() {
        eprintln!("admitting the private origin {origin}");
    }
    eprintln!("starting the browser and the sandbox pool...");
    let runtime = tokio::select! {
        runtime = Runtime::start(config, policy.clone(), Sandboxes::Pool) => runtime?,
        // Dropping the start stops whatever it had started.
        () = &mut signal => return Ok(()),
    };
    let runtime = Arc::new(runtime);
    let max_clones = args.max_clones as usize;
    let registry = Arc::new(Registry::default());
    let mut deps = runtime.deps.clone();
    let previews = routed_previews(preview_host, &deps)?;
    if let Some(previews) = &previews {
        deps.preview_routes = Some(Arc::new(preview::PublishedPreviews {
            registry: Arc::clone(&registry),
            host: previews.host.clone(),
            tokens: Arc::clone(&previews.tokens),
        }));
    }
    let mut disk_dirs = vec![config.data_dir.clone()];
    disk_dirs.extend(runtime.sandboxes_dir.clone());
    let sessions = Arc::new(replica_pipeline::Sessions::new(
        crate::deps::agent_deps(&deps, config),
        Arc::clone(&registry) as Arc<dyn replica_pipeline::PreviewSlots>,
    ));
    let server = Arc::new(Server {
        deps,
        runtime: Arc::clone(&runtime),
        policy,
        limits: limits_of(&args),
        queue: queue::CloneQueue::new(max_clones, args.max_queued),
        rate_limits: Arc::new(limits::RateLimits::new(args.rate_api, args.rate_starts)),
        auth: args
            .token
            .as_ref()
            .map(|token| Arc::new(auth::Auth::new(token))),
        disk: Arc::new(limits::DiskUse::new(disk_dirs)),
        registry,
        file_writes: tokio::sync::Mutex::new(()),
        closing: AtomicBool::new(false),
        screenshot_slots: Semaphore::new(max_clones),
        previews,
        sessions,
    });
    // Clones a killed process left `running`, then what retention says is too old: before
    // the first request, so nobody sees them otherwise.
    let retention = Retention::start(Arc::clone(&server)).await;
    let router = routes::router(Arc::clone(&server), Cors::new(&args.cors_origins));
    if let Some(previews) = &server.previews {
        eprintln!("previews at {}", previews.host.pattern());
    }
    if server.auth.is_some() {
        eprintln!("API token required (REPLICA_API_TOKEN); browsers sign in at /login");
    }
    // Last: a CLI that finds the socket gets a server that is ready.
    let control = control::open(&config.data_dir);
    eprintln!("listening on http://{addr}");

    let (shutdown, shutdown_seen) = watch::channel(false);
    let connections = accept_until(
        &listener,
        control.as_ref(),
        &router,
        &shutdown_seen,
        signal.as_mut(),
    )
    .await;

    eprintln!("shutting down: stopping clones and sandboxes...");
    drop(retention);
    drop(listener);
    // The socket file goes with it: a CLI started from now on clones on its own.
    drop(control);
    drop(router);
    shut_down(server, runtime, connections, shutdown).await;
    eprintln!("stopped");
    Ok(())
}

/// Stops clones and agent turns, lets open connections finish (up to `DRAIN_TIMEOUT`), then
/// the browser and the sandbox pool.
async fn shut_down<T: 'static>(
    server: Arc<Server>,
    runtime: Arc<Runtime>,
    mut connections: JoinSet<T>,
    shutdown: watch::Sender<bool>,
) {
    server.closing.store(true, Ordering::SeqCst);
    server.sessions.stop_all();
    server.registry.stop_all().await;
    let _ = shutdown.send(true);
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
    // A clone whose request was in flight while the first pass ran.
    server.registry.stop_all().await;
    // Dropping the server stops the screenshot browser (its chromedriver's process group).
    drop(server);
    match Arc::try_unwrap(runtime) {
        Ok(runtime) => runtime.shutdown().await,
        // Only finished tasks held it; dropping what is left still stops the browser and pool.
        Err(runtime) => drop(runtime),
    }
}

/// Local sandboxes' previews are published through this server (`--preview-host`); Daytona's
/// keep their own URLs (and preview token header).
fn routed_previews(
    host: preview::PreviewHost,
    deps: &PipelineDeps,
) -> anyhow::Result<Option<proxy::Previews>> {
    let local = deps
        .sandboxes
        .as_ref()
        .is_some_and(|sandboxes| sandboxes.name() == "local");
    if !local {
        return Ok(None);
    }
    let tokens = preview::PreviewTokens::new().context("drawing the preview token secret")?;
    Ok(Some(proxy::Previews::new(host, Arc::new(tokens))))
}

/// Who is at the other end of a connection.
#[derive(Debug, Clone, Copy)]
enum Client {
    /// A TCP client at this address.
    Remote(SocketAddr),
    /// The control socket: the server's own user.
    Local,
}

/// The next connection on the control socket; never, without one.
fn limits_of(args: &ServeArgs) -> Limits {
    Limits {
        max_clones: args.max_clones as usize,
        json_bytes: args.max_json_bytes,
        file_bytes: args.max_file_bytes,
        heartbeat: Duration::from_secs(args.heartbeat),
        max_stored_clones: args.max_stored_clones,
        max_disk: args.max_disk.0,
        retention: (!args.retention.is_zero()).then_some(args.retention),
        orphan_timeout: args.orphan_timeout,
    }
}

/// Connections from the TCP listener and the control socket, each served on its own task,
/// until `signal`; the tasks still running.
async fn accept_until(
    listener: &TcpListener,
    control: Option<&control::ControlSocket>,
    router: &Router,
    shutdown_seen: &watch::Receiver<bool>,
    mut signal: std::pin::Pin<&mut impl Future<Output = ()>>,
) -> JoinSet<()> {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(serve_connection(
                        stream,
                        Client::Remote(peer),
                        router.clone(),
                        shutdown_seen.clone(),
                    ));
                }
                Err(error) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!("accepting a connection: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            accepted = accept_local(control) => match accepted {
                Ok(stream) => {
                    connections.spawn(serve_connection(
                        stream,
                        Client::Local,
                        router.clone(),
                        shutdown_seen.clone(),
                    ));
                }
                Err(error) => {
                    tracing::warn!("accepting a control connection: {error}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            () = &mut signal => break,
        }
        while connections.try_join_next().is_some() {}
    }
    connections
}

async fn accept_local(
    control: Option<&control::ControlSocket>,
) -> std::io::Result<tokio::net::UnixStream> {
    match control {
        Some(control) => control.listener.accept().await.map(|(stream, _)| stream),
        None => std::future::pending().await,
    }
}

async fn serve_connection<S>(
    stream: S,
    client: Client,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    // The client's address, for `X-Forwarded-For` on proxied previews; a local client counts
    // as loopback (for the queue's fairness).
    let peer = match client {
        Client::Remote(peer) => peer,
        Client::Local => SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    let router = tower::ServiceExt::map_request(
        router,
        move |mut request: ::http::Request<hyper::body::Incoming>| {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            if matches!(client, Client::Local) {
                request.extensions_mut().insert(control::LocalControl);
            }
            request
        },
    );
    let service = TowerToHyperService::new(router);
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    // With a timer, hyper bounds how long a client may take to send its headers.
    builder.http1().timer(TokioTimer::new());
    // With upgrades: a preview's hot-reload WebSocket is tunnelled to its dev server.
    let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(error) = result {
                tracing::debug!("connection ended: {error}");
            }
        }
        _ = shutdown.changed() => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}
