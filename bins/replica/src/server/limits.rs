//! Per-client rate limits (governor's GCRA, keyed by the client's IP address) and the
//! server's caps on stored clones and disk use.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use http::{Method, StatusCode};

use super::http::ApiError;

/// A rate as given on the command line: `N/s`, `N/min` or `N/h` (a client may spend all N at
/// once, then one more each period/N), or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate(Option<(NonZeroU32, Duration)>);

impl std::str::FromStr for Rate {
    type Err = String;

    fn from_str(value: &str) -> Result<Rate, String> {
        let value = value.trim();
        if value == "off" {
            return Ok(Rate(None));
        }
        let (count, unit) = value
            .split_once('/')
            .ok_or_else(|| format!("{value:?}: expected N/s, N/min, N/h or off"))?;
        let count: NonZeroU32 = count
            .trim()
            .parse()
            .map_err(|_| format!("{value:?}: {count:?} is not a positive number"))?;
        let period = match unit.trim() {
            "s" | "sec" => Duration::from_secs(1),
            "m" | "min" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            other => return Err(format!("{value:?}: unknown unit {other:?} (s, min or h)")),
        };
        Ok(Rate(Some((count, period))))
    }
}

impl Rate {
    fn limiter(self) -> Option<DefaultKeyedRateLimiter<IpAddr>> {
        let (count, period) = self.0?;
        let quota = Quota::with_period(period / count.get())?.allow_burst(count);
        Some(RateLimiter::keyed(quota))
    }
}

/// The limiters of one server.
#[derive(Debug)]
pub struct RateLimits {
    /// Every API request (not `/health`).
    api: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// What starts work: clones, prompt projects, agent turns.
    starts: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl RateLimits {
    pub fn new(api: Rate, starts: Rate) -> RateLimits {
        RateLimits {
            api: api.limiter(),
            starts: starts.limiter(),
        }
    }

    /// Spends one start of `client`; the error is the 429 to answer. Agent turns sent over
    /// the WebSocket call this per message.
    pub fn check_start(&self, client: IpAddr) -> Result<(), ApiError> {
        check(self.starts.as_ref(), client, "clone and agent starts")
    }

    fn check_api(&self, client: IpAddr) -> Result<(), ApiError> {
        check(self.api.as_ref(), client, "API requests")
    }

    /// Forgets clients that have been quiet long enough to have their whole burst back.
    pub fn forget_idle(&self) {
        for limiter in [&self.api, &self.starts].into_iter().flatten() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

fn check(
    limiter: Option<&DefaultKeyedRateLimiter<IpAddr>>,
    client: IpAddr,
    what: &str,
) -> Result<(), ApiError> {
    let Some(limiter) = limiter else {
        return Ok(());
    };
    limiter.check_key(&client).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError {
            retry_after: Some(seconds.max(1)),
            ..ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "too many {what} from {client}; retry in {}s",
                    seconds.max(1)
                ),
            )
        }
    })
}

/// Requests that start work: a clone, a project from a prompt, an agent turn.
fn is_start(method: &Method, path: &str) -> bool {
    if *method != Method::POST {
        return false;
    }
    let path = path.trim_end_matches('/');
    path == "/clone/stream"
        || path == "/api/projects"
        || (path.starts_with("/api/sessions/") && path.ends_with("/messages"))
}

/// Around every API route, before the token check (so guessing the token is limited too).
pub async fn rate_limit(
    State(limits): State<Arc<RateLimits>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    // The server's own user (the control socket) is bounded by the queue alone.
    if path == "/health" || super::control::is_local(&request) {
        return next.run(request).await;
    }
    let client = peer.ip().to_canonical();
    let checked = limits.check_api(client).and_then(|()| {
        if is_start(request.method(), path) {
            limits.check_start(client)
        } else {
            Ok(())
        }
    });
    match checked {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

/// A size as given on the command line: `500M`, `20G`, `1T` or plain bytes; `0` = no cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub u64);

impl std::str::FromStr for Size {
    type Err = String;

    fn from_str(value: &str) -> Result<Size, String> {
        let trimmed = value.trim().trim_end_matches(['B', 'b']);
        let (number, unit) = match trimmed
            .char_indices()
            .find(|(_, c)| c.is_ascii_alphabetic())
        {
            Some((at, _)) => trimmed.split_at(at),
            None => (trimmed, ""),
        };
        let scale: u64 = match unit.to_ascii_uppercase().as_str() {
            "" => 1,
            "K" | "KI" => 1 << 10,
            "M" | "MI" => 1 << 20,
            "G" | "GI" => 1 << 30,
            "T" | "TI" => 1 << 40,
            _ => return Err(format!("{value:?}: expected a size such as 500M, 20G or 0")),
        };
        let number: f64 = number
            .trim()
            .parse()
            .map_err(|_| format!("{value:?}: expected a size such as 500M, 20G or 0"))?;
        if number.is_nan() || number < 0.0 {
            return Err(format!("{value:?}: a size cannot be negative"));
        }
        Ok(Size((number * scale as f64) as u64))
    }
}

/// `1.5 GB` for messages.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// The disk used by the store and the local sandboxes, measured at most every
/// [`DiskUse::FRESH_FOR`] (a walk of a few thousand files), so a burst of requests does not
/// walk it each time.
#[derive(Debug)]
pub struct DiskUse {
    dirs: Vec<PathBuf>,
    measured: Mutex<Option<(Instant, u64)>>,
}

impl DiskUse {
    const FRESH_FOR: Duration = Duration::from_secs(10);

    pub fn new(dirs: Vec<PathBuf>) -> DiskUse {
        DiskUse {
            dirs,
            measured: Mutex::new(None),
        }
    }

    /// Bytes in use now (or as of a few seconds ago).
    pub async fn bytes(self: &Arc<Self>) -> u64 {
        let cached = *self.measured.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((at, bytes)) = cached
            && at.elapsed() < Self::FRESH_FOR
        {
            return bytes;
        }
        let this = Arc::clone(self);
        let bytes =
            tokio::task::spawn_blocking(move || this.dirs.iter().map(|d| tree_size(d)).sum())
                .await
                .unwrap_or(0);
        *self.measured.lock().unwrap_or_else(PoisonError::into_inner) =
            Some((Instant::now(), bytes));
        bytes
    }

    /// The next [`DiskUse::bytes`] measures again (after a clone ended or was deleted).
    pub fn invalidate(&self) {
        *self.measured.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

/// Bytes of the regular files under `dir`, symlinks not followed (a sandbox's
/// `node_modules` is a link to the shared template).
fn tree_size(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut total = 0;
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            total += tree_size(&entry.path());
        } else if kind.is_file() {
            total += entry.metadata().map_or(0, |meta| meta.len());
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_sizes_parse_as_documented() {
        assert_eq!(
            "20/min".parse::<Rate>().unwrap(),
            Rate(Some((
                NonZeroU32::new(20).unwrap(),
                Duration::from_secs(60)
            )))
        );
        assert_eq!("off".parse::<Rate>().unwrap(), Rate(None));
        for bad in ["20", "0/min", "x/min", "5/week"] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
        assert_eq!("0".parse::<Size>().unwrap(), Size(0));
        assert_eq!("500M".parse::<Size>().unwrap(), Size(500 << 20));
        assert_eq!("1.5GB".parse::<Size>().unwrap(), Size(3 << 29));
        assert_eq!("2048".parse::<Size>().unwrap(), Size(2048));
        assert!("lots".parse::<Size>().is_err());
        assert_eq!(human(3 << 29), "1.5 GB");
    }

    #[test]
    fn a_client_gets_its_burst_then_429_with_retry_after() {
        let limits = RateLimits::new("3/min".parse().unwrap(), "off".parse().unwrap());
        let client: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..3 {
            limits.check_api(client).unwrap();
        }
        let refused = limits.check_api(client).unwrap_err();
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        // One request comes back every 20 s.
        assert!(
            (1..=20).contains(&refused.retry_after.unwrap()),
            "{refused:?}"
        );
        // Another client has its own budget.
        limits.check_api("192.0.2.8".parse().unwrap()).unwrap();
        limits.check_start(client).unwrap();
    }
}
