//! Language-model providers behind `replica_core::LanguageModel`, and the helpers the stages
//! use to build prompts and read answers.
//!
//! - Providers: [`Anthropic`] (Messages API), [`OpenAi`] (Chat Completions at any
//!   OpenAI-compatible base URL: vLLM, llama.cpp, Ollama, OpenRouter), [`Gemini`]
//!   (`streamGenerateContent`), [`Replay`] (recorded exchanges, offline), [`ScriptedReplay`]
//!   (a scripted tool conversation, offline; [`Script`] is the fixture format) and
//!   [`NoModel`]. Every provider streams and carries tools, `tool_use` and `tool_result`
//!   blocks in its own wire format. The three HTTP providers share one retrying transport
//!   configured by [`RetryPolicy`] and one stream reader: retries (429, 529, overload events,
//!   connections closed early) happen only before the first event reaches the caller; after
//!   that a failure is `LlmError::StreamCut`, never a shortened answer.
//! - Wrappers, each a `LanguageModel` around another: [`Limited`] (a [`ConcurrencyLimit`]
//!   shared by one run), [`Metered`] (token and cost totals in a [`UsageMeter`]), [`Recording`]
//!   (saves exchanges for [`Replay`]).
//! - Choosing from the environment: [`from_env`] gives a [`SelectedModel`] that prints itself
//!   for the CLI and builds the provider.
//! - Prompt helpers: [`screenshot_to_jpeg`], [`strip_code_fences`], [`first_json_object`].
//!
//! API keys are `replica_core::ApiKey`: redacted in `Debug` and `Display`, sent only in
//! sensitive headers, and scrubbed from every message a server sends back.

mod anthropic;
mod config;
mod gemini;
mod http;
mod jpeg;
mod limit;
mod openai;
mod replay;
mod script;
mod sse;
mod stream;
mod usage;

use replica_core::{LanguageModel, LlmError, LlmRequest, LlmStream};

pub use anthropic::{Anthropic, AnthropicConfig};
pub use config::{
    Capabilities, ChosenBy, ConfigError, DEFAULT_CONCURRENCY, ProviderConfig, SelectedModel,
    Support, from_env,
};
pub use gemini::{Gemini, GeminiConfig};
pub use http::{RetryPolicy, is_retryable_status};
pub use jpeg::{
    MAX_PROMPT_IMAGE_WIDTH, PROMPT_JPEG_QUALITY, ScreenshotError, screenshot_block,
    screenshot_to_jpeg,
};
pub use limit::{ConcurrencyLimit, Limited};
pub use openai::{OpenAi, OpenAiConfig, TokenLimitField};
pub use replay::{
    DEFAULT_REPLAY_DIR, RecordedExchange, Recording, Replay, exchange_path, request_key,
    request_view, view_key,
};
pub use replica_core::{first_json_object, strip_code_fences};
pub use script::{Expectations, ExpectedResult, Script, ScriptTurn, ScriptedCall, ScriptedReplay};
pub use usage::{Metered, ModelUsage, Price, UsageMeter, UsageTotals, price_of};

/// The model to use when none is configured: every call fails with
/// [`LlmError::NotConfigured`], so a caller that got here by mistake takes its fallback.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoModel;

impl LanguageModel for NoModel {
    fn name(&self) -> String {
        "none".to_owned()
    }

    fn stream<'a>(&'a self, _request: &'a LlmRequest) -> LlmStream<'a> {
        replica_core::response_stream(async { Err(LlmError::NotConfigured) })
    }
}

/// A temperature as JSON with its shortest decimal form: `0.2f32` becomes `0.2`, not
/// `0.20000000298023224`, in request bodies and in replay keys. Not a number becomes `null`.
pub(crate) fn temperature_json(temperature: f32) -> serde_json::Value {
    temperature
        .to_string()
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temperature_keeps_its_short_form() {
        assert_eq!(temperature_json(0.2).to_string(), "0.2");
        assert_eq!(temperature_json(1.0).to_string(), "1.0");
        assert_eq!(temperature_json(0.0).to_string(), "0.0");
        assert_eq!(temperature_json(f32::NAN), serde_json::Value::Null);
    }
}
