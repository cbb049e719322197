//! Shared test plumbing: the fixture server, process-leak checks, and a stable text view of a
//! scrape for snapshots (structure, texts and styles; no pixels, no timings, no ports).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use replica_core::{DeviceCapture, DomElement, DomNode, ScrapeData};
use replica_fixture_server::FixtureServer;

pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

pub async fn serve_sites() -> FixtureServer {
    FixtureServer::start(fixtures_dir().join("sites"))
        .await
        .expect("fixture server starts")
}

/// Pids of the live (non-zombie) processes in process group `pgid`.
pub fn group_members(pgid: i32) -> Vec<i32> {
    live_processes(|_ppid, pgrp| pgrp == pgid)
}

/// Live (not zombie) processes whose parent is `pid`.
pub fn children_of(pid: i32) -> Vec<i32> {
    live_processes(|ppid, _pgrp| ppid == pid)
}

fn live_processes(wanted: impl Fn(i32, i32) -> bool) -> Vec<i32> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // Fields after the parenthesised command: state, ppid, pgrp, ...
        let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let number = |i: usize| fields.get(i).and_then(|f| f.parse::<i32>().ok());
        if let (Some(state), Some(ppid), Some(pgrp)) = (fields.first(), number(1), number(2))
            && *state != "Z"
            && wanted(ppid, pgrp)
        {
            found.push(pid);
        }
    }
    found
}

/// Waits (bounded) until nothing is left in process group `pgid`; returns what is left.
pub async fn wait_until_group_is_gone(pgid: i32) -> Vec<i32> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let members = group_members(pgid);
        if members.is_empty() || Instant::now() > deadline {
            return members;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Properties shown in the DOM outline, when they differ from the parent's value.
const OUTLINE_PROPS: &[&str] = &[
    "display",
    "position",
    "color",
    "background-color",
    "background-image",
    "font-family",
    "font-size",
    "font-weight",
    "grid-template-columns",
    "flex-direction",
    "justify-content",
    "opacity",
    "border-top-left-radius",
    // Declared sizes (`50%`, `calc(...)`, px); not inherited, so shown even where the
    // parent's is the same.
    "width",
    "height",
];

/// Properties compared between desktop and mobile to show what the media queries change.
const RESPONSIVE_PROPS: &[&str] = &[
    "display",
    "font-size",
    "grid-template-columns",
    "flex-direction",
    "position",
    "width",
    "height",
];

pub fn snapshot_view(data: &ScrapeData, origin: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "url: {}", data.url);
    let _ = writeln!(
        s,
        "final_url: {}  base_url: {}",
        data.final_url, data.base_url
    );
    let _ = writeln!(
        s,
        "status: {}  content_type: {}  charset: {}  lang: {:?}",
        data.status, data.content_type, data.charset, data.lang
    );
    let _ = writeln!(s, "title: {:?}", data.title);
    let _ = writeln!(
        s,
        "doctype: {:?}  compat_mode: {}",
        data.doctype, data.compat_mode
    );
    let _ = writeln!(s, "html_attrs: {:?}", data.html_attrs);
    let m = &data.meta;
    let _ = writeln!(
        s,
        "meta: description={:?} viewport={:?} theme_color={:?}",
        m.description, m.viewport, m.theme_color
    );
    for icon in &m.icons {
        let _ = writeln!(
            s,
            "  icon {} {} {:?} {:?}",
            icon.rel, icon.href, icon.sizes, icon.mime
        );
    }
    for (key, value) in &m.open_graph {
        let _ = writeln!(s, "  og:{key} = {value:?}");
    }
    for (key, value) in &m.other {
        let _ = writeln!(s, "  meta {key} = {value:?}");
    }
    let _ = writeln!(s, "stylesheets:");
    for sheet in &data.stylesheets {
        let _ = writeln!(
            s,
            "  {:?} {} media={:?} disabled={} {} bytes, {} rules{}",
            sheet.origin,
            sheet.href.as_deref().unwrap_or("(inline)"),
            sheet.media,
            sheet.disabled,
            sheet.css.len(),
            sheet.css.matches('{').count(),
            sheet
                .error
                .as_ref()
                .map(|e| format!(", error: {e}"))
                .unwrap_or_default()
        );
    }
    let _ = writeln!(s, "font_faces:");
    for face in &data.font_faces {
        let _ = writeln!(
            s,
            "  {:?} {} {} {} {:?}",
            face.family, face.weight, face.style, face.status, face.urls
        );
    }
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for resource in &data.network {
        *kinds
            .entry(format!("{:?}", resource.kind).to_lowercase())
            .or_default() += 1;
    }
    let _ = writeln!(s, "network: {kinds:?}");
    let _ = writeln!(s, "warnings: {:?}", data.warnings);
    // Only pages that complain have the section, so the others' snapshots stay as they were.
    if !data.console.is_empty() {
        let _ = writeln!(s, "console:");
        for message in &data.console {
            let text = message.text.replace('\n', "\n    ");
            let _ = writeln!(s, "  [{}] {text}", message.level);
        }
    }
    device_view(&mut s, &data.desktop, true);
    device_view(&mut s, &data.mobile, false);
    let _ = writeln!(s, "mobile differences:");
    responsive_differences(&mut s, &data.desktop.dom, &data.mobile.dom);
    s.replace(origin, "http://fixture")
}

fn device_view(s: &mut String, capture: &DeviceCapture, outline: bool) {
    let v = capture.viewport;
    let _ = writeln!(
        s,
        "== {} {}x{}@{} ==",
        capture.device.name(),
        v.width,
        v.height,
        v.device_scale_factor
    );
    let _ = writeln!(
        s,
        "document: {:.0}x{:.0}  nodes: {}  truncated: {}",
        capture.document.width, capture.document.height, capture.node_count, capture.truncated
    );
    let shots = &capture.screenshots;
    let _ = writeln!(
        s,
        "screenshots: viewport {}x{}, full page {}x{} ({:.0}x{:.0} css px)",
        shots.viewport.width,
        shots.viewport.height,
        shots.full_page.width,
        shots.full_page.height,
        shots.full_page.css_width,
        shots.full_page.css_height
    );
    let _ = writeln!(s, "sections:");
    for section in &capture.sections {
        let r = section.rect;
        let _ = writeln!(
            s,
            "  {:<12} <{}> #{} {:.0},{:.0} {:.0}x{:.0}{}",
            section.kind.as_str(),
            section.tag,
            section.node,
            r.x,
            r.y,
            r.width,
            r.height,
            if section.pinned { " pinned" } else { "" }
        );
    }
    let _ = writeln!(s, "images:");
    for image in &capture.images {
        let _ = writeln!(
            s,
            "  {} alt={:?} natural={}x{} loaded={} box={:.0}x{:.0}{}",
            image.src,
            image.alt,
            image.natural_width,
            image.natural_height,
            image.loaded,
            image.rect.width,
            image.rect.height,
            image.srcset.as_ref().map(|_| " srcset").unwrap_or_default()
        );
    }
    for background in &capture.background_images {
        let _ = writeln!(
            s,
            "  background {} on #{}{}",
            truncate(&background.url, 80),
            background.node,
            background.pseudo.as_deref().unwrap_or("")
        );
    }
    let _ = writeln!(s, "svgs: {}", capture.svgs.len());
    let _ = writeln!(s, "links:");
    for link in &capture.links {
        let _ = writeln!(
            s,
            "  {:?} -> {}{}",
            link.text,
            link.href,
            if link.visible { "" } else { " (hidden)" }
        );
    }
    let _ = writeln!(s, "buttons:");
    for button in &capture.buttons {
        let _ = writeln!(
            s,
            "  <{}> {:?}{}",
            button.tag,
            button.text,
            if button.visible { "" } else { " (hidden)" }
        );
    }
    let _ = writeln!(s, "form_controls:");
    for control in &capture.form_controls {
        let _ = writeln!(
            s,
            "  <{}> {} name={:?} label={:?} placeholder={:?}",
            control.tag, control.kind, control.name, control.label, control.placeholder
        );
    }
    let _ = writeln!(s, "fonts_in_use:");
    for font in &capture.fonts_in_use {
        let _ = writeln!(
            s,
            "  {} {:?} {} chars",
            font.family, font.weights, font.characters
        );
    }
    if outline {
        let _ = writeln!(s, "dom:");
        outline_element(s, &capture.dom, None, 1);
    }
}

fn outline_element(
    s: &mut String,
    element: &DomElement,
    parent: Option<&DomElement>,
    depth: usize,
) {
    let indent = "  ".repeat(depth);
    let mut label = element.tag.clone();
    if let Some(id) = element.attr("id") {
        label.push('#');
        label.push_str(id);
    }
    if let Some(class) = element.attr("class") {
        for name in class.split_whitespace().take(3) {
            label.push('.');
            label.push_str(name);
        }
    }
    let r = element.rect;
    let mut styles = Vec::new();
    for prop in OUTLINE_PROPS {
        let value = element.style(prop);
        let inherited = parent
            .filter(|_| !matches!(*prop, "width" | "height"))
            .and_then(|p| p.style(prop));
        if let Some(value) = value
            && Some(value) != inherited
        {
            styles.push(format!("{prop}: {}", truncate(value, 60)));
        }
    }
    let _ = write!(
        s,
        "{indent}{label} @{:.0},{:.0} {:.0}x{:.0}",
        r.x, r.y, r.width, r.height
    );
    if !styles.is_empty() {
        let _ = write!(s, " {{{}}}", styles.join("; "));
    }
    for (name, pseudo) in [("::before", &element.before), ("::after", &element.after)] {
        if let Some(pseudo) = pseudo {
            let _ = write!(s, " {name}={}", truncate(&pseudo.content, 30));
        }
    }
    for (key, value) in &element.state {
        let _ = write!(s, " [{key}={}]", truncate(value, 30));
    }
    let _ = writeln!(s);
    for child in &element.children {
        match child {
            DomNode::Text(text) => {
                let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
                if !collapsed.is_empty() {
                    let _ = writeln!(s, "{indent}  {:?}", truncate(&collapsed, 80));
                }
            }
            DomNode::Element(child) => outline_element(s, child, Some(element), depth + 1),
        }
    }
}

fn responsive_differences(s: &mut String, desktop: &DomElement, mobile: &DomElement) {
    let mut mobile_by_id = BTreeMap::new();
    mobile.walk(&mut |e| {
        mobile_by_id.insert(e.id, e);
    });
    desktop.walk(&mut |d| {
        let Some(m) = mobile_by_id.get(&d.id) else {
            return;
        };
        let changes: Vec<String> = RESPONSIVE_PROPS
            .iter()
            .filter(|p| d.style(p) != m.style(p))
            .map(|p| {
                format!(
                    "{p}: {} -> {}",
                    d.style(p).unwrap_or("(default)"),
                    m.style(p).unwrap_or("(default)")
                )
            })
            .collect();
        if !changes.is_empty() {
            let label = d.attr("class").or(d.attr("id")).unwrap_or("");
            let _ = writeln!(
                s,
                "  <{}> #{} {}: {}",
                d.tag,
                d.id,
                truncate(label, 40),
                changes.join("; ")
            );
        }
    });
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    format!("{cut}…")
}
