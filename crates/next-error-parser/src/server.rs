//! The terminal output of `next dev`: `⨯` error blocks, `⚠` warnings, and the lines that say
//! a compile succeeded.

use std::sync::LazyLock;

use regex::Regex;

use crate::{ErrorKind, Findings, new_error, normalize_path};

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
pub(crate) static EXCEPTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<name>[A-Za-z]*Error)(?::\s*(?P<message>.*))?$").expect("valid regex")
});
/// A request log line (` GET / 500 in 3488ms`), which ends any error block.
static REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (?P<path>\S+) (?P<status>\d{3}) in ")
        .expect("valid regex")
});
/// A line of a Babel-style code frame: `> 4 | code`, `  5 | code`, `    | ^`.
static BABEL_FRAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*>?\s*(\d+\s+)?\|").expect("valid regex"));
/// A code line of an SWC (miette) frame: ` 5 |       <p>...` or ` 5 │       <p>...`.
static SWC_CODE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?P<line>\d+) [|│]").expect("valid regex"));
/// A project file in a stack frame: `at Page (./app/page.jsx:12:32)` or
/// `webpack-internal:///(app-pages-browser)/./components/Hero.jsx:15:22`.
static FRAME_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\./(?P<file>[\w@\-./\[\]()]+?\.(?:jsx|js|tsx|ts|mjs|cjs)):\d+")
        .expect("valid regex")
});

/// Handles line `i` if it is dev-server output this module knows; returns where to go on.
pub(crate) fn parse_at(lines: &[&str], i: usize, findings: &mut Findings) -> Option<usize> {
    let trimmed = lines[i].trim_start();
    if let Some(header) = trimmed.strip_prefix('⨯') {
        // Node's process-level handlers prefix the exception they print.
        let header = header.trim();
        let header = ["unhandledRejection:", "uncaughtException:"]
            .iter()
            .find_map(|prefix| header.strip_prefix(prefix))
            .unwrap_or(header);
        return Some(parse_error(lines, i, header.trim(), findings));
    }
    if trimmed.starts_with('⚠') {
        return Some(parse_warning(lines, i, findings));
    }
    if trimmed.starts_with("warn - ") {
        return Some(parse_tool_warning(lines, i, findings));
    }
    if trimmed.trim_end().trim_end_matches('.') == "Failed to compile" {
        return Some(parse_error(lines, i, "Failed to compile", findings));
    }
    match success(trimmed) {
        Some(Success::Compiled) => {
            findings.last_compiled = Some(i);
            Some(i + 1)
        }
        Some(Success::Served) => {
            findings.last_compiled = Some(i);
            findings.last_served = Some(i);
            Some(i + 1)
        }
        None => None,
    }
}

/// What a line says went well.
enum Success {
    /// `✓ Compiled / in 3.3s` or `✓ Compiled in 120ms` (a rebuild after a change).
    Compiled,
    /// A page served with a 2xx or 3xx status: compiled and rendered.
    Served,
}

/// Next's own pages (`/_error`, `/_not-found`) and files (`/favicon.ico`) compile apart from
/// the project's pages, so they prove nothing about them.
fn success(trimmed: &str) -> Option<Success> {
    let is_page = |route: &str| {
        let last = route.rsplit('/').next().unwrap_or(route);
        !route.starts_with("/_") && !last.contains('.')
    };
    if let Some(rest) = trimmed.strip_prefix("✓ Compiled") {
        let page = match rest.split_whitespace().next() {
            Some("in") | None => true,
            Some(route) => is_page(route),
        };
        return page.then_some(Success::Compiled);
    }
    let request = REQUEST.captures(trimmed)?;
    let path = request["path"].split('?').next().unwrap_or("");
    let served = matches!(request["status"].as_bytes()[0], b'2' | b'3') && is_page(path);
    served.then_some(Success::Served)
}

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

/// Parses the error whose header is `lines[start]`; returns where to continue.
fn parse_error(lines: &[&str], start: usize, header: &str, findings: &mut Findings) -> usize {
    if let Some(location) = RUNTIME_LOCATION.captures(header) {
        // `⨯ app/page.jsx (4:12) @ name` is followed by `⨯ TypeError: ...` on the next line.
        let exception = lines
            .get(start + 1)
            .and_then(|line| line.trim_start().strip_prefix('⨯'))
            .map(str::trim)
            .filter(|text| EXCEPTION.is_match(text));
        if let Some(exception) = exception {
            let (body, next) = block(lines, start + 1);
            let position = location["line"]
                .parse()
                .ok()
                .zip(location["column"].parse().ok());
            let file = Some(normalize_path(&location["file"]));
            let (kind, message) = exception_message(exception, body);
            let error = new_error(kind, file, position, message, babel_excerpt(body));
            findings.error(start, false, error);
            return next;
        }
    }
    let (mut body, next) = block(lines, start);
    let mut header = header;
    // `Failed to compile.` then a blank line and the module, as `next build` and older
    // versions print it.
    if header.starts_with("Failed to compile") {
        let module = body
            .iter()
            .position(|line| !line.trim().is_empty())
            .filter(|&at| MODULE_LOCATION.is_match(body[at].trim()));
        if let Some(at) = module {
            header = body[at].trim();
            body = &body[at + 1..];
        }
    }
    if let Some(location) = MODULE_LOCATION.captures(header) {
        let file = normalize_path(&location["file"]);
        let position = location
            .name("line")
            .and_then(|m| m.as_str().parse().ok())
            .zip(
                location
                    .name("column")
                    .and_then(|m| m.as_str().parse().ok()),
            );
        compile_errors(&file, position, body, start, findings);
    } else if EXCEPTION.is_match(header) {
        let (kind, message) = exception_message(header, body);
        let error = new_error(kind, frame_file(body), None, message, babel_excerpt(body));
        findings.error(start, false, error);
    } else {
        let error = new_error(
            if header.starts_with("Failed to compile") {
                ErrorKind::FailedToCompile
            } else {
                ErrorKind::Other
            },
            None,
            None,
            header.to_string(),
            babel_excerpt(body),
        );
        findings.error(start, header.starts_with("Failed to compile"), error);
    }
    next
}

/// The kind and full message of an exception line plus the lines that continue its message
/// before the stack trace starts.
pub(crate) fn exception_message(exception: &str, body: &[&str]) -> (ErrorKind, String) {
    let mut message = exception.to_string();
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
    (classify_message(&message, ErrorKind::RuntimeError), message)
}

/// The kind a message's wording gives away, or `otherwise`.
fn classify_message(message: &str, otherwise: ErrorKind) -> ErrorKind {
    const CLIENT_ONLY: &[&str] = &[
        "only works in a Client Component",
        "only works in Client Component",
        "Event handlers cannot be passed to Client Component props",
        "needs useState",
        "needs useEffect",
    ];
    const DEFAULT_EXPORT: &[&str] = &[
        "The default export is not a React Component",
        "does not contain a default export",
    ];
    if CLIENT_ONLY.iter().any(|phrase| message.contains(phrase)) {
        ErrorKind::ClientComponentNeeded
    } else if DEFAULT_EXPORT.iter().any(|phrase| message.contains(phrase)) {
        ErrorKind::BadDefaultExport
    } else {
        otherwise
    }
}

/// The first project file named in the `at` frames of a stack trace. Its line and column are
/// those of the compiled module, not the source, so only the file is kept.
pub(crate) fn frame_file(body: &[&str]) -> Option<String> {
    body.iter()
        .map(|line| line.trim())
        .filter(|line| line.starts_with("at "))
        .find_map(|line| {
            let file = FRAME_FILE.captures(line)?.name("file")?.as_str();
            (!file.starts_with("node_modules/")).then(|| file.to_string())
        })
}

/// The errors of a webpack compile error block about `file`.
fn compile_errors(
    file: &str,
    position: Option<(u32, u32)>,
    body: &[&str],
    start: usize,
    findings: &mut Findings,
) {
    let Some(first) = body.iter().map(|l| l.trim()).find(|l| !l.is_empty()) else {
        let message = "the dev server reported an error without a message".to_string();
        let error = new_error(
            ErrorKind::FailedToCompile,
            Some(file.to_string()),
            position,
            message,
            None,
        );
        findings.error(start, true, error);
        return;
    };
    let located = |kind, message: String| {
        new_error(
            kind,
            Some(file.to_string()),
            position,
            message,
            babel_excerpt(body),
        )
    };
    if first.starts_with("Module not found:") {
        findings.error(
            start,
            true,
            located(ErrorKind::ModuleNotFound, first.to_string()),
        );
        return;
    }
    if let Some(rest) = first.strip_prefix("Syntax error:") {
        // PostCSS names the file by its absolute path, which the header already gave.
        let rest = rest.trim();
        let message = match rest.split_once(' ') {
            Some((path, message)) if path.ends_with(file) => message,
            _ => rest,
        };
        findings.error(
            start,
            true,
            located(ErrorKind::SyntaxError, message.to_string()),
        );
        return;
    }
    let diagnostics = swc_diagnostics(file, body);
    if diagnostics.is_empty() {
        let kind = classify_message(first, ErrorKind::FailedToCompile);
        findings.error(start, true, located(kind, first.to_string()));
    }
    for error in diagnostics {
        findings.error(start, true, error);
    }
}

/// SWC's diagnostics (miette), in its ASCII style (`x message`, `| more`, a frame from
/// `,-[path:line:col]` to `` `---- `` whose `:` lines carry `^` under the error) or its Unicode
/// style (`× message`, `│ more`, `╭─[path:line:col]` to `╰────`, `·` lines with `─`/`┬`/`▲`).
fn swc_diagnostics(file: &str, body: &[&str]) -> Vec<crate::NextError> {
    let syntax = body.iter().any(|line| line.trim() == "Syntax Error");
    let mut errors = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let trimmed = body[i].trim_start();
        let Some(first_line) = trimmed
            .strip_prefix("x ")
            .or_else(|| trimmed.strip_prefix("× "))
        else {
            i += 1;
            continue;
        };
        let mut message = first_line.trim().to_string();
        i += 1;
        while let Some(more) = body.get(i).and_then(|l| {
            let l = l.trim_start();
            l.strip_prefix('|').or_else(|| l.strip_prefix('│'))
        }) {
            if !more.trim().is_empty() {
                message.push('\n');
                message.push_str(more.trim());
            }
            i += 1;
        }
        let mut frame = Vec::new();
        let mut position = None;
        let opens_frame = |line: &str| {
            let line = line.trim_start();
            line.starts_with(",-[") || line.starts_with("╭─[")
        };
        if body.get(i).is_some_and(|l| opens_frame(l)) {
            i += 1;
            let mut last_code: Option<(u32, usize)> = None;
            while let Some(line) = body.get(i) {
                let trimmed = line.trim_start();
                if trimmed.starts_with("`----") || trimmed.starts_with("╰─") {
                    i += 1;
                    break;
                }
                if let Some(code) = SWC_CODE.captures(line) {
                    let bar = code.get(0).map_or(0, |m| m.end());
                    // The code starts one space after the bar.
                    let code_start = line[..bar].chars().count() + 1;
                    last_code = code["line"].parse().ok().map(|n| (n, code_start));
                } else if position.is_none()
                    && let Some(gutter) = trimmed.chars().next().filter(|c| matches!(c, ':' | '·'))
                {
                    let gutter_at = line.chars().position(|c| c == gutter).unwrap_or(0);
                    let marker = line
                        .chars()
                        .enumerate()
                        .skip(gutter_at + 1)
                        .find(|(_, c)| matches!(c, '^' | '─' | '┬' | '▲'))
                        .map(|(at, _)| at);
                    if let (Some(marker), Some((line_number, code_start))) = (marker, last_code) {
                        let column = marker.saturating_sub(code_start) + 1;
                        position = Some((line_number, u32::try_from(column).unwrap_or(u32::MAX)));
                    }
                }
                frame.push(line.trim_end());
                i += 1;
            }
        }
        let kind = if syntax {
            ErrorKind::SyntaxError
        } else {
            classify_message(&message, ErrorKind::FailedToCompile)
        };
        errors.push(new_error(
            kind,
            Some(file.to_string()),
            position,
            message,
            (!frame.is_empty()).then(|| frame.join("\n")),
        ));
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

/// Tailwind's `warn - ` lines (no utility classes found, ...), consecutive ones as one
/// warning: the second is usually its link.
fn parse_tool_warning(lines: &[&str], start: usize, findings: &mut Findings) -> usize {
    let mut message = Vec::new();
    let mut i = start;
    while let Some(text) = lines
        .get(i)
        .and_then(|line| line.trim_start().strip_prefix("warn - "))
    {
        message.push(text.trim());
        i += 1;
    }
    findings.warning(message.join("\n"));
    // `parse_at` saw `warn - ` on `lines[start]`, so `i > start`; `max` keeps that promise
    // even if the two checks ever drift apart.
    i.max(start + 1)
}

/// Groups a `⚠` line with the `⚠` lines that continue it.
fn parse_warning(lines: &[&str], start: usize, findings: &mut Findings) -> usize {
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
    findings.warning(message.join("\n"));
    i
}

#[cfg(test)]
mod tests {
    use crate::{ErrorKind, parse_nextjs_errors};

    #[test]
    fn ascii_swc_caret_gives_line_and_column() {
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
        let report = parse_nextjs_errors(log);
        assert_eq!(report.errors.len(), 1);
        let error = &report.errors[0];
        assert_eq!(error.kind, ErrorKind::SyntaxError);
        assert_eq!(error.file.as_deref(), Some("app/page.jsx"));
        assert_eq!((error.line, error.column), (Some(2), Some(5)));
    }

    /// Synthetic: miette's Unicode theme, which `next dev` uses when SWC decides the output
    /// supports it; none of the recorded logs has it.
    #[test]
    fn unicode_swc_frame_gives_line_and_column() {
        let log = " ⨯ ./components/Hero.jsx\nError: \n  × Unexpected token. Did you mean `{'}'}` or `&rbrace;`?\n   ╭─[/p/components/Hero.jsx:8:1]\n  8 │   return (\n  9 │     <p>Starting at $9 / month}</p>\n    ·                              ─\n 10 │   );\n    ╰────\n\nCaused by:\n    Syntax Error\n";
        let report = parse_nextjs_errors(log);
        assert_eq!(report.errors.len(), 1, "{report:?}");
        let error = &report.errors[0];
        assert_eq!(error.kind, ErrorKind::SyntaxError);
        assert_eq!(error.file.as_deref(), Some("components/Hero.jsx"));
        assert_eq!((error.line, error.column), (Some(9), Some(30)));
        assert_eq!(
            error.message,
            "Unexpected token. Did you mean `{'}'}` or `&rbrace;`?"
        );
        assert!(error.code_frame.as_deref().unwrap().contains("9 │"));
    }

    /// Synthetic: a labelled Unicode span (`┬` over the label's `╰──`), continuation lines.
    #[test]
    fn unicode_labels_and_continuations() {
        let log = " ⨯ ./app/page.jsx\nError: \n  × You're importing a component that needs useState. It only works in a Client Component but none of its parents are marked with \"use client\", so they're Server Components by default.\n  │ Learn more: https://nextjs.org/docs/getting-started/react-essentials\n  │\n   ╭─[/p/app/page.jsx:1:1]\n 1 │ import { useState } from 'react';\n   ·          ────┬───\n   ·              ╰── here\n 2 │\n   ╰────\n";
        let error = &parse_nextjs_errors(log).errors[0];
        assert_eq!(error.kind, ErrorKind::ClientComponentNeeded);
        assert_eq!((error.line, error.column), (Some(1), Some(10)));
        assert!(
            error.message.ends_with(
                "\nLearn more: https://nextjs.org/docs/getting-started/react-essentials"
            )
        );
    }

    #[test]
    fn two_digit_line_numbers_keep_columns_aligned() {
        let log = " ⨯ ./components/Nav.jsx\nError: \n  x Expected '}'\n    ,-[/p/components/Nav.jsx:9:1]\n  9 | a\n 10 |   {x\n    :    ^\n    `----\n";
        let error = &parse_nextjs_errors(log).errors[0];
        assert_eq!(error.kind, ErrorKind::FailedToCompile);
        assert_eq!((error.line, error.column), (Some(10), Some(4)));
    }

    /// Synthetic: the `Failed to compile.` banner form.
    #[test]
    fn failed_to_compile_banner_reads_the_module_below() {
        let log = "Failed to compile.\n\n./components/Hero.jsx:3:1\nModule not found: Can't resolve 'gsap/ScrollSmoother'\n";
        let report = parse_nextjs_errors(log);
        let error = &report.errors[0];
        assert_eq!(error.kind, ErrorKind::ModuleNotFound);
        assert_eq!(error.file.as_deref(), Some("components/Hero.jsx"));
        assert_eq!((error.line, error.column), (Some(3), Some(1)));
        assert!(!report.compiled);
    }

    #[test]
    fn a_bare_exception_takes_its_file_from_the_frames() {
        let log = " ✓ Compiled / in 1s\n ⨯ TypeError: Cannot read properties of undefined (reading 'title')\n    at Card (./components/Card.jsx:14:27)\n    at Page (./app/page.jsx:20:1)\ndigest: \"1\"\n";
        let error = &parse_nextjs_errors(log).errors[0];
        assert_eq!(error.kind, ErrorKind::RuntimeError);
        assert_eq!(error.file.as_deref(), Some("components/Card.jsx"));
        assert_eq!(error.line, None);
    }

    /// Found by the seeded-edit test: `warn - ` with trailing blanks made no progress.
    #[test]
    fn a_blank_tool_warning_ends() {
        let report = parse_nextjs_errors("warn - \nwarn -   \n ⨯ boom\n");
        assert_eq!(report.warnings, ["\n"]);
        assert_eq!(report.errors.len(), 1);
    }

    #[test]
    fn process_level_exceptions_are_runtime_errors() {
        let log = " ⨯ unhandledRejection: ReferenceError: window is not defined\n    at Hero (./components/Hero.jsx:5:3)\n";
        let error = &parse_nextjs_errors(log).errors[0];
        assert_eq!(error.kind, ErrorKind::RuntimeError);
        assert_eq!(error.message, "ReferenceError: window is not defined");
        assert_eq!(error.file.as_deref(), Some("components/Hero.jsx"));
    }

    #[test]
    fn client_only_runtime_errors_are_client_component_needed() {
        let log = " ⨯ Error: Event handlers cannot be passed to Client Component props.\n  <button onClick={function} children=...>\n            ^^^^^^^^^^\nIf you need interactivity, consider converting part of this to a Client Component.\n    at stringify (<anonymous>)\n";
        let error = &parse_nextjs_errors(log).errors[0];
        assert_eq!(error.kind, ErrorKind::ClientComponentNeeded);
    }
}
