//! Browser console text: React's hydration warnings and errors, and uncaught exceptions with
//! their `at` frames. Hydration problems show only in a browser; the pipeline reads the
//! console and passes its text here, one message per line with stack lines below it, with
//! or without a level prefix (`[error]`, `console.error:`, `Uncaught`).

use crate::server::{EXCEPTION, exception_message, frame_file};
use crate::{ErrorKind, Findings, NextError, new_error};

/// Phrases of the React builds the template runs (checked against
/// `next/dist/compiled/react-dom` of Next 14.2.21, which the App Router uses, and
/// `react-dom` 18.3.1) that mean server and client markup differ. The specific ones name what
/// differs; the generic ones are React's summary of the same problem.
const SPECIFIC_HYDRATION: &[&str] = &[
    // `Text content did not match. Server: "%s" Client: "%s"`, `Prop `%s` did not match. ...`
    "did not match. Server:",
    "Expected server HTML to contain a matching",
    "Did not expect server HTML to contain",
    "Extra attributes from the server",
    // `In HTML, <div> cannot be a descendant of <p>.\nThis will cause a hydration error.`
    "> cannot be a descendant of <",
    "> cannot be a child of <",
    "text nodes cannot be a child of <",
    "This will cause a hydration error",
    // react-dom 18.3.1: `validateDOMNesting(...): <div> cannot appear as a descendant of <p>.`
    "> cannot appear as a descendant of <",
    "> cannot appear as a child of <",
];
const GENERIC_HYDRATION: &[&str] = &[
    "Hydration failed because",
    "There was an error while hydrating",
    "Text content does not match server-rendered HTML",
    "An error occurred during hydration",
];

/// Handles line `i` if it starts a browser console message this module knows.
pub(crate) fn parse_at(lines: &[&str], i: usize, findings: &mut Findings) -> Option<usize> {
    let text = without_console_prefix(lines[i].trim());
    if is_hydration(text) {
        let mut message = text
            .strip_prefix("Warning: ")
            .or_else(|| text.strip_prefix("Error: "))
            .unwrap_or(text)
            .trim()
            .to_string();
        // React's second line and Next's link belong to the same message.
        let mut end = i + 1;
        while let Some(more) = lines.get(end).map(|line| line.trim()) {
            if more.starts_with("This will cause a hydration error") {
                message.push('\n');
                message.push_str(more);
            } else if !more.starts_with("See more info here:") {
                break;
            }
            end += 1;
        }
        let frames = frames_after(lines, end - 1);
        let error = new_error(
            ErrorKind::Hydration,
            frame_file(frames),
            None,
            message,
            None,
        );
        findings.error(i, false, error);
        return Some(end + frames.len());
    }
    let uncaught = lines[i].trim().starts_with("Uncaught ") || lines[i].contains("Uncaught ");
    if EXCEPTION.is_match(text) {
        let frames = frames_after(lines, i);
        // A bare `TypeError: ...` line is an exception only with a stack below it (or when
        // the console says it was uncaught); otherwise it may be any text.
        if frames.is_empty() && !uncaught {
            return None;
        }
        let (kind, message) = exception_message(text, &lines[i + 1..i + 1 + frames.len()]);
        let error = new_error(kind, frame_file(frames), None, message, None);
        findings.error(i, false, error);
        return Some(i + 1 + frames.len());
    }
    None
}

fn is_hydration(text: &str) -> bool {
    SPECIFIC_HYDRATION
        .iter()
        .chain(GENERIC_HYDRATION)
        .any(|phrase| text.contains(phrase))
}

/// The message without a console level or `Uncaught` prefix.
fn without_console_prefix(line: &str) -> &str {
    let mut text = line;
    loop {
        let before = text;
        for prefix in [
            "[error]",
            "[warning]",
            "[warn]",
            "console.error:",
            "console.warn:",
            "error:",
            "warning:",
            "Uncaught",
            "(in promise)",
        ] {
            if let Some(rest) = text.strip_prefix(prefix) {
                text = rest.trim_start();
            }
        }
        if text == before {
            return text;
        }
    }
}

/// The stack or component-stack lines (`at X (...)`) right below line `i`.
fn frames_after<'l, 'a>(lines: &'l [&'a str], i: usize) -> &'l [&'a str] {
    let rest = &lines[i + 1..];
    let count = rest
        .iter()
        .take_while(|line| line.trim_start().starts_with("at "))
        .count();
    &rest[..count]
}

/// React reports one mismatch several times: the specific warning, then "Hydration failed"
/// and "There was an error while hydrating". When a specific one is there, the summaries add
/// nothing.
pub(crate) fn drop_generic_hydration_errors(errors: &mut Vec<NextError>) {
    let specific = |error: &NextError| {
        error.kind == ErrorKind::Hydration
            && SPECIFIC_HYDRATION
                .iter()
                .any(|phrase| error.message.contains(phrase))
    };
    if errors.iter().any(specific) {
        errors.retain(|error| error.kind != ErrorKind::Hydration || specific(error));
    }
}

#[cfg(test)]
mod tests {
    use crate::{ErrorKind, parse_nextjs_errors};

    /// Synthetic, in React 18.3.1's words as Chromium's console shows them for a page that
    /// renders `Date.now()`; the dev server never prints hydration errors.
    #[test]
    fn text_mismatch_with_its_component_stack() {
        let console = "Warning: Text content did not match. Server: \"1732900000000\" Client: \"1732900000450\"\n    at span\n    at Clock (webpack-internal:///(app-pages-browser)/./components/Clock.jsx:11:11)\n    at main\n    at Page\nError: Text content does not match server-rendered HTML.\nSee more info here: https://nextjs.org/docs/messages/react-hydration-error\nUncaught Error: There was an error while hydrating. Because the error happened outside of a Suspense boundary, the entire root will switch to client rendering.\n";
        let report = parse_nextjs_errors(console);
        assert_eq!(report.errors.len(), 1, "{report:#?}");
        let error = &report.errors[0];
        assert_eq!(error.kind, ErrorKind::Hydration);
        assert_eq!(error.file.as_deref(), Some("components/Clock.jsx"));
        assert_eq!(
            error.message,
            "Text content did not match. Server: \"1732900000000\" Client: \"1732900000450\""
        );
        assert!(!report.compiled);
    }

    /// Synthetic: invalid nesting in both Reacts' words, then the generic summary only.
    #[test]
    fn nesting_and_summary_only() {
        let report = parse_nextjs_errors(
            "In HTML, <div> cannot be a descendant of <p>.\nThis will cause a hydration error.\n    at div\n    at p\n    at Hero (webpack-internal:///(app-pages-browser)/./components/Hero.jsx:9:9)\n",
        );
        assert_eq!(report.errors.len(), 1, "{report:#?}");
        assert_eq!(report.errors[0].kind, ErrorKind::Hydration);
        assert_eq!(
            report.errors[0].message,
            "In HTML, <div> cannot be a descendant of <p>.\nThis will cause a hydration error."
        );
        assert_eq!(
            report.errors[0].file.as_deref(),
            Some("components/Hero.jsx")
        );

        let report = parse_nextjs_errors(
            "[error] Warning: validateDOMNesting(...): <div> cannot appear as a descendant of <p>.\n    at div\n    at p\n    at Hero (webpack-internal:///(app-pages-browser)/./components/Hero.jsx:9:9)\n",
        );
        assert_eq!(report.errors[0].kind, ErrorKind::Hydration);
        assert_eq!(
            report.errors[0].file.as_deref(),
            Some("components/Hero.jsx")
        );

        let report = parse_nextjs_errors(
            "Error: Hydration failed because the initial UI does not match what was rendered on the server.\n",
        );
        assert_eq!(report.errors.len(), 1);
        assert_eq!(
            report.errors[0].message,
            "Hydration failed because the initial UI does not match what was rendered on the server."
        );
    }

    /// Synthetic: an uncaught browser exception with its stack.
    #[test]
    fn uncaught_exceptions_with_frames() {
        let report = parse_nextjs_errors(
            "Uncaught ReferenceError: gsap is not defined\n    at eval (webpack-internal:///(app-pages-browser)/./components/Hero.jsx:20:5)\n    at commitHookEffectListMount (webpack-internal:///(app-pages-browser)/./node_modules/next/dist/compiled/react-dom/cjs/react-dom.development.js:1:1)\n",
        );
        let error = &report.errors[0];
        assert_eq!(error.kind, ErrorKind::RuntimeError);
        assert_eq!(error.message, "ReferenceError: gsap is not defined");
        assert_eq!(error.file.as_deref(), Some("components/Hero.jsx"));
    }

    #[test]
    fn prose_that_looks_like_an_exception_is_not_one() {
        for text in [
            "TypeError: described in the docs\n",
            "the server said: Prop `x`\n",
            "Error:\n",
        ] {
            assert!(!parse_nextjs_errors(text).has_errors, "{text}");
        }
    }
}
