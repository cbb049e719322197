//! The page's console (errors, warnings, uncaught exceptions, unhandled rejections) is
//! captured from before its first script, with format specifiers substituted.

use replica_core::{ConsoleMessage, ScrapeOptions};
use replica_scrape::{Browser, BrowserConfig};

use crate::support::serve_sites;

fn texts_of<'a>(console: &'a [ConsoleMessage], level: &str) -> Vec<&'a str> {
    console
        .iter()
        .filter(|message| message.level == level)
        .map(|message| message.text.as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_messages_are_captured_as_the_console_shows_them() {
    let server = serve_sites().await;
    let browser = Browser::launch(&BrowserConfig::from_lookup(|name| std::env::var(name).ok()))
        .await
        .expect("browser launches");
    let script = server.url("/console-errors/js/app.js");
    let data = browser
        .scrape(
            &server.url("/console-errors/index.html"),
            &ScrapeOptions::default(),
        )
        .await
        .expect("the page scrapes");
    let console = &data.console;

    // Logged by the first statement of the first script, substituted as React's warning is.
    assert_eq!(
        console.first(),
        Some(&ConsoleMessage {
            level: "error".into(),
            text: "Warning: Text content did not match. Server: \"Hello\" Client: \"Hello!\"\n    at h1\n    at Home".into(),
        })
    );
    assert_eq!(
        texts_of(console, "error")[1..],
        [
            "element <h1 class=\"title\"> null undefined {ok: false}",
            "an argument for is missing %s",
        ]
    );
    assert_eq!(
        texts_of(console, "warning"),
        ["42 items, 7% done, ratio 0.5, {a: [1, 'two']} and [3], styled extra 5"]
    );
    assert_eq!(
        texts_of(console, "exception"),
        [
            format!(
                "Uncaught TypeError: Cannot read properties of undefined (reading 'map')\n    at renderList ({script}:23:22)\n    at {script}:25:1"
            ),
            format!("Uncaught a string thrown from a timer\n    at {script}:14:3"),
        ]
    );
    // The late-handled rejection was taken back, as the console does.
    assert_eq!(
        texts_of(console, "rejection"),
        [format!(
            "Uncaught (in promise) Error: failed to load /api/data\n    at {script}:10:16"
        )]
    );
    // console.log and console.info are not errors; both devices logged the same, kept once.
    assert_eq!(console.len(), 7, "{console:#?}");
    assert!(data.warnings.is_empty(), "{:?}", data.warnings);

    // Past the caps: at most 200 messages of at most 2048 characters, and a warning.
    let data = browser
        .scrape(
            &server.url("/console-errors/index.html?flood"),
            &ScrapeOptions::default(),
        )
        .await
        .expect("the page scrapes");
    let long = data
        .console
        .iter()
        .find(|message| message.text.starts_with("xxx"))
        .expect("the long message is kept, cut");
    assert_eq!(long.text.chars().count(), 2048);
    assert!(long.text.ends_with("x…"));
    assert_eq!(data.console.len(), 200);
    assert_eq!(
        data.console
            .iter()
            .filter(|message| message.text.starts_with("flood "))
            .count(),
        195,
        "the five messages before the flood and 195 of its 250"
    );
    // The other 55, the exception and what came after, counted.
    let dropped: Vec<u32> = data
        .warnings
        .iter()
        .filter_map(|warning| {
            warning
                .strip_prefix("desktop: the page wrote ")?
                .strip_suffix(" more console messages than the 200 kept")?
                .parse()
                .ok()
        })
        .collect();
    assert!(matches!(dropped[..], [n] if n >= 56), "{:?}", data.warnings);
    browser.shutdown().await;
}
