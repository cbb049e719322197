//! fix_targeted against a fake model implemented here: what it is asked, and what is done with
//! its answer.

use std::sync::Mutex;

use replica_core::{
    ContentPart, LanguageModel, LlmError, LlmRequest, LlmResponse, LlmStream, ProjectFiles,
    StopReason, Usage, response_stream,
};
use replica_jsx_validator::{Check, JsxValidatorError, fix_targeted, validate};

struct FakeModel {
    answer: Result<String, LlmError>,
    stop_reason: StopReason,
    prompts: Mutex<Vec<String>>,
}

impl FakeModel {
    fn answering(text: &str) -> FakeModel {
        FakeModel {
            answer: Ok(text.to_string()),
            stop_reason: StopReason::EndTurn,
            prompts: Mutex::new(Vec::new()),
        }
    }

    fn calls(&self) -> usize {
        self.prompts.lock().unwrap().len()
    }
}

impl LanguageModel for FakeModel {
    fn name(&self) -> String {
        "fake/model".to_string()
    }

    fn stream<'a>(&'a self, request: &'a LlmRequest) -> LlmStream<'a> {
        let prompt = request
            .messages
            .iter()
            .flat_map(|message| &message.content)
            .filter_map(|part| match part {
                ContentPart::Text { text } => Some(text.clone()),
                _ => None,
            })
            .collect::<String>();
        self.prompts.lock().unwrap().push(prompt);
        let answer = self.answer.clone().map(|text| LlmResponse {
            text,
            tool_uses: Vec::new(),
            stop_reason: self.stop_reason.clone(),
            usage: Usage::default(),
            model: "fake".to_string(),
        });
        response_stream(async move { answer })
    }
}

fn broken_project() -> ProjectFiles {
    let mut files = ProjectFiles::default();
    files.insert_text(
        "app/page.jsx",
        "import Hero from '../components/Hero';\n\nexport default function Page() {\n  return <main><Hero /></main>;\n}\n",
    );
    files.insert_text(
        "components/Hero.jsx",
        "export default function Hero() {\n  return (\n    <section>\n      <p>Price: {price</p>\n    </section>\n  );\n}\n",
    );
    files
}

const FIXED_HERO: &str = "export default function Hero() {\n  return (\n    <section>\n      <p>Price: 9</p>\n    </section>\n  );\n}\n";

#[tokio::test]
async fn the_answer_replaces_the_failing_files_and_is_validated_again() {
    let files = broken_project();
    let report = validate(&files);
    assert!(report.has(Check::SyntaxError), "{report}");
    let answer = format!(
        "Here you go:\n```json\n{}\n```",
        serde_json::json!({ "components/Hero.jsx": FIXED_HERO })
    );
    let model = FakeModel::answering(&answer);
    let outcome = fix_targeted(&model, &files, &report).await.unwrap();
    assert_eq!(outcome.changed, ["components/Hero.jsx"]);
    assert_eq!(outcome.files.text("components/Hero.jsx"), Some(FIXED_HERO));
    assert!(
        !outcome.report.has(Check::SyntaxError),
        "{}",
        outcome.report
    );

    let prompts = model.prompts.lock().unwrap();
    let prompt = &prompts[0];
    assert!(prompt.contains("components/Hero.jsx:4:"), "{prompt}");
    assert!(
        prompt.contains("<p>Price: {price</p>"),
        "the failing file is sent whole"
    );
    assert!(prompt.contains("- app/page.jsx"), "other files are listed");
    assert!(
        !prompt.contains("export default function Page"),
        "files without errors are not sent"
    );
    assert!(
        prompt.contains("framer-motion"),
        "the installed packages are named"
    );
}

#[tokio::test]
async fn a_clean_report_costs_no_call() {
    let mut files = ProjectFiles::default();
    files.insert_text("lib/x.js", "export const x = 1;\n");
    let report = validate(&files);
    let model = FakeModel::answering("{}");
    let outcome = fix_targeted(&model, &files, &report).await.unwrap();
    assert_eq!(model.calls(), 0);
    assert!(outcome.changed.is_empty());
}

#[tokio::test]
async fn bad_answers_are_typed_errors() {
    let files = broken_project();
    let report = validate(&files);

    let model = FakeModel::answering("I cannot help with that.");
    let error = fix_targeted(&model, &files, &report).await.unwrap_err();
    assert!(
        matches!(error, JsxValidatorError::NoJsonObject { .. }),
        "{error}"
    );

    let model = FakeModel::answering(r#"{"../../etc/passwd": "x"}"#);
    let error = fix_targeted(&model, &files, &report).await.unwrap_err();
    assert!(
        matches!(error, JsxValidatorError::ForbiddenPath { .. }),
        "{error}"
    );

    let model = FakeModel::answering(r#"{"package.json": "{}"}"#);
    let error = fix_targeted(&model, &files, &report).await.unwrap_err();
    assert!(
        matches!(error, JsxValidatorError::ForbiddenPath { .. }),
        "{error}"
    );

    let model = FakeModel::answering(r#"{"components/Hero.jsx": 42}"#);
    let error = fix_targeted(&model, &files, &report).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "the language model's answer gives \"components/Hero.jsx\" a JSON number instead of the file's text"
    );

    let mut model = FakeModel::answering(r#"{"components/Hero.jsx": "export def"#);
    model.stop_reason = StopReason::MaxTokens;
    let error = fix_targeted(&model, &files, &report).await.unwrap_err();
    assert!(
        matches!(error, JsxValidatorError::Truncated { .. }),
        "{error}"
    );

    let model = FakeModel {
        answer: Err(LlmError::NotConfigured),
        stop_reason: StopReason::EndTurn,
        prompts: Mutex::new(Vec::new()),
    };
    let error = fix_targeted(&model, &files, &report).await.unwrap_err();
    assert!(
        matches!(error, JsxValidatorError::Llm(LlmError::NotConfigured)),
        "{error}"
    );
}

#[tokio::test]
async fn an_answer_that_is_still_wrong_is_reported_not_hidden() {
    let files = broken_project();
    let report = validate(&files);
    let model = FakeModel::answering(
        r#"{"components/Hero.jsx": "export default function Hero() {\n  return <p class=\"x\">x</p>;\n}\n"}"#,
    );
    let outcome = fix_targeted(&model, &files, &report).await.unwrap();
    assert!(!outcome.report.valid);
    assert!(
        outcome.report.has(Check::ClassNotClassname),
        "{}",
        outcome.report
    );
}
