//! The agent's project, wired to the real parts: files in the clone store or in a directory,
//! the running sandbox (started when a tool needs one), and the checks through the stage
//! crates (jsx-validator, the compile check with next-error-parser, the page source's
//! screenshots, visual-diff against the original).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use replica_agent::{
    Checks, CompileStatus, FileChanges, Project, ProjectError, ProjectKind, Validation,
};
use replica_core::{
    BoxFuture, Device, ImageBlock, PageSource, ProjectFiles, Sandbox, SandboxProvider, ScrapeData,
    ScrapeOptions,
};
use serde::{Deserialize, Serialize};

use crate::run::preview_scrape_options;
use crate::store::{CloneKind, CloneStoreError, Retained, StoredItem};
use crate::{CloneId, CloneStore, CompileCheckConfig, PreviewRoutes, check_compilation, measure};

/// A project's running sandbox, shared with whoever else shows or edits it (the server's
/// registry of live previews): the lock is held while files are written.
pub type PreviewSlot = Arc<tokio::sync::Mutex<Option<Box<dyn Sandbox>>>>;

/// How long `npm install` of one allowlisted package may take.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(300);

/// Folders of a directory project that are not the project's source.
const SKIPPED_DIRS: &[&str] = &["node_modules", ".next", ".git", ".turbo", ".vercel"];

/// Which project: a clone (or prompt project) of the store, or a directory edited in place.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectRef {
    Clone(CloneId),
    Directory(PathBuf),
}

impl ProjectRef {
    /// The id sessions and events name: the clone id, or `dir-<hash of the path>`.
    pub fn id(&self) -> String {
        match self {
            ProjectRef::Clone(id) => id.to_string(),
            ProjectRef::Directory(path) => format!("dir-{}", path_key(path)),
        }
    }

    /// Where the project's sessions and checkpoints are kept: inside the clone's directory,
    /// or under `<data dir>/dirs/<key>/` for a directory (never inside the directory itself).
    pub(crate) fn agent_dir(&self, store: &CloneStore) -> Result<PathBuf, ProjectError> {
        match self {
            ProjectRef::Clone(id) => store
                .clone_dir(id)
                .map(|dir| dir.join("agent"))
                .map_err(|error| ProjectError::Unavailable(error.to_string())),
            ProjectRef::Directory(path) => {
                let home = store.data_dir().join("dirs").join(path_key(path));
                std::fs::create_dir_all(&home).map_err(failed)?;
                // Says which directory this state belongs to, for people looking at the store.
                let _ = std::fs::write(home.join("path.txt"), path.display().to_string());
                Ok(home.join("agent"))
            }
        }
    }
}

/// What the store keeps of directory projects (`<data dir>/dirs/<key>/`: sessions, checkpoints,
/// which path): retention may delete it like a clone; the directory a user works in is never
/// touched, only the store's own record of it.
#[derive(Debug, Clone)]
pub struct DirectoryProjects {
    dirs: PathBuf,
}

impl DirectoryProjects {
    pub fn new(store: &CloneStore) -> DirectoryProjects {
        DirectoryProjects {
            dirs: store.data_dir().join("dirs"),
        }
    }
}

impl Retained for DirectoryProjects {
    fn items(&self) -> Result<Vec<StoredItem>, CloneStoreError> {
        let entries = match std::fs::read_dir(&self.dirs) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(CloneStoreError::Io {
                    path: self.dirs.clone(),
                    source,
                });
            }
        };
        let mut items = Vec::new();
        for entry in entries.flatten() {
            let (Ok(key), dir) = (entry.file_name().into_string(), entry.path()) else {
                continue;
            };
            if !dir.is_dir() {
                continue;
            }
            items.push(StoredItem {
                kind: "directory project",
                id: format!("dir-{key}"),
                last_used: crate::store::last_used(&dir, &[]),
            });
        }
        Ok(items)
    }

    fn remove(&self, item: &StoredItem) -> Result<(), CloneStoreError> {
        let key = item
            .id
            .strip_prefix("dir-")
            .filter(|key| !key.is_empty() && key.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| CloneStoreError::Io {
                path: self.dirs.join(&item.id),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "not a directory project's id (dir-<hex key>)",
                ),
            })?;
        let dir = self.dirs.join(key);
        std::fs::remove_dir_all(&dir).map_err(|source| CloneStoreError::Io { path: dir, source })
    }
}

/// The first 16 hex digits of the SHA-256 of a path: a stable folder name for it.
fn path_key(path: &Path) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(path.as_os_str().as_encoded_bytes());
    digest[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn failed(error: impl std::fmt::Display) -> ProjectError {
    ProjectError::Failed(error.to_string())
}

/// What a [`LiveProject`] runs on.
#[derive(Clone)]
pub struct ProjectDeps {
    pub store: CloneStore,
    /// Where sandboxes come from; `None`: no preview, so no compile check or screenshot.
    pub sandboxes: Option<Arc<dyn SandboxProvider>>,
    /// The browser for screenshots and comparisons; `None`: neither.
    pub source: Option<Arc<dyn PageSource>>,
    pub scrape_options: ScrapeOptions,
    pub compile: CompileCheckConfig,
    /// Publishes a sandbox started for a clone under the server's preview host.
    pub preview_routes: Option<Arc<dyn PreviewRoutes>>,
}

impl std::fmt::Debug for ProjectDeps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProjectDeps")
            .field("store", &self.store)
            .field(
                "sandboxes",
                &self.sandboxes.as_ref().map(|s| s.name().to_owned()),
            )
            .field("source", &self.source.is_some())
            .finish_non_exhaustive()
    }
}

/// One project as the agent sees it: [`Project`] and [`Checks`] over the store (or a
/// directory) and the project's sandbox.
pub struct LiveProject {
    target: ProjectRef,
    kind: ProjectKind,
    deps: ProjectDeps,
    preview: PreviewSlot,
    /// The dev-server log's length before the last write: where a compile check reads from.
    log_mark: Mutex<Option<usize>>,
    /// The URL users see for the running sandbox, when it is routed elsewhere.
    published: Mutex<Option<String>>,
}

impl std::fmt::Debug for LiveProject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveProject")
            .field("target", &self.target)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl LiveProject {
    /// The project `target`, using `preview` as its sandbox slot (empty: one is started when a
    /// tool needs it). Fails with `Unavailable` for an unknown clone or a missing directory.
    pub fn open(
        target: ProjectRef,
        deps: ProjectDeps,
        preview: PreviewSlot,
    ) -> Result<LiveProject, ProjectError> {
        let kind = match &target {
            ProjectRef::Clone(id) => {
                let summary = deps
                    .store
                    .summary_of(id)
                    .map_err(|error| ProjectError::Unavailable(error.to_string()))?;
                match summary.kind {
                    CloneKind::Clone => ProjectKind::Clone { url: summary.url },
                    CloneKind::Prompt => ProjectKind::Prompt,
                }
            }
            ProjectRef::Directory(path) => {
                if !path.is_dir() {
                    return Err(ProjectError::Unavailable(format!(
                        "{} is not a directory",
                        path.display()
                    )));
                }
                ProjectKind::Directory {
                    path: path.display().to_string(),
                }
            }
        };
        Ok(LiveProject {
            target,
            kind,
            deps,
            preview,
            log_mark: Mutex::new(None),
            published: Mutex::new(None),
        })
    }

    pub fn target(&self) -> &ProjectRef {
        &self.target
    }

    pub fn preview(&self) -> &PreviewSlot {
        &self.preview
    }

    /// Starts the project's sandbox now (when none runs) and returns its preview URL and id.
    pub async fn start_preview(&self) -> Result<(String, String), ProjectError> {
        let guard = self.sandbox().await?;
        let sandbox = guard
            .as_ref()
            .ok_or_else(|| ProjectError::Unavailable("no sandbox".to_owned()))?;
        let published = self
            .published
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let url = published.unwrap_or_else(|| sandbox.preview_url().to_owned());
        Ok((url, sandbox.id().to_owned()))
    }

    /// The running sandbox's id.
    pub async fn sandbox_id(&self) -> Option<String> {
        let guard = self.preview.lock().await;
        guard.as_ref().map(|sandbox| sandbox.id().to_owned())
    }

    /// The preview's URL, when a sandbox runs.
    pub async fn preview_url(&self) -> Option<String> {
        let guard = self.preview.lock().await;
        guard
            .as_ref()
            .map(|sandbox| sandbox.preview_url().to_owned())
    }

    /// `changes` plus package.json and its lock brought up to date, when a written file imports
    /// a package the manifest does not list or a module is removed (package.json lists what the
    /// files import, DESIGN.md §5); `None` when the manifest stays as it is.
    async fn with_manifest(
        &self,
        changes: &FileChanges,
    ) -> Result<Option<FileChanges>, ProjectError> {
        let touches = |path: &str| path == "package.json" || path == "package-lock.json";
        if changes.write.paths().any(touches) || changes.remove.iter().any(|p| touches(p)) {
            return Ok(None);
        }
        let imported = replica_assembler::imported_packages(&changes.write);
        let removes_module = changes
            .remove
            .iter()
            .any(|path| replica_core::Lang::of_path(path).is_some());
        if imported.is_empty() && !removes_module {
            return Ok(None);
        }
        let mut files = self.files().await?;
        let listed = files.text("package.json").unwrap_or_default().to_owned();
        if !removes_module
            && imported
                .iter()
                .all(|name| listed.contains(&format!("\"{name}\"")))
        {
            return Ok(None);
        }
        for (path, file) in &changes.write.files {
            files.files.insert(path.clone(), file.clone());
        }
        for path in &changes.remove {
            files.files.remove(path);
        }
        let changed = replica_assembler::refresh_manifest(&mut files);
        if changed.is_empty() {
            return Ok(None);
        }
        let mut changes = changes.clone();
        for path in changed {
            if let Some(file) = files.files.get(&path) {
                changes.write.files.insert(path, file.clone());
            }
        }
        Ok(Some(changes))
    }

    /// Writes `changes` to the project's home only (not the sandbox).
    async fn write_home(&self, changes: &FileChanges) -> Result<(), ProjectError> {
        let target = self.target.clone();
        let store = self.deps.store.clone();
        let changes = changes.clone();
        tokio::task::spawn_blocking(move || match &target {
            ProjectRef::Clone(id) => store
                .update_files(id, &changes.write, &changes.remove)
                .map_err(failed),
            ProjectRef::Directory(root) => {
                replica_sandbox_pool::write_project_files(root, &changes.write)
                    .and_then(|()| {
                        replica_sandbox_pool::remove_project_files(root, &changes.remove)
                    })
                    .map_err(|error| match error {
                        replica_sandbox_pool::SandboxPoolError::InvalidPath(_)
                        | replica_sandbox_pool::SandboxPoolError::SymlinkEscape { .. } => {
                            tracing::warn!("agent: refused a write in {}: {error}", root.display());
                            ProjectError::Refused(error.to_string())
                        }
                        other => failed(other),
                    })
            }
        })
        .await
        .map_err(failed)?
    }

    /// The running sandbox, started (and given every file) when there is none or it died.
    async fn sandbox(
        &self,
    ) -> Result<tokio::sync::MutexGuard<'_, Option<Box<dyn Sandbox>>>, ProjectError> {
        let mut guard = self.preview.lock().await;
        let alive = match guard.as_ref() {
            Some(sandbox) => sandbox.is_alive().await,
            None => false,
        };
        if alive {
            return Ok(guard);
        }
        if let Some(dead) = guard.take() {
            let _ = dead.destroy().await;
        }
        let provider = self.deps.sandboxes.as_ref().ok_or_else(|| {
            ProjectError::Unavailable(
                "no sandbox provider is configured, so nothing runs the project".to_owned(),
            )
        })?;
        let sandbox = provider.provision().await.map_err(failed)?;
        let files = self.files().await?;
        self.mark_log(sandbox.as_ref()).await;
        sandbox.write_files(&files).await.map_err(failed)?;
        if let (Some(routes), ProjectRef::Clone(id)) = (&self.deps.preview_routes, &self.target) {
            let url = routes.route(id, sandbox.as_ref());
            *self
                .published
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(url);
        }
        *guard = Some(sandbox);
        Ok(guard)
    }

    async fn mark_log(&self, sandbox: &dyn Sandbox) {
        let length = sandbox.logs(0).await.map_or(0, |log| log.len());
        *self.log_mark.lock().unwrap_or_else(PoisonError::into_inner) = Some(length);
    }

    /// The preview loaded in the browser like the original was.
    async fn scrape_preview(&self) -> Result<ScrapeData, ProjectError> {
        let source = self.deps.source.clone().ok_or_else(|| {
            ProjectError::Unavailable("no browser is configured for screenshots".to_owned())
        })?;
        let url = {
            let guard = self.sandbox().await?;
            guard
                .as_ref()
                .map(|sandbox| sandbox.preview_url().to_owned())
                .unwrap_or_default()
        };
        source
            .scrape(
                &url,
                &preview_scrape_options(&self.deps.scrape_options, &url),
            )
            .await
            .map_err(|error| failed(format!("the preview could not be loaded: {error}")))
    }
}

impl Project for LiveProject {
    fn kind(&self) -> ProjectKind {
        self.kind.clone()
    }

    fn files(&self) -> BoxFuture<'_, Result<ProjectFiles, ProjectError>> {
        Box::pin(async move {
            let target = self.target.clone();
            let store = self.deps.store.clone();
            tokio::task::spawn_blocking(move || match &target {
                ProjectRef::Clone(id) => store.get(id).map(|record| record.files).map_err(failed),
                ProjectRef::Directory(root) => read_project_dir(root),
            })
            .await
            .map_err(failed)?
        })
    }

    fn apply<'a>(&'a self, changes: &'a FileChanges) -> BoxFuture<'a, Result<(), ProjectError>> {
        Box::pin(async move {
            let with_manifest = self.with_manifest(changes).await?;
            let changes = with_manifest.as_ref().unwrap_or(changes);
            self.write_home(changes).await?;
            let guard = self.preview.lock().await;
            let Some(sandbox) = guard.as_ref() else {
                return Ok(());
            };
            self.mark_log(sandbox.as_ref()).await;
            if !changes.write.is_empty() {
                sandbox.write_files(&changes.write).await.map_err(failed)?;
            }
            if !changes.remove.is_empty() {
                match sandbox.remove_files(&changes.remove).await {
                    Ok(()) => {}
                    Err(replica_core::SandboxError::Unsupported { .. }) => {
                        // A provider that cannot remove keeps stale files that nothing imports.
                        tracing::warn!("the sandbox cannot remove files: {:?}", changes.remove);
                    }
                    Err(error) => return Err(failed(error)),
                }
            }
            Ok(())
        })
    }

    fn install_package<'a>(
        &'a self,
        name: &'a str,
        version: &'a str,
    ) -> BoxFuture<'a, Result<String, ProjectError>> {
        Box::pin(async move {
            let guard = self.sandbox().await?;
            let Some(sandbox) = guard.as_ref() else {
                return Err(ProjectError::Unavailable("no sandbox".to_owned()));
            };
            let argv = vec![
                "npm".to_owned(),
                "install".to_owned(),
                format!("{name}@{version}"),
            ];
            let output = sandbox.run(&argv, INSTALL_TIMEOUT).await.map_err(failed)?;
            let text = format!("{}{}", output.stdout, output.stderr);
            let tail: String = {
                let lines: Vec<&str> = text.trim().lines().collect();
                lines[lines.len().saturating_sub(15)..].join("\n")
            };
            match output.exit_code {
                Some(0) => Ok(tail),
                code => Err(failed(format!("npm exited with {code:?}:\n{tail}"))),
            }
        })
    }
}

impl Checks for LiveProject {
    fn validate(&self, files: &ProjectFiles) -> Validation {
        let report = replica_jsx_validator::validate(files);
        if report.valid {
            return Validation {
                errors: 0,
                warnings: report.warnings.len(),
                report: String::new(),
                fixed: ProjectFiles::default(),
            };
        }
        let outcome = replica_jsx_validator::autofix(files, &report);
        let mut fixed = ProjectFiles::default();
        for path in &outcome.changed {
            if let Some(file) = outcome.files.files.get(path) {
                fixed.files.insert(path.clone(), file.clone());
            }
        }
        Validation {
            errors: outcome.report.errors.len(),
            warnings: outcome.report.warnings.len(),
            report: if outcome.report.valid {
                String::new()
            } else {
                replica_jsx_validator::format_report(&outcome.report)
            },
            fixed,
        }
    }

    fn compile_check(&self) -> BoxFuture<'_, Result<CompileStatus, ProjectError>> {
        Box::pin(async move {
            let guard = self.sandbox().await?;
            let Some(sandbox) = guard.as_ref() else {
                return Err(ProjectError::Unavailable("no sandbox".to_owned()));
            };
            let since = self
                .log_mark
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .unwrap_or_default();
            let check = check_compilation(sandbox.as_ref(), since, &self.deps.compile)
                .await
                .map_err(failed)?;
            Ok(CompileStatus {
                compiled: check.compiled,
                error_count: check.errors.len(),
                report: replica_next_error_parser::format_nextjs_errors(&check.errors),
            })
        })
    }

    fn screenshot(&self, device: Device) -> BoxFuture<'_, Result<ImageBlock, ProjectError>> {
        Box::pin(async move {
            let scrape = self.scrape_preview().await?;
            let png = &scrape.device(device).screenshots.viewport.png;
            jpeg_block(png).map_err(failed)
        })
    }

    fn compare(&self) -> BoxFuture<'_, Result<String, ProjectError>> {
        Box::pin(async move {
            let ProjectRef::Clone(id) = &self.target else {
                return Err(ProjectError::Unavailable(
                    "a directory has no original page to compare with".to_owned(),
                ));
            };
            if self.kind == ProjectKind::Prompt {
                return Err(ProjectError::Unavailable(
                    "a project made from a prompt has no original page to compare with".to_owned(),
                ));
            }
            let dir = self
                .deps
                .store
                .clone_dir(id)
                .map_err(failed)?
                .join("scrape");
            let original = tokio::task::spawn_blocking(move || ScrapeData::load(&dir))
                .await
                .map_err(failed)?
                .map_err(|error| failed(format!("the original's scrape is missing: {error}")))?;
            let clone = self.scrape_preview().await?;
            let comparisons = measure::compare(&original, &clone).map_err(failed)?;
            let scores = measure::scores(&comparisons);
            Ok(format!(
                "similarity: desktop {:.4}, mobile {:.4} (1.0 = identical)\n\n{}",
                scores.desktop,
                scores.mobile,
                crate::refine::differences_text(&comparisons, 15)
            ))
        })
    }
}

/// A PNG as a JPEG image block (smaller for the model), at most 1280 px wide.
fn jpeg_block(png: &[u8]) -> Result<ImageBlock, String> {
    let image = image::load_from_memory(png).map_err(|error| error.to_string())?;
    let image = if image.width() > 1280 {
        image.resize(1280, u32::MAX, image::imageops::FilterType::Triangle)
    } else {
        image
    };
    let mut jpeg = Vec::new();
    image
        .to_rgb8()
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .map_err(|error| error.to_string())?;
    Ok(ImageBlock {
        media_type: "image/jpeg".to_owned(),
        base64: base64::engine::general_purpose::STANDARD.encode(jpeg),
    })
}

/// The files of a project directory: regular files, symlinks never followed, build output
/// and dependencies (`node_modules`, `.next`, `.git`, ...) left out.
pub fn read_project_dir(root: &Path) -> Result<ProjectFiles, ProjectError> {
    fn walk(dir: &Path, prefix: &str, files: &mut ProjectFiles) -> Result<(), ProjectError> {
        for entry in std::fs::read_dir(dir).map_err(failed)? {
            let entry = entry.map_err(failed)?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let key = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}/{name}")
            };
            let kind = entry.file_type().map_err(failed)?;
            if kind.is_dir() && !SKIPPED_DIRS.contains(&name.as_str()) {
                walk(&entry.path(), &key, files)?;
            } else if kind.is_file() {
                files.insert_bytes(key, std::fs::read(entry.path()).map_err(failed)?);
            }
        }
        Ok(())
    }
    let mut files = ProjectFiles::default();
    walk(root, "", &mut files)?;
    Ok(files)
}
