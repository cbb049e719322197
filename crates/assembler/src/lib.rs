//! Stage F (DESIGN.md §1, §6): generated components, the scrape and the design tokens in, a
//! complete Next.js 14 App Router project out, for the sandbox template
//! (crates/sandbox-pool/template) and for `npm install && npm run dev` on its own.
//!
//! - [`assemble`]: the project in TypeScript or JavaScript: app/layout (metadata, icons, the
//!   original's viewport, html/body attributes, font links, the CSS imports), app/page (the
//!   sections where the outline puts them, inside their wrappers' components), app/globals.css
//!   (the page's own CSS in cascade order for the faithful style; Tailwind layers over token
//!   base styles for the tailwind style, with tailwind.config.js and postcss.config.mjs),
//!   next.config.mjs, tsconfig.json or jsconfig.json, .eslintrc.json, and package.json with
//!   its package-lock.json ([`write_manifest`]: what the files import, plus the tooling).
//! - [`localize_assets`]: images, fonts, CSS backgrounds and icons the files reference by
//!   absolute URL are downloaded into `public/assets/` under content-hashed names and the
//!   references rewritten (the only IO of this crate).
//! - [`review`] (stage G): deterministic cross-component fixes, returning only the changed
//!   files; [`review_prompt`] and [`accept_review_answer`] for the optional model review.

mod assets;
mod class_lists;
mod css;
mod font_families;
mod layout;
mod manifest;
mod page;
mod review;
mod selectors;
mod site;
mod styles;
mod theme_scales;

pub use assets::{
    AssetFailure, LocalizeOptions, LocalizeReport, fetch_site_text, fetch_stylesheet_sources,
    localize_assets,
};
pub use font_families::name_font_families;
pub use layout::{LayoutConfig, ViewportExport, layout_source, viewport_export};
pub use manifest::{
    ESLINTRC, Tooling, imported_packages, jsconfig, package_json, package_lock, refresh_manifest,
    tsconfig, write_manifest,
};
pub use page::{PageNode, page_jsx};
pub use review::{
    FixKind, ReviewError, ReviewFix, ReviewOutcome, ReviewRejected, accept_review_answer,
    model_review, review, review_prompt,
};
pub use site::{
    PageMark, SiteAssembleError, SiteInput, SitePageProject, assemble_site, link_pages,
};
pub use styles::{
    BodyStyles, PageStylesheet, QuirksBody, SiteStyles, body_presentational_css,
    faithful_globals_css, page_stylesheets, quirks_css, rewrite_css_urls, tailwind_config,
    tailwind_globals_css,
};
pub use theme_scales::name_repeated_values;

use std::collections::BTreeMap;

use theme_scales::{ThemeEntries, theme_names, with_theme_entries};

use replica_core::{
    ComponentFile, DesignTokens, Device, DomElement, Lang, NEXT_VERSION, OutlineNode, Plan,
    ProjectFiles, ProjectPathError, ScrapeData, check_project_path,
};

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
    /// The components of the plan's wrappers (section-gen's `compile_wrappers`: the elements
    /// around several sections, such as a `<main>` or `<div id="page">`), rendering their
    /// `children`; a wrapper without one renders its children in its place.
    pub wrappers: &'a [ComponentFile],
    pub style: &'a ProjectStyle,
    /// The language of the page, the layout and the configs (components come written).
    pub lang: Lang,
    /// The author's text of each of the scrape's stylesheets, where it could be fetched
    /// ([`fetch_stylesheet_sources`]); empty when there is none.
    pub stylesheet_sources: &'a [Option<String>],
    /// Every page of a whole-site clone ([`SiteStyles::new`], built once for all pages): the
    /// CSS keeps the rules any of them uses, so a stylesheet the pages share comes out the
    /// same for each ([`assemble_site`] writes it once). `None` for one page.
    pub site: Option<&'a SiteStyles>,
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
    #[error(
        "component {component} is at {path}; components must be .tsx or .jsx files under components/"
    )]
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
        wrappers,
        style,
        lang,
        stylesheet_sources,
        site,
    } = *input;
    let mut warnings = Vec::new();
    for component in components.iter().chain(wrappers) {
        check_component(component)?;
    }
    let all: Vec<&ComponentFile> = components.iter().chain(wrappers).collect();
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

    let (nodes, placed) = page_tree(plan, components, wrappers, &mut warnings);
    // An empty original (no sections) becomes an empty page; a plan whose every section
    // failed is an error, not a blank clone.
    if components.is_empty() && !plan.sections.is_empty() {
        return Err(AssembleError::NoComponents {
            sections: plan.sections.len(),
        });
    }
    for component in components {
        if let Some(reason) = &component.fallback {
            warnings.push(format!(
                "{} came from the deterministic compiler: {reason}",
                component.component_name
            ));
        }
    }

    let mut layout = layout_config(scrape, tokens, style);
    let page_sheets = match style {
        ProjectStyle::Faithful => page_stylesheets(scrape, site, stylesheet_sources),
        ProjectStyle::Tailwind { .. } => Vec::new(),
    };
    for sheet in &page_sheets {
        if let Some(name) = sheet.path.strip_prefix("app/") {
            layout.css_imports.push(format!("./{name}"));
        }
    }
    let mut files = skeleton(&layout, lang);
    if layout.device_state {
        files.insert_text(
            format!("components/DeviceState.{}", lang.jsx_extension()),
            layout::device_state_source(lang),
        );
    }
    for sheet in page_sheets {
        files.insert_text(sheet.path, sheet.css);
    }
    files.insert_text(
        format!("app/page.{}", lang.jsx_extension()),
        page_jsx(&nodes),
    );
    let (sources, theme_additions) = component_sources(&placed, style, site);
    for (path, source) in sources {
        files.insert_text(path, source);
    }
    let quirks_body = scrape
        .compat_mode
        .eq_ignore_ascii_case("BackCompat")
        .then(|| QuirksBody {
            margins: body_vertical_margins(scrape),
            taller_than_viewport: Device::ALL.iter().any(|&device| {
                let capture = scrape.device(device);
                capture.document.height > f64::from(capture.viewport.height) + 1.0
            }),
        });
    match style {
        ProjectStyle::Faithful => {
            files.insert_text(
                "app/globals.css",
                faithful_globals_css(&body_attributes(scrape), &scrape.base_url, quirks_body),
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
            let css = tailwind_css(scrape, tokens, quirks_body);
            files.insert_text("app/globals.css", css);
            let theme_extend = with_theme_entries(theme_extend, &theme_additions);
            files.insert_text("tailwind.config.js", tailwind_config(&theme_extend));
            files.insert_text("postcss.config.mjs", POSTCSS_CONFIG);
        }
    }
    let tooling = Tooling {
        lang,
        tailwind: matches!(style, ProjectStyle::Tailwind { .. }),
    };
    write_manifest(&mut files, &project_name(scrape), tooling);
    Ok(Assembly { files, warnings })
}

/// The page as components: the outline's, then sections the outline does not name (after
/// it, straight in `<body>`), then components the plan does not name, in the given order;
/// and every component used, in that order. Sections without a component are said.
/// Each placed component's path and source; in the tailwind style with the values its class
/// lists repeat and its font families named (see [`theme_scales`], [`font_families`]), which
/// are returned for the theme. A site's pages share the start page's tailwind.config.js, which
/// one page's names would not complete: their values stay arbitrary.
fn component_sources(
    placed: &[&ComponentFile],
    style: &ProjectStyle,
    site: Option<&SiteStyles>,
) -> (Vec<(String, String)>, ThemeEntries) {
    let mut sources: Vec<(String, String)> = placed
        .iter()
        .map(|component| (component.path.clone(), component.source.clone()))
        .collect();
    let theme_extend = match (style, site) {
        (ProjectStyle::Tailwind { theme_extend }, None) => theme_extend,
        _ => return (sources, ThemeEntries::default()),
    };
    let mut texts: Vec<&mut String> = sources.iter_mut().map(|(_, text)| text).collect();
    let mut additions = name_repeated_values(&mut texts, &theme_names(theme_extend, "colors"));
    let families = name_font_families(&mut texts, &theme_names(theme_extend, "fontFamily"));
    if !families.is_empty() {
        additions.insert("fontFamily", families);
    }
    (sources, additions)
}

fn page_tree<'a>(
    plan: &Plan,
    components: &'a [ComponentFile],
    wrappers: &'a [ComponentFile],
    warnings: &mut Vec<String>,
) -> (Vec<PageNode<'a>>, Vec<&'a ComponentFile>) {
    let mut placed: Vec<&ComponentFile> = Vec::new();
    let mut nodes = page_nodes(&plan.outline, plan, components, wrappers, &mut placed);
    for section in &plan.sections {
        if let Some(component) = section_component(components, &section.component_name)
            && !placed.iter().any(|chosen| chosen.path == component.path)
        {
            placed.push(component);
            nodes.push(PageNode::Component(component));
        }
    }
    for section in &plan.sections {
        if section_component(components, &section.component_name).is_none() {
            warnings.push(format!(
                "section {} ({}) has no component and is left out of the page",
                section.id, section.component_name
            ));
        }
    }
    for component in components {
        if !placed.iter().any(|chosen| chosen.path == component.path) {
            placed.push(component);
            nodes.push(PageNode::Component(component));
        }
    }
    (nodes, placed)
}

/// The outline as components: sections by their plan name, wrappers by theirs (a wrapper
/// without a component, or holding nothing that renders, gives its children in its place).
/// Every component used is added to `placed`.
fn page_nodes<'a>(
    outline: &[OutlineNode],
    plan: &Plan,
    components: &'a [ComponentFile],
    wrappers: &'a [ComponentFile],
    placed: &mut Vec<&'a ComponentFile>,
) -> Vec<PageNode<'a>> {
    let mut nodes = Vec::new();
    for node in outline {
        match node {
            OutlineNode::Section { id } => {
                let component = plan
                    .sections
                    .iter()
                    .find(|section| section.id == *id)
                    .and_then(|section| section_component(components, &section.component_name));
                if let Some(component) = component
                    && !placed.iter().any(|chosen| chosen.path == component.path)
                {
                    placed.push(component);
                    nodes.push(PageNode::Component(component));
                }
            }
            OutlineNode::Wrapper(wrapper) => {
                let children = page_nodes(&wrapper.children, plan, components, wrappers, placed);
                let component = wrappers
                    .iter()
                    .find(|file| file.component_name == wrapper.component_name);
                match component {
                    Some(component) if !children.is_empty() => {
                        placed.push(component);
                        nodes.push(PageNode::Wrapper(component, children));
                    }
                    _ => nodes.extend(children),
                }
            }
        }
    }
    nodes
}

fn section_component<'a>(components: &'a [ComponentFile], name: &str) -> Option<&'a ComponentFile> {
    components
        .iter()
        .find(|component| component.component_name == name)
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
    let jsx = [".tsx", ".jsx"]
        .iter()
        .any(|extension| component.path.ends_with(extension));
    if !component.path.starts_with("components/") || !jsx {
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

/// The tailwind style's app/globals.css: fonts, layers, the body on each device, and the
/// quirks-mode body where the page has one.
fn tailwind_css(
    scrape: &ScrapeData,
    tokens: &DesignTokens,
    quirks_body: Option<QuirksBody>,
) -> String {
    let desktop_body = body_style(scrape);
    let body = BodyStyles {
        desktop: &desktop_body,
        mobile: body_element(&scrape.mobile.dom).map(|body| &body.style),
        html: [&scrape.desktop.dom, &scrape.mobile.dom]
            .map(|html| (html.tag == "html").then_some(&html.style)),
        defaults: &scrape.desktop.browser_defaults,
    };
    let mut css = tailwind_globals_css(tokens, &scrape.font_faces, body);
    if let Some(body) = quirks_body {
        css.push_str(&quirks_css(body));
    }
    css
}

/// The computed style of the captured `<body>` (minus browser defaults).
fn body_style(scrape: &ScrapeData) -> BTreeMap<String, String> {
    body_element(&scrape.desktop.dom)
        .map(|body| body.style.clone())
        .unwrap_or_default()
}

fn body_element(html: &DomElement) -> Option<&DomElement> {
    html.child_elements().find(|element| element.tag == "body")
}

/// The attributes of the captured `<body>`.
fn body_attributes(scrape: &ScrapeData) -> Vec<(String, String)> {
    body_element(&scrape.desktop.dom)
        .map(|body| body.attrs.clone())
        .unwrap_or_default()
}

/// The `data-mobile-*` attributes of what scripts set differently on phones.
fn mobile_state_attributes(
    desktop: &DomElement,
    mobile: Option<&DomElement>,
) -> Vec<(String, String)> {
    mobile
        .and_then(|mobile| desktop.mobile_state(mobile))
        .map(|state| state.attributes())
        .unwrap_or_default()
}

/// Whether any element of the page has classes or an inline style that differ per device.
fn has_mobile_state(scrape: &ScrapeData) -> bool {
    let mut found = false;
    scrape.desktop.dom.walk(&mut |element| {
        found = found
            || scrape
                .mobile
                .dom
                .find(element.id)
                .is_some_and(|mobile| element.mobile_state(mobile).is_some());
    });
    found
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
    let faithful = matches!(style, ProjectStyle::Faithful);
    let mut html_attributes = scrape.html_attrs.clone();
    let mut body_attributes = body_attributes(scrape);
    if faithful {
        html_attributes.extend(mobile_state_attributes(
            &scrape.desktop.dom,
            Some(&scrape.mobile.dom),
        ));
        let mobile_body = scrape
            .mobile
            .dom
            .child_elements()
            .find(|element| element.tag == "body");
        if let Some(body) = body {
            body_attributes.extend(mobile_state_attributes(body, mobile_body));
        }
    }
    LayoutConfig {
        device_state: faithful && has_mobile_state(scrape),
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
        html_style: faithful
            .then(|| html_attr("style"))
            .flatten()
            .map(|css| rewrite_css_urls(&css, &scrape.base_url)),
        body_style: faithful
            .then(|| body.and_then(|body| body.attr("style")).and_then(non_empty))
            .flatten()
            .map(|css| rewrite_css_urls(&css, &scrape.base_url)),
        html_attributes,
        body_attributes,
        icons: scrape.meta.icons.clone(),
        stylesheet_links,
        theme_color: scrape.meta.theme_color.as_deref().and_then(non_empty),
        css_imports: vec!["./globals.css".to_string()],
    }
}

/// The skeleton of a project in `lang` with the root layout from `layout`: the files every
/// project has whatever its pages and styles (package.json comes last, from what the files
/// import: [`write_manifest`]).
pub fn skeleton(layout: &LayoutConfig, lang: Lang) -> ProjectFiles {
    let mut files = ProjectFiles::default();
    files.insert_text("next.config.mjs", next_config());
    match lang {
        Lang::TypeScript => files.insert_text("tsconfig.json", tsconfig()),
        Lang::JavaScript => files.insert_text("jsconfig.json", jsconfig()),
    }
    files.insert_text(".eslintrc.json", ESLINTRC);
    files.insert_text(".gitignore", GITIGNORE);
    files.insert_text(".npmrc", NPMRC);
    files.insert_text(
        format!("app/layout.{}", lang.jsx_extension()),
        layout_source(layout, lang),
    );
    files
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

/// postcss.config.mjs of a project that uses Tailwind.
pub const POSTCSS_CONFIG: &str = "/** @type {import('postcss-load-config').Config} */\n\
const config = {\n  plugins: {\n    tailwindcss: {},\n    autoprefixer: {},\n  },\n};\n\n\
export default config;\n";

const GITIGNORE: &str = "/node_modules\n/.next\n/out\n*.tsbuildinfo\nnext-env.d.ts\n";

/// `npm install` takes what the npm cache holds before asking the registry: without it, npm
/// revalidates every package and, with no network, retries for minutes; with it, a project
/// installs offline from the cache the sandbox template's install filled (same lock file).
const NPMRC: &str = "# Packages the npm cache already holds are installed from it, without asking the\n\
# registry: this project installs offline on a machine that installed its packages before.\n\
prefer-offline=true\n";

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

/// `text` in lower-case letters, digits and single dashes (`Trebuchet MS` -> `trebuchet-ms`,
/// `/blog/post.html` -> `blog-post-html`), for names in files and the theme.
pub(crate) fn kebab_slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
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
    fn skeleton_paths_are_valid_project_paths() {
        for (lang, expected) in [
            (
                Lang::TypeScript,
                [
                    ".eslintrc.json",
                    ".gitignore",
                    ".npmrc",
                    "app/layout.tsx",
                    "next.config.mjs",
                    "tsconfig.json",
                ],
            ),
            (
                Lang::JavaScript,
                [
                    ".eslintrc.json",
                    ".gitignore",
                    ".npmrc",
                    "app/layout.jsx",
                    "jsconfig.json",
                    "next.config.mjs",
                ],
            ),
        ] {
            let files = skeleton(&LayoutConfig::default(), lang);
            let paths: Vec<&str> = files.paths().collect();
            assert_eq!(paths, expected);
            for path in paths {
                assert_eq!(check_project_path(path), Ok(()));
            }
        }
        let tsconfig: serde_json::Value = serde_json::from_str(&tsconfig()).unwrap();
        assert_eq!(tsconfig["compilerOptions"]["paths"]["@/*"][0], "./*");
        assert_eq!(tsconfig["compilerOptions"]["strict"], true);
    }
}
