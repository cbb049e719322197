//! Pages scraped in lanes ([`PageSource::scrape_series`]): a lane keeps its pair of browsers
//! and its policy proxy from one page to the next, so a site of N pages starts a pair of
//! browsers per lane, not one per page. A scrape of one page is a lane of one page.
//!
//! [`PageSource::scrape_series`]: replica_core::PageSource::scrape_series

use std::sync::Arc;
use std::time::Instant;

use replica_core::{BoxStream, ScrapeData, ScrapeError, ScrapeOptions, ScrapeTimings};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::policing::ScrapeProxy;
use crate::session::BrowserSession;
use crate::{Opener, check_preflight, elapsed_ms, preflight, prepare, scrape_in_sessions};

/// A desktop and a mobile browser, ready for the next page, and the proxy they go through.
pub(crate) struct Lane {
    sessions: [BrowserSession; 2],
    proxy: ScrapeProxy,
}

type Scraped = Result<ScrapeData, ScrapeError>;

impl Opener {
    /// Scrapes `url` in the lane's browsers, starting them when there are none. A failure once
    /// the browsers had the page closes them: the next page gets fresh ones, not browsers in
    /// whatever state the failure left.
    pub(crate) async fn scrape_in_lane(
        &self,
        lane: &mut Option<Lane>,
        url: &str,
        options: &ScrapeOptions,
    ) -> Scraped {
        let started = Instant::now();
        let parsed = preflight::parse_url(url)?;
        let (pre, preflight_ms, browser_ms, open) = match lane {
            Some(open) => {
                open.proxy.forget();
                let pre = preflight::preflight(
                    &parsed,
                    &options.policy,
                    options.load_timeout,
                    &open.proxy,
                )
                .await
                .and_then(check_preflight)?;
                (pre, elapsed_ms(started), 0, &*open)
            }
            None => {
                let opened = self.open_checked::<2>(&parsed, options, started).await?;
                let [desktop, mobile] = opened.sessions;
                let ready = prepare([&desktop, &mobile]).await;
                let open = Lane {
                    sessions: [desktop, mobile],
                    proxy: opened.proxy,
                };
                if let Err(error) = ready {
                    self.close_lane(Some(open)).await;
                    return Err(error);
                }
                let open = &*lane.insert(open);
                (
                    opened.preflight,
                    opened.preflight_ms,
                    elapsed_ms(started),
                    open,
                )
            }
        };
        let [desktop, mobile] = &open.sessions;
        let result = scrape_in_sessions(
            [desktop, mobile],
            url,
            parsed.as_str(),
            options,
            &open.proxy,
        )
        .await;
        let (mut data, desktop_ms, mobile_ms, stylesheets_ms) = match result {
            Ok(scraped) => scraped,
            Err(error) => {
                self.close_lane(lane.take()).await;
                return Err(error);
            }
        };
        data.timings = ScrapeTimings {
            preflight_ms,
            browser_ms,
            desktop_ms,
            mobile_ms,
            stylesheets_ms,
            total_ms: elapsed_ms(started),
        };
        if data.status == 0 {
            data.status = pre.status;
        }
        Ok(data)
    }

    pub(crate) async fn close_lane(&self, lane: Option<Lane>) {
        if let Some(Lane { sessions, .. }) = lane {
            for session in sessions {
                self.close(session).await;
            }
        }
    }
}

/// `urls` shared out among `lanes` lanes, page `i` to lane `i % lanes`; the results are read
/// back in the order of `urls`. Each lane runs as a task of its own, so captures go on while
/// the reader works on what came before.
pub(crate) fn scrape_series(
    opener: Arc<Opener>,
    urls: Vec<String>,
    options: ScrapeOptions,
    lanes: usize,
) -> BoxStream<'static, Scraped> {
    let count = urls.len();
    let lanes = lanes.clamp(1, count.max(1));
    let mut shares = vec![Vec::new(); lanes];
    for (index, url) in urls.into_iter().enumerate() {
        shares[index % lanes].push(url);
    }
    let mut running = Lanes {
        results: Vec::with_capacity(lanes),
        tasks: Vec::with_capacity(lanes),
        read: 0,
        count,
    };
    for share in shares {
        // One result ahead per lane: a slow reader holds the lanes back instead of captures
        // piling up in memory.
        let (sender, receiver) = mpsc::channel(1);
        running.tasks.push(tokio::spawn(run_lane(
            Arc::clone(&opener),
            share,
            options.clone(),
            sender,
        )));
        running.results.push(receiver);
    }
    Box::pin(futures_util::stream::unfold(
        running,
        |mut running| async move {
            if running.read == running.count {
                return None;
            }
            let lane = running.read % running.results.len();
            let result = running.results[lane].recv().await.unwrap_or_else(|| {
                Err(ScrapeError::BrowserStart {
                    message: "a scrape lane stopped before its pages were done".into(),
                })
            });
            running.read += 1;
            Some((result, running))
        },
    ))
}

async fn run_lane(
    opener: Arc<Opener>,
    urls: Vec<String>,
    options: ScrapeOptions,
    results: mpsc::Sender<Scraped>,
) {
    let mut lane = None;
    for url in urls {
        let scraped = opener.scrape_in_lane(&mut lane, &url, &options).await;
        if results.send(scraped).await.is_err() {
            break;
        }
    }
    opener.close_lane(lane).await;
}

/// The lanes of a series being read.
struct Lanes {
    results: Vec<mpsc::Receiver<Scraped>>,
    tasks: Vec<JoinHandle<()>>,
    read: usize,
    count: usize,
}

impl Drop for Lanes {
    /// A series dropped before its last page stops its lanes (their browsers' sessions end
    /// with their dropped clients). Once every page is read, the lanes close their browsers
    /// on their own.
    fn drop(&mut self) {
        if self.read < self.count {
            for task in &self.tasks {
                task.abort();
            }
        }
    }
}
