//! Stage F (DESIGN.md §1, §6): generated components, the scrape and the design tokens in, a
//! complete Next.js 14 App Router project out, for the sandbox template
//! (crates/sandbox-pool/template) and for `npm install && npm run dev` on its own.
//!
//! - [`assemble`]: package.json pinned to the template's versions, next.config.mjs,
//!   postcss.config.mjs, tailwind.config.js, jsconfig.json, app/layout.jsx (metadata, icons,
//!   the original's viewport, html/body attributes, font links), app/page.jsx (the sections
//!   in order, inside the page's wrapper component when there is one) and app/globals.css (the page's own CSS in cascade order for the faithful
//!   style; Tailwind layers over token base styles for the tailwind style).
//! - [`localize_assets`]: images, fonts, CSS backgrounds and icons the files reference by
//!   absolute URL are downloaded into `public/assets/` under content-hashed names and the
//!   references rewritten (the only IO of this crate).
//! - [`review`] (stage G): deterministic cross-component fixes, returning only the changed
//!   files; [`review_prompt`] and [`accept_review_answer`] for the optional model review.

mod assets;
mod layout;
mod page;
mod review;
mod styles;

pub use assets::{AssetFailure, LocalizeOptions, LocalizeReport, localize_assets};
pub use layout::{LayoutConfig, ViewportExport, layout_jsx, viewport_export};
pub use page::page_jsx;
pub use review::{
    FixKind, ReviewError, ReviewFix, ReviewOutcome, ReviewRejected, accept_review_answer,
    model_review, review, review_prompt,
};
pub use styles::{
    body_presentational_css, faithful_globals_css, quirks_css, rewrite_css_urls, tailwind_config,
    tailwind_globals_css,
};

use replica_core::{
    ComponentFile, DesignTokens, NEXT_VERSION, Plan, ProjectFiles, ProjectPathError, ScrapeData,
    TEMPLATE_PACKAGES, check_project_path,
};
use serde::Serialize;

/// How the components were written, which decides the global styles.
#[derive(Debug, Clone, PartialEq)]
pub enum ProjectStyle {
    /// Components keep the page's classes; globals.css carries the page's own CSS.
    Faithful,
    /// Components use Tailwind classes over a theme made from the tokens. `theme_extend` is
    /// the `theme.extend` object of tailwind.config.js: the pipeline passes section-gen's
    /// `tailwind_theme(&tokens)` serialized, the same theme the components were written
    /// against, so this stage does not depend on that one.
    Tailwind { theme_extend: serde_json::Value },
}

/// Everything [`assemble`] reads.
#[derive(Debug, Clone, Copy)]
pub struct AssembleInput<'a> {
    pub scrape: &'a ScrapeData,
    pub plan: &'a Plan,
    pub tokens: &'a DesignTokens,
    /// One component per generated section; sections without one are left out with a warning.
    pub components: &'a [ComponentFile],
    /// The component around the sections (section-gen's `compile_wrappers`: the page-wide
    /// elements the plan keeps, such as `<center>` or `<div id="page">`), rendering its
    /// `children`; `None` when the sections sit straight in `<body>`.
    pub wrapper: Option<&'a ComponentFile>,
    pub style: &'a ProjectStyle,
}

/// The assembled project and what the user should know about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Assembly {
    pub files: ProjectFiles,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssembleError {
    #[error("component {component}: {source}")]
    ComponentPath {
        component: String,
        #[source]
        source: ProjectPathError,
    },
    #[error("component {component} is at {path}; components must be .jsx files under components/")]
    ComponentOutsideComponents { component: String, path: String },
    #[error("component name {name:?} is not a JavaScript identifier starting with a capital")]
    ComponentName { name: String },
    #[error("components {first} and {second} are both written to {path}")]
    DuplicatePath {
        path: String,
        first: String,
        second: String,
    },
    #[error("none of the plan's {sections} sections has a component: there is nothing to render")]
    NoComponents { sections: usize },
}

/// The complete project for the given components.
pub fn assemble(input: &AssembleInput<'_>) -> Result<Assembly, AssembleError> {
    let AssembleInput {
        scrape,
        plan,
        tokens,
        components,
        wrapper,
        style,
    } = *input;
    let mut warnings = Vec::new();
    for component in components.iter().chain(wrapper) {
        check_component(component)?;
    }
    let all: Vec<&ComponentFile> = components.iter().chain(wrapper).collect();
    for (index, component) in all.iter().enumerate() {
        if let Some(other) = all[..index]
            .iter()
            .find(|other| other.path == component.path)
        {
            return Err(AssembleError::DuplicatePath {
                path: component.path.clone(),
                first: other.component_name.clone(),
                second: component.component_name.clone(),
            });
        }
    }

    // Sections in plan order; components the plan does not name follow in the given order.
    let mut ordered: Vec<&ComponentFile> = Vec::with_capacity(components.len());
    for section in &plan.sections {
        match components
            .iter()
            .find(|component| component.component_name == section.component_name)
        {
            Some(component) => ordered.push(component),
            None => warnings.push(format!(
                "section {} ({}) has no component and is left out of the page",
                section.id, section.component_name
            )),
        }
    }
    for component in components {
        if !ordered.iter().any(|chosen| chosen.path == component.path) {
            ordered.push(component);
        }
    }
    // An empty original (no sections) becomes an empty page; a plan whose every section
    // failed is an error, not a blank clone.
    if ordered.is_empty() && !plan.sections.is_empty() {
        return Err(AssembleError::NoComponents {
            sections: plan.sections.len(),
        });
    }
    for component in &ordered {
        if let Some(reason) = &component.fallback {
            warnings.push(format!(
                "{} came from the deterministic compiler: {reason}",
                component.component_name
            ));
        }
    }

    let mut files = skeleton(&project_name(scrape), &layout_config(scrape, tokens, style));
    // Without sections there is nothing for a wrapper to hold.
    let wrapper = wrapper.filter(|_| !ordered.is_empty());
    files.insert_text("app/page.jsx", page_jsx(&ordered, wrapper));
    for component in ordered.iter().copied().chain(wrapper) {
        files.insert_text(component.path.clone(), component.source.clone());
    }
    let quirks_body_margins = scrape
        .compat_mode
        .eq_ignore_ascii_case("BackCompat")
        .then(|| body_vertical_margins(scrape));
    match style {
        ProjectStyle::Faithful => {
            files.insert_text(
                "app/globals.css",
                faithful_globals_css(
                    &scrape.stylesheets,
                    &body_attributes(scrape),
                    &scrape.base_url,
                    quirks_body_margins,
                ),
            );
            files.insert_text(
                "tailwind.config.js",
                tailwind_config(&serde_json::json!({})),
            );
            for sheet in &scrape.stylesheets {
                if let Some(error) = &sheet.error {
                    warnings.push(format!(
                        "stylesheet {} is missing or partial: {error}",
                        sheet.href.as_deref().unwrap_or("(inline)")
                    ));
                }
            }
        }
        ProjectStyle::Tailwind { theme_extend } => {
            let mut css = tailwind_globals_css(tokens, &scrape.font_faces, &body_style(scrape));
            if let Some(margins) = quirks_body_margins {
                css.push_str(&quirks_css(margins));
            }
            files.insert_text("app/globals.css", css);
            files.insert_text("tailwind.config.js", tailwind_config(theme_extend));
        }
    }
    Ok(Assembly { files, warnings })
}

fn check_component(component: &ComponentFile) -> Result<(), AssembleError> {
    let name = &component.component_name;
    let is_identifier = name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if !is_identifier {
        return Err(AssembleError::ComponentName { name: name.clone() });
    }
    check_project_path(&component.path).map_err(|source| AssembleError::ComponentPath {
        component: name.clone(),
        source,
    })?;
    if !component.path.starts_with("components/") || !component.path.ends_with(".jsx") {
        return Err(AssembleError::ComponentOutsideComponents {
            component: name.clone(),
            path: component.path.clone(),
        });
    }
    Ok(())
}

/// The npm name: the page's domain, else its title (an address says nothing).
fn project_name(scrape: &ScrapeData) -> String {
    url::Url::parse(&scrape.final_url)
        .ok()
        .and_then(|url| match url.host() {
            Some(url::Host::Domain(domain)) if domain != "localhost" => Some(domain.to_string()),
            _ => None,
        })
        .unwrap_or_else(|| scrape.title.clone())
}

/// The body's top plus bottom margin in px (its computed style omits UA defaults: 8px each).
fn body_vertical_margins(scrape: &ScrapeData) -> f64 {
    let body = scrape
        .desktop
        .dom
        .child_elements()
        .find(|element| element.tag == "body");
    ["margin-top", "margin-bottom"]
        .iter()
        .map(|property| {
            body.and_then(|body| body.style(property))
                .and_then(|value| value.trim().trim_end_matches("px").parse::<f64>().ok())
                .filter(|value| value.is_finite())
                .unwrap_or(8.0)
        })
        .sum()
}

/// The computed style of the captured `<body>` (minus browser defaults).
fn body_style(scrape: &ScrapeData) -> std::collections::BTreeMap<String, String> {
    scrape
        .desktop
        .dom
        .child_elements()
        .find(|element| element.tag == "body")
        .map(|body| body.style.clone())
        .unwrap_or_default()
}

/// The attributes of the captured `<body>`.
fn body_attributes(scrape: &ScrapeData) -> Vec<(String, String)> {
    scrape
        .desktop
        .dom
        .child_elements()
        .find(|element| element.tag == "body")
        .map(|body| body.attrs.clone())
        .unwrap_or_default()
}

/// What the layout reproduces of the original document.
pub fn layout_config(
    scrape: &ScrapeData,
    tokens: &DesignTokens,
    style: &ProjectStyle,
) -> LayoutConfig {
    let non_empty = |value: &str| {
        let value = value.trim();
        (!value.is_empty()).then(|| value.to_string())
    };
    let html_attr = |name: &str| {
        scrape
            .html_attrs
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .and_then(|(_, value)| non_empty(value))
    };
    let body = scrape
        .desktop
        .dom
        .child_elements()
        .find(|element| element.tag == "body");
    // Font services the page linked (Google Fonts and the like). The faithful style has
    // their CSS in globals.css already, in cascade order; the tailwind style writes every
    // @font-face the scrape saw into globals.css (their files get localised), so the links
    // are only needed when the scrape saw no faces at all.
    let stylesheet_links = match style {
        ProjectStyle::Tailwind { .. } if scrape.font_faces.is_empty() => tokens
            .typography
            .sources
            .iter()
            .filter(|source| source.kind == replica_core::FontSourceKind::Stylesheet)
            .map(|source| source.url.clone())
            .collect(),
        _ => Vec::new(),
    };
    LayoutConfig {
        lang: scrape
            .lang
            .as_deref()
            .and_then(non_empty)
            .or_else(|| html_attr("lang")),
        title: non_empty(&scrape.title),
        description: scrape.meta.description.as_deref().and_then(non_empty),
        viewport: scrape.meta.viewport.clone(),
        html_class: html_attr("class"),
        body_class: body.and_then(|body| body.attr("class")).and_then(non_empty),
        html_attributes: scrape.html_attrs.clone(),
        body_attributes: body_attributes(scrape),
        icons: scrape.meta.icons.clone(),
        stylesheet_links,
        theme_color: scrape.meta.theme_color.as_deref().and_then(non_empty),
    }
}

/// The skeleton of a project named `name` (sanitised into an npm package name) with the root
/// layout from `layout`: the files every project has whatever its pages and styles.
pub fn skeleton(name: &str, layout: &LayoutConfig) -> ProjectFiles {
    let mut files = ProjectFiles::default();
    files.insert_text("package.json", package_json(name));
    files.insert_text("next.config.mjs", next_config());
    files.insert_text("postcss.config.mjs", POSTCSS_CONFIG);
    files.insert_text("jsconfig.json", jsconfig());
    files.insert_text(".gitignore", GITIGNORE);
    files.insert_text("app/layout.jsx", layout_jsx(layout));
    files
}

/// package.json with exactly the sandbox template's dependencies and versions
/// ([`TEMPLATE_PACKAGES`]), so a clone installs what it was checked against.
pub fn package_json(name: &str) -> String {
    #[derive(Serialize)]
    struct PackageJson<'a> {
        name: String,
        version: &'a str,
        private: bool,
        scripts: Scripts<'a>,
        dependencies: serde_json::Map<String, serde_json::Value>,
    }
    #[derive(Serialize)]
    struct Scripts<'a> {
        dev: &'a str,
        build: &'a str,
        start: &'a str,
    }
    let package = PackageJson {
        name: npm_package_name(name),
        version: "0.1.0",
        private: true,
        scripts: Scripts {
            dev: "next dev",
            build: "next build",
            start: "next start",
        },
        dependencies: TEMPLATE_PACKAGES
            .iter()
            .map(|(name, version)| (name.to_string(), serde_json::Value::from(*version)))
            .collect(),
    };
    // Plain structs of strings always serialize.
    let mut json = serde_json::to_string_pretty(&package).unwrap_or_default();
    json.push('\n');
    json
}

/// next.config.mjs (the template's file name, so an upload replaces it): images
/// unoptimized, because a clone serves its own files from public/ and must work offline.
pub fn next_config() -> String {
    format!(
        "/** @type {{import('next').NextConfig}} */\n\
         // Next.js {NEXT_VERSION}. Assets are copied into public/ and served as they are.\n\
         const nextConfig = {{\n  \
           images: {{ unoptimized: true }},\n\
         }};\n\
         \n\
         export default nextConfig;\n"
    )
}

const POSTCSS_CONFIG: &str = "/** @type {import('postcss-load-config').Config} */\n\
const config = {\n  plugins: {\n    tailwindcss: {},\n    autoprefixer: {},\n  },\n};\n\n\
export default config;\n";

/// jsconfig.json: `@/components/Hero` resolves from the project root.
pub fn jsconfig() -> String {
    "{\n  \"compilerOptions\": {\n    \"baseUrl\": \".\",\n    \"paths\": {\n      \"@/*\": [\"./*\"]\n    }\n  }\n}\n"
        .to_string()
}

const GITIGNORE: &str = "/node_modules\n/.next\n/out\nnext-env.d.ts\n";

/// An npm package name from free text (a page title, a host name): lowercase, only
/// URL-safe characters, at most 214 bytes, `replica-clone` when nothing usable is left.
pub fn npm_package_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~') {
            c
        } else {
            '-'
        };
        // Runs of replaced characters collapse into one dash.
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    // npm refuses names starting with `.` or `_`; trailing dashes are just noise.
    let trimmed = out
        .trim_start_matches(['.', '_', '-'])
        .trim_end_matches('-');
    let mut name: String = trimmed.chars().take(214).collect();
    while name.ends_with('-') {
        name.pop();
    }
    if name.is_empty() {
        "replica-clone".to_string()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_package_names() {
        let cases = [
            ("Acme", "acme"),
            ("Acme — Build faster!", "acme-build-faster"),
            ("example.com", "example.com"),
            ("_private", "private"),
            ("  ", "replica-clone"),
            ("日本語", "replica-clone"),
            ("a/b c", "a-b-c"),
        ];
        for (input, expected) in cases {
            assert_eq!(npm_package_name(input), expected, "{input:?}");
        }
        assert_eq!(npm_package_name(&"x".repeat(300)).len(), 214);
    }

    #[test]
    fn package_json_pins_exact_versions() {
        let json: serde_json::Value = serde_json::from_str(&package_json("Acme")).unwrap();
        assert_eq!(json["dependencies"]["next"], NEXT_VERSION);
        let dependencies = json["dependencies"].as_object().unwrap();
        assert_eq!(dependencies.len(), TEMPLATE_PACKAGES.len());
        for (name, version) in TEMPLATE_PACKAGES {
            assert_eq!(dependencies[*name], *version, "{name}");
            assert!(
                version.chars().all(|c| c.is_ascii_digit() || c == '.'),
                "{version} is not exact"
            );
        }
        assert_eq!(json["scripts"]["build"], "next build");
        assert_eq!(json["name"], "acme");
    }

    #[test]
    fn skeleton_paths_are_valid_project_paths() {
        let files = skeleton("Acme", &LayoutConfig::default());
        let paths: Vec<&str> = files.paths().collect();
        assert_eq!(
            paths,
            [
                ".gitignore",
                "app/layout.jsx",
                "jsconfig.json",
                "next.config.mjs",
                "package.json",
                "postcss.config.mjs"
            ]
        );
        for path in paths {
            assert_eq!(check_project_path(path), Ok(()));
        }
        let jsconfig: serde_json::Value =
            serde_json::from_str(files.text("jsconfig.json").unwrap()).unwrap();
        assert_eq!(jsconfig["compilerOptions"]["paths"]["@/*"][0], "./*");
    }
}
