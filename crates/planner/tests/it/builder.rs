//! Hand-made scrapes for the edge cases: a tiny DSL over `DomElement`, sections named by class,
//! and screenshots painted in bands so crops can be checked by colour.

use std::collections::BTreeMap;

use image::{ImageBuffer, Rgb};
use replica_core::{
    BrowserDefaults, DetectedSection, Device, DeviceCapture, DocumentSize, DomElement, DomNode,
    ImageInfo, Link, PageMeta, Rect, ScrapeData, ScrapeTimings, Screenshot, Screenshots,
    SectionKind,
};

/// An element with a class (used to find it again), a box and computed style.
pub fn el(
    tag: &str,
    class: &str,
    rect: (f64, f64, f64, f64),
    style: &[(&str, &str)],
    children: Vec<DomNode>,
) -> DomNode {
    DomNode::Element(DomElement {
        id: 0,
        tag: tag.to_string(),
        attrs: if class.is_empty() {
            Vec::new()
        } else {
            vec![("class".to_string(), class.to_string())]
        },
        rect: Rect {
            x: rect.0,
            y: rect.1,
            width: rect.2,
            height: rect.3,
        },
        style: style
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        children,
        ..DomElement::default()
    })
}

pub fn text(content: &str) -> DomNode {
    DomNode::Text(content.to_string())
}

fn number(element: &mut DomElement, next: &mut u32) {
    element.id = *next;
    *next += 1;
    for child in &mut element.children {
        if let DomNode::Element(e) = child {
            number(e, next);
        }
    }
}

/// A PNG `width` x `height` px whose rows are coloured by the CSS px they show: row `y` (in CSS
/// px) is grey level `y % 251`, so a crop's first row tells where it starts.
pub fn banded_png(width: u32, height: u32, scale: f64) -> Vec<u8> {
    let image = ImageBuffer::from_fn(width, height, |_, y| {
        let css = (f64::from(y) / scale).floor() as u32;
        let level = (css % 251) as u8;
        Rgb([level, level, level])
    });
    let mut png = Vec::new();
    image
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("encode a PNG");
    png
}

fn capture(device: Device, body: Option<DomNode>, height: f64, cap: f64) -> DeviceCapture {
    let viewport = device.viewport();
    let scale = viewport.device_scale_factor;
    let mut html = DomElement {
        tag: "html".into(),
        rect: Rect {
            x: 0.0,
            y: 0.0,
            width: f64::from(viewport.width),
            height,
        },
        children: body.into_iter().collect(),
        ..DomElement::default()
    };
    let mut next = 0;
    number(&mut html, &mut next);
    let shot_height = height.min(cap);
    let shot = |file: &str, css_height: f64| Screenshot {
        file: file.to_string(),
        width: (f64::from(viewport.width) * scale) as u32,
        height: (css_height * scale) as u32,
        css_width: f64::from(viewport.width),
        css_height,
        png: banded_png(
            (f64::from(viewport.width) * scale) as u32,
            (css_height * scale) as u32,
            scale,
        ),
    };
    let mut links = Vec::new();
    let mut images = Vec::new();
    html.walk(&mut |e| {
        if e.tag == "a" {
            links.push(Link {
                node: e.id,
                href: "http://example.test/x".into(),
                text: e.text_content(),
                rect: e.rect,
                visible: true,
            });
        }
        if e.tag == "img" {
            images.push(ImageInfo {
                node: e.id,
                src: "http://example.test/i.png".into(),
                srcset: None,
                sizes: None,
                alt: None,
                natural_width: 10,
                natural_height: 10,
                rect: e.rect,
                loaded: true,
            });
        }
    });
    DeviceCapture {
        device,
        viewport,
        document: DocumentSize {
            width: f64::from(viewport.width),
            height,
        },
        dom: html,
        node_count: next,
        truncated: false,
        images,
        background_images: Vec::new(),
        svgs: Vec::new(),
        links,
        buttons: Vec::new(),
        form_controls: Vec::new(),
        fonts_in_use: Vec::new(),
        sections: Vec::new(),
        screenshots: Screenshots {
            viewport: shot("viewport.png", height.min(720.0)),
            full_page: shot("full.png", shot_height),
        },
        browser_defaults: BrowserDefaults::default(),
    }
}

/// A page with the same body on desktop and mobile (mobile boxes equal the desktop ones, which
/// is enough for planning), screenshots capped at `cap` CSS px, and the given sections found
/// by class.
pub fn page(body: DomNode, height: f64, cap: f64, sections: &[(&str, SectionKind)]) -> ScrapeData {
    let mut desktop = capture(Device::Desktop, Some(body.clone()), height, cap);
    let mut mobile = capture(Device::Mobile, Some(body), height, cap);
    for capture in [&mut desktop, &mut mobile] {
        capture.sections = sections
            .iter()
            .map(|(class, kind)| {
                let element =
                    by_class(&capture.dom, class).unwrap_or_else(|| panic!("no element .{class}"));
                DetectedSection {
                    node: element.id,
                    tag: element.tag.clone(),
                    rect: element.rect,
                    kind: *kind,
                    pinned: matches!(element.style("position"), Some("fixed" | "sticky")),
                }
            })
            .collect();
    }
    scrape(desktop, mobile)
}

/// A page without a `<body>` element at all.
pub fn bodiless() -> ScrapeData {
    scrape(
        capture(Device::Desktop, None, 720.0, 6000.0),
        capture(Device::Mobile, None, 667.0, 6000.0),
    )
}

fn scrape(desktop: DeviceCapture, mobile: DeviceCapture) -> ScrapeData {
    ScrapeData {
        url: "http://example.test/".into(),
        final_url: "http://example.test/".into(),
        base_url: "http://example.test/".into(),
        status: 200,
        content_type: "text/html".into(),
        title: "Edge case".into(),
        lang: None,
        doctype: Some("<!DOCTYPE html>".into()),
        compat_mode: "CSS1Compat".into(),
        charset: "UTF-8".into(),
        meta: PageMeta::default(),
        html_attrs: Vec::new(),
        stylesheets: Vec::new(),
        font_faces: Vec::new(),
        network: Vec::new(),
        desktop,
        mobile,
        timings: ScrapeTimings::default(),
        warnings: Vec::new(),
        console: Vec::new(),
    }
}

pub fn by_class<'a>(root: &'a DomElement, class: &str) -> Option<&'a DomElement> {
    let mut found = None;
    root.walk(&mut |e| {
        if found.is_none() && e.attr("class") == Some(class) {
            found = Some(e);
        }
    });
    found
}
