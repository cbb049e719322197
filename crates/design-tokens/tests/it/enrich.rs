//! The language-model pass, against a fake model that returns a canned answer.

use std::sync::Mutex;

use replica_core::{
    LanguageModel, LlmError, LlmRequest, LlmResponse, LlmStream, StopReason, Usage, response_stream,
};

use crate::fixtures::{fixture_dirs, load};

/// Answers every request with the same text (or error) and remembers the requests.
struct FakeModel {
    answer: Result<String, LlmError>,
    requests: Mutex<Vec<LlmRequest>>,
}

impl FakeModel {
    fn answering(text: &str) -> FakeModel {
        FakeModel {
            answer: Ok(text.to_string()),
            requests: Mutex::new(Vec::new()),
        }
    }

    fn failing(error: LlmError) -> FakeModel {
        FakeModel {
            answer: Err(error),
            requests: Mutex::new(Vec::new()),
        }
    }

    fn calls(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

impl LanguageModel for FakeModel {
    fn name(&self) -> String {
        "fake/model".into()
    }

    fn stream<'a>(&'a self, request: &'a LlmRequest) -> LlmStream<'a> {
        self.requests.lock().unwrap().push(request.clone());
        let answer = self.answer.clone().map(|text| LlmResponse {
            text,
            tool_uses: Vec::new(),
            stop_reason: StopReason::EndTurn,
            usage: Usage::default(),
            model: "fake".into(),
        });
        response_stream(async move { answer })
    }
}

fn landing() -> replica_core::ScrapeData {
    let (_, path) = fixture_dirs()
        .into_iter()
        .find(|(name, _)| name == "landing")
        .expect("the landing fixture");
    load(&path)
}

fn run(model: &FakeModel, scrape: &replica_core::ScrapeData) -> replica_core::DesignTokens {
    let tokens = replica_design_tokens::extract(scrape);
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(replica_design_tokens::enrich(tokens, scrape, model))
}

#[test]
fn values_from_the_page_are_taken_and_invented_ones_rejected() {
    let scrape = landing();
    let before = replica_design_tokens::extract(&scrape);
    // rgb(67, 56, 202) (#4338ca) and the page's own font list occur; #123456 and "Comic Sans
    // MS" do not; `colors.sparkle` is no token.
    let family = scrape.desktop.fonts_in_use[0].family.clone();
    let answer = serde_json::json!({
        "colors.secondary": "rgb(67, 56, 202)",
        "colors.primary": "#123456",
        "typography.families.heading": family,
        "typography.families.body": "Comic Sans MS",
        "colors.sparkle": "#4338ca",
        "spacing.card_gap": "24px",
    });
    let model = FakeModel::answering(&format!("Here you go:\n```json\n{answer}\n```"));
    let tokens = run(&model, &scrape);
    assert_eq!(model.calls(), 1, "one call");
    assert_eq!(
        tokens.colors.secondary.as_deref(),
        Some("#4338ca"),
        "accepted, normalized to hex"
    );
    assert_eq!(
        tokens.colors.primary, before.colors.primary,
        "invented colour rejected"
    );
    assert_eq!(
        tokens.typography.families.heading.as_deref(),
        Some(family.as_str())
    );
    assert_eq!(
        tokens.typography.families.body,
        before.typography.families.body
    );
    assert_eq!(tokens.spacing.card_gap.as_deref(), Some("24px"));
    let mut fallback = tokens.fallback.clone();
    fallback.sort();
    assert_eq!(
        fallback,
        [
            "colors.primary: #123456",
            "colors.sparkle: #4338ca",
            "typography.families.body: Comic Sans MS"
        ]
    );
    // Everything not mentioned is untouched.
    assert_eq!(tokens.components, before.components);
    assert_eq!(tokens.typography.scale, before.typography.scale);
}

#[test]
fn nested_answers_are_understood() {
    let scrape = landing();
    let model = FakeModel::answering(r##"{"colors": {"text": {"link": "#4f46e5"}}}"##);
    let tokens = run(&model, &scrape);
    assert_eq!(tokens.colors.text.link.as_deref(), Some("#4f46e5"));
    assert!(tokens.fallback.is_empty(), "{:?}", tokens.fallback);
}

#[test]
fn the_prompt_lists_the_candidates_and_current_tokens() {
    let scrape = landing();
    let model = FakeModel::answering("{}");
    let tokens = run(&model, &scrape);
    assert_eq!(
        tokens,
        replica_design_tokens::extract(&scrape),
        "an empty answer changes nothing"
    );
    let requests = model.requests.lock().unwrap();
    let prompt = match &requests[0].messages[0].content[0] {
        replica_core::ContentPart::Text { text } => text.clone(),
        other => panic!("expected text, got {other:?}"),
    };
    let prompt: serde_json::Value = serde_json::from_str(&prompt).expect("the prompt is JSON");
    assert_eq!(prompt["current"]["colors.primary"], "#4f46e5");
    assert!(prompt["candidates"]["colors"].get("#4338ca").is_some());
}

#[test]
fn a_failing_model_keeps_the_deterministic_tokens() {
    let scrape = landing();
    let model = FakeModel::failing(LlmError::NotConfigured);
    let tokens = run(&model, &scrape);
    let mut expected = replica_design_tokens::extract(&scrape);
    assert_eq!(tokens.fallback.len(), 1);
    assert!(
        tokens.fallback[0].starts_with("llm: fake/model failed"),
        "{:?}",
        tokens.fallback
    );
    expected.fallback = tokens.fallback.clone();
    assert_eq!(tokens, expected);
}

#[test]
fn an_unreadable_answer_keeps_the_deterministic_tokens() {
    let scrape = landing();
    let model = FakeModel::answering("I think the primary colour is blue.");
    let tokens = run(&model, &scrape);
    assert_eq!(tokens.fallback.len(), 1);
    assert!(
        tokens.fallback[0].starts_with("llm: unreadable answer"),
        "{:?}",
        tokens.fallback
    );
    assert_eq!(
        tokens.colors,
        replica_design_tokens::extract(&scrape).colors
    );
}
