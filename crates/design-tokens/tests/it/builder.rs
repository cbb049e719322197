//! Hand-made scrapes for the cases no fixture has: a tiny DSL over `DomElement`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use replica_core::{
    BrowserDefaults, Button, Device, DeviceCapture, DocumentSize, DomElement, DomNode, PageMeta,
    Rect, ScrapeData, ScrapeTimings, Screenshot, Screenshots, Stylesheet, StylesheetOrigin,
};

/// An element: `el("div", (x, y, w, h), &[("background-color", "rgb(1, 2, 3)")], children)`.
/// Ids are assigned in pre-order by [`page`].
pub fn el(
    tag: &str,
    rect: (f64, f64, f64, f64),
    style: &[(&str, &str)],
    children: Vec<DomNode>,
) -> DomNode {
    DomNode::Element(DomElement {
        id: 0,
        tag: tag.to_string(),
        attrs: Vec::new(),
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

/// Adds attributes to an element made by [`el`].
pub fn with_attrs(mut node: DomNode, attrs: &[(&str, &str)]) -> DomNode {
    if let DomNode::Element(e) = &mut node {
        e.attrs
            .extend(attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    }
    node
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

fn capture(device: Device, body: DomNode, height: f64) -> DeviceCapture {
    let DomNode::Element(body) = body else {
        panic!("body must be an element")
    };
    let viewport = device.viewport();
    let mut html = DomElement {
        tag: "html".into(),
        rect: Rect {
            x: 0.0,
            y: 0.0,
            width: f64::from(viewport.width),
            height,
        },
        children: vec![DomNode::Element(body)],
        ..DomElement::default()
    };
    let mut next = 0;
    number(&mut html, &mut next);
    let shot = |file: &str| Screenshot {
        file: file.to_string(),
        width: (f64::from(viewport.width) * viewport.device_scale_factor) as u32,
        height: (height * viewport.device_scale_factor) as u32,
        css_width: f64::from(viewport.width),
        css_height: height,
        png: Vec::new(),
    };
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
        images: Vec::new(),
        background_images: Vec::new(),
        svgs: Vec::new(),
        links: Vec::new(),
        buttons: Vec::new(),
        form_controls: Vec::new(),
        fonts_in_use: Vec::new(),
        sections: Vec::new(),
        screenshots: Screenshots {
            viewport: shot("viewport.png"),
            full_page: shot("full.png"),
        },
        browser_defaults: browser_defaults().clone(),
    }
}

/// Chromium's defaults in standards mode, as a recorded scrape holds them.
fn browser_defaults() -> &'static BrowserDefaults {
    static DEFAULTS: OnceLock<BrowserDefaults> = OnceLock::new();
    DEFAULTS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scrapes/landing");
        ScrapeData::load(&dir)
            .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
            .desktop
            .browser_defaults
    })
}

/// A page whose desktop and mobile captures hold the same `body`.
pub fn page(body: DomNode, height: f64, css: &str) -> ScrapeData {
    let mut desktop = capture(Device::Desktop, body.clone(), height);
    let mut mobile = capture(Device::Mobile, body, height);
    for capture in [&mut desktop, &mut mobile] {
        let mut buttons = Vec::new();
        capture.dom.walk(&mut |e| {
            if e.tag == "button" {
                buttons.push(Button {
                    node: e.id,
                    tag: "button".into(),
                    text: e.text_content(),
                    href: None,
                    rect: e.rect,
                    visible: true,
                });
            }
        });
        capture.buttons = buttons;
    }
    ScrapeData {
        url: "http://example.test/".into(),
        final_url: "http://example.test/".into(),
        base_url: "http://example.test/".into(),
        status: 200,
        content_type: "text/html".into(),
        title: "Test page".into(),
        lang: Some("en".into()),
        doctype: Some("<!DOCTYPE html>".into()),
        compat_mode: "CSS1Compat".into(),
        charset: "UTF-8".into(),
        meta: PageMeta::default(),
        html_attrs: Vec::new(),
        stylesheets: vec![Stylesheet {
            origin: StylesheetOrigin::Style,
            href: None,
            base_url: "http://example.test/".into(),
            media: None,
            disabled: false,
            css: css.to_string(),
            error: None,
        }],
        font_faces: Vec::new(),
        network: Vec::new(),
        desktop,
        mobile,
        timings: ScrapeTimings::default(),
        warnings: Vec::new(),
        console: Vec::new(),
    }
}
