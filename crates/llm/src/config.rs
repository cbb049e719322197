//! Picking the model from the environment (DESIGN.md §5).
//!
//! | variable | meaning |
//! |---|---|
//! | `REPLICA_LLM` | `none`, `anthropic`, `openai`, `gemini` or `replay`; unset: the first provider whose key is set (Anthropic, OpenAI, Gemini), else none |
//! | `ANTHROPIC_API_KEY`, `OPENAI_API_KEY`, `GEMINI_API_KEY` | the keys |
//! | `OPENAI_BASE_URL` | an OpenAI-compatible server (default `https://api.openai.com/v1`); with `REPLICA_LLM=openai` it needs no key |
//! | `ANTHROPIC_BASE_URL`, `GEMINI_BASE_URL` | proxies in front of those APIs |
//! | `REPLICA_MODEL` | overrides the provider's default model |
//! | `REPLICA_LLM_REPLAY_DIR` | recorded exchanges (default `fixtures/llm`) |
//! | `REPLICA_LLM_SCRIPT` | with `REPLICA_LLM=replay`: play this scripted conversation instead (see [`crate::ScriptedReplay`]) |
//! | `REPLICA_LLM_RECORD` | `1`: save every exchange with the real provider into the replay directory |
//! | `REPLICA_LLM_CONCURRENCY` | calls in flight per clone (default 4) |
//!
//! Empty values count as unset, so `ANTHROPIC_API_KEY=` disables a key.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use replica_core::{ApiKey, LanguageModel, LlmError};
use serde::Serialize;

use crate::{
    Anthropic, AnthropicConfig, DEFAULT_REPLAY_DIR, Gemini, GeminiConfig, OpenAi, OpenAiConfig,
    Recording, Replay, ScriptedReplay,
};

/// Calls in flight per clone unless `REPLICA_LLM_CONCURRENCY` says otherwise: enough to overlap
/// sections, few enough for the lowest rate-limit tiers.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Why the environment does not describe a usable model. Messages name the variable to fix and
/// never contain a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("REPLICA_LLM={value} is not a provider; use none, anthropic, openai, gemini or replay")]
    UnknownProvider { value: String },
    #[error("REPLICA_LLM={provider} needs {variable}{hint}")]
    MissingKey {
        provider: &'static str,
        variable: &'static str,
        hint: &'static str,
    },
    #[error("{variable} is not an http(s) URL: {reason}")]
    InvalidBaseUrl {
        variable: &'static str,
        reason: String,
    },
    #[error("{variable}={value} is not {expected}")]
    InvalidValue {
        variable: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("REPLICA_LLM_RECORD needs a real provider to record from, not {provider}")]
    NothingToRecord { provider: &'static str },
}

/// The provider and its settings.
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderConfig {
    /// No model: stages take their deterministic path.
    None,
    Anthropic(AnthropicConfig),
    OpenAi(OpenAiConfig),
    Gemini(GeminiConfig),
    /// Answers from recorded exchanges in this directory.
    Replay {
        dir: PathBuf,
    },
    /// Plays this scripted conversation, one turn per request.
    Script {
        path: PathBuf,
    },
}

/// Whether a feature works with the configured provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    Yes,
    No,
    /// An OpenAI-compatible server: it depends on the server and the model it runs.
    DependsOnServer,
}

impl fmt::Display for Support {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Support::Yes => "yes",
            Support::No => "no",
            Support::DependsOnServer => "depends on the server",
        })
    }
}

/// What the configured provider can do, for `replica config` and for callers that need tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    pub tool_use: Support,
    pub streaming: Support,
    /// What to know about it, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<&'static str>,
}

impl fmt::Display for Capabilities {
    /// One line: `tool use: yes, streaming: yes`, then the note in parentheses.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tool use: {}, streaming: {}",
            self.tool_use, self.streaming
        )?;
        match self.note {
            Some(note) => write!(f, " ({note})"),
            None => Ok(()),
        }
    }
}

/// What made the choice, so the CLI can say why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChosenBy {
    /// `REPLICA_LLM` named it.
    ReplicaLlm,
    /// `REPLICA_LLM` was unset and this key variable was set.
    Key(&'static str),
    /// Nothing was set.
    Default,
}

/// The model one run of `replica` uses, read from the environment by [`from_env`].
///
/// `Display` is the one line the CLI prints, e.g. `language model: anthropic
/// (claude-sonnet-4-5; ANTHROPIC_API_KEY is set)`; it never includes a key.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectedModel {
    /// The provider and its settings.
    pub provider: ProviderConfig,
    /// Why this provider, for the one-line description.
    pub chosen_by: ChosenBy,
    /// Record every exchange into this directory (`REPLICA_LLM_RECORD`).
    pub record_to: Option<PathBuf>,
    /// Calls in flight per clone; give each run a [`crate::ConcurrencyLimit`] of this size.
    pub concurrency: usize,
}

/// Reads the model choice through `lookup` (pass `|name| std::env::var(name).ok()` for the
/// process environment); pure otherwise, so tests need not touch the real environment.
///
/// | variable | meaning |
/// |---|---|
/// | `REPLICA_LLM` | `none`, `anthropic`, `openai`, `gemini` or `replay`; unset: the first provider whose key is set (Anthropic, OpenAI, Gemini), else none |
/// | `ANTHROPIC_API_KEY`, `OPENAI_API_KEY`, `GEMINI_API_KEY` | the keys |
/// | `OPENAI_BASE_URL` | an OpenAI-compatible server (default `https://api.openai.com/v1`); with `REPLICA_LLM=openai` it needs no key |
/// | `ANTHROPIC_BASE_URL`, `GEMINI_BASE_URL` | proxies in front of those APIs |
/// | `REPLICA_MODEL` | overrides the provider's default model |
/// | `REPLICA_LLM_REPLAY_DIR` | recorded exchanges (default `fixtures/llm`) |
/// | `REPLICA_LLM_SCRIPT` | with `REPLICA_LLM=replay`: play this scripted conversation instead (see [`crate::ScriptedReplay`]) |
/// | `REPLICA_LLM_RECORD` | `1`: save every exchange with the real provider into the replay directory |
/// | `REPLICA_LLM_CONCURRENCY` | calls in flight per clone (default 4) |
///
/// Empty values count as unset, so `ANTHROPIC_API_KEY=` disables a key.
pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<SelectedModel, ConfigError> {
    let get = |name: &str| {
        lookup(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    };

    let explicit = get("REPLICA_LLM").map(|value| value.to_ascii_lowercase());
    let (name, chosen_by) = match explicit.as_deref() {
        Some(name) => (name.to_owned(), ChosenBy::ReplicaLlm),
        None => match ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY"]
            .into_iter()
            .find(|name| get(name).is_some())
        {
            Some("ANTHROPIC_API_KEY") => {
                ("anthropic".to_owned(), ChosenBy::Key("ANTHROPIC_API_KEY"))
            }
            Some("OPENAI_API_KEY") => ("openai".to_owned(), ChosenBy::Key("OPENAI_API_KEY")),
            Some(variable) => ("gemini".to_owned(), ChosenBy::Key(variable)),
            None => ("none".to_owned(), ChosenBy::Default),
        },
    };
    let model = get("REPLICA_MODEL");
    let replay_dir = PathBuf::from(
        get("REPLICA_LLM_REPLAY_DIR").unwrap_or_else(|| DEFAULT_REPLAY_DIR.to_owned()),
    );

    let provider = provider_config(&name, &get, model, &replay_dir)?;
    let record_to = record_to(&get, replay_dir, &provider)?;

    let concurrency = match get("REPLICA_LLM_CONCURRENCY") {
        None => DEFAULT_CONCURRENCY,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|&count| count > 0)
            .ok_or(ConfigError::InvalidValue {
                variable: "REPLICA_LLM_CONCURRENCY",
                value: text,
                expected: "a whole number of at least 1",
            })?,
    };

    Ok(SelectedModel {
        provider,
        chosen_by,
        record_to,
        concurrency,
    })
}

/// The provider called `name` (`REPLICA_LLM` or the one whose key is set), configured from the
/// environment.
fn provider_config(
    name: &str,
    get: &impl Fn(&str) -> Option<String>,
    model: Option<String>,
    replay_dir: &Path,
) -> Result<ProviderConfig, ConfigError> {
    let key = |name: &str| get(name).map(ApiKey::new);
    Ok(match name {
        "none" => ProviderConfig::None,
        "anthropic" => {
            let api_key = key("ANTHROPIC_API_KEY").ok_or(ConfigError::MissingKey {
                provider: "anthropic",
                variable: "ANTHROPIC_API_KEY",
                hint: "",
            })?;
            let mut config = AnthropicConfig::new(api_key);
            config.base_url = base_url(
                &get,
                "ANTHROPIC_BASE_URL",
                AnthropicConfig::DEFAULT_BASE_URL,
            )?;
            config.model = model.unwrap_or(config.model);
            ProviderConfig::Anthropic(config)
        }
        "openai" => {
            let api_key = key("OPENAI_API_KEY");
            let custom_base = get("OPENAI_BASE_URL").is_some();
            if api_key.is_none() && !custom_base {
                return Err(ConfigError::MissingKey {
                    provider: "openai",
                    variable: "OPENAI_API_KEY",
                    hint: " (or OPENAI_BASE_URL for a server that needs no key, such as Ollama)",
                });
            }
            let mut config = OpenAiConfig::new(
                api_key,
                base_url(&get, "OPENAI_BASE_URL", OpenAiConfig::DEFAULT_BASE_URL)?,
            );
            config.model = model.unwrap_or(config.model);
            ProviderConfig::OpenAi(config)
        }
        "gemini" => {
            let api_key = key("GEMINI_API_KEY").ok_or(ConfigError::MissingKey {
                provider: "gemini",
                variable: "GEMINI_API_KEY",
                hint: "",
            })?;
            let mut config = GeminiConfig::new(api_key);
            config.base_url = base_url(&get, "GEMINI_BASE_URL", GeminiConfig::DEFAULT_BASE_URL)?;
            config.model = model.unwrap_or(config.model);
            ProviderConfig::Gemini(config)
        }
        "replay" => match get("REPLICA_LLM_SCRIPT") {
            Some(path) => ProviderConfig::Script {
                path: PathBuf::from(path),
            },
            None => ProviderConfig::Replay {
                dir: replay_dir.to_path_buf(),
            },
        },
        other => {
            return Err(ConfigError::UnknownProvider {
                value: other.to_owned(),
            });
        }
    })
}

/// Where `REPLICA_LLM_RECORD` asks exchanges with `provider` to be recorded, if anywhere.
fn record_to(
    get: &impl Fn(&str) -> Option<String>,
    replay_dir: PathBuf,
    provider: &ProviderConfig,
) -> Result<Option<PathBuf>, ConfigError> {
    let record_to = match get("REPLICA_LLM_RECORD").as_deref() {
        None | Some("0" | "false" | "no") => None,
        Some("1" | "true" | "yes") => Some(replay_dir),
        Some(other) => {
            return Err(ConfigError::InvalidValue {
                variable: "REPLICA_LLM_RECORD",
                value: other.to_owned(),
                expected: "1 or 0",
            });
        }
    };
    if record_to.is_some() {
        match provider {
            ProviderConfig::None => return Err(ConfigError::NothingToRecord { provider: "none" }),
            ProviderConfig::Replay { .. } | ProviderConfig::Script { .. } => {
                return Err(ConfigError::NothingToRecord { provider: "replay" });
            }
            _ => {}
        }
    }
    Ok(record_to)
}

/// The URL in `variable`, checked, without a trailing slash; `default` when unset.
fn base_url(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: &str,
) -> Result<String, ConfigError> {
    let Some(text) = get(variable) else {
        return Ok(default.to_owned());
    };
    // The reason names what is wrong without echoing the value, which may hold credentials.
    let url = url::Url::parse(&text).map_err(|error| ConfigError::InvalidBaseUrl {
        variable,
        reason: error.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::InvalidBaseUrl {
            variable,
            reason: format!("the scheme is {}", url.scheme()),
        });
    }
    Ok(text.trim_end_matches('/').to_owned())
}

/// A base URL for display: no user name, password or query.
fn display_url(text: &str) -> String {
    match url::Url::parse(text) {
        Ok(mut url) => {
            // Both only fail for URLs that cannot have credentials, which then have none.
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.set_query(None);
            url.as_str().trim_end_matches('/').to_owned()
        }
        Err(_) => "(invalid URL)".to_owned(),
    }
}

impl SelectedModel {
    /// `None` when no model is configured; otherwise the provider, recording if asked.
    /// Wrap it per run with [`crate::Limited`] (and [`crate::Metered`] for cost totals).
    pub fn build(&self) -> Result<Option<Arc<dyn LanguageModel>>, LlmError> {
        let model: Arc<dyn LanguageModel> = match &self.provider {
            ProviderConfig::None => return Ok(None),
            ProviderConfig::Anthropic(config) => Arc::new(Anthropic::new(config.clone())?),
            ProviderConfig::OpenAi(config) => Arc::new(OpenAi::new(config.clone())?),
            ProviderConfig::Gemini(config) => Arc::new(Gemini::new(config.clone())?),
            ProviderConfig::Replay { dir } => Arc::new(Replay::new(dir.clone())),
            ProviderConfig::Script { path } => Arc::new(ScriptedReplay::from_file(path)?),
        };
        Ok(Some(match &self.record_to {
            Some(dir) => Arc::new(Recording::new(model, dir.clone())),
            None => model,
        }))
    }

    /// Whether a model is configured at all.
    pub fn is_none(&self) -> bool {
        self.provider == ProviderConfig::None
    }

    /// Whether the provider calls tools and streams. Every provider here speaks both; an
    /// OpenAI-compatible server calls tools only when it and its model are set up for them.
    pub fn capabilities(&self) -> Capabilities {
        let both = |note| Capabilities {
            tool_use: Support::Yes,
            streaming: Support::Yes,
            note,
        };
        match &self.provider {
            ProviderConfig::None => Capabilities {
                tool_use: Support::No,
                streaming: Support::No,
                note: Some("no model is configured"),
            },
            ProviderConfig::OpenAi(config) if config.base_url != OpenAiConfig::DEFAULT_BASE_URL => {
                Capabilities {
                    tool_use: Support::DependsOnServer,
                    streaming: Support::Yes,
                    note: Some(
                        "tools need a server and model that support them: llama.cpp with --jinja, vLLM with --enable-auto-tool-choice and --tool-call-parser, Ollama with a tools model",
                    ),
                }
            }
            ProviderConfig::Anthropic(_)
            | ProviderConfig::OpenAi(_)
            | ProviderConfig::Gemini(_) => both(None),
            ProviderConfig::Replay { .. } => both(Some(
                "recorded answers replayed, each as one delta; tool calls only where recorded",
            )),
            ProviderConfig::Script { .. } => {
                both(Some("the script's turns, a few words per delta"))
            }
        }
    }
}

impl fmt::Display for SelectedModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.chosen_by {
            ChosenBy::ReplicaLlm => String::new(),
            ChosenBy::Key(variable) => format!("; {variable} is set"),
            ChosenBy::Default => String::new(),
        };
        let custom = |base: &str, default: &str| {
            if base == default {
                String::new()
            } else {
                format!(" at {}", display_url(base))
            }
        };
        match &self.provider {
            ProviderConfig::None => write!(
                f,
                "language model: none (offline, deterministic generation)"
            )?,
            ProviderConfig::Anthropic(config) => write!(
                f,
                "language model: anthropic ({}{}{why})",
                config.model,
                custom(&config.base_url, AnthropicConfig::DEFAULT_BASE_URL)
            )?,
            ProviderConfig::OpenAi(config) if config.base_url == OpenAiConfig::DEFAULT_BASE_URL => {
                write!(f, "language model: openai ({}{why})", config.model)?;
            }
            ProviderConfig::OpenAi(config) => write!(
                f,
                "language model: openai-compatible ({} at {}{}{why})",
                config.model,
                display_url(&config.base_url),
                if config.api_key.is_none() {
                    ", no key"
                } else {
                    ""
                }
            )?,
            ProviderConfig::Gemini(config) => write!(
                f,
                "language model: gemini ({}{}{why})",
                config.model,
                custom(&config.base_url, GeminiConfig::DEFAULT_BASE_URL)
            )?,
            ProviderConfig::Replay { dir } => {
                write!(
                    f,
                    "language model: replay (recorded exchanges in {})",
                    dir.display()
                )?;
            }
            ProviderConfig::Script { path } => {
                write!(
                    f,
                    "language model: replay (scripted conversation in {})",
                    path.display()
                )?;
            }
        }
        if let Some(dir) = &self.record_to {
            write!(f, ", recording exchanges to {}", dir.display())?;
        }
        Ok(())
    }
}
