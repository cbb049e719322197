//! replica-fixture-server
