//! What a clone runs on, built once from the configuration: the browser, the sandboxes, the
//! model and the clone store, as the pipeline's [`PipelineDeps`].

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use replica_core::{
    BoxFuture, BoxStream, PageSource, SandboxProvider, ScrapeData, ScrapeError, ScrapeOptions,
    UrlPolicy,
};
use replica_pipeline::{CloneStore, PipelineDeps};
use replica_sandbox_pool::{
    DaytonaConfig, DaytonaProvider, LocalConfig, LocalProvider, PoolConfig, ReleasePolicy,
    SandboxPool, install_template,
};
use replica_scrape::{Browser, BrowserConfig};

use crate::config::Config;

/// How sandboxes are handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sandboxes {
    /// None: files only.
    Off,
    /// One provisioned per clone, while its scrape runs (the CLI: one clone per process).
    PerClone,
    /// A pool keeping `REPLICA_POOL_SIZE` (default 1) warm ahead of time (the server).
    Pool,
}

/// The running dependencies; [`Runtime::shutdown`] stops them.
pub struct Runtime {
    pub deps: PipelineDeps,
    pub pool: Option<Arc<SandboxPool>>,
    /// Where local sandboxes live (for disk use and retention); `None` for Daytona.
    pub sandboxes_dir: Option<std::path::PathBuf>,
    browser: Arc<Browsers>,
}

impl Runtime {
    /// Starts the browser and the sandbox provider (installing the Next.js template into the
    /// cache when it is missing). `policy` is the URL policy of the pages users ask for.
    pub async fn start(
        config: &Config,
        policy: UrlPolicy,
        sandboxes: Sandboxes,
    ) -> anyhow::Result<Runtime> {
        let store = CloneStore::open(&config.data_dir)
            .with_context(|| format!("opening the clone store in {}", config.data_dir.display()))?;
        let model = config.model.build()?;
        let (provider, sandboxes_dir) = match sandboxes {
            Sandboxes::Off => (None, None),
            Sandboxes::PerClone | Sandboxes::Pool => {
                let (provider, dir) = provider(config).await?;
                (Some(provider), dir)
            }
        };
        let pool = match (sandboxes, provider.clone()) {
            (Sandboxes::Pool, Some(provider)) => {
                let size = crate::env::lookup("REPLICA_POOL_SIZE")
                    .map(|size| {
                        size.trim()
                            .parse::<usize>()
                            .with_context(|| format!("REPLICA_POOL_SIZE={size:?} is not a number"))
                    })
                    .transpose()?
                    .unwrap_or(1);
                Some(Arc::new(SandboxPool::new(
                    provider,
                    PoolConfig {
                        size,
                        release: ReleasePolicy::Destroy,
                        replenish_delay: PoolConfig::DEFAULT_REPLENISH_DELAY,
                    },
                )))
            }
            _ => None,
        };
        let sandboxes: Option<Arc<dyn SandboxProvider>> = match &pool {
            Some(pool) => Some(Arc::clone(pool) as Arc<dyn SandboxProvider>),
            None => provider,
        };
        let browser = Arc::new(Browsers {
            config: config.browser.clone(),
            current: tokio::sync::RwLock::new(Arc::new(Browser::launch(&config.browser).await?)),
        });
        let deps = PipelineDeps {
            source: Arc::clone(&browser) as _,
            sandboxes,
            model,
            store,
            scrape_options: ScrapeOptions {
                policy,
                ..ScrapeOptions::default()
            },
            localize_assets: true,
            compile_timeout: Duration::from_secs(30),
            preview_routes: None,
        };
        Ok(Runtime {
            deps,
            pool,
            sandboxes_dir,
            browser,
        })
    }

    /// The browser the clones scrape with, for other work of the same process (screenshots).
    pub async fn browser(&self) -> Result<Arc<Browser>, ScrapeError> {
        self.browser.current().await
    }

    /// Destroys the warm sandboxes and stops the browser.
    pub async fn shutdown(self) {
        let Runtime {
            deps,
            pool,
            browser,
            ..
        } = self;
        drop(deps);
        if let Some(pool) = pool.and_then(|pool| Arc::try_unwrap(pool).ok())
            && let Err(error) = pool.shutdown().await
        {
            tracing::warn!("stopping the sandbox pool: {error}");
        }
        if let Ok(browsers) = Arc::try_unwrap(browser)
            && let Ok(browser) = Arc::try_unwrap(browsers.current.into_inner())
        {
            browser.shutdown().await;
        }
    }
}

/// REPLICA_SANDBOX: `local` (default) or `daytona`; with the local sandboxes' directory.
async fn provider(
    config: &Config,
) -> anyhow::Result<(Arc<dyn SandboxProvider>, Option<std::path::PathBuf>)> {
    let choice = crate::env::lookup("REPLICA_SANDBOX").unwrap_or_default();
    match choice.trim() {
        "" | "local" => {
            let cache = config.cache_dir.clone();
            let template = tokio::task::spawn_blocking(move || install_template(&cache))
                .await?
                .context("installing the Next.js template (npm) into the cache")?;
            let mut local = LocalConfig::new(template);
            if let Some(dir) = crate::env::lookup("REPLICA_SANDBOXES_DIR") {
                local.sandboxes_dir = dir.into();
            }
            let dir = local.sandboxes_dir.clone();
            Ok((Arc::new(LocalProvider::new(local)), Some(dir)))
        }
        "daytona" => {
            let daytona = DaytonaConfig::from_env(crate::env::lookup)?;
            Ok((Arc::new(DaytonaProvider::new(daytona)?), None))
        }
        other => anyhow::bail!("REPLICA_SANDBOX={other:?}: expected local or daytona"),
    }
}

/// The browser a long-running process scrapes with, started again when its chromedriver is
/// gone (killed, crashed): a dead driver fails the scrapes it was running (`error{stage:
/// scrape}`), not every clone after them.
pub struct Browsers {
    config: BrowserConfig,
    current: tokio::sync::RwLock<Arc<Browser>>,
}

impl Browsers {
    async fn current(&self) -> Result<Arc<Browser>, ScrapeError> {
        let browser = Arc::clone(&*self.current.read().await);
        if driver_alive(&browser) {
            return Ok(browser);
        }
        let mut current = self.current.write().await;
        if !driver_alive(&current) {
            tracing::warn!("the browser's chromedriver is gone; starting a new one");
            // The old one is dropped (with its temp files) once its last scrape lets go.
            *current = Arc::new(Browser::launch(&self.config).await?);
        }
        Ok(Arc::clone(&current))
    }
}

/// A chromedriver of our own whose process group has no live process is dead; a WebDriver
/// server given by REPLICA_WEBDRIVER_URL is someone else's to keep alive.
fn driver_alive(browser: &Browser) -> bool {
    browser
        .process_group()
        .is_none_or(|group| !replica_sandbox_pool::processes_in_group(group).is_empty())
}

impl PageSource for Browsers {
    fn scrape<'a>(
        &'a self,
        url: &'a str,
        options: &'a ScrapeOptions,
    ) -> BoxFuture<'a, Result<ScrapeData, ScrapeError>> {
        Box::pin(async move { self.current().await?.scrape(url, options).await })
    }

    fn scrape_series<'a>(
        &'a self,
        urls: Vec<String>,
        options: &'a ScrapeOptions,
        lanes: usize,
    ) -> BoxStream<'a, Result<ScrapeData, ScrapeError>> {
        use futures_util::StreamExt;
        let browser = futures_util::stream::once(self.current());
        Box::pin(browser.flat_map(move |browser| {
            match browser {
                Ok(browser) => browser.scrape_series(urls.clone(), options, lanes),
                // Each page says why it could not be scraped.
                Err(_) => Box::pin(
                    futures_util::stream::iter(urls.clone())
                        .then(move |url| async move { self.scrape(&url, options).await }),
                ),
            }
        }))
    }
}

/// What agent sessions run on, from the same parts as clones (the server's pool and browser,
/// the CLI's own).
pub fn agent_deps(deps: &PipelineDeps, config: &Config) -> replica_pipeline::AgentDeps {
    let images = config.model.capabilities().tool_use != replica_llm::Support::DependsOnServer;
    replica_pipeline::AgentDeps {
        project: replica_pipeline::ProjectDeps {
            store: deps.store.clone(),
            sandboxes: deps.sandboxes.clone(),
            source: Some(Arc::clone(&deps.source)),
            scrape_options: deps.scrape_options.clone(),
            compile: replica_pipeline::CompileCheckConfig {
                log_timeout: deps.compile_timeout,
                ..replica_pipeline::CompileCheckConfig::default()
            },
            preview_routes: deps.preview_routes.clone(),
        },
        model: deps.model.clone(),
        config: replica_agent::AgentConfig {
            // An OpenAI-compatible server may run a model without vision: text only there.
            images,
            ..replica_agent::AgentConfig::default()
        },
        max_message_bytes: MAX_MESSAGE_BYTES,
    }
}

/// The largest chat message or prompt accepted (413 beyond on the server).
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024;
