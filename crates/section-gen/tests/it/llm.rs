//! The LLM generator against recorded exchanges (`tests/fixtures/llm`, answered by
//! `replica_llm::Replay`): a usable answer, answers that fall back to the compiler, and the
//! request every section sends.
//!
//! The exchanges were recorded from the fake model below through `replica_llm::Recording`.
//! When the prompt changes, their keys change: re-record with
//! `REPLICA_RECORD_LLM=1 cargo test -p replica-section-gen llm::recorded_exchanges_are_current`
//! and read the new files before committing them.

use std::sync::Arc;

use replica_core::OutputStyle;
use replica_core::{
    ContentPart, DesignTokens, LanguageModel, LlmError, LlmRequest, LlmResponse, LlmStream, Plan,
    PlannedSection, SectionCrop, SectionKind, StopReason, Usage, response_stream,
};
use replica_llm::{RecordedExchange, Recording, Replay, exchange_path, request_key, request_view};
use replica_section_gen::{
    CompileOptions, LlmConfig, LlmGenerator, compile_section, jsx_parse_errors,
};

use crate::{crate_fixtures, section_from_html, test_context};

pub const HERO_ANSWER: &str = r#"Here is the component:

```jsx
import { motion } from "framer-motion";

export default function Hero() {
  return (
    <motion.section
      className="bg-[#4f46e5] px-6 py-24 text-center text-white"
      initial={{ opacity: 0, y: 24 }}
      animate={{ opacity: 1, y: 0 }}
      transition={{ duration: 0.6, ease: "easeOut" }}
    >
      <h1 className="text-[56px] font-extrabold">Ship faster</h1>
      <a className="mt-8 inline-block rounded-[10px] bg-white px-6 py-3 text-[#4f46e5]" href="https://example.com/signup">
        Start free
      </a>
    </motion.section>
  );
}
```"#;

/// Unclosed tags: does not parse.
pub const FAQ_ANSWER: &str = "```jsx\nexport default function Faq() {\n  return (\n    <section>\n      <h2>Questions\n    </section>\n  );\n}\n```";

/// Parses, but imports a package the sandbox does not have.
pub const FOOTER_ANSWER: &str = "```jsx\nimport axios from \"axios\";\n\nexport default function Footer() {\n  return <footer>© 2024 Acme</footer>;\n}\n```";

pub const CTA_ANSWER: &str = "```jsx\nexport default function Cta() {\n  return (\n    <section className=\"py-16 text-center\">\n      <a href=\"https://example.com/signup\">Start free</a>\n    </section>\n  );\n}\n```";

/// The sections of the recorded exchanges, and the answer recorded for each (`None`: never
/// recorded, so replay fails for it).
pub fn cases() -> Vec<(PlannedSection, Option<&'static str>)> {
    let mut hero = section_from_html(
        "Hero",
        r#"<section class="hero"><h1>Ship faster</h1><a class="btn" href="/signup">Start free</a></section>"#,
    );
    hero.kind = SectionKind::Hero;
    hero.data.headings = vec![replica_core::Heading {
        level: 1,
        text: "Ship faster".into(),
    }];
    // A tiny stand-in screenshot: the request carries it as an image part.
    hero.data.desktop_crop = Some(SectionCrop {
        width: 1,
        height: 1,
        clipped: false,
        png: b"\x89PNG\r\n\x1a\nnot-a-real-image".to_vec(),
    });
    let mut faq = section_from_html(
        "Faq",
        r#"<section class="faq"><details><summary>Is it free?</summary><p>Yes.</p></details></section>"#,
    );
    faq.kind = SectionKind::Faq;
    faq.id = "section-1".into();
    faq.order = 1;
    let mut cta = section_from_html(
        "Cta",
        r#"<section class="cta"><a href="/signup">Start free</a></section>"#,
    );
    cta.kind = SectionKind::Cta;
    cta.id = "section-2".into();
    cta.order = 2;
    let mut stats = section_from_html(
        "Stats",
        r#"<section class="stats"><p><b>99%</b> uptime</p></section>"#,
    );
    stats.kind = SectionKind::Stats;
    stats.id = "section-3".into();
    stats.order = 3;
    let mut footer = section_from_html("Footer", r#"<footer><p>© 2024 Acme</p></footer>"#);
    footer.kind = SectionKind::Footer;
    footer.id = "section-4".into();
    footer.order = 4;
    vec![
        (hero, Some(HERO_ANSWER)),
        (faq, Some(FAQ_ANSWER)),
        (cta, Some(CTA_ANSWER)),
        (stats, None),
        (footer, Some(FOOTER_ANSWER)),
    ]
}

pub fn cases_plan() -> Plan {
    Plan {
        shared_context: test_context(),
        sections: cases().into_iter().map(|(section, _)| section).collect(),
        outline: Vec::new(),
    }
}

pub fn tokens() -> DesignTokens {
    let mut tokens = DesignTokens::default();
    tokens.colors.primary = Some("#4f46e5".into());
    tokens.colors.backgrounds.page = Some("#ffffff".into());
    tokens
}

pub fn replay_dir() -> std::path::PathBuf {
    crate_fixtures().join("llm")
}

pub fn replay_generator() -> LlmGenerator {
    LlmGenerator::new(Arc::new(Replay::new(replay_dir())), LlmConfig::default())
}

/// Answers each case's request with its canned text (used only to record the fixtures).
struct CannedModel;

impl LanguageModel for CannedModel {
    fn name(&self) -> String {
        "canned/test".into()
    }

    fn stream<'a>(&'a self, request: &'a LlmRequest) -> LlmStream<'a> {
        response_stream(async move {
            let generator = replay_generator();
            let answer = cases().into_iter().find_map(|(section, answer)| {
                let candidate = generator.request(&section, &test_context(), &tokens());
                (candidate == *request).then_some(answer).flatten()
            });
            match answer {
                Some(text) => Ok(LlmResponse {
                    text: text.to_string(),
                    tool_uses: Vec::new(),
                    stop_reason: StopReason::EndTurn,
                    usage: Usage {
                        input_tokens: 1200,
                        output_tokens: u64::try_from(text.len() / 4).unwrap_or(0),
                        cache_read_tokens: 800,
                        cache_write_tokens: 0,
                    },
                    model: "canned/test".into(),
                }),
                None => Err(LlmError::Other("no canned answer".into())),
            }
        })
    }
}

#[tokio::test]
async fn recorded_exchanges_are_current() {
    let generator = replay_generator();
    if std::env::var_os("REPLICA_RECORD_LLM").is_some() {
        let recording = Recording::new(Arc::new(CannedModel), replay_dir());
        for (section, answer) in cases() {
            if answer.is_some() {
                let request = generator.request(&section, &test_context(), &tokens());
                recording.complete(&request).await.unwrap();
            }
        }
    }
    for (section, answer) in cases() {
        let request = generator.request(&section, &test_context(), &tokens());
        let path = exchange_path(&replay_dir(), &request_key(&request));
        if answer.is_none() {
            assert!(
                !path.exists(),
                "{} must stay unrecorded",
                section.component_name
            );
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "no recorded exchange for {} at {}: re-record (see this module's doc)",
                section.component_name,
                path.display()
            )
        });
        let exchange: RecordedExchange = serde_json::from_str(&text).unwrap();
        assert_eq!(exchange.request, request_view(&request));
        assert_eq!(Some(exchange.response.text.as_str()), answer);
    }
}

#[tokio::test]
async fn a_usable_answer_is_kept_and_marked_client() {
    let (section, _) = cases().remove(0);
    let output = replay_generator()
        .generate_section(
            &section,
            &test_context(),
            &tokens(),
            &CompileOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(output.file.path, "components/Hero.jsx");
    assert_eq!(output.file.fallback, None);
    // Fences and prose are gone, and framer-motion needs the client.
    assert!(
        output
            .file
            .source
            .starts_with("\"use client\";\n\nimport { motion } from \"framer-motion\";"),
        "{}",
        output.file.source
    );
    assert!(output.file.source.ends_with("}\n"));
    assert!(jsx_parse_errors(&output.file.source).is_empty());
    assert_eq!(output.usage.input_tokens, 1200);
    assert_eq!(output.usage.cache_read_tokens, 800);
}

#[tokio::test]
async fn unusable_answers_fall_back_to_the_compiler() {
    for (index, expected_reason) in [(1, "does not parse"), (4, "\"axios\"")] {
        let (section, _) = cases().remove(index);
        let output = replay_generator()
            .generate_section(
                &section,
                &test_context(),
                &tokens(),
                &CompileOptions::default(),
            )
            .await
            .unwrap();
        let reason = output.file.fallback.clone().expect("fell back");
        assert!(reason.contains(expected_reason), "{reason}");
        let compiled = compile_section(
            &section,
            &test_context(),
            &tokens(),
            &CompileOptions::default(),
        )
        .unwrap();
        assert_eq!(output.file.source, compiled.source);
        assert!(output.usage.output_tokens > 0, "the call still cost tokens");
    }
}

#[tokio::test]
async fn a_truncated_answer_falls_back() {
    struct Truncated;
    impl LanguageModel for Truncated {
        fn name(&self) -> String {
            "truncated".into()
        }
        fn stream<'a>(&'a self, _: &'a LlmRequest) -> LlmStream<'a> {
            response_stream(async {
                Ok(LlmResponse {
                    text: CTA_ANSWER.into(),
                    tool_uses: Vec::new(),
                    stop_reason: StopReason::MaxTokens,
                    usage: Usage::default(),
                    model: "truncated".into(),
                })
            })
        }
    }
    let (section, _) = cases().remove(2);
    let output = LlmGenerator::new(Arc::new(Truncated), LlmConfig::default())
        .generate_section(
            &section,
            &test_context(),
            &tokens(),
            &CompileOptions::default(),
        )
        .await
        .unwrap();
    assert!(output.file.fallback.unwrap().contains("token limit"));
}

#[tokio::test]
async fn a_model_error_is_a_typed_error() {
    let (section, _) = cases().remove(3);
    let error = replay_generator()
        .generate_section(
            &section,
            &test_context(),
            &tokens(),
            &CompileOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&error, replica_core::GenerateError::Model { section, source: LlmError::ReplayMissing { .. } } if section == "section-3"),
        "{error}"
    );
}

#[test]
fn every_request_shares_one_cached_system_prompt() {
    let generator = replay_generator();
    let requests: Vec<LlmRequest> = cases()
        .iter()
        .map(|(section, _)| generator.request(section, &test_context(), &tokens()))
        .collect();
    for request in &requests {
        assert_eq!(request.system, requests[0].system);
        assert!(request.system.iter().all(|block| block.cache));
    }
    let contract = &requests[0].system[1].text;
    assert!(contract.contains("\"primary\": \"#4f46e5\""), "{contract}");
    let instructions = &requests[0].system[0].text;
    assert!(instructions.contains("framer-motion") && !instructions.contains("tailwindcss,"));

    let user_text = |request: &LlmRequest| match &request.messages[0].content[0] {
        ContentPart::Text { text } => text.clone(),
        _ => panic!("text first"),
    };
    let hero = user_text(&requests[0]);
    assert!(hero.contains("component name Hero"), "{hero}");
    assert!(hero.contains("entrance animation"), "{hero}");
    // The faithful JSX is the reference, with the real absolute URL.
    assert!(
        hero.contains(r#"href="https://example.com/signup""#),
        "{hero}"
    );
    assert!(matches!(
        &requests[0].messages[0].content[1],
        ContentPart::Image(image) if image.media_type == "image/png"
    ));
    assert!(user_text(&requests[1]).contains("accordion"));
    assert_eq!(
        requests[1].messages[0].content.len(),
        1,
        "no screenshot, no image part"
    );
    let _ = OutputStyle::Faithful;
}
