//! What `replica scrape` prints: a short human summary, or one JSON object with `--json`.

use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;

use replica_core::{DomElement, DomNode, ScrapeData};

pub fn text(data: &ScrapeData, out: &Path) -> String {
    let mut s = String::new();
    let d = &data.desktop;
    let _ = writeln!(
        s,
        "{} — {}",
        display_or(&data.title, "(no title)"),
        data.final_url
    );
    let _ = writeln!(
        s,
        "  HTTP {}, {}, {}, {} stylesheets, {} images, {} links",
        data.status,
        data.compat_mode,
        data.lang.as_deref().unwrap_or("no lang"),
        data.stylesheets.len(),
        d.images.len(),
        d.links.len()
    );
    let _ = writeln!(
        s,
        "  page: {:.0}x{:.0} px desktop, {:.0}x{:.0} px mobile, {} elements",
        d.document.width,
        d.document.height,
        data.mobile.document.width,
        data.mobile.document.height,
        d.node_count
    );
    let _ = writeln!(s, "sections (desktop):");
    for section in &d.sections {
        let r = section.rect;
        let _ = writeln!(
            s,
            "  {:<12} <{}> y={:.0} h={:.0}{}",
            section.kind.as_str(),
            section.tag,
            r.y,
            r.height,
            if section.pinned { " (pinned)" } else { "" }
        );
    }
    let (backgrounds, texts) = colours(&d.dom);
    let _ = writeln!(
        s,
        "colours: backgrounds {}; text {}",
        backgrounds.join(" "),
        texts.join(" ")
    );
    let _ = writeln!(s, "fonts:");
    for font in d.fonts_in_use.iter().take(4) {
        let _ = writeln!(
            s,
            "  {} (weights {}; {} characters)",
            font.family,
            font.weights.join(", "),
            font.characters
        );
    }
    for face in &data.font_faces {
        let _ = writeln!(
            s,
            "  @font-face {} {} {}: {}",
            face.family, face.weight, face.style, face.status
        );
    }
    let t = &data.timings;
    let _ = writeln!(
        s,
        "timings: total {} ms (preflight {}, browser {}, desktop {}, mobile {}, stylesheets {})",
        t.total_ms, t.preflight_ms, t.browser_ms, t.desktop_ms, t.mobile_ms, t.stylesheets_ms
    );
    for warning in &data.warnings {
        let _ = writeln!(s, "warning: {warning}");
    }
    let _ = writeln!(s, "wrote {}", out.join(ScrapeData::FILE_NAME).display());
    s
}

pub fn json(data: &ScrapeData, out: &Path) -> serde_json::Value {
    let section = |s: &replica_core::DetectedSection| serde_json::json!({ "type": s.kind.as_str(), "tag": s.tag, "box": s.rect, "pinned": s.pinned });
    serde_json::json!({
        "url": data.url,
        "final_url": data.final_url,
        "title": data.title,
        "status": data.status,
        "out_dir": out,
        "sections": {
            "desktop": data.desktop.sections.iter().map(section).collect::<Vec<_>>(),
            "mobile": data.mobile.sections.iter().map(section).collect::<Vec<_>>(),
        },
        "images": data.desktop.images.len(),
        "stylesheets": data.stylesheets.len(),
        "fonts_in_use": data.desktop.fonts_in_use,
        "page_height": { "desktop": data.desktop.document.height, "mobile": data.mobile.document.height },
        "timings_ms": data.timings,
        "warnings": data.warnings,
    })
}

fn display_or<'a>(text: &'a str, fallback: &'a str) -> &'a str {
    if text.trim().is_empty() {
        fallback
    } else {
        text
    }
}

/// The three background colours covering the most area and the three text colours set on the
/// most characters, as computed `rgb()` values.
fn colours(html: &DomElement) -> (Vec<String>, Vec<String>) {
    let mut backgrounds: HashMap<&str, f64> = HashMap::new();
    let mut texts: HashMap<&str, usize> = HashMap::new();
    html.walk(&mut |e| {
        if let Some(bg) = e.style("background-color")
            && bg != "rgba(0, 0, 0, 0)"
        {
            *backgrounds.entry(bg).or_default() += e.rect.area();
        }
        let chars: usize = e
            .children
            .iter()
            .map(|c| match c {
                DomNode::Text(t) => t.chars().filter(|c| !c.is_whitespace()).count(),
                DomNode::Element(_) => 0,
            })
            .sum();
        if chars > 0 {
            *texts
                .entry(e.style("color").unwrap_or("rgb(0, 0, 0)"))
                .or_default() += chars;
        }
    });
    let top = |mut entries: Vec<(&str, f64)>| {
        entries.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        entries
            .into_iter()
            .take(3)
            .map(|(c, _)| c.to_string())
            .collect::<Vec<_>>()
    };
    (
        top(backgrounds.into_iter().collect()),
        top(texts.into_iter().map(|(c, n)| (c, n as f64)).collect()),
    )
}
