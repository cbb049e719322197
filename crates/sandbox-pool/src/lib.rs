//! replica-sandbox-pool
