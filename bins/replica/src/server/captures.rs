//! What the web UI's compare and code views read beyond the files: the captures a clone keeps
//! (the original's, the inspection's and each refine iteration's), a thumbnail for the list of
//! recent clones, and the validator's findings on the stored files.
//!
//! `GET /api/clones/{id}/captures` lists the images with their URLs and scores;
//! `GET /api/clones/{id}/captures/{name}` serves one (`original/desktop.png`,
//! `inspection/mobile/diff.png`, `iteration-02/desktop/target.png`: nothing else of the
//! clone's directory); `GET /api/clones/{id}/thumbnail` is the original's first screen,
//! small; `GET /api/clones/{id}/validation` is `replica validate --json` of the stored files.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use http::header::{self, HeaderValue};
use replica_core::Device;
use replica_pipeline::{CloneId, INSPECTION_DIR};
use serde_json::{Value, json};

use super::Server;
use super::http::{ApiError, ok_json};
use super::routes::{CloneTarget, Shared, blocking, internal};

const DEVICES: [Device; 2] = Device::ALL;
const IMAGES: [&str; 3] = ["base", "target", "diff"];

/// Width of a thumbnail, in pixels (the list shows them at about half that on a 2x screen).
const THUMBNAIL_WIDTH: u32 = 480;

pub fn router() -> Router<std::sync::Arc<Server>> {
    Router::new()
        .route(
            "/api/clones/{id}/captures",
            get(async |State(s): Shared, clone: CloneTarget| s.captures(clone.id).await),
        )
        .route(
            "/api/clones/{id}/captures/{*name}",
            get(
                async |State(s): Shared, clone: CloneTarget, uri: http::Uri| {
                    let name = capture_name(uri.path()).to_string();
                    s.capture(clone.id, name).await
                },
            ),
        )
        .route(
            "/api/clones/{id}/thumbnail",
            get(async |State(s): Shared, clone: CloneTarget| s.thumbnail(clone.id).await),
        )
        .route(
            "/api/clones/{id}/validation",
            get(async |State(s): Shared, clone: CloneTarget| s.validation(clone.id).await),
        )
}

/// What follows `/captures/` in the path.
fn capture_name(path: &str) -> &str {
    path.split_once("/captures/").map_or("", |(_, name)| name)
}

impl Server {
    async fn captures(&self, id: CloneId) -> Result<Response, ApiError> {
        let store = self.deps.store.clone();
        let (summary, dir) = blocking(move || {
            let summary = store.summary_of(&id)?;
            let dir = store.clone_dir(&id)?;
            Ok((summary, dir))
        })
        .await?;
        let base = format!("/api/clones/{}/captures", summary.id);
        let listing = tokio::task::spawn_blocking(move || list_captures(&dir, &base))
            .await
            .map_err(internal)?;
        let mut listing = listing;
        listing["similarity"] = json!(summary.similarity);
        Ok(ok_json(&listing))
    }

    async fn capture(&self, id: CloneId, name: String) -> Result<Response, ApiError> {
        let relative = capture_path(&name).ok_or_else(|| {
            ApiError::not_found(format!(
                "no capture {name:?}: captures are original/{{desktop,mobile}}.png and \
                 {{inspection,iteration-NN}}/{{desktop,mobile}}/{{base,target,diff}}.png"
            ))
        })?;
        let store = self.deps.store.clone();
        let dir = blocking(move || store.clone_dir(&id)).await?;
        let file = dir.join(&relative);
        let bytes = tokio::task::spawn_blocking(move || read_plain_file(&file))
            .await
            .map_err(internal)?
            .ok_or_else(|| ApiError::not_found(format!("the clone has no capture {name:?}")))?;
        Ok(image_response(bytes, "image/png"))
    }

    async fn thumbnail(&self, id: CloneId) -> Result<Response, ApiError> {
        let store = self.deps.store.clone();
        let dir = blocking(move || store.clone_dir(&id)).await?;
        let jpeg = tokio::task::spawn_blocking(move || {
            let png = read_plain_file(&dir.join("scrape/desktop-viewport.png"))?;
            thumbnail_jpeg(&png)
        })
        .await
        .map_err(internal)?
        .ok_or_else(|| ApiError::not_found("the clone has no screenshot of its original yet"))?;
        Ok(image_response(jpeg, "image/jpeg"))
    }

    async fn validation(&self, id: CloneId) -> Result<Response, ApiError> {
        let store = self.deps.store.clone();
        let record = blocking(move || store.get(&id)).await?;
        let report =
            tokio::task::spawn_blocking(move || replica_jsx_validator::validate(&record.files))
                .await
                .map_err(internal)?;
        Ok(ok_json(&serde_json::to_value(&report).map_err(internal)?))
    }
}

fn image_response(bytes: Vec<u8>, content_type: &'static str) -> Response {
    let mut response = Response::new(Body::from(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // A clone's captures are written once; a deleted clone's id is never used again.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// The file under the clone's directory that a capture name stands for; `None` for any other
/// name, so nothing else of the directory can be read through this route.
fn capture_path(name: &str) -> Option<PathBuf> {
    let parts: Vec<&str> = name.split('/').collect();
    match parts[..] {
        ["original", file] => {
            let device = file.strip_suffix(".png")?;
            device_name(device)?;
            Some(PathBuf::from(format!("scrape/{device}-full.png")))
        }
        [run, device, file] => {
            let known_run = run == INSPECTION_DIR || iteration_number(run).is_some();
            let image = file.strip_suffix(".png")?;
            (known_run && device_name(device).is_some() && IMAGES.contains(&image))
                .then(|| PathBuf::from(run).join(device).join(file))
        }
        _ => None,
    }
}

fn device_name(name: &str) -> Option<Device> {
    DEVICES.into_iter().find(|device| device.name() == name)
}

/// `iteration-07` -> 7.
fn iteration_number(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("iteration-")?;
    (digits.len() == 2 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// A regular file's bytes (no symlink followed); `None` when there is none.
fn read_plain_file(path: &Path) -> Option<Vec<u8>> {
    let meta = std::fs::symlink_metadata(path).ok()?;
    meta.is_file().then(|| std::fs::read(path).ok()).flatten()
}

/// The captures in a clone's directory, with their URLs under `base`.
fn list_captures(dir: &Path, base: &str) -> Value {
    let original: serde_json::Map<String, Value> = DEVICES
        .iter()
        .map(|device| {
            let name = device.name();
            let exists = dir.join(format!("scrape/{name}-full.png")).is_file();
            let url = exists.then(|| format!("{base}/original/{name}.png"));
            (name.to_string(), json!(url))
        })
        .collect();
    let mut iterations: Vec<(u32, String)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_string();
            Some((iteration_number(&name)?, name))
        })
        .collect();
    iterations.sort();
    let summary: Value = std::fs::read(dir.join("summary.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(Value::Null);
    let scores = |n: u32| {
        summary["iterations"]
            .as_array()
            .and_then(|all| all.iter().find(|it| it["n"] == n))
            .map_or(Value::Null, |it| it["similarity"].clone())
    };
    let iterations: Vec<Value> = iterations
        .iter()
        .filter_map(|(n, name)| {
            let mut run = run_images(dir, name, base)?;
            run["n"] = json!(n);
            run["similarity"] = scores(*n);
            Some(run)
        })
        .collect();
    let refine = (!iterations.is_empty()).then(|| {
        json!({
            "iterations": iterations,
            "best": summary.get("best"),
            "threshold": summary.get("threshold"),
            "stop_reason": summary.get("stop_reason"),
        })
    });
    json!({
        "original": original,
        "inspection": run_images(dir, INSPECTION_DIR, base),
        "refine": refine,
    })
}

/// `{desktop: {base, target, diff}, mobile: {...}}` of one run's folder, when it has them.
fn run_images(dir: &Path, run: &str, base: &str) -> Option<Value> {
    let mut devices = serde_json::Map::new();
    for device in DEVICES {
        let name = device.name();
        let folder = dir.join(run).join(name);
        if !IMAGES
            .iter()
            .all(|image| folder.join(format!("{image}.png")).is_file())
        {
            continue;
        }
        let urls: serde_json::Map<String, Value> = IMAGES
            .iter()
            .map(|image| {
                (
                    image.to_string(),
                    json!(format!("{base}/{run}/{name}/{image}.png")),
                )
            })
            .collect();
        devices.insert(name.to_string(), Value::Object(urls));
    }
    (!devices.is_empty()).then_some(Value::Object(devices))
}

/// The top of a screenshot, scaled down to [`THUMBNAIL_WIDTH`], as a JPEG.
fn thumbnail_jpeg(png: &[u8]) -> Option<Vec<u8>> {
    let image = image::load_from_memory_with_format(png, image::ImageFormat::Png).ok()?;
    let height = THUMBNAIL_WIDTH * 9 / 16;
    let scaled = image.resize_to_fill(
        THUMBNAIL_WIDTH,
        height,
        image::imageops::FilterType::Triangle,
    );
    let mut jpeg = Vec::new();
    let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80);
    scaled.to_rgb8().write_with_encoder(encoder).ok()?;
    Some(jpeg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_capture_names_reach_the_disk() {
        let cases = [
            ("original/desktop.png", Some("scrape/desktop-full.png")),
            ("original/mobile.png", Some("scrape/mobile-full.png")),
            (
                "inspection/mobile/diff.png",
                Some("inspection/mobile/diff.png"),
            ),
            (
                "iteration-02/desktop/base.png",
                Some("iteration-02/desktop/base.png"),
            ),
            ("original/tablet.png", None),
            ("original/../record.json", None),
            ("inspection/desktop/style-diff.json", None),
            ("inspection/desktop/../../record.json", None),
            ("iteration-2/desktop/base.png", None),
            ("iteration-xx/desktop/base.png", None),
            ("scrape/desktop-full.png", None),
            ("record.json", None),
            ("", None),
        ];
        for (name, expected) in cases {
            assert_eq!(capture_path(name), expected.map(PathBuf::from), "{name:?}");
        }
    }

    #[test]
    fn a_listing_names_what_the_directory_holds() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("scrape")).unwrap();
        std::fs::write(root.join("scrape/desktop-full.png"), b"png").unwrap();
        for run in ["inspection", "iteration-01", "iteration-02"] {
            for device in ["desktop", "mobile"] {
                let folder = root.join(run).join(device);
                std::fs::create_dir_all(&folder).unwrap();
                for image in IMAGES {
                    std::fs::write(folder.join(format!("{image}.png")), b"png").unwrap();
                }
            }
        }
        std::fs::write(
            root.join("summary.json"),
            r#"{"best": 2, "threshold": 0.9, "stop_reason": "threshold reached",
                "iterations": [{"n": 1, "similarity": {"desktop": 0.8, "mobile": 0.7}},
                               {"n": 2, "similarity": {"desktop": 0.95, "mobile": 0.91}}]}"#,
        )
        .unwrap();
        let listing = list_captures(root, "/api/clones/X/captures");
        assert_eq!(
            listing["original"],
            json!({"desktop": "/api/clones/X/captures/original/desktop.png", "mobile": null})
        );
        assert_eq!(
            listing["inspection"]["mobile"]["diff"],
            "/api/clones/X/captures/inspection/mobile/diff.png"
        );
        let iterations = listing["refine"]["iterations"].as_array().unwrap();
        assert_eq!(iterations.len(), 2);
        assert_eq!(iterations[1]["n"], 2);
        assert_eq!(iterations[1]["similarity"]["mobile"], 0.91);
        assert_eq!(
            iterations[0]["desktop"]["target"],
            "/api/clones/X/captures/iteration-01/desktop/target.png"
        );
        assert_eq!(listing["refine"]["best"], 2);

        let empty = tempfile::tempdir().unwrap();
        let listing = list_captures(empty.path(), "/x");
        assert_eq!(listing["inspection"], Value::Null);
        assert_eq!(listing["refine"], Value::Null);
    }

    #[test]
    fn a_thumbnail_is_a_small_jpeg_of_the_top_of_the_page() {
        let shot = image::RgbaImage::from_pixel(1280, 720, image::Rgba([20, 40, 200, 255]));
        let mut png = Vec::new();
        shot.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let jpeg = thumbnail_jpeg(&png).unwrap();
        let decoded = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (480, 270));
        assert!(thumbnail_jpeg(b"not a png").is_none());
    }
}
