//! All sections at once: results in completion order through the callback and in plan order
//! at the end, a concurrency bound, a per-section timeout, and failures that stay local.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use replica_core::OutputStyle;
use replica_core::{
    Lang, LanguageModel, LlmRequest, LlmResponse, LlmStream, StopReason, Usage, response_stream,
};
use replica_llm::Replay;
use replica_section_gen::{
    BatchConfig, BatchInput, CompileOptions, Generator, LlmConfig, LlmGenerator, compile_section,
    generate_sections, jsx_parse_errors,
};

use crate::llm::{cases, cases_plan, replay_dir, tokens};
use crate::test_context;

fn generator_for(model: Arc<dyn LanguageModel>) -> Generator {
    Generator::Llm(LlmGenerator::new(model, LlmConfig::default()))
}

#[tokio::test]
async fn one_failing_section_does_not_sink_the_others() {
    let plan = cases_plan();
    let tokens = tokens();
    let generator = generator_for(Arc::new(Replay::new(replay_dir())));
    let mut delivered = Vec::new();
    let results = generate_sections(
        &generator,
        &BatchInput {
            plan: &plan,
            tokens: &tokens,
            mobile_dom: None,
            rendering_mode: replica_core::RenderingMode::Standards,
            lang: Lang::JavaScript,
        },
        &BatchConfig::default(),
        |result| delivered.push(result.section_id.clone()),
    )
    .await;
    assert_eq!(delivered.len(), 5);
    let ids: Vec<&str> = results.iter().map(|r| r.section_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "section-0",
            "section-1",
            "section-2",
            "section-3",
            "section-4"
        ]
    );
    let summary: Vec<(bool, bool, bool)> = results
        .iter()
        .map(|r| (r.success, r.error.is_some(), r.fallback.is_some()))
        .collect();
    assert_eq!(
        summary,
        [
            (true, false, false), // Hero: the model's component
            (true, false, true),  // Faq: did not parse, compiler instead
            (true, false, false), // Cta
            (false, true, true),  // Stats: no recorded exchange
            (true, false, true),  // Footer: imports axios, compiler instead
        ]
    );
    let stats = &results[3];
    assert!(
        stats
            .error
            .as_deref()
            .unwrap()
            .contains("no recorded exchange"),
        "{stats:?}"
    );
    // The failed section still has the compiler's component, so the page stays whole.
    let (section, _) = cases().remove(3);
    let compiled = compile_section(
        &section,
        &test_context(),
        &tokens,
        &CompileOptions::default(),
    )
    .unwrap();
    assert_eq!(stats.content, compiled.source);
    for result in &results {
        assert!(jsx_parse_errors(&result.content).is_empty(), "{result:?}");
        assert_eq!(
            result.filepath,
            format!("components/{}.jsx", result.component_name)
        );
        assert_eq!(result.generator, "llm:replay");
    }
    assert_eq!(results[0].tokens_in, 2000);
    assert!(results[0].tokens_out > 0);
    assert_eq!(results[3].tokens_in, 0);
}

/// Sleeps a per-section time and records how many calls overlap.
struct SlowModel {
    in_flight: AtomicUsize,
    most_in_flight: AtomicUsize,
    calls: AtomicUsize,
}

impl SlowModel {
    fn new() -> SlowModel {
        SlowModel {
            in_flight: AtomicUsize::new(0),
            most_in_flight: AtomicUsize::new(0),
            calls: AtomicUsize::new(0),
        }
    }
}

impl LanguageModel for SlowModel {
    fn name(&self) -> String {
        "slow".into()
    }

    fn stream<'a>(&'a self, request: &'a LlmRequest) -> LlmStream<'a> {
        response_stream(async move {
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.most_in_flight.fetch_max(now, Ordering::SeqCst);
            self.calls.fetch_add(1, Ordering::SeqCst);
            let text = format!("{request:?}");
            // The first section answers last; "Stats" never answers in time.
            let delay = if text.contains("component name Hero") {
                300
            } else if text.contains("component name Stats") {
                60_000
            } else {
                20
            };
            tokio::time::sleep(Duration::from_millis(delay)).await;
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            let name = ["Hero", "Faq", "Cta", "Stats", "Footer"]
                .into_iter()
                .find(|name| text.contains(&format!("component name {name}")))
                .unwrap_or("Unknown");
            Ok(LlmResponse {
                text: format!(
                    "```jsx\nexport default function {name}() {{\n  return <div>{name}</div>;\n}}\n```"
                ),
                tool_uses: Vec::new(),
                stop_reason: StopReason::EndTurn,
                usage: Usage::default(),
                model: "slow".into(),
            })
        })
    }
}

#[tokio::test]
async fn concurrency_is_bounded_results_arrive_as_they_finish_and_slow_sections_time_out() {
    let plan = cases_plan();
    let tokens = tokens();
    let model = Arc::new(SlowModel::new());
    let generator = generator_for(Arc::clone(&model) as Arc<dyn LanguageModel>);
    let mut delivered = Vec::new();
    let results = generate_sections(
        &generator,
        &BatchInput {
            plan: &plan,
            tokens: &tokens,
            mobile_dom: None,
            rendering_mode: replica_core::RenderingMode::Standards,
            lang: Lang::JavaScript,
        },
        &BatchConfig {
            concurrency: 2,
            section_timeout: Duration::from_millis(1500),
        },
        |result| delivered.push(result.component_name.clone()),
    )
    .await;
    assert_eq!(model.calls.load(Ordering::SeqCst), 5);
    assert_eq!(model.most_in_flight.load(Ordering::SeqCst), 2);
    // Hero (first in the plan, slow) is not delivered first; Stats times out last.
    assert_ne!(delivered[0], "Hero");
    assert_eq!(delivered.last().map(String::as_str), Some("Stats"));
    let stats = &results[3];
    assert!(!stats.success);
    assert!(
        stats
            .error
            .as_deref()
            .unwrap()
            .contains("no result within 1.5 s"),
        "{stats:?}"
    );
    assert!(stats.fallback.is_some() && !stats.content.is_empty());
    for (index, result) in results.iter().enumerate() {
        if index != 3 {
            assert!(result.success, "{result:?}");
            assert!(result.content.contains("return <div>"), "{result:?}");
        }
    }
}

#[tokio::test]
async fn the_compiler_generates_every_fixture_section() {
    let dir = crate::workspace_fixtures().join("scrapes/landing");
    let (scrape, tokens, plan) = crate::plan_of(&dir);
    for style in [OutputStyle::Faithful, OutputStyle::Tailwind] {
        let results = generate_sections(
            &Generator::Compile(style),
            &BatchInput {
                plan: &plan,
                tokens: &tokens,
                mobile_dom: Some(&scrape.mobile.dom),
                rendering_mode: scrape.rendering_mode(),
                lang: Lang::JavaScript,
            },
            &BatchConfig::default(),
            |_| {},
        )
        .await;
        assert_eq!(results.len(), plan.sections.len());
        for result in results {
            assert!(result.success && result.error.is_none() && result.fallback.is_none());
            assert_eq!(result.generator, format!("compile-{}", style.as_str()));
            assert_eq!(result.tokens_in + result.tokens_out, 0);
        }
    }
}

#[tokio::test]
async fn a_zero_concurrency_still_makes_progress() {
    let plan = cases_plan();
    let tokens = tokens();
    let results = generate_sections(
        &Generator::Compile(OutputStyle::Faithful),
        &BatchInput {
            plan: &plan,
            tokens: &tokens,
            mobile_dom: None,
            rendering_mode: replica_core::RenderingMode::Standards,
            lang: Lang::JavaScript,
        },
        &BatchConfig {
            concurrency: 0,
            section_timeout: Duration::from_secs(5),
        },
        |_| {},
    )
    .await;
    assert!(results.iter().all(|result| result.success));
}

#[tokio::test]
async fn both_generators_work_behind_the_section_generator_trait() {
    use replica_core::SectionGenerator;
    use replica_section_gen::Compiler;

    let (section, _) = cases().remove(0);
    let compiler: &dyn SectionGenerator = &Compiler {
        style: OutputStyle::Faithful,
        lang: Lang::JavaScript,
    };
    let file = compiler
        .generate(&section, &test_context(), &tokens())
        .await
        .unwrap();
    assert_eq!(compiler.name(), "compile-faithful");
    assert_eq!(file.path, "components/Hero.jsx");
    assert!(file.source.contains(r#"href="https://example.com/signup""#));

    let llm = LlmGenerator::new(Arc::new(Replay::new(replay_dir())), LlmConfig::default());
    let llm: &dyn SectionGenerator = &llm;
    let file = llm
        .generate(&section, &test_context(), &tokens())
        .await
        .unwrap();
    assert!(file.source.contains("motion.section") && file.fallback.is_none());
    let (missing, _) = cases().remove(3);
    assert!(matches!(
        llm.generate(&missing, &test_context(), &tokens()).await,
        Err(replica_core::GenerateError::Model { .. })
    ));
}
