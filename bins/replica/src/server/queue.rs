//! The clone queue: at most `running` clones run at once; more wait in a bounded queue that
//! is fair between clients (by IP address, the client with the fewest clones running or
//! ahead in the queue goes first: one that sent ten clones does not hold up one that sent
//! one), each told its place as it changes.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use replica_pipeline::Admission;
use tokio::sync::watch;

/// The queue is full: how many wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueFull {
    pub waiting: usize,
}

#[derive(Debug)]
pub struct CloneQueue {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug)]
struct Inner {
    running: usize,
    running_by_client: HashMap<IpAddr, usize>,
    max_running: usize,
    max_waiting: usize,
    /// In the order they will start.
    waiting: VecDeque<Waiter>,
    next_ticket: u64,
}

#[derive(Debug)]
struct Waiter {
    ticket: u64,
    client: IpAddr,
    place: watch::Sender<usize>,
}

impl CloneQueue {
    pub fn new(max_running: usize, max_waiting: usize) -> CloneQueue {
        CloneQueue {
            inner: Arc::new(Mutex::new(Inner {
                running: 0,
                running_by_client: HashMap::new(),
                max_running,
                max_waiting,
                waiting: VecDeque::new(),
                next_ticket: 0,
            })),
        }
    }

    /// A place for a clone of `client`: at once when a slot is free, else at the end of the
    /// client's round. The pipeline waits on it ([`Admission`]).
    pub fn join(&self, client: IpAddr) -> Result<Admission, QueueFull> {
        let mut inner = lock(&self.inner);
        let ticket = inner.next_ticket;
        inner.next_ticket += 1;
        // Made only once the place is taken: dropping it gives the place back.
        let slot = || Slot {
            inner: Arc::clone(&self.inner),
            ticket,
            client,
        };
        if inner.running < inner.max_running && inner.waiting.is_empty() {
            inner.start(client);
            let (_, position) = watch::channel(0);
            return Ok(Admission {
                position,
                slot: Box::new(slot()),
            });
        }
        if inner.waiting.len() >= inner.max_waiting {
            return Err(QueueFull {
                waiting: inner.waiting.len(),
            });
        }
        let (place, position) = watch::channel(usize::MAX);
        inner.waiting.push_back(Waiter {
            ticket,
            client,
            place,
        });
        inner.reorder();
        drop(inner);
        Ok(Admission {
            position,
            slot: Box::new(slot()),
        })
    }

    pub fn running(&self) -> usize {
        lock(&self.inner).running
    }

    pub fn waiting(&self) -> usize {
        lock(&self.inner).waiting.len()
    }
}

impl Inner {
    fn start(&mut self, client: IpAddr) {
        self.running += 1;
        *self.running_by_client.entry(client).or_default() += 1;
    }

    fn finish(&mut self, client: IpAddr) {
        self.running = self.running.saturating_sub(1);
        if let Some(count) = self.running_by_client.get_mut(&client) {
            *count -= 1;
            if *count == 0 {
                self.running_by_client.remove(&client);
            }
        }
    }

    /// Fair shares: a waiting clone's rank is how many clones of its client run or wait
    /// before it; lower ranks go first, equal ranks in the order they came. Then every waiter
    /// learns its place.
    fn reorder(&mut self) {
        let mut ahead: HashMap<IpAddr, usize> = self.running_by_client.clone();
        let mut by_arrival: Vec<Waiter> = self.waiting.drain(..).collect();
        by_arrival.sort_by_key(|waiter| waiter.ticket);
        let mut ranked: Vec<(usize, Waiter)> = by_arrival
            .into_iter()
            .map(|waiter| {
                let count = ahead.entry(waiter.client).or_default();
                let rank = *count;
                *count += 1;
                (rank, waiter)
            })
            .collect();
        ranked.sort_by_key(|(rank, waiter)| (*rank, waiter.ticket));
        self.waiting = ranked.into_iter().map(|(_, waiter)| waiter).collect();
        for (index, waiter) in self.waiting.iter().enumerate() {
            waiter.place.send_if_modified(|place| {
                let changed = *place != index + 1;
                *place = index + 1;
                changed
            });
        }
    }

    /// Starts waiting clones while slots are free.
    fn admit(&mut self) {
        while self.running < self.max_running {
            let Some(waiter) = self.waiting.pop_front() else {
                break;
            };
            self.start(waiter.client);
            let _ = waiter.place.send(0);
        }
        self.reorder();
    }
}

/// A clone's claim: while it waits, its place; once admitted, its slot. Dropping it gives
/// up either.
#[derive(Debug)]
struct Slot {
    inner: Arc<Mutex<Inner>>,
    ticket: u64,
    client: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut inner = lock(&self.inner);
        match inner.waiting.iter().position(|w| w.ticket == self.ticket) {
            Some(index) => {
                inner.waiting.remove(index);
            }
            None => inner.finish(self.client),
        }
        inner.admit();
    }
}

fn lock(inner: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    inner.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, last])
    }

    fn place(admission: &Admission) -> usize {
        *admission.position.borrow()
    }

    #[test]
    fn slots_first_then_a_fair_bounded_queue() {
        let queue = CloneQueue::new(2, 4);
        let running: Vec<Admission> = (0..2).map(|_| queue.join(ip(1)).unwrap()).collect();
        assert!(running.iter().all(|a| place(a) == 0));
        // Client 1 (two running) queues three, then client 2 one: client 2 goes first.
        let a1 = queue.join(ip(1)).unwrap();
        let a2 = queue.join(ip(1)).unwrap();
        let a3 = queue.join(ip(1)).unwrap();
        assert_eq!([place(&a1), place(&a2), place(&a3)], [1, 2, 3]);
        let b1 = queue.join(ip(2)).unwrap();
        assert_eq!(
            [place(&b1), place(&a1), place(&a2), place(&a3)],
            [1, 2, 3, 4]
        );
        assert_eq!(queue.join(ip(3)).unwrap_err(), QueueFull { waiting: 4 });

        // A waiter that leaves gives up its place; the others move up.
        drop(a2);
        assert_eq!([place(&b1), place(&a1), place(&a3)], [1, 2, 3]);
        // Finished clones let the first waiters in.
        drop(running);
        assert_eq!([place(&b1), place(&a1), place(&a3)], [0, 0, 1]);
        assert_eq!((queue.running(), queue.waiting()), (2, 1));
        drop(a1);
        assert_eq!(place(&a3), 0);
        drop((b1, a3));
        assert_eq!((queue.running(), queue.waiting()), (0, 0));
        assert_eq!(place(&queue.join(ip(4)).unwrap()), 0);
    }
}
