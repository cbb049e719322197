//! Every recorded fixture assembled in both deterministic styles and both languages: one
//! snapshot per fixture and style (TypeScript), every project passes the JSX validator
//! without errors, and its package.json lists what it imports plus the base set.

use std::collections::BTreeSet;

use replica_assembler::{AssembleError, AssembleInput, ProjectStyle, assemble, imported_packages};
use replica_core::OutputStyle;
use replica_core::{ComponentFile, Lang, ScrapeData, template_version};

use crate::{assemble_fixture, generate, render, scrape_dirs};

#[test]
fn every_fixture_in_both_styles() {
    let dirs = scrape_dirs();
    assert!(
        dirs.len() >= 10,
        "expected the recorded fixtures, found {dirs:?}"
    );
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        for style in [OutputStyle::Faithful, OutputStyle::Tailwind] {
            let javascript = assemble_fixture(&dir, style, Lang::JavaScript);
            let report = replica_jsx_validator::validate(&javascript.files);
            assert!(
                report.errors.is_empty(),
                "{name} ({}, js): {report}",
                style.as_str()
            );
            let assembly = assemble_fixture(&dir, style, Lang::TypeScript);
            let report = replica_jsx_validator::validate(&assembly.files);
            assert!(
                report.errors.is_empty(),
                "{name} ({}): {report}",
                style.as_str()
            );
            let mut snapshot = render(&assembly.files);
            for warning in &assembly.warnings {
                snapshot.push_str(&format!("warning: {warning}\n"));
            }
            for warning in &report.warnings {
                snapshot.push_str(&format!(
                    "validator warning: {}: {}\n",
                    warning.file, warning.message
                ));
            }
            insta::assert_snapshot!(format!("{name}_{}", style.as_str()), snapshot);
        }
    }
}

#[test]
fn state_a_script_set_on_phones_only_is_applied_there() {
    // script-state's script collapses the sidebar (a class on <body> and on the sidebar)
    // only when the window is narrow: the layout carries the body's and wraps the page in
    // DeviceState, which applies them below the mobile breakpoint.
    let dir = crate::workspace_fixtures().join("scrapes/script-state");
    let assembly = assemble_fixture(&dir, OutputStyle::Faithful, Lang::TypeScript);
    let layout = assembly.files.text("app/layout.tsx").unwrap();
    assert!(
        layout.contains(
            r#"<body data-mobile-add-class="sidebar-collapsed"><DeviceState>{children}</DeviceState></body>"#
        ),
        "{layout}"
    );
    let device_state = assembly.files.text("components/DeviceState.tsx").unwrap();
    assert!(
        device_state.starts_with("\"use client\";"),
        "{device_state}"
    );
    assert!(
        device_state.contains("(max-width: 767px)"),
        "{device_state}"
    );
    // The tailwind style has the phone's look in its classes already.
    let tailwind = assemble_fixture(&dir, OutputStyle::Tailwind, Lang::TypeScript);
    assert!(tailwind.files.text("components/DeviceState.tsx").is_none());
    // A page whose scripts did the same at both widths gets nothing.
    let landing = crate::workspace_fixtures().join("scrapes/landing");
    let plain = assemble_fixture(&landing, OutputStyle::Faithful, Lang::TypeScript);
    assert!(plain.files.text("components/DeviceState.tsx").is_none());
}

#[test]
fn the_page_renders_every_section_in_plan_order() {
    let dir = crate::workspace_fixtures().join("scrapes/landing");
    let (_, _, plan, _) = generate(&dir, OutputStyle::Faithful, Lang::TypeScript);
    let assembly = assemble_fixture(&dir, OutputStyle::Faithful, Lang::TypeScript);
    let page = assembly.files.text("app/page.tsx").unwrap();
    assert!(plan.sections.len() > 2, "landing has several sections");
    let mut last = 0;
    for section in &plan.sections {
        let tag = format!("<{} />", section.component_name);
        let at = page
            .find(&tag)
            .unwrap_or_else(|| panic!("{tag} missing:\n{page}"));
        assert!(at >= last, "{tag} out of order:\n{page}");
        last = at;
        let file = format!("components/{}.tsx", section.component_name);
        assert!(assembly.files.text(&file).is_some(), "{file} missing");
    }
}

/// package.json = what the files import + next, react, react-dom; devDependencies = the
/// tooling of the language and style; every version the template's; the lock holds them.
#[test]
fn package_json_is_what_the_files_import_plus_the_base_set() {
    for dir in scrape_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        for (style, lang) in [
            (OutputStyle::Faithful, Lang::TypeScript),
            (OutputStyle::Faithful, Lang::JavaScript),
            (OutputStyle::Tailwind, Lang::TypeScript),
        ] {
            let files = assemble_fixture(&dir, style, lang).files;
            let package: serde_json::Value =
                serde_json::from_str(files.text("package.json").unwrap()).unwrap();
            let keys = |field: &str| -> BTreeSet<String> {
                package[field]
                    .as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect()
            };
            let mut expected: BTreeSet<String> = ["next", "react", "react-dom"]
                .into_iter()
                .map(String::from)
                .collect();
            expected.extend(imported_packages(&files));
            let mut dev: BTreeSet<String> = ["eslint", "eslint-config-next"]
                .into_iter()
                .map(String::from)
                .collect();
            if lang == Lang::TypeScript {
                dev.extend(
                    [
                        "typescript",
                        "@types/node",
                        "@types/react",
                        "@types/react-dom",
                    ]
                    .map(String::from),
                );
            }
            if style == OutputStyle::Tailwind {
                dev.extend(["tailwindcss", "postcss", "autoprefixer"].map(String::from));
                expected.retain(|package| !dev.contains(package));
            }
            let context = format!("{name} ({}, {})", style.as_str(), lang.as_str());
            assert_eq!(keys("dependencies"), expected, "{context}");
            assert_eq!(keys("devDependencies"), dev, "{context}");
            for field in ["dependencies", "devDependencies"] {
                for (package_name, version) in package[field].as_object().unwrap() {
                    assert_eq!(
                        version.as_str(),
                        template_version(package_name),
                        "{context}: {package_name}"
                    );
                }
            }
            assert_eq!(package["scripts"]["build"], "next build");
            let lock: serde_json::Value =
                serde_json::from_str(files.text("package-lock.json").unwrap()).unwrap();
            for package_name in expected.iter().chain(&dev) {
                let entry = &lock["packages"][format!("node_modules/{package_name}")];
                assert_eq!(
                    entry["version"].as_str(),
                    template_version(package_name),
                    "{context}: {package_name} in the lock"
                );
            }
        }
    }
}

#[test]
fn faithful_css_has_no_tailwind_layers_and_tailwind_css_has_them() {
    let dir = crate::workspace_fixtures().join("scrapes/landing");
    let faithful = assemble_fixture(&dir, OutputStyle::Faithful, Lang::TypeScript);
    let css = faithful.files.text("app/globals.css").unwrap();
    assert!(!css.contains("@tailwind"), "{css}");
    let tailwind = assemble_fixture(&dir, OutputStyle::Tailwind, Lang::TypeScript);
    let css = tailwind.files.text("app/globals.css").unwrap();
    for layer in [
        "@tailwind base;",
        "@tailwind components;",
        "@tailwind utilities;",
    ] {
        assert!(css.contains(layer), "{layer} missing:\n{css}");
    }
    let config = tailwind.files.text("tailwind.config.js").unwrap();
    assert!(config.contains("\n      colors: {\n"), "{config}");
}

#[test]
fn a_page_without_viewport_meta_keeps_its_980px_layout_and_quirks_fixes() {
    let dir = crate::workspace_fixtures().join("scrapes/legacy-quirks");
    let assembly = assemble_fixture(&dir, OutputStyle::Faithful, Lang::TypeScript);
    let layout = assembly.files.text("app/layout.tsx").unwrap();
    assert!(layout.contains("width: 980"), "{layout}");
    let css = assembly.files.text("app/globals.css").unwrap();
    // Its body has 10px margins above and below, and its content is taller than the viewport.
    assert!(css.contains("min-height: calc(100vh - 20px);"), "{css}");
}

#[test]
fn a_quirks_mode_body_fills_the_viewport_and_grows_with_its_content() {
    // A fixed height would let longer content overflow the body, and the margin at its end
    // would no longer add to the page (54px at the foot of a quirks-mode recipe page).
    let dir = crate::workspace_fixtures().join("scrapes/legacy-quirks");
    let (mut scrape, tokens, plan, components) =
        generate(&dir, OutputStyle::Faithful, Lang::TypeScript);
    let globals = |scrape: &ScrapeData| {
        let assembly = assemble(&AssembleInput {
            scrape,
            plan: &plan,
            tokens: &tokens,
            components: &components,
            wrappers: &[],
            style: &ProjectStyle::Faithful,
            lang: Lang::TypeScript,
            stylesheet_sources: &[],
            site: None,
        })
        .unwrap();
        assembly.files.text("app/globals.css").unwrap().to_string()
    };
    let long = globals(&scrape);
    assert!(
        long.contains("body {\n  min-height: calc(100vh - 20px);\n}") && !long.contains("html {"),
        "{long}"
    );
    // A page that fits the viewport: percentage heights inside the body resolve.
    scrape.desktop.document.height = 700.0;
    scrape.mobile.document.height = 600.0;
    let short = globals(&scrape);
    assert!(
        short.contains("html {\n  height: 100%;\n}\nbody {\n  height: calc(100% - 20px);\n}"),
        "{short}"
    );
}

fn component(name: &str, path: &str) -> ComponentFile {
    ComponentFile {
        path: path.to_string(),
        component_name: name.to_string(),
        source: format!("export default function {name}() {{ return <div />; }}\n"),
        fallback: None,
    }
}

#[test]
fn bad_components_get_typed_errors() {
    let dir = crate::workspace_fixtures().join("scrapes/one-block");
    let (scrape, tokens, plan, _) = generate(&dir, OutputStyle::Faithful, Lang::TypeScript);
    let run = |components: &[ComponentFile]| {
        assemble(&AssembleInput {
            scrape: &scrape,
            plan: &plan,
            tokens: &tokens,
            components,
            wrappers: &[],
            style: &ProjectStyle::Faithful,
            lang: Lang::TypeScript,
            stylesheet_sources: &[],
            site: None,
        })
    };
    assert!(matches!(
        run(&[component("Hero", "../Hero.jsx")]),
        Err(AssembleError::ComponentPath { .. })
    ));
    assert!(matches!(
        run(&[component("Hero", "app/Hero.jsx")]),
        Err(AssembleError::ComponentOutsideComponents { .. })
    ));
    assert!(matches!(
        run(&[component("hero-1", "components/hero-1.jsx")]),
        Err(AssembleError::ComponentName { .. })
    ));
    assert!(matches!(
        run(&[
            component("Hero", "components/Hero.jsx"),
            component("Hero2", "components/Hero.jsx")
        ]),
        Err(AssembleError::DuplicatePath { .. })
    ));
    // A section that would be written where the wrapper goes.
    let wrapper = component("PageWrapper", "components/PageWrapper.jsx");
    let with_wrapper = assemble(&AssembleInput {
        scrape: &scrape,
        plan: &plan,
        tokens: &tokens,
        components: &[component("PageWrapper", "components/PageWrapper.jsx")],
        wrappers: std::slice::from_ref(&wrapper),
        style: &ProjectStyle::Faithful,
        lang: Lang::TypeScript,
        stylesheet_sources: &[],
        site: None,
    });
    assert!(matches!(
        with_wrapper,
        Err(AssembleError::DuplicatePath { .. })
    ));
    assert_eq!(
        run(&[]),
        Err(AssembleError::NoComponents {
            sections: plan.sections.len()
        })
    );
}

#[test]
fn a_section_without_a_component_is_left_out_with_a_warning() {
    let dir = crate::workspace_fixtures().join("scrapes/landing");
    let (scrape, tokens, plan, mut components) =
        generate(&dir, OutputStyle::Faithful, Lang::TypeScript);
    let dropped = components.remove(1);
    let assembly = assemble(&AssembleInput {
        scrape: &scrape,
        plan: &plan,
        tokens: &tokens,
        components: &components,
        wrappers: &[],
        style: &ProjectStyle::Faithful,
        lang: Lang::TypeScript,
        stylesheet_sources: &[],
        site: None,
    })
    .unwrap();
    let page = assembly.files.text("app/page.tsx").unwrap();
    assert!(!page.contains(&dropped.component_name), "{page}");
    assert!(
        assembly
            .warnings
            .iter()
            .any(|warning| warning.contains(&dropped.component_name)),
        "{:?}",
        assembly.warnings
    );
    let report = replica_jsx_validator::validate(&assembly.files);
    assert!(report.errors.is_empty(), "{report}");
}
