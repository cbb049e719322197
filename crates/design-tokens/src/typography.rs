//! Font families, font sources and the type scale of each device.

use std::collections::HashSet;

use replica_core::{
    FontFamilies, FontSource, FontSourceKind, ScrapeData, SectionKind, TextStyle, TypeScale,
};

use crate::colors::{TextRole, text_role};
use crate::page::{self, Node, Page};

/// Families by role, weighted by characters of visible text.
///
/// Text whose element does not set `font-family` uses the browser's default font; the scrape
/// leaves that value out of `style`, so it is taken from `fonts_in_use` (the computed family of
/// every text run): the used family that no element declares.
pub(crate) fn families(page: &Page<'_>) -> FontFamilies {
    let declared: HashSet<&str> = page
        .nodes
        .iter()
        .filter_map(|n| n.el.style("font-family"))
        .collect();
    let undeclared: Vec<&str> = page
        .capture
        .fonts_in_use
        .iter()
        .map(|f| f.family.as_str())
        .filter(|f| !declared.contains(f))
        .collect();
    let default_mono = undeclared.iter().copied().find(|f| is_mono(f));
    let default_text = undeclared.iter().copied().find(|f| !is_mono(f));

    let mut heading: Vec<(&str, usize)> = Vec::new();
    let mut body: Vec<(&str, usize)> = Vec::new();
    let mut other: Vec<(&str, usize)> = Vec::new();
    let mut mono: Vec<(&str, usize)> = Vec::new();
    fn add<'a>(list: &mut Vec<(&'a str, usize)>, family: Option<&'a str>, chars: usize) {
        let Some(family) = family else { return };
        match list.iter_mut().find(|(f, _)| *f == family) {
            Some(entry) => entry.1 += chars,
            None => list.push((family, chars)),
        }
    }
    for (_, node) in page.text_nodes() {
        let declared = node.el.style("font-family");
        let family = declared.or(if node.mono {
            default_mono
        } else {
            default_text
        });
        if node.mono || family.is_some_and(is_mono) {
            add(&mut mono, family, node.chars);
            continue;
        }
        match text_role(page, node) {
            TextRole::Heading => add(&mut heading, family, node.chars),
            TextRole::Body | TextRole::Link | TextRole::Label => add(&mut body, family, node.chars),
            TextRole::Button | TextRole::Nav => add(&mut other, family, node.chars),
            TextRole::Code => {}
        }
    }
    let best = |list: &Vec<(&str, usize)>| {
        list.iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
            .map(|(f, _)| f.to_string())
    };
    // A page of nothing but navigation and buttons still has a body font: theirs.
    FontFamilies {
        heading: best(&heading),
        body: best(&body).or_else(|| best(&other)),
        mono: best(&mono),
    }
}

fn is_mono(family: &str) -> bool {
    let f = family.to_ascii_lowercase();
    f.contains("mono") || f.contains("courier") || f.contains("consolas") || f.contains("menlo")
}

/// Hosts whose stylesheets serve fonts.
const FONT_SERVICES: &[&str] = &[
    "fonts.googleapis.com",
    "fonts.bunny.net",
    "use.typekit.net",
    "p.typekit.net",
    "fonts.cdnfonts.com",
    "fast.fonts.net",
    "cloud.typography.com",
    "api.fontshare.com",
    "use.fontawesome.com",
    "rsms.me",
];

/// `@font-face` file URLs and stylesheets that serve fonts (a font service, or a sheet made of
/// nothing but `@font-face` rules), each URL once, in cascade order.
pub(crate) fn sources(scrape: &ScrapeData) -> Vec<FontSource> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for sheet in &scrape.stylesheets {
        let Some(href) = &sheet.href else { continue };
        let service = FONT_SERVICES.iter().any(|host| href.contains(host));
        let trimmed = sheet.css.trim();
        let only_faces = !trimmed.is_empty()
            && trimmed.split("@font-face").all(|chunk| {
                let chunk = chunk.trim();
                chunk.is_empty() || (chunk.starts_with('{') && chunk.matches('{').count() == 1)
            });
        if (service || only_faces) && seen.insert(href.clone()) {
            out.push(FontSource {
                family: None,
                url: href.clone(),
                kind: FontSourceKind::Stylesheet,
            });
        }
    }
    for face in &scrape.font_faces {
        for url in &face.urls {
            if seen.insert(url.clone()) {
                out.push(FontSource {
                    family: Some(face.family.clone()),
                    url: url.clone(),
                    kind: FontSourceKind::FontFace,
                });
            }
        }
    }
    out
}

fn text_style(node: &Node<'_>) -> TextStyle {
    TextStyle {
        size: page::font_size(node).to_string(),
        weight: page::font_weight(node).to_string(),
        line_height: page::line_height(node).to_string(),
        letter_spacing: page::letter_spacing(node).to_string(),
    }
}

fn size_of(style: &TextStyle) -> f64 {
    page::px(&style.size).unwrap_or(0.0)
}

/// Weighted votes for text styles; the heaviest wins, ties go to the larger size.
#[derive(Default)]
struct Votes(Vec<(TextStyle, f64)>);

impl Votes {
    fn add(&mut self, style: TextStyle, weight: f64) {
        match self.0.iter_mut().find(|(s, _)| *s == style) {
            Some(entry) => entry.1 += weight,
            None => self.0.push((style, weight)),
        }
    }

    fn best(&self, keep: impl Fn(&TextStyle) -> bool) -> Option<TextStyle> {
        self.0
            .iter()
            .filter(|(s, _)| keep(s))
            .max_by(|a, b| {
                a.1.total_cmp(&b.1)
                    .then(size_of(&a.0).total_cmp(&size_of(&b.0)))
            })
            .map(|(s, _)| s.clone())
    }
}

/// A brand link: named like a logo, or holding an image.
fn is_logo(page: &Page<'_>, index: usize) -> bool {
    let el = page.nodes[index].el;
    let named = ["class", "id", "aria-label"]
        .iter()
        .filter_map(|a| el.attr(a))
        .any(|v| {
            let v = v.to_ascii_lowercase();
            v.contains("logo") || v.contains("brand")
        });
    named
        || (index + 1..page.nodes[index].end)
            .any(|i| matches!(page.nodes[i].el.tag.as_str(), "img" | "svg"))
}

/// The type scale of one device:
/// * hero_heading: the largest visible `h1` (else the largest heading of the hero section);
/// * section_heading / card_heading: the most used `h2` / `h3` (else `h4`) style, by count;
/// * body: the style of most body-text characters (not headings, links, buttons, nav, labels;
///   on a page that has no such text, of any text but headings and code);
///   body_large / body_small: the most used body style larger / smaller than that;
/// * label: the most used uppercase (else `<label>`) text style;
/// * nav_link: the most used style of links in `<nav>`, by count (else of the navbar's links
///   that are not the logo).
pub(crate) fn scale(page: &Page<'_>) -> TypeScale {
    let mut h1: Option<(f64, TextStyle)> = None;
    let mut hero_fallback: Option<(f64, TextStyle)> = None;
    let mut h2 = Votes::default();
    let mut h3 = Votes::default();
    let mut h4 = Votes::default();
    let mut body = Votes::default();
    let mut uppercase = Votes::default();
    let mut labels = Votes::default();
    let mut nav = Votes::default();
    let mut navbar_links = Votes::default();
    let mut any_text = Votes::default();
    let hero_sections: Vec<usize> = page
        .capture
        .sections
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind == SectionKind::Hero)
        .map(|(i, _)| i)
        .collect();

    for (i, node) in page.nodes.iter().enumerate() {
        let el = node.el;
        if !node.visible || el.rect.width <= 1.0 || el.rect.height <= 1.0 {
            continue;
        }
        let heading_tag = matches!(el.tag.as_str(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6");
        if heading_tag && !el.text_content().is_empty() {
            let style = text_style(node);
            let size = size_of(&style);
            match el.tag.as_str() {
                "h1" if h1.as_ref().is_none_or(|(s, _)| size > *s) => {
                    h1 = Some((size, style.clone()))
                }
                "h2" => h2.add(style.clone(), 1.0),
                "h3" => h3.add(style.clone(), 1.0),
                "h4" => h4.add(style.clone(), 1.0),
                _ => {}
            }
            if node.section.is_some_and(|s| hero_sections.contains(&s))
                && hero_fallback.as_ref().is_none_or(|(s, _)| size > *s)
            {
                hero_fallback = Some((size, style));
            }
        }
        if el.tag == "a" && node.nav && node.button.is_none() && !el.text_content().is_empty() {
            if node.nav_element {
                nav.add(text_style(node), 1.0);
            } else if !is_logo(page, i) {
                navbar_links.add(text_style(node), 1.0);
            }
        }
        if node.chars == 0 {
            continue;
        }
        let chars = node.chars as f64;
        let role = text_role(page, node);
        if !matches!(role, TextRole::Heading | TextRole::Code) {
            any_text.add(text_style(node), chars);
        }
        match role {
            TextRole::Body => body.add(text_style(node), chars),
            TextRole::Label if crate::colors::is_uppercase(el) => {
                uppercase.add(text_style(node), chars)
            }
            TextRole::Label => labels.add(text_style(node), chars),
            _ => {}
        }
    }
    // A page of nothing but links and labels: its most used text style is the body.
    let body_style = body.best(|_| true).or_else(|| any_text.best(|_| true));
    let body_size = body_style.as_ref().map_or(16.0, size_of);
    TypeScale {
        hero_heading: h1.or(hero_fallback).map(|(_, s)| s),
        section_heading: h2.best(|_| true),
        card_heading: h3.best(|_| true).or_else(|| h4.best(|_| true)),
        body_large: body.best(|s| size_of(s) > body_size + 0.5 && size_of(s) <= body_size * 2.0),
        body_small: body.best(|s| size_of(s) < body_size - 0.5),
        body: body_style,
        label: uppercase.best(|_| true).or_else(|| labels.best(|_| true)),
        nav_link: nav.best(|_| true).or_else(|| navbar_links.best(|_| true)),
    }
}
