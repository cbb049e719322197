//! `replica clone` through a running `replica serve`: when the data directory holds the
//! server's control socket and a server answers on it, the clone runs there, on its warm
//! browser and sandbox pool, under this command line's URL policy. Its events come back as
//! SSE and go through the same progress printer; the result is read from the store both
//! share. No socket, nobody answering, or a server that is shutting down: the caller clones
//! in-process as before.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use replica_core::PipelineEvent;
use replica_pipeline::{CloneId, CloneOutcome, CloneRecord, CloneRequest, CloneStore};

use crate::clone::{CloneArgs, Progress, keeps_preview, report};
use crate::config::Config;
use crate::server::control::{DENY_PRIVATE_HEADER, KEEP_PREVIEW_HEADER, SOCKET_NAME};

/// Hands the clone to the server of `config.data_dir`; `None` when there is none to take it
/// (the caller clones in-process).
pub async fn run(
    args: &CloneArgs,
    request: &CloneRequest,
    config: &Config,
) -> anyhow::Result<Option<ExitCode>> {
    let socket = config.data_dir.join(SOCKET_NAME);
    if std::fs::symlink_metadata(&socket).is_err() {
        return Ok(None);
    }
    let response = match send(&socket, clone_request(args, request)?).await {
        Ok(response) => response,
        Err(error) => {
            eprintln!(
                "no replica serve answers on {} ({error}); cloning here",
                socket.display()
            );
            return Ok(None);
        }
    };
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        eprintln!(
            "the replica serve of {} is shutting down; cloning here",
            config.data_dir.display()
        );
        return Ok(None);
    }
    if !response.status().is_success() {
        return Err(server_error(response).await);
    }
    let id = response
        .headers()
        .get("x-clone-id")
        .and_then(|id| id.to_str().ok())
        .and_then(|id| CloneId::parse(id).ok())
        .context("the server did not say which clone it started")?;
    let signal = crate::shutdown_signal()?;
    let events = tokio::select! {
        events = follow(response.into_body()) => events?,
        // Stopping the clone on the server is what Ctrl-C would do to one running here.
        () = signal => {
            cancel(&socket, &id).await;
            anyhow::bail!("interrupted");
        }
    };
    let store = CloneStore::open(&config.data_dir)
        .with_context(|| format!("opening the clone store in {}", config.data_dir.display()))?;
    let record = store
        .get(&id)
        .with_context(|| format!("reading clone {id} from the store"))?;
    let outcome = outcome(record, &events);
    let code = report(&outcome, &store, args)?;
    if let (Some(url), true) = (&outcome.preview_url, keeps_preview(args)) {
        eprintln!(
            "the preview stays up at {url}, kept by replica serve (until it stops or deletes the clone)"
        );
    }
    Ok(Some(code))
}

/// `POST /clone/stream` with this command line's policy and preview wish.
fn clone_request(args: &CloneArgs, request: &CloneRequest) -> anyhow::Result<Request<Full<Bytes>>> {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri("/clone/stream")
        .header(header::HOST, "localhost")
        .header(header::CONTENT_TYPE, "application/json");
    if args.deny_private {
        let origins: Vec<String> = args
            .policy
            .origins()?
            .iter()
            .map(ToString::to_string)
            .collect();
        builder = builder.header(DENY_PRIVATE_HEADER, origins.join(","));
    }
    if !keeps_preview(args) {
        builder = builder.header(KEEP_PREVIEW_HEADER, "no");
    }
    Ok(builder.body(Full::new(Bytes::from(serde_json::to_vec(request)?)))?)
}

/// One request on a connection of its own to the control socket.
async fn send(socket: &Path, request: Request<Full<Bytes>>) -> anyhow::Result<Response<Incoming>> {
    let stream = tokio::net::UnixStream::connect(socket).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    // Ends with the connection: once the response body is read or dropped.
    tokio::spawn(connection);
    Ok(sender.send_request(request).await?)
}

/// The server's `{"error": ...}` as this command's error.
async fn server_error(response: Response<Incoming>) -> anyhow::Error {
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map(|body| body.to_bytes());
    let message = body
        .ok()
        .and_then(|body| serde_json::from_slice::<serde_json::Value>(&body).ok())
        .and_then(|json| json["error"].as_str().map(String::from))
        .unwrap_or_else(|| format!("the server answered {status}"));
    anyhow::anyhow!("{message}")
}

/// Shows the clone's events as they come and returns them, up to `done` or the stream's end.
async fn follow(mut body: Incoming) -> anyhow::Result<Vec<PipelineEvent>> {
    let mut progress = Progress::new();
    let mut events = Vec::new();
    let mut pending = String::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.context("the server broke off the clone's event stream")?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        pending.push_str(&String::from_utf8_lossy(&data));
        while let Some(end) = pending.find("\n\n") {
            let text: String = pending.drain(..end + 2).collect();
            let Some(event) = parse_frame(&text)? else {
                continue;
            };
            progress.show(&event);
            let done = matches!(event, PipelineEvent::Done { .. });
            events.push(event);
            if done {
                progress.finish();
                return Ok(events);
            }
        }
    }
    progress.finish();
    Ok(events)
}

/// The event of one SSE frame (`id: N\ndata: {...}`); `None` for a heartbeat comment.
fn parse_frame(text: &str) -> anyhow::Result<Option<PipelineEvent>> {
    let Some(data) = text.lines().find_map(|line| line.strip_prefix("data: ")) else {
        return Ok(None);
    };
    serde_json::from_str(data)
        .with_context(|| format!("the server sent an event this replica does not know: {data}"))
        .map(Some)
}

/// Stops the clone on the server (`DELETE`: it is cancelled, its sandbox released).
async fn cancel(socket: &Path, id: &CloneId) {
    let request = Request::builder()
        .method(Method::DELETE)
        .uri(format!("/api/clones/{id}"))
        .header(header::HOST, "localhost")
        .body(Full::new(Bytes::new()));
    if let Ok(request) = request
        && let Err(error) = send(socket, request).await
    {
        eprintln!("could not stop clone {id} on the server: {error}");
    }
}

/// The clone's result as an in-process clone reports it: the record for the files, status
/// and timings, the events for what only they say (sections, validation, the failed stage).
fn outcome(record: CloneRecord, events: &[PipelineEvent]) -> CloneOutcome {
    let mut sections = 0;
    let mut validated = false;
    let mut validation_errors = 0;
    let mut error = None;
    let mut done = None;
    for event in events {
        match event {
            PipelineEvent::Planned { section_count, .. } => sections += section_count,
            PipelineEvent::ValidationPassed => (validated, validation_errors) = (true, 0),
            PipelineEvent::ValidationFailed { error_count, .. } => {
                (validated, validation_errors) = (true, *error_count);
            }
            PipelineEvent::Error { message, stage, .. } => {
                error = Some((stage.clone(), message.clone()));
            }
            PipelineEvent::Done {
                preview_url, pages, ..
            } => done = Some((preview_url.clone(), pages.clone())),
            _ => {}
        }
    }
    // The warnings are not in the events: counted again on the files (the same validator).
    let validation_warnings = if validated {
        replica_jsx_validator::validate(&record.files)
            .warnings
            .len()
    } else {
        0
    };
    let (preview_url, pages) = done.unwrap_or_default();
    let summary = record.summary;
    CloneOutcome {
        clone_id: summary.id,
        files: record.files,
        scrape: None,
        sections,
        validation_errors,
        validation_warnings,
        compiled: summary.compiled,
        sandbox: None,
        preview_url,
        similarity: summary.similarity,
        pages,
        timings: summary.timings,
        error,
    }
}
