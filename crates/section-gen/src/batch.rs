//! All sections of a plan at once, under a concurrency bound and a per-section timeout, with
//! each result delivered as soon as it is ready (the pipeline turns them into `section_done`
//! events). One section failing never stops the others.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use replica_core::{
    ComponentFile, DesignTokens, DomElement, GenerateError, Lang, OutputStyle, Plan,
    PlannedSection, SharedContext, Usage,
};
use serde::{Deserialize, Serialize};

use crate::compile::{CompileOptions, compile_section, component_path};
use crate::llm::LlmGenerator;

/// Which generator writes the components.
#[derive(Debug)]
pub enum Generator {
    /// The deterministic compiler (no model, no network).
    Compile(OutputStyle),
    /// A language model, falling back to the compiler in its `fallback_style`.
    Llm(LlmGenerator),
}

impl Generator {
    /// `compile-faithful`, `compile-tailwind` or `llm:<model>`.
    pub fn name(&self) -> String {
        match self {
            Generator::Compile(style) => format!("compile-{}", style.as_str()),
            Generator::Llm(generator) => format!("llm:{}", generator.model_name()),
        }
    }

    fn fallback_style(&self) -> OutputStyle {
        match self {
            Generator::Compile(style) => *style,
            Generator::Llm(generator) => generator.config().fallback_style,
        }
    }
}

/// Limits of one batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchConfig {
    /// Sections generated at the same time (at least 1).
    pub concurrency: usize,
    /// How long one section may take before it counts as failed.
    pub section_timeout: Duration,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            concurrency: 8,
            section_timeout: Duration::from_secs(60),
        }
    }
}

/// What a batch works on.
#[derive(Debug, Clone, Copy)]
pub struct BatchInput<'a> {
    pub plan: &'a Plan,
    pub tokens: &'a DesignTokens,
    /// The mobile capture's DOM, for the tailwind style's responsive variants.
    pub mobile_dom: Option<&'a DomElement>,
    /// The mode the page rendered in (see [`CompileOptions::rendering_mode`]).
    pub rendering_mode: replica_core::RenderingMode,
    /// The language of the components.
    pub lang: Lang,
}

/// The outcome of one section.
///
/// `content` is always a usable component when the deterministic compiler can write one: a
/// section whose model call failed or timed out has `success: false`, the reason in
/// `error`, and the compiler's component in `content` (with `fallback` saying so), so the
/// page still has every section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionResult {
    pub section_id: String,
    pub component_name: String,
    /// `components/Name.jsx`.
    pub filepath: String,
    pub content: String,
    pub success: bool,
    pub error: Option<String>,
    /// Set when the content came from the deterministic compiler instead of the requested
    /// generator, with the reason.
    pub fallback: Option<String>,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// The generator that was asked (`compile-faithful`, `llm:anthropic/...`).
    pub generator: String,
    pub elapsed_ms: u64,
}

impl SectionResult {
    /// The component file, when there is content.
    pub fn file(&self) -> Option<ComponentFile> {
        (!self.content.is_empty()).then(|| ComponentFile {
            path: self.filepath.clone(),
            component_name: self.component_name.clone(),
            source: self.content.clone(),
            fallback: self.fallback.clone(),
        })
    }
}

/// Generates every section of the plan, at most `config.concurrency` at a time, calling
/// `on_result` as each one finishes (in completion order) and returning all results in plan
/// order.
pub async fn generate_sections(
    generator: &Generator,
    input: &BatchInput<'_>,
    config: &BatchConfig,
    mut on_result: impl FnMut(&SectionResult),
) -> Vec<SectionResult> {
    let context = &input.plan.shared_context;
    let mut results: Vec<(usize, SectionResult)> = Vec::with_capacity(input.plan.sections.len());
    let mut finished = futures_util::stream::iter(input.plan.sections.iter().enumerate())
        .map(|(index, section)| async move {
            (
                index,
                generate_one(generator, section, context, input, config).await,
            )
        })
        .buffer_unordered(config.concurrency.max(1));
    while let Some((index, result)) = finished.next().await {
        on_result(&result);
        results.push((index, result));
    }
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

async fn generate_one(
    generator: &Generator,
    section: &PlannedSection,
    context: &SharedContext,
    input: &BatchInput<'_>,
    config: &BatchConfig,
) -> SectionResult {
    let started = Instant::now();
    let options = CompileOptions {
        style: generator.fallback_style(),
        mobile_dom: input.mobile_dom,
        rendering_mode: input.rendering_mode,
        lang: input.lang,
    };
    let attempt = async {
        match generator {
            Generator::Compile(_) => compile_section(section, context, input.tokens, &options)
                .map(|file| (file, Usage::default())),
            Generator::Llm(llm) => llm
                .generate_section(section, context, input.tokens, &options)
                .await
                .map(|output| (output.file, output.usage)),
        }
    };
    let outcome: Result<(ComponentFile, Usage), String> =
        match tokio::time::timeout(config.section_timeout, attempt).await {
            Ok(Ok(done)) => Ok(done),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!(
                "section {}: no result within {} s",
                section.id,
                config.section_timeout.as_secs_f64()
            )),
        };
    let mut result = SectionResult {
        section_id: section.id.clone(),
        component_name: section.component_name.clone(),
        filepath: component_path(&section.component_name, input.lang),
        content: String::new(),
        success: false,
        error: None,
        fallback: None,
        tokens_in: 0,
        tokens_out: 0,
        generator: generator.name(),
        elapsed_ms: 0,
    };
    match outcome {
        Ok((file, usage)) => {
            result.content = file.source;
            result.fallback = file.fallback;
            result.success = true;
            result.tokens_in =
                usage.input_tokens + usage.cache_read_tokens + usage.cache_write_tokens;
            result.tokens_out = usage.output_tokens;
        }
        Err(error) => {
            // Keep the page whole: the compiler's version stands in for the failed section.
            if !matches!(generator, Generator::Compile(_))
                && let Ok(file) = compile_section(section, context, input.tokens, &options)
            {
                result.content = file.source;
                result.fallback = Some(format!("the generator failed: {error}"));
            }
            result.error = Some(error);
        }
    }
    result.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    result
}

/// Compiles every section with the deterministic compiler, in plan order, on this thread:
/// the synchronous form for callers without a runtime (benchmarks, tests, tools).
pub fn compile_plan(
    plan: &Plan,
    tokens: &DesignTokens,
    options: &CompileOptions<'_>,
) -> Vec<Result<ComponentFile, GenerateError>> {
    plan.sections
        .iter()
        .map(|section| compile_section(section, &plan.shared_context, tokens, options))
        .collect()
}
