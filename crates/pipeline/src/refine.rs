//! Stage R: compare the running clone with the original and improve it while it is not close
//! enough (DESIGN.md §1, §8).
//!
//! Each iteration scrapes the preview the way the original was scraped, compares both devices
//! (pixels and computed styles), writes the artifacts, and asks for changes: the model when one
//! is configured, otherwise the deterministic repair. It stops at the threshold, at the
//! iteration cap, when two iterations in a row gain less than half a point, or when nothing is
//! left to change; the best iteration is what stays deployed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use replica_core::{
    DesignTokens, Device, LlmRequest, Message, PipelineEvent, Plan, ProjectFiles, ScrapeData,
    SimilarityScores,
};
use replica_visual_diff::{Comparison, Severity};
use serde::Serialize;

use crate::measure::{self, DeviceComparison};
use crate::run::{Progress, elapsed_ms, preview_scrape_options, update_files};
use crate::{CompileCheckConfig, check_compilation};

/// Two iterations in a row that gain less than this stop the loop.
const MIN_GAIN: f64 = 0.005;

/// CSS properties the deterministic repair writes back (layout boxes are consequences).
const REPAIRABLE: &[&str] = &[
    "color",
    "background-color",
    "font-family",
    "font-size",
    "font-weight",
    "line-height",
    "letter-spacing",
    "margin-top",
    "margin-bottom",
    "margin-left",
    "margin-right",
    "padding-top",
    "padding-bottom",
    "padding-left",
    "padding-right",
    "text-align",
    "border-radius",
];

/// Rows of a diff image shown to the model.
const MODEL_IMAGE_MAX_HEIGHT: u32 = 2000;

/// Where the deterministic repair writes its rules.
const REPAIR_CSS: &str = "app/replica-refine.css";

/// What `summary.json` holds.
#[derive(Debug, Serialize)]
struct RefineSummary {
    threshold: f64,
    max_iterations: u32,
    iterations: Vec<IterationSummary>,
    best: u32,
    stop_reason: String,
    total_ms: u64,
}

#[derive(Debug, Serialize)]
struct IterationSummary {
    n: u32,
    similarity: SimilarityScores,
    /// What was changed after this measurement (empty for the last one).
    changes: Vec<String>,
    ms: u64,
}

pub(crate) async fn refine(
    p: &mut Progress,
    original: &ScrapeData,
    plan: &Plan,
    tokens: &DesignTokens,
) {
    let _ = (plan, tokens);
    let Ok(clone_dir) = p.deps.store.clone_dir(&p.id) else {
        return;
    };
    let started = Instant::now();
    let threshold = p.request.refine_threshold;
    let max_iterations = p.request.refine_max_iterations.max(1);
    p.step(
        "refine",
        format!(
            "comparing with the original until {threshold:.2} (at most {max_iterations} iterations)"
        ),
    )
    .await;
    let mut summary = RefineSummary {
        threshold,
        max_iterations,
        iterations: Vec::new(),
        best: 1,
        stop_reason: String::new(),
        total_ms: 0,
    };
    let mut best: Option<(f64, u32, ProjectFiles, SimilarityScores)> = None;
    let mut small_gains = 0;
    let mut previous: Option<f64> = None;
    for n in 1..=max_iterations {
        let iteration_started = Instant::now();
        let Some((clone, comparisons)) = measure_preview(p, original).await else {
            summary.stop_reason = "the preview could not be measured".into();
            break;
        };
        let scores = measure::scores(&comparisons);
        let worst = scores.desktop.min(scores.mobile);
        let dir = clone_dir.join(format!("iteration-{n:02}"));
        if let Err(error) = write_artifacts(&dir, original, &clone, &comparisons, &p.files) {
            p.warn(format!(
                "refine: the artifacts of iteration {n} could not be written: {error}"
            ))
            .await;
        }
        p.emit(PipelineEvent::Iteration {
            n,
            similarity: scores,
        })
        .await;
        if best.as_ref().is_none_or(|(score, ..)| worst > *score) {
            best = Some((worst, n, p.files.clone(), scores));
        }
        let mut record = IterationSummary {
            n,
            similarity: scores,
            changes: Vec::new(),
            ms: 0,
        };
        if let Some(before) = previous {
            small_gains = if worst - before < MIN_GAIN {
                small_gains + 1
            } else {
                0
            };
        }
        previous = Some(worst);
        if let Some(reason) = stop_reason(worst, threshold, n, max_iterations, small_gains) {
            record.ms = elapsed_ms(iteration_started);
            summary.iterations.push(record);
            summary.stop_reason = reason;
            break;
        }
        let changes = match propose(p, &comparisons, &dir).await {
            Some(changes) if !changes.changed.is_empty() => changes,
            _ => {
                record.ms = elapsed_ms(iteration_started);
                summary.iterations.push(record);
                summary.stop_reason = "nothing left to change".into();
                break;
            }
        };
        record.changes = changes.notes.clone();
        let applied = apply(p, changes).await;
        record.ms = elapsed_ms(iteration_started);
        summary.iterations.push(record);
        if !applied {
            summary.stop_reason = "the changed project did not compile".into();
            break;
        }
    }
    if let Some((_, n, files, scores)) = best {
        summary.best = n;
        p.similarity = Some(scores);
        if files != p.files {
            redeploy_best(p, files).await;
        }
        p.save_files().await;
    }
    summary.total_ms = elapsed_ms(started);
    let written = serde_json::to_vec_pretty(&summary)
        .map_err(std::io::Error::other)
        .and_then(|json| std::fs::write(clone_dir.join("summary.json"), json))
        .and_then(|()| std::fs::write(clone_dir.join("report.html"), report_html(&summary)));
    if let Err(error) = written {
        p.warn(format!("refine: the summary could not be written: {error}"))
            .await;
    }
}

/// Why the loop ends after this measurement, if it does.
fn stop_reason(
    worst: f64,
    threshold: f64,
    n: u32,
    max_iterations: u32,
    small_gains: u32,
) -> Option<String> {
    if worst >= threshold {
        Some(format!(
            "reached the threshold ({worst:.4} >= {threshold:.2})"
        ))
    } else if n == max_iterations {
        Some(format!("reached the iteration cap ({max_iterations})"))
    } else if small_gains >= 2 {
        Some("two iterations in a row gained less than 0.5 points".into())
    } else {
        None
    }
}

/// The last iteration was not the best: the best one's files go back into the store and the
/// preview.
async fn redeploy_best(p: &mut Progress, files: ProjectFiles) {
    let changed: Vec<String> = files
        .files
        .iter()
        .filter(|(path, file)| p.files.files.get(*path) != Some(*file))
        .map(|(path, _)| path.clone())
        .collect();
    let mut upload = files.clone();
    upload.files.retain(|path, _| changed.contains(path));
    update_files(p, files, &changed).await;
    if let Some(sandbox) = &p.sandbox
        && let Err(error) = sandbox.write_files(&upload).await
    {
        p.warn(format!(
            "refine: the best iteration could not be deployed again: {error}"
        ))
        .await;
    }
}

/// Scrapes the preview and compares it with the original at both devices.
async fn measure_preview(
    p: &mut Progress,
    original: &ScrapeData,
) -> Option<(ScrapeData, Vec<DeviceComparison>)> {
    let url = p.sandbox.as_ref()?.preview_url().to_string();
    let options = preview_scrape_options(&p.deps.scrape_options, &url);
    let clone = match p.deps.source.scrape(&url, &options).await {
        Ok(clone) => clone,
        Err(error) => {
            p.warn(format!("refine: the preview could not be loaded: {error}"))
                .await;
            return None;
        }
    };
    match measure::compare(original, &clone) {
        Ok(comparisons) => Some((clone, comparisons)),
        Err(error) => {
            p.warn(format!("refine: the comparison failed: {error}"))
                .await;
            None
        }
    }
}

/// iteration-NN/{desktop,mobile}/{base,target,diff}.png and style-diff.json, site/.
fn write_artifacts(
    dir: &Path,
    original: &ScrapeData,
    clone: &ScrapeData,
    comparisons: &[DeviceComparison],
    files: &ProjectFiles,
) -> std::io::Result<()> {
    let pixels = comparisons.iter().map(|c| (c.device, &c.pixels));
    write_captures(dir, original, clone, pixels)?;
    for comparison in comparisons {
        let json = serde_json::to_vec_pretty(&comparison.styles).map_err(std::io::Error::other)?;
        let path = dir
            .join(device_name(comparison.device))
            .join("style-diff.json");
        std::fs::write(path, json)?;
    }
    let site = dir.join("site");
    for (path, file) in &files.files {
        let target = site.join(path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(target, &file.contents)?;
    }
    Ok(())
}

/// `dir/{desktop,mobile}/{base,target,diff}.png`: what a person compares (the web UI shows
/// them side by side).
pub(crate) fn write_captures<'a>(
    dir: &Path,
    original: &ScrapeData,
    clone: &ScrapeData,
    comparisons: impl IntoIterator<Item = (Device, &'a Comparison)>,
) -> std::io::Result<()> {
    for (device, pixels) in comparisons {
        let device_dir = dir.join(device_name(device));
        std::fs::create_dir_all(&device_dir)?;
        std::fs::write(
            device_dir.join("base.png"),
            &original.device(device).screenshots.full_page.png,
        )?;
        std::fs::write(
            device_dir.join("target.png"),
            &clone.device(device).screenshots.full_page.png,
        )?;
        let diff = pixels.diff_png().map_err(std::io::Error::other)?;
        std::fs::write(device_dir.join("diff.png"), diff)?;
    }
    Ok(())
}

fn device_name(device: Device) -> &'static str {
    match device {
        Device::Desktop => "desktop",
        Device::Mobile => "mobile",
    }
}

/// A set of changed files and what they change.
struct Changes {
    files: ProjectFiles,
    changed: Vec<String>,
    notes: Vec<String>,
}

/// The model's changes when there is a model (falling back to the repair when its answer is
/// unusable), the deterministic repair otherwise.
async fn propose(
    p: &mut Progress,
    comparisons: &[DeviceComparison],
    dir: &Path,
) -> Option<Changes> {
    let prompt = fix_prompt(comparisons, &p.files);
    let _ = std::fs::write(dir.join("fix-prompt.md"), &prompt);
    if let Some(model) = p.deps.model.clone() {
        match model_changes(model.as_ref(), comparisons, &prompt, &p.files).await {
            Ok(changes) if !changes.changed.is_empty() => return Some(changes),
            Ok(_) => {
                p.warn("refine: the model changed nothing; repairing styles instead")
                    .await
            }
            Err(error) => {
                p.warn(format!(
                    "refine: the model's answer was not used ({error}); repairing styles instead"
                ))
                .await;
            }
        }
    }
    Some(style_repair(comparisons, &p.files))
}

/// Writes the concrete property differences of the style diff back as CSS rules on the
/// clone's elements (by their DOM path), per device.
fn style_repair(comparisons: &[DeviceComparison], files: &ProjectFiles) -> Changes {
    let mut rules: BTreeMap<&'static str, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    let mut count = 0;
    for comparison in comparisons {
        let device = device_name(comparison.device);
        for element in &comparison.styles.elements {
            for difference in &element.differences {
                let (Some(value), true) = (
                    difference.original.as_deref(),
                    difference.severity >= Severity::Medium
                        && REPAIRABLE.contains(&difference.property.as_str()),
                ) else {
                    continue;
                };
                if value.contains(['{', '}', ';', '<']) {
                    continue;
                }
                rules
                    .entry(device)
                    .or_default()
                    .entry(selector(&element.clone.path))
                    .or_default()
                    .push(format!("{}: {value} !important;", difference.property));
                count += 1;
            }
        }
    }
    let mut css = files.text(REPAIR_CSS).unwrap_or_default().to_string();
    let before = css.clone();
    for (device, selectors) in &rules {
        // Desktop is captured 1280 px wide, mobile at 375 (980 without a viewport meta).
        let media = match *device {
            "desktop" => "(min-width: 1000px)",
            _ => "(max-width: 999.98px)",
        };
        let _ = writeln!(css, "@media {media} {{");
        for (selector, declarations) in selectors {
            let _ = writeln!(css, "  {selector} {{ {} }}", declarations.join(" "));
        }
        css.push_str("}\n");
    }
    let mut result = Changes {
        files: files.clone(),
        changed: Vec::new(),
        notes: Vec::new(),
    };
    if css == before {
        return result;
    }
    result.files.insert_text(REPAIR_CSS, css);
    result.changed.push(REPAIR_CSS.to_string());
    if let Some((path, layout)) = root_layout(files)
        && !layout.contains("./replica-refine.css")
    {
        let updated = import_after_stylesheets(layout, "import \"./replica-refine.css\";\n");
        result.files.insert_text(path, updated);
        result.changed.push(path.into());
    }
    result.notes.push(format!(
        "{count} style differences written back as CSS rules in {REPAIR_CSS}"
    ));
    result
}

/// `html>body[1]>div[2]` (1-based among same-tag siblings) as a CSS selector.
fn selector(path: &str) -> String {
    path.split('>')
        .map(|step| match step.split_once('[') {
            Some((tag, index)) => format!("{tag}:nth-of-type({})", index.trim_end_matches(']')),
            None => step.to_string(),
        })
        .collect::<Vec<_>>()
        .join(">")
}

/// What the model is shown: the scores, the worst style differences, the current files.
fn fix_prompt(comparisons: &[DeviceComparison], files: &ProjectFiles) -> String {
    let mut prompt = String::from(
        "A Next.js 14 clone of a web page differs from the original. The diff images show the \
         differing pixels in red. Change the files so the clone looks like the original. Answer \
         with one JSON object mapping each changed file's path to its complete new content; leave \
         out unchanged files. Keep every component's default export.\n\n",
    );
    prompt.push_str(&differences_text(comparisons, 25));
    for (path, _) in files.files.iter().filter(|(path, _)| editable(path)) {
        if let Some(text) = files.text(path) {
            let _ = write!(prompt, "### {path}\n```\n{text}\n```\n\n");
        }
    }
    prompt
}

/// Per device: the similarity and the `limit` most severe computed-style differences, one
/// line per element (DOM path, text, `property: original -> clone`). What the refine model
/// and the agent's `compare` tool read.
pub(crate) fn differences_text(comparisons: &[DeviceComparison], limit: usize) -> String {
    let mut text = String::new();
    for comparison in comparisons {
        let _ = writeln!(
            text,
            "## {} similarity {:.4}",
            device_name(comparison.device),
            comparison.pixels.similarity
        );
        for element in comparison.styles.most_severe(limit) {
            let differences: Vec<String> = element
                .differences
                .iter()
                .map(|d| {
                    format!(
                        "{}: {} -> {}",
                        d.property,
                        d.original.as_deref().unwrap_or("default"),
                        d.clone.as_deref().unwrap_or("default")
                    )
                })
                .collect();
            let _ = writeln!(
                text,
                "- {} \"{}\": {}",
                element.clone.path,
                element.original.text,
                differences.join("; ")
            );
        }
        text.push('\n');
    }
    text
}

/// The root layout in the project's language (TypeScript by default, JavaScript with `--lang
/// js`), with its path.
fn root_layout(files: &ProjectFiles) -> Option<(&'static str, &str)> {
    ["app/layout.tsx", "app/layout.jsx", "app/layout.js"]
        .into_iter()
        .find_map(|path| Some((path, files.text(path)?)))
}

/// `import` inserted after the layout's last stylesheet import (globals.css, then the page's
/// own sheets under app/styles/), so the repair comes last in the cascade.
fn import_after_stylesheets(layout: &str, import: &str) -> String {
    let mut offset = 0;
    let mut after_last = None;
    for line in layout.split_inclusive('\n') {
        offset += line.len();
        let line = line.trim();
        if line.starts_with("import \"./") && line.ends_with(".css\";") {
            after_last = Some(offset);
        }
    }
    match after_last {
        Some(at) => format!("{}{import}{}", &layout[..at], &layout[at..]),
        None => format!("{import}{layout}"),
    }
}

fn editable(path: &str) -> bool {
    let jsx = path.ends_with(".tsx") || path.ends_with(".jsx");
    ((path.starts_with("components/") || path.starts_with("app/page.")) && jsx)
        || path == "app/globals.css"
}

async fn model_changes(
    model: &dyn replica_core::LanguageModel,
    comparisons: &[DeviceComparison],
    prompt: &str,
    files: &ProjectFiles,
) -> Result<Changes, String> {
    let mut message = Message::user_text(prompt);
    for comparison in comparisons {
        if let Some(image) = diff_image_block(comparison) {
            message
                .content
                .push(replica_core::ContentPart::Image(image));
        }
    }
    let request = LlmRequest {
        system: Vec::new(),
        messages: vec![message],
        max_tokens: 16_000,
        temperature: Some(0.0),
        tools: Vec::new(),
    };
    let response = model.complete(&request).await.map_err(|e| e.to_string())?;
    let answer = response.text.trim();
    let answer = answer
        .strip_prefix("```json")
        .or_else(|| answer.strip_prefix("```"))
        .and_then(|rest| rest.trim_end().strip_suffix("```"))
        .unwrap_or(answer);
    let changed: BTreeMap<String, String> =
        serde_json::from_str(answer.trim()).map_err(|e| format!("not a JSON object: {e}"))?;
    let mut result = Changes {
        files: files.clone(),
        changed: Vec::new(),
        notes: Vec::new(),
    };
    for (path, content) in changed {
        if !editable(&path) || files.text(&path).is_none() {
            return Err(format!("{path} is not a file the model may change"));
        }
        if files.text(&path) != Some(content.as_str()) {
            result.files.insert_text(path.clone(), content);
            result.notes.push(format!("the model changed {path}"));
            result.changed.push(path);
        }
    }
    Ok(result)
}

/// The top of a device's diff image (where differences matter most and images stay small
/// enough for any provider) as a PNG image block.
fn diff_image_block(comparison: &DeviceComparison) -> Option<replica_core::ImageBlock> {
    use base64::Engine as _;
    let diff = &comparison.pixels.diff;
    let height = diff.height().min(MODEL_IMAGE_MAX_HEIGHT);
    let top = image::imageops::crop_imm(diff, 0, 0, diff.width(), height).to_image();
    let mut png = Vec::new();
    top.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .ok()?;
    Some(replica_core::ImageBlock {
        media_type: "image/png".into(),
        base64: base64::engine::general_purpose::STANDARD.encode(png),
    })
}

/// Validates and autofixes the changed project, uploads it and waits for the compile.
/// `false` when it does not compile: the previous files go back.
async fn apply(p: &mut Progress, changes: Changes) -> bool {
    let previous = p.files.clone();
    let mut files = changes.files;
    let mut changed = changes.changed;
    let report = replica_jsx_validator::validate(&files);
    if !report.valid {
        let fixed = replica_jsx_validator::autofix(&files, &report);
        files = fixed.files;
        changed.extend(fixed.changed);
        changed.sort();
        changed.dedup();
        if !fixed.report.valid {
            p.warn("refine: the changed files do not validate; keeping the previous ones")
                .await;
            return false;
        }
    }
    let Some(sandbox) = p.sandbox.take() else {
        return false;
    };
    let mut upload = ProjectFiles::default();
    for path in &changed {
        if let Some(file) = files.files.get(path) {
            upload.files.insert(path.clone(), file.clone());
        }
    }
    let since = sandbox.logs(0).await.map_or(0, |log| log.len());
    let compiled = match sandbox.write_files(&upload).await {
        Ok(()) => check_compilation(sandbox.as_ref(), since, &CompileCheckConfig::default())
            .await
            .is_ok_and(|check| check.compiled),
        Err(_) => false,
    };
    if !compiled {
        // Put the previous version of the changed files back.
        let mut restore = ProjectFiles::default();
        for path in &changed {
            match previous.files.get(path) {
                Some(file) => {
                    restore.files.insert(path.clone(), file.clone());
                }
                None => {
                    restore.insert_text(path.clone(), "");
                }
            }
        }
        let _ = sandbox.write_files(&restore).await;
        p.sandbox = Some(sandbox);
        p.warn("refine: the changed project did not compile; keeping the previous files")
            .await;
        return false;
    }
    p.sandbox = Some(sandbox);
    update_files(p, files, &changed).await;
    true
}

/// report.html: each iteration's scores and images side by side.
fn report_html(summary: &RefineSummary) -> String {
    let mut html = String::from(
        "<!doctype html><meta charset=\"utf-8\"><title>Replica refine report</title>\
         <style>body{font:14px system-ui;margin:24px}img{width:32%;vertical-align:top;border:1px solid #ccc}\
         h2{margin-top:32px}</style><h1>Refine report</h1>",
    );
    let _ = write!(
        html,
        "<p>Threshold {:.2}; best iteration {}; stopped: {}; {} ms.</p>",
        summary.threshold,
        summary.best,
        escape(&summary.stop_reason),
        summary.total_ms
    );
    for iteration in &summary.iterations {
        let _ = write!(
            html,
            "<h2>Iteration {} — desktop {:.4}, mobile {:.4}</h2>",
            iteration.n, iteration.similarity.desktop, iteration.similarity.mobile
        );
        for change in &iteration.changes {
            let _ = write!(html, "<p>{}</p>", escape(change));
        }
        for device in ["desktop", "mobile"] {
            let base: PathBuf = Path::new(&format!("iteration-{:02}", iteration.n)).join(device);
            let base = base.display();
            let _ = write!(
                html,
                "<h3>{device}: original, clone, diff</h3><img src=\"{base}/base.png\"><img src=\"{base}/target.png\"><img src=\"{base}/diff.png\">"
            );
        }
    }
    html
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dom_paths_become_selectors() {
        assert_eq!(
            selector("html>body[1]>div[2]>p[1]"),
            "html>body:nth-of-type(1)>div:nth-of-type(2)>p:nth-of-type(1)"
        );
        assert_eq!(selector("html"), "html");
    }

    #[test]
    fn the_repair_is_imported_last_in_either_language() {
        let layout = "import type { Metadata } from \"next\";\nimport \"./globals.css\";\n\
                      import \"./styles/style.css\";\n\nexport default function RootLayout() {}\n";
        let mut files = ProjectFiles::default();
        files.insert_text("app/layout.tsx", layout);
        let (path, found) = root_layout(&files).unwrap();
        assert_eq!(path, "app/layout.tsx");
        assert_eq!(
            import_after_stylesheets(found, "import \"./replica-refine.css\";\n"),
            "import type { Metadata } from \"next\";\nimport \"./globals.css\";\n\
             import \"./styles/style.css\";\nimport \"./replica-refine.css\";\n\n\
             export default function RootLayout() {}\n"
        );
        assert_eq!(
            import_after_stylesheets("export default 1;\n", "import \"./a.css\";\n"),
            "import \"./a.css\";\nexport default 1;\n"
        );
        assert!(editable("components/Hero.tsx") && editable("app/page.jsx"));
        assert!(!editable("app/layout.tsx") && !editable("components/Hero.css"));
    }
}
