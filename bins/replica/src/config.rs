//! The configuration `replica` runs with (DESIGN.md §5), read once from the environment.

use std::fmt;
use std::path::PathBuf;

use replica_llm::SelectedModel;

use crate::env;

pub struct Config {
    pub model: SelectedModel,
    pub browser: replica_scrape::BrowserConfig,
    pub data_dir: PathBuf,
    pub cache_dir: PathBuf,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Config> {
        let model = replica_llm::from_env(env::lookup)?;
        Ok(Config {
            model,
            browser: replica_scrape::BrowserConfig::from_lookup(env::lookup),
            // Clones belong to the project the user works in, beside it (DESIGN.md §5).
            data_dir: env::lookup("REPLICA_DATA_DIR")
                .map_or_else(|| PathBuf::from("replica-data"), PathBuf::from),
            cache_dir: replica_sandbox_pool::default_cache_dir(env::lookup),
        })
    }

    fn browser_line(&self) -> String {
        match &self.browser.webdriver_url {
            Some(url) => format!("WebDriver at {url} (REPLICA_WEBDRIVER_URL)"),
            None => {
                let driver = self
                    .browser
                    .chromedriver
                    .as_ref()
                    .map(|p| p.display().to_string());
                let chrome = self
                    .browser
                    .chromium
                    .as_ref()
                    .map(|p| p.display().to_string());
                format!(
                    "chromedriver started by replica ({}, browser {})",
                    driver.unwrap_or_else(|| "chromedriver on PATH".into()),
                    chrome.unwrap_or_else(|| "chromium on PATH".into())
                )
            }
        }
    }

    pub fn to_json(&self) -> serde_json::Value {
        let capabilities = self.model.capabilities();
        serde_json::json!({
            "language_model": self.model.to_string(),
            "tool_use": capabilities.tool_use,
            "streaming": capabilities.streaming,
            "browser": self.browser_line(),
            "data_dir": self.data_dir,
            "cache_dir": self.cache_dir,
            // Every variable replica reads, null where unset; secrets only as set.
            "environment": env::VARIABLES
                .iter()
                .map(|variable| (variable.name.to_string(), env::shown_value(variable).into()))
                .collect::<serde_json::Map<String, serde_json::Value>>(),
        })
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.model)?;
        writeln!(f, "{}", self.model.capabilities())?;
        writeln!(f, "browser: {}", self.browser_line())?;
        writeln!(f, "data dir: {}", self.data_dir.display())?;
        writeln!(f, "cache dir: {}", self.cache_dir.display())?;
        writeln!(
            f,
            "\nenvironment (what replica reads; `replica COMMAND --help` says which):"
        )?;
        for variable in env::VARIABLES {
            let value = env::shown_value(variable).unwrap_or_else(|| "-".to_string());
            writeln!(f, "  {:<24} {value}", variable.name)?;
        }
        Ok(())
    }
}
