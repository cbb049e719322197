//! package.json, package-lock.json and the tool configs a developer expects beside them.
//!
//! package.json lists what the project's files import (from the template's packages, at the
//! template's versions) plus `next`, `react` and `react-dom`, and as devDependencies the
//! tooling the project needs: eslint with eslint-config-next always, TypeScript and the
//! `@types` packages for a TypeScript project, Tailwind with PostCSS and Autoprefixer when the
//! project uses Tailwind. package-lock.json is cut from the template's lock file (the packages
//! the manifest reaches, as npm resolved them for the template), so `npm install` needs
//! nothing the template install did not put in the npm cache.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;
use replica_core::{Lang, ProjectFiles, TEMPLATE_LOCK, package_name, template_version};
use serde_json::{Map, Value, json};

/// The tooling a project needs beside its imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tooling {
    pub lang: Lang,
    /// Tailwind classes (and so tailwind.config.js and PostCSS) are used.
    pub tailwind: bool,
}

/// Packages every Next.js project depends on, whatever it imports.
const BASE: &[&str] = &["next", "react", "react-dom"];

impl Tooling {
    /// The devDependencies this tooling needs.
    fn dev_packages(self) -> Vec<&'static str> {
        let mut packages = vec!["eslint", "eslint-config-next"];
        if self.lang == Lang::TypeScript {
            packages.extend([
                "typescript",
                "@types/node",
                "@types/react",
                "@types/react-dom",
            ]);
        }
        if self.tailwind {
            packages.extend(["tailwindcss", "postcss", "autoprefixer"]);
        }
        packages
    }
}

static IMPORT: LazyLock<Regex> = LazyLock::new(|| {
    // `import x from "p"`, `import "p"`, `export * from "p"`, `import("p")`, `require("p")`.
    Regex::new(
        r#"(?m)(?:^\s*(?:import|export)\b[^'";]*?(?:\bfrom\s*)?|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([^"'\n]+)["']"#,
    )
    .expect("valid regex")
});

/// The template packages the project's source files import (configs included), by name.
pub fn imported_packages(files: &ProjectFiles) -> BTreeSet<String> {
    let mut packages = BTreeSet::new();
    for path in files.paths() {
        if Lang::of_path(path).is_none() {
            continue;
        }
        let Some(text) = files.text(path) else {
            continue;
        };
        for captures in IMPORT.captures_iter(text) {
            let specifier = &captures[1];
            if specifier.starts_with(['.', '/']) || specifier.starts_with("@/") {
                continue;
            }
            let name = package_name(specifier);
            if template_version(name).is_some() {
                packages.insert(name.to_string());
            }
        }
    }
    packages
}

/// package.json for `files`: what they import plus [`BASE`] as dependencies, the tooling as
/// devDependencies, every version the template's.
pub fn package_json(name: &str, files: &ProjectFiles, tooling: Tooling) -> String {
    let dev: Vec<&str> = tooling.dev_packages();
    let mut dependencies = BTreeMap::new();
    for package in BASE
        .iter()
        .map(|name| name.to_string())
        .chain(imported_packages(files))
    {
        if !dev.contains(&package.as_str()) {
            dependencies.insert(package, ());
        }
    }
    let pinned = |names: Vec<&str>| -> Map<String, Value> {
        names
            .into_iter()
            .filter_map(|name| {
                template_version(name).map(|version| (name.to_string(), json!(version)))
            })
            .collect()
    };
    let mut dev_sorted = dev.clone();
    dev_sorted.sort_unstable();
    let string = |text: &str| Value::from(text).to_string();
    let scripts = ordered_object(
        &[
            ("dev", string("next dev")),
            ("build", string("next build")),
            ("start", string("next start")),
            ("lint", string("next lint")),
        ],
        1,
    );
    let nested = |map: Map<String, Value>| {
        serde_json::to_string_pretty(&Value::Object(map))
            .unwrap_or_default()
            .replace('\n', "\n  ")
    };
    let mut text = ordered_object(
        &[
            ("name", string(&crate::npm_package_name(name))),
            ("version", string("0.1.0")),
            ("private", "true".to_string()),
            ("scripts", scripts),
            (
                "dependencies",
                nested(pinned(dependencies.keys().map(String::as_str).collect())),
            ),
            ("devDependencies", nested(pinned(dev_sorted))),
        ],
        0,
    );
    text.push('\n');
    text
}

/// A JSON object with its keys in the order given, as npm writes package.json (`name`,
/// `version`, `private`, `scripts` first; serde_json's map would sort them); `entries` hold
/// values already written, `depth` is the object's nesting level (two spaces each).
fn ordered_object(entries: &[(&str, String)], depth: usize) -> String {
    let indent = "  ".repeat(depth + 1);
    let members: Vec<String> = entries
        .iter()
        .map(|(key, value)| format!("{indent}{}: {value}", Value::from(*key)))
        .collect();
    format!("{{\n{}\n{}}}", members.join(",\n"), "  ".repeat(depth))
}

/// The tooling a package.json asks for (its devDependencies), to rebuild it after the files
/// changed.
fn tooling_of(package: &Value) -> Tooling {
    let dev = |name: &str| package["devDependencies"].get(name).is_some();
    Tooling {
        lang: if dev("typescript") {
            Lang::TypeScript
        } else {
            Lang::JavaScript
        },
        tailwind: dev("tailwindcss"),
    }
}

/// Writes package.json and package-lock.json for the files as they are.
pub fn write_manifest(files: &mut ProjectFiles, name: &str, tooling: Tooling) {
    let package = package_json(name, files, tooling);
    if let Some(lock) = package_lock(&package) {
        files.insert_text("package-lock.json", lock);
    }
    files.insert_text("package.json", package);
}

/// Brings package.json and package-lock.json up to date with what the files import now (a
/// fix may have added an import); returns the paths that changed.
pub fn refresh_manifest(files: &mut ProjectFiles) -> Vec<String> {
    let Some(current) = files
        .text("package.json")
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
    else {
        return Vec::new();
    };
    let name = current["name"].as_str().unwrap_or_default().to_string();
    let before = (
        files.text("package.json").map(str::to_string),
        files.text("package-lock.json").map(str::to_string),
    );
    write_manifest(files, &name, tooling_of(&current));
    let mut changed = Vec::new();
    if files.text("package.json") != before.0.as_deref() {
        changed.push("package.json".to_string());
    }
    if files.text("package-lock.json") != before.1.as_deref() {
        changed.push("package-lock.json".to_string());
    }
    changed
}

/// How a package is reached from the project: from `dependencies` or `devDependencies`, and
/// whether only through optional edges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Reach {
    prod_required: bool,
    prod_any: bool,
    dev_required: bool,
    dev_any: bool,
}

/// package-lock.json for `package_json`: the template lock's entries the manifest reaches
/// (following dependencies, optional and peer dependencies from each package's place in the
/// tree, as Node resolves them), with npm's `dev` / `optional` / `devOptional` flags for this
/// project. `None` when the template lock cannot be read (it is compiled in and tested).
pub fn package_lock(package_json: &str) -> Option<String> {
    let template: Value = serde_json::from_str(TEMPLATE_LOCK).ok()?;
    let entries = template["packages"].as_object()?;
    let package: Value = serde_json::from_str(package_json).ok()?;
    let mut reach: BTreeMap<String, Reach> = BTreeMap::new();
    let roots = |field: &str| -> Vec<String> {
        package[field]
            .as_object()
            .map(|deps| deps.keys().cloned().collect())
            .unwrap_or_default()
    };
    // (location, prod?, required?) to visit.
    let mut stack: Vec<(String, bool, bool)> = Vec::new();
    for (field, prod) in [("dependencies", true), ("devDependencies", false)] {
        for name in roots(field) {
            if let Some(location) = resolve(entries, "", &name) {
                stack.push((location, prod, true));
            }
        }
    }
    while let Some((location, prod, required)) = stack.pop() {
        let seen = reach.entry(location.clone()).or_default();
        let before = *seen;
        if prod {
            seen.prod_any = true;
            seen.prod_required |= required;
        } else {
            seen.dev_any = true;
            seen.dev_required |= required;
        }
        if *seen == before {
            continue;
        }
        let entry = &entries[&location];
        for (name, optional) in edges(entry) {
            if let Some(target) = resolve(entries, &location, &name) {
                stack.push((target, prod, required && !optional));
            }
        }
    }
    let mut packages = Map::new();
    packages.insert(
        String::new(),
        json!({
            "name": package["name"],
            "version": package["version"],
            "dependencies": package["dependencies"],
            "devDependencies": package["devDependencies"],
        }),
    );
    for (location, reach) in reach {
        let mut entry = entries[&location].as_object().cloned().unwrap_or_default();
        for flag in ["dev", "optional", "devOptional"] {
            entry.remove(flag);
        }
        if !reach.prod_required {
            let flag = if !reach.prod_any {
                entry.insert("dev".into(), json!(true));
                (!reach.dev_required).then_some("optional")
            } else if reach.dev_required {
                Some("devOptional")
            } else {
                Some("optional")
            };
            if let Some(flag) = flag {
                entry.insert(flag.into(), json!(true));
            }
        }
        packages.insert(location, Value::Object(entry));
    }
    Some(pretty(&json!({
        "name": package["name"],
        "version": package["version"],
        "lockfileVersion": 3,
        "requires": true,
        "packages": packages,
    })))
}

/// The names a lock entry depends on, each with whether the edge is optional.
fn edges(entry: &Value) -> Vec<(String, bool)> {
    let names = |field: &str| -> Vec<String> {
        entry[field]
            .as_object()
            .map(|deps| deps.keys().cloned().collect())
            .unwrap_or_default()
    };
    let mut out: Vec<(String, bool)> = names("dependencies")
        .into_iter()
        .map(|name| (name, false))
        .collect();
    out.extend(
        names("optionalDependencies")
            .into_iter()
            .map(|name| (name, true)),
    );
    for name in names("peerDependencies") {
        let optional = entry["peerDependenciesMeta"][&name]["optional"] == json!(true);
        out.push((name, optional));
    }
    out
}

/// Where Node finds `name` from the package at `from`: its own `node_modules`, then each
/// ancestor's, then the root's.
fn resolve(entries: &Map<String, Value>, from: &str, name: &str) -> Option<String> {
    let mut base = from.to_string();
    loop {
        let candidate = if base.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{base}/node_modules/{name}")
        };
        if entries.contains_key(&candidate) {
            return Some(candidate);
        }
        if base.is_empty() {
            return None;
        }
        base = match base.rfind("/node_modules/") {
            Some(index) => base[..index].to_string(),
            None => String::new(),
        };
    }
}

/// JSON as npm writes it: two-space indentation and a final newline.
fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// tsconfig.json as create-next-app 14 writes it.
pub fn tsconfig() -> String {
    replica_core::TSCONFIG.to_string()
}

/// jsconfig.json: `@/components/Hero` resolves from the project root.
pub fn jsconfig() -> String {
    "{\n  \"compilerOptions\": {\n    \"baseUrl\": \".\",\n    \"paths\": {\n      \"@/*\": [\"./*\"]\n    }\n  }\n}\n"
        .to_string()
}

/// .eslintrc.json as create-next-app 14 writes it: Next's rules, Core Web Vitals as errors.
pub const ESLINTRC: &str = "{\n  \"extends\": \"next/core-web-vitals\"\n}\n";

#[cfg(test)]
mod tests {
    use super::*;
    use replica_core::TEMPLATE_PACKAGES;

    fn project(files: &[(&str, &str)]) -> ProjectFiles {
        let mut project = ProjectFiles::default();
        for (path, text) in files {
            project.insert_text(*path, *text);
        }
        project
    }

    #[test]
    fn imports_of_every_form_are_found() {
        let files = project(&[
            (
                "components/Hero.tsx",
                "import Image from \"next/image\";\nimport {\n  motion,\n} from 'framer-motion';\nimport \"swiper/css\";\nimport Local from \"./Local\";\nimport Alias from \"@/components/X\";\nconst x = await import(\"gsap\");\n",
            ),
            (
                "tailwind.config.js",
                "module.exports = { plugins: [require(\"tailwindcss/plugin\")] };\n",
            ),
            ("components/Note.md", "import x from \"lucide-react\";\n"),
            (
                "app/page.jsx",
                "// not an import: from \"clsx\"\nimport axios from \"axios\";\n",
            ),
        ]);
        let found: Vec<String> = imported_packages(&files).into_iter().collect();
        assert_eq!(
            found,
            ["framer-motion", "gsap", "next", "swiper", "tailwindcss"]
        );
    }

    #[test]
    fn package_json_lists_imports_and_the_tooling() {
        let files = project(&[(
            "components/Hero.tsx",
            "import { Tabs } from \"@radix-ui/react-tabs\";\n",
        )]);
        let tooling = Tooling {
            lang: Lang::TypeScript,
            tailwind: false,
        };
        let package: Value = serde_json::from_str(&package_json("Acme", &files, tooling)).unwrap();
        let keys = |field: &str| -> Vec<String> {
            package[field]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        assert_eq!(
            keys("dependencies"),
            ["@radix-ui/react-tabs", "next", "react", "react-dom"]
        );
        assert_eq!(
            keys("devDependencies"),
            [
                "@types/node",
                "@types/react",
                "@types/react-dom",
                "eslint",
                "eslint-config-next",
                "typescript"
            ]
        );
        assert_eq!(package["dependencies"]["next"], "14.2.21");
        assert_eq!(package["scripts"]["lint"], "next lint");
        let javascript = Tooling {
            lang: Lang::JavaScript,
            tailwind: true,
        };
        let package: Value =
            serde_json::from_str(&package_json("Acme", &ProjectFiles::default(), javascript))
                .unwrap();
        let dev: Vec<&String> = package["devDependencies"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(
            dev,
            [
                "autoprefixer",
                "eslint",
                "eslint-config-next",
                "postcss",
                "tailwindcss"
            ]
        );
        assert!(TEMPLATE_PACKAGES.iter().any(|(name, _)| *name == "react"));
    }

    #[test]
    fn the_lock_holds_what_the_manifest_reaches_and_flags_dev_packages() {
        let tooling = Tooling {
            lang: Lang::TypeScript,
            tailwind: false,
        };
        let package = package_json("Acme", &ProjectFiles::default(), tooling);
        let lock: Value = serde_json::from_str(&package_lock(&package).unwrap()).unwrap();
        let packages = lock["packages"].as_object().unwrap();
        assert_eq!(lock["lockfileVersion"], 3);
        assert_eq!(packages[""]["dependencies"]["react"], "18.3.1");
        // Next and what it needs; nothing of what only unused template packages need.
        assert_eq!(packages["node_modules/next"]["version"], "14.2.21");
        assert!(packages.contains_key("node_modules/styled-jsx"));
        assert!(!packages.contains_key("node_modules/framer-motion"));
        assert!(!packages.contains_key("node_modules/tailwindcss"));
        assert_eq!(packages["node_modules/typescript"]["dev"], true);
        assert!(packages["node_modules/react"].get("dev").is_none());
        // Every dependency of every kept package resolves to a kept one.
        for (location, entry) in packages.iter().filter(|(location, _)| !location.is_empty()) {
            for (name, optional) in edges(entry) {
                let entries = packages.clone();
                let found = resolve(&entries, location, &name);
                assert!(found.is_some() || optional, "{location} needs {name}");
            }
        }
    }
}
