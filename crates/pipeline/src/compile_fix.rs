//! Stage J's deterministic repair: what to change when the dev server reports errors.
//!
//! A component named in an error is first written again by the faithful compiler (a model's
//! or the tailwind compiler's output is the usual culprit); a component that still fails after
//! that is replaced by an empty section, so the rest of the page renders. Every change is said.

use std::collections::BTreeSet;

use replica_core::{DesignTokens, Lang, Plan, ProjectFiles};
use replica_next_error_parser::NextError;
use replica_section_gen::{CompileOptions, compile_section, component_path};

/// What has been tried so far, so no fix is applied twice.
pub(crate) struct CompileFix<'a> {
    plan: &'a Plan,
    tokens: &'a DesignTokens,
    options: CompileOptions<'a>,
    recompiled: BTreeSet<String>,
    omitted: BTreeSet<String>,
}

impl<'a> CompileFix<'a> {
    pub(crate) fn new(
        plan: &'a Plan,
        tokens: &'a DesignTokens,
        options: CompileOptions<'a>,
    ) -> CompileFix<'a> {
        CompileFix {
            plan,
            tokens,
            options,
            recompiled: BTreeSet::new(),
            omitted: BTreeSet::new(),
        }
    }
}

/// The project after one round of fixes.
pub(crate) struct FixedFiles {
    pub(crate) files: ProjectFiles,
    /// Paths whose content changed; empty when nothing could be done.
    pub(crate) changed: Vec<String>,
    /// One line per change, for the user.
    pub(crate) notes: Vec<String>,
}

pub(crate) fn fix_compile_errors(
    fix: &mut CompileFix<'_>,
    files: &ProjectFiles,
    errors: &[NextError],
) -> FixedFiles {
    let mut fixed = FixedFiles {
        files: files.clone(),
        changed: Vec::new(),
        notes: Vec::new(),
    };
    let blamed: BTreeSet<String> = errors
        .iter()
        .filter_map(|error| error.file.as_deref().and_then(project_path))
        .collect();
    for path in blamed {
        // A model's section is `.jsx` in a TypeScript project too: recompile in the file's
        // own language.
        let Some(lang) = Lang::of_path(&path) else {
            continue;
        };
        let Some(section) = fix
            .plan
            .sections
            .iter()
            .find(|section| component_path(&section.component_name, lang) == path)
        else {
            continue;
        };
        let name = section.component_name.clone();
        let options = CompileOptions {
            lang,
            ..fix.options
        };
        let replacement = if fix.recompiled.insert(name.clone()) {
            compile_section(section, &fix.plan.shared_context, fix.tokens, &options)
                .ok()
                .map(|file| file.source)
                .filter(|source| fixed.files.text(&path) != Some(source.as_str()))
                .map(|source| {
                    (
                        source,
                        format!(
                            "{name}: written again by the faithful compiler after a compile error"
                        ),
                    )
                })
        } else {
            None
        };
        let replacement = replacement.or_else(|| {
            fix.omitted.insert(name.clone()).then(|| {
                (
                    empty_component(&name),
                    format!("{name}: left out of the page, it still did not compile"),
                )
            })
        });
        if let Some((source, note)) = replacement {
            fixed.files.insert_text(path.clone(), source);
            fixed.changed.push(path);
            fixed.notes.push(note);
        }
    }
    fixed
}

/// `components/Hero.tsx` (or `.jsx`) from what the dev server printed (`./components/Hero.jsx`, an
/// absolute path inside the sandbox, ...); `None` for files outside `components/`.
fn project_path(file: &str) -> Option<String> {
    let file = file.replace('\\', "/");
    let start = file.rfind("components/")?;
    let path = &file[start..];
    // The error may carry `:line:column`.
    let path = path.split(':').next().unwrap_or(path);
    [".jsx", ".tsx"]
        .iter()
        .any(|extension| path.ends_with(extension))
        .then(|| path.to_string())
}

fn empty_component(name: &str) -> String {
    format!(
        "export default function {name}() {{\n  return <section data-replica-omitted=\"compile error\" />;\n}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_paths_come_out_of_what_next_prints() {
        assert_eq!(
            project_path("./components/Hero.jsx").as_deref(),
            Some("components/Hero.jsx")
        );
        assert_eq!(
            project_path("/tmp/sandboxes/local-3/project/components/Nav.jsx:12:4").as_deref(),
            Some("components/Nav.jsx")
        );
        assert_eq!(
            project_path("./components/Hero.tsx:3:1").as_deref(),
            Some("components/Hero.tsx")
        );
        assert_eq!(project_path("./app/page.jsx"), None);
        assert_eq!(project_path("components/styles.css"), None);
    }
}
