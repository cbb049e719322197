//! Stage A: load a live page in real headless Chromium and capture what DESIGN.md §3 lists, for
//! desktop (1280x720, dpr 1) and mobile (375x667, dpr 2, mobile emulation).
//!
//! ```no_run
//! # async fn demo() -> Result<(), replica_core::ScrapeError> {
//! use replica_core::ScrapeOptions;
//! let config = replica_scrape::BrowserConfig::default(); // chromedriver and chromium on the PATH
//! let browser = replica_scrape::Browser::launch(&config).await?;
//! let data = browser.scrape("https://example.com/", &ScrapeOptions::default()).await?;
//! data.save(std::path::Path::new("out"))?;
//! browser.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! A scrape is: a plain HTTP preflight (URL policy on every address and redirect, clear errors for
//! DNS, refused connections, HTTP errors and non-HTML), then two fresh browser sessions side by
//! side, one per device, that each load the page, let it settle (network quiet, lazy content
//! scrolled into view, fonts, finite animations), run `page.js` to extract, and take screenshots
//! over CDP.
//! `console.js`, installed before the page's first script, records what the page wrote to the
//! console (`ScrapeData::console`). [`Browser::screenshot`] renders one page on one device the
//! same way, for callers that need only the image.

mod capture;
mod console;
mod driver;
mod policing;
mod preflight;
mod screenshot;
pub mod sections;
mod series;
mod session;
mod stylesheets;

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use replica_core::{
    BoxFuture, BoxStream, Device, PageSource, ScrapeData, ScrapeError, ScrapeOptions, ScrapeTimings,
};
pub use replica_proxy::{Network, SystemNetwork, Upstream};

use crate::driver::{SpawnedDriver, WebDriver};
use crate::policing::ScrapeProxy;
use crate::session::{BrowserSession, SessionConfig};

/// What the preflight and the stylesheet fetches call themselves. Headless Chromium's own
/// agent says "HeadlessChrome", which some sites refuse; the browser is told this one too.
pub(crate) const DESKTOP_USER_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

/// Where the browser comes from.
#[derive(Debug, Clone, Default)]
pub struct BrowserConfig {
    /// Use this WebDriver server (chromedriver, Selenium Grid) instead of starting chromedriver.
    pub webdriver_url: Option<String>,
    /// chromedriver to start; found on the PATH when `None`.
    pub chromedriver: Option<PathBuf>,
    /// Browser binary for the started chromedriver; `chromium` on the PATH when `None`.
    pub chromium: Option<PathBuf>,
    /// Address of this machine on which each scrape's policy proxy listens, and which the
    /// browser is told to use: loopback when `None`. A remote WebDriver's browsers must be
    /// able to reach it (`--proxy-listen`).
    pub proxy_listen: Option<IpAddr>,
    /// How the proxy resolves names and connects: the system's when `None`. Tests give names
    /// of their own here.
    pub network: Option<Arc<dyn Network>>,
}

impl BrowserConfig {
    /// REPLICA_WEBDRIVER_URL, REPLICA_CHROMEDRIVER and REPLICA_CHROME read through `lookup`
    /// (the binary reads the environment; tests pass `|name| std::env::var(name).ok()` or a
    /// map). Blank values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> BrowserConfig {
        let non_empty = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        BrowserConfig {
            webdriver_url: non_empty("REPLICA_WEBDRIVER_URL"),
            chromedriver: non_empty("REPLICA_CHROMEDRIVER").map(PathBuf::from),
            chromium: non_empty("REPLICA_CHROME").map(PathBuf::from),
            proxy_listen: None,
            network: None,
        }
    }
}

/// A WebDriver server ready to scrape; every scrape gets a fresh browser and profile (the
/// pages of a [`PageSource::scrape_series`] share theirs, lane by lane).
///
/// A chromedriver it started is stopped, with every browser it launched, when the `Browser` is
/// dropped or shut down, also on error or cancellation.
#[derive(Debug)]
pub struct Browser {
    driver: WebDriver,
    opener: Arc<Opener>,
}

/// What a scrape starts its browsers and its policy proxy with; a series' lanes keep a copy
/// while they run.
#[derive(Debug)]
pub(crate) struct Opener {
    driver_url: String,
    /// Browser binary for a chromedriver we started; remote drivers pick their own.
    chromium: Option<PathBuf>,
    proxy_ip: IpAddr,
    network: Arc<dyn Network>,
    /// The chromedriver is our own: browsers quit in the background, since dropping the
    /// `Browser` kills its whole process group anyway.
    own_driver: bool,
}

impl Browser {
    pub async fn launch(config: &BrowserConfig) -> Result<Browser, ScrapeError> {
        let proxy_ip = proxy_ip(config)?;
        let network = config
            .network
            .clone()
            .unwrap_or_else(|| Arc::new(SystemNetwork));
        if let Some(url) = &config.webdriver_url {
            return Ok(Browser::with_driver(
                WebDriver::Remote { url: url.clone() },
                None,
                proxy_ip,
                network,
            ));
        }
        let chromium = match &config.chromium {
            Some(path) => path.clone(),
            None => driver::find_chromium()?,
        };
        let chromium = driver::browser_binary(&chromium);
        if !chromium.is_file() {
            return Err(ScrapeError::ToolMissing {
                program: chromium.display().to_string(),
                hint: "Install Chromium with `apt-get install chromium chromium-driver` or set REPLICA_CHROME.".into(),
            });
        }
        let chromedriver = match &config.chromedriver {
            Some(path) => path.clone(),
            None => driver::find_chromedriver()?,
        };
        let driver = SpawnedDriver::start(&chromedriver).await?;
        Ok(Browser::with_driver(
            WebDriver::Spawned(Box::new(driver)),
            Some(chromium),
            proxy_ip,
            network,
        ))
    }

    fn with_driver(
        driver: WebDriver,
        chromium: Option<PathBuf>,
        proxy_ip: IpAddr,
        network: Arc<dyn Network>,
    ) -> Browser {
        let opener = Opener {
            driver_url: driver.url().to_string(),
            chromium,
            proxy_ip,
            network,
            own_driver: driver.process_group().is_some(),
        };
        Browser {
            driver,
            opener: Arc::new(opener),
        }
    }

    /// The process group of the chromedriver this `Browser` started (its browsers run in it).
    pub fn process_group(&self) -> Option<i32> {
        self.driver.process_group()
    }

    /// Stops a chromedriver this `Browser` started, with its browsers.
    pub async fn shutdown(self) {
        drop(self);
    }

    pub async fn scrape(
        &self,
        url: &str,
        options: &ScrapeOptions,
    ) -> Result<ScrapeData, ScrapeError> {
        let mut lane = None;
        let result = self.opener.scrape_in_lane(&mut lane, url, options).await;
        self.opener.close_lane(lane).await;
        result
    }

    /// [`PageSource::scrape_series`]: each lane keeps its pair of browsers from one page to
    /// the next. The stream owns what it needs; a `Browser` dropped while it runs fails the
    /// pages left.
    pub fn scrape_series(
        &self,
        urls: Vec<String>,
        options: &ScrapeOptions,
        lanes: usize,
    ) -> BoxStream<'static, Result<ScrapeData, ScrapeError>> {
        series::scrape_series(Arc::clone(&self.opener), urls, options.clone(), lanes)
    }
}

impl Opener {
    /// Starts the scrape's policy proxy, then checks `url` with the preflight while `N` fresh
    /// browser sessions start, all of them going through the proxy.
    async fn open_checked<const N: usize>(
        &self,
        parsed: &url::Url,
        options: &ScrapeOptions,
        started: Instant,
    ) -> Result<OpenedSessions<N>, ScrapeError> {
        let proxy =
            ScrapeProxy::start(&options.policy, self.proxy_ip, Arc::clone(&self.network)).await?;
        let (pre, sessions) = tokio::join!(
            async {
                let pre =
                    preflight::preflight(parsed, &options.policy, options.load_timeout, &proxy)
                        .await;
                (pre, elapsed_ms(started))
            },
            self.open_sessions::<N>(proxy.chromium_args(), options)
        );
        let (pre, preflight_ms) = pre;
        match (pre.and_then(check_preflight), sessions) {
            (Ok(preflight), Ok(sessions)) => Ok(OpenedSessions {
                preflight,
                sessions,
                proxy,
                preflight_ms,
            }),
            (Err(e), sessions) => {
                if let Ok(sessions) = sessions {
                    for session in sessions {
                        session.close().await;
                    }
                }
                Err(e)
            }
            (Ok(_), Err(e)) => Err(e),
        }
    }

    /// Starts `N` browsers side by side; when one fails, the others are closed.
    async fn open_sessions<const N: usize>(
        &self,
        extra_args: Vec<String>,
        options: &ScrapeOptions,
    ) -> Result<[BrowserSession; N], ScrapeError> {
        let opens = (0..N).map(|_| {
            BrowserSession::open(SessionConfig {
                driver_url: &self.driver_url,
                chromium: self.chromium.as_deref(),
                extra_args: extra_args.clone(),
                page_load_timeout: options.load_timeout,
                script_timeout: options.settle_timeout + Duration::from_secs(60),
            })
        });
        let mut sessions = Vec::with_capacity(N);
        let mut failure = None;
        for result in futures_util::future::join_all(opens).await {
            match result {
                Ok(session) => sessions.push(session),
                Err(e) => failure = failure.or(Some(e)),
            }
        }
        match failure {
            // join_all gave one result per browser, so there are exactly N.
            None => sessions
                .try_into()
                .map_err(|_: Vec<_>| ScrapeError::BrowserStart {
                    message: format!("{N} browsers were asked for, a different number started"),
                }),
            Some(e) => {
                for session in sessions {
                    session.close().await;
                }
                Err(e)
            }
        }
    }

    /// With our own chromedriver the browser quits in the background (the caller has its
    /// data now; should the `Browser` go first, dropping it kills the whole process group).
    /// Someone else's WebDriver server is left as it was found, so that waits.
    async fn close(&self, session: BrowserSession) {
        if self.own_driver {
            tokio::spawn(session.close());
        } else {
            session.close().await;
        }
    }
}

/// Browser sessions for a URL the preflight accepted, and the proxy they go through (it
/// lives as long as this does).
struct OpenedSessions<const N: usize> {
    preflight: preflight::Preflight,
    sessions: [BrowserSession; N],
    proxy: ScrapeProxy,
    preflight_ms: u64,
}

/// Turns what the preflight learnt into the errors it implies.
fn check_preflight(pre: preflight::Preflight) -> Result<preflight::Preflight, ScrapeError> {
    if pre.status >= 400 {
        return Err(ScrapeError::HttpStatus {
            reason: http::StatusCode::from_u16(pre.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .map(str::to_string),
            url: pre.final_url,
            status: pre.status,
        });
    }
    if !preflight::is_html(&pre.content_type) {
        return Err(ScrapeError::NotHtml {
            url: pre.final_url,
            content_type: pre.content_type,
        });
    }
    Ok(pre)
}

impl PageSource for Browser {
    fn scrape<'a>(
        &'a self,
        url: &'a str,
        options: &'a ScrapeOptions,
    ) -> BoxFuture<'a, Result<ScrapeData, ScrapeError>> {
        Box::pin(Browser::scrape(self, url, options))
    }

    fn scrape_series<'a>(
        &'a self,
        urls: Vec<String>,
        options: &'a ScrapeOptions,
        lanes: usize,
    ) -> BoxStream<'a, Result<ScrapeData, ScrapeError>> {
        Browser::scrape_series(self, urls, options, lanes)
    }
}

/// Launches a browser, scrapes `url` and stops the browser.
pub async fn scrape(
    config: &BrowserConfig,
    url: &str,
    options: &ScrapeOptions,
) -> Result<ScrapeData, ScrapeError> {
    let browser = Browser::launch(config).await?;
    let result = browser.scrape(url, options).await;
    browser.shutdown().await;
    result
}

/// Desktop in one browser and mobile in the other, side by side: with the headless shell's
/// cheap start this is faster on two cores than one browser doing the devices in turn (one
/// pass's waits for the network are the other's working time; docs/BENCHMARKS.md).
/// Readies a fresh pair of browsers for pages: each records the network and the console of
/// every document it loads from now on, and shows pages as its device.
async fn prepare([desktop, mobile]: [&BrowserSession; 2]) -> Result<(), ScrapeError> {
    let prepare = |session, device| async move {
        capture::install_network_tracker(session).await?;
        console::install(session).await?;
        capture::emulate(session, device, DESKTOP_USER_AGENT).await
    };
    tokio::try_join!(
        prepare(desktop, Device::Desktop),
        prepare(mobile, Device::Mobile)
    )?;
    Ok(())
}

async fn scrape_in_sessions(
    [desktop_session, mobile_session]: [&BrowserSession; 2],
    requested: &str,
    url: &str,
    options: &ScrapeOptions,
    proxy: &ScrapeProxy,
) -> Result<(ScrapeData, u64, u64, u64), ScrapeError> {
    let pass = |session, device| async move {
        let started = Instant::now();
        let navigation_started = navigate(session, url, options, proxy).await?;
        let pass = capture::capture(session, device, options, started, navigation_started).await?;
        check_still_on_page(session, &pass.page.final_url, proxy).await?;
        // Read last, so it covers the whole load, settle and capture.
        let console = console::read(session).await?;
        Ok::<_, ScrapeError>((pass, console))
    };
    let desktop_and_sheets = async {
        let (mut desktop, console) = pass(desktop_session, Device::Desktop).await?;
        // Cross-origin stylesheets are fetched while the other browser finishes mobile.
        let sheets = std::mem::take(&mut desktop.page.stylesheets);
        let started = Instant::now();
        let fetched =
            stylesheets::complete(sheets, &options.policy, options.load_timeout, proxy).await;
        Ok::<_, ScrapeError>((desktop, console, fetched, elapsed_ms(started)))
    };
    let (
        (desktop, desktop_console, (stylesheets, fetched_faces, sheet_warnings), stylesheets_ms),
        (mobile, mobile_console),
    ) = tokio::try_join!(desktop_and_sheets, pass(mobile_session, Device::Mobile))?;
    let desktop_ms = desktop.elapsed.as_millis() as u64;
    let mobile_ms = mobile.elapsed.as_millis() as u64;

    let page = desktop.page;
    // Resources arrive in whatever order they finish; sorted, a re-scrape gives the same data.
    let mut network = page.network;
    network.sort_by(|a, b| {
        let document =
            |r: &replica_core::NetworkResource| r.kind != replica_core::ResourceKind::Document;
        (document(a), &a.url).cmp(&(document(b), &b.url))
    });
    let mut font_faces = page.font_faces;
    font_faces.extend(fetched_faces);
    let mut warnings = desktop.warnings;
    warnings.extend(mobile.warnings);
    warnings.extend(sheet_warnings);
    warnings.extend(proxy.warnings());
    let console = console::merge(desktop_console, mobile_console, &mut warnings);
    let mut mobile_capture = mobile.capture;
    mobile_capture.sections = sections::follow(&desktop.capture.sections, &mobile_capture)
        .unwrap_or(mobile_capture.sections);
    let data = ScrapeData {
        url: requested.trim().to_string(),
        final_url: page.final_url,
        base_url: page.base_url,
        status: page.status,
        content_type: page.content_type,
        title: page.title,
        lang: page.lang,
        doctype: page.doctype,
        compat_mode: page.compat_mode,
        charset: page.charset,
        meta: page.meta,
        html_attrs: page.html_attrs,
        stylesheets,
        font_faces,
        network,
        desktop: desktop.capture,
        mobile: mobile_capture,
        timings: ScrapeTimings::default(),
        warnings,
        console,
    };
    Ok((data, desktop_ms, mobile_ms, stylesheets_ms))
}

/// Loads `url`; a navigation the proxy did not carry out (the page's, or one the page made at
/// once, like a meta refresh) fails with the proxy's reason.
async fn navigate(
    session: &BrowserSession,
    url: &str,
    options: &ScrapeOptions,
    proxy: &ScrapeProxy,
) -> Result<Instant, ScrapeError> {
    match capture::navigate(session, url, options).await {
        Err(error) if !matches!(error, ScrapeError::LoadTimeout { .. }) => {
            if let Some(explained) = proxy.explain(url) {
                return Err(explained);
            }
            let current = session.client.current_url().await.ok();
            Err(current
                .and_then(|current| proxy.explain(current.as_str()))
                .unwrap_or(error))
        }
        result => result,
    }
}

/// A page that sent itself elsewhere while it settled (a meta refresh, a script) to a place
/// that did not load shows the browser's error page now, which is no capture of the page.
/// (A refused plain-HTTP navigation is answered so that the page stays; a refused tunnel
/// cannot be.)
async fn check_still_on_page(
    session: &BrowserSession,
    extracted_url: &str,
    proxy: &ScrapeProxy,
) -> Result<(), ScrapeError> {
    if extracted_url.starts_with("http:") || extracted_url.starts_with("https:") {
        return Ok(());
    }
    let current = session
        .client
        .current_url()
        .await
        .map(|url| url.to_string())
        .unwrap_or_else(|_| extracted_url.to_string());
    Err(proxy
        .explain(&current)
        .unwrap_or_else(|| ScrapeError::Connection {
            url: current,
            message: format!(
                "the page went there and it did not load (the browser shows {extracted_url})"
            ),
        }))
}

fn elapsed_ms(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}

/// Where each scrape's proxy listens. A browser behind a WebDriver on another host cannot
/// reach this machine's loopback, so there an address must be named; an unspecified address
/// (`0.0.0.0`) cannot be given to a browser to connect to.
fn proxy_ip(config: &BrowserConfig) -> Result<IpAddr, ScrapeError> {
    let remote_host = config
        .webdriver_url
        .as_deref()
        .and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| replica_core::Endpoint::of(&u))
        .filter(|endpoint| {
            let loopback = endpoint.ip().is_some_and(|ip| ip.is_loopback());
            !(loopback || endpoint.host == "localhost")
        });
    match (config.proxy_listen, remote_host) {
        (Some(ip), _) if ip.is_unspecified() => Err(ScrapeError::BrowserStart {
            message: format!(
                "the policy proxy cannot listen on {ip}: the browser must be given an address \
                 to connect to (name one of this machine's addresses in --proxy-listen)"
            ),
        }),
        (Some(ip), _) => Ok(ip),
        (None, Some(remote)) => Err(ScrapeError::BrowserStart {
            message: format!(
                "the WebDriver server at {} runs its browsers on another host, which cannot \
                 reach the URL policy proxy on this machine's loopback: set --proxy-listen \
                 (REPLICA_PROXY_LISTEN) to an address of this machine that host reaches",
                remote.url_host()
            ),
        }),
        (None, None) => Ok(IpAddr::V4(Ipv4Addr::LOCALHOST)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxy_listens_where_the_browser_can_reach_it() {
        let config = |webdriver: Option<&str>, listen: Option<&str>| BrowserConfig {
            webdriver_url: webdriver.map(str::to_string),
            proxy_listen: listen.map(|ip| ip.parse().unwrap()),
            ..BrowserConfig::default()
        };
        let ip = |webdriver, listen| proxy_ip(&config(webdriver, listen)).map(|ip| ip.to_string());
        assert_eq!(ip(None, None).unwrap(), "127.0.0.1");
        assert_eq!(
            ip(Some("http://localhost:4444"), None).unwrap(),
            "127.0.0.1"
        );
        assert_eq!(
            ip(Some("http://127.0.0.1:9515/wd"), None).unwrap(),
            "127.0.0.1"
        );
        assert_eq!(
            ip(Some("http://grid.example:4444"), Some("10.1.2.3")).unwrap(),
            "10.1.2.3"
        );
        let error = ip(Some("http://grid.example:4444"), None).unwrap_err();
        assert!(error.to_string().contains("set --proxy-listen"), "{error}");
        let error = ip(None, Some("0.0.0.0")).unwrap_err();
        assert!(
            error.to_string().contains("cannot listen on 0.0.0.0"),
            "{error}"
        );
    }
}
