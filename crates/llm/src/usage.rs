//! Token and cost totals for one clone.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use futures_util::StreamExt;
use replica_core::{LanguageModel, LlmRequest, LlmResponse, LlmStream, StreamEvent, Usage};
use serde::Serialize;

/// List prices in USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Price {
    /// Uncached input.
    pub input: f64,
    /// Output, thinking included.
    pub output: f64,
    /// Input read from the prompt cache.
    pub cache_read: f64,
    /// Input written to the prompt cache (Anthropic only).
    pub cache_write: f64,
}

const fn price(input: f64, output: f64, cache_read: f64, cache_write: f64) -> Price {
    Price {
        input,
        output,
        cache_read,
        cache_write,
    }
}

/// Published list prices (USD per million tokens, standard tier, short prompts) as of late 2025,
/// matched by model-name prefix, longest first wins. Estimates only: discounts, batch pricing and
/// long-context surcharges are ignored. Providers that bill no cache writes have 0 there.
const PRICES: &[(&str, Price)] = &[
    ("claude-opus-4-5", price(5.0, 25.0, 0.50, 6.25)),
    ("claude-opus-4", price(15.0, 75.0, 1.50, 18.75)),
    ("claude-sonnet-4", price(3.0, 15.0, 0.30, 3.75)),
    ("claude-3-7-sonnet", price(3.0, 15.0, 0.30, 3.75)),
    ("claude-haiku-4-5", price(1.0, 5.0, 0.10, 1.25)),
    ("claude-3-5-haiku", price(0.80, 4.0, 0.08, 1.0)),
    ("gpt-5-nano", price(0.05, 0.40, 0.005, 0.0)),
    ("gpt-5-mini", price(0.25, 2.0, 0.025, 0.0)),
    ("gpt-5", price(1.25, 10.0, 0.125, 0.0)),
    ("gpt-4.1-nano", price(0.10, 0.40, 0.025, 0.0)),
    ("gpt-4.1-mini", price(0.40, 1.60, 0.10, 0.0)),
    ("gpt-4.1", price(2.0, 8.0, 0.50, 0.0)),
    ("gpt-4o-mini", price(0.15, 0.60, 0.075, 0.0)),
    ("gpt-4o", price(2.50, 10.0, 1.25, 0.0)),
    ("gemini-2.5-flash-lite", price(0.10, 0.40, 0.025, 0.0)),
    ("gemini-2.5-flash", price(0.30, 2.50, 0.075, 0.0)),
    ("gemini-2.5-pro", price(1.25, 10.0, 0.31, 0.0)),
];

/// The list price of `model`, if the table knows it. Accepts dated names
/// (`claude-sonnet-4-5-20250929`) and router prefixes (`openai/gpt-4o`).
pub fn price_of(model: &str) -> Option<Price> {
    let bare = model.rsplit('/').next().unwrap_or(model);
    PRICES
        .iter()
        .filter(|(prefix, _)| bare.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, price)| *price)
}

/// Calls and tokens of one model.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct ModelUsage {
    /// Successful calls.
    pub calls: u64,
    /// Their tokens added up.
    pub usage: Usage,
}

impl ModelUsage {
    /// The estimated cost in USD; `None` when the model is not in the price table.
    pub fn cost_usd(&self, model: &str) -> Option<f64> {
        let price = price_of(model)?;
        let usage = &self.usage;
        let millions = |tokens: u64| tokens as f64 / 1_000_000.0;
        Some(
            millions(usage.input_tokens) * price.input
                + millions(usage.output_tokens) * price.output
                + millions(usage.cache_read_tokens) * price.cache_read
                + millions(usage.cache_write_tokens) * price.cache_write,
        )
    }
}

/// Tokens per model over a clone, and what they cost.
///
/// `Usage` counts are kept apart the way Anthropic reports them: `input_tokens` excludes cached
/// tokens for every provider, so the four counts add up to what was billed.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct UsageTotals {
    /// Keyed by the model name the provider answered with.
    pub per_model: BTreeMap<String, ModelUsage>,
}

impl UsageTotals {
    /// Adds one response to its model's totals.
    pub fn record(&mut self, response: &LlmResponse) {
        let entry = self.per_model.entry(response.model.clone()).or_default();
        entry.calls += 1;
        entry.usage += response.usage;
    }

    /// Successful calls over all models.
    pub fn calls(&self) -> u64 {
        self.per_model.values().map(|model| model.calls).sum()
    }

    /// Tokens over all models.
    pub fn usage(&self) -> Usage {
        let mut total = Usage::default();
        for model in self.per_model.values() {
            total += model.usage;
        }
        total
    }

    /// The estimated cost of the models with a known price.
    pub fn known_cost_usd(&self) -> f64 {
        self.per_model
            .iter()
            .filter_map(|(name, model)| model.cost_usd(name))
            .sum()
    }

    /// Models whose cost is unknown (tokens are still counted).
    pub fn unpriced_models(&self) -> Vec<&str> {
        self.per_model
            .iter()
            .filter(|(name, _)| price_of(name).is_none())
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// The estimated cost in USD, or `None` when some model has no known price.
    pub fn cost_usd(&self) -> Option<f64> {
        self.unpriced_models()
            .is_empty()
            .then(|| self.known_cost_usd())
    }
}

impl fmt::Display for UsageTotals {
    /// One line: `3 calls, 1200 input + 300 output tokens (5000 cache read, 800 cache write), about $0.0123`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let usage = self.usage();
        let calls = self.calls();
        let noun = if calls == 1 { "call" } else { "calls" };
        write!(
            f,
            "{calls} {noun}, {} input + {} output tokens",
            usage.input_tokens, usage.output_tokens
        )?;
        if usage.cache_read_tokens + usage.cache_write_tokens > 0 {
            write!(
                f,
                " ({} cache read, {} cache write)",
                usage.cache_read_tokens, usage.cache_write_tokens
            )?;
        }
        let unpriced = self.unpriced_models();
        match (calls, unpriced.is_empty()) {
            (0, _) => Ok(()),
            (_, true) => write!(f, ", about ${:.4}", self.known_cost_usd()),
            (_, false) if unpriced.len() == self.per_model.len() => write!(f, ", cost unknown"),
            (_, false) => write!(
                f,
                ", about ${:.4} plus unknown cost for {}",
                self.known_cost_usd(),
                unpriced.join(", ")
            ),
        }
    }
}

/// A shared tally one run hands to [`Metered`]; clones add to the same totals.
#[derive(Debug, Clone, Default)]
pub struct UsageMeter {
    totals: Arc<Mutex<UsageTotals>>,
}

impl UsageMeter {
    /// An empty tally.
    pub fn new() -> UsageMeter {
        UsageMeter::default()
    }

    /// Adds one response to the shared totals.
    pub fn record(&self, response: &LlmResponse) {
        // The lock guards plain counters, so a panic elsewhere cannot leave them inconsistent.
        self.totals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .record(response);
    }

    /// A copy of the totals so far.
    pub fn totals(&self) -> UsageTotals {
        self.totals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A model whose successful calls are tallied in a [`UsageMeter`].
pub struct Metered {
    inner: Arc<dyn LanguageModel>,
    meter: UsageMeter,
}

impl Metered {
    /// `inner`, tallied in `meter`.
    pub fn new(inner: Arc<dyn LanguageModel>, meter: UsageMeter) -> Metered {
        Metered { inner, meter }
    }
}

impl fmt::Debug for Metered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metered")
            .field("inner", &self.inner.name())
            .field("meter", &self.meter)
            .finish()
    }
}

impl LanguageModel for Metered {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn stream<'a>(&'a self, request: &'a LlmRequest) -> LlmStream<'a> {
        Box::pin(self.inner.stream(request).inspect(|item| {
            if let Ok(StreamEvent::Done(response)) = item {
                self.meter.record(response);
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use replica_core::StopReason;

    use super::*;

    fn response(model: &str, usage: Usage) -> LlmResponse {
        LlmResponse {
            text: String::new(),
            tool_uses: Vec::new(),
            stop_reason: StopReason::EndTurn,
            usage,
            model: model.to_owned(),
        }
    }

    #[test]
    fn prices_match_by_longest_prefix() {
        assert_eq!(
            price_of("gpt-4o-mini-2024-07-18"),
            Some(price(0.15, 0.60, 0.075, 0.0))
        );
        assert_eq!(
            price_of("gpt-4o-2024-08-06"),
            Some(price(2.50, 10.0, 1.25, 0.0))
        );
        assert_eq!(
            price_of("claude-sonnet-4-5-20250929"),
            Some(price(3.0, 15.0, 0.30, 3.75))
        );
        assert_eq!(price_of("openai/gpt-4.1"), Some(price(2.0, 8.0, 0.50, 0.0)));
        assert_eq!(price_of("llama3.1:8b"), None);
    }

    #[test]
    fn totals_per_model_and_cost() {
        let mut totals = UsageTotals::default();
        let sonnet = Usage {
            input_tokens: 1_000_000,
            output_tokens: 100_000,
            cache_read_tokens: 2_000_000,
            cache_write_tokens: 0,
        };
        totals.record(&response("claude-sonnet-4-5-20250929", sonnet));
        totals.record(&response(
            "claude-sonnet-4-5-20250929",
            Usage {
                cache_write_tokens: 1_000_000,
                ..Usage::default()
            },
        ));
        assert_eq!(totals.calls(), 2);
        assert_eq!(totals.usage().cache_write_tokens, 1_000_000);
        // 3.00 input + 1.50 output + 0.60 cache read + 3.75 cache write
        let cost = totals.cost_usd().expect("priced");
        assert!((cost - 8.85).abs() < 1e-9, "{cost}");
        assert_eq!(
            totals.to_string(),
            "2 calls, 1000000 input + 100000 output tokens (2000000 cache read, 1000000 cache write), about $8.8500"
        );
    }

    #[test]
    fn unknown_models_count_tokens_with_cost_unknown() {
        let mut totals = UsageTotals::default();
        totals.record(&response(
            "llama3.1:8b",
            Usage {
                input_tokens: 10,
                output_tokens: 5,
                ..Usage::default()
            },
        ));
        assert_eq!(totals.cost_usd(), None);
        assert_eq!(totals.usage().input_tokens, 10);
        assert_eq!(
            totals.to_string(),
            "1 call, 10 input + 5 output tokens, cost unknown"
        );

        totals.record(&response(
            "gpt-4o",
            Usage {
                input_tokens: 1_000_000,
                ..Usage::default()
            },
        ));
        assert_eq!(totals.cost_usd(), None);
        assert!((totals.known_cost_usd() - 2.5).abs() < 1e-9);
        assert_eq!(totals.unpriced_models(), ["llama3.1:8b"]);
        assert!(
            totals
                .to_string()
                .ends_with("about $2.5000 plus unknown cost for llama3.1:8b"),
            "{totals}"
        );
    }

    #[test]
    fn empty_totals() {
        let totals = UsageTotals::default();
        assert_eq!(totals.cost_usd(), Some(0.0));
        assert_eq!(totals.to_string(), "0 calls, 0 input + 0 output tokens");
    }
}
