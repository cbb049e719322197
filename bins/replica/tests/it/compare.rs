//! `replica compare URL_A URL_B`: similarity per device, the files it writes, and its errors.

use std::path::Path;

use replica_fixture_server::FixtureServer;

use crate::sites;

async fn compare(args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_replica"))
        .arg("compare")
        .args(args)
        .output()
        .await
        .unwrap()
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let png = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && &png[12..16] == b"IHDR",
        "{} is not a PNG",
        path.display()
    );
    let number = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (number(16), number(20))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_against_itself_is_identical_at_both_devices() {
    let server = FixtureServer::start(sites()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = server.url("/one-block/index.html");
    let output = compare(&[&url, &url, "--json", "--out", dir.path().to_str().unwrap()]).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("one JSON object on stdout");
    for device in ["desktop", "mobile"] {
        let result = &json[device];
        assert_eq!(result["similarity"], 1.0, "{device}: {result}");
        assert_eq!(result["different_pixels"], 0, "{device}");
        assert!(
            result["total_pixels"].as_u64().unwrap() > 1_000_000,
            "{device}"
        );
        assert_eq!(result["style_differences"], 0, "{device}");
        assert_eq!(result["style_summary"]["missing"], 0, "{device}");
        let style: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.path().join(device).join("style-diff.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(style["device"], device);
        assert_eq!(style["elements"], serde_json::json!([]));
    }
    assert_eq!(json["out_dir"], dir.path().display().to_string());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn different_pages_score_below_one_and_every_file_is_written() {
    let server = FixtureServer::start(sites()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nested/out");
    let output = compare(&[
        &server.url("/landing/index.html"),
        &server.url("/dark/index.html"),
        "--out",
        out.to_str().unwrap(),
    ])
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // One line per device with the similarity to four decimals, then the worst differences.
    for device in ["desktop", "mobile"] {
        let line = stdout
            .lines()
            .find(|line| line.starts_with(device))
            .unwrap_or_else(|| panic!("no {device} line in:\n{stdout}"));
        let similarity = line
            .split_whitespace()
            .nth(2)
            .unwrap_or_else(|| panic!("{line}"));
        assert_eq!(similarity.len(), 6, "four decimals: {line}");
        let similarity: f64 = similarity.parse().unwrap();
        assert!((0.0..1.0).contains(&similarity), "{line}");
        assert!(
            stdout.contains(&format!(
                "most severe style differences ({device}):\n  high "
            )),
            "{stdout}"
        );
        let files = out.join(device);
        let pixel_width = if device == "desktop" { 1280 } else { 750 };
        let (base, target, diff) = (
            png_size(&files.join("base.png")),
            png_size(&files.join("target.png")),
            png_size(&files.join("diff.png")),
        );
        assert_eq!(
            (base.0, target.0, diff.0),
            (pixel_width, pixel_width, pixel_width)
        );
        // The diff covers the taller page.
        assert_eq!(diff.1, base.1.max(target.1), "{device}");
        let style: serde_json::Value =
            serde_json::from_slice(&std::fs::read(files.join("style-diff.json")).unwrap()).unwrap();
        assert_eq!(style["device"], device);
        assert!(style["summary"]["high"].as_u64().unwrap() > 0, "{device}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_cannot_be_scraped_is_an_error() {
    let server = FixtureServer::start(sites()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = compare(&[
        &server.url("/one-block/index.html"),
        &server.url("/_status/404"),
        "--out",
        dir.path().to_str().unwrap(),
    ])
    .await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: scraping http://") && stderr.contains("answered HTTP 404"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    // Nothing half-written.
    assert!(!dir.path().join("desktop").exists());
}
