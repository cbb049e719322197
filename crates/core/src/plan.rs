//! The plan: the page cut into sections, each with only its own data.

use serde::{Deserialize, Serialize};

use crate::{BrowserDefaults, Button, DomElement, ImageInfo, Link, Rect, SectionKind};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub shared_context: SharedContext,
    /// In document order.
    pub sections: Vec<PlannedSection>,
    /// What `<body>` holds, in document order: the sections and the elements around several
    /// of them (a `<main>` holding all but the header and footer, a page-wide `<div
    /// id="page">`, a block split into sections), each such element once. Sections the
    /// outline does not name render after it, straight in `<body>` (an empty outline puts
    /// every section there).
    #[serde(default)]
    pub outline: Vec<OutlineNode>,
}

/// One place in the page's structure above the sections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutlineNode {
    /// The section with this id (`section-3`).
    Section {
        id: String,
    },
    Wrapper(PageWrapper),
}

/// Elements of the page around several sections, rendered once with the sections inside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageWrapper {
    /// Unique PascalCase component name (`Main`, `Page`, `Story`), distinct from every
    /// section's.
    pub component_name: String,
    /// Outermost first, each the only thing the one before holds; copies without children.
    pub elements: Vec<DomElement>,
    /// What the innermost element holds, in document order.
    pub children: Vec<OutlineNode>,
}

impl Plan {
    /// Every wrapper of the outline, outer ones before the ones they hold.
    pub fn wrappers(&self) -> Vec<&PageWrapper> {
        fn visit<'a>(nodes: &'a [OutlineNode], out: &mut Vec<&'a PageWrapper>) {
            for node in nodes {
                if let OutlineNode::Wrapper(wrapper) = node {
                    out.push(wrapper);
                    visit(&wrapper.children, out);
                }
            }
        }
        let mut out = Vec::new();
        visit(&self.outline, &mut out);
        out
    }
}

/// What every section generator needs to know about the page as a whole.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SharedContext {
    pub url: String,
    pub title: String,
    /// `light` or `dark`, from the page background.
    pub theme: String,
    pub font_urls: Vec<String>,
    /// Heading, body and mono families (only those the page has).
    pub font_families: Vec<String>,
    /// The desktop capture's browser defaults: what the sections' styles leave out.
    #[serde(default, skip_serializing_if = "BrowserDefaults::is_empty")]
    pub browser_defaults: BrowserDefaults,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedSection {
    /// Stable within a plan: `section-0`, `section-1`, ...
    pub id: String,
    /// Unique PascalCase component name (`Hero`, `Features2`, `Section5`).
    pub component_name: String,
    #[serde(rename = "type")]
    pub kind: SectionKind,
    pub order: usize,
    pub data: SectionData,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionData {
    /// The section's elements (one subtree, or several siblings when a block was split by
    /// height or merged), cloned from the desktop capture.
    pub dom: Vec<DomElement>,
    /// Desktop and mobile boxes of the section in document coordinates.
    #[serde(rename = "box")]
    pub rect: Rect,
    pub mobile_box: Option<Rect>,
    pub desktop_crop: Option<SectionCrop>,
    pub mobile_crop: Option<SectionCrop>,
    pub headings: Vec<Heading>,
    pub paragraphs: Vec<String>,
    pub images: Vec<ImageInfo>,
    pub links: Vec<Link>,
    pub buttons: Vec<Button>,
    pub text_content: String,
    pub nav_links: Vec<Link>,
    pub logo_svg: Option<String>,
    /// The section's own background (colour, gradient or image) when it sets one.
    pub background: Option<String>,
    /// The element the section's pieces sit in (a copy without children: the innermost
    /// element of its [`PageWrapper`]); `None` when they sit straight in `<body>`.
    #[serde(default)]
    pub container: Option<DomElement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Heading {
    pub level: u8,
    pub text: String,
}

/// A PNG cut from a full-page screenshot.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionCrop {
    pub width: u32,
    pub height: u32,
    /// True when the section extends past the screenshot cap and the crop shows only its top.
    pub clipped: bool,
    #[serde(skip)]
    pub png: Vec<u8>,
}

impl std::fmt::Debug for SectionCrop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SectionCrop")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("clipped", &self.clipped)
            .field("png_bytes", &self.png.len())
            .finish()
    }
}
