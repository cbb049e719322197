//! The header and footer a site's pages share, made the same on every page: the pages mark
//! the current page in them (`class="active"` on its link, `aria-current="page"`), which is
//! the only difference. Those marks are taken out of each page's DOM (so the pages' headers
//! compile to one component) and returned as data, for the clone to put back at run time.

use replica_core::{DomElement, DomNode, ScrapeData};
use url::Url;

/// The first or the last element of `<body>` (scripts, styles and templates left aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChromeEdge {
    First,
    Last,
}

/// A mark of one page on a shared edge element: the element at `path` (element-child
/// indices below the edge element; empty for the edge itself) has these extra classes and
/// attributes on this page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChromeMark {
    pub edge: ChromeEdge,
    pub path: Vec<usize>,
    pub classes: Vec<String>,
    pub attributes: Vec<(String, String)>,
}

/// Attributes holding a URL, compared resolved.
const URL_ATTRIBUTES: &[&str] = &["href", "src", "action", "poster"];

/// Attributes that say which page is the current one.
const MARK_ATTRIBUTES: &[&str] = &["aria-current"];

/// Elements of `<body>` that are not content (and that Next.js adds at the end of its body).
const NOT_CONTENT: &[&str] = &["script", "style", "link", "template", "noscript", "meta"];

/// Takes the current-page marks out of the pages' shared edges (desktop and mobile), and
/// says, per page, what was taken. An edge whose DOM differs in anything else is left as it
/// is. Fewer than two pages: nothing to compare.
pub fn strip_chrome_marks(pages: &mut [&mut ScrapeData]) -> Vec<Vec<ChromeMark>> {
    let mut marks = vec![Vec::new(); pages.len()];
    if pages.len() < 2 {
        return marks;
    }
    for edge in [ChromeEdge::First, ChromeEdge::Last] {
        let found = {
            let elements: Option<Vec<(&DomElement, Option<Url>)>> = pages
                .iter()
                .map(|page| {
                    let base = Url::parse(&page.base_url).ok();
                    edge_element(&page.desktop.dom, edge).map(|element| (element, base))
                })
                .collect();
            match elements {
                Some(elements) => {
                    let mut found = vec![Vec::new(); elements.len()];
                    let compared: Vec<(&DomElement, Option<&Url>)> = elements
                        .iter()
                        .map(|(element, base)| (*element, base.as_ref()))
                        .collect();
                    same_but_marks(&compared, &mut Vec::new(), edge, &mut found).then_some(found)
                }
                None => None,
            }
        };
        let Some(found) = found else {
            continue;
        };
        for ((page, page_marks), found) in pages.iter_mut().zip(&mut marks).zip(found) {
            for mark in &found {
                for dom in [&mut page.desktop.dom, &mut page.mobile.dom] {
                    if let Some(element) = edge_element_mut(dom, edge)
                        .and_then(|element| descend_mut(element, &mark.path))
                    {
                        unmark(element, mark);
                    }
                }
            }
            page_marks.extend(found);
        }
    }
    marks
}

fn is_content(element: &DomElement) -> bool {
    !NOT_CONTENT.contains(&element.tag.as_str())
}

fn body(root: &DomElement) -> Option<&DomElement> {
    if root.tag == "body" {
        return Some(root);
    }
    root.child_elements().find(|element| element.tag == "body")
}

fn edge_element(root: &DomElement, edge: ChromeEdge) -> Option<&DomElement> {
    let mut content = body(root)?.child_elements().filter(|e| is_content(e));
    match edge {
        ChromeEdge::First => content.next(),
        ChromeEdge::Last => content.last(),
    }
}

fn edge_element_mut(root: &mut DomElement, edge: ChromeEdge) -> Option<&mut DomElement> {
    let body = if root.tag == "body" {
        root
    } else {
        root.children.iter_mut().find_map(|node| match node {
            DomNode::Element(element) if element.tag == "body" => Some(element),
            _ => None,
        })?
    };
    let mut content = body.children.iter_mut().filter_map(|node| match node {
        DomNode::Element(element) if is_content(element) => Some(element),
        _ => None,
    });
    match edge {
        ChromeEdge::First => content.next(),
        ChromeEdge::Last => content.last(),
    }
}

fn descend_mut<'a>(element: &'a mut DomElement, path: &[usize]) -> Option<&'a mut DomElement> {
    let Some((first, rest)) = path.split_first() else {
        return Some(element);
    };
    let child = element
        .children
        .iter_mut()
        .filter_map(|node| match node {
            DomNode::Element(element) => Some(element),
            DomNode::Text(_) => None,
        })
        .nth(*first)?;
    descend_mut(child, rest)
}

fn unmark(element: &mut DomElement, mark: &ChromeMark) {
    element.attrs.retain_mut(|(name, value)| {
        if name.eq_ignore_ascii_case("class") {
            let kept: Vec<&str> = value
                .split_ascii_whitespace()
                .filter(|token| !mark.classes.iter().any(|class| class == token))
                .collect();
            *value = kept.join(" ");
            return !value.is_empty();
        }
        !mark
            .attributes
            .iter()
            .any(|(mark_name, _)| mark_name == name)
    });
}

fn classes(element: &DomElement) -> Vec<&str> {
    element
        .attr("class")
        .map(|class| class.split_ascii_whitespace().collect())
        .unwrap_or_default()
}

/// Whether the pages' elements are the same but for marks (tags, other attributes, text,
/// children); the marks go into `found`, one list per page.
fn same_but_marks(
    pages: &[(&DomElement, Option<&Url>)],
    path: &mut Vec<usize>,
    edge: ChromeEdge,
    found: &mut [Vec<ChromeMark>],
) -> bool {
    let elements: Vec<&DomElement> = pages.iter().map(|(element, _)| *element).collect();
    let first = elements[0];
    // Links are compared as the browser resolves them: `../index.html` on a page one folder
    // down is the home page's `index.html`.
    let plain = |element: &DomElement, base: Option<&Url>| -> Vec<(String, String)> {
        element
            .attrs
            .iter()
            .filter(|(name, _)| {
                !name.eq_ignore_ascii_case("class") && !MARK_ATTRIBUTES.contains(&name.as_str())
            })
            .map(|(name, value)| {
                let resolved = match (URL_ATTRIBUTES.contains(&name.as_str()), base) {
                    (true, Some(base)) => base.join(value.trim()).map(String::from).ok(),
                    _ => None,
                };
                (name.clone(), resolved.unwrap_or_else(|| value.clone()))
            })
            .collect()
    };
    let texts = |element: &DomElement| -> Vec<String> {
        element
            .children
            .iter()
            .map(|node| match node {
                DomNode::Text(text) => text.trim().to_string(),
                DomNode::Element(_) => String::from("<>"),
            })
            .collect()
    };
    let first_attributes = plain(first, pages[0].1);
    let same = pages.iter().all(|(element, base)| {
        element.tag == first.tag
            && plain(element, *base) == first_attributes
            && texts(element) == texts(first)
    });
    if !same {
        return false;
    }
    let common: Vec<&str> = classes(first)
        .into_iter()
        .filter(|class| {
            elements
                .iter()
                .all(|element| classes(element).contains(class))
        })
        .collect();
    for (element, page_marks) in elements.iter().zip(found.iter_mut()) {
        let extra: Vec<String> = classes(element)
            .into_iter()
            .filter(|class| !common.contains(class))
            .map(str::to_string)
            .collect();
        let attributes: Vec<(String, String)> = element
            .attrs
            .iter()
            .filter(|(name, _)| MARK_ATTRIBUTES.contains(&name.as_str()))
            .cloned()
            .collect();
        if !extra.is_empty() || !attributes.is_empty() {
            page_marks.push(ChromeMark {
                edge,
                path: path.clone(),
                classes: extra,
                attributes,
            });
        }
    }
    let children: Vec<Vec<&DomElement>> = elements
        .iter()
        .map(|element| element.child_elements().collect())
        .collect();
    for index in 0..children[0].len() {
        let column: Vec<(&DomElement, Option<&Url>)> = children
            .iter()
            .zip(pages)
            .map(|(list, (_, base))| (list[index], *base))
            .collect();
        path.push(index);
        let same = same_but_marks(&column, path, edge, found);
        path.pop();
        if !same {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(tag: &str, attrs: &[(&str, &str)], children: Vec<DomNode>) -> DomElement {
        DomElement {
            tag: tag.into(),
            attrs: attrs
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            children,
            ..DomElement::default()
        }
    }

    fn link(href: &str, class: Option<&str>) -> DomNode {
        let mut attrs = vec![("href", href)];
        if let Some(class) = class {
            attrs.push(("class", class));
        }
        DomNode::Element(element("a", &attrs, vec![DomNode::Text(href.into())]))
    }

    fn page(active: usize, footer_text: &str) -> ScrapeData {
        let links = (0..3)
            .map(|n| {
                let class = if n == active {
                    "nav-link active"
                } else {
                    "nav-link"
                };
                link(&format!("/p{n}"), Some(class))
            })
            .collect();
        let nav = element("nav", &[("class", "top")], links);
        let footer = element("footer", &[], vec![DomNode::Text(footer_text.into())]);
        let script = element("script", &[], Vec::new());
        let body = element(
            "body",
            &[],
            vec![
                DomNode::Element(nav),
                DomNode::Element(footer),
                DomNode::Element(script),
            ],
        );
        let html = element("html", &[], vec![DomNode::Element(body)]);
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scrapes/empty");
        let mut scrape = ScrapeData::load(&dir).unwrap();
        scrape.desktop.dom = html.clone();
        scrape.mobile.dom = html;
        scrape
    }

    #[test]
    fn the_active_link_is_the_only_difference_and_is_taken_out() {
        let (mut a, mut b) = (page(0, "same"), page(2, "same"));
        let marks = strip_chrome_marks(&mut [&mut a, &mut b]);
        assert_eq!(
            marks[1],
            [ChromeMark {
                edge: ChromeEdge::First,
                path: vec![2],
                classes: vec!["active".into()],
                attributes: Vec::new(),
            }]
        );
        assert_eq!(marks[0][0].path, [0]);
        assert_eq!(a.desktop.dom, b.desktop.dom, "the same DOM once unmarked");
        assert_eq!(a.mobile.dom, b.mobile.dom);
        let nav = edge_element(&a.desktop.dom, ChromeEdge::First).unwrap();
        let first = nav.child_elements().next().unwrap();
        assert_eq!(first.attr("class"), Some("nav-link"));
    }

    #[test]
    fn edges_that_differ_otherwise_are_left_alone() {
        let (mut a, mut b) = (page(0, "one"), page(1, "two"));
        let before = b.clone();
        let marks = strip_chrome_marks(&mut [&mut a, &mut b]);
        // The navs are shared (marks taken); the footers differ in text (untouched).
        assert!(marks[1].iter().all(|mark| mark.edge == ChromeEdge::First));
        let footer =
            |scrape: &ScrapeData| edge_element(&scrape.desktop.dom, ChromeEdge::Last).cloned();
        assert_eq!(footer(&b), footer(&before));
        let mut single = page(0, "x");
        assert_eq!(strip_chrome_marks(&mut [&mut single]), vec![Vec::new()]);
    }
}
