//! Recorded exchanges: [`Recording`] saves what a real provider answered, [`Replay`] answers
//! from those files offline, so pipeline tests run their LLM paths without a network.
//!
//! One file per exchange, `<dir>/<key>.json`, holding `{"request": ..., "response": ...}`.
//! The key is the hex SHA-256 of the request's canonical JSON (keys sorted, no whitespace), so
//! it is the same on every run and platform. Images enter the key, and the file, as the SHA-256
//! of their base64 text: fixtures stay small and readable, and the stored request still hashes
//! to the file's name. Tools and tool blocks enter the view only when a request has them, so
//! the keys of plain requests recorded before tools existed still match.
//!
//! Hashing fits one-shot calls whose request is the same on every run. A tool conversation
//! (tool results hold compile output and screenshots) is played by [`crate::ScriptedReplay`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use replica_core::{
    ContentPart, ImageBlock, LanguageModel, LlmError, LlmRequest, LlmResponse, LlmStream, Role,
    StreamEvent, ToolResultPart,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The default directory of recorded exchanges, relative to the workspace root.
pub const DEFAULT_REPLAY_DIR: &str = "fixtures/llm";

/// What one fixture file holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedExchange {
    /// The request as [`request_view`] shows it.
    pub request: Value,
    /// What the provider answered.
    pub response: LlmResponse,
}

/// The request as it is hashed and stored: every field, with each image replaced by its
/// media type, the SHA-256 of its base64 text and that text's length.
pub fn request_view(request: &LlmRequest) -> Value {
    let system: Vec<Value> = request
        .system
        .iter()
        .map(|block| json!({ "text": block.text, "cache": block.cache }))
        .collect();
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|message| {
            let role = match message.role {
                Role::User => "user",
                Role::Assistant => "assistant",
            };
            let content: Vec<Value> = message.content.iter().map(part_view).collect();
            json!({ "role": role, "content": content })
        })
        .collect();
    let temperature = request
        .temperature
        .map_or(Value::Null, crate::temperature_json);
    let mut view = json!({ "system": system, "messages": messages, "max_tokens": request.max_tokens, "temperature": temperature });
    if !request.tools.is_empty() {
        view["tools"] = json!(request.tools);
    }
    view
}

fn part_view(part: &ContentPart) -> Value {
    match part {
        ContentPart::Text { text } => json!({ "type": "text", "text": text }),
        ContentPart::Image(image) => image_view(image),
        // The signature is opaque and differs between runs: it stays out of the key.
        ContentPart::ToolUse(call) => {
            let mut view = json!({ "type": "tool_use", "id": call.id, "name": call.name, "input": call.input });
            if let Some(raw) = &call.invalid_input {
                view["invalid_input"] = json!(raw);
            }
            view
        }
        ContentPart::ToolResult(result) => {
            let content: Vec<Value> = result
                .content
                .iter()
                .map(|part| match part {
                    ToolResultPart::Text { text } => json!({ "type": "text", "text": text }),
                    ToolResultPart::Image(image) => image_view(image),
                })
                .collect();
            json!({ "type": "tool_result", "tool_use_id": result.tool_use_id, "content": content, "is_error": result.is_error })
        }
    }
}

fn image_view(image: &ImageBlock) -> Value {
    json!({
        "type": "image",
        "media_type": image.media_type,
        "sha256": sha256_hex(image.base64.as_bytes()),
        "base64_len": image.base64.len(),
    })
}

/// The stable key of a request: hex SHA-256 of the canonical JSON of [`request_view`].
pub fn request_key(request: &LlmRequest) -> String {
    view_key(&request_view(request))
}

/// The key of an already built view, such as the `request` of a [`RecordedExchange`].
pub fn view_key(view: &Value) -> String {
    let mut canonical = String::new();
    write_canonical(view, &mut canonical);
    sha256_hex(canonical.as_bytes())
}

/// Where the exchange for `key` lives in `dir`.
pub fn exchange_path(dir: &Path, key: &str) -> PathBuf {
    dir.join(format!("{key}.json"))
}

/// JSON with object keys sorted and no whitespace, written by hand so that the key does not
/// depend on whether some other crate turned on serde_json's `preserve_order`.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|left, right| left.0.cmp(right.0));
            out.push('{');
            for (index, (key, value)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            // Writing to a String cannot fail.
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// Answers from recorded exchanges in a directory; a request never recorded is
/// [`LlmError::ReplayMissing`].
#[derive(Debug, Clone)]
pub struct Replay {
    dir: PathBuf,
}

impl Replay {
    /// Answers from `<dir>/<key>.json` files; nothing is read until a call.
    pub fn new(dir: impl Into<PathBuf>) -> Replay {
        Replay { dir: dir.into() }
    }

    /// Where the exchanges are read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    async fn answer(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError> {
        let key = request_key(request);
        let path = exchange_path(&self.dir, &key);
        let bytes = match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Err(LlmError::ReplayMissing {
                    key,
                    dir: self.dir.display().to_string(),
                });
            }
            Err(error) => {
                return Err(LlmError::Other(format!(
                    "could not read {}: {error}",
                    path.display()
                )));
            }
        };
        let exchange: RecordedExchange =
            serde_json::from_slice(&bytes).map_err(|error| LlmError::MalformedResponse {
                provider: "replay".to_owned(),
                message: format!("{}: {error}", path.display()),
            })?;
        Ok(exchange.response)
    }
}

impl LanguageModel for Replay {
    fn name(&self) -> String {
        "replay".to_owned()
    }

    fn stream<'a>(&'a self, request: &'a LlmRequest) -> LlmStream<'a> {
        replica_core::response_stream(self.answer(request))
    }
}

/// Passes calls to a real model and saves each successful exchange into a directory that
/// [`Replay`] can answer from later. Failures are passed on and not recorded.
pub struct Recording {
    inner: Arc<dyn LanguageModel>,
    dir: PathBuf,
}

impl Recording {
    /// Records `inner`'s exchanges into `dir`, creating it when needed.
    pub fn new(inner: Arc<dyn LanguageModel>, dir: impl Into<PathBuf>) -> Recording {
        Recording {
            inner,
            dir: dir.into(),
        }
    }

    async fn record(
        &self,
        request: &LlmRequest,
        response: LlmResponse,
    ) -> Result<LlmResponse, LlmError> {
        let view = request_view(request);
        let path = exchange_path(&self.dir, &view_key(&view));
        let exchange = RecordedExchange {
            request: view,
            response,
        };
        let write_error = |error: &dyn std::fmt::Display| {
            LlmError::Other(format!(
                "could not record the exchange to {}: {error}",
                path.display()
            ))
        };
        let mut text =
            serde_json::to_string_pretty(&exchange).map_err(|error| write_error(&error))?;
        text.push('\n');
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(|error| write_error(&error))?;
        // Write then rename, so a replay never sees half a file.
        let partial = path.with_extension(format!("json.{}.partial", std::process::id()));
        tokio::fs::write(&partial, text)
            .await
            .map_err(|error| write_error(&error))?;
        tokio::fs::rename(&partial, &path)
            .await
            .map_err(|error| write_error(&error))?;
        tracing::debug!(path = %path.display(), "recorded an exchange");
        Ok(exchange.response)
    }
}

impl std::fmt::Debug for Recording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recording")
            .field("inner", &self.inner.name())
            .field("dir", &self.dir)
            .finish()
    }
}

impl LanguageModel for Recording {
    fn name(&self) -> String {
        self.inner.name()
    }

    /// The inner model's events as they come; the exchange is saved when `Done` arrives,
    /// before it is passed on.
    fn stream<'a>(&'a self, request: &'a LlmRequest) -> LlmStream<'a> {
        Box::pin(self.inner.stream(request).then(move |item| async move {
            match item {
                Ok(StreamEvent::Done(response)) => {
                    self.record(request, response).await.map(StreamEvent::Done)
                }
                other => other,
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use replica_core::{ImageBlock, Message, SystemBlock};

    use super::*;

    fn request() -> LlmRequest {
        LlmRequest {
            system: vec![SystemBlock {
                text: "You write JSX.".to_owned(),
                cache: true,
            }],
            messages: vec![Message {
                role: Role::User,
                content: vec![
                    ContentPart::Text {
                        text: "Hero".to_owned(),
                    },
                    ContentPart::Image(ImageBlock {
                        media_type: "image/jpeg".to_owned(),
                        base64: "aGVsbG8=".to_owned(),
                    }),
                ],
            }],
            tools: Vec::new(),
            max_tokens: 100,
            temperature: Some(0.2),
        }
    }

    #[test]
    fn canonical_json_sorts_keys_and_has_no_whitespace() {
        let mut out = String::new();
        write_canonical(
            &json!({ "b": [1, { "z": null, "a": "x\"y" }], "a": 0.5 }),
            &mut out,
        );
        assert_eq!(out, r#"{"a":0.5,"b":[1,{"a":"x\"y","z":null}]}"#);
    }

    #[test]
    fn key_is_pinned() {
        // Changing the view or the canonical form re-keys every fixture; this catches it.
        // Cross-checked with Python: json.dumps(view, sort_keys=True, separators=(",", ":"),
        // ensure_ascii=False), UTF-8, SHA-256.
        assert_eq!(
            request_key(&request()),
            "9b59330901f45f8bc295e54cafb8f9e9f6fa3ef1e4f516be7cdf5b1500ed906f"
        );
    }

    #[test]
    fn key_depends_on_every_field() {
        let base = request_key(&request());
        let mut changed = request();
        changed.temperature = None;
        assert_ne!(request_key(&changed), base);
        let mut changed = request();
        changed.system[0].cache = false;
        assert_ne!(request_key(&changed), base);
        let mut changed = request();
        if let ContentPart::Image(image) = &mut changed.messages[0].content[1] {
            image.base64 = "aGVsbG9v".to_owned();
        }
        assert_ne!(request_key(&changed), base);
        let mut changed = request();
        changed.max_tokens = 101;
        assert_ne!(request_key(&changed), base);
    }

    #[test]
    fn view_stores_the_image_digest_and_short_temperature() {
        let view = request_view(&request());
        assert_eq!(view["temperature"], json!(0.2));
        let image = &view["messages"][0]["content"][1];
        assert_eq!(image["sha256"], json!(sha256_hex(b"aGVsbG8=")));
        assert_eq!(image["base64_len"], json!(8));
        assert!(image.get("base64").is_none());
        assert_eq!(view_key(&view), request_key(&request()));
    }
}
