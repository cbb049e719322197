//! Stage H (DESIGN.md §1): diagnostics over a generated project's JavaScript before it is
//! uploaded, so broken files are fixed before the dev server ever sees them.
//!
//! Now: every `.js`/`.jsx` file parsed with oxc (`parse-error`) and the default-export rule
//! for pages, layouts and components. Later issues add more rules and the deterministic autofix.

use std::fmt;

use oxc_allocator::Allocator;
use oxc_parser::{Parser, ParserReturn};
use oxc_span::SourceType;
use replica_core::ProjectFiles;
use serde::Serialize;

/// Which check produced a diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The file does not parse as JavaScript with JSX (or is not UTF-8).
    ParseError,
    /// A page, layout or component without the default export Next.js and its importers use.
    MissingDefaultExport,
}

impl Rule {
    /// The rule's name, as reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::ParseError => "parse-error",
            Rule::MissingDefaultExport => "missing-default-export",
        }
    }
}

/// One finding in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// The project path (`app/page.jsx`).
    pub file: String,
    /// 1-based.
    pub line: u32,
    /// 1-based, in characters.
    pub column: u32,
    pub rule: Rule,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file,
            self.line,
            self.column,
            self.rule.as_str(),
            self.message
        )
    }
}

/// The findings of [`validate`], in file order then source order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Report {
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

impl Report {
    /// No errors (warnings allowed).
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }
}

impl fmt::Display for Report {
    /// One diagnostic per line, errors first: the text of `validation_failed` events.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for error in &self.errors {
            writeln!(f, "error: {error}")?;
        }
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        Ok(())
    }
}

/// Checks every `.js` and `.jsx` file of a project; other files are not looked at.
pub fn validate(files: &ProjectFiles) -> Report {
    let mut report = Report::default();
    for (path, file) in &files.files {
        if !(path.ends_with(".jsx") || path.ends_with(".js")) {
            continue;
        }
        match std::str::from_utf8(&file.contents) {
            Ok(source) => validate_source(path, source, &mut report),
            Err(error) => report.errors.push(Diagnostic {
                file: path.clone(),
                line: 1,
                column: 1,
                rule: Rule::ParseError,
                message: format!("the file is not valid UTF-8: {error}"),
            }),
        }
    }
    report
}

/// Checks one file's source, adding its findings to `report`.
pub fn validate_source(path: &str, source: &str, report: &mut Report) {
    let allocator = Allocator::default();
    // Next.js compiles `.js` files with JSX enabled too, as ES modules.
    let parsed = Parser::new(&allocator, source, SourceType::jsx()).parse();

    // Parser diagnostics carry a severity; the rare warning ones stay warnings.
    for (diagnostic, is_error) in parsed
        .diagnostics
        .errors()
        .map(|d| (d, true))
        .chain(parsed.diagnostics.warnings().map(|d| (d, false)))
    {
        // The primary label points at the problem; without labels the file start is all we have.
        let offset = diagnostic
            .labels
            .iter()
            .find(|label| label.primary())
            .or_else(|| diagnostic.labels.first())
            .map_or(0, |label| label.offset());
        let (line, column) = line_column(source, offset);
        let mut message = diagnostic.message.to_string();
        if let Some(help) = &diagnostic.help {
            message.push_str(if message.ends_with('.') { " " } else { ". " });
            message.push_str(help);
        }
        let finding = Diagnostic {
            file: path.to_string(),
            line,
            column,
            rule: Rule::ParseError,
            message,
        };
        if is_error {
            report.errors.push(finding);
        } else {
            report.warnings.push(finding);
        }
    }

    // A file with syntax errors has a partial AST; its exports say nothing reliable.
    if parsed.diagnostics.is_empty() && needs_default_export(path) && !has_default_export(&parsed) {
        report.errors.push(Diagnostic {
            file: path.to_string(),
            line: 1,
            column: 1,
            rule: Rule::MissingDefaultExport,
            message: format!(
                "{path} must `export default` its component (Next.js renders pages and layouts \
                 from their default export; components are imported by it)"
            ),
        });
    }
}

/// Pages and layouts anywhere under app/, and the components at the top of components/.
fn needs_default_export(path: &str) -> bool {
    if let Some(rest) = path.strip_prefix("app/") {
        let name = rest.rsplit('/').next().unwrap_or(rest);
        return name == "page.jsx" || name == "layout.jsx";
    }
    match path.strip_prefix("components/") {
        Some(name) => name.ends_with(".jsx") && !name.contains('/'),
        None => false,
    }
}

fn has_default_export(parsed: &ParserReturn<'_>) -> bool {
    let record = &parsed.module_record;
    // `export default ...` and `export { X as default }` are local entries;
    // `export { default } from './X'` is an indirect one.
    record
        .local_export_entries
        .iter()
        .chain(record.indirect_export_entries.iter())
        .any(|entry| entry.export_name.default_export_span().is_some())
}

/// 1-based line and character column of a byte offset; offsets past the end (an error at
/// end of file) or inside a character are clamped back to the nearest boundary.
fn line_column(source: &str, offset: u32) -> (u32, u32) {
    let mut offset = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
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
    fn which_files_need_a_default_export() {
        for yes in [
            "app/page.jsx",
            "app/layout.jsx",
            "app/blog/[slug]/page.jsx",
            "components/Hero.jsx",
        ] {
            assert!(needs_default_export(yes), "{yes}");
        }
        for no in [
            "app/page.js",
            "app/utils.jsx",
            "components/ui/Button.jsx",
            "lib/page.jsx",
            "page.jsx",
        ] {
            assert!(!needs_default_export(no), "{no}");
        }
    }

    #[test]
    fn only_javascript_files_are_checked() {
        let mut files = ProjectFiles::default();
        files.insert_text("app/globals.css", "body { color: red");
        files.insert_text("README.md", "# <not jsx");
        files.insert_bytes("app/page.jsx", vec![0xff, 0xfe]);
        let report = validate(&files);
        assert_eq!(report.errors.len(), 1);
        assert_eq!(report.errors[0].rule, Rule::ParseError);
        assert!(
            report.errors[0].message.contains("not valid UTF-8"),
            "{}",
            report.errors[0].message
        );
    }

    #[test]
    fn report_text_names_file_position_and_rule() {
        let mut files = ProjectFiles::default();
        files.insert_text(
            "components/Hero.jsx",
            "export function Hero() { return <h1/>; }\n",
        );
        let report = validate(&files);
        assert_eq!(
            report.to_string().lines().next(),
            Some(
                "error: components/Hero.jsx:1:1: missing-default-export: components/Hero.jsx must `export default` its component (Next.js renders pages and layouts from their default export; components are imported by it)"
            )
        );
        assert!(!report.is_clean());
    }
}
