//! The language-model generator: one request per section, answered through [`LanguageModel`].
//!
//! Every request shares the same system blocks (instructions, then the tokens and the page
//! context as the style contract), marked for caching so providers with prompt caching keep
//! them warm across the sections of a clone. The user message carries the section: its
//! screenshot, its data, type-specific instructions and the deterministic compiler's JSX as
//! the exact structure, text and URLs to start from.
//!
//! The answer is cleaned (code fences stripped, `"use client"` added when it needs the
//! client) and checked: it must parse with oxc, export a default component and import only
//! the sandbox template's packages. An answer that fails any of this falls back to the
//! deterministic compiler, and the result says why.

use std::sync::Arc;

use base64::Engine;
use replica_core::{
    BoxFuture, ComponentFile, ContentPart, DesignTokens, GenerateError, ImageBlock, Lang,
    LanguageModel, LlmRequest, Message, OutputStyle, PlannedSection, Role, SectionGenerator,
    SectionKind, SharedContext, TEMPLATE_PACKAGES, Usage, is_template_package, strip_code_fences,
};
use serde::Serialize;

use crate::compile::{CompileOptions, check_component_name, compile_section, component_path};
use crate::parse::module_facts;
use crate::tailwind::{ThemeExtend, tailwind_theme};

/// Settings of the language-model generator.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmConfig {
    pub max_tokens: u32,
    pub temperature: Option<f32>,
    /// The deterministic style of fallbacks.
    pub fallback_style: OutputStyle,
    /// The deterministic style of the reference JSX in the prompt: tailwind by default, so
    /// the model sees the computed styles as the classes it is asked to write.
    pub reference_style: OutputStyle,
    /// Reference JSX longer than this (in bytes) is left out of the prompt.
    pub max_reference_bytes: usize,
}

impl Default for LlmConfig {
    fn default() -> Self {
        LlmConfig {
            max_tokens: 8192,
            temperature: Some(0.2),
            fallback_style: OutputStyle::Faithful,
            reference_style: OutputStyle::Tailwind,
            max_reference_bytes: 24_000,
        }
    }
}

/// Generates components with a language model.
pub struct LlmGenerator {
    model: Arc<dyn LanguageModel>,
    config: LlmConfig,
}

impl std::fmt::Debug for LlmGenerator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmGenerator")
            .field("model", &self.model.name())
            .field("config", &self.config)
            .finish()
    }
}

/// A generated component and what the model call cost.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmOutput {
    pub file: ComponentFile,
    pub usage: Usage,
}

const SYSTEM_PROMPT: &str = "You convert one section of a live web page into a React component \
for a Next.js 14 App Router project written in JSX (not TypeScript) with Tailwind CSS 3.

Rules:
- Reproduce the section exactly as the screenshot and the data show it: layout, text, colours, \
font sizes, spacing, radii and shadows. Use the exact values from the design tokens: the theme names of \
tailwind_theme_extend (bg-primary, text-heading, font-body, rounded-lg, text-copy, ...) where one fits, \
Tailwind arbitrary values (bg-[#4f46e5], p-[24px]) otherwise; never invent colours, fonts or sizes.
- Text is verbatim: never rephrase, translate, shorten or add copy.
- Images and links keep their real URLs exactly as given (img src, srcSet, a href). Use plain \
<img> and <a> elements.
- The reference JSX, when given, is the section's real DOM with its computed styles written as \
Tailwind classes: keep its structure, text, URLs and looks, and make it readable.
- Output one file: a default-exported function component with the given name. Put \
\"use client\" first only when it uses state, effects, event handlers or animation libraries.
- Import only from these packages: {packages}. No other imports, no CSS imports, no \
TypeScript.
- Repeated items (cards, list items, links) come from a data array rendered with .map and a key.
- Answer with a single ```jsx code block and nothing else.";

impl LlmGenerator {
    pub fn new(model: Arc<dyn LanguageModel>, config: LlmConfig) -> LlmGenerator {
        LlmGenerator { model, config }
    }

    pub fn config(&self) -> &LlmConfig {
        &self.config
    }

    /// The model's name, for logs and results.
    pub fn model_name(&self) -> String {
        self.model.name()
    }

    /// The request for one section (public so fixtures can be recorded for it).
    pub fn request(
        &self,
        section: &PlannedSection,
        context: &SharedContext,
        tokens: &DesignTokens,
    ) -> LlmRequest {
        let packages: Vec<&str> = TEMPLATE_PACKAGES
            .iter()
            .map(|(name, _)| *name)
            .filter(|name| !matches!(*name, "tailwindcss" | "postcss" | "autoprefixer"))
            .collect();
        let instructions = SYSTEM_PROMPT.replace("{packages}", &packages.join(", "));
        let contract = Contract {
            page: PageContext {
                url: &context.url,
                title: &context.title,
                theme: &context.theme,
                font_families: &context.font_families,
            },
            design_tokens: tokens,
            // The model writes its own `md:` classes; the config's `md` (see `tailwind_theme`)
            // applies to them as to the deterministic style's.
            tailwind_theme_extend: tailwind_theme(tokens, None),
        };
        let contract = format!(
            "Style contract for every section of this page (exact values to use):\n{}",
            serde_json::to_string_pretty(&contract).unwrap_or_default()
        );
        let mut content = vec![ContentPart::Text {
            text: self.section_text(section, context, tokens),
        }];
        if let Some(crop) = section
            .data
            .desktop_crop
            .as_ref()
            .filter(|crop| !crop.png.is_empty())
        {
            content.push(ContentPart::Image(ImageBlock {
                media_type: "image/png".to_string(),
                base64: base64::engine::general_purpose::STANDARD.encode(&crop.png),
            }));
        }
        LlmRequest {
            system: vec![
                replica_core::SystemBlock {
                    text: instructions,
                    cache: true,
                },
                replica_core::SystemBlock {
                    text: contract,
                    cache: true,
                },
            ],
            messages: vec![Message {
                role: Role::User,
                content,
            }],
            tools: Vec::new(),
            max_tokens: self.config.max_tokens,
            temperature: self.config.temperature,
        }
    }

    fn section_text(
        &self,
        section: &PlannedSection,
        context: &SharedContext,
        tokens: &DesignTokens,
    ) -> String {
        let data = &section.data;
        let rect = data.rect;
        let mut text = format!(
            "Section {} ({}), component name {}. Desktop box {:.0}x{:.0} at y={:.0}",
            section.order + 1,
            section.kind.as_str(),
            section.component_name,
            rect.width,
            rect.height,
            rect.y,
        );
        if let Some(mobile) = data.mobile_box {
            text.push_str(&format!(
                "; mobile box {:.0}x{:.0}",
                mobile.width, mobile.height
            ));
        }
        text.push_str(".\n\n");
        text.push_str(type_instructions(section.kind));
        text.push_str("\n\nSection data (verbatim text, real URLs):\n");
        let summary = SectionSummary {
            headings: &data.headings,
            paragraphs: &data.paragraphs,
            images: data
                .images
                .iter()
                .map(|image| ImageSummary {
                    src: &image.src,
                    srcset: image.srcset.as_deref(),
                    alt: image.alt.as_deref(),
                    width: image.rect.width.round(),
                    height: image.rect.height.round(),
                })
                .collect(),
            links: data.links.iter().map(LinkSummary::of_link).collect(),
            buttons: data
                .buttons
                .iter()
                .map(|button| LinkSummary {
                    text: &button.text,
                    href: button.href.as_deref(),
                })
                .collect(),
            nav_links: data.nav_links.iter().map(LinkSummary::of_link).collect(),
            background: data.background.as_deref(),
            logo_svg: data.logo_svg.as_deref(),
        };
        text.push_str(&serde_json::to_string_pretty(&summary).unwrap_or_default());
        let options = CompileOptions {
            style: self.config.reference_style,
            mobile_dom: None,
            rendering_mode: replica_core::RenderingMode::Standards,
            // The model writes JSX (see `generate_section`); its reference is JSX too.
            lang: Lang::JavaScript,
        };
        if let Ok(reference) = compile_section(section, context, tokens, &options) {
            if reference.source.len() <= self.config.max_reference_bytes {
                text.push_str(
                    "\n\nReference JSX (the section's real DOM and computed styles):\n```jsx\n",
                );
                text.push_str(&reference.source);
                text.push_str("```\n");
            } else {
                text.push_str("\n\n(The section's DOM is too large to include; follow the data and the screenshot.)\n");
            }
        }
        text
    }

    /// Generates one section. A model error is an `Err`; an answer that cannot be used falls
    /// back to the deterministic compiler with the reason in [`ComponentFile::fallback`].
    pub async fn generate_section(
        &self,
        section: &PlannedSection,
        context: &SharedContext,
        tokens: &DesignTokens,
        fallback_options: &CompileOptions<'_>,
    ) -> Result<LlmOutput, GenerateError> {
        check_component_name(section)?;
        let request = self.request(section, context, tokens);
        let response =
            self.model
                .complete(&request)
                .await
                .map_err(|source| GenerateError::Model {
                    section: section.id.clone(),
                    source,
                })?;
        let usage = response.usage;
        let problem = if response.is_truncated() {
            Err("the answer was cut off at the token limit".to_string())
        } else {
            clean_component(&response.text, &section.component_name)
        };
        let file = match problem {
            // The model writes plain JSX, so its file is `.jsx` in a TypeScript project too
            // (which allows JavaScript); untyped props in a `.tsx` would fail `tsc --strict`.
            Ok(source) => ComponentFile {
                path: component_path(&section.component_name, Lang::JavaScript),
                component_name: section.component_name.clone(),
                source,
                fallback: None,
            },
            Err(reason) => {
                let mut file = compile_section(section, context, tokens, fallback_options)?;
                file.fallback = Some(reason);
                file
            }
        };
        Ok(LlmOutput { file, usage })
    }
}

impl SectionGenerator for LlmGenerator {
    fn name(&self) -> &str {
        "llm"
    }

    fn generate<'a>(
        &'a self,
        section: &'a PlannedSection,
        context: &'a SharedContext,
        tokens: &'a DesignTokens,
    ) -> BoxFuture<'a, Result<ComponentFile, GenerateError>> {
        Box::pin(async move {
            let options = CompileOptions {
                style: self.config.fallback_style,
                mobile_dom: None,
                rendering_mode: replica_core::RenderingMode::Standards,
                lang: Lang::JavaScript,
            };
            self.generate_section(section, context, tokens, &options)
                .await
                .map(|output| output.file)
        })
    }
}

// The prompt's JSON comes from structs, not maps, so its field order (and so the request's
// replay key) does not depend on whether serde_json's `preserve_order` is on in a build.
#[derive(Serialize)]
struct Contract<'a> {
    page: PageContext<'a>,
    design_tokens: &'a DesignTokens,
    /// The theme names the project's Tailwind config defines (`bg-primary`, `font-heading`).
    tailwind_theme_extend: ThemeExtend,
}

#[derive(Serialize)]
struct PageContext<'a> {
    url: &'a str,
    title: &'a str,
    theme: &'a str,
    font_families: &'a [String],
}

#[derive(Serialize)]
struct SectionSummary<'a> {
    headings: &'a [replica_core::Heading],
    paragraphs: &'a [String],
    images: Vec<ImageSummary<'a>>,
    links: Vec<LinkSummary<'a>>,
    buttons: Vec<LinkSummary<'a>>,
    nav_links: Vec<LinkSummary<'a>>,
    background: Option<&'a str>,
    logo_svg: Option<&'a str>,
}

#[derive(Serialize)]
struct ImageSummary<'a> {
    src: &'a str,
    srcset: Option<&'a str>,
    alt: Option<&'a str>,
    width: f64,
    height: f64,
}

#[derive(Serialize)]
struct LinkSummary<'a> {
    text: &'a str,
    href: Option<&'a str>,
}

impl<'a> LinkSummary<'a> {
    fn of_link(link: &'a replica_core::Link) -> LinkSummary<'a> {
        LinkSummary {
            text: &link.text,
            href: Some(&link.href),
        }
    }
}

fn type_instructions(kind: SectionKind) -> &'static str {
    match kind {
        SectionKind::Navbar => {
            "Navbar: keep the logo and links; below 768px collapse the links into a menu button \
             that opens and closes a mobile menu (useState, so \"use client\")."
        }
        SectionKind::Hero => {
            "Hero: add an entrance animation from the tokens' animation.scroll_entrance (or a \
             short fade-up when there is none) with framer-motion; the final frame must look \
             exactly like the screenshot."
        }
        SectionKind::Features => {
            "Features: render the repeated cards from a data array with .map; keep icons as \
             inline SVG or real image URLs."
        }
        SectionKind::Pricing => {
            "Pricing: plans from a data array; keep prices, periods, feature lists and the \
             highlighted plan's emphasis exactly."
        }
        SectionKind::Testimonials => {
            "Testimonials: quotes, names and roles verbatim; avatars with their real URLs."
        }
        SectionKind::Faq => {
            "FAQ: an accordion where each question opens and closes its answer (useState or \
             @radix-ui/react-accordion); show open the items that are open in the screenshot."
        }
        SectionKind::Cta => "Call to action: buttons keep their real hrefs and exact colours.",
        SectionKind::Stats => {
            "Stats: numbers and labels verbatim; a count-up with react-countup is allowed if \
             it ends on the exact number."
        }
        SectionKind::Footer => "Footer: columns of links with their real hrefs, verbatim text.",
        SectionKind::Content => "Content: keep headings, paragraphs and their order exactly.",
    }
}

/// The model's answer as a component file, or why it cannot be used.
pub(crate) fn clean_component(answer: &str, component_name: &str) -> Result<String, String> {
    let code = strip_code_fences(answer).trim();
    if code.is_empty() {
        return Err("the answer held no code".to_string());
    }
    let mut source = code.to_string();
    if needs_client(&source) && !has_use_client(&source) {
        source = format!("\"use client\";\n\n{source}");
    }
    if !source.ends_with('\n') {
        source.push('\n');
    }
    let facts = module_facts(&source)
        .map_err(|error| format!("the answer does not parse as JSX: {error}"))?;
    if !facts.has_default_export {
        return Err(format!(
            "the answer has no default export (expected component {component_name})"
        ));
    }
    for specifier in &facts.imports {
        if !is_template_package(specifier) || specifier.starts_with('.') {
            return Err(format!(
                "the answer imports {specifier:?}, which the sandbox template does not provide"
            ));
        }
    }
    Ok(source)
}

fn has_use_client(source: &str) -> bool {
    let first = source
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with("//"));
    matches!(
        first,
        Some(line) if line.starts_with("\"use client\"") || line.starts_with("'use client'")
    )
}

/// Whether the component must run on the client: hooks, event handlers or client-only
/// libraries.
fn needs_client(source: &str) -> bool {
    const MARKERS: &[&str] = &[
        "useState",
        "useEffect",
        "useRef",
        "useReducer",
        "useLayoutEffect",
        "useInView",
        "onClick",
        "onChange",
        "onSubmit",
        "onMouseEnter",
        "onMouseLeave",
        "onKeyDown",
        "framer-motion",
        "gsap",
        "swiper",
        "embla-carousel-react",
        "@headlessui/react",
        "@radix-ui/",
        "react-intersection-observer",
        "react-countup",
        "react-type-animation",
        "react-scroll",
    ];
    MARKERS.iter().any(|marker| source.contains(marker))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_checked() {
        let good = "```jsx\nimport { useState } from \"react\";\nexport default function Faq() {\n  const [open, setOpen] = useState(false);\n  return <div onClick={() => setOpen(!open)}>{open ? \"a\" : \"b\"}</div>;\n}\n```";
        let cleaned = clean_component(good, "Faq").unwrap();
        assert!(
            cleaned.starts_with("\"use client\";\n\nimport"),
            "{cleaned}"
        );
        assert!(
            clean_component(
                "```jsx\nexport default function A() { return <div>; }\n```",
                "A"
            )
            .unwrap_err()
            .contains("does not parse")
        );
        assert!(clean_component("```jsx\nimport axios from \"axios\";\nexport default function A() { return null; }\n```", "A")
            .unwrap_err()
            .contains("axios"));
        assert!(
            clean_component("```jsx\nfunction A() { return null; }\n```", "A")
                .unwrap_err()
                .contains("default export")
        );
    }
}
