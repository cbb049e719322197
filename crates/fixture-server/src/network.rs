//! Stand-ins for the network around a policy proxy, all on loopback: names answered from a
//! table, "public" addresses routed to loopback servers, and a private target that counts
//! every connection it receives.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use replica_core::BoxFuture;
use replica_proxy::{Network, Upstream};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Names answer what the table says (each lookup takes the next answer, the last repeating);
/// connections to a routed address go to its loopback server, whatever the port; connections
/// to loopback and unspecified addresses go where the kernel sends them (loopback), so a
/// policy that let one through is seen by the server there; any other connection is refused
/// and remembered. Nothing here reaches beyond the machine.
#[derive(Debug, Default)]
pub struct FakeNetwork {
    names: Mutex<HashMap<String, Vec<Vec<IpAddr>>>>,
    routes: HashMap<IpAddr, SocketAddr>,
    lookups: Mutex<Vec<String>>,
    unrouted: Mutex<Vec<SocketAddr>>,
}

impl FakeNetwork {
    /// `name` answers `answers[0]` first, then `answers[1]`, ... the last one from then on.
    pub fn name(self, name: &str, answers: &[&[&str]]) -> FakeNetwork {
        let answers = answers
            .iter()
            .map(|addrs| {
                addrs
                    .iter()
                    .map(|a| a.parse().expect("an IP address"))
                    .collect()
            })
            .collect();
        if let Ok(mut names) = self.names.lock() {
            names.insert(name.to_string(), answers);
        }
        self
    }

    /// Connections to `public` (any port) reach `to`.
    pub fn route(mut self, public: &str, to: SocketAddr) -> FakeNetwork {
        self.routes
            .insert(public.parse().expect("an IP address"), to);
        self
    }

    /// Names looked up so far, in order.
    pub fn lookups(&self) -> Vec<String> {
        self.lookups.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Connections asked for that went nowhere (neither routed nor loopback).
    pub fn unrouted(&self) -> Vec<SocketAddr> {
        self.unrouted.lock().map(|u| u.clone()).unwrap_or_default()
    }
}

impl Network for FakeNetwork {
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>> {
        Box::pin(async move {
            if let Ok(mut lookups) = self.lookups.lock() {
                lookups.push(host.to_string());
            }
            let mut names = self
                .names
                .lock()
                .map_err(|_| io::Error::other("poisoned"))?;
            let answers = names
                .get_mut(host)
                .filter(|answers| !answers.is_empty())
                .ok_or_else(|| io::Error::other(format!("{host}: no such name")))?;
            Ok(if answers.len() > 1 {
                answers.remove(0)
            } else {
                answers[0].clone()
            })
        })
    }

    fn connect(&self, addr: SocketAddr) -> BoxFuture<'_, io::Result<Box<dyn Upstream>>> {
        Box::pin(async move {
            let ip = addr.ip().to_canonical();
            let to = match self.routes.get(&addr.ip()) {
                Some(to) => *to,
                None if ip.is_loopback() || ip.is_unspecified() => addr,
                None => {
                    if let Ok(mut unrouted) = self.unrouted.lock() {
                        unrouted.push(addr);
                    }
                    return Err(io::Error::from(io::ErrorKind::ConnectionRefused));
                }
            };
            let stream = tokio::net::TcpStream::connect(to).await?;
            Ok(Box::new(stream) as Box<dyn Upstream>)
        })
    }
}

/// A server that plays the private target: it listens on one port of both 127.0.0.1 and
/// [::1], counts every connection (whatever protocol comes over it) and answers HTTP with a
/// secret. A policy that works keeps the count at zero.
#[derive(Debug)]
pub struct PrivateTarget {
    port: u16,
    connections: Arc<AtomicUsize>,
    tasks: Vec<JoinHandle<()>>,
}

impl PrivateTarget {
    pub async fn start() -> io::Result<PrivateTarget> {
        // Both loopback addresses on one port: the first free port of 127.0.0.1 that is also
        // free on [::1].
        for _ in 0..20 {
            let v4 = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
            let port = v4.local_addr()?.port();
            let Ok(v6) = TcpListener::bind((Ipv6Addr::LOCALHOST, port)).await else {
                continue;
            };
            let connections = Arc::new(AtomicUsize::new(0));
            let tasks = [v4, v6]
                .into_iter()
                .map(|listener| tokio::spawn(count_and_answer(listener, Arc::clone(&connections))))
                .collect();
            return Ok(PrivateTarget {
                port,
                connections,
                tasks,
            });
        }
        Err(io::Error::other("no port free on both 127.0.0.1 and [::1]"))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Connections received so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for PrivateTarget {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn count_and_answer(listener: TcpListener, connections: Arc<AtomicUsize>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        connections.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(async move {
            let _ = stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nSECRET",
                )
                .await;
        });
    }
}
