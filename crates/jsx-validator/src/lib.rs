//! Stage H (DESIGN.md §1): diagnostics over a generated project's JavaScript before it is
//! uploaded, so broken files are fixed before the dev server ever sees them.
//!
//! [`validate`] parses every `.js`/`.jsx`/`.ts`/`.tsx` file with oxc and runs the checks of [`Check`] on the
//! AST (and a few on the text: repeated blocks, truncation marks in files that do not parse).
//! Syntax errors with a mechanical cause (HTML comments, `<img>` left open) are repaired in
//! memory first, so one report lists them all and the rest of the file is still checked.
//! [`autofix`] writes every mechanical repair out and validates again; [`fix_targeted`] asks a
//! [`LanguageModel`](replica_core::LanguageModel) for what remains.

mod autofix;
mod check;
mod llm_fix;
mod project;
mod recover;
mod rules;
mod text;

use std::collections::BTreeSet;
use std::fmt;

use oxc_allocator::Allocator;
use oxc_parser::Parser;
use oxc_span::SourceType;
use replica_core::ProjectFiles;
use serde::Serialize;

pub use autofix::{AutofixOutcome, autofix};
pub use check::{Check, Severity};
pub use llm_fix::{FixOutcome, JsxValidatorError, fix_prompt, fix_targeted};
/// The one inline-style rule of `replica-css` (`!important` dropped, custom properties kept).
pub use replica_css::style_object as css_to_style_object;

use recover::Recovered;
use rules::{FileFacts, Finding, ImportRef};

/// One finding in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub check: Check,
    pub severity: Severity,
    /// The project path (`app/page.jsx`); for a missing file, the path it should have.
    pub file: String,
    /// 1-based; `None` when the finding is about the file as a whole.
    pub line: Option<u32>,
    /// 1-based, in characters.
    pub column: Option<u32>,
    pub message: String,
    pub fix_hint: String,
    /// Whether [`autofix`] repairs it.
    pub fixable: bool,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, ":{line}:{column}")?;
        }
        write!(
            f,
            ": {}[{}]: {}",
            self.severity.as_str(),
            self.check.id(),
            self.message
        )
    }
}

/// Counts over the project, for progress lines and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Stats {
    /// All files of the project.
    pub files: usize,
    /// `.js`/`.jsx`/`.ts`/`.tsx` files, the ones checked.
    pub javascript_files: usize,
    /// Checked files under components/.
    pub components: usize,
    /// Lines of the checked files.
    pub lines: usize,
    /// Checked files with syntax errors left after in-memory repairs.
    pub files_with_syntax_errors: usize,
}

/// The findings of [`validate`]: errors and warnings each sorted by file, line and column.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Report {
    /// No errors (warnings allowed).
    pub valid: bool,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    pub stats: Stats,
}

impl Report {
    /// Errors then warnings.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.errors.iter().chain(&self.warnings)
    }

    /// Whether any error or warning comes from `check`.
    pub fn has(&self, check: Check) -> bool {
        self.diagnostics().any(|d| d.check == check)
    }

    /// The files with at least one error, sorted.
    pub fn files_with_errors(&self) -> BTreeSet<&str> {
        self.errors.iter().map(|d| d.file.as_str()).collect()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_report(self))
    }
}

/// The report as text, for people and for a model asked to fix it: a summary line, then one
/// line per diagnostic (`file:line:col: error[check]: message`) with its fix hint under it.
pub fn format_report(report: &Report) -> String {
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let mut out = format!(
        "{}: {}, {} in {} ({} checked, {})\n",
        if report.valid { "valid" } else { "invalid" },
        plural(report.errors.len(), "error"),
        plural(report.warnings.len(), "warning"),
        plural(report.stats.files, "file"),
        plural(report.stats.javascript_files, "JavaScript file"),
        plural(report.stats.lines, "line"),
    );
    for diagnostic in report.diagnostics() {
        out.push_str(&format!("{diagnostic}\n"));
        out.push_str(&format!(
            "  fix{}: {}\n",
            if diagnostic.fixable {
                " (automatic)"
            } else {
                ""
            },
            diagnostic.fix_hint
        ));
    }
    out
}

/// Checks every `.js`/`.jsx`/`.ts`/`.tsx` file of a project and the project's shape (layout, globals,
/// imports between files). Other files are only looked at as import targets.
pub fn validate(files: &ProjectFiles) -> Report {
    with_deep_stack(|| analyze_project(files).report())
}

/// Deeper nesting than this is refused unparsed; generated components nest a few dozen levels.
const MAX_NESTING: usize = 5_000;

/// Stack for the parser and the AST walk, which recurse once per nesting level (about 1 KiB
/// a level in debug builds); reserved, not committed, until used.
const ANALYSIS_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Runs `work` on a thread with [`ANALYSIS_STACK_BYTES`] of stack, so deeply nested input
/// cannot overflow the caller's. Falls back to the caller's thread if none can be spawned.
pub(crate) fn with_deep_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    let mut work = Some(work);
    let from_thread = std::thread::scope(|scope| {
        let slot = &mut work;
        let handle = std::thread::Builder::new()
            .name("jsx-validator".to_string())
            .stack_size(ANALYSIS_STACK_BYTES)
            .spawn_scoped(scope, move || slot.take().map(|work| work()))
            .ok()?;
        match handle.join() {
            Ok(value) => value,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
    match (from_thread, work) {
        (Some(value), _) => value,
        // No thread could be spawned: the work is still here, so it runs on this thread.
        (None, Some(work)) => work(),
        (None, None) => unreachable!("the work ran on the thread, which returned its value"),
    }
}

/// Whether the project validator checks `path` as JavaScript or TypeScript.
pub fn is_checked_path(path: &str) -> bool {
    [".jsx", ".js", ".mjs", ".tsx", ".ts"]
        .iter()
        .any(|extension| path.ends_with(extension))
}

/// How oxc reads a checked file: TypeScript (`.ts`, `.tsx`, declarations) by its extension;
/// `.js` with JSX, as Next.js compiles it, as an ES module.
pub(crate) fn source_type(path: &str) -> SourceType {
    if path.ends_with(".d.ts") {
        SourceType::d_ts()
    } else if path.ends_with(".tsx") {
        SourceType::tsx()
    } else if path.ends_with(".ts") {
        SourceType::ts()
    } else {
        SourceType::jsx()
    }
}

/// One checked file: its repaired text, what the walk found (offsets in the repaired text)
/// and how to map back to the original.
#[derive(Debug)]
pub(crate) struct FileAnalysis {
    pub path: String,
    pub source: String,
    pub recovered: Recovered,
    pub findings: Vec<Finding>,
    pub imports: Vec<ImportRef>,
    pub unbound_components: Vec<(String, u32)>,
    pub import_insert_offset: u32,
    /// No syntax errors left after the in-memory repairs.
    pub parses: bool,
}

impl FileAnalysis {
    /// Line and column in the original source of an offset in the repaired text.
    fn position(&self, line_starts: &[usize], offset: u32) -> (u32, u32) {
        line_column_indexed(
            &self.source,
            line_starts,
            self.recovered.map.to_original(offset),
        )
    }
}

#[derive(Debug)]
pub(crate) struct ProjectAnalysis {
    pub files: Vec<FileAnalysis>,
    /// Findings from cross-file checks, by index into `files`.
    pub file_findings: Vec<(usize, Finding)>,
    /// Findings about the project or about files that are not JavaScript.
    pub project_diagnostics: Vec<Diagnostic>,
    pub stats: Stats,
}

impl ProjectAnalysis {
    pub fn report(&self) -> Report {
        let mut diagnostics = self.project_diagnostics.clone();
        let line_starts: Vec<Vec<usize>> = self
            .files
            .iter()
            .map(|file| line_starts(&file.source))
            .collect();
        for (file, line_starts) in self.files.iter().zip(&line_starts) {
            for repair in &file.recovered.repairs {
                let (line, column) =
                    line_column_indexed(&file.source, line_starts, repair.original_offset);
                diagnostics.push(diagnostic(
                    repair.check,
                    &file.path,
                    Some((line, column)),
                    repair.message.clone(),
                    None,
                    true,
                ));
            }
            for finding in &file.findings {
                diagnostics.push(finding_diagnostic(file, line_starts, finding));
            }
        }
        for (index, finding) in &self.file_findings {
            diagnostics.push(finding_diagnostic(
                &self.files[*index],
                &line_starts[*index],
                finding,
            ));
        }
        diagnostics.sort_by(|a, b| {
            (&a.file, a.line, a.column, a.check).cmp(&(&b.file, b.line, b.column, b.check))
        });
        diagnostics.dedup();
        let (errors, warnings): (Vec<_>, Vec<_>) = diagnostics
            .into_iter()
            .partition(|d| d.severity == Severity::Error);
        Report {
            valid: errors.is_empty(),
            errors,
            warnings,
            stats: self.stats,
        }
    }
}

fn finding_diagnostic(file: &FileAnalysis, line_starts: &[usize], finding: &Finding) -> Diagnostic {
    diagnostic(
        finding.check,
        &file.path,
        Some(file.position(line_starts, finding.offset)),
        finding.message.clone(),
        finding.hint.clone(),
        finding.fix.is_some(),
    )
}

fn diagnostic(
    check: Check,
    file: &str,
    position: Option<(u32, u32)>,
    message: String,
    hint: Option<String>,
    fixable: bool,
) -> Diagnostic {
    Diagnostic {
        check,
        severity: check.severity(),
        file: file.to_string(),
        line: position.map(|(line, _)| line),
        column: position.map(|(_, column)| column),
        message,
        fix_hint: hint.unwrap_or_else(|| check.fix_hint().to_string()),
        fixable,
    }
}

pub(crate) fn analyze_project(files: &ProjectFiles) -> ProjectAnalysis {
    let mut analyses = Vec::new();
    let mut project_diagnostics = Vec::new();
    let mut stats = Stats {
        files: files.len(),
        ..Stats::default()
    };
    for (path, file) in &files.files {
        if !is_checked_path(path) {
            continue;
        }
        stats.javascript_files += 1;
        if path.starts_with("components/") {
            stats.components += 1;
        }
        match std::str::from_utf8(&file.contents) {
            Ok(source) => {
                stats.lines += source.lines().count();
                let analysis = analyze_file(path, source);
                if !analysis.parses {
                    stats.files_with_syntax_errors += 1;
                }
                analyses.push(analysis);
            }
            Err(error) => {
                stats.files_with_syntax_errors += 1;
                project_diagnostics.push(diagnostic(
                    Check::SyntaxError,
                    path,
                    Some((1, 1)),
                    format!("the file is not valid UTF-8: {error}"),
                    Some("write the file as UTF-8 text".to_string()),
                    false,
                ));
            }
        }
    }
    let file_findings = project::check_imports(files, &analyses);
    project_diagnostics.extend(project::check_structure(files, &analyses));
    ProjectAnalysis {
        files: analyses,
        file_findings,
        project_diagnostics,
        stats,
    }
}

/// Parses one file (after in-memory repairs) and runs the per-file checks.
pub(crate) fn analyze_file(path: &str, source: &str) -> FileAnalysis {
    let depth = text::nesting_depth(source);
    if depth > MAX_NESTING {
        return FileAnalysis {
            path: path.to_string(),
            source: source.to_string(),
            findings: vec![Finding {
                check: Check::SyntaxError,
                offset: 0,
                message: format!(
                    "the file nests {depth} levels deep (more than {MAX_NESTING}); it was not parsed"
                ),
                hint: Some("split the markup into components".to_string()),
                fix: None,
            }],
            imports: Vec::new(),
            unbound_components: Vec::new(),
            import_insert_offset: 0,
            parses: false,
            recovered: Recovered::unchanged(source),
        };
    }
    let allocator = Allocator::default();
    let source_type = source_type(path);
    let parsed = Parser::new(&allocator, source, source_type).parse();
    // Most files parse: then there is nothing to repair and one parse is all it takes.
    if parsed.diagnostics.is_empty() {
        let mut facts = rules::analyze(path, source, &parsed.program);
        facts.findings.extend(text::duplicate_blocks(source));
        return FileAnalysis {
            path: path.to_string(),
            source: source.to_string(),
            findings: facts.findings,
            imports: facts.imports,
            unbound_components: facts.unbound_components,
            import_insert_offset: facts.import_insert_offset,
            parses: true,
            recovered: Recovered::unchanged(source),
        };
    }
    drop(parsed);
    let recovered = recover::recover(source, source_type);
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, &recovered.text, source_type).parse();
    let mut findings = Vec::new();
    let parses = parsed.diagnostics.is_empty();
    let mut facts = FileFacts::default();
    if parses {
        facts = rules::analyze(path, &recovered.text, &parsed.program);
    } else {
        for diagnostic in parsed.diagnostics.iter() {
            let labels = &diagnostic.labels;
            let offset = labels
                .iter()
                .find(|label| label.primary())
                .or_else(|| labels.first())
                .map_or(0, |label| label.offset());
            let mut message = diagnostic.message.to_string();
            if let Some(help) = &diagnostic.help {
                message.push_str(if message.ends_with('.') { " " } else { ". " });
                message.push_str(help);
            }
            findings.push(Finding {
                check: Check::SyntaxError,
                offset,
                message,
                hint: None,
                fix: None,
            });
        }
        // The AST of a file that does not parse is partial: only text checks run.
        findings.extend(text::truncation_lines(&recovered.text));
    }
    findings.append(&mut facts.findings);
    findings.extend(text::duplicate_blocks(&recovered.text));
    FileAnalysis {
        path: path.to_string(),
        source: source.to_string(),
        findings,
        imports: facts.imports,
        unbound_components: facts.unbound_components,
        import_insert_offset: facts.import_insert_offset,
        parses,
        recovered,
    }
}

/// 1-based line and character column of a byte offset; offsets past the end (an error at
/// end of file) or inside a character are clamped back to the nearest boundary.
#[cfg(test)]
fn line_column(source: &str, offset: u32) -> (u32, u32) {
    line_column_indexed(source, &line_starts(source), offset)
}

/// Byte offsets where lines start, so many positions in one file cost a search each.
fn line_starts(source: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(source.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

fn line_column_indexed(source: &str, line_starts: &[usize], offset: u32) -> (u32, u32) {
    let mut offset = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    // The last line start at or before the offset.
    let line_index = line_starts.partition_point(|&start| start <= offset) - 1;
    let line = line_index + 1;
    let column = source[line_starts[line_index]..offset].chars().count() + 1;
    let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    (to_u32(line), to_u32(column))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_from_byte_offsets() {
        let source = "ab\nçd\n";
        let cases = [
            (0, (1, 1)),
            (2, (1, 3)),
            (3, (2, 1)),
            (5, (2, 2)),
            (4, (2, 1)),
            (99, (3, 1)),
        ];
        for (offset, expected) in cases {
            assert_eq!(line_column(source, offset), expected, "offset {offset}");
        }
    }

    #[test]
    fn only_javascript_files_are_checked() {
        let mut files = ProjectFiles::default();
        files.insert_text("app/globals.css", "body { color: red");
        files.insert_text("README.md", "# <not jsx");
        files.insert_bytes("components/Broken.jsx", vec![0xff, 0xfe]);
        let report = validate(&files);
        assert_eq!(report.errors.len(), 1, "{report}");
        assert_eq!(report.errors[0].check, Check::SyntaxError);
        assert!(
            report.errors[0].message.contains("not valid UTF-8"),
            "{}",
            report.errors[0].message
        );
        assert_eq!(report.stats.javascript_files, 1);
        assert_eq!(report.stats.files, 3);
    }

    #[test]
    fn report_text_names_file_position_check_and_hint() {
        let mut files = ProjectFiles::default();
        files.insert_text(
            "components/Hero.jsx",
            "export function Hero() { return <h1 class=\"t\">Hi</h1>; }\n",
        );
        let report = validate(&files);
        let text = format_report(&report);
        assert_eq!(
            text,
            "invalid: 2 errors, 1 warning in 1 file (1 JavaScript file checked, 1 line)\n\
             components/Hero.jsx:1:1: error[missing_default_export]: components/Hero.jsx has no default export; Next.js renders pages and layouts from it and importers of components expect it\n  \
             fix (automatic): export the component: export default function Name() {...}\n\
             components/Hero.jsx:1:37: error[class_not_classname]: `class` on <h1> is HTML; React calls it `className`\n  \
             fix (automatic): rename the attribute to className\n\
             components/Hero.jsx: warning[orphan_component]: nothing imports components/Hero.jsx\n  \
             fix: import and render the component, or delete the file\n"
        );
        assert!(!report.valid);
    }
}
