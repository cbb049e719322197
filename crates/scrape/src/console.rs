//! What the page wrote to the console while it loaded and settled: `console.js` records it from
//! before the page's first script (CDP `Page.addScriptToEvaluateOnNewDocument`), and each
//! device pass reads it back once its capture is done.
//!
//! Each message's text is what Chromium's console shows: format specifiers substituted
//! (`Warning: Text content did not match. Server: "%s" Client: "%s"` with its arguments in
//! place), uncaught exceptions as `Uncaught TypeError: ...` followed by their stack, unhandled
//! rejections as `Uncaught (in promise) ...`. That is the text `replica-next-error-parser`
//! reads hydration and runtime errors from.

use replica_core::{ConsoleMessage, Device, ScrapeError};
use serde::Deserialize;
use serde_json::json;

use crate::session::{BrowserSession, webdriver_error};

/// The recorder, installed before any page script runs.
const CONSOLE_JS: &str = include_str!("console.js");

/// What one page load recorded.
#[derive(Debug, Default, Deserialize, PartialEq)]
pub(crate) struct RecordedConsole {
    pub messages: Vec<ConsoleMessage>,
    /// Messages beyond the recorder's cap (200), counted but not kept.
    pub dropped: u32,
}

/// Makes every document this session loads from now on record its console.
pub(crate) async fn install(session: &BrowserSession) -> Result<(), ScrapeError> {
    session
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": CONSOLE_JS }),
        )
        .await?;
    Ok(())
}

/// What the current document recorded so far (nothing when the recorder is missing, e.g. on
/// a page that replaced `window` properties it should not have).
pub(crate) async fn read(session: &BrowserSession) -> Result<RecordedConsole, ScrapeError> {
    let value = session
        .client
        .execute(
            "const record = window.__replicaConsole;
             return JSON.stringify(record ? { messages: record.messages, dropped: record.dropped }
                                          : { messages: [], dropped: 0 });",
            vec![],
        )
        .await
        .map_err(|e| webdriver_error("read the console", &e))?;
    let text = value.as_str().unwrap_or("{}");
    serde_json::from_str(text).map_err(|e| ScrapeError::Extraction {
        url: String::new(),
        message: format!("the console record is not what console.js writes: {e}"),
    })
}

/// Both devices' messages as one list: the desktop's, then what only the mobile load logged
/// (the same page usually logs the same things twice). Dropped messages become a warning.
pub(crate) fn merge(
    desktop: RecordedConsole,
    mobile: RecordedConsole,
    warnings: &mut Vec<String>,
) -> Vec<ConsoleMessage> {
    for (device, record) in [(Device::Desktop, &desktop), (Device::Mobile, &mobile)] {
        if record.dropped > 0 {
            warnings.push(format!(
                "{}: the page wrote {} more console messages than the {} kept",
                device.name(),
                record.dropped,
                record.messages.len()
            ));
        }
    }
    let mut merged = desktop.messages;
    let from_desktop = merged.len();
    for message in mobile.messages {
        if !merged[..from_desktop].contains(&message) {
            merged.push(message);
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(level: &str, text: &str) -> ConsoleMessage {
        ConsoleMessage {
            level: level.into(),
            text: text.into(),
        }
    }

    #[test]
    fn merge_keeps_desktop_order_and_adds_what_only_mobile_logged() {
        let desktop = RecordedConsole {
            messages: vec![message("error", "a"), message("warning", "b")],
            dropped: 0,
        };
        let mobile = RecordedConsole {
            messages: vec![
                message("error", "a"),
                message("error", "only on mobile"),
                message("error", "only on mobile"),
                message("warning", "b"),
            ],
            dropped: 3,
        };
        let mut warnings = Vec::new();
        let merged = merge(desktop, mobile, &mut warnings);
        assert_eq!(
            merged,
            vec![
                message("error", "a"),
                message("warning", "b"),
                // Repeats within one load are kept: the count can matter.
                message("error", "only on mobile"),
                message("error", "only on mobile"),
            ]
        );
        assert_eq!(
            warnings,
            vec!["mobile: the page wrote 3 more console messages than the 4 kept".to_string()]
        );
    }
}
