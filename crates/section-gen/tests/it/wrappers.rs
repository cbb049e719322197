//! The plan's wrappers compiled into components: the elements around several sections, each
//! mapped like any element, rendering `children` in the innermost; nested wrappers each in
//! the context of the one around them.

use replica_core::OutputStyle;
use replica_core::{DesignTokens, DomNode, Lang, OutlineNode, PageWrapper, Plan};
use replica_section_gen::{CompileOptions, compile_wrappers, jsx_parse_errors};

use crate::{html, test_context};

/// The outermost element of `html` and its first-child chain, children removed as the
/// planner leaves them.
fn chain(html: &str) -> Vec<replica_core::DomElement> {
    let mut elements = Vec::new();
    let mut next = html::parse_fragment(html).into_iter().next();
    while let Some(mut element) = next {
        next = element.children.iter().find_map(|child| match child {
            DomNode::Element(child) => Some(child.clone()),
            DomNode::Text(_) => None,
        });
        element.children.clear();
        elements.push(element);
    }
    elements
}

/// A plan with no sections and one wrapper, `name`, of the chain of `html`.
fn plan_with_wrapper(name: &str, html: &str) -> Plan {
    Plan {
        shared_context: test_context(),
        sections: Vec::new(),
        outline: vec![OutlineNode::Wrapper(PageWrapper {
            component_name: name.to_string(),
            elements: chain(html),
            children: Vec::new(),
        })],
    }
}

fn wrapper_source(html: &str, style: OutputStyle) -> Option<String> {
    let options = CompileOptions {
        style,
        mobile_dom: None,
        rendering_mode: replica_core::RenderingMode::Standards,
        lang: Lang::JavaScript,
    };
    let files = compile_wrappers(
        &plan_with_wrapper("Center", html),
        &DesignTokens::default(),
        &options,
    );
    let file = files.into_iter().next()?;
    assert_eq!(file.path, "components/Center.jsx");
    assert_eq!(file.component_name, "Center");
    let errors = jsx_parse_errors(&file.source);
    assert!(errors.is_empty(), "{errors:?} in\n{}", file.source);
    Some(file.source)
}

#[test]
fn wrappers_nest_around_the_children_with_their_attributes() {
    let source = wrapper_source(
        r##"<center><div id="page" class="container" style="max-width: 960px; color: red !important" bgcolor="#fff" onclick="go()"><main><section>x</section></main></div></center>"##,
        OutputStyle::Faithful,
    )
    .expect("a wrapper");
    assert_eq!(
        source,
        r##"export default function Center({ children }) {
  return (
    <>
      <center>
        <div
          id="page"
          className="container center-important-1"
          style={{ maxWidth: "960px" }}
          bgcolor="#fff">
          <main>
            <section>
              {children}
            </section>
          </main>
        </div>
      </center>
      <style>{".center-important-1.center-important-1 { color: red !important; }"}</style>
    </>
  );
}
"##
    );
}

#[test]
fn a_paragraph_wrapper_becomes_a_div_and_dropped_tags_are_skipped() {
    let source = wrapper_source(
        r#"<p class="x"><noscript></noscript></p>"#,
        OutputStyle::Faithful,
    )
    .expect("a wrapper");
    assert!(source.contains("<div className=\"x\""), "{source}");
    assert!(!source.contains("noscript"), "{source}");
    assert!(!source.contains("<p"), "{source}");
    assert_eq!(
        wrapper_source("<noscript></noscript>", OutputStyle::Faithful),
        None
    );
    let empty = Plan {
        shared_context: test_context(),
        sections: Vec::new(),
        outline: Vec::new(),
    };
    assert!(
        compile_wrappers(&empty, &DesignTokens::default(), &CompileOptions::default()).is_empty()
    );
}

#[test]
fn nested_wrappers_are_components_of_their_own() {
    let mut plan = plan_with_wrapper("Page", r#"<div id="page"></div>"#);
    let OutlineNode::Wrapper(outer) = &mut plan.outline[0] else {
        unreachable!()
    };
    outer.children = vec![
        OutlineNode::Section {
            id: "section-0".into(),
        },
        OutlineNode::Wrapper(PageWrapper {
            component_name: "Main".into(),
            elements: chain("<main></main>"),
            children: vec![OutlineNode::Section {
                id: "section-1".into(),
            }],
        }),
    ];
    let files = compile_wrappers(&plan, &DesignTokens::default(), &CompileOptions::default());
    let names: Vec<&str> = files.iter().map(|f| f.component_name.as_str()).collect();
    assert_eq!(names, ["Main", "Page"]);
    assert!(files[0].source.contains("<main>"), "{}", files[0].source);
    assert!(
        files[1].source.contains("<div id=\"page\">"),
        "{}",
        files[1].source
    );
}

#[test]
fn tailwind_wrappers_get_classes_from_their_computed_style() {
    let mut plan = plan_with_wrapper("Container", r#"<div class="container"></div>"#);
    let OutlineNode::Wrapper(wrapper) = &mut plan.outline[0] else {
        unreachable!()
    };
    wrapper.elements[0]
        .style
        .insert("max-width".to_string(), "960px".to_string());
    wrapper.elements[0]
        .style
        .insert("text-align".to_string(), "center".to_string());
    let options = CompileOptions {
        style: OutputStyle::Tailwind,
        ..CompileOptions::default()
    };
    let files = compile_wrappers(&plan, &DesignTokens::default(), &options);
    let [file] = files.as_slice() else {
        panic!("one wrapper: {files:?}")
    };
    assert!(file.source.contains("max-w-[960px]"), "{}", file.source);
    assert!(file.source.contains("text-center"), "{}", file.source);
    // The page's class is not kept in the tailwind style.
    assert!(!file.source.contains("container"), "{}", file.source);
}
