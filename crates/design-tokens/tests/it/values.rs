//! The tokens never invent: every value in them occurs in the scrape.
//!
//! "Occurs" is checked independently of the extractor's own bookkeeping: a value (or each part
//! of a composed value such as `1px solid #e5e7eb` or `opacity 0.6s ease, transform 0.6s ease`)
//! must appear in a computed style of either device, in the stylesheet text, among the fonts,
//! or among the user-agent defaults the scrape omits from `style` (listed below). Colours are
//! compared as hex.

use std::collections::HashSet;

use replica_core::ScrapeData;
use replica_design_tokens::css_color_to_hex;

use crate::fixtures::{load, scrape_dirs};

/// Values that are computed but left out of `DomElement::style` because they equal the
/// user-agent default of the element (Chromium): default text colour and canvas, `normal`
/// metrics, heading and control font sizes and weights, transition defaults, form-control boxes.
const UA_DEFAULTS: &[&str] = &[
    "rgb(0, 0, 0)",
    "rgb(255, 255, 255)",
    "normal",
    "16px",
    "32px",
    "24px",
    "18.72px",
    "13.28px",
    "10.72px",
    "13.3333px",
    "19.2px",
    "400",
    "700",
    "all",
    "0s",
    "ease",
    "0px",
    "1px",
    "2px",
    "6px",
    "inset",
    "outset",
    "solid",
    "rgb(118, 118, 118)",
    "rgb(239, 239, 239)",
];

/// Splits at top-level commas and spaces (not inside parentheses).
fn parts(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in value.chars() {
        match c {
            '(' => {
                depth += 1;
                current.push(c);
            }
            ')' => {
                depth = depth.saturating_sub(1);
                current.push(c);
            }
            ',' | ' ' | '\n' | '\t' if depth == 0 => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Colours written inside other values (gradient stops, shadows), as hex.
fn inner_colors(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (start, _) in value.char_indices() {
        let rest = &value[start..];
        let function = [
            "rgb(", "rgba(", "hsl(", "hsla(", "oklch(", "oklab(", "lab(", "lch(", "color(",
        ]
        .iter()
        .any(|f| rest.starts_with(f));
        let candidate = if function {
            rest.find(')').map(|end| &rest[..=end])
        } else if let Some(digits) = rest.strip_prefix('#') {
            let end = digits
                .find(|c: char| !c.is_ascii_hexdigit())
                .map_or(rest.len(), |e| e + 1);
            Some(&rest[..end])
        } else {
            None
        };
        out.extend(candidate.and_then(css_color_to_hex));
    }
    out
}

struct Occurring {
    parts: HashSet<String>,
    colors: HashSet<String>,
    families: HashSet<String>,
    urls: HashSet<String>,
}

impl Occurring {
    fn of(scrape: &ScrapeData) -> Occurring {
        let mut raw: Vec<String> = UA_DEFAULTS.iter().map(|s| s.to_string()).collect();
        let mut families = HashSet::new();
        for capture in [&scrape.desktop, &scrape.mobile] {
            capture.dom.walk(&mut |el| {
                let pseudo = [&el.before, &el.after]
                    .into_iter()
                    .flatten()
                    .flat_map(|p| p.style.iter());
                for (property, value) in el.style.iter().chain(pseudo) {
                    raw.push(value.clone());
                    if property == "font-family" {
                        families.insert(value.clone());
                    }
                }
            });
            families.extend(capture.fonts_in_use.iter().map(|f| f.family.clone()));
        }
        families.extend(scrape.font_faces.iter().map(|f| f.family.clone()));
        for sheet in &scrape.stylesheets {
            // Declaration values and media conditions, split at the CSS punctuation.
            for piece in sheet.css.split([';', '{', '}']) {
                let value = piece.split_once(':').map_or(piece, |(_, v)| v);
                raw.push(
                    value
                        .trim()
                        .trim_end_matches("!important")
                        .trim()
                        .to_string(),
                );
                for word in piece.split(|c: char| c.is_whitespace() || "():,".contains(c)) {
                    raw.push(word.to_string());
                }
            }
        }
        let mut parts_set = HashSet::new();
        let mut colors = HashSet::new();
        for value in &raw {
            parts_set.insert(value.trim().to_string());
            colors.extend(inner_colors(value));
            for part in parts(value) {
                if let Some(hex) = css_color_to_hex(&part) {
                    colors.insert(hex);
                }
                parts_set.insert(part);
            }
        }
        let mut urls: HashSet<String> = scrape
            .font_faces
            .iter()
            .flat_map(|f| f.urls.iter().cloned())
            .collect();
        urls.extend(scrape.stylesheets.iter().filter_map(|s| s.href.clone()));
        Occurring {
            parts: parts_set,
            colors,
            families,
            urls,
        }
    }

    fn check(&self, path: &str, value: &str, problems: &mut Vec<String>) {
        if path.contains("families") || (path.contains("sources") && path.ends_with(".family")) {
            if !self.families.contains(value) {
                problems.push(format!("{path}: family {value:?} is not used by the page"));
            }
            return;
        }
        if path.contains("sources") {
            if path.ends_with(".url") && !self.urls.contains(value) {
                problems.push(format!("{path}: {value} is no font URL of the page"));
            }
            return;
        }
        if path == "layout.hero_layout" {
            if !["centered", "split", "left"].contains(&value) {
                problems.push(format!("{path}: {value}"));
            }
            return;
        }
        for part in parts(value) {
            let ok = if part.starts_with('#') {
                self.colors.contains(&part)
            } else {
                self.parts.contains(&part)
            };
            if !ok {
                problems.push(format!(
                    "{path}: {part:?} (in {value:?}) does not occur in the scrape"
                ));
            }
        }
    }
}

fn strings(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                strings(&format!("{prefix}.{key}"), value, out);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                strings(&format!("{prefix}[{i}]"), item, out);
            }
        }
        serde_json::Value::String(s) => {
            out.push((prefix.trim_start_matches('.').to_string(), s.clone()))
        }
        _ => {}
    }
}

#[test]
fn every_token_value_occurs_in_the_scrape() {
    for (name, path) in scrape_dirs() {
        let scrape = load(&path);
        let tokens = replica_design_tokens::extract(&scrape);
        let occurring = Occurring::of(&scrape);
        let mut values = Vec::new();
        strings("", &serde_json::to_value(&tokens).unwrap(), &mut values);
        let mut problems = Vec::new();
        for (path, value) in values {
            if path.starts_with("_fallback") || path.ends_with(".kind") {
                continue;
            }
            occurring.check(&path, &value, &mut problems);
        }
        assert!(
            problems.is_empty(),
            "{name}: invented values:\n{}",
            problems.join("\n")
        );
    }
}

#[test]
fn token_colours_are_lower_case_hex() {
    for (name, path) in scrape_dirs() {
        let tokens = replica_design_tokens::extract(&load(&path));
        let colors = serde_json::to_value(&tokens.colors).unwrap();
        let mut values = Vec::new();
        strings("colors", &colors, &mut values);
        for (path, value) in values {
            let hex = value
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{name}: {path} = {value} is not hex"));
            assert!(
                matches!(hex.len(), 6 | 8)
                    && hex
                        .chars()
                        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
                "{name}: {path} = {value}"
            );
        }
    }
}
