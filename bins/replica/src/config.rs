//! The configuration `replica` runs with (DESIGN.md §5), read once from the environment.

use std::fmt;
use std::path::PathBuf;

use replica_llm::SelectedModel;

pub struct Config {
    pub model: SelectedModel,
    pub browser: replica_scrape::BrowserConfig,
    pub data_dir: PathBuf,
    pub cache_dir: PathBuf,
}

impl Config {
    pub fn from_env() -> anyhow::Result<Config> {
        let model = replica_llm::from_env(|name| std::env::var(name).ok())?;
        Ok(Config {
            model,
            browser: replica_scrape::BrowserConfig::from_env(),
            // Clones belong to the project the user works in, beside it (DESIGN.md §5).
            data_dir: std::env::var_os("REPLICA_DATA_DIR")
                .filter(|dir| !dir.is_empty())
                .map_or_else(|| PathBuf::from("replica-data"), PathBuf::from),
            cache_dir: replica_sandbox_pool::default_cache_dir(),
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
        })
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.model)?;
        writeln!(f, "{}", self.model.capabilities())?;
        writeln!(f, "browser: {}", self.browser_line())?;
        writeln!(f, "data dir: {}", self.data_dir.display())?;
        writeln!(f, "cache dir: {}", self.cache_dir.display())
    }
}
