//! app/page.jsx: the sections in order.

use std::fmt::Write as _;

use replica_core::ComponentFile;

/// The page: each component imported through the `@/` alias and rendered in order inside a
/// fragment, so the sections stay direct children of `<body>` as they were on the original
/// page (its CSS may select `body > header`).
pub fn page_jsx(components: &[&ComponentFile]) -> String {
    let mut out = String::new();
    for component in components {
        let specifier = component
            .path
            .strip_suffix(".jsx")
            .unwrap_or(&component.path);
        let _ = writeln!(
            out,
            "import {} from \"@/{specifier}\";",
            component.component_name
        );
    }
    if components.is_empty() {
        // The original had nothing in its body; an empty, unstyled element shows the same
        // nothing and keeps the page a component that renders.
        out.push_str("export default function Page() {\n  return <main />;\n}\n");
        return out;
    }
    // The page's own name must not shadow an imported section.
    let mut page_name = String::from("Page");
    while components.iter().any(|c| c.component_name == page_name) {
        page_name.insert_str(0, "Cloned");
    }
    let _ = write!(
        out,
        "\nexport default function {page_name}() {{\n  return (\n    <>\n"
    );
    for component in components {
        let _ = writeln!(out, "      <{} />", component.component_name);
    }
    out.push_str("    </>\n  );\n}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_named_page_does_not_clash_with_the_page() {
        let section = ComponentFile {
            path: "components/Page.jsx".to_string(),
            component_name: "Page".to_string(),
            source: String::new(),
            fallback: None,
        };
        let page = page_jsx(&[&section]);
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
}
