//! HTTP plumbing the router does not give us: JSON errors, size-limited request bodies, the
//! SSE body and CORS headers.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};
use http_body_util::BodyExt;
use hyper::body::{Body as _, Frame};
use tokio::sync::mpsc;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

/// A response body fed by a channel: each message is one chunk, the body ends when every
/// sender is gone. When the client goes away hyper drops the body, which closes the channel,
/// so senders learn of it through `Sender::closed`.
#[derive(Debug)]
pub struct ChannelBody {
    chunks: mpsc::Receiver<Bytes>,
}

impl ChannelBody {
    pub fn new(chunks: mpsc::Receiver<Bytes>) -> ChannelBody {
        ChannelBody { chunks }
    }
}

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.chunks
            .poll_recv(cx)
            .map(|chunk| chunk.map(|bytes| Ok(Frame::data(bytes))))
    }
}

/// A `text/event-stream` response whose body is fed by `chunks` (unbuffered by proxies).
pub fn sse_response(chunks: mpsc::Receiver<Bytes>) -> Response {
    let mut response = Response::new(Body::new(ChannelBody::new(chunks)));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}

/// A request that failed: answered as `{"error": "..."}` with its status.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// Seconds for `Retry-After` (429).
    pub retry_after: Option<u64>,
    /// Methods for `Allow` (405).
    pub allow: Option<&'static str>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            retry_after: None,
            allow: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    pub fn method_not_allowed(method: &Method, allow: &'static str) -> ApiError {
        ApiError {
            allow: Some(allow),
            ..ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("{method} is not allowed here (allowed: {allow})"),
            )
        }
    }
}

/// The message of a 500, left on its response for [`api_layer`] to log with the request.
#[derive(Debug, Clone)]
struct InternalError(String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response =
            json_response(self.status, &serde_json::json!({ "error": self.message }));
        if self.status == StatusCode::INTERNAL_SERVER_ERROR {
            response
                .extensions_mut()
                .insert(InternalError(self.message));
        }
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(allow) = self.allow {
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        response
    }
}

pub fn json_response(status: StatusCode, value: &serde_json::Value) -> Response {
    // A `Value` always serializes.
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

pub fn ok_json(value: &serde_json::Value) -> Response {
    json_response(StatusCode::OK, value)
}

/// Reads the whole request body, refusing more than `limit` bytes with 413.
///
/// An oversized body is still read (and thrown away) up to [`drain_cap`]: a client that is
/// still sending when the answer comes and the connection closes sees a broken pipe instead
/// of the 413. Beyond the cap (or a `Content-Length` over it) the answer comes at once.
pub async fn read_body(mut body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than the limit of {limit} bytes"),
        )
    };
    let limit = limit as u64;
    let declared = body.size_hint().lower();
    if declared > drain_cap(limit) {
        return Err(too_large());
    }
    let mut collected = Vec::new();
    let mut received = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| {
            ApiError::bad_request(format!("the request body could not be read: {error}"))
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        received += data.len() as u64;
        if received > drain_cap(limit) {
            return Err(too_large());
        }
        if received <= limit {
            collected.extend_from_slice(&data);
        }
    }
    if declared > limit || received > limit {
        return Err(too_large());
    }
    Ok(Bytes::from(collected))
}

/// How much of an oversized body is read before answering 413.
fn drain_cap(limit: u64) -> u64 {
    limit.saturating_mul(4).max(16 * 1024 * 1024)
}

/// Parses a JSON request body into `T`, with serde's message (field, line, column) on failure.
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|error| ApiError::bad_request(format!("invalid JSON body: {error}")))
}

/// Which browser origins may call the API (`--cors-origin`). Empty: no CORS headers at all,
/// so browsers only allow same-origin pages.
#[derive(Debug, Clone, Default)]
pub struct Cors {
    origins: Vec<String>,
}

const CORS_METHODS: &str = "GET, POST, PUT, DELETE, OPTIONS";

impl Cors {
    pub fn new(origins: &[String]) -> Cors {
        Cors {
            origins: origins
                .iter()
                .map(|origin| origin.trim().trim_end_matches('/').to_string())
                .filter(|origin| !origin.is_empty())
                .collect(),
        }
    }

    /// The request's `Origin` when it is allowed (`*` allows any).
    fn allowed<'a>(&self, request: &'a HeaderMap) -> Option<&'a HeaderValue> {
        let origin = request.get(header::ORIGIN)?;
        let text = origin.to_str().ok()?;
        self.origins
            .iter()
            .any(|allowed| allowed == "*" || allowed == text)
            .then_some(origin)
    }

    /// Adds `Access-Control-Allow-Origin` for an allowed origin.
    pub fn decorate(&self, request: &HeaderMap, response: &mut Response) {
        if self.origins.is_empty() {
            return;
        }
        let headers = response.headers_mut();
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
        if let Some(origin) = self.allowed(request) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static("Retry-After, Content-Disposition"),
            );
        }
    }

    /// The answer to a preflight `OPTIONS`: 204, with the CORS grant when the origin is allowed.
    pub fn preflight(&self, request: &HeaderMap) -> Response {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        let headers = response.headers_mut();
        headers.insert(header::ALLOW, HeaderValue::from_static(CORS_METHODS));
        if self.origins.is_empty() {
            return response;
        }
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        if let Some(origin) = self.allowed(request) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(CORS_METHODS),
            );
            let asked = request
                .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
                .cloned()
                .unwrap_or_else(|| HeaderValue::from_static("content-type"));
            headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked);
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
        }
        response
    }
}

/// Around every route: `OPTIONS` is a CORS preflight whatever the path, every answer gets the
/// CORS headers, and a 500 is logged with its request (a client sees only the JSON error).
pub async fn api_layer(State(cors): State<Cors>, request: Request, next: Next) -> Response {
    let headers = request.headers().clone();
    if request.method() == Method::OPTIONS {
        return cors.preflight(&headers);
    }
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let mut response = next.run(request).await;
    if let Some(InternalError(message)) = response.extensions_mut().remove() {
        tracing::warn!("{method} {path}: {message}");
    }
    cors.decorate(&headers, &mut response);
    response
}

/// `X-Content-Type-Options: nosniff` and `Referrer-Policy: same-origin` on every response
/// that does not set its own (previews too: a preview's URL carries its token, which must not
/// reach the sites its page links to).
pub fn security_headers() -> tower::layer::util::Stack<
    SetResponseHeaderLayer<HeaderValue>,
    SetResponseHeaderLayer<HeaderValue>,
> {
    tower::layer::util::Stack::new(
        SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ),
    )
}

/// gzip for API answers that are worth it (not event streams, images or zips).
pub fn compression() -> CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::Predicate as _;
    use tower_http::compression::predicate::{DefaultPredicate, NotForContentType};
    CompressionLayer::new()
        .compress_when(DefaultPredicate::new().and(NotForContentType::const_new("application/zip")))
}

/// One span per request (method, path, clone id when the request is about one) and one
/// line when it is answered (status, milliseconds). Headers are never logged: they hold the
/// API token, and a preview's host its preview token (only the clone id is taken from it).
pub fn request_log(
    previews: Option<super::preview::PreviewHost>,
) -> TraceLayer<HttpClassifier, RequestSpan, (), RequestLine> {
    TraceLayer::new_for_http()
        .make_span_with(RequestSpan { previews })
        .on_request(())
        .on_response(RequestLine)
}

#[derive(Debug, Clone)]
pub struct RequestSpan {
    previews: Option<super::preview::PreviewHost>,
}

impl<B> tower_http::trace::MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &http::Request<B>) -> tracing::Span {
        let span = tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.uri().path(),
            clone_id = tracing::field::Empty,
        );
        if let Some(id) = clone_of_request(request, self.previews.as_ref()) {
            span.record("clone_id", id);
        }
        span
    }
}

#[derive(Debug, Clone, Copy)]
pub struct RequestLine;

impl<B> tower_http::trace::OnResponse<B> for RequestLine {
    fn on_response(
        self,
        response: &http::Response<B>,
        latency: std::time::Duration,
        _span: &tracing::Span,
    ) {
        tracing::info!(
            status = response.status().as_u16(),
            ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            "answered"
        );
    }
}

type HttpClassifier =
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>;

/// The clone a request is about: `/api/clones/{id}...`, or a preview host's clone.
fn clone_of_request<'a, B>(
    request: &'a http::Request<B>,
    previews: Option<&super::preview::PreviewHost>,
) -> Option<&'a str> {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|host| host.to_str().ok());
    if let (Some(previews), Some(host)) = (previews, host)
        && let Some(label) = previews.label(host)
    {
        // `{id}-{token}`: only the id part, never the token.
        return label.get(..CLONE_ID_LENGTH);
    }
    let rest = request.uri().path().strip_prefix("/api/clones/")?;
    let id = rest.split('/').next()?;
    (id.len() == CLONE_ID_LENGTH).then_some(id)
}

/// `20241122-070412-123-8f3a2c`.
const CLONE_ID_LENGTH: usize = 26;
