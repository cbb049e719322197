use std::collections::HashMap;
use std::path::PathBuf;

use replica_core::ApiKey;
use replica_llm::{
    ChosenBy, ConfigError, ProviderConfig, SelectedModel, Support, TokenLimitField, from_env,
};

use crate::support::KEY;

fn select(vars: &[(&str, &str)]) -> Result<SelectedModel, ConfigError> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    from_env(|name| vars.get(name).cloned())
}

fn describe(vars: &[(&str, &str)]) -> String {
    select(vars).expect("valid configuration").to_string()
}

#[test]
fn nothing_set_is_none() {
    let selected = select(&[]).expect("valid");
    assert_eq!(selected.provider, ProviderConfig::None);
    assert_eq!(selected.chosen_by, ChosenBy::Default);
    assert!(selected.is_none());
    assert_eq!(
        selected.to_string(),
        "language model: none (offline, deterministic generation)"
    );
    assert!(selected.build().expect("builds").is_none());
}

#[test]
fn a_key_picks_its_provider_in_order() {
    assert_eq!(
        describe(&[("ANTHROPIC_API_KEY", KEY)]),
        "language model: anthropic (claude-sonnet-4-5; ANTHROPIC_API_KEY is set)"
    );
    assert_eq!(
        describe(&[
            ("GEMINI_API_KEY", KEY),
            ("OPENAI_API_KEY", KEY),
            ("ANTHROPIC_API_KEY", KEY)
        ]),
        "language model: anthropic (claude-sonnet-4-5; ANTHROPIC_API_KEY is set)"
    );
    assert_eq!(
        describe(&[("GEMINI_API_KEY", KEY), ("OPENAI_API_KEY", KEY)]),
        "language model: openai (gpt-4.1; OPENAI_API_KEY is set)"
    );
    assert_eq!(
        describe(&[("GEMINI_API_KEY", KEY)]),
        "language model: gemini (gemini-2.5-flash; GEMINI_API_KEY is set)"
    );
    let selected = select(&[("GEMINI_API_KEY", KEY)]).expect("valid");
    assert_eq!(selected.chosen_by, ChosenBy::Key("GEMINI_API_KEY"));
}

#[test]
fn empty_values_count_as_unset() {
    assert_eq!(
        describe(&[
            ("ANTHROPIC_API_KEY", ""),
            ("OPENAI_API_KEY", "  "),
            ("REPLICA_LLM", "")
        ]),
        describe(&[])
    );
}

#[test]
fn replica_llm_decides_over_keys() {
    assert_eq!(
        describe(&[("REPLICA_LLM", "none"), ("ANTHROPIC_API_KEY", KEY)]),
        describe(&[])
    );
    assert_eq!(
        describe(&[
            ("REPLICA_LLM", " Gemini "),
            ("ANTHROPIC_API_KEY", KEY),
            ("GEMINI_API_KEY", KEY)
        ]),
        "language model: gemini (gemini-2.5-flash)"
    );
    let selected =
        select(&[("REPLICA_LLM", "anthropic"), ("ANTHROPIC_API_KEY", KEY)]).expect("valid");
    assert_eq!(selected.chosen_by, ChosenBy::ReplicaLlm);
    match selected.provider {
        ProviderConfig::Anthropic(config) => {
            assert_eq!(config.api_key, ApiKey::new(KEY));
            assert_eq!(config.base_url, "https://api.anthropic.com");
        }
        other => panic!("expected anthropic, got {other:?}"),
    }
}

#[test]
fn a_named_provider_without_its_key_is_an_error_naming_the_variable() {
    let error = select(&[("REPLICA_LLM", "anthropic"), ("OPENAI_API_KEY", KEY)])
        .expect_err("no anthropic key");
    assert_eq!(
        error.to_string(),
        "REPLICA_LLM=anthropic needs ANTHROPIC_API_KEY"
    );
    let error = select(&[("REPLICA_LLM", "gemini")]).expect_err("no gemini key");
    assert_eq!(error.to_string(), "REPLICA_LLM=gemini needs GEMINI_API_KEY");
    let error = select(&[("REPLICA_LLM", "openai")]).expect_err("no openai key");
    assert_eq!(
        error.to_string(),
        "REPLICA_LLM=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a server that needs no key, such as Ollama)"
    );
}

#[test]
fn openai_compatible_server_without_a_key() {
    let vars = [
        ("REPLICA_LLM", "openai"),
        ("OPENAI_BASE_URL", "http://localhost:11434/v1/"),
        ("REPLICA_MODEL", "llama3.1"),
    ];
    let selected = select(&vars).expect("valid");
    match &selected.provider {
        ProviderConfig::OpenAi(config) => {
            assert_eq!(config.api_key, None);
            assert_eq!(config.base_url, "http://localhost:11434/v1");
            assert_eq!(config.model, "llama3.1");
            assert_eq!(config.token_limit_field, TokenLimitField::MaxTokens);
        }
        other => panic!("expected openai, got {other:?}"),
    }
    assert_eq!(
        selected.to_string(),
        "language model: openai-compatible (llama3.1 at http://localhost:11434/v1, no key)"
    );
    assert_eq!(
        selected.build().expect("builds").expect("a model").name(),
        "openai/llama3.1"
    );
}

#[test]
fn official_openai_uses_max_completion_tokens() {
    match select(&[("OPENAI_API_KEY", KEY)]).expect("valid").provider {
        ProviderConfig::OpenAi(config) => {
            assert_eq!(config.base_url, "https://api.openai.com/v1");
            assert_eq!(
                config.token_limit_field,
                TokenLimitField::MaxCompletionTokens
            );
        }
        other => panic!("expected openai, got {other:?}"),
    }
}

#[test]
fn replica_model_overrides_the_default() {
    assert_eq!(
        describe(&[
            ("ANTHROPIC_API_KEY", KEY),
            ("REPLICA_MODEL", "claude-opus-4-1")
        ]),
        "language model: anthropic (claude-opus-4-1; ANTHROPIC_API_KEY is set)"
    );
    let selected =
        select(&[("GEMINI_API_KEY", KEY), ("REPLICA_MODEL", "gemini-2.5-pro")]).expect("valid");
    assert_eq!(
        selected.build().expect("builds").expect("a model").name(),
        "gemini/gemini-2.5-pro"
    );
}

#[test]
fn base_urls_are_checked_and_shown_without_credentials() {
    let error = select(&[
        ("ANTHROPIC_API_KEY", KEY),
        ("ANTHROPIC_BASE_URL", "not a url"),
    ])
    .expect_err("bad url");
    assert!(
        matches!(
            error,
            ConfigError::InvalidBaseUrl {
                variable: "ANTHROPIC_BASE_URL",
                ..
            }
        ),
        "{error:?}"
    );
    let error = select(&[
        ("GEMINI_API_KEY", KEY),
        ("GEMINI_BASE_URL", "ftp://example.com"),
    ])
    .expect_err("bad scheme");
    assert_eq!(
        error.to_string(),
        "GEMINI_BASE_URL is not an http(s) URL: the scheme is ftp"
    );

    let vars = [
        ("REPLICA_LLM", "openai"),
        ("OPENAI_API_KEY", KEY),
        (
            "OPENAI_BASE_URL",
            "https://user:hunter2@proxy.example/v1?token=abc",
        ),
    ];
    let line = describe(&vars);
    assert_eq!(
        line,
        "language model: openai-compatible (gpt-4.1 at https://proxy.example/v1)"
    );
    assert_eq!(
        describe(&[
            ("ANTHROPIC_API_KEY", KEY),
            ("ANTHROPIC_BASE_URL", "http://127.0.0.1:8080/")
        ]),
        "language model: anthropic (claude-sonnet-4-5 at http://127.0.0.1:8080; ANTHROPIC_API_KEY is set)"
    );
}

#[test]
fn unknown_provider_is_an_error() {
    let error = select(&[("REPLICA_LLM", "claude")]).expect_err("unknown");
    assert_eq!(
        error.to_string(),
        "REPLICA_LLM=claude is not a provider; use none, anthropic, openai, gemini or replay"
    );
}

#[test]
fn replay_reads_its_directory() {
    let selected = select(&[("REPLICA_LLM", "replay"), ("ANTHROPIC_API_KEY", KEY)]).expect("valid");
    assert_eq!(
        selected.provider,
        ProviderConfig::Replay {
            dir: PathBuf::from("fixtures/llm")
        }
    );
    assert_eq!(
        selected.to_string(),
        "language model: replay (recorded exchanges in fixtures/llm)"
    );
    let selected = select(&[
        ("REPLICA_LLM", "replay"),
        ("REPLICA_LLM_REPLAY_DIR", "/tmp/exchanges"),
    ])
    .expect("valid");
    assert_eq!(
        selected.provider,
        ProviderConfig::Replay {
            dir: PathBuf::from("/tmp/exchanges")
        }
    );
    assert_eq!(
        selected.build().expect("builds").expect("a model").name(),
        "replay"
    );
}

#[test]
fn recording_wraps_a_real_provider() {
    let selected =
        select(&[("ANTHROPIC_API_KEY", KEY), ("REPLICA_LLM_RECORD", "1")]).expect("valid");
    assert_eq!(selected.record_to, Some(PathBuf::from("fixtures/llm")));
    assert_eq!(
        selected.to_string(),
        "language model: anthropic (claude-sonnet-4-5; ANTHROPIC_API_KEY is set), recording exchanges to fixtures/llm"
    );
    assert_eq!(
        selected.build().expect("builds").expect("a model").name(),
        "anthropic/claude-sonnet-4-5"
    );

    assert_eq!(
        select(&[("REPLICA_LLM_RECORD", "0")])
            .expect("valid")
            .record_to,
        None
    );
    let error = select(&[("REPLICA_LLM", "replay"), ("REPLICA_LLM_RECORD", "1")])
        .expect_err("nothing to record");
    assert_eq!(
        error.to_string(),
        "REPLICA_LLM_RECORD needs a real provider to record from, not replay"
    );
    let error = select(&[("REPLICA_LLM_RECORD", "yes")]).expect_err("nothing to record");
    assert_eq!(error, ConfigError::NothingToRecord { provider: "none" });
    let error = select(&[("ANTHROPIC_API_KEY", KEY), ("REPLICA_LLM_RECORD", "sure")])
        .expect_err("bad value");
    assert_eq!(error.to_string(), "REPLICA_LLM_RECORD=sure is not 1 or 0");
}

#[test]
fn concurrency_defaults_and_overrides() {
    assert_eq!(
        select(&[]).expect("valid").concurrency,
        replica_llm::DEFAULT_CONCURRENCY
    );
    assert_eq!(
        select(&[("REPLICA_LLM_CONCURRENCY", "8")])
            .expect("valid")
            .concurrency,
        8
    );
    for bad in ["0", "many", "-1"] {
        let error = select(&[("REPLICA_LLM_CONCURRENCY", bad)]).expect_err("invalid");
        assert!(
            error
                .to_string()
                .starts_with(&format!("REPLICA_LLM_CONCURRENCY={bad} is not")),
            "{error}"
        );
    }
}

#[test]
fn keys_never_show_in_debug_or_display() {
    for vars in [
        vec![("ANTHROPIC_API_KEY", KEY)],
        vec![("OPENAI_API_KEY", KEY)],
        vec![("GEMINI_API_KEY", KEY)],
        vec![
            ("REPLICA_LLM", "openai"),
            ("OPENAI_API_KEY", KEY),
            ("OPENAI_BASE_URL", "http://localhost:8000/v1"),
        ],
    ] {
        let selected = select(&vars).expect("valid");
        assert!(!selected.to_string().contains(KEY), "{selected}");
        assert!(!format!("{selected:?}").contains(KEY), "{selected:?}");
        let model = selected.build().expect("builds").expect("a model");
        assert!(!model.name().contains(KEY));
    }
}

#[test]
fn capabilities_say_whether_tools_and_streaming_work() {
    let line = |vars: &[(&str, &str)]| {
        select(vars)
            .expect("valid configuration")
            .capabilities()
            .to_string()
    };
    assert_eq!(
        line(&[]),
        "tool use: no, streaming: no (no model is configured)"
    );
    for key in ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY"] {
        assert_eq!(
            line(&[(key, KEY)]),
            "tool use: yes, streaming: yes",
            "{key}"
        );
    }
    let local = select(&[
        ("REPLICA_LLM", "openai"),
        ("OPENAI_BASE_URL", "http://localhost:8080/v1"),
    ])
    .expect("valid")
    .capabilities();
    assert_eq!(local.tool_use, Support::DependsOnServer);
    assert_eq!(local.streaming, Support::Yes);
    assert!(
        local.to_string().starts_with(
            "tool use: depends on the server, streaming: yes (tools need a server and model that support them: llama.cpp with --jinja"
        ),
        "{local}"
    );
    assert_eq!(
        serde_json::to_value(local).expect("serializes")["tool_use"],
        "depends_on_server"
    );
    assert!(
        line(&[("REPLICA_LLM", "replay")])
            .starts_with("tool use: yes, streaming: yes (recorded answers")
    );
}
