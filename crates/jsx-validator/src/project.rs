//! Checks across files: imports resolve to packages the sandbox template installs or to files
//! of the project, components used are defined, and the app has its layout and global styles.

use std::collections::HashSet;

use replica_core::{ProjectFiles, installable_version, is_template_package, package_name};

use crate::check::Check;
use crate::rules::{Edit, Finding};
use crate::{Diagnostic, FileAnalysis, is_checked_path};

/// Node's modules, allowed in the config files Next.js runs in Node (next.config.js...).
const NODE_BUILTINS: &[&str] = &[
    "assert",
    "buffer",
    "child_process",
    "crypto",
    "events",
    "fs",
    "http",
    "https",
    "module",
    "os",
    "path",
    "process",
    "stream",
    "url",
    "util",
    "zlib",
];

/// Extensions an import without one may resolve to, in Next.js's order.
const RESOLVED_EXTENSIONS: &[&str] = &[
    "",
    ".tsx",
    ".ts",
    ".jsx",
    ".js",
    ".mjs",
    ".json",
    "/index.tsx",
    "/index.ts",
    "/index.jsx",
    "/index.js",
];

/// Extensions of the files that hold modules, most specific first.
const MODULE_EXTENSIONS: &[&str] = &[".tsx", ".ts", ".jsx", ".js", ".mjs"];

/// A module file's path without its extension (`components/Hero` for `components/Hero.tsx`).
pub(crate) fn module_stem(path: &str) -> Option<&str> {
    MODULE_EXTENSIONS
        .iter()
        .find_map(|extension| path.strip_suffix(extension))
}

/// What an import specifier names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// A package the template installs (or a Node module in a config file).
    Package,
    /// A file of the project.
    File(String),
    /// A project path that does not exist (the path it would have without extension).
    MissingFile(String),
    /// A package the template does not install.
    UnknownPackage,
    /// An absolute path, a URL, or a relative path leaving the project.
    Outside,
    /// `@/...` in a project whose jsconfig.json (or tsconfig.json) does not map `@/*`.
    UnmappedAlias,
}

pub(crate) fn resolve(importer: &str, specifier: &str, files: &ProjectFiles) -> Resolution {
    let target = if let Some(rest) = specifier.strip_prefix("@/") {
        if !maps_at_alias(files) {
            return Resolution::UnmappedAlias;
        }
        Some(rest.to_string())
    } else if specifier.starts_with("./")
        || specifier.starts_with("../")
        || specifier == "."
        || specifier == ".."
    {
        let dir = importer.rsplit_once('/').map_or("", |(dir, _)| dir);
        join(dir, specifier)
    } else if specifier.starts_with('/') || specifier.contains("://") {
        return Resolution::Outside;
    } else if is_template_package(specifier)
        || is_installed_extra(specifier, files)
        || (is_config_file(importer) && is_node_builtin(specifier))
    {
        return Resolution::Package;
    } else {
        return Resolution::UnknownPackage;
    };
    let Some(target) = target else {
        return Resolution::Outside;
    };
    let target = target.trim_end_matches('/').to_string();
    for extension in RESOLVED_EXTENSIONS {
        let candidate = format!("{target}{extension}");
        if files.files.contains_key(&candidate) {
            return Resolution::File(candidate);
        }
    }
    Resolution::MissingFile(target)
}

/// An allowlisted extra package (`replica_core::INSTALLABLE_PACKAGES`) that the project's
/// package.json lists: the agent's `install_package` put it there and into the sandbox.
fn is_installed_extra(specifier: &str, files: &ProjectFiles) -> bool {
    let name = package_name(specifier);
    installable_version(name).is_some()
        && files
            .text("package.json")
            .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
            .is_some_and(|json| json["dependencies"][name].is_string())
}

/// Whether jsconfig.json or tsconfig.json maps `@/*` (as create-next-app and the assembler
/// write it); without that mapping Next.js cannot resolve `@/` imports.
fn maps_at_alias(files: &ProjectFiles) -> bool {
    ["jsconfig.json", "tsconfig.json"].iter().any(|config| {
        files
            .text(config)
            .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
            .is_some_and(|json| !json["compilerOptions"]["paths"]["@/*"].is_null())
    })
}

fn is_config_file(path: &str) -> bool {
    !path.contains('/') && path.contains(".config.")
}

fn is_node_builtin(specifier: &str) -> bool {
    specifier.starts_with("node:")
        || NODE_BUILTINS.contains(&specifier.split('/').next().unwrap_or(""))
}

/// `dir` joined with a relative path, normalised; `None` when it leaves the project.
fn join(dir: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// The specifier that imports `target` (a project path) from `importer`: relative, without
/// the extension.
pub(crate) fn relative_specifier(importer: &str, target: &str) -> String {
    let from: Vec<&str> = importer.split('/').collect();
    let from_dirs = &from[..from.len() - 1];
    let target = module_stem(target).unwrap_or(target);
    let to: Vec<&str> = target.split('/').collect();
    let common = from_dirs
        .iter()
        .zip(&to)
        .take_while(|(a, b)| a == b)
        .count();
    let ups = from_dirs.len() - common;
    let mut out = if ups == 0 {
        "./".to_string()
    } else {
        "../".repeat(ups)
    };
    out.push_str(&to[common..].join("/"));
    out
}

fn has_extension(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| name.contains('.'))
}

fn looks_like_component(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    path.starts_with("components/")
        || path.contains("/components/")
        || name.starts_with(|c: char| c.is_ascii_uppercase())
}

/// bad_import and missing_component_file, by index of the importing file.
pub(crate) fn check_imports(
    files: &ProjectFiles,
    analyses: &[FileAnalysis],
) -> Vec<(usize, Finding)> {
    let mut findings = Vec::new();
    for (index, analysis) in analyses.iter().enumerate() {
        for import in &analysis.imports {
            let specifier = &import.specifier;
            let finding = match resolve(&analysis.path, specifier, files) {
                Resolution::Package | Resolution::File(_) => continue,
                Resolution::UnknownPackage => Finding {
                    check: Check::BadImport,
                    offset: import.offset,
                    message: format!(
                        "`{specifier}` is not installed in the sandbox template (only react, \
                         next/* and the template's packages are)"
                    ),
                    hint: None,
                    fix: None,
                },
                Resolution::Outside => Finding {
                    check: Check::BadImport,
                    offset: import.offset,
                    message: format!("`{specifier}` points outside the project"),
                    hint: Some("import project files by a relative path or @/...".to_string()),
                    fix: None,
                },
                Resolution::UnmappedAlias => Finding {
                    check: Check::BadImport,
                    offset: import.offset,
                    message: format!(
                        "`{specifier}` uses the @/ alias, but no jsconfig.json maps \"@/*\""
                    ),
                    hint: Some(
                        "add jsconfig.json with {\"compilerOptions\": {\"baseUrl\": \".\", \
                         \"paths\": {\"@/*\": [\"./*\"]}}}, or import by a relative path"
                            .to_string(),
                    ),
                    fix: None,
                },
                Resolution::MissingFile(target) if looks_like_component(&target) => Finding {
                    check: Check::MissingComponentFile,
                    offset: import.offset,
                    message: if has_extension(&target) {
                        format!("`{specifier}` is imported, but {target} is not in the project")
                    } else {
                        format!(
                            "`{specifier}` is imported, but {target}.tsx (or .jsx) is not in the \
                             project"
                        )
                    },
                    hint: None,
                    fix: None,
                },
                Resolution::MissingFile(target) => Finding {
                    check: Check::BadImport,
                    offset: import.offset,
                    message: if has_extension(&target) {
                        format!("`{specifier}` is imported, but {target} is not in the project")
                    } else {
                        format!(
                            "`{specifier}` is imported, but no file {target}.tsx, .ts, .jsx, \
                             .js or .json is in the project"
                        )
                    },
                    hint: None,
                    fix: None,
                },
            };
            findings.push((index, finding));
        }
        for (name, offset) in &analysis.unbound_components {
            let existing = component_file(files, name);
            let message = format!(
                "<{name}> is used, but {name} is neither imported nor defined in this file"
            );
            let finding = match existing {
                Some(target) => {
                    let specifier = relative_specifier(&analysis.path, &target);
                    let line = format!("import {name} from '{specifier}';");
                    let text = if analysis.import_insert_offset == 0 {
                        format!("{line}\n")
                    } else {
                        format!("\n{line}")
                    };
                    Finding {
                        check: Check::MissingComponentFile,
                        offset: *offset,
                        message,
                        hint: Some(format!("add `{line}`")),
                        fix: Some(vec![Edit {
                            start: analysis.import_insert_offset,
                            end: analysis.import_insert_offset,
                            text,
                        }]),
                    }
                }
                None => Finding {
                    check: Check::MissingComponentFile,
                    offset: *offset,
                    message,
                    hint: Some(format!(
                        "create components/{name}.tsx (or .jsx) and import it, or define {name} \
                         in this file"
                    )),
                    fix: None,
                },
            };
            findings.push((index, finding));
        }
    }
    findings
}

/// The project file that defines component `name`: components/Name.jsx first.
fn component_file(files: &ProjectFiles, name: &str) -> Option<String> {
    for extension in [".tsx", ".jsx", ".ts", ".js"] {
        let candidate = format!("components/{name}{extension}");
        if files.files.contains_key(&candidate) {
            return Some(candidate);
        }
    }
    files
        .paths()
        .filter(|path| {
            (path.ends_with(".jsx") || path.ends_with(".tsx")) && !path.starts_with("app/")
        })
        .find(|path| path.rsplit('/').next().and_then(module_stem) == Some(name))
        .map(str::to_string)
}

/// orphan_component, missing_layout, missing_globals.
pub(crate) fn check_structure(files: &ProjectFiles, analyses: &[FileAnalysis]) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let whole_file = |check: Check, file: &str, message: String| Diagnostic {
        check,
        severity: check.severity(),
        file: file.to_string(),
        line: None,
        column: None,
        message,
        fix_hint: check.fix_hint().to_string(),
        fixable: false,
    };
    // Imports of a file that does not parse are unknown: then nothing can be called unused.
    let imports_known = analyses.iter().all(|analysis| analysis.parses)
        && files
            .files
            .iter()
            .filter(|(path, _)| is_checked_path(path))
            .all(|(_, file)| std::str::from_utf8(&file.contents).is_ok());
    let imported: HashSet<String> = analyses
        .iter()
        .flat_map(|analysis| {
            analysis.imports.iter().filter_map(|import| {
                match resolve(&analysis.path, &import.specifier, files) {
                    Resolution::File(path) => Some(path),
                    _ => None,
                }
            })
        })
        .collect();
    if imports_known {
        for path in files.paths() {
            if path.starts_with("components/") && is_checked_path(path) && !imported.contains(path)
            {
                diagnostics.push(whole_file(
                    Check::OrphanComponent,
                    path,
                    format!("nothing imports {path}"),
                ));
            }
        }
    }

    let has_page = files.paths().any(|path| {
        path.starts_with("app/") && module_stem(path).is_some_and(|stem| stem.ends_with("/page"))
    });
    let has_layout = files
        .paths()
        .any(|path| module_stem(path) == Some("app/layout"));
    if has_page && !has_layout {
        diagnostics.push(whole_file(
            Check::MissingLayout,
            "app/layout.jsx",
            "the app has pages but no root layout app/layout.jsx".to_string(),
        ));
    }
    if has_page || has_layout {
        if !files.files.contains_key("app/globals.css") {
            diagnostics.push(whole_file(
                Check::MissingGlobals,
                "app/globals.css",
                "the app has no app/globals.css for its global styles".to_string(),
            ));
        } else if imports_known && !imported.contains("app/globals.css") {
            diagnostics.push(whole_file(
                Check::MissingGlobals,
                "app/globals.css",
                "nothing imports app/globals.css, so its styles never load".to_string(),
            ));
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(paths: &[&str]) -> ProjectFiles {
        let mut files = ProjectFiles::default();
        for path in paths {
            files.insert_text(*path, "");
        }
        files
    }

    #[test]
    fn specifiers_resolve_like_next() {
        let mut files = project(&[
            "components/Hero.jsx",
            "lib/data.js",
            "app/globals.css",
            "components/ui/index.jsx",
        ]);
        files.insert_text(
            "jsconfig.json",
            r#"{ "compilerOptions": { "baseUrl": ".", "paths": { "@/*": ["./*"] } } }"#,
        );
        let cases = [
            (
                "app/page.jsx",
                "../components/Hero",
                Resolution::File("components/Hero.jsx".into()),
            ),
            (
                "app/page.jsx",
                "@/components/Hero",
                Resolution::File("components/Hero.jsx".into()),
            ),
            (
                "app/layout.jsx",
                "./globals.css",
                Resolution::File("app/globals.css".into()),
            ),
            (
                "components/Hero.jsx",
                "./ui",
                Resolution::File("components/ui/index.jsx".into()),
            ),
            (
                "components/Hero.jsx",
                "../lib/data.js",
                Resolution::File("lib/data.js".into()),
            ),
            (
                "app/page.jsx",
                "../components/Nav",
                Resolution::MissingFile("components/Nav".into()),
            ),
            ("app/page.jsx", "../../x", Resolution::Outside),
            ("app/page.jsx", "/etc/passwd", Resolution::Outside),
            ("app/page.jsx", "react", Resolution::Package),
            ("app/page.jsx", "next/image", Resolution::Package),
            ("app/page.jsx", "swiper/css", Resolution::Package),
            ("app/page.jsx", "axios", Resolution::UnknownPackage),
            ("app/page.jsx", "fs", Resolution::UnknownPackage),
            ("next.config.js", "path", Resolution::Package),
            ("next.config.js", "node:fs", Resolution::Package),
        ];
        for (importer, specifier, expected) in cases {
            assert_eq!(
                resolve(importer, specifier, &files),
                expected,
                "{importer} {specifier}"
            );
        }
    }

    #[test]
    fn the_at_alias_needs_its_jsconfig_mapping() {
        let mut files = project(&["components/Hero.jsx"]);
        let resolve_hero =
            |files: &ProjectFiles| resolve("app/page.jsx", "@/components/Hero", files);
        assert_eq!(resolve_hero(&files), Resolution::UnmappedAlias);
        files.insert_text(
            "jsconfig.json",
            r#"{ "compilerOptions": { "baseUrl": "." } }"#,
        );
        assert_eq!(resolve_hero(&files), Resolution::UnmappedAlias);
        files.insert_text("jsconfig.json", "not json");
        assert_eq!(resolve_hero(&files), Resolution::UnmappedAlias);
        files.insert_text(
            "tsconfig.json",
            r#"{ "compilerOptions": { "paths": { "@/*": ["./*"] } } }"#,
        );
        assert_eq!(
            resolve_hero(&files),
            Resolution::File("components/Hero.jsx".into())
        );
    }

    #[test]
    fn relative_specifiers() {
        assert_eq!(
            relative_specifier("app/page.jsx", "components/Hero.jsx"),
            "../components/Hero"
        );
        assert_eq!(
            relative_specifier("components/Page.jsx", "components/Hero.jsx"),
            "./Hero"
        );
        assert_eq!(
            relative_specifier("app/blog/page.jsx", "components/ui/Card.jsx"),
            "../../components/ui/Card"
        );
        assert_eq!(
            relative_specifier("page.jsx", "components/Hero.jsx"),
            "./components/Hero"
        );
    }
}
