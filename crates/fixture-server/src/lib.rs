//! A static file server on loopback for the fixture sites, plus a few routes that misbehave on
//! purpose so the failure cases of a scrape can be tested against a real server:
//!
//! | route | answers |
//! |---|---|
//! | `/<path>` | the file under the root (`index.html` for folders) |
//! | `/_fonts/<file>` | a font file of the machine's (DejaVu, Liberation), so sites can use web fonts without committing font files |
//! | `/_status/<code>` | an HTML page with that status |
//! | `/_delay/<ms>/<path>` | `<path>` after a delay |
//! | `/_redirect?to=<url>` | `302 Found` to `<url>` |
//! | `/_generated/huge-dom?n=<count>` | a page with `count` elements |
//! | `/_generated/deep-dom?depth=<levels>` | text inside `levels` nested `<div>`s |
//! | `/_generated/hanging-image` | a page whose image never finishes loading |
//!
//! [`network`] has stand-ins for the network around the URL policy proxy: a resolver and
//! router that never leave the machine, and a private target that counts what reaches it.
//!
//! This crate supports tests, demos and benchmarks; the product never uses it.

pub mod network;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use replica_core::media_type_of_path;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Where `/_fonts/<file>` looks, in order.
const FONT_DIRS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/liberation2",
];

/// A running server; it stops when dropped.
#[derive(Debug)]
pub struct FixtureServer {
    addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

#[derive(Debug)]
struct State {
    root: PathBuf,
    requests: Mutex<Vec<String>>,
}

impl FixtureServer {
    /// Serves `root` on a free port of 127.0.0.1.
    pub async fn start(root: impl Into<PathBuf>) -> std::io::Result<FixtureServer> {
        FixtureServer::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), root).await
    }

    pub async fn start_on(
        addr: SocketAddr,
        root: impl Into<PathBuf>,
    ) -> std::io::Result<FixtureServer> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            root: root.into(),
            requests: Mutex::new(Vec::new()),
        });
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&state)));
        Ok(FixtureServer { addr, state, task })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Absolute URL of `path` on this server (`path` starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Paths (with query) requested so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.state
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>) {
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = Arc::clone(&state);
        let service = hyper::service::service_fn(move |request| {
            let state = Arc::clone(&state);
            async move { Ok::<_, Infallible>(respond(&state, request).await) }
        });
        // Connections live in the JoinSet so aborting the server aborts them too.
        connections.spawn(async move {
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let _ = builder
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
        while connections.try_join_next().is_some() {}
    }
}

async fn respond(state: &State, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let path_and_query = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    if let Ok(mut requests) = state.requests.lock() {
        requests.push(path_and_query);
    }
    let path = percent_decode(request.uri().path());
    let query = request.uri().query().unwrap_or("");
    route(state, &path, query).await
}

fn route<'a>(
    state: &'a State,
    path: &'a str,
    query: &'a str,
) -> std::pin::Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send + 'a>> {
    Box::pin(async move {
        if let Some(file) = path.strip_prefix("/_fonts/") {
            return serve_font(file).await;
        }
        if let Some(code) = path.strip_prefix("/_status/") {
            let status = code.parse().ok().and_then(|c| StatusCode::from_u16(c).ok());
            return match status {
                Some(status) => html(
                    status,
                    &format!("<!doctype html><title>{status}</title><h1>{status}</h1>"),
                ),
                None => html(StatusCode::BAD_REQUEST, "bad status code"),
            };
        }
        if let Some(rest) = path.strip_prefix("/_delay/") {
            let (ms, rest) = rest.split_once('/').unwrap_or((rest, ""));
            let ms: u64 = ms.parse().unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            return route(state, &format!("/{rest}"), query).await;
        }
        if path == "/_redirect" {
            let to = query_param(query, "to").unwrap_or_default();
            return Response::builder()
                .status(StatusCode::FOUND)
                .header("location", to)
                .body(Full::new(Bytes::new()))
                .unwrap_or_else(|_| html(StatusCode::BAD_REQUEST, "bad redirect target"));
        }
        if path == "/_generated/huge-dom" {
            let count: usize = query_param(query, "n")
                .and_then(|n| n.parse().ok())
                .unwrap_or(30_000);
            return html(StatusCode::OK, &huge_dom(count));
        }
        if path == "/_generated/deep-dom" {
            let depth: usize = query_param(query, "depth")
                .and_then(|n| n.parse().ok())
                .unwrap_or(1_000);
            let page = format!(
                "<!doctype html><title>deep</title><body>{}the deepest words{}<p>after</p></body>",
                "<div>".repeat(depth),
                "</div>".repeat(depth)
            );
            return html(StatusCode::OK, &page);
        }
        if path == "/_generated/hanging-image" {
            return html(
                StatusCode::OK,
                "<!doctype html><title>hanging</title><p>waiting</p><img src=\"/_delay/600000/never.png\">",
            );
        }
        serve_file(&state.root, path).await
    })
}

async fn serve_file(root: &Path, path: &str) -> Response<Full<Bytes>> {
    let relative = Path::new(path.trim_start_matches('/'));
    if relative
        .components()
        .any(|c| !matches!(c, Component::Normal(_)))
    {
        return html(StatusCode::NOT_FOUND, "not found");
    }
    let mut file = root.join(relative);
    if file.is_dir() {
        file = file.join("index.html");
    }
    match tokio::fs::read(&file).await {
        Ok(bytes) => Response::builder()
            .header("content-type", media_type_of_path(&file.to_string_lossy()))
            .header("cache-control", "no-store")
            .body(Full::new(Bytes::from(bytes)))
            .unwrap_or_else(|_| html(StatusCode::INTERNAL_SERVER_ERROR, "response")),
        Err(_) => html(
            StatusCode::NOT_FOUND,
            "<!doctype html><title>404</title><h1>Not found</h1>",
        ),
    }
}

async fn serve_font(file: &str) -> Response<Full<Bytes>> {
    if file.contains('/') || file.starts_with('.') {
        return html(StatusCode::NOT_FOUND, "not found");
    }
    for dir in FONT_DIRS {
        let path = Path::new(dir).join(file);
        if let Ok(bytes) = tokio::fs::read(&path).await {
            return Response::builder()
                .header("content-type", media_type_of_path(&path.to_string_lossy()))
                .header("access-control-allow-origin", "*")
                .body(Full::new(Bytes::from(bytes)))
                .unwrap_or_else(|_| html(StatusCode::INTERNAL_SERVER_ERROR, "response"));
        }
    }
    html(StatusCode::NOT_FOUND, "font not found on this machine")
}

fn html(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        "content-type",
        hyper::header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn huge_dom(count: usize) -> String {
    let mut page =
        String::from("<!doctype html><html><head><title>huge</title></head><body><main>");
    for i in 0..count {
        page.push_str(&format!("<div>item {i}</div>"));
    }
    page.push_str("</main></body></html>");
    page
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        (key == name).then(|| percent_decode(value))
    })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(hi), Some(lo)) => {
                out.push(hi * 16 + lo);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn serves_files_statuses_and_refuses_traversal() {
        let dir = std::env::temp_dir().join(format!("fixture-server-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("site")).unwrap();
        std::fs::write(dir.join("site/index.html"), "<p>hi</p>").unwrap();
        let server = FixtureServer::start(&dir).await.unwrap();
        let get = |path: &str| reqwest::get(server.url(path));

        let page = get("/site/").await.unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
        assert_eq!(page.text().await.unwrap(), "<p>hi</p>");
        assert_eq!(get("/_status/503").await.unwrap().status(), 503);
        assert_eq!(get("/site/../../etc/passwd").await.unwrap().status(), 404);
        assert_eq!(get("/%2e%2e/etc/passwd").await.unwrap().status(), 404);
        let redirect = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(server.url("/_redirect?to=http%3A%2F%2Fexample.com%2F"))
            .send()
            .await
            .unwrap();
        assert_eq!(redirect.status(), 302);
        assert_eq!(redirect.headers()["location"], "http://example.com/");
        assert!(server.requests().contains(&"/site/".to_string()));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn percent_decoding_handles_plus_and_bad_escapes() {
        assert_eq!(percent_decode("a%20b+c%zz"), "a b c%zz");
    }
}
