//! What a section carries besides its DOM: texts, media, links, its background.

use std::collections::HashMap;

use replica_core::{DeviceCapture, DomElement, Heading, InlineSvg, Link, SectionKind};

/// Which unit owns each element id (the first unit a copied block appears in owns the block
/// itself; its children belong where they were put).
pub(crate) fn owners(units: &[Vec<DomElement>]) -> HashMap<u32, usize> {
    let mut owner = HashMap::new();
    for (index, roots) in units.iter().enumerate() {
        for root in roots {
            root.walk(&mut |e| {
                owner.entry(e.id).or_insert(index);
            });
        }
    }
    owner
}

pub(crate) fn headings(roots: &[DomElement]) -> Vec<Heading> {
    let mut out = Vec::new();
    for root in roots {
        root.walk(&mut |e| {
            let level = match e.tag.as_str() {
                "h1" => 1,
                "h2" => 2,
                "h3" => 3,
                "h4" => 4,
                "h5" => 5,
                "h6" => 6,
                _ => return,
            };
            let text = e.text_content();
            if !text.is_empty() {
                out.push(Heading { level, text });
            }
        });
    }
    out
}

pub(crate) fn paragraphs(roots: &[DomElement]) -> Vec<String> {
    let mut out = Vec::new();
    for root in roots {
        root.walk(&mut |e| {
            if e.tag == "p" {
                let text = e.text_content();
                if !text.is_empty() {
                    out.push(text);
                }
            }
        });
    }
    out
}

pub(crate) fn text_content(roots: &[DomElement]) -> String {
    let texts: Vec<String> = roots
        .iter()
        .map(DomElement::text_content)
        .filter(|t| !t.is_empty())
        .collect();
    texts.join(" ")
}

fn hint(e: &DomElement, words: &[&str]) -> bool {
    ["class", "id", "aria-label", "alt"]
        .iter()
        .filter_map(|a| e.attr(a))
        .any(|v| {
            let v = v.to_ascii_lowercase();
            words.iter().any(|w| v.contains(w))
        })
}

/// Ids of elements inside a `<nav>` (or `role=navigation`) of the section.
fn nav_members(roots: &[DomElement]) -> Vec<u32> {
    fn visit(e: &DomElement, inside: bool, out: &mut Vec<u32>) {
        let inside = inside || e.tag == "nav" || e.attr("role") == Some("navigation");
        if inside {
            out.push(e.id);
        }
        for child in e.child_elements() {
            visit(child, inside, out);
        }
    }
    let mut out = Vec::new();
    for root in roots {
        visit(root, false, &mut out);
    }
    out.sort_unstable();
    out
}

/// Links inside the section's `<nav>` elements; for a navbar without one, its links that are
/// neither buttons nor the logo.
pub(crate) fn nav_links(
    roots: &[DomElement],
    kind: SectionKind,
    links: &[Link],
    buttons: &[u32],
) -> Vec<Link> {
    let members = nav_members(roots);
    let in_nav: Vec<Link> = links
        .iter()
        .filter(|l| members.binary_search(&l.node).is_ok())
        .cloned()
        .collect();
    if !in_nav.is_empty() || kind != SectionKind::Navbar {
        return in_nav;
    }
    links
        .iter()
        .filter(|l| !buttons.contains(&l.node))
        .filter(|l| {
            let element = roots.iter().find_map(|r| r.find(l.node));
            element.is_none_or(|e| {
                let mut media = false;
                e.walk(&mut |d| media |= matches!(d.tag.as_str(), "img" | "svg"));
                !media && !hint(e, &["logo", "brand"])
            })
        })
        .cloned()
        .collect()
}

/// The logo of a navbar or footer: the first inline SVG of the section that sits in an element
/// named like a logo or brand (or is one), else, in a navbar, the first SVG inside a link to
/// the home page or inside the section's first link.
pub(crate) fn logo_svg(
    roots: &[DomElement],
    kind: SectionKind,
    svgs: &[&InlineSvg],
) -> Option<String> {
    if !matches!(kind, SectionKind::Navbar | SectionKind::Footer) || svgs.is_empty() {
        return None;
    }
    let mut named: Vec<u32> = Vec::new();
    let mut first_link: Option<&DomElement> = None;
    let mut home_links: Vec<&DomElement> = Vec::new();
    for root in roots {
        root.walk(&mut |e| {
            if hint(e, &["logo", "brand"]) {
                named.push(e.id);
            }
            if e.tag == "a" {
                if first_link.is_none() {
                    first_link = Some(e);
                }
                if matches!(
                    e.attr("href"),
                    Some("/" | "#" | "./" | "index.html" | "/index.html")
                ) {
                    home_links.push(e);
                }
            }
        });
    }
    let inside = |svg: &InlineSvg, container: &DomElement| container.find(svg.node).is_some();
    for svg in svgs {
        let in_named = named.iter().any(|&n| {
            roots
                .iter()
                .find_map(|r| r.find(n))
                .is_some_and(|e| inside(svg, e))
        });
        if in_named {
            return Some(svg.markup.clone());
        }
    }
    if kind != SectionKind::Navbar {
        return None;
    }
    svgs.iter()
        .find(|svg| {
            home_links
                .iter()
                .chain(first_link.iter())
                .any(|link| inside(svg, link))
        })
        .map(|svg| svg.markup.clone())
}

/// The section's own background as a CSS `background` value: its image layers (gradients,
/// `url(...)`), then its colour, each as computed; `None` when it paints neither.
pub(crate) fn background(root: &DomElement) -> Option<String> {
    let color = root
        .style("background-color")
        .filter(|c| !is_transparent(c));
    let image = root.style("background-image").filter(|i| *i != "none");
    match (image, color) {
        (Some(image), Some(color)) => Some(format!("{image} {color}")),
        (Some(image), None) => Some(image.to_string()),
        (None, Some(color)) => Some(color.to_string()),
        (None, None) => None,
    }
}

fn is_transparent(color: &str) -> bool {
    replica_css::parse_color(color).is_some_and(replica_css::Rgba::is_transparent)
}

/// Links, images and buttons of the capture are assigned by element owner; anything whose
/// element is not in the DOM (a truncated capture) goes to the band its box starts in.
pub(crate) fn owner_of(
    owners: &HashMap<u32, usize>,
    node: u32,
    y: f64,
    bands: &[(f64, f64)],
) -> usize {
    if let Some(&owner) = owners.get(&node) {
        return owner;
    }
    bands
        .iter()
        .position(|&(top, bottom)| y >= top && y < bottom)
        .unwrap_or_else(|| {
            if y < bands.first().map_or(0.0, |b| b.0) {
                0
            } else {
                bands.len().saturating_sub(1)
            }
        })
}

pub(crate) fn button_ids(capture: &DeviceCapture) -> Vec<u32> {
    capture.buttons.iter().map(|b| b.node).collect()
}
