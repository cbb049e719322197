//! What the benchmarks that run a real `replica serve` share.

use std::time::Duration;

use tokio::io::AsyncBufReadExt;

/// Waits for the server's `listening on` line (its start includes the browser and the first
/// warm sandbox) and returns its base URL; its stderr is drained from then on.
pub async fn listening(server: &mut tokio::process::Child) -> String {
    let mut lines = tokio::io::BufReader::new(server.stderr.take().unwrap()).lines();
    let base = tokio::time::timeout(Duration::from_secs(180), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(addr) = line.strip_prefix("listening on ") {
                return addr.to_string();
            }
        }
        panic!("replica serve exited before listening");
    })
    .await
    .expect("replica serve listening within 180 s");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    base
}
