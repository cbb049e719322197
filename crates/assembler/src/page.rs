//! app/page.jsx: the sections in order, inside the page's wrappers.

use std::fmt::Write as _;

use replica_core::ComponentFile;

/// One place of the page: a section's component, or a wrapper's around what it holds. The
/// same tree can describe a layout's body (issue 26 hoists shared sections there).
#[derive(Debug, Clone, PartialEq)]
pub enum PageNode<'a> {
    Component(&'a ComponentFile),
    Wrapper(&'a ComponentFile, Vec<PageNode<'a>>),
}

/// The page: each component imported through the `@/` alias (in the order they render) and
/// rendered where the original had it: sections in the wrappers around them (a `<main>`, a
/// page-wide `<div id="page">`), the rest straight in `<body>` through a fragment, so the
/// page's CSS (`body > header`, `#page > section`) still selects them.
pub fn page_jsx(nodes: &[PageNode<'_>]) -> String {
    let mut components: Vec<&ComponentFile> = Vec::new();
    collect(nodes, &mut components);
    let mut out = String::new();
    for component in &components {
        let specifier = component
            .path
            .rsplit_once('.')
            .map_or(component.path.as_str(), |(stem, _)| stem);
        let _ = writeln!(
            out,
            "import {} from \"@/{specifier}\";",
            component.component_name
        );
    }
    if nodes.is_empty() {
        // The original had nothing in its body: nothing (an element would be one the
        // original did not have, a `<main>` a landmark it did not have), said so.
        out.push_str(
            "export default function Page() {\n  return <>{/* The original page's body is empty. */}</>;\n}\n",
        );
        return out;
    }
    // The page's own name must not shadow an imported component.
    let mut page_name = String::from("Page");
    while components.iter().any(|c| c.component_name == page_name) {
        page_name.insert_str(0, "Cloned");
    }
    let _ = write!(
        out,
        "\nexport default function {page_name}() {{\n  return (\n"
    );
    match nodes {
        [single @ PageNode::Wrapper(..)] => print_node(single, 2, &mut out),
        _ => {
            out.push_str("    <>\n");
            for node in nodes {
                print_node(node, 3, &mut out);
            }
            out.push_str("    </>\n");
        }
    }
    out.push_str("  );\n}\n");
    out
}

fn collect<'a>(nodes: &[PageNode<'a>], out: &mut Vec<&'a ComponentFile>) {
    for node in nodes {
        match node {
            PageNode::Component(component) => out.push(component),
            PageNode::Wrapper(wrapper, children) => {
                out.push(wrapper);
                collect(children, out);
            }
        }
    }
}

fn print_node(node: &PageNode<'_>, level: usize, out: &mut String) {
    let indent = "  ".repeat(level);
    match node {
        PageNode::Component(component) => {
            let _ = writeln!(out, "{indent}<{} />", component.component_name);
        }
        PageNode::Wrapper(wrapper, children) => {
            let name = &wrapper.component_name;
            let _ = writeln!(out, "{indent}<{name}>");
            for child in children {
                print_node(child, level + 1, out);
            }
            let _ = writeln!(out, "{indent}</{name}>");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> ComponentFile {
        ComponentFile {
            path: format!("components/{name}.jsx"),
            component_name: name.to_string(),
            source: String::new(),
            fallback: None,
        }
    }

    #[test]
    fn a_section_named_page_does_not_clash_with_the_page() {
        let section = file("Page");
        let page = page_jsx(&[PageNode::Component(&section)]);
        assert!(
            page.starts_with("import Page from \"@/components/Page\";\n"),
            "{page}"
        );
        assert!(
            page.contains("export default function ClonedPage()"),
            "{page}"
        );
        assert!(page.contains("      <Page />\n"), "{page}");
    }

    #[test]
    fn sections_render_inside_their_wrappers() {
        let (navbar, hero, features, footer, main) = (
            file("Navbar"),
            file("Hero"),
            file("Features"),
            file("Footer"),
            file("Main"),
        );
        let nodes = [
            PageNode::Component(&navbar),
            PageNode::Wrapper(
                &main,
                vec![PageNode::Component(&hero), PageNode::Component(&features)],
            ),
            PageNode::Component(&footer),
        ];
        assert_eq!(
            page_jsx(&nodes),
            "import Navbar from \"@/components/Navbar\";\n\
             import Main from \"@/components/Main\";\n\
             import Hero from \"@/components/Hero\";\n\
             import Features from \"@/components/Features\";\n\
             import Footer from \"@/components/Footer\";\n\
             \n\
             export default function Page() {\n  \
               return (\n    \
                 <>\n      \
                   <Navbar />\n      \
                   <Main>\n        \
                     <Hero />\n        \
                     <Features />\n      \
                   </Main>\n      \
                   <Footer />\n    \
                 </>\n  \
               );\n\
             }\n"
        );
        // One wrapper around everything needs no fragment.
        let page = page_jsx(&[PageNode::Wrapper(&main, vec![PageNode::Component(&hero)])]);
        assert!(
            page.ends_with("  return (\n    <Main>\n      <Hero />\n    </Main>\n  );\n}\n"),
            "{page}"
        );
    }
}
