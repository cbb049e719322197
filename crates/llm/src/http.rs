//! The HTTP core every provider shares: one POST of a JSON body with retries, backoff,
//! `retry-after`, a per-request timeout, a total time budget and key scrubbing.
//!
//! Providers stay thin: they build the URL, headers and body, decode the answer (see
//! `stream.rs`), and turn an error body into an [`ErrorDetail`]. Everything about *when* to try
//! again lives here, once.

use std::time::Duration;

use replica_core::{ApiKey, LlmError};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use tokio::time::Instant;

/// How a provider retries and how long it waits.
///
/// Retried: HTTP 429, 500, 502, 503, 504, 529 and connection failures. A `retry-after` from the
/// server replaces the computed backoff. Nothing is retried once `total_budget` would be
/// exceeded, so a call never takes much longer than the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included (1 = never retry).
    pub max_attempts: u32,
    /// Backoff before the first retry; it doubles for each retry after that.
    pub base_delay: Duration,
    /// Cap on the computed backoff (a server's `retry-after` may ask for longer).
    pub max_delay: Duration,
    /// Wall-clock cap on one call, all attempts and waits included.
    pub total_budget: Duration,
    /// Cap on one HTTP exchange, from connecting to the last byte of the body.
    pub request_timeout: Duration,
}

impl Default for RetryPolicy {
    /// Five attempts, 1 s doubling to at most 30 s, 5 minutes per request (a long section
    /// generation at a slow model takes a few minutes), 10 minutes in all.
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(30),
            total_budget: Duration::from_secs(600),
            request_timeout: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The computed wait before retry number `retry` (1 for the first retry): `base_delay`
    /// doubled per retry, capped at `max_delay`, then shortened by up to a quarter by `jitter`
    /// (in `0.0..1.0`) so that parallel callers that failed together do not retry together.
    pub fn backoff(&self, retry: u32, jitter: f64) -> Duration {
        let exponent = retry.saturating_sub(1).min(30);
        let full = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        full.mul_f64(1.0 - 0.25 * jitter.clamp(0.0, 1.0))
    }
}

/// Whether an HTTP status is worth another attempt (rate limits, overload, gateway trouble).
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504 | 529)
}

/// What a provider could read out of an error response.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ErrorDetail {
    /// The provider's own message (not yet scrubbed).
    pub message: String,
    /// The body says the key was rejected even though the status is not 401/403
    /// (Gemini answers a bad key with 400 `API_KEY_INVALID`).
    pub unauthorized: bool,
    /// A wait the body asked for (Gemini's `RetryInfo`), used when no header gives one.
    pub retry_after: Option<Duration>,
}

/// Turns an error response into an [`ErrorDetail`]; one per provider.
pub(crate) type DescribeError = fn(StatusCode, &[u8]) -> ErrorDetail;

/// A reqwest client plus the policy, the provider's name and the key to scrub from messages.
#[derive(Clone)]
pub(crate) struct Transport {
    provider: &'static str,
    client: reqwest::Client,
    retry: RetryPolicy,
    secret: Option<ApiKey>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // reqwest's client Debug is noisy and the secret stays out by construction.
        f.debug_struct("Transport")
            .field("provider", &self.provider)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// One failed attempt, classified.
pub(crate) struct Failure {
    pub error: LlmError,
    pub retryable: bool,
    pub retry_after: Option<Duration>,
}

/// Attempts made so far in one call, and when the call's time budget runs out.
#[derive(Debug)]
pub(crate) struct Attempts {
    made: u32,
    deadline: Instant,
}

impl Transport {
    pub(crate) fn new(
        provider: &'static str,
        retry: RetryPolicy,
        secret: Option<ApiKey>,
    ) -> Result<Transport, LlmError> {
        let client = reqwest::Client::builder()
            .user_agent(concat!("replica/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(retry.request_timeout.min(Duration::from_secs(15)))
            .build()
            .map_err(|error| {
                LlmError::Other(format!("could not set up the {provider} client: {error}"))
            })?;
        Ok(Transport {
            provider,
            client,
            retry,
            secret,
        })
    }

    /// A header carrying the key, marked sensitive so reqwest never prints it.
    pub(crate) fn secret_header(
        &self,
        name: &'static str,
        prefix: &str,
    ) -> Result<Option<(HeaderName, HeaderValue)>, LlmError> {
        let Some(key) = &self.secret else {
            return Ok(None);
        };
        let mut value =
            HeaderValue::from_str(&format!("{prefix}{}", key.expose())).map_err(|_| {
                LlmError::Other(format!(
                    "the {} API key contains characters that cannot be sent in an HTTP header",
                    self.provider
                ))
            })?;
        value.set_sensitive(true);
        Ok(Some((HeaderName::from_static(name), value)))
    }

    /// Replaces every occurrence of the key in `text` (some servers echo a bad key back).
    pub(crate) fn scrub(&self, text: &str) -> String {
        match &self.secret {
            Some(key) if !key.expose().is_empty() => text.replace(key.expose(), "<redacted>"),
            _ => text.to_owned(),
        }
    }

    /// A success body that the provider could not read.
    pub(crate) fn malformed(&self, message: &str, body: &[u8]) -> LlmError {
        let excerpt = excerpt(&String::from_utf8_lossy(body), 200);
        LlmError::MalformedResponse {
            provider: self.provider.to_owned(),
            message: self.scrub(&format!("{message}; body starts with: {excerpt}")),
        }
    }

    /// The attempt counter and deadline of one call, shared by [`Transport::send`] and the
    /// stream that reads the answer (which may retry while nothing has reached the caller).
    pub(crate) fn attempts(&self) -> Attempts {
        Attempts {
            made: 0,
            deadline: Instant::now() + self.retry.total_budget,
        }
    }

    /// POSTs the JSON `body` to `url` until a 2xx response arrives, the failure is final, or
    /// the policy gives up; the body is left for the caller to read.
    pub(crate) async fn send(
        &self,
        url: &str,
        headers: &HeaderMap,
        body: &[u8],
        describe: DescribeError,
        attempts: &mut Attempts,
    ) -> Result<(reqwest::Response, Duration), LlmError> {
        loop {
            attempts.made += 1;
            let timeout = self.timeout(attempts);
            match self
                .attempt(url, headers, body.to_vec(), timeout, describe)
                .await
            {
                Ok(response) => return Ok((response, timeout)),
                Err(failure) => self.wait_to_retry(attempts, failure).await?,
            }
        }
    }

    /// The timeout of the next exchange: the request timeout, or what is left of the budget.
    fn timeout(&self, attempts: &Attempts) -> Duration {
        let remaining = attempts.deadline.saturating_duration_since(Instant::now());
        self.retry.request_timeout.min(remaining)
    }

    /// After a failed attempt: waits and returns `Ok` when another attempt is worth making,
    /// else the error to report.
    pub(crate) async fn wait_to_retry(
        &self,
        attempts: &Attempts,
        failure: Failure,
    ) -> Result<(), LlmError> {
        if !failure.retryable || attempts.made >= self.retry.max_attempts {
            return Err(self.give_up(attempts.made, failure.error));
        }
        let delay = failure
            .retry_after
            .unwrap_or_else(|| self.retry.backoff(attempts.made, jitter()));
        if Instant::now() + delay >= attempts.deadline {
            tracing::warn!(
                provider = self.provider,
                attempt = attempts.made,
                ?delay,
                "retry would exceed the time budget; giving up"
            );
            return Err(self.give_up(attempts.made, failure.error));
        }
        tracing::warn!(provider = self.provider, attempt = attempts.made, ?delay, error = %failure.error, "retrying");
        tokio::time::sleep(delay).await;
        Ok(())
    }

    /// The provider's name, for errors raised while reading an answer.
    pub(crate) fn provider(&self) -> &'static str {
        self.provider
    }

    /// The final error: the failure itself when there was no retry, else a summary.
    fn give_up(&self, attempts: u32, last: LlmError) -> LlmError {
        if attempts <= 1 {
            return last;
        }
        LlmError::RetriesExhausted {
            provider: self.provider.to_owned(),
            attempts,
            last: last.to_string(),
        }
    }

    async fn attempt(
        &self,
        url: &str,
        headers: &HeaderMap,
        body: Vec<u8>,
        timeout: Duration,
        describe: DescribeError,
    ) -> Result<reqwest::Response, Failure> {
        let response = self
            .client
            .post(url)
            .headers(headers.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body)
            .timeout(timeout)
            .send()
            .await
            .map_err(|error| self.transport_failure(&error, timeout))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let header_retry_after = retry_after(response.headers());
        let bytes = response
            .bytes()
            .await
            .map_err(|error| self.transport_failure(&error, timeout))?;
        let detail = describe(status, &bytes);
        let message = self.scrub(&detail.message);
        let provider = self.provider.to_owned();
        let error = if detail.unauthorized || matches!(status.as_u16(), 401 | 403) {
            LlmError::Unauthorized {
                provider,
                status: status.as_u16(),
                message,
            }
        } else {
            LlmError::Status {
                provider,
                status: status.as_u16(),
                message,
            }
        };
        Err(Failure {
            error,
            retryable: is_retryable_status(status.as_u16()),
            retry_after: header_retry_after.or(detail.retry_after),
        })
    }

    /// A failed exchange or body read, classified.
    pub(crate) fn transport_failure(&self, error: &reqwest::Error, timeout: Duration) -> Failure {
        // A timed-out request is not retried: it already used a whole request timeout, and a
        // request that slow is likely to be as slow again; the caller has a fallback.
        if error.is_timeout() {
            return Failure {
                error: LlmError::Timeout {
                    provider: self.provider.to_owned(),
                    timeout,
                },
                retryable: false,
                retry_after: None,
            };
        }
        if error.is_builder() {
            return Failure {
                error: LlmError::Other(self.scrub(&format!(
                    "could not build the {} request: {}",
                    self.provider,
                    error_chain(error)
                ))),
                retryable: false,
                retry_after: None,
            };
        }
        // Refused, reset, closed early, TLS trouble: all transient from here.
        Failure {
            error: LlmError::Connection {
                provider: self.provider.to_owned(),
                message: self.scrub(&error_chain(error)),
            },
            retryable: true,
            retry_after: None,
        }
    }
}

/// An error and its sources on one line; reqwest's own Display only names the outer layer.
fn error_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// The wait a response asks for: `retry-after-ms` (OpenAI), then `retry-after` as seconds or
/// an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
    };
    if let Some(millis) = header("retry-after-ms").and_then(|text| text.parse::<f64>().ok())
        && let Ok(delay) = Duration::try_from_secs_f64(millis / 1000.0)
    {
        return Some(delay);
    }
    let text = header(RETRY_AFTER.as_str())?;
    if let Ok(seconds) = text.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let when = httpdate::parse_http_date(text).ok()?;
    // A date in the past means "now".
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// A number in `0.0..1.0` that differs between calls; good enough for jitter without a
/// random-number dependency (std seeds every `RandomState` randomly).
fn jitter() -> f64 {
    use std::hash::BuildHasher;
    let bits = std::collections::hash_map::RandomState::new().hash_one(Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// The first `max_chars` characters of `text`, trimmed, with an ellipsis when cut.
pub(crate) fn excerpt(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The message for an error body no provider parser recognised: its text, or the status's name.
pub(crate) fn fallback_message(status: StatusCode, body: &[u8]) -> String {
    let text = excerpt(&String::from_utf8_lossy(body), 300);
    if text.is_empty() {
        status.canonical_reason().unwrap_or("no message").to_owned()
    } else {
        text
    }
}

/// Joins a base URL and a path without doubling or dropping the slash.
pub(crate) fn join_url(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_caps_and_jitters_down() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        assert_eq!(policy.backoff(1, 0.0), Duration::from_millis(100));
        assert_eq!(policy.backoff(2, 0.0), Duration::from_millis(200));
        assert_eq!(policy.backoff(4, 0.0), Duration::from_millis(800));
        assert_eq!(policy.backoff(5, 0.0), Duration::from_millis(1000));
        assert_eq!(policy.backoff(60, 0.0), Duration::from_millis(1000));
        assert_eq!(policy.backoff(1, 1.0), Duration::from_millis(75));
        assert_eq!(policy.backoff(1, 7.0), Duration::from_millis(75));
    }

    #[test]
    fn jitter_stays_in_range() {
        for _ in 0..100 {
            let value = jitter();
            assert!((0.0..1.0).contains(&value), "{value}");
        }
    }

    #[test]
    fn retryable_statuses() {
        for status in [429, 500, 502, 503, 504, 529] {
            assert!(is_retryable_status(status), "{status}");
        }
        for status in [200, 400, 401, 403, 404, 408, 413, 422] {
            assert!(!is_retryable_status(status), "{status}");
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("test header"));
        }
        map
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "7")])),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", " 1.5 ")])),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            retry_after(&headers(&[
                ("retry-after", "30"),
                ("retry-after-ms", "250")
            ])),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            retry_after(&headers(&[(
                "retry-after",
                "Wed, 21 Oct 2015 07:28:00 GMT"
            )])),
            Some(Duration::ZERO)
        );
        let future =
            httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(120));
        let delay = retry_after(&headers(&[("retry-after", &future)])).expect("date parses");
        assert!(
            delay > Duration::from_secs(100) && delay <= Duration::from_secs(120),
            "{delay:?}"
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "-3")])), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
        assert_eq!(retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn excerpt_cuts_on_char_boundaries() {
        assert_eq!(excerpt("  héllo  ", 10), "héllo");
        assert_eq!(excerpt("héllo", 2), "hé…");
    }

    #[test]
    fn join_url_handles_slashes() {
        assert_eq!(
            join_url("http://x/v1/", "/chat/completions"),
            "http://x/v1/chat/completions"
        );
        assert_eq!(
            join_url("http://x/v1", "chat/completions"),
            "http://x/v1/chat/completions"
        );
    }

    #[test]
    fn scrub_removes_the_key() {
        let transport = Transport::new("test", RetryPolicy::default(), Some(ApiKey::new("sk-123")))
            .expect("client");
        assert_eq!(
            transport.scrub("bad key sk-123 (sk-123)"),
            "bad key <redacted> (<redacted>)"
        );
        let keyless = Transport::new("test", RetryPolicy::default(), None).expect("client");
        assert_eq!(keyless.scrub("text"), "text");
    }
}
