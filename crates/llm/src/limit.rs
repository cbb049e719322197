//! A concurrency limit that one pipeline run shares across all its model calls.

use std::sync::Arc;

use replica_core::{BoxFuture, LanguageModel, LlmError, LlmRequest, LlmResponse};
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
/// The slot is held for the whole call, retries and their backoff included, so a provider that
/// is pushing back does not get more parallel traffic while it does.
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

    fn complete<'a>(
        &'a self,
        request: &'a LlmRequest,
    ) -> BoxFuture<'a, Result<LlmResponse, LlmError>> {
        Box::pin(async move {
            // The semaphore is never closed, so this only fails if that invariant breaks.
            let _permit = self
                .limit
                .semaphore
                .acquire()
                .await
                .map_err(|_| LlmError::Other("the concurrency limit was closed".to_owned()))?;
            self.inner.complete(request).await
        })
    }
}
