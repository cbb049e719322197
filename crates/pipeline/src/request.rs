//! What a clone is asked to do, what it needs, and what it hands back.

use std::sync::Arc;
use std::time::Duration;

use replica_core::{
    Lang, LanguageModel, OutputStyle, PageResult, PageSource, ProjectFiles, Sandbox,
    SandboxProvider, ScrapeData, ScrapeOptions, SimilarityScores, StepTimings,
};
use serde::{Deserialize, Serialize};

use crate::{CloneId, CloneStore};

/// Who writes the components.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeneratorKind {
    /// The deterministic compiler: offline, same input same output.
    #[default]
    Compile,
    /// The configured language model; sections it fails fall back to the compiler.
    Llm,
}

/// One clone: the URL and the options of `replica clone` / `POST /clone/stream`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloneRequest {
    pub url: String,
    #[serde(default)]
    pub generator: GeneratorKind,
    #[serde(default)]
    pub style: OutputStyle,
    /// TypeScript (default, like create-next-app) or JavaScript files.
    #[serde(default)]
    pub lang: Lang,
    /// Deploy into a sandbox and check that it compiles. Off: the files only.
    #[serde(default = "yes")]
    pub preview: bool,
    /// Compare the clone with the original after compiling and improve it (stage R).
    #[serde(default)]
    pub refine: bool,
    /// Stage R stops when both devices reach this similarity.
    #[serde(default = "default_threshold")]
    pub refine_threshold: f64,
    /// Stage R stops after this many iterations.
    #[serde(default = "default_iterations")]
    pub refine_max_iterations: u32,
    /// Pages of the site to clone, the start page included: 1 is the page alone; more crawls
    /// the site (capped at `replica_planner::MAX_SITE_PAGES`).
    #[serde(default = "one")]
    pub pages: usize,
    /// A whole-site clone ignores robots.txt (for sites the user owns).
    #[serde(default)]
    pub ignore_robots: bool,
}

fn one() -> usize {
    1
}

fn yes() -> bool {
    true
}

fn default_threshold() -> f64 {
    0.90
}

fn default_iterations() -> u32 {
    5
}

impl CloneRequest {
    /// A request with the defaults: compiler, faithful style, TypeScript, preview on, no
    /// refine.
    pub fn new(url: impl Into<String>) -> CloneRequest {
        CloneRequest {
            url: url.into(),
            generator: GeneratorKind::default(),
            style: OutputStyle::default(),
            lang: Lang::default(),
            preview: true,
            refine: false,
            refine_threshold: default_threshold(),
            refine_max_iterations: default_iterations(),
            pages: 1,
            ignore_robots: false,
        }
    }
}

/// Everything the pipeline talks to, as trait objects so tests can put recorded scrapes, the
/// Replay model and a real local sandbox in.
#[derive(Clone)]
pub struct PipelineDeps {
    /// Scrapes the original, and the preview when the clone is measured or refined.
    pub source: Arc<dyn PageSource>,
    /// Where previews run (a `SandboxPool` is a provider that hands out warm sandboxes).
    /// `None`: no preview, whatever the request says.
    pub sandboxes: Option<Arc<dyn SandboxProvider>>,
    /// The configured model; `None` runs everything deterministically.
    pub model: Option<Arc<dyn LanguageModel>>,
    pub store: CloneStore,
    /// Options of the scrape of the original (its URL policy is the caller's: the server
    /// refuses private targets, the CLI allows them).
    pub scrape_options: ScrapeOptions,
    /// Download images, fonts and other assets into `public/` (off in tests that must not
    /// touch the network beyond loopback fixtures).
    pub localize_assets: bool,
    /// How long the compile check waits for the dev server per attempt.
    pub compile_timeout: Duration,
    /// Publishes previews under another address (a server routes them through its own port).
    /// `None`: the sandbox's own preview URL is reported.
    pub preview_routes: Option<Arc<dyn PreviewRoutes>>,
}

/// A clone's place in a queue of clones waiting for a slot (the server's, DESIGN.md §5).
pub struct Admission {
    /// 1 = next; 0 = its turn has come. The pipeline says each new place as `queued`.
    pub position: tokio::sync::watch::Receiver<usize>,
    /// The slot, held until the clone's run ends (dropping it lets the next one in, and
    /// dropping it while still waiting gives up the place).
    pub slot: Box<dyn Send + Sync>,
}

impl std::fmt::Debug for Admission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admission")
            .field("position", &*self.position.borrow())
            .finish_non_exhaustive()
    }
}

/// Where users see a clone's preview when that is not the sandbox's own URL: `replica serve`
/// proxies every local preview through its port. The pipeline itself always talks to the
/// sandbox directly.
pub trait PreviewRoutes: Send + Sync {
    /// Routes `clone`'s preview to `sandbox` (called once the files are deployed) and returns
    /// the URL that events, the record and the outcome report.
    fn route(&self, clone: &CloneId, sandbox: &dyn Sandbox) -> String;
}

impl std::fmt::Debug for PipelineDeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PipelineDeps")
            .field(
                "sandboxes",
                &self.sandboxes.as_ref().map(|s| s.name().to_string()),
            )
            .field("model", &self.model.as_ref().map(|m| m.name()))
            .field("store", &self.store)
            .field("localize_assets", &self.localize_assets)
            .field("preview_routes", &self.preview_routes.is_some())
            .finish_non_exhaustive()
    }
}

/// What a finished clone hands back besides its events.
pub struct CloneOutcome {
    pub clone_id: CloneId,
    /// The project as written to the store (the best refine iteration when refining).
    pub files: ProjectFiles,
    /// The scrape of the original, when the scrape succeeded.
    pub scrape: Option<Arc<ScrapeData>>,
    pub sections: usize,
    pub validation_errors: usize,
    pub validation_warnings: usize,
    pub compiled: bool,
    /// The running preview, still serving: dropping it stops it (a server keeps it until the
    /// clone is deleted; the CLI until the user is done looking).
    pub sandbox: Option<Box<dyn Sandbox>>,
    pub preview_url: Option<String>,
    pub similarity: Option<SimilarityScores>,
    /// A whole-site clone's pages (empty for one page); `similarity` is their mean.
    pub pages: Vec<PageResult>,
    pub timings: StepTimings,
    /// The stage that failed and why, when one did (finished work is kept in the store).
    pub error: Option<(String, String)>,
}

impl std::fmt::Debug for CloneOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloneOutcome")
            .field("clone_id", &self.clone_id)
            .field("files", &self.files.len())
            .field("compiled", &self.compiled)
            .field("preview_url", &self.preview_url)
            .field("similarity", &self.similarity)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}
