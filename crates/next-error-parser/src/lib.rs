//! Stage J's eyes (DESIGN.md §1): Next.js 14 dev-server output in, structured errors out, so
//! the compile check can tell a fixer which file and line broke.
//!
//! Now: the terminal formats of `next dev` 14.2 (webpack compile errors, SWC diagnostics, CSS
//! errors, render-time exceptions, `⚠` warnings), ANSI colours stripped and repeats folded.
//! Later issues add browser-console errors and `next build` output.
//!
//! A report covers all the text it is given, errors that were fixed later included: callers
//! pass only the output written since their last change (`Sandbox::logs` takes an offset).

mod ansi;

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

pub use ansi::strip_ansi;

/// What went wrong, coarsely: enough to pick a fix strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// An import that webpack cannot resolve: a package that is not installed or a local
    /// file that does not exist.
    ModuleNotFound,
    /// JS/JSX that SWC cannot parse.
    Syntax,
    /// CSS that PostCSS cannot parse.
    CssSyntax,
    /// A client-only API (`useState`, `onClick` handlers' hooks, ...) used in a Server
    /// Component without `"use client"`.
    ClientOnlyApi,
    /// Another compile-time error from Next's SWC transforms.
    Compile,
    /// A `ReferenceError` thrown while rendering (an undefined name).
    Reference,
    /// A `TypeError` thrown while rendering (`null.map`, calling a non-function).
    Type,
    /// A page or layout whose default export is missing or not a component.
    InvalidDefaultExport,
    /// Any other exception thrown while rendering.
    Runtime,
    /// A `⨯` line this parser does not recognise; kept so nothing is silently lost.
    Other,
}

impl ErrorKind {
    /// The kind in words, as reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::ModuleNotFound => "module not found",
            ErrorKind::Syntax => "syntax error",
            ErrorKind::CssSyntax => "CSS syntax error",
            ErrorKind::ClientOnlyApi => "client-only API in a Server Component",
            ErrorKind::Compile => "compile error",
            ErrorKind::Reference => "reference error",
            ErrorKind::Type => "type error",
            ErrorKind::InvalidDefaultExport => "invalid default export",
            ErrorKind::Runtime => "runtime error",
            ErrorKind::Other => "error",
        }
    }
}

/// One error the dev server reported.
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
    /// The code frame the dev server printed, colours stripped.
    pub excerpt: Option<String>,
}

impl fmt::Display for NextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            f.write_str(file)?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
                if let Some(column) = self.column {
                    write!(f, ":{column}")?;
                }
            }
            f.write_str(": ")?;
        }
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

/// A `⚠` message of the dev server (invalid config, port in use, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextWarning {
    pub message: String,
}

/// Everything found in a log, in order of first appearance; repeats are folded because the
/// dev server prints an error once per compilation attempt.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Report {
    pub errors: Vec<NextError>,
    pub warnings: Vec<NextWarning>,
}

impl Report {
    /// No errors (warnings allowed).
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
}

impl fmt::Display for Report {
    /// One finding per line; the text the compile-check events and fix prompts carry.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for error in &self.errors {
            writeln!(f, "{error}")?;
        }
        for warning in &self.warnings {
            writeln!(f, "warning: {}", warning.message.replace('\n', " "))?;
        }
        Ok(())
    }
}

/// Parses dev-server output (stdout and stderr interleaved, colours or not).
pub fn parse(log: &str) -> Report {
    let clean = strip_ansi(log);
    // A spinner redraws its line with `\r`; the terminal shows only the last drawing.
    let lines: Vec<&str> = clean
        .lines()
        .map(|line| line.rsplit('\r').next().unwrap_or(line))
        .collect();

    let mut report = Report::default();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        if let Some(header) = trimmed.strip_prefix('⨯') {
            i = parse_error(&lines, i, header.trim(), &mut report.errors);
        } else if trimmed.starts_with('⚠') {
            i = parse_warning(&lines, i, &mut report.warnings);
        } else {
            i += 1;
        }
    }
    report
}

/// `app/page.jsx (4:12) @ heroTitle`: where a render-time exception was thrown.
static RUNTIME_LOCATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<file>\S+) \((?P<line>\d+):(?P<column>\d+)\) @ .+$").expect("valid regex")
});
/// `./app/page.jsx` or `./app/page.jsx:1:1`: the module a compile error is about.
static MODULE_LOCATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<file>[^\s:]+\.[A-Za-z0-9]+)(?::(?P<line>\d+):(?P<column>\d+))?$")
        .expect("valid regex")
});
/// `TypeError: Cannot read ...`, `Error: The default export ...`.
static EXCEPTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<name>[A-Za-z]*Error)(?::\s*(?P<message>.*))?$").expect("valid regex")
});
/// A request log line (` GET / 500 in 3488ms`), which ends any error block.
static REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) \S+ \d{3} in ").expect("valid regex")
});
/// A line of a Babel-style code frame: `> 4 | code`, `  5 | code`, `    | ^`.
static BABEL_FRAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*>?\s*(\d+\s+)?\|").expect("valid regex"));
/// A code line of an SWC (miette) frame: ` 5 |       <p>...`.
static SWC_CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?P<line>\d+) \|").expect("valid regex"));

/// Whether a line starts a new message of the dev server, ending the current block.
fn is_boundary(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.starts_with(['⨯', '✓', '○', '⚠', '▲']) || REQUEST.is_match(trimmed)
}

/// The lines after `start` up to the next boundary, and the index of that boundary.
fn block<'l, 'a>(lines: &'l [&'a str], start: usize) -> (&'l [&'a str], usize) {
    let end = (start + 1..lines.len())
        .find(|&i| is_boundary(lines[i]))
        .unwrap_or(lines.len());
    (&lines[start + 1..end], end)
}

/// Parses the error whose `⨯` header is `lines[start]`; returns where to continue.
fn parse_error(lines: &[&str], start: usize, header: &str, errors: &mut Vec<NextError>) -> usize {
    if let Some(location) = RUNTIME_LOCATION.captures(header) {
        // `⨯ app/page.jsx (4:12) @ name` is followed by `⨯ TypeError: ...` on the next line.
        let exception = lines
            .get(start + 1)
            .and_then(|line| line.trim_start().strip_prefix('⨯'))
            .map(str::trim)
            .filter(|text| EXCEPTION.is_match(text));
        if let Some(exception) = exception {
            let (body, next) = block(lines, start + 1);
            let mut error = runtime_error(exception, body);
            error.file = Some(normalize_path(&location["file"]));
            error.line = location["line"].parse().ok();
            error.column = location["column"].parse().ok();
            push_unique(errors, error);
            return next;
        }
    }
    let (body, next) = block(lines, start);
    if let Some(location) = MODULE_LOCATION.captures(header) {
        let file = normalize_path(&location["file"]);
        let line = location.name("line").and_then(|m| m.as_str().parse().ok());
        let column = location
            .name("column")
            .and_then(|m| m.as_str().parse().ok());
        for error in compile_errors(&file, line, column, body) {
            push_unique(errors, error);
        }
    } else if EXCEPTION.is_match(header) {
        push_unique(errors, runtime_error(header, body));
    } else {
        let error = NextError {
            kind: ErrorKind::Other,
            file: None,
            line: None,
            column: None,
            message: header.to_string(),
            excerpt: babel_excerpt(body),
        };
        push_unique(errors, error);
    }
    next
}

/// An exception thrown while rendering: `TypeError: ...` plus stack, digest and code frame.
fn runtime_error(exception: &str, body: &[&str]) -> NextError {
    let name = EXCEPTION
        .captures(exception)
        .and_then(|c| c.name("name"))
        .map(|m| m.as_str());
    let mut message = exception.to_string();
    // A message may continue on further lines before the stack trace starts.
    for line in body {
        let trimmed = line.trim();
        if trimmed.is_empty()
            || trimmed.starts_with("at ")
            || trimmed.starts_with("digest:")
            || BABEL_FRAME.is_match(line)
        {
            break;
        }
        message.push('\n');
        message.push_str(trimmed);
    }
    let kind = if message.contains("The default export is not a React Component") {
        ErrorKind::InvalidDefaultExport
    } else {
        match name {
            Some("ReferenceError") => ErrorKind::Reference,
            Some("TypeError") => ErrorKind::Type,
            _ => ErrorKind::Runtime,
        }
    };
    NextError {
        kind,
        file: None,
        line: None,
        column: None,
        message,
        excerpt: babel_excerpt(body),
    }
}

/// The errors of a webpack compile error block about `file`.
fn compile_errors(
    file: &str,
    line: Option<u32>,
    column: Option<u32>,
    body: &[&str],
) -> Vec<NextError> {
    let Some(first) = body.iter().map(|l| l.trim()).find(|l| !l.is_empty()) else {
        return vec![NextError {
            kind: ErrorKind::Other,
            file: Some(file.to_string()),
            line,
            column,
            message: "the dev server reported an error without a message".to_string(),
            excerpt: None,
        }];
    };
    let located = |kind, message: String| NextError {
        kind,
        file: Some(file.to_string()),
        line,
        column,
        message,
        excerpt: babel_excerpt(body),
    };
    if first.starts_with("Module not found:") {
        return vec![located(ErrorKind::ModuleNotFound, first.to_string())];
    }
    if let Some(rest) = first.strip_prefix("Syntax error:") {
        // PostCSS names the file by its absolute path, which the header already gave.
        let rest = rest.trim();
        let message = match rest.split_once(' ') {
            Some((path, message)) if path.ends_with(file) => message,
            _ => rest,
        };
        return vec![located(ErrorKind::CssSyntax, message.to_string())];
    }
    if first == "Error:" {
        let diagnostics = swc_diagnostics(file, body);
        if !diagnostics.is_empty() {
            return diagnostics;
        }
    }
    vec![located(ErrorKind::Other, first.to_string())]
}

/// SWC's diagnostics (miette format): `x message`, `| more message`, then a frame from
/// `,-[path:line:col]` to `` `---- ``, where a `:` line carries carets under the error.
fn swc_diagnostics(file: &str, body: &[&str]) -> Vec<NextError> {
    let syntax = body.iter().any(|line| line.trim() == "Syntax Error");
    let mut errors = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let Some(first_line) = body[i].trim_start().strip_prefix("x ") else {
            i += 1;
            continue;
        };
        let mut message = first_line.trim().to_string();
        i += 1;
        while let Some(more) = body.get(i).and_then(|l| l.trim_start().strip_prefix('|')) {
            if !more.trim().is_empty() {
                message.push('\n');
                message.push_str(more.trim());
            }
            i += 1;
        }
        let mut frame = Vec::new();
        let mut position = None;
        if body
            .get(i)
            .is_some_and(|l| l.trim_start().starts_with(",-["))
        {
            i += 1;
            let mut last_code: Option<(u32, usize)> = None;
            while let Some(line) = body.get(i) {
                let trimmed = line.trim_start();
                if trimmed.starts_with("`----") {
                    i += 1;
                    break;
                }
                if let Some(code) = SWC_CODE.captures(line) {
                    let bar = code.get(0).map_or(0, |m| m.end());
                    // The code starts one space after the bar.
                    let code_start = line[..bar].chars().count() + 1;
                    last_code = code["line"].parse().ok().map(|n| (n, code_start));
                } else if trimmed.starts_with(':') && position.is_none() {
                    let caret = line.chars().position(|c| c == '^');
                    if let (Some(caret), Some((line_number, code_start))) = (caret, last_code) {
                        let column = caret.saturating_sub(code_start) + 1;
                        position = Some((line_number, u32::try_from(column).unwrap_or(u32::MAX)));
                    }
                }
                frame.push(line.trim_end());
                i += 1;
            }
        }
        let kind = if syntax {
            ErrorKind::Syntax
        } else if message.contains("only works in a Client Component") {
            ErrorKind::ClientOnlyApi
        } else {
            ErrorKind::Compile
        };
        errors.push(NextError {
            kind,
            file: Some(file.to_string()),
            line: position.map(|(line, _)| line),
            column: position.map(|(_, column)| column),
            message,
            excerpt: (!frame.is_empty()).then(|| frame.join("\n")),
        });
    }
    errors
}

/// The Babel-style code frame lines of a block, if any.
fn babel_excerpt(body: &[&str]) -> Option<String> {
    let frame: Vec<&str> = body
        .iter()
        .filter(|line| BABEL_FRAME.is_match(line))
        .map(|line| line.trim_end())
        .collect();
    (!frame.is_empty()).then(|| frame.join("\n"))
}

/// Groups a `⚠` line with the `⚠` lines that continue it.
fn parse_warning(lines: &[&str], start: usize, warnings: &mut Vec<NextWarning>) -> usize {
    let text = |line: &str| line.trim_start().trim_start_matches('⚠').to_string();
    let mut message = vec![text(lines[start]).trim().to_string()];
    let mut i = start + 1;
    while let Some(line) = lines.get(i) {
        let rest = text(line);
        // A continuation is indented by more than the single space after the sign, or is
        // the "See more info here: <url>" trailer Next prints as a warning of its own.
        let continues = rest.starts_with("  ") || rest.trim_start().starts_with("See more info");
        if !line.trim_start().starts_with('⚠') || !continues {
            break;
        }
        message.push(rest.trim().to_string());
        i += 1;
    }
    let warning = NextWarning {
        message: message.join("\n"),
    };
    if !warnings.contains(&warning) {
        warnings.push(warning);
    }
    i
}

fn push_unique(errors: &mut Vec<NextError>, error: NextError) {
    if !errors.contains(&error) {
        errors.push(error);
    }
}

/// Webpack names modules `./app/page.jsx`; the project's paths are `app/page.jsx`.
fn normalize_path(path: &str) -> String {
    path.strip_prefix("./").unwrap_or(path).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swc_caret_gives_line_and_column() {
        let log = r#" ⨯ ./app/page.jsx
Error: 
  x Unexpected token
   ,-[/p/app/page.jsx:1:1]
 1 | const a = 1;
 2 | <p>a}</p>
   :     ^
   `----

Caused by:
    Syntax Error
"#;
        let report = parse(log);
        assert_eq!(report.errors.len(), 1);
        let error = &report.errors[0];
        assert_eq!(error.kind, ErrorKind::Syntax);
        assert_eq!(error.file.as_deref(), Some("app/page.jsx"));
        assert_eq!((error.line, error.column), (Some(2), Some(5)));
        assert_eq!(
            error.to_string(),
            "app/page.jsx:2:5: syntax error: Unexpected token"
        );
    }

    #[test]
    fn two_digit_line_numbers_keep_columns_aligned() {
        let log = " ⨯ ./components/Nav.jsx\nError: \n  x Expected '}'\n    ,-[/p/components/Nav.jsx:9:1]\n  9 | a\n 10 |   {x\n    :    ^\n    `----\n";
        let error = &parse(log).errors[0];
        assert_eq!(error.kind, ErrorKind::Compile);
        assert_eq!((error.line, error.column), (Some(10), Some(4)));
    }

    #[test]
    fn repeats_are_folded_and_unknown_lines_kept() {
        let log = " ⨯ Failed to start server\n ⨯ Failed to start server\n GET / 500 in 3ms\n";
        let report = parse(log);
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].kind, ErrorKind::Other);
        assert_eq!(report.errors[0].message, "Failed to start server");
    }

    #[test]
    fn spinner_redraws_keep_the_last_drawing() {
        let report = parse(" ○ Compiling / ...\r ⨯ ReferenceError: x is not defined\n");
        assert_eq!(report.errors[0].kind, ErrorKind::Reference);
        assert_eq!(report.errors[0].file, None);
    }

    #[test]
    fn separate_warnings_stay_separate() {
        let log =
            " ⚠ Port 3000 is in use, trying 3001 instead.\n ⚠ Invalid options:\n ⚠     bad key\n";
        let report = parse(log);
        let messages: Vec<&str> = report.warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "Port 3000 is in use, trying 3001 instead.",
                "Invalid options:\nbad key"
            ]
        );
        assert!(report.is_clean());
    }
}
