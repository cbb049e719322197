//! The syntax check every generated file must pass: oxc's parser, as the validator uses it.

use oxc_allocator::Allocator;
use oxc_parser::Parser;
use oxc_span::SourceType;
use replica_core::Lang;

/// Parse errors of `source` read as a JSX module, one message each (with the byte offset and
/// the text there); empty when it parses.
pub fn jsx_parse_errors(source: &str) -> Vec<String> {
    parse_errors(source, Lang::JavaScript)
}

/// Parse errors of `source` read as a `.tsx` or `.jsx` module (see [`jsx_parse_errors`]).
pub fn parse_errors(source: &str, lang: Lang) -> Vec<String> {
    let allocator = Allocator::default();
    let source_type = match lang {
        Lang::TypeScript => SourceType::tsx(),
        Lang::JavaScript => SourceType::jsx(),
    };
    let parsed = Parser::new(&allocator, source, source_type).parse();
    parsed
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let mut message = diagnostic.message.to_string();
            let labels = &diagnostic.labels;
            let label = labels
                .iter()
                .find(|label| label.primary())
                .or_else(|| labels.first());
            if let Some(label) = label {
                let start = (label.offset() as usize).min(source.len());
                let end = (start + (label.len() as usize).max(1)).min(source.len());
                let snippet: String = source
                    .get(start..end)
                    .unwrap_or_default()
                    .chars()
                    .take(60)
                    .collect();
                message.push_str(&format!(" (at byte {start}: {snippet:?})"));
            }
            message
        })
        .collect()
}

/// What the LLM path checks in a module that parses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct ModuleFacts {
    /// Specifiers of `import` declarations and re-exports, in order.
    pub imports: Vec<String>,
    pub has_default_export: bool,
}

/// The module's imports and whether it has a default export; the first parse error otherwise.
pub(crate) fn module_facts(source: &str) -> Result<ModuleFacts, String> {
    use oxc_ast::ast::{ModuleExportName, Statement};
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, source, SourceType::jsx()).parse();
    if !parsed.diagnostics.is_empty() {
        return Err(jsx_parse_errors(source)
            .into_iter()
            .next()
            .unwrap_or_default());
    }
    let mut facts = ModuleFacts::default();
    for statement in &parsed.program.body {
        match statement {
            Statement::ImportDeclaration(import) => {
                facts.imports.push(import.source.value.to_string());
            }
            Statement::ExportDefaultDeclaration(_) => facts.has_default_export = true,
            Statement::ExportNamedDeclaration(export)
                if export.specifiers.iter().any(|specifier| {
                    matches!(&specifier.exported, ModuleExportName::IdentifierName(name) if name.name == "default")
                }) => {
                    facts.has_default_export = true;
                }
            Statement::ExportAllDeclaration(export) => {
                facts.imports.push(export.source.value.to_string());
            }
            _ => {}
        }
    }
    Ok(facts)
}
