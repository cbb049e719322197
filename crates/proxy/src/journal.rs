//! What the proxy refused or could not reach, kept for the caller: refusals become the
//! scrape's warnings, failures explain a failed preflight.

use std::collections::{HashSet, VecDeque};
use std::io;

use replica_core::{Endpoint, PolicyViolation};

/// Refusals kept (distinct targets); a hostile page may make millions.
pub const MAX_REFUSALS: usize = 200;
/// Failures kept, the latest.
const MAX_FAILURES: usize = 32;

/// A request the proxy did not carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// The URL, or `host:port` for a tunnel.
    pub target: String,
    pub endpoint: Endpoint,
    pub reason: BlockReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockReason {
    /// The URL policy refused the URL or one of the addresses its host resolved to.
    Refused(PolicyViolation),
    /// The host did not resolve.
    Dns(String),
    /// No address of the host accepted a connection.
    Connect {
        kind: io::ErrorKind,
        message: String,
    },
    /// Connecting took longer than the proxy waits.
    Timeout,
}

impl std::fmt::Display for Blocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.reason {
            BlockReason::Refused(violation) => write!(f, "{} refused: {violation}", self.target),
            BlockReason::Dns(message) => {
                write!(
                    f,
                    "{}: could not resolve {}: {message}",
                    self.target, self.endpoint.host
                )
            }
            BlockReason::Connect { message, .. } => {
                write!(f, "{}: could not connect: {message}", self.target)
            }
            BlockReason::Timeout => write!(f, "{}: connecting timed out", self.target),
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Journal {
    refused: Vec<Blocked>,
    refused_targets: HashSet<String>,
    refused_total: usize,
    failures: VecDeque<Blocked>,
}

impl Journal {
    pub(crate) fn record(&mut self, blocked: Blocked) {
        if matches!(blocked.reason, BlockReason::Refused(_)) {
            self.refused_total += 1;
            if self.refused.len() < MAX_REFUSALS
                && self.refused_targets.insert(blocked.target.clone())
            {
                self.refused.push(blocked.clone());
            }
        }
        if self.failures.len() == MAX_FAILURES {
            self.failures.pop_front();
        }
        self.failures.push_back(blocked);
    }

    pub(crate) fn forget(&mut self) {
        *self = Journal::default();
    }

    pub(crate) fn refusals(&self) -> (Vec<Blocked>, usize) {
        (self.refused.clone(), self.refused_total)
    }

    pub(crate) fn latest_failure(&self) -> Option<Blocked> {
        self.failures.back().cloned()
    }

    /// The latest failure at this host and port.
    pub(crate) fn last_failure(&self, host: &str, port: u16) -> Option<Blocked> {
        self.failures
            .iter()
            .rev()
            .find(|b| b.endpoint.host == host && b.endpoint.port == port)
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(target: &str) -> Blocked {
        Blocked {
            target: target.to_string(),
            endpoint: Endpoint::tunnel("10.0.0.1:80").unwrap(),
            reason: BlockReason::Refused(PolicyViolation::NoHost),
        }
    }

    #[test]
    fn refusals_are_kept_once_per_target_and_capped() {
        let mut journal = Journal::default();
        for i in 0..MAX_REFUSALS + 50 {
            journal.record(refused(&format!("http://10.0.0.1/{i}")));
            journal.record(refused(&format!("http://10.0.0.1/{i}")));
        }
        let (kept, total) = journal.refusals();
        assert_eq!(kept.len(), MAX_REFUSALS);
        assert_eq!(total, 2 * (MAX_REFUSALS + 50));
        assert_eq!(kept[1].target, "http://10.0.0.1/1");
        assert_eq!(journal.failures.len(), MAX_FAILURES);
        assert_eq!(
            journal.latest_failure().unwrap().target,
            format!("http://10.0.0.1/{}", MAX_REFUSALS + 49)
        );
        assert!(journal.last_failure("10.0.0.1", 80).is_some());
        assert!(journal.last_failure("10.0.0.1", 81).is_none());
    }

    #[test]
    fn forgetting_starts_a_new_record() {
        let mut journal = Journal::default();
        journal.record(refused("http://10.0.0.1/a"));
        journal.forget();
        assert_eq!(journal.refusals(), (Vec::new(), 0));
        assert!(journal.latest_failure().is_none());
        // A target refused before is listed again: it is the new page's refusal too.
        journal.record(refused("http://10.0.0.1/a"));
        assert_eq!(journal.refusals().0.len(), 1);
    }
}
