//! Optional language-model pass: one call that may reassign roles, never invent values.

use std::collections::{BTreeMap, HashSet};

use replica_core::{DesignTokens, LanguageModel, LlmRequest, Message, ScrapeData, SystemBlock};

use crate::css;
use replica_css::{self as color, Rgba};

/// What a model may change, and how its answer is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Color,
    Family,
    Length,
}

const PATHS: &[(&str, Kind)] = &[
    ("colors.primary", Kind::Color),
    ("colors.secondary", Kind::Color),
    ("colors.backgrounds.page", Kind::Color),
    ("colors.backgrounds.alt", Kind::Color),
    ("colors.backgrounds.dark", Kind::Color),
    ("colors.backgrounds.card", Kind::Color),
    ("colors.text.heading", Kind::Color),
    ("colors.text.body", Kind::Color),
    ("colors.text.muted", Kind::Color),
    ("colors.text.on_dark", Kind::Color),
    ("colors.text.link", Kind::Color),
    ("colors.border", Kind::Color),
    ("colors.divider", Kind::Color),
    ("borders.default_color", Kind::Color),
    ("typography.families.heading", Kind::Family),
    ("typography.families.body", Kind::Family),
    ("typography.families.mono", Kind::Family),
    ("spacing.section_padding_y", Kind::Length),
    ("spacing.section_padding_y_mobile", Kind::Length),
    ("spacing.container_max_width", Kind::Length),
    ("spacing.container_padding_x", Kind::Length),
    ("spacing.card_gap", Kind::Length),
    ("spacing.heading_to_content", Kind::Length),
    ("borders.radius_sm", Kind::Length),
    ("borders.radius_md", Kind::Length),
    ("borders.radius_lg", Kind::Length),
    ("borders.radius_xl", Kind::Length),
    ("borders.radius_full", Kind::Length),
];

fn slot<'a>(tokens: &'a mut DesignTokens, path: &str) -> Option<&'a mut Option<String>> {
    let c = &mut tokens.colors;
    Some(match path {
        "colors.primary" => &mut c.primary,
        "colors.secondary" => &mut c.secondary,
        "colors.backgrounds.page" => &mut c.backgrounds.page,
        "colors.backgrounds.alt" => &mut c.backgrounds.alt,
        "colors.backgrounds.dark" => &mut c.backgrounds.dark,
        "colors.backgrounds.card" => &mut c.backgrounds.card,
        "colors.text.heading" => &mut c.text.heading,
        "colors.text.body" => &mut c.text.body,
        "colors.text.muted" => &mut c.text.muted,
        "colors.text.on_dark" => &mut c.text.on_dark,
        "colors.text.link" => &mut c.text.link,
        "colors.border" => &mut c.border,
        "colors.divider" => &mut c.divider,
        "borders.default_color" => &mut tokens.borders.default_color,
        "typography.families.heading" => &mut tokens.typography.families.heading,
        "typography.families.body" => &mut tokens.typography.families.body,
        "typography.families.mono" => &mut tokens.typography.families.mono,
        "spacing.section_padding_y" => &mut tokens.spacing.section_padding_y,
        "spacing.section_padding_y_mobile" => &mut tokens.spacing.section_padding_y_mobile,
        "spacing.container_max_width" => &mut tokens.spacing.container_max_width,
        "spacing.container_padding_x" => &mut tokens.spacing.container_padding_x,
        "spacing.card_gap" => &mut tokens.spacing.card_gap,
        "spacing.heading_to_content" => &mut tokens.spacing.heading_to_content,
        "borders.radius_sm" => &mut tokens.borders.radius_sm,
        "borders.radius_md" => &mut tokens.borders.radius_md,
        "borders.radius_lg" => &mut tokens.borders.radius_lg,
        "borders.radius_xl" => &mut tokens.borders.radius_xl,
        "borders.radius_full" => &mut tokens.borders.radius_full,
        _ => return None,
    })
}

/// Every value that occurs in the scrape, in the forms tokens use: colours as hex (from computed
/// styles of both devices, pseudo-elements, stylesheet text and the user-agent defaults the
/// scrape leaves out), font-family lists and face names, and single computed values.
#[derive(Debug, Default)]
pub(crate) struct Observed {
    pub colors: BTreeMap<String, ColorUse>,
    pub families: HashSet<String>,
    pub values: HashSet<String>,
}

/// How a colour is used, for the prompt: declarations of each kind.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
pub(crate) struct ColorUse {
    background: u32,
    text: u32,
    border: u32,
    other: u32,
}

impl Observed {
    pub fn new(scrape: &ScrapeData) -> Observed {
        let mut observed = Observed::default();
        for default in [crate::page::initial::COLOR, crate::page::initial::CANVAS] {
            observed.add_colors("color", default);
        }
        for capture in [&scrape.desktop, &scrape.mobile] {
            capture.dom.walk(&mut |el| {
                for (property, value) in &el.style {
                    observed.add(property, value);
                }
                for pseudo in [&el.before, &el.after].into_iter().flatten() {
                    for (property, value) in &pseudo.style {
                        observed.add(property, value);
                    }
                }
            });
            for font in &capture.fonts_in_use {
                observed.families.insert(font.family.clone());
            }
        }
        for face in &scrape.font_faces {
            observed.families.insert(face.family.clone());
        }
        for sheet in &scrape.stylesheets {
            for rule in css::parse(&sheet.css).rules {
                for (property, value) in &rule.declarations {
                    observed.add(property, value);
                }
            }
        }
        observed
    }

    fn add(&mut self, property: &str, value: &str) {
        if property == "font-family" {
            self.families.insert(value.to_string());
        }
        self.add_colors(property, value);
        for part in replica_css::split_top_level(value, ',') {
            for word in replica_css::split_top_level(part.trim(), ' ') {
                if !word.is_empty() {
                    self.values.insert(word.to_string());
                }
            }
        }
        self.values.insert(value.to_string());
    }

    fn add_colors(&mut self, property: &str, value: &str) {
        for c in color::colors_in(value) {
            let entry = self.colors.entry(c.to_hex()).or_default();
            if property.starts_with("background") {
                entry.background += 1;
            } else if property == "color" || property == "-webkit-text-fill-color" {
                entry.text += 1;
            } else if property.starts_with("border") || property.starts_with("outline") {
                entry.border += 1;
            } else {
                entry.other += 1;
            }
        }
    }

    fn accepts(&self, kind: Kind, value: &str) -> Option<String> {
        match kind {
            Kind::Color => color::parse_color(value)
                .map(Rgba::to_hex)
                .filter(|hex| self.colors.contains_key(hex)),
            Kind::Family => Some(value.trim().to_string()).filter(|f| self.families.contains(f)),
            Kind::Length => Some(value.trim().to_string()).filter(|v| self.values.contains(v)),
        }
    }
}

const SYSTEM: &str = "You review design tokens extracted from a web page for a faithful clone. \
The deterministic extraction measured painted areas and text; you may reassign roles where it \
chose badly (for example a grey picked as primary while the buttons are blue). You may only use \
values listed under `candidates`. Answer with a single JSON object that maps token paths (as in \
`current`) to new values, including only the paths you change. Answer {} when everything is right. \
No prose, no code fences.";

pub(crate) async fn enrich(
    mut tokens: DesignTokens,
    scrape: &ScrapeData,
    model: &dyn LanguageModel,
) -> DesignTokens {
    let observed = Observed::new(scrape);
    let mut snapshot = tokens.clone();
    let current: BTreeMap<&str, Option<String>> = PATHS
        .iter()
        .map(|(path, _)| (*path, slot(&mut snapshot, path).and_then(|s| s.clone())))
        .collect();
    let mut families: Vec<&String> = observed.families.iter().collect();
    families.sort();
    let mut lengths: Vec<&String> = observed
        .values
        .iter()
        .filter(|v| v.ends_with("px") || v.ends_with('%'))
        .collect();
    lengths.sort();
    let prompt = serde_json::json!({
        "page": { "url": scrape.final_url, "title": scrape.title },
        "current": current,
        "candidates": {
            "colors": observed.colors,
            "families": families,
            "lengths": lengths,
        },
    });
    let request = LlmRequest {
        system: vec![SystemBlock {
            text: SYSTEM.to_string(),
            cache: true,
        }],
        messages: vec![Message::user_text(prompt.to_string())],
        max_tokens: 1024,
        temperature: Some(0.0),
        tools: Vec::new(),
    };
    let response = match model.complete(&request).await {
        Ok(response) => response,
        Err(error) => {
            tokens.fallback.push(format!(
                "llm: {} failed, deterministic tokens kept: {error}",
                model.name()
            ));
            return tokens;
        }
    };
    let Some(answer) = parse_answer(&response.text) else {
        let excerpt: String = response.text.chars().take(120).collect();
        tokens.fallback.push(format!(
            "llm: unreadable answer, deterministic tokens kept: {excerpt:?}"
        ));
        return tokens;
    };
    for (path, value) in answer {
        let Some(&(_, kind)) = PATHS.iter().find(|(p, _)| *p == path) else {
            tokens.fallback.push(format!("{path}: {value}"));
            continue;
        };
        match observed.accepts(kind, &value) {
            Some(accepted) => {
                if let Some(slot) = slot(&mut tokens, &path) {
                    *slot = Some(accepted);
                }
            }
            None => tokens.fallback.push(format!("{path}: {value}")),
        }
    }
    tokens
}

/// The JSON object in the answer (code fences and prose around it tolerated), flattened to
/// `dotted.path -> value`. Nested objects are flattened too (`{"colors": {"primary": ..}}`).
fn parse_answer(text: &str) -> Option<Vec<(String, String)>> {
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    let value: serde_json::Value = serde_json::from_str(text.get(start..=end)?).ok()?;
    let mut out = Vec::new();
    flatten("", &value, &mut out);
    Some(out)
}

fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, value, out);
            }
        }
        serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}
