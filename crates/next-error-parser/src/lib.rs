//! Stage J's eyes (DESIGN.md §1): Next.js 14 dev-server output (and browser console text) in,
//! structured errors out, so the compile check can tell a fixer which file and line broke and
//! what to do about it.
//!
//! [`parse_nextjs_errors`] reads the terminal formats of `next dev` 14.2 (webpack compile
//! errors, SWC diagnostics in both frame styles, CSS errors, render-time exceptions, `⚠`
//! and Tailwind warnings) and browser console text (hydration mismatches, uncaught exceptions with `at`
//! frames). ANSI colours are stripped and repeats merged. [`format_nextjs_errors`] writes the
//! errors as the text of an LLM fix prompt.
//!
//! Errors the log shows as fixed are left out: a compile error followed by a successful
//! compile (`✓ Compiled`) or a served page (`GET / 200`), a render error followed by a served
//! page. (A rebuild alone does not fix a render error: the dev server recompiles without
//! rendering again.) So a report describes the project as the end of the log leaves it;
//! callers still pass only the output written since their last change (`Sandbox::logs` takes
//! an offset) so that old errors of other routes do not linger.

mod ansi;
mod browser;
mod format;
mod hint;
mod server;

use serde::Serialize;

pub use ansi::strip_ansi;
pub use format::format_nextjs_errors;

/// What went wrong, coarsely: enough to pick a fix strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A compile error of Next's SWC transforms or webpack that is none of the kinds below.
    FailedToCompile,
    /// An import that webpack cannot resolve: a package that is not installed or a local
    /// file that does not exist.
    ModuleNotFound,
    /// JS/JSX that SWC cannot parse, or CSS that PostCSS cannot parse.
    SyntaxError,
    /// A client-only API (`useState`, event handlers, `createContext`) used in a Server
    /// Component: the file needs `"use client"`.
    ClientComponentNeeded,
    /// A page or layout whose default export is missing or not a component, or an import of
    /// a default export a module does not have.
    BadDefaultExport,
    /// An exception thrown while rendering (`ReferenceError`, `TypeError`, ...), on the
    /// server or in the browser.
    RuntimeError,
    /// Server and browser rendered different markup (from browser console text).
    Hydration,
    /// A `⨯` message this parser does not recognise; kept so nothing is silently lost.
    Other,
}

impl ErrorKind {
    /// The kind in words, as reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::FailedToCompile => "failed to compile",
            ErrorKind::ModuleNotFound => "module not found",
            ErrorKind::SyntaxError => "syntax error",
            ErrorKind::ClientComponentNeeded => "client component needed",
            ErrorKind::BadDefaultExport => "bad default export",
            ErrorKind::RuntimeError => "runtime error",
            ErrorKind::Hydration => "hydration mismatch",
            ErrorKind::Other => "error",
        }
    }
}

/// One error the dev server (or the browser) reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextError {
    pub kind: ErrorKind,
    /// Relative to the project root (`app/page.jsx`) when the log names a file.
    pub file: Option<String>,
    /// 1-based, in the source file.
    pub line: Option<u32>,
    /// 1-based, in characters.
    pub column: Option<u32>,
    pub message: String,
    /// What a fixer should do, in one or two sentences naming the file and the culprit.
    pub fix_hint: String,
    /// The code frame the dev server printed, colours stripped.
    pub code_frame: Option<String>,
}

impl NextError {
    /// `app/page.jsx:4:12`, `app/page.jsx` or `None`.
    pub fn location(&self) -> Option<String> {
        let file = self.file.as_ref()?;
        Some(match (self.line, self.column) {
            (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
            (Some(line), None) => format!("{file}:{line}"),
            _ => file.clone(),
        })
    }
}

impl std::fmt::Display for NextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(location) = self.location() {
            write!(f, "{location}: ")?;
        }
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

/// What a log says about the project.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct NextErrorReport {
    /// `errors` is not empty.
    pub has_errors: bool,
    /// The last compile result in the log is a success: `✓ Compiled` or a page served with
    /// a 2xx/3xx status, and no compile error after it. `false` while nothing has compiled
    /// yet. A page can compile and still fail while rendering (`has_errors` tells).
    pub compiled: bool,
    /// In order of first appearance, repeats merged (the dev server prints an error once per
    /// compilation attempt).
    pub errors: Vec<NextError>,
    /// `⚠` messages (invalid config, port in use, ...) and Tailwind's `warn -` lines, repeats
    /// merged.
    pub warnings: Vec<String>,
}

/// Parses dev-server output (stdout and stderr interleaved, colours or not) and browser
/// console text. Never fails: text it does not understand yields no findings.
pub fn parse_nextjs_errors(log: &str) -> NextErrorReport {
    let clean = strip_ansi(log);
    // A spinner redraws its line with `\r`; the terminal shows only the last drawing.
    let lines: Vec<&str> = clean
        .lines()
        .map(|line| line.rsplit('\r').next().unwrap_or(line))
        .collect();

    let mut findings = Findings::default();
    let mut i = 0;
    while i < lines.len() {
        i = server::parse_at(&lines, i, &mut findings)
            .or_else(|| browser::parse_at(&lines, i, &mut findings))
            .unwrap_or(i + 1);
    }
    findings.into_report()
}

/// An error and where its block starts, before repeats are merged.
struct Found {
    line_index: usize,
    /// Found while compiling (so a later compile error means "not compiled").
    compile_time: bool,
    error: NextError,
}

/// What the parsers collect while walking the lines.
#[derive(Default)]
struct Findings {
    found: Vec<Found>,
    warnings: Vec<String>,
    /// The line of the last `✓ Compiled` or successful request.
    last_compiled: Option<usize>,
    /// The line of the last successful request.
    last_served: Option<usize>,
}

impl Findings {
    fn error(&mut self, line_index: usize, compile_time: bool, error: NextError) {
        self.found.push(Found {
            line_index,
            compile_time,
            error,
        });
    }

    fn warning(&mut self, message: String) {
        if !self.warnings.contains(&message) {
            self.warnings.push(message);
        }
    }

    fn into_report(self) -> NextErrorReport {
        let after =
            |line: Option<usize>, found: &Found| line.is_none_or(|at| found.line_index > at);
        let (last_compiled, last_served) = (self.last_compiled, self.last_served);
        let standing = |found: &Found| {
            if found.compile_time {
                after(last_compiled, found)
            } else {
                after(last_served, found)
            }
        };
        let compiled = last_compiled.is_some()
            && !self
                .found
                .iter()
                .any(|found| found.compile_time && standing(found));

        let mut errors: Vec<NextError> = Vec::new();
        for found in self.found.into_iter().filter(standing) {
            merge_into(&mut errors, found.error);
        }
        browser::drop_generic_hydration_errors(&mut errors);
        NextErrorReport {
            has_errors: !errors.is_empty(),
            compiled,
            errors,
            warnings: self.warnings,
        }
    }
}

/// Adds `error` unless the same error (kind, place, message) is there; a repeat may bring the
/// code frame the first print lacked.
fn merge_into(errors: &mut Vec<NextError>, error: NextError) {
    let same = errors.iter_mut().find(|seen| {
        seen.kind == error.kind
            && seen.file == error.file
            && seen.line == error.line
            && seen.column == error.column
            && seen.message == error.message
    });
    match same {
        Some(seen) => {
            if seen.code_frame.is_none() {
                seen.code_frame = error.code_frame;
            }
        }
        None => errors.push(error),
    }
}

/// Builds an error with its fix hint.
fn new_error(
    kind: ErrorKind,
    file: Option<String>,
    position: Option<(u32, u32)>,
    message: String,
    code_frame: Option<String>,
) -> NextError {
    let mut error = NextError {
        kind,
        file,
        line: position.map(|(line, _)| line),
        column: position.map(|(_, column)| column),
        message,
        fix_hint: String::new(),
        code_frame,
    };
    error.fix_hint = hint::fix_hint(&error);
    error
}

/// Webpack names modules `./app/page.jsx`; the project's paths are `app/page.jsx`.
fn normalize_path(path: &str) -> String {
    path.strip_prefix("./").unwrap_or(path).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_merged_and_unknown_lines_kept() {
        let log = " ⨯ Failed to start server\n ⨯ Failed to start server\n GET / 500 in 3ms\n";
        let report = parse_nextjs_errors(log);
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].kind, ErrorKind::Other);
        assert_eq!(report.errors[0].message, "Failed to start server");
        assert!(report.has_errors);
        assert!(!report.compiled);
    }

    #[test]
    fn spinner_redraws_keep_the_last_drawing() {
        let report =
            parse_nextjs_errors(" ○ Compiling / ...\r ⨯ ReferenceError: x is not defined\n");
        assert_eq!(report.errors[0].kind, ErrorKind::RuntimeError);
        assert_eq!(report.errors[0].file, None);
    }

    #[test]
    fn separate_warnings_stay_separate() {
        let log =
            " ⚠ Port 3000 is in use, trying 3001 instead.\n ⚠ Invalid options:\n ⚠     bad key\n";
        let report = parse_nextjs_errors(log);
        assert_eq!(
            report.warnings,
            [
                "Port 3000 is in use, trying 3001 instead.",
                "Invalid options:\nbad key"
            ]
        );
        assert!(!report.has_errors);
    }

    #[test]
    fn compiled_follows_the_last_compile_result() {
        let broken = " ⨯ ./app/page.jsx:1:1\nModule not found: Can't resolve 'x'\n";
        let ok = " ✓ Compiled in 120ms (400 modules)\n";
        let served = " GET / 200 in 12ms\n";

        let report = parse_nextjs_errors("");
        assert!(!report.compiled && !report.has_errors);
        let report = parse_nextjs_errors(broken);
        assert!(!report.compiled && report.has_errors);
        let report = parse_nextjs_errors(&format!("{ok}{broken}"));
        assert!(!report.compiled && report.has_errors);
        // Fixed: the error before the successful compile is gone.
        let report = parse_nextjs_errors(&format!("{broken}{ok}"));
        assert!(report.compiled && !report.has_errors, "{report:?}");
        let report = parse_nextjs_errors(&format!("{broken}{served}"));
        assert!(report.compiled && !report.has_errors, "{report:?}");
        // Compiling the error page or serving the favicon is not compiling the page.
        for unrelated in [
            " ✓ Compiled /_error in 260ms\n",
            " ✓ Compiled /favicon.ico in 80ms\n GET /favicon.ico 200 in 95ms\n",
        ] {
            let report = parse_nextjs_errors(&format!("{broken}{unrelated}"));
            assert!(
                !report.compiled && report.has_errors,
                "{unrelated}: {report:?}"
            );
        }
        let report = parse_nextjs_errors(&format!("{broken} GET /pricing?plan=pro 200 in 9ms\n"));
        assert!(report.compiled && !report.has_errors, "{report:?}");
        // A render error after a compile: compiled, yet broken, even after a rebuild; a
        // served page fixes it.
        let render_error = " ⨯ ReferenceError: x is not defined\n GET / 500 in 3ms\n";
        let report = parse_nextjs_errors(&format!("{ok}{render_error}{ok}"));
        assert!(report.compiled && report.has_errors, "{report:?}");
        let report = parse_nextjs_errors(&format!("{ok}{render_error}{served}"));
        assert!(report.compiled && !report.has_errors, "{report:?}");
    }

    #[test]
    fn display_names_the_place() {
        let error = new_error(
            ErrorKind::SyntaxError,
            Some("app/page.jsx".to_string()),
            Some((2, 5)),
            "Unexpected token".to_string(),
            None,
        );
        assert_eq!(
            error.to_string(),
            "app/page.jsx:2:5: syntax error: Unexpected token"
        );
    }
}
