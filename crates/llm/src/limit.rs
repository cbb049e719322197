//! A concurrency limit that one pipeline run shares across all its model calls.

use std::sync::Arc;

use futures_util::StreamExt;
use replica_core::{LanguageModel, LlmError, LlmRequest, LlmStream};
use tokio::sync::Semaphore;

/// At most `max` calls in flight; clones share the same slots.
///
/// One run creates one limit and wraps every model it uses with [`Limited`], so parallel
/// section generation stays under the provider's rate limit.
#[derive(Debug, Clone)]
pub struct ConcurrencyLimit {
    semaphore: Arc<Semaphore>,
    max: usize,
}

impl ConcurrencyLimit {
    /// A limit of `max` calls at once (at least one).
    pub fn new(max: usize) -> ConcurrencyLimit {
        let max = max.clamp(1, Semaphore::MAX_PERMITS);
        ConcurrencyLimit {
            semaphore: Arc::new(Semaphore::new(max)),
            max,
        }
    }

    /// Calls allowed at once.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Slots free right now.
    pub fn available(&self) -> usize {
        self.semaphore.available_permits()
    }
}

/// A model whose calls wait for a slot of a shared [`ConcurrencyLimit`].
///
/// The slot is held for the whole call, retries and their backoff included, until its stream
/// ends or is dropped, so a provider that is pushing back does not get more parallel traffic
/// while it does.
pub struct Limited {
    inner: Arc<dyn LanguageModel>,
    limit: ConcurrencyLimit,
}

impl Limited {
    /// `inner` behind `limit`; wrap every model of a run with clones of one limit.
    pub fn new(inner: Arc<dyn LanguageModel>, limit: ConcurrencyLimit) -> Limited {
        Limited { inner, limit }
    }

    /// The shared limit.
    pub fn limit(&self) -> &ConcurrencyLimit {
        &self.limit
    }
}

impl std::fmt::Debug for Limited {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limited")
            .field("inner", &self.inner.name())
            .field("limit", &self.limit)
            .finish()
    }
}

impl LanguageModel for Limited {
    fn name(&self) -> String {
        self.inner.name()
    }

    fn stream<'a>(&'a self, request: &'a LlmRequest) -> LlmStream<'a> {
        let acquire = self.limit.semaphore.clone().acquire_owned();
        Box::pin(futures_util::stream::once(acquire).flat_map(move |permit| {
            match permit {
                Ok(permit) => self
                    .inner
                    .stream(request)
                    .map(move |item| {
                        // The slot is released when this stream (and so the closure) is dropped.
                        let _slot = &permit;
                        item
                    })
                    .boxed(),
                // The semaphore is never closed, so this only happens if that invariant breaks.
                Err(_) => futures_util::stream::iter([Err(LlmError::Other(
                    "the concurrency limit was closed".to_owned(),
                ))])
                .boxed(),
            }
        }))
    }
}
