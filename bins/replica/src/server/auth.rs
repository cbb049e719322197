//! The API token (`REPLICA_API_TOKEN` / `--token`): every request but `GET /health` and the
//! login form needs `Authorization: Bearer <token>` or the session cookie the form sets.
//! Previews are not behind it: their host carries a per-clone token of its own (preview.rs).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::http::{ApiError, read_body};
use super::preview::escape;

/// The session cookie's name.
pub const COOKIE: &str = "replica_session";

/// How long a login lasts.
const SESSION_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// A secret given on the command line or in the environment; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl std::str::FromStr for Secret {
    type Err = String;

    fn from_str(value: &str) -> Result<Secret, String> {
        let value = value.trim();
        if value.len() < 16 {
            return Err("the API token must be at least 16 characters".into());
        }
        Ok(Secret(value.to_string()))
    }
}

/// What requests are checked against. Only digests of the token are kept.
pub struct Auth {
    token_digest: [u8; 32],
    /// The key of session cookies: derived from the token, so logins survive a restart and
    /// end when the token changes.
    session_key: [u8; 32],
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Auth(..)")
    }
}

type HmacSha256 = Hmac<Sha256>;

impl Auth {
    pub fn new(token: &Secret) -> Auth {
        let mut key = Sha256::new();
        key.update(b"replica session key\0");
        key.update(token.0.as_bytes());
        Auth {
            token_digest: Sha256::digest(token.0.as_bytes()).into(),
            session_key: key.finalize().into(),
        }
    }

    /// Compares digests in constant time: neither the token's bytes nor its length leak
    /// through timing.
    fn token_matches(&self, given: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        digest.ct_eq(&self.token_digest).into()
    }

    fn mac(&self, expires: u64) -> HmacSha256 {
        // HMAC takes keys of any length.
        let mut mac = HmacSha256::new_from_slice(&self.session_key).expect("any key length");
        mac.update(b"session:");
        mac.update(expires.to_string().as_bytes());
        mac
    }

    /// A cookie value valid until `expires` (Unix seconds): `EXPIRES.HEX(HMAC)`.
    fn session_value(&self, expires: u64) -> String {
        let tag = self.mac(expires).finalize().into_bytes();
        let hex: String = tag.iter().map(|byte| format!("{byte:02x}")).collect();
        format!("{expires}.{hex}")
    }

    fn session_valid(&self, value: &str, now: u64) -> bool {
        let Some((expires, hex)) = value.split_once('.') else {
            return false;
        };
        let Ok(expires) = expires.parse::<u64>() else {
            return false;
        };
        let Some(tag) = decode_hex(hex) else {
            return false;
        };
        expires > now && self.mac(expires).verify_slice(&tag).is_ok()
    }

    /// How the request proves it may use the API, if it does.
    fn credential(&self, headers: &HeaderMap) -> Credential {
        if let Some(value) = headers.get(header::AUTHORIZATION) {
            let given = value
                .to_str()
                .ok()
                .and_then(|value| value.strip_prefix("Bearer "))
                .map(str::trim);
            return match given {
                Some(token) if self.token_matches(token) => Credential::Bearer,
                _ => Credential::Wrong,
            };
        }
        match cookie(headers, COOKIE) {
            Some(value) if self.session_valid(value, unix_now()) => Credential::Cookie,
            Some(_) => Credential::Wrong,
            None => Credential::Missing,
        }
    }
}

enum Credential {
    Bearer,
    Cookie,
    Missing,
    Wrong,
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(hex.get(at..at + 2)?, 16).ok())
        .collect()
}

/// The value of cookie `name` in the request's `Cookie` headers.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Requests that need no token: the health check and the login form.
fn is_open(method: &Method, path: &str) -> bool {
    match path {
        "/health" => matches!(*method, Method::GET | Method::HEAD),
        "/login" | "/logout" => true,
        _ => false,
    }
}

/// Around every API route (the preview hosts are routed before it).
pub async fn require_token(
    State(auth): State<Option<Arc<Auth>>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(auth) = auth else {
        return next.run(request).await;
    };
    // The control socket only lets the server's own user in.
    if super::control::is_local(&request) {
        return next.run(request).await;
    }
    if is_open(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    match auth.credential(request.headers()) {
        Credential::Bearer => next.run(request).await,
        // A cookie rides along on any request the browser makes to this host, so a page of
        // another origin (a preview, served on a sibling host) must not be able to use it to
        // change things or open a WebSocket: those need this server's own origin.
        Credential::Cookie if cross_origin(request.headers()) && !is_safe(&request) => {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "a request signed in by cookie must come from this server's own pages \
                 (its Origin is another site's)",
            )
            .into_response()
        }
        Credential::Cookie => next.run(request).await,
        Credential::Missing if wants_html(&request) => to_login(request.uri().path()),
        Credential::Missing => unauthorized(
            "this server needs its API token: send `Authorization: Bearer <token>` \
             (REPLICA_API_TOKEN), or sign in at /login",
        ),
        Credential::Wrong => unauthorized(
            "the API token or session is not valid: check REPLICA_API_TOKEN, or sign in \
             again at /login",
        ),
    }
}

fn unauthorized(message: &str) -> Response {
    let mut response = ApiError::new(StatusCode::UNAUTHORIZED, message).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"replica\""),
    );
    response
}

/// A read that changes nothing and is not a WebSocket upgrade.
fn is_safe(request: &Request) -> bool {
    matches!(*request.method(), Method::GET | Method::HEAD)
        && !request.headers().contains_key(header::UPGRADE)
}

/// `Origin` names another scheme, host or port than the `Host` the request was sent to.
fn cross_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return false;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    authority != Some(host)
}

/// A browser navigating to a page (not a script calling the API).
fn wants_html(request: &Request) -> bool {
    *request.method() == Method::GET
        && request
            .headers()
            .get(header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
}

fn to_login(path: &str) -> Response {
    let target = format!(
        "/login?next={}",
        percent_encoding::utf8_percent_encode(path, percent_encoding::NON_ALPHANUMERIC)
    );
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(&target) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// The Content-Security-Policy of the server's own pages (the login form, the UI): nothing
/// from elsewhere, no framing by other sites.
pub const UI_CSP: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; \
                          img-src 'self' data:; form-action 'self'; base-uri 'none'; \
                          frame-ancestors 'none'";

/// One of the server's own HTML pages, with its CSP.
pub fn ui_page(status: StatusCode, html: String) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(UI_CSP),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /login`: the form. `next` (a path of this server) is where a login leads.
pub fn login_form(query: Option<&str>) -> Response {
    let next = query.and_then(next_path).unwrap_or_else(|| "/".into());
    ui_page(StatusCode::OK, form_html(&next, None))
}

fn form_html(next: &str, error: Option<&str>) -> String {
    let error = error
        .map(|message| format!("<p class=\"error\">{}</p>", escape(message)))
        .unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Sign in · Replica</title><style>\
         :root{{color-scheme:light dark}}*{{box-sizing:border-box}}\
         body{{font:15px/1.5 system-ui,sans-serif;margin:0;padding:12vh 16px;\
         background:light-dark(#f6f6f8,#0d0d12);color:light-dark(#17171c,#ececf2)}}\
         main{{max-width:380px;margin:0 auto;padding:28px;border-radius:16px;\
         background:light-dark(#fff,#16161d);border:1px solid light-dark(#e2e2e8,#2c2c38)}}\
         h1{{font-size:22px;margin:0 0 6px}}p{{margin:0 0 18px;color:light-dark(#6b6b76,#9c9cab)}}\
         label{{font-weight:600}}input{{display:block;font:inherit;width:100%;padding:8px 10px;\
         margin:6px 0 14px;border-radius:8px;border:1px solid light-dark(#c9c9d2,#3a3a48);\
         background:light-dark(#fff,#0d0d12);color:inherit}}\
         button{{font:inherit;font-weight:600;padding:8px 16px;border:0;border-radius:8px;\
         cursor:pointer;background:light-dark(#4f46e5,#8b93ff);color:light-dark(#fff,#0d0d12)}}\
         :focus-visible{{outline:2px solid light-dark(#6366f1,#a5b4fc);outline-offset:2px}}\
         p.error{{color:light-dark(#b91c1c,#f87171)}}</style></head><body><main>\
         <h1>Sign in to Replica</h1><p>This server needs its API token (REPLICA_API_TOKEN).</p>\
         {error}<form method=\"post\" action=\"/login\">\
         <input type=\"hidden\" name=\"next\" value=\"{next}\">\
         <label>API token <input type=\"password\" name=\"token\" \
         autocomplete=\"current-password\" required autofocus></label>\
         <button type=\"submit\">Sign in</button></form></main></body></html>",
        next = escape(next),
    )
}

/// `POST /login` (a form): the token is checked and a session cookie set, or the form is
/// shown again with 401.
pub async fn login(auth: Option<&Auth>, headers: &HeaderMap, body: Body) -> Response {
    let body = match read_body(body, 16 * 1024).await {
        Ok(body) => body,
        Err(error) => return error.into_response(),
    };
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let next = field("next")
        .and_then(|next| safe_next(next).map(str::to_string))
        .unwrap_or_else(|| "/".into());
    let Some(auth) = auth else {
        // No token configured: there is nothing to sign in to.
        return see_other(&next);
    };
    if !field("token").is_some_and(|token| auth.token_matches(token.trim())) {
        return ui_page(
            StatusCode::UNAUTHORIZED,
            form_html(&next, Some("That is not this server's token.")),
        );
    }
    let expires = unix_now() + SESSION_LIFETIME.as_secs();
    let secure = forwarded_https(headers);
    let cookie = format!(
        "{COOKIE}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}",
        auth.session_value(expires),
        SESSION_LIFETIME.as_secs(),
        if secure { "; Secure" } else { "" }
    );
    let mut response = see_other(&next);
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// `POST /logout`: the cookie is cleared.
pub fn logout() -> Response {
    let mut response = see_other("/login");
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("replica_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict"),
    );
    response
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// Behind a TLS proxy the cookie is marked `Secure`.
fn forwarded_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

/// `next=` of a query string, when it is a path of this server.
fn next_path(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == "next")
        .and_then(|(_, value)| safe_next(&value).map(str::to_string))
}

/// Only a path on this server (not `//elsewhere`, not a URL): a login must not lead away.
fn safe_next(next: &str) -> Option<&str> {
    (next.starts_with('/') && !next.starts_with("//") && !next.contains('\\')).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Auth {
        Auth::new(&"correct horse battery staple".parse().unwrap())
    }

    #[test]
    fn sessions_expire_and_cannot_be_forged() {
        let auth = auth();
        let value = auth.session_value(2_000);
        assert!(auth.session_valid(&value, 1_999));
        assert!(!auth.session_valid(&value, 2_000));
        // Another expiry with the same tag, another token's tag, junk.
        let tag = value.split_once('.').unwrap().1;
        assert!(!auth.session_valid(&format!("9999999999.{tag}"), 1_000));
        let other = Auth::new(&"another token of 16+ chars".parse().unwrap());
        assert!(!auth.session_valid(&other.session_value(2_000), 1_000));
        for junk in ["", ".", "2000.", "2000.zz", "x.00"] {
            assert!(!auth.session_valid(junk, 1_000), "{junk:?}");
        }
    }

    #[test]
    fn tokens_are_compared_whole() {
        let auth = auth();
        assert!(auth.token_matches("correct horse battery staple"));
        assert!(!auth.token_matches("correct horse battery stapl"));
        assert!(!auth.token_matches("correct horse battery staple!"));
        assert!(!auth.token_matches(""));
        assert!("short".parse::<Secret>().is_err());
        assert_eq!(format!("{:?}", auth), "Auth(..)");
    }

    #[test]
    fn logins_lead_only_to_this_server() {
        assert_eq!(
            next_path("next=%2Fapi%2Fclones"),
            Some("/api/clones".into())
        );
        for bad in [
            "next=%2F%2Fevil.example",
            "next=https%3A%2F%2Fevil.example",
            "next=%2F%5Cevil",
        ] {
            assert_eq!(next_path(bad), None, "{bad}");
        }
    }
}
