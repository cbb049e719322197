//! Replica's shared vocabulary: the plain data that flows between pipeline stages and the
//! four small traits that let the pipeline swap implementations.
//!
//! Stages depend on this crate and never on each other. Nothing here talks to the network or
//! spawns processes; the only IO is [`ScrapeData::load`] / [`ScrapeData::save`], which read and
//! write this crate's own file format.
//!
//! | data | produced by | consumed by |
//! |---|---|---|
//! | [`ScrapeData`] | scrape (stage A) | design-tokens, planner |
//! | [`DesignTokens`] | design-tokens (C) | planner, section-gen, assembler |
//! | [`Plan`] | planner (D) | section-gen, assembler |
//! | [`ProjectFiles`] | assembler (F) | review, jsx-validator, sandbox |
//! | [`PipelineEvent`] | pipeline | CLI, HTTP server |

mod browser_defaults;
mod dom;
mod events;
mod files;
mod llm;
mod media_type;
mod model_text;
mod plan;
mod sandbox;
mod scrape;
mod section_gen;
mod template;
mod tokens;
mod url_policy;

use std::future::Future;
use std::pin::Pin;

pub use browser_defaults::{BrowserDefaults, DefaultsIndex, TagDefaults};
pub use dom::{DomElement, DomNode, MOBILE_MAX_WIDTH, MobileState, PseudoElement, Rect};
pub use events::{
    DiscoveredPage, PageResult, PipelineEvent, PlannedSectionSummary, SimilarityScores,
    StepTimings, ValidationCounts,
};
pub use files::{Lang, ProjectFile, ProjectFiles, ProjectPathError, check_project_path};
pub use llm::{
    ApiKey, ContentPart, ImageBlock, LanguageModel, LlmError, LlmRequest, LlmResponse, LlmStream,
    Message, Role, StopReason, StreamEvent, SystemBlock, ToolDefinition, ToolInputError,
    ToolResult, ToolResultPart, ToolUse, Usage, response_stream,
};
pub use media_type::{extension_for_media_type, media_type_of_path};
pub use model_text::{first_json_object, strip_code_fences};
pub use plan::{
    Heading, OutlineNode, PageWrapper, Plan, PlannedSection, SectionCrop, SectionData,
    SharedContext,
};
pub use sandbox::{CommandOutput, PreviewResponse, Sandbox, SandboxError, SandboxProvider};
pub use scrape::{
    BackgroundImage, Button, ConsoleMessage, DetectedSection, Device, DeviceCapture, DocumentSize,
    FontFace, FontInUse, FormControl, Icon, ImageInfo, InlineSvg, Link, MAX_DOM_DEPTH,
    NetworkResource, PageMeta, PageSource, RenderingMode, ResourceKind, ScrapeData, ScrapeError,
    ScrapeOptions, ScrapeTimings, Screenshot, Screenshots, SectionKind, Stylesheet,
    StylesheetOrigin, Viewport, parse_scrape_json,
};
pub use section_gen::{ComponentFile, GenerateError, OutputStyle, SectionGenerator};
pub use template::{
    INSTALLABLE_PACKAGES, NEXT_VERSION, TEMPLATE_DEV_PACKAGES, TEMPLATE_LOCK, TEMPLATE_PACKAGES,
    TSCONFIG, installable_version, is_template_package, package_name, template_version,
};
pub use tokens::{
    AnimationTokens, BackgroundColors, BorderTokens, ColorTokens, ComponentStyle, ComponentTokens,
    DesignTokens, FontFamilies, FontSource, FontSourceKind, HoverStyle, LayoutTokens, SectionGrid,
    SpacingTokens, TextColors, TextStyle, TypeScale, TypeScales, TypographyTokens,
};
pub use url_policy::{AllowedOrigin, Endpoint, OriginError, PolicyViolation, UrlPolicy};

/// A boxed, sendable future: what the object-safe traits in this crate return.
///
/// Could have been in std (it is `futures::future::BoxFuture` without the dependency).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A boxed, sendable stream, as [`BoxFuture`] is for futures.
pub type BoxStream<'a, T> = Pin<Box<dyn futures_core::Stream<Item = T> + Send + 'a>>;
