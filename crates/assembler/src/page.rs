//! app/page.jsx: the sections in order, inside the page's wrappers.

use std::fmt::Write as _;

use replica_core::ComponentFile;

/// The page: each component imported through the `@/` alias and rendered in order, inside
/// `wrapper` when there is one (the elements the original had around every section), else in
/// a fragment, so the sections stay where they were on the original page (its CSS may select
/// `body > header` or `#page > section`).
pub fn page_jsx(components: &[&ComponentFile], wrapper: Option<&ComponentFile>) -> String {
    let mut out = String::new();
    for component in wrapper.into_iter().chain(components.iter().copied()) {
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
    // The page's own name must not shadow an imported component.
    let mut page_name = String::from("Page");
    while components
        .iter()
        .copied()
        .chain(wrapper)
        .any(|c| c.component_name == page_name)
    {
        page_name.insert_str(0, "Cloned");
    }
    let (open, close) = match wrapper {
        Some(wrapper) => (
            format!("<{}>", wrapper.component_name),
            format!("</{}>", wrapper.component_name),
        ),
        None => ("<>".to_string(), "</>".to_string()),
    };
    let _ = write!(
        out,
        "\nexport default function {page_name}() {{\n  return (\n    {open}\n"
    );
    for component in components {
        let _ = writeln!(out, "      <{} />", component.component_name);
    }
    let _ = write!(out, "    {close}\n  );\n}}\n");
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
        let page = page_jsx(&[&section], None);
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
    fn sections_render_inside_the_wrapper() {
        let file = |name: &str| ComponentFile {
            path: format!("components/{name}.jsx"),
            component_name: name.to_string(),
            source: String::new(),
            fallback: None,
        };
        let (hero, footer, wrapper) = (file("Hero"), file("Footer"), file("PageWrapper"));
        assert_eq!(
            page_jsx(&[&hero, &footer], Some(&wrapper)),
            "import PageWrapper from \"@/components/PageWrapper\";\n\
             import Hero from \"@/components/Hero\";\n\
             import Footer from \"@/components/Footer\";\n\
             \n\
             export default function Page() {\n  \
               return (\n    \
                 <PageWrapper>\n      \
                   <Hero />\n      \
                   <Footer />\n    \
                 </PageWrapper>\n  \
               );\n\
             }\n"
        );
    }
}
