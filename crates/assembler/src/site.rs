//! A whole-site clone (issue 26): the projects [`crate::assemble`] wrote for each page merged
//! into one App Router project, one route per page.
//!
//! - The start page's project is the base: its configs, its globals.css, its root layout.
//! - Each page's app/page becomes `app/<route folder>/page`, with its own metadata (title,
//!   description) and imports of the stylesheets only some pages load.
//! - A stylesheet or component identical on several pages is written once; one that differs
//!   under the same name gets a folder named after its page (`components/pricing-html/`).
//!   Stylesheets every page loads are imported once, from the root layout.
//! - Links to cloned pages become `next/link` links to their routes; links to pages not
//!   cloned keep their absolute URL on the original.

use std::collections::BTreeSet;

use replica_core::{Lang, ProjectFiles};

/// One page's assembled project and where it goes.
#[derive(Debug, Clone)]
pub struct SitePageProject {
    /// The App Router route (`/`, `/pricing.html`); the first page must be `/`.
    pub route: String,
    /// The folder under `app/` (the planner's `route_folder`; `""` for `/`).
    pub folder: String,
    pub title: String,
    pub description: Option<String>,
    pub files: ProjectFiles,
    /// How this page marks itself in the header and footer all pages share (the planner's
    /// `strip_chrome_marks` took the marks out of its DOM): put back at run time.
    pub marks: Vec<PageMark>,
}

/// One mark of a page on the first or last element of `<body>`: extra classes and
/// attributes on the element at `path` (element-child indices below that edge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageMark {
    pub last: bool,
    pub path: Vec<usize>,
    pub classes: Vec<String>,
    pub attributes: Vec<(String, String)>,
}

/// Everything [`assemble_site`] reads.
pub struct SiteInput<'a> {
    /// The start page first.
    pub pages: &'a [SitePageProject],
    pub lang: Lang,
    /// The route (with its `#fragment`, if any) serving an absolute URL of the original, when
    /// that URL is a cloned page.
    pub route_for: &'a dyn Fn(&str) -> Option<String>,
}

impl std::fmt::Debug for SiteInput<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteInput")
            .field("pages", &self.pages.len())
            .field("lang", &self.lang)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SiteAssembleError {
    #[error("a site needs at least its start page")]
    NoPages,
    #[error("page {route} has no app/page file")]
    NoPage { route: String },
    #[error("the start page has no app/layout file")]
    NoLayout,
}

const STYLES: &str = "app/styles/";
const COMPONENTS: &str = "components/";

/// The merged project. Deterministic: the same pages give the same files.
pub fn assemble_site(input: &SiteInput<'_>) -> Result<ProjectFiles, SiteAssembleError> {
    let [start, ..] = input.pages else {
        return Err(SiteAssembleError::NoPages);
    };
    let extension = input.lang.jsx_extension();
    let layout_path = format!("app/layout.{extension}");
    let page_path = format!("app/page.{extension}");
    let mut files = ProjectFiles::default();
    for (path, file) in &start.files.files {
        if !is_page_part(path, &page_path) {
            files.files.insert(path.clone(), file.clone());
        }
    }
    let mut slugs = BTreeSet::new();
    let mut sheets_of_pages: Vec<Vec<String>> = Vec::new();
    let mut pages: Vec<(String, String)> = Vec::new();
    for page in input.pages {
        let slug = unique_slug(&page.route, &mut slugs);
        let mut text = page
            .files
            .text(&page_path)
            .ok_or_else(|| SiteAssembleError::NoPage {
                route: page.route.clone(),
            })?
            .to_string();
        for (path, file) in &page.files.files {
            if !path.starts_with(COMPONENTS) {
                continue;
            }
            let placed = place(&mut files, path, &file.contents, COMPONENTS, &slug);
            if placed != *path {
                text = text.replace(&import_of(path), &import_of(&placed));
            }
        }
        let layout = page.files.text(&layout_path).unwrap_or_default();
        let mut sheets = Vec::new();
        for name in stylesheet_imports(layout) {
            let path = format!("{STYLES}{name}");
            if let Some(file) = page.files.files.get(&path) {
                sheets.push(place(&mut files, &path, &file.contents, STYLES, &slug));
            }
        }
        sheets_of_pages.push(sheets);
        pages.push((page_file(page, extension), text));
    }
    let hoisted = hoist_edges(&mut pages);
    let shared: Vec<String> = sheets_of_pages[0]
        .iter()
        .filter(|sheet| sheets_of_pages.iter().all(|sheets| sheets.contains(sheet)))
        .cloned()
        .collect();
    let layout = start
        .files
        .text(&layout_path)
        .ok_or(SiteAssembleError::NoLayout)?;
    let mut layout = layout_with_sheets(layout, &shared);
    let marked = input.pages.iter().any(|page| !page.marks.is_empty());
    if marked {
        files.insert_text(
            format!("components/ActiveLinks.{extension}"),
            active_links(input.pages, input.lang),
        );
    }
    layout = layout_with_body(&layout, &hoisted, marked);
    files.insert_text(layout_path, layout);
    for ((path, text), (page, sheets)) in pages
        .into_iter()
        .zip(input.pages.iter().zip(&sheets_of_pages))
    {
        let own: Vec<&String> = sheets
            .iter()
            .filter(|sheet| !shared.contains(sheet))
            .collect();
        let text = with_head(&text, page, &own, input.lang);
        files.insert_text(path, text);
    }
    let jsx: Vec<String> = files
        .paths()
        .filter(|path| path.ends_with(".tsx") || path.ends_with(".jsx"))
        .map(str::to_string)
        .collect();
    for path in jsx {
        if let Some(text) = files.text(&path) {
            let linked = link_pages(text, input.route_for);
            if linked != text {
                files.insert_text(path, linked);
            }
        }
    }
    Ok(files)
}

/// A component rendered first (or last) straight in `<body>` by every page, from the same
/// file: taken out of the pages for the root layout to render. The names and import lines
/// of the first and the last, when they are hoisted.
#[derive(Debug, Default)]
struct Hoisted {
    first: Option<(String, String)>,
    last: Option<(String, String)>,
    /// A wrapper every page renders around all its content, `first` being its first child
    /// (a navbar inside `<main>`): the layout renders the wrapper, `first` in it, then the page.
    wrapper: Option<(String, String)>,
}

fn hoist_edges(pages: &mut [(String, String)]) -> Hoisted {
    let mut hoisted = Hoisted::default();
    for last in [false, true] {
        let found: Option<Vec<(String, String)>> = pages
            .iter()
            .map(|(_, text)| edge_component(text, last))
            .collect();
        let Some(found) = found else {
            continue;
        };
        let same = found.iter().all(|edge| edge.1 == found[0].1);
        let distinct = hoisted
            .first
            .as_ref()
            .is_none_or(|first| first.1 != found[0].1);
        if !same || !distinct || pages.len() < 2 {
            continue;
        }
        for ((_, text), (name, import)) in pages.iter_mut().zip(&found) {
            let line = format!("      <{name} />\n");
            let at = if last {
                text.rfind(&line)
            } else {
                text.find(&line)
            };
            if let Some(at) = at {
                text.replace_range(at..at + line.len(), "");
            }
            *text = text.replacen(&format!("{import}\n"), "", 1);
        }
        let edge = Some(found[0].clone());
        if last {
            hoisted.last = edge;
        } else {
            hoisted.first = edge;
        }
    }
    if hoisted.first.is_none() {
        hoist_wrapper(pages, &mut hoisted);
    }
    hoisted
}

/// When every page's content (once the edges are hoisted) is one wrapper component from the
/// same file whose first child is the same component on every page, both go to the layout:
/// the pages keep the wrapper's other children, one level less indented.
fn hoist_wrapper(pages: &mut [(String, String)], hoisted: &mut Hoisted) {
    let found: Option<Vec<WrappedEdge>> =
        pages.iter().map(|(_, text)| wrapped_edge(text)).collect();
    let Some(found) = found else {
        return;
    };
    let same = found
        .iter()
        .all(|edge| edge.wrapper.1 == found[0].wrapper.1 && edge.first.1 == found[0].first.1);
    let distinct = hoisted
        .last
        .as_ref()
        .is_none_or(|last| last.1 != found[0].first.1 && last.1 != found[0].wrapper.1);
    if !same || !distinct || pages.len() < 2 || found[0].wrapper.1 == found[0].first.1 {
        return;
    }
    for ((_, text), edge) in pages.iter_mut().zip(&found) {
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        let mut out = String::with_capacity(text.len());
        for (index, line) in lines.iter().enumerate() {
            if index == edge.open || index == edge.open + 1 || index == edge.close {
                continue;
            }
            if index > edge.open && index < edge.close {
                out.push_str(line.strip_prefix("  ").unwrap_or(line));
            } else {
                out.push_str(line);
            }
        }
        for (name, import) in [&edge.wrapper, &edge.first] {
            if !out.contains(&format!("<{name}")) {
                out = out.replacen(&format!("{import}\n"), "", 1);
            }
        }
        *text = out;
    }
    hoisted.wrapper = Some(found[0].wrapper.clone());
    hoisted.first = Some(found[0].first.clone());
}

/// A page's one top-level wrapper and its first child: names, import lines, and the line
/// indices of the wrapper's opening (its first child is the next line) and closing tags.
struct WrappedEdge {
    wrapper: (String, String),
    first: (String, String),
    open: usize,
    close: usize,
}

fn wrapped_edge(text: &str) -> Option<WrappedEdge> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|line| *line == "    <>")? + 1;
    let end = start + lines[start..].iter().position(|line| *line == "    </>")?;
    let top: Vec<usize> = (start..end)
        .filter(|&index| {
            lines[index].starts_with("      <") && !lines[index].starts_with("       ")
        })
        .collect();
    let [open, close] = top[..] else {
        return None;
    };
    let name = lines[open].strip_prefix("      <")?.strip_suffix('>')?;
    let valid = |name: &str| {
        name.starts_with(|c: char| c.is_ascii_uppercase())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    // Everything else in the fragment is inside the wrapper (nothing before it, not even text).
    let inside = (start..end)
        .all(|index| index == open || index == close || lines[index].starts_with("        "));
    if !valid(name) || lines[close] != format!("      </{name}>") || close != end - 1 || !inside {
        return None;
    }
    let child = lines
        .get(open + 1)?
        .strip_prefix("        <")?
        .strip_suffix(" />")?;
    if !valid(child) {
        return None;
    }
    let import = |name: &str| {
        let prefix = format!("import {name} from ");
        lines
            .iter()
            .find(|line| line.starts_with(&prefix))
            .map(|line| (name.to_string(), line.to_string()))
    };
    Some(WrappedEdge {
        wrapper: import(name)?,
        first: import(child)?,
        open,
        close,
    })
}

/// The component a page file renders first (or last) straight in its fragment, as a
/// self-closing element, and its import line.
fn edge_component(text: &str, last: bool) -> Option<(String, String)> {
    let mut top = text
        .lines()
        .skip_while(|line| *line != "    <>")
        .skip(1)
        .take_while(|line| *line != "    </>")
        .filter(|line| line.starts_with("      <") && !line.starts_with("       "));
    let line = if last { top.last() } else { top.next() }?;
    let name = line.trim().strip_prefix('<')?.strip_suffix(" />")?;
    let prefix = format!("import {name} from ");
    let import = text.lines().find(|line| line.starts_with(&prefix))?;
    Some((name.to_string(), import.to_string()))
}

/// The layout rendering the hoisted header and footer around the page, and the page's marks.
fn layout_with_body(layout: &str, hoisted: &Hoisted, marked: bool) -> String {
    if hoisted.first.is_none() && hoisted.last.is_none() && !marked {
        return layout.to_string();
    }
    let mut imports = String::new();
    let mut body = String::from("\n");
    let mut indent = "        ";
    if let Some((name, import)) = &hoisted.wrapper {
        imports.push_str(&format!("{import}\n"));
        body.push_str(&format!("{indent}<{name}>\n"));
        indent = "          ";
    }
    if let Some((name, import)) = &hoisted.first {
        imports.push_str(&format!("{import}\n"));
        body.push_str(&format!("{indent}<{name} />\n"));
    }
    if marked {
        imports.push_str("import ActiveLinks from \"@/components/ActiveLinks\";\n");
        body.push_str(&format!(
            "{indent}<ActiveLinks>{{children}}</ActiveLinks>\n"
        ));
    } else {
        body.push_str(&format!("{indent}{{children}}\n"));
    }
    if let Some((name, _)) = &hoisted.wrapper {
        body.push_str(&format!("        </{name}>\n"));
    }
    if let Some((name, import)) = &hoisted.last {
        imports.push_str(&format!("{import}\n"));
        body.push_str(&format!("        <{name} />\n"));
    }
    body.push_str("      ");
    let layout = layout.replacen(">{children}</body>", &format!(">{body}</body>"), 1);
    let at = layout
        .split_inclusive('\n')
        .take_while(|line| line.starts_with("import "))
        .map(str::len)
        .sum::<usize>();
    format!("{}{imports}{}", &layout[..at], &layout[at..])
}

/// components/ActiveLinks: renders the page and puts its marks back on the shared header
/// and footer while its route is shown (the layout renders those once for all pages).
fn active_links(pages: &[SitePageProject], lang: Lang) -> String {
    let quote = |text: &str| serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into());
    let mut table = String::new();
    for page in pages.iter().filter(|page| !page.marks.is_empty()) {
        table.push_str(&format!("  {}: [\n", quote(&page.route)));
        for mark in &page.marks {
            let path: Vec<String> = mark.path.iter().map(usize::to_string).collect();
            let classes: Vec<String> = mark.classes.iter().map(|c| quote(c)).collect();
            let attributes: Vec<String> = mark
                .attributes
                .iter()
                .map(|(name, value)| format!("[{}, {}]", quote(name), quote(value)))
                .collect();
            table.push_str(&format!(
                "    [{}, [{}], [{}], [{}]],\n",
                quote(if mark.last { "last" } else { "first" }),
                path.join(", "),
                classes.join(", "),
                attributes.join(", ")
            ));
        }
        table.push_str("  ],\n");
    }
    let typed = lang == Lang::TypeScript;
    let t = |typed_text: &'static str| if typed { typed_text } else { "" };
    format!(
        "\"use client\";\n\n\
         import {{ usePathname }} from \"next/navigation\";\n\
         import {{ useEffect }} from \"react\";\n\n\
         // The original marked the current page in the header and footer every page shares\n\
         // (the active link's class, aria-current). The layout renders them once for all\n\
         // pages, so each route's marks are put back here: [edge of <body>, element path\n\
         // below it, classes, attributes].\n\
         {}\
         const MARKS{} = {{\n{table}}};\n\n\
         const NOT_CONTENT = [\"SCRIPT\", \"STYLE\", \"LINK\", \"TEMPLATE\", \"NOSCRIPT\", \"META\", \"NEXT-ROUTE-ANNOUNCER\"];\n\n\
         function edge(which{}){} {{\n  \
           const content = Array.from(document.body.children).filter((e) => !NOT_CONTENT.includes(e.tagName));\n  \
           return which === \"first\" ? content[0] : content[content.length - 1];\n\
         }}\n\n\
         export default function ActiveLinks({{ children }}{}) {{\n  \
           const pathname = usePathname();\n  \
           useEffect(() => {{\n    \
             const undo{} = [];\n    \
             for (const [which, path, classes, attributes] of MARKS[pathname] ?? []) {{\n      \
               let element = edge(which);\n      \
               for (const index of path) element = element?.children[index];\n      \
               if (!element) continue;\n      \
               const target = element;\n      \
               const added = classes.filter((name) => !target.classList.contains(name));\n      \
               const set = attributes.filter(([name]) => !target.hasAttribute(name));\n      \
               target.classList.add(...added);\n      \
               for (const [name, value] of set) target.setAttribute(name, value);\n      \
               undo.push(() => {{\n        \
                 target.classList.remove(...added);\n        \
                 for (const [name] of set) target.removeAttribute(name);\n      \
               }});\n    \
             }}\n    \
             return () => undo.forEach((step) => step());\n  \
           }}, [pathname]);\n  \
           return <>{{children}}</>;\n\
         }}\n",
        t("type Mark = [\"first\" | \"last\", number[], string[], [string, string][]];\n"),
        t(": Record<string, Mark[]>"),
        t(": \"first\" | \"last\""),
        t(": Element | undefined"),
        t(": { children: React.ReactNode }"),
        t(": Array<() => void>"),
    )
}

/// Files each page has its own version of: placed page by page, not copied from the start.
fn is_page_part(path: &str, page_path: &str) -> bool {
    path == page_path
        || path.starts_with("app/layout.")
        || path.starts_with(STYLES)
        || path.starts_with(COMPONENTS)
}

fn page_file(page: &SitePageProject, extension: &str) -> String {
    match page.folder.as_str() {
        "" => format!("app/page.{extension}"),
        folder => format!("app/{folder}/page.{extension}"),
    }
}

/// A folder name for a page's own files: its route in lower-case letters, digits and dashes
/// (`/blog/post.html` -> `blog-post-html`), `home` for `/`, unique among the pages.
fn unique_slug(route: &str, taken: &mut BTreeSet<String>) -> String {
    let slug = match crate::kebab_slug(route) {
        slug if slug.is_empty() => "home".to_string(),
        slug => slug,
    };
    let mut candidate = slug.clone();
    let mut n = 2;
    while !taken.insert(candidate.clone()) {
        candidate = format!("{slug}-{n}");
        n += 1;
    }
    candidate
}

/// Where a page's file under `prefix` goes: its own path when that is free or holds the same
/// bytes (written once), else under the page's folder.
fn place(
    files: &mut ProjectFiles,
    path: &str,
    contents: &[u8],
    prefix: &str,
    slug: &str,
) -> String {
    let target = match files.files.get(path) {
        Some(existing) if existing.contents != contents => {
            format!("{prefix}{slug}/{}", &path[prefix.len()..])
        }
        _ => path.to_string(),
    };
    files.insert_bytes(target.clone(), contents.to_vec());
    target
}

/// The import specifier of a component file, quoted as page files write it.
fn import_of(path: &str) -> String {
    let stem = path.rsplit_once('.').map_or(path, |(stem, _)| stem);
    format!("\"@/{stem}\"")
}

/// The `./styles/...` imports of a layout, in order (names below app/styles/).
fn stylesheet_imports(layout: &str) -> Vec<String> {
    layout
        .lines()
        .filter_map(|line| {
            line.trim()
                .strip_prefix("import \"./styles/")
                .and_then(|rest| rest.strip_suffix("\";"))
                .map(str::to_string)
        })
        .collect()
}

/// The start page's layout importing only the stylesheets every page loads (where the start
/// page imported its own).
fn layout_with_sheets(layout: &str, shared: &[String]) -> String {
    let mut out = String::new();
    let mut written = false;
    for line in layout.split_inclusive('\n') {
        if line.trim_start().starts_with("import \"./styles/") {
            if !written {
                for sheet in shared {
                    out.push_str(&format!("import \"./{}\";\n", &sheet["app/".len()..]));
                }
                written = true;
            }
            continue;
        }
        out.push_str(line);
    }
    out
}

/// The page with the stylesheets only it loads and its metadata, after its imports.
fn with_head(text: &str, page: &SitePageProject, sheets: &[&String], lang: Lang) -> String {
    let imports_end = text
        .split_inclusive('\n')
        .take_while(|line| line.starts_with("import "))
        .map(str::len)
        .sum::<usize>();
    let (imports, body) = text.split_at(imports_end);
    let mut out = String::new();
    if lang == Lang::TypeScript {
        out.push_str("import type { Metadata } from \"next\";\n");
    }
    out.push_str(imports);
    for sheet in sheets {
        out.push_str(&format!("import \"@/{sheet}\";\n"));
    }
    let quote = |text: &str| serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into());
    let annotation = match lang {
        Lang::TypeScript => ": Metadata",
        Lang::JavaScript => "",
    };
    out.push_str(&format!("\nexport const metadata{annotation} = {{\n"));
    out.push_str(&format!("  title: {},\n", quote(&page.title)));
    if let Some(description) = &page.description {
        out.push_str(&format!("  description: {},\n", quote(description)));
    }
    out.push_str("};\n");
    if !body.starts_with('\n') {
        out.push('\n');
    }
    out.push_str(body);
    out
}

/// Absolute links to cloned pages point at their routes; an `<a>` whose `href` is now a
/// route becomes a `next/link` `<Link>` (client-side navigation, prefetching), imported once.
pub fn link_pages(text: &str, route_for: &dyn Fn(&str) -> Option<String>) -> String {
    let text = replace_page_urls(text, route_for);
    let (text, linked) = anchors_to_links(&text);
    if !linked || text.contains("from \"next/link\"") {
        return text;
    }
    let at = text
        .split_inclusive('\n')
        .take_while(|line| line.starts_with("import ") || line.starts_with("\"use "))
        .map(str::len)
        .sum::<usize>();
    let mut out = String::with_capacity(text.len() + 40);
    out.push_str(&text[..at]);
    out.push_str("import Link from \"next/link\";\n");
    out.push_str(&text[at..]);
    out
}

/// Every double-quoted `http(s)://` string that is a cloned page, replaced by its route.
fn replace_page_urls(text: &str, route_for: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\"http") {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let Some(end) = rest.find(['"', '\n']) else {
            break;
        };
        let literal = &rest[..end];
        match route_for(literal).filter(|_| !literal.contains('\\')) {
            Some(route) => out.push_str(&route),
            None => out.push_str(literal),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `<a ... href="/...">...</a>` -> `<Link ...>...</Link>`. Anchors do not nest in HTML, so
/// an anchor ends at the next `</a>`. Says whether any changed.
fn anchors_to_links(text: &str) -> (String, bool) {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(at) = find_anchor(rest) {
        out.push_str(&rest[..at]);
        let tag_end = tag_end(&rest[at..]).map(|end| at + end);
        let Some(tag_end) = tag_end else {
            break;
        };
        let tag = &rest[at..tag_end];
        let routed = tag.contains(" href=\"/") && !tag.contains(" href=\"//");
        let close = rest[tag_end..].find("</a>").map(|end| tag_end + end);
        match close {
            Some(close) if routed && !tag.ends_with("/>") => {
                out.push_str("<Link");
                out.push_str(&rest[at + 2..close]);
                out.push_str("</Link>");
                rest = &rest[close + "</a>".len()..];
                changed = true;
            }
            _ => {
                out.push_str(tag);
                rest = &rest[tag_end..];
            }
        }
    }
    out.push_str(rest);
    (out, changed)
}

/// Where the next `<a` tag (followed by whitespace) starts.
fn find_anchor(text: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(at) = text[from..].find("<a").map(|at| from + at) {
        if text[at + 2..].starts_with(|c: char| c.is_whitespace()) {
            return Some(at);
        }
        from = at + 2;
    }
    None
}

/// The end (after `>`) of the tag starting `text`, skipping quoted strings and `{...}`.
fn tag_end(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (at, c) in text.char_indices() {
        match (quote, c) {
            (Some(open), c) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'' | '`') if depth > 0 || c == '"' => quote = Some(c),
            (None, '{') => depth += 1,
            (None, '}') => depth = depth.saturating_sub(1),
            (None, '>') if depth == 0 => return Some(at + 1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(url: &str) -> Option<String> {
        let (page, fragment) = url
            .split_once('#')
            .map_or((url, None), |(p, f)| (p, Some(f)));
        let route = match page {
            "http://a.test/" | "http://a.test/index.html" => "/",
            "http://a.test/pricing.html" => "/pricing.html",
            _ => return None,
        };
        Some(match fragment {
            Some(fragment) => format!("{route}#{fragment}"),
            None => route.to_string(),
        })
    }

    #[test]
    fn links_to_cloned_pages_become_next_links() {
        let text = "import Hero from \"@/components/Hero\";\n\nexport default function Nav() {\n  return (\n    <nav>\n      <a className=\"active\" href=\"http://a.test/index.html\">Home</a>\n      <a href=\"http://a.test/pricing.html#plans\" data-x={\">\"}>Pricing <b>now</b></a>\n      <a href=\"http://a.test/blog.html\">Blog</a>\n      <a href=\"https://other.test/\">Out</a>\n      <abbr title=\"x\">x</abbr>\n    </nav>\n  );\n}\n";
        let linked = link_pages(text, &routes);
        assert_eq!(
            linked,
            "import Hero from \"@/components/Hero\";\nimport Link from \"next/link\";\n\nexport default function Nav() {\n  return (\n    <nav>\n      <Link className=\"active\" href=\"/\">Home</Link>\n      <Link href=\"/pricing.html#plans\" data-x={\">\"}>Pricing <b>now</b></Link>\n      <a href=\"http://a.test/blog.html\">Blog</a>\n      <a href=\"https://other.test/\">Out</a>\n      <abbr title=\"x\">x</abbr>\n    </nav>\n  );\n}\n"
        );
        assert_eq!(link_pages(&linked, &routes), linked, "idempotent");
        let untouched = "export default function A() {\n  return <a href=\"#top\">Top</a>;\n}\n";
        assert_eq!(link_pages(untouched, &routes), untouched);
    }

    fn page_text(imports: &[&str], body: &str) -> String {
        let imports: String = imports
            .iter()
            .map(|name| format!("import {name} from \"@/components/{name}\";\n"))
            .collect();
        format!(
            "{imports}\nexport default function Page() {{\n  return (\n    <>\n{body}    </>\n  );\n}}\n"
        )
    }

    #[test]
    fn a_navbar_inside_a_wrapper_every_page_shares_goes_to_the_layout_with_it() {
        let mut pages = vec![
            (
                "app/page.tsx".to_string(),
                page_text(
                    &["Main", "Navbar", "Hero", "Footer"],
                    "      <Main>\n        <Navbar />\n        <Hero />\n      </Main>\n      <Footer />\n",
                ),
            ),
            (
                "app/about/page.tsx".to_string(),
                page_text(
                    &["Main", "Navbar", "Team", "Footer"],
                    "      <Main>\n        <Navbar />\n        <Team />\n        <section>\n          <Main>x</Main>\n        </section>\n      </Main>\n      <Footer />\n",
                ),
            ),
        ];
        let hoisted = hoist_edges(&mut pages);
        assert_eq!(
            pages[0].1,
            page_text(&["Hero"], "      <Hero />\n"),
            "the wrapper's other children stay, one level less indented"
        );
        assert_eq!(
            pages[1].1,
            page_text(
                &["Main", "Team"],
                "      <Team />\n      <section>\n        <Main>x</Main>\n      </section>\n"
            ),
            "an import the page still uses stays"
        );
        let layout = "import \"./globals.css\";\n\nexport default function RootLayout() {\n  return (\n    <html>\n      <body>{children}</body>\n    </html>\n  );\n}\n";
        let layout = layout_with_body(layout, &hoisted, false);
        assert!(
            layout.starts_with("import \"./globals.css\";\nimport Main from \"@/components/Main\";\nimport Navbar from \"@/components/Navbar\";\nimport Footer from \"@/components/Footer\";\n"),
            "{layout}"
        );
        assert!(
            layout.contains("      <body>\n        <Main>\n          <Navbar />\n          {children}\n        </Main>\n        <Footer />\n      </body>\n"),
            "{layout}"
        );

        // A wrapper whose first child differs between pages stays in the pages.
        let mut pages = vec![
            (
                "app/page.tsx".to_string(),
                page_text(
                    &["Main", "Navbar"],
                    "      <Main>\n        <Navbar />\n      </Main>\n",
                ),
            ),
            (
                "app/about/page.tsx".to_string(),
                page_text(
                    &["Main", "Hero"],
                    "      <Main>\n        <Hero />\n      </Main>\n",
                ),
            ),
        ];
        let before = pages.clone();
        let hoisted = hoist_edges(&mut pages);
        assert!(hoisted.wrapper.is_none() && hoisted.first.is_none());
        assert_eq!(pages, before);

        // So does one with anything beside it in the page (it would move into the wrapper).
        let wrapped = "      <Main>\n        <Navbar />\n      </Main>\n";
        let mut pages = vec![
            (
                "app/page.tsx".to_string(),
                page_text(&["Main", "Navbar"], wrapped),
            ),
            (
                "app/about/page.tsx".to_string(),
                page_text(&["Main", "Navbar"], &format!("      {{\" \"}}\n{wrapped}")),
            ),
        ];
        let before = pages.clone();
        let hoisted = hoist_edges(&mut pages);
        assert!(hoisted.wrapper.is_none() && hoisted.first.is_none());
        assert_eq!(pages, before);
    }

    #[test]
    fn slugs_are_folder_names_and_unique() {
        let mut taken = BTreeSet::new();
        assert_eq!(unique_slug("/", &mut taken), "home");
        assert_eq!(unique_slug("/blog/post.html", &mut taken), "blog-post-html");
        assert_eq!(
            unique_slug("/blog-post.html", &mut taken),
            "blog-post-html-2"
        );
    }
}
