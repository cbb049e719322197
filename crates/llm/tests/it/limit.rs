use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use replica_core::{
    LanguageModel, LlmError, LlmRequest, LlmResponse, LlmStream, StopReason, Usage,
};
use replica_llm::{ConcurrencyLimit, Limited, Metered, NoModel, UsageMeter};
use tokio::sync::Barrier;

use crate::support::{Stub, sample_request};

/// Counts calls in flight across every instance sharing `gauge`, and holds each call at a
/// barrier until `width` calls are in at once.
#[derive(Debug)]
struct Gauge {
    in_flight: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    barrier: Arc<Barrier>,
}

impl LanguageModel for Gauge {
    fn name(&self) -> String {
        "gauge".to_owned()
    }

    fn stream<'a>(&'a self, _request: &'a LlmRequest) -> LlmStream<'a> {
        replica_core::response_stream(async move {
            let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            // Only released once two calls are inside together: proves the limit lets two in.
            self.barrier.wait().await;
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            Ok(response("gauge", Usage::default()))
        })
    }
}

fn response(model: &str, usage: Usage) -> LlmResponse {
    LlmResponse {
        text: "ok".to_owned(),
        tool_uses: Vec::new(),
        stop_reason: StopReason::EndTurn,
        usage,
        model: model.to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_shared_limit_bounds_calls_across_models() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(Barrier::new(2));
    let limit = ConcurrencyLimit::new(2);
    // Two wrapped models (two providers of one run) share one limit.
    let models: Vec<Arc<dyn LanguageModel>> = (0..2)
        .map(|_| {
            let gauge = Gauge {
                in_flight: in_flight.clone(),
                peak: peak.clone(),
                barrier: barrier.clone(),
            };
            Arc::new(Limited::new(Arc::new(gauge), limit.clone())) as Arc<dyn LanguageModel>
        })
        .collect();

    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..8 {
        let model = models[index % 2].clone();
        tasks.spawn(async move { model.complete(&sample_request()).await });
    }
    // A deadlock (the limit letting fewer than two in) fails here instead of hanging.
    let all = tokio::time::timeout(Duration::from_secs(20), tasks.join_all())
        .await
        .expect("no deadlock");
    assert!(all.iter().all(Result::is_ok));
    assert_eq!(
        peak.load(Ordering::SeqCst),
        2,
        "at most two calls in flight, and two did run together"
    );
    assert_eq!(limit.available(), 2, "every slot is given back");
}

#[tokio::test]
async fn limit_of_zero_means_one() {
    let limit = ConcurrencyLimit::new(0);
    assert_eq!(limit.max(), 1);
    let model = Limited::new(
        Arc::new(Stub::answering(response("m", Usage::default()))),
        limit,
    );
    assert!(model.complete(&sample_request()).await.is_ok());
    assert_eq!(model.name(), "stub/model");
    assert!(format!("{model:?}").contains("stub/model"));
}

#[tokio::test]
async fn metered_tallies_successful_calls_per_model() {
    let meter = UsageMeter::new();
    let usage = Usage {
        input_tokens: 1000,
        output_tokens: 200,
        cache_read_tokens: 3000,
        cache_write_tokens: 0,
    };
    let sonnet = Metered::new(
        Arc::new(Stub::answering(response(
            "claude-sonnet-4-5-20250929",
            usage,
        ))),
        meter.clone(),
    );
    let failing = Metered::new(
        Arc::new(Stub::failing(LlmError::NotConfigured)),
        meter.clone(),
    );
    for _ in 0..3 {
        sonnet.complete(&sample_request()).await.expect("succeeds");
    }
    assert!(failing.complete(&sample_request()).await.is_err());

    let totals = meter.totals();
    assert_eq!(totals.calls(), 3);
    assert_eq!(totals.per_model.len(), 1);
    assert_eq!(
        totals.usage(),
        Usage {
            input_tokens: 3000,
            output_tokens: 600,
            cache_read_tokens: 9000,
            cache_write_tokens: 0
        }
    );
    // 3000 x $3 + 600 x $15 + 9000 x $0.30, per million tokens.
    let cost = totals.cost_usd().expect("sonnet is priced");
    assert!((cost - 0.0207).abs() < 1e-9, "{cost}");
    assert_eq!(
        totals.to_string(),
        "3 calls, 3000 input + 600 output tokens (9000 cache read, 0 cache write), about $0.0207"
    );
}

#[tokio::test]
async fn no_model_is_not_configured() {
    let error = NoModel
        .complete(&sample_request())
        .await
        .expect_err("no model");
    assert_eq!(error, LlmError::NotConfigured);
    assert_eq!(NoModel.name(), "none");
}
