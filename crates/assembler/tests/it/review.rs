//! Stage G: the deterministic review on real projects and on planted problems, and the
//! acceptance rules of the model review's answer.

use replica_assembler::{FixKind, ReviewRejected, accept_review_answer, review};
use replica_core::OutputStyle;
use replica_core::ProjectFiles;

use crate::{assemble_fixture, scrape_dirs};

#[test]
fn assembled_fixture_projects_review_clean() {
    for dir in scrape_dirs() {
        for style in [OutputStyle::Faithful, OutputStyle::Tailwind] {
            let assembly = assemble_fixture(&dir, style, replica_core::Lang::TypeScript);
            let outcome = review(&assembly.files);
            assert!(
                outcome.is_clean(),
                "{} ({}): {:?}",
                dir.display(),
                style.as_str(),
                outcome.fixes
            );
        }
    }
}

/// The landing project with one extra file.
fn landing_with(path: &str, text: &str) -> ProjectFiles {
    let mut files = assemble_fixture(
        &crate::workspace_fixtures().join("scrapes/landing"),
        OutputStyle::Faithful,
        replica_core::Lang::JavaScript,
    )
    .files;
    files.insert_text(path, text);
    files
}

const CAROUSEL: &str = r#""use client";

import { Swiper, SwiperSlide } from "swiper/react";
import { Navigation, Pagination as Dots, Autoplay } from "swiper/modules";

export default function Carousel() {
  return (
    <Swiper modules={[Navigation, Dots, Autoplay]}>
      <SwiperSlide>One</SwiperSlide>
    </Swiper>
  );
}
"#;

#[test]
fn swiper_gets_its_css_once() {
    let files = landing_with("components/Carousel.jsx", CAROUSEL);
    let outcome = review(&files);
    let fixed = outcome.changed.text("components/Carousel.jsx").unwrap();
    assert_eq!(outcome.changed.len(), 1);
    assert_eq!(outcome.fixes[0].kind, FixKind::MissingPackageCss);
    let imports: Vec<&str> = fixed.lines().skip(2).take(5).collect();
    assert_eq!(
        imports,
        [
            r#"import { Swiper, SwiperSlide } from "swiper/react";"#,
            r#"import { Navigation, Pagination as Dots, Autoplay } from "swiper/modules";"#,
            r#"import "swiper/css";"#,
            r#"import "swiper/css/navigation";"#,
            r#"import "swiper/css/pagination";"#,
        ]
    );
    // A second review finds nothing more.
    let mut again = files.clone();
    again.insert_text("components/Carousel.jsx", fixed);
    assert!(review(&again).is_clean());
    let report = replica_jsx_validator::validate(&again);
    assert!(
        !report
            .files_with_errors()
            .contains("components/Carousel.jsx"),
        "{report}"
    );
}

#[test]
fn identical_repeated_declarations_are_removed_and_different_ones_kept() {
    let source = "const items = [\n  \"a\",\n  \"b\",\n];\n\nfunction label(x) {\n  return x.toUpperCase();\n}\n\nconst items = [\n  \"a\",\n  \"b\",\n];\n\nconst size = 1;\nconst size = 2;\n\nexport default function List() {\n  return <ul>{items.map((item) => <li key={item}>{label(item)}{size}</li>)}</ul>;\n}\n";
    let files = landing_with("components/List.jsx", source);
    let outcome = review(&files);
    let fixed = outcome.changed.text("components/List.jsx").unwrap();
    assert_eq!(fixed.matches("const items").count(), 1, "{fixed}");
    // Two different values: not this review's call.
    assert_eq!(fixed.matches("const size").count(), 2, "{fixed}");
    assert_eq!(outcome.fixes[0].kind, FixKind::DuplicateDeclaration);
    assert!(outcome.fixes[0].message.contains("items"));
}

#[test]
fn an_earlier_identical_css_rule_is_removed() {
    let css = "/* sheet a */\n@layer base;\n.a { color: red; }\n@media (max-width: 600px) {\n  .a { color: blue; }\n}\n.b { color: green; }\n.a { color: red; }\n/* sheet a */\n@layer base;\n";
    let files = landing_with("app/globals.css", css);
    let outcome = review(&files);
    assert_eq!(
        outcome.changed.text("app/globals.css").unwrap(),
        "/* sheet a */\n@layer base;\n@media (max-width: 600px) {\n  .a { color: blue; }\n}\n.b { color: green; }\n.a { color: red; }\n/* sheet a */\n@layer base;\n"
    );
    assert_eq!(outcome.fixes[0].kind, FixKind::DuplicateGlobalCss);
}

/// Whether a refusal is the expected kind.
type IsRejection = fn(&ReviewRejected) -> bool;

fn answer(pairs: &[(&str, &str)]) -> String {
    let map: std::collections::BTreeMap<&str, &str> = pairs.iter().copied().collect();
    serde_json::to_string(&map).unwrap()
}

#[test]
fn model_review_answers_are_accepted_only_when_they_fix_without_rewriting() {
    let files = landing_with("components/Carousel.jsx", CAROUSEL);
    let page = files.text("app/page.jsx").unwrap().to_string();

    assert_eq!(
        accept_review_answer(&files, "{}"),
        Ok(ProjectFiles::default())
    );
    assert_eq!(
        accept_review_answer(&files, "```json\n{}\n```"),
        Ok(ProjectFiles::default())
    );
    assert!(matches!(
        accept_review_answer(&files, "Looks good to me!"),
        Err(ReviewRejected::NotJson { .. })
    ));

    // A small fix is taken.
    let fixed = CAROUSEL.replace(
        "import { Navigation",
        "import \"swiper/css\";\nimport { Navigation",
    );
    let accepted =
        accept_review_answer(&files, &answer(&[("components/Carousel.jsx", &fixed)])).unwrap();
    assert_eq!(
        accepted.text("components/Carousel.jsx"),
        Some(fixed.as_str())
    );

    let cases: Vec<(String, IsRejection)> = vec![
        (
            answer(&[(
                "components/New.jsx",
                "export default function New() { return <p />; }",
            )]),
            |e| matches!(e, ReviewRejected::AddsFile { .. }),
        ),
        (answer(&[("package.json", "{}")]), |e| {
            matches!(e, ReviewRejected::ForbiddenFile { .. })
        }),
        (
            answer(&[("app/page.jsx", &page.replacen("      <Hero />\n", "", 1))]),
            |e| matches!(e, ReviewRejected::ChangesSections { .. }),
        ),
        (
            answer(&[(
                "components/Carousel.jsx",
                &CAROUSEL.replace("<SwiperSlide>One", "<SwiperSlide className=\"big\">One"),
            )]),
            |e| matches!(e, ReviewRejected::Restyles { .. }),
        ),
        (
            answer(&[(
                "components/Carousel.jsx",
                &CAROUSEL.replace("export default function", "function"),
            )]),
            |e| matches!(e, ReviewRejected::RemovesComponent { .. }),
        ),
        (
            answer(&[(
                "components/Carousel.jsx",
                "export default function Carousel() {\n  return <div>Rewritten</div>;\n}\n",
            )]),
            |e| matches!(e, ReviewRejected::Rewrites { .. }),
        ),
    ];
    for (answer, expected) in cases {
        let result = accept_review_answer(&files, &answer);
        assert!(result.as_ref().is_err_and(expected), "{answer}: {result:?}");
    }
    assert!(
        page.contains("<Hero />"),
        "the landing page renders a Hero: {page}"
    );
}

/// A model that gives one fixed answer and records the prompt it was sent.
struct FixedAnswer {
    text: String,
    stop_reason: replica_core::StopReason,
    prompt: std::sync::Mutex<String>,
}

impl replica_core::LanguageModel for FixedAnswer {
    fn name(&self) -> String {
        "test/fixed".to_string()
    }

    fn stream<'a>(&'a self, request: &'a replica_core::LlmRequest) -> replica_core::LlmStream<'a> {
        if let Some(replica_core::ContentPart::Text { text }) = request
            .messages
            .first()
            .and_then(|message| message.content.first())
        {
            *self.prompt.lock().unwrap() = text.clone();
        }
        let response = replica_core::LlmResponse {
            text: self.text.clone(),
            tool_uses: Vec::new(),
            stop_reason: self.stop_reason.clone(),
            usage: replica_core::Usage::default(),
            model: "fixed".to_string(),
        };
        replica_core::response_stream(async move { Ok(response) })
    }
}

fn fixed(text: &str, stop_reason: replica_core::StopReason) -> FixedAnswer {
    FixedAnswer {
        text: text.to_string(),
        stop_reason,
        prompt: std::sync::Mutex::new(String::new()),
    }
}

#[tokio::test]
async fn the_model_review_returns_only_accepted_changes() {
    use replica_assembler::{ReviewError, model_review};
    use replica_core::StopReason;

    let files = landing_with("components/Carousel.jsx", CAROUSEL);
    let clean = fixed("{}", StopReason::EndTurn);
    assert_eq!(
        model_review(&clean, &files).await,
        Ok(ProjectFiles::default())
    );
    let prompt = clean.prompt.lock().unwrap().clone();
    assert!(prompt.contains("--- components/Carousel.jsx"), "{prompt}");
    assert!(prompt.contains("--- app/page.jsx"), "{prompt}");
    assert!(!prompt.contains("--- package.json"), "{prompt}");

    let fixed_source = CAROUSEL.replace(
        "import { Navigation",
        "import \"swiper/css\";\nimport { Navigation",
    );
    let fixing = fixed(
        &answer(&[("components/Carousel.jsx", &fixed_source)]),
        StopReason::EndTurn,
    );
    let changed = model_review(&fixing, &files).await.unwrap();
    assert_eq!(
        changed.paths().collect::<Vec<_>>(),
        ["components/Carousel.jsx"]
    );

    let cut = fixed(
        "{\"components/Carousel.jsx\": \"import",
        StopReason::MaxTokens,
    );
    assert_eq!(
        model_review(&cut, &files).await,
        Err(ReviewError::Truncated)
    );
    let adding = fixed(
        &answer(&[("components/Extra.jsx", "export default function Extra() {}")]),
        StopReason::EndTurn,
    );
    assert!(matches!(
        model_review(&adding, &files).await,
        Err(ReviewError::Rejected(ReviewRejected::AddsFile { .. }))
    ));
}
