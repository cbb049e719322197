//! The plan's wrappers compiled into `PageWrapper`: the elements around every section, each
//! mapped like any element, rendering `children` in the innermost.

use replica_core::{DesignTokens, DomNode, Plan};
use replica_section_gen::{
    CompileOptions, Style, WRAPPER_COMPONENT, compile_wrappers, jsx_parse_errors,
};

use crate::{html, test_context};

/// A plan with no sections and the outermost elements of `html` (and their first-child
/// chain) as wrappers, children removed as the planner leaves them.
fn plan_with_wrappers(html: &str) -> Plan {
    let mut wrappers = Vec::new();
    let mut next = html::parse_fragment(html).into_iter().next();
    while let Some(mut element) = next {
        next = element.children.iter().find_map(|child| match child {
            DomNode::Element(child) => Some(child.clone()),
            DomNode::Text(_) => None,
        });
        element.children.clear();
        wrappers.push(element);
    }
    Plan {
        shared_context: test_context(),
        sections: Vec::new(),
        wrappers,
    }
}

fn wrapper_source(html: &str, style: Style) -> Option<String> {
    let options = CompileOptions {
        style,
        mobile_dom: None,
        quirks_mode: false,
    };
    let file = compile_wrappers(
        &plan_with_wrappers(html),
        &DesignTokens::default(),
        &options,
    )?;
    assert_eq!(file.path, "components/PageWrapper.jsx");
    assert_eq!(file.component_name, WRAPPER_COMPONENT);
    let errors = jsx_parse_errors(&file.source);
    assert!(errors.is_empty(), "{errors:?} in\n{}", file.source);
    Some(file.source)
}

#[test]
fn wrappers_nest_around_the_children_with_their_attributes() {
    let source = wrapper_source(
        r##"<center><div id="page" class="container" style="max-width: 960px; color: red !important" bgcolor="#fff" onclick="go()"><main><section>x</section></main></div></center>"##,
        Style::Faithful,
    )
    .expect("a wrapper");
    assert_eq!(
        source,
        r##"export default function PageWrapper({ children }) {
  return (
    <>
      <center>
        <div
          id="page"
          className="container page-wrapper-important-1"
          style={{ maxWidth: "960px" }}
          bgcolor="#fff">
          <main>
            <section>
              {children}
            </section>
          </main>
        </div>
      </center>
      <style>
        {".page-wrapper-important-1.page-wrapper-important-1 { color: red !important; }"}
      </style>
    </>
  );
}
"##
    );
}

#[test]
fn a_paragraph_wrapper_becomes_a_div_and_dropped_tags_are_skipped() {
    let source = wrapper_source(r#"<p class="x"><noscript></noscript></p>"#, Style::Faithful)
        .expect("a wrapper");
    assert!(source.contains("<div className=\"x\""), "{source}");
    assert!(!source.contains("noscript"), "{source}");
    assert!(!source.contains("<p"), "{source}");
    assert_eq!(
        wrapper_source("<noscript></noscript>", Style::Faithful),
        None
    );
    assert_eq!(
        compile_wrappers(
            &Plan {
                shared_context: test_context(),
                sections: Vec::new(),
                wrappers: Vec::new(),
            },
            &DesignTokens::default(),
            &CompileOptions::default(),
        ),
        None
    );
}

#[test]
fn tailwind_wrappers_get_classes_from_their_computed_style() {
    let mut plan = plan_with_wrappers(r#"<div class="container"></div>"#);
    plan.wrappers[0]
        .style
        .insert("max-width".to_string(), "960px".to_string());
    plan.wrappers[0]
        .style
        .insert("text-align".to_string(), "center".to_string());
    let options = CompileOptions {
        style: Style::Tailwind,
        ..CompileOptions::default()
    };
    let file = compile_wrappers(&plan, &DesignTokens::default(), &options).expect("a wrapper");
    assert!(file.source.contains("max-w-[960px]"), "{}", file.source);
    assert!(file.source.contains("text-center"), "{}", file.source);
    // The page's class is not kept in the tailwind style.
    assert!(!file.source.contains("container"), "{}", file.source);
}
