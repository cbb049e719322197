//! Tools that check the project (validate, compile_check, screenshot, compare) and the one that
//! adds a package (install_package).

use replica_core::{BoxFuture, Device, INSTALLABLE_PACKAGES, ProjectFiles, installable_version};
use schemars::JsonSchema;
use serde::Deserialize;

use super::{Tool, ToolOutput, Workspace};
use crate::project::FileChanges;

/// Arguments of the tools that take none.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoInput {}

#[derive(Debug)]
pub struct ValidateTool;

impl Tool for ValidateTool {
    type Input = NoInput;

    fn name(&self) -> &'static str {
        "validate"
    }

    fn interruptible(&self) -> bool {
        false
    }

    fn description(&self) -> &'static str {
        "Check every JSX file (syntax, imports, Next.js rules). Mechanical problems are fixed \
         at once (the fixed files are written); the report lists what is left to fix by hand."
    }

    fn run<'a, 'w: 'a>(
        &'a self,
        _input: NoInput,
        workspace: &'a mut Workspace<'w>,
    ) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let validation = workspace.checks.validate(&workspace.files);
            let fixed: Vec<String> = validation.fixed.paths().map(str::to_owned).collect();
            if !fixed.is_empty() {
                let changes = FileChanges {
                    write: validation.fixed.clone(),
                    remove: Vec::new(),
                };
                if let Err(error) = workspace.apply(changes).await {
                    return ToolOutput::error(format!("the autofix could not be written: {error}"));
                }
            }
            let fixed_note = if fixed.is_empty() {
                String::new()
            } else {
                format!("autofixed {}. ", fixed.join(", "))
            };
            let summary = format!(
                "{fixed_note}{} errors, {} warnings",
                validation.errors, validation.warnings
            );
            let text = if validation.report.is_empty() {
                format!("{summary}: the JSX is valid")
            } else {
                format!("{summary}\n{}", validation.report)
            };
            ToolOutput {
                ok: validation.errors == 0,
                ..ToolOutput::ok(summary, text)
            }
        })
    }
}

#[derive(Debug)]
pub struct CompileCheckTool;

impl Tool for CompileCheckTool {
    type Input = NoInput;

    fn name(&self) -> &'static str {
        "compile_check"
    }

    fn description(&self) -> &'static str {
        "Ask the running Next.js dev server whether the project compiles and the page renders \
         after your changes; answers the compile errors with file, line and a hint."
    }

    fn run<'a, 'w: 'a>(
        &'a self,
        _input: NoInput,
        workspace: &'a mut Workspace<'w>,
    ) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            match workspace.checks.compile_check().await {
                Ok(status) if status.compiled => {
                    ToolOutput::ok("compiled", "The page compiled and rendered (HTTP 200).")
                }
                Ok(status) => ToolOutput {
                    ok: false,
                    summary: format!("{} compile errors", status.error_count),
                    text: status.report,
                    image: None,
                },
                Err(error) => ToolOutput::error(format!("no compile check: {error}")),
            }
        })
    }
}

#[derive(Debug)]
pub struct ScreenshotTool;

/// Arguments of screenshot.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenshotInput {
    /// `desktop` (1280x720) or `mobile` (375x667 at 2x).
    pub device: DeviceName,
}

/// A device by name (core's `Device` carries no schema).
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceName {
    Desktop,
    Mobile,
}

impl Tool for ScreenshotTool {
    type Input = ScreenshotInput;

    fn name(&self) -> &'static str {
        "screenshot"
    }

    fn description(&self) -> &'static str {
        "Take a screenshot of the running preview's first screen on desktop or mobile, to see \
         what a change looks like."
    }

    fn run<'a, 'w: 'a>(
        &'a self,
        input: ScreenshotInput,
        workspace: &'a mut Workspace<'w>,
    ) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let (device, name) = match input.device {
                DeviceName::Desktop => (Device::Desktop, "desktop"),
                DeviceName::Mobile => (Device::Mobile, "mobile"),
            };
            let device_name = name;
            match workspace.checks.screenshot(device).await {
                Ok(image) if workspace.images => ToolOutput {
                    image: Some(image),
                    ..ToolOutput::ok(
                        format!("{device_name} screenshot"),
                        format!("The preview's first screen on {device_name}:"),
                    )
                },
                Ok(_) => ToolOutput::ok(
                    format!("{device_name} screenshot (not sent: the model takes no images)"),
                    "The screenshot was taken, but this model does not accept images; use \
                     compile_check and read the files instead.",
                ),
                Err(error) => ToolOutput::error(format!("no screenshot: {error}")),
            }
        })
    }
}

#[derive(Debug)]
pub struct CompareTool;

impl Tool for CompareTool {
    type Input = NoInput;

    fn name(&self) -> &'static str {
        "compare"
    }

    fn description(&self) -> &'static str {
        "For a clone: render the preview and the original page the same way and compare them \
         (pixel similarity per device, 1.0 = identical, and the largest computed-style \
         differences by element)."
    }

    fn run<'a, 'w: 'a>(
        &'a self,
        _input: NoInput,
        workspace: &'a mut Workspace<'w>,
    ) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            match workspace.checks.compare().await {
                Ok(report) => ToolOutput::ok(
                    report.lines().next().unwrap_or("compared").to_owned(),
                    report,
                ),
                Err(error) => ToolOutput::error(format!("no comparison: {error}")),
            }
        })
    }
}

#[derive(Debug)]
pub struct InstallPackageTool;

/// Arguments of install_package.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallPackageInput {
    /// The npm package, one of the allowed ones (see the tool's description).
    pub name: String,
    /// Must be the pinned version when given; the pinned version is installed.
    #[serde(default)]
    pub version: Option<String>,
}

impl Tool for InstallPackageTool {
    type Input = InstallPackageInput;

    fn name(&self) -> &'static str {
        "install_package"
    }

    fn description(&self) -> &'static str {
        // Spelt out here because the model cannot read the allowlist elsewhere; a test keeps
        // it equal to INSTALLABLE_PACKAGES.
        "Add an npm package to the project (package.json and the running sandbox). Only these, \
         at these versions: canvas-confetti 1.9.4, date-fns 4.4.0, embla-carousel-autoplay \
         8.5.2, react-fast-marquee 1.6.5, react-hook-form 7.92.0, zod 4.6.7, react-markdown \
         10.1.0, recharts 3.11.3, @radix-ui/react-slider 1.6.1, @radix-ui/react-switch 1.4.1. \
         The template already has react, next, framer-motion, gsap, swiper, \
         embla-carousel-react, headlessui, radix accordion/dialog/dropdown-menu/tabs/tooltip/\
         popover, lucide-react, react-icons, heroicons, clsx and tailwind-merge."
    }

    fn run<'a, 'w: 'a>(
        &'a self,
        input: InstallPackageInput,
        workspace: &'a mut Workspace<'w>,
    ) -> BoxFuture<'a, ToolOutput> {
        Box::pin(async move {
            let Some(pinned) = installable_version(&input.name) else {
                let allowed: Vec<&str> = INSTALLABLE_PACKAGES.iter().map(|(n, _)| *n).collect();
                return ToolOutput::error(format!(
                    "{} is not on the allowlist; allowed: {}",
                    input.name,
                    allowed.join(", ")
                ));
            };
            if let Some(version) = input.version.as_deref()
                && version != pinned
            {
                return ToolOutput::error(format!(
                    "{} is allowed only at {pinned}, not {version}",
                    input.name
                ));
            }
            let package_json = match with_dependency(&workspace.files, &input.name, pinned) {
                Ok(json) => json,
                Err(message) => return ToolOutput::error(message),
            };
            let output = match workspace.project.install_package(&input.name, pinned).await {
                Ok(output) => output,
                Err(error) => {
                    return ToolOutput::error(format!(
                        "{}@{pinned} was not installed: {error}",
                        input.name
                    ));
                }
            };
            if let Err(error) = workspace.write_text("package.json", package_json).await {
                return ToolOutput::error(format!("package.json could not be updated: {error}"));
            }
            let summary = format!("installed {}@{pinned}", input.name);
            ToolOutput::ok(summary.clone(), format!("{summary}\n{output}"))
        })
    }
}

/// package.json with `name` at `version` in its dependencies. Edited as text, so the file
/// keeps its key order and layout (serde_json would sort the keys).
fn with_dependency(files: &ProjectFiles, name: &str, version: &str) -> Result<String, String> {
    let text = files
        .text("package.json")
        .ok_or("the project has no package.json")?;
    let json: serde_json::Value = serde_json::from_str(text)
        .map_err(|error| format!("package.json is not valid JSON: {error}"))?;
    let entry = format!("\"{name}\": \"{version}\"");
    if let Some(current) = json["dependencies"][name].as_str() {
        let old = format!("\"{name}\": \"{current}\"");
        return Ok(text.replacen(&old, &entry, 1));
    }
    let Some(at) = text
        .find("\"dependencies\"")
        .and_then(|at| text[at..].find('{').map(|brace| at + brace + 1))
    else {
        return Err("package.json has no dependencies object to add to".to_owned());
    };
    let empty = text[at..].trim_start().starts_with('}');
    let separator = if empty { "" } else { "," };
    Ok(format!(
        "{}\n    {entry}{separator}{}",
        &text[..at],
        &text[at..]
    ))
}
