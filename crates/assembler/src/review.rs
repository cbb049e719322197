//! Stage G (DESIGN.md §1): the combiner review. Each section was generated alone, so the
//! assembled project can have problems no single component shows. [`review`] fixes the ones
//! that have one right answer and returns only the files it changed (empty when clean);
//! [`review_prompt`] and [`accept_review_answer`] are the optional model review, whose
//! answer is refused when it rewrites, restyles, adds or removes sections.

use std::collections::{BTreeMap, BTreeSet};

use replica_core::ProjectFiles;

/// One deterministic fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFix {
    pub file: String,
    pub kind: FixKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixKind {
    /// A package whose components render unstyled without its CSS (swiper).
    MissingPackageCss,
    /// The same top-level declaration twice in one file (a syntax error in a module).
    DuplicateDeclaration,
    /// The same CSS rule twice in globals.css; only the later one has any effect.
    DuplicateGlobalCss,
}

/// What [`review`] changed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReviewOutcome {
    /// Only the files that changed, with their new contents.
    pub changed: ProjectFiles,
    pub fixes: Vec<ReviewFix>,
}

impl ReviewOutcome {
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty()
    }
}

/// The deterministic cross-component fixes.
pub fn review(files: &ProjectFiles) -> ReviewOutcome {
    let mut outcome = ReviewOutcome::default();
    for path in files.paths() {
        let Some(original) = files.text(path) else {
            continue;
        };
        let mut text = original.to_string();
        if is_script(path) {
            text = without_duplicate_declarations(&text, path, &mut outcome.fixes);
            text = with_package_css(&text, path, &mut outcome.fixes);
        } else if path == "app/globals.css" {
            text = without_duplicate_css_rules(&text, path, &mut outcome.fixes);
        }
        if text != original {
            outcome.changed.insert_text(path, text);
        }
    }
    outcome
}

fn is_script(path: &str) -> bool {
    (path.starts_with("components/") || path.starts_with("app/"))
        && [".jsx", ".js", ".tsx", ".ts"]
            .iter()
            .any(|extension| path.ends_with(extension))
}

/// The stylesheets of swiper's modules, by the name imported from `swiper/modules`.
const SWIPER_MODULE_CSS: &[(&str, &str)] = &[
    ("Navigation", "swiper/css/navigation"),
    ("Pagination", "swiper/css/pagination"),
    ("Scrollbar", "swiper/css/scrollbar"),
    ("EffectFade", "swiper/css/effect-fade"),
    ("EffectCube", "swiper/css/effect-cube"),
    ("EffectFlip", "swiper/css/effect-flip"),
    ("EffectCoverflow", "swiper/css/effect-coverflow"),
    ("EffectCards", "swiper/css/effect-cards"),
    ("EffectCreative", "swiper/css/effect-creative"),
    ("FreeMode", "swiper/css/free-mode"),
    ("Grid", "swiper/css/grid"),
    ("Thumbs", "swiper/css/thumbs"),
    ("Zoom", "swiper/css/zoom"),
];

/// Adds `import "swiper/css"` (and the CSS of each swiper module used) to a file that uses
/// swiper without them, after its last import.
fn with_package_css(text: &str, path: &str, fixes: &mut Vec<ReviewFix>) -> String {
    let imports: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter(|(_, line)| line.trim_start().starts_with("import "))
        .collect();
    let uses_swiper = imports.iter().any(|(_, line)| {
        imported_from(line).is_some_and(|from| from == "swiper" || from.starts_with("swiper/"))
    });
    if !uses_swiper {
        return text.to_string();
    }
    let present: BTreeSet<&str> = imports
        .iter()
        .filter_map(|(_, line)| imported_from(line))
        .collect();
    let mut needed = vec!["swiper/css"];
    for (_, line) in &imports {
        if imported_from(line) == Some("swiper/modules") {
            for (module, css) in SWIPER_MODULE_CSS {
                if names_in(line).contains(module) {
                    needed.push(css);
                }
            }
        }
    }
    // `swiper/css/bundle` has every module's styles.
    if present.contains("swiper/css/bundle") {
        return text.to_string();
    }
    let missing: Vec<&str> = needed
        .into_iter()
        .filter(|css| !present.contains(css))
        .collect();
    if missing.is_empty() {
        return text.to_string();
    }
    let last_import = imports.last().map_or(0, |(index, _)| *index);
    let mut out = String::with_capacity(text.len() + 64);
    for (index, line) in text.split_inclusive('\n').enumerate() {
        out.push_str(line);
        if index == last_import {
            if !line.ends_with('\n') {
                out.push('\n');
            }
            for css in &missing {
                out.push_str(&format!("import \"{css}\";\n"));
            }
        }
    }
    fixes.push(ReviewFix {
        file: path.to_string(),
        kind: FixKind::MissingPackageCss,
        message: format!(
            "uses swiper without its styles; imported {}",
            missing.join(", ")
        ),
    });
    out
}

/// The module specifier of a one-line import.
fn imported_from(line: &str) -> Option<&str> {
    let line = line.trim().trim_end_matches(';').trim_end();
    let quote = line.chars().last().filter(|c| matches!(c, '"' | '\''))?;
    let inner = &line[..line.len() - 1];
    let start = inner.rfind(quote)?;
    Some(&inner[start + 1..])
}

/// The names between the braces of an import.
fn names_in(line: &str) -> Vec<&str> {
    let Some(open) = line.find('{') else {
        return Vec::new();
    };
    let Some(close) = line[open..].find('}') else {
        return Vec::new();
    };
    line[open + 1..open + close]
        .split(',')
        .map(|name| name.split(" as ").next().unwrap_or("").trim())
        .filter(|name| !name.is_empty())
        .collect()
}

/// Drops later copies of a top-level `const`/`let`/`var`/`function` declaration that is
/// repeated with exactly the same text (what concatenating generated code produces). Copies
/// that differ are left for the validator to report: which one is right is not knowable here.
fn without_duplicate_declarations(text: &str, path: &str, fixes: &mut Vec<ReviewFix>) -> String {
    let statements = top_level_statements(text);
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut dropped = Vec::new();
    let mut out = String::with_capacity(text.len());
    for statement in statements {
        let name = declared_name(statement);
        if let Some(name) = name {
            match seen.get(name) {
                Some(first) if first.trim() == statement.trim() => {
                    dropped.push(name);
                    continue;
                }
                Some(_) => {}
                None => {
                    seen.insert(name, statement);
                }
            }
        }
        out.push_str(statement);
    }
    if dropped.is_empty() {
        return text.to_string();
    }
    fixes.push(ReviewFix {
        file: path.to_string(),
        kind: FixKind::DuplicateDeclaration,
        message: format!("removed repeated declarations of {}", dropped.join(", ")),
    });
    out
}

/// The name a top-level statement declares (not default exports: those are the component).
fn declared_name(statement: &str) -> Option<&str> {
    let line = statement.trim_start();
    let line = line.strip_prefix("export ").unwrap_or(line);
    let rest = ["const ", "let ", "var ", "function ", "async function "]
        .iter()
        .find_map(|keyword| line.strip_prefix(keyword))?;
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// The text split into top-level pieces: a piece ends at a newline where brackets are
/// balanced and the next line starts at column 0 with something other than a closing
/// bracket. Strings, template literals and comments are skipped when counting brackets.
fn top_level_statements(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut depth: i64 = 0;
    let mut start = 0;
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'"' | b'\'' | b'`' => index = closing_quote(bytes, index),
            b'/' if bytes.get(index + 1) == Some(&b'/') => {
                while index < bytes.len() && bytes[index] != b'\n' {
                    index += 1;
                }
                continue;
            }
            b'/' if bytes.get(index + 1) == Some(&b'*') => {
                index += 2;
                while index + 1 < bytes.len() && !(bytes[index] == b'*' && bytes[index + 1] == b'/')
                {
                    index += 1;
                }
                index += 1;
            }
            b'{' | b'(' | b'[' => depth += 1,
            b'}' | b')' | b']' => depth -= 1,
            b'\n' if depth == 0 => {
                let next = bytes.get(index + 1).copied();
                let starts_statement = next.is_some_and(|c| {
                    !c.is_ascii_whitespace()
                        && !matches!(c, b'}' | b')' | b']' | b'.' | b'?' | b':')
                });
                if starts_statement {
                    pieces.push(&text[start..=index]);
                    start = index + 1;
                }
            }
            _ => {}
        }
        index += 1;
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

/// Drops the earlier copies of a top-level CSS block (rule or at-rule) that occurs again
/// later with the same text: the later copy decides the cascade, so the result is the same.
fn without_duplicate_css_rules(css: &str, path: &str, fixes: &mut Vec<ReviewFix>) -> String {
    let blocks = css_blocks(css);
    let mut last_index: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, block) in blocks.iter().enumerate() {
        if block.is_rule {
            last_index.insert(block.text.trim(), index);
        }
    }
    let mut out = String::with_capacity(css.len());
    let mut dropped = 0;
    for (index, block) in blocks.iter().enumerate() {
        if block.is_rule && last_index.get(block.text.trim()) != Some(&index) {
            dropped += 1;
            continue;
        }
        out.push_str(block.text);
    }
    if dropped == 0 {
        return css.to_string();
    }
    fixes.push(ReviewFix {
        file: path.to_string(),
        kind: FixKind::DuplicateGlobalCss,
        message: format!("removed {dropped} rules that a later identical rule overrides"),
    });
    out
}

struct CssBlock<'a> {
    text: &'a str,
    /// A rule or at-rule block that may be dropped when repeated (not whitespace, comments,
    /// `;` statements or `@layer`).
    is_rule: bool,
}

/// Top-level blocks: everything up to the `}` that closes depth 0 or a `;` at depth 0.
fn css_blocks<'a>(css: &'a str) -> Vec<CssBlock<'a>> {
    let bytes = css.as_bytes();
    let mut blocks = Vec::new();
    let mut start = 0;
    let mut depth: i64 = 0;
    let mut index = 0;
    let push = |blocks: &mut Vec<CssBlock<'a>>, start: usize, end: usize| {
        let text = &css[start..end];
        let without_comments = strip_css_comments(text);
        let rule = without_comments.trim();
        blocks.push(CssBlock {
            text,
            // `@layer` statements and blocks fix the layer order where they first appear,
            // so they are never moved or dropped.
            is_rule: rule.contains('{') && !rule.starts_with("@layer"),
        });
    };
    while index < bytes.len() {
        match bytes[index] {
            b'"' | b'\'' => index = closing_quote(bytes, index),
            b'/' if bytes.get(index + 1) == Some(&b'*') => {
                let end = css[index + 2..]
                    .find("*/")
                    .map_or(css.len(), |end| line_end(css, index + 2 + end + 2));
                if depth == 0 {
                    // A comment on its own is its own block, kept as it is.
                    if css[start..index].trim().is_empty() {
                        push(&mut blocks, start, end);
                        start = end;
                    }
                }
                index = end;
                continue;
            }
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    let end = line_end(css, index + 1);
                    push(&mut blocks, start, end);
                    start = end;
                    index = end;
                    continue;
                }
            }
            b';' if depth == 0 => {
                let end = line_end(css, index + 1);
                push(&mut blocks, start, end);
                start = end;
                index = end;
                continue;
            }
            _ => {}
        }
        index += 1;
    }
    if start < css.len() {
        push(&mut blocks, start, css.len());
    }
    blocks
}

/// `from` moved past spaces and tabs and one newline, so a block owns the end of its line.
fn line_end(css: &str, from: usize) -> usize {
    let rest = &css[from..];
    let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let end = from + spaces;
    if css[end..].starts_with('\n') {
        end + 1
    } else {
        end
    }
}

fn strip_css_comments(css: &str) -> String {
    let mut out = String::new();
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        rest = rest[start + 2..]
            .find("*/")
            .map_or("", |end| &rest[start + 2 + end + 2..]);
    }
    out.push_str(rest);
    out
}

/// The model review's instructions and the project: components, page, layout and styles.
pub fn review_prompt(files: &ProjectFiles) -> String {
    let mut prompt = String::from(
        "You review a Next.js 14 project whose components were generated one section at a time. \
         Fix only problems between files that stop it from building or rendering (duplicate \
         declarations, missing imports, broken references). Do not rewrite, restyle, reorder, \
         add or remove sections; do not touch package.json or configs.\n\
         Answer with one JSON object mapping each changed file's path to its complete new \
         contents, and nothing else. Answer {} when nothing needs fixing.\n",
    );
    for path in files.paths().filter(|path| reviewable(path)) {
        if let Some(text) = files.text(path) {
            prompt.push_str(&format!("\n--- {path}\n{text}"));
            if !text.ends_with('\n') {
                prompt.push('\n');
            }
        }
    }
    prompt
}

/// Files the model review may change.
fn reviewable(path: &str) -> bool {
    is_script(path) || path == "app/globals.css"
}

/// Why a model review's answer was refused (the project is then kept as it was).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewRejected {
    #[error("the answer is not a JSON object of file paths to contents: {message}")]
    NotJson { message: String },
    #[error("the answer adds {path}, which the project does not have")]
    AddsFile { path: String },
    #[error("the answer changes {path}, which the review may not touch")]
    ForbiddenFile { path: String },
    #[error("the answer changes which sections app/page renders ({before:?} -> {after:?})")]
    ChangesSections {
        before: Vec<String>,
        after: Vec<String>,
    },
    #[error(
        "the answer rewrites {path}: only {kept_percent}% of its lines are kept (at least {min_percent}% must be)"
    )]
    Rewrites {
        path: String,
        kept_percent: u32,
        min_percent: u32,
    },
    #[error("the answer changes the class names of {path} (restyling is not the review's job)")]
    Restyles { path: String },
    #[error("the answer removes the default export of {path}")]
    RemovesComponent { path: String },
}

/// A fix keeps most of a file; below this share of kept lines it is a rewrite.
const MIN_KEPT_PERCENT: u32 = 70;

/// The changed files of a model review's answer (`{}` gives none), or why it was refused.
/// The answer may be wrapped in a ```json fence.
pub fn accept_review_answer(
    files: &ProjectFiles,
    answer: &str,
) -> Result<ProjectFiles, ReviewRejected> {
    let body = answer.trim();
    let body = body
        .strip_prefix("```json")
        .or_else(|| body.strip_prefix("```"))
        .and_then(|rest| rest.trim_end().strip_suffix("```"))
        .unwrap_or(body);
    let changed: BTreeMap<String, String> =
        serde_json::from_str(body.trim()).map_err(|error| ReviewRejected::NotJson {
            message: error.to_string(),
        })?;
    let mut accepted = ProjectFiles::default();
    for (path, new_text) in changed {
        let Some(old_text) = files.text(&path) else {
            return Err(ReviewRejected::AddsFile { path });
        };
        if !reviewable(&path) {
            return Err(ReviewRejected::ForbiddenFile { path });
        }
        if new_text == old_text {
            continue;
        }
        if matches!(path.as_str(), "app/page.jsx" | "app/page.tsx") {
            let before = rendered_components(old_text);
            let after = rendered_components(&new_text);
            if before != after {
                return Err(ReviewRejected::ChangesSections { before, after });
            }
        }
        if path.starts_with("components/") {
            if old_text.contains("export default") && !new_text.contains("export default") {
                return Err(ReviewRejected::RemovesComponent { path });
            }
            if class_names(old_text) != class_names(&new_text) {
                return Err(ReviewRejected::Restyles { path });
            }
        }
        let kept_percent = kept_line_percent(old_text, &new_text);
        if kept_percent < MIN_KEPT_PERCENT {
            return Err(ReviewRejected::Rewrites {
                path,
                kept_percent,
                min_percent: MIN_KEPT_PERCENT,
            });
        }
        accepted.insert_text(path, new_text);
    }
    Ok(accepted)
}

/// The components page.jsx renders, in order (`<Name />` with a capitalised name).
fn rendered_components(page: &str) -> Vec<String> {
    page.split('<')
        .skip(1)
        .filter_map(|tag| {
            let end = tag
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
                .unwrap_or(tag.len());
            let name = &tag[..end];
            name.chars()
                .next()
                .is_some_and(|c| c.is_ascii_uppercase())
                .then(|| name.to_string())
        })
        .collect()
}

/// Every class written in `className="..."` attributes, as a multiset.
fn class_names(source: &str) -> BTreeMap<&str, usize> {
    let mut classes = BTreeMap::new();
    for piece in source.split("className=\"").skip(1) {
        let value = piece.split('"').next().unwrap_or("");
        for class in value.split_whitespace() {
            *classes.entry(class).or_insert(0) += 1;
        }
    }
    classes
}

/// The share of the old file's non-blank lines that the new one still has.
fn kept_line_percent(old: &str, new: &str) -> u32 {
    let mut remaining: BTreeMap<&str, usize> = BTreeMap::new();
    for line in new.lines().map(str::trim).filter(|line| !line.is_empty()) {
        *remaining.entry(line).or_insert(0) += 1;
    }
    let mut total = 0u64;
    let mut kept = 0u64;
    for line in old.lines().map(str::trim).filter(|line| !line.is_empty()) {
        total += 1;
        if let Some(count) = remaining.get_mut(line).filter(|count| **count > 0) {
            *count -= 1;
            kept += 1;
        }
    }
    if total == 0 {
        return 100;
    }
    u32::try_from(kept * 100 / total).unwrap_or(100)
}

/// Why the model review produced no changes.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReviewError {
    #[error("the review model call failed: {0}")]
    Model(#[from] replica_core::LlmError),
    #[error("the review answer was cut off at the token limit")]
    Truncated,
    #[error("the review answer was refused: {0}")]
    Rejected(#[from] ReviewRejected),
}

/// Output budget of the review: enough to return a few whole component files.
const REVIEW_MAX_TOKENS: u32 = 16_000;

/// The optional model review: one request with [`review_prompt`], the answer checked by
/// [`accept_review_answer`]. Returns only the changed files (none when the model answers
/// `{}`); on any error the project stays as it was.
pub async fn model_review(
    model: &dyn replica_core::LanguageModel,
    files: &ProjectFiles,
) -> Result<ProjectFiles, ReviewError> {
    let request = replica_core::LlmRequest {
        system: Vec::new(),
        messages: vec![replica_core::Message::user_text(review_prompt(files))],
        max_tokens: REVIEW_MAX_TOKENS,
        temperature: Some(0.0),
        tools: Vec::new(),
    };
    let response = model.complete(&request).await?;
    if response.is_truncated() {
        return Err(ReviewError::Truncated);
    }
    Ok(accept_review_answer(files, &response.text)?)
}

/// Index of the quote closing the string that opens at `open` (or the end), escapes skipped.
fn closing_quote(bytes: &[u8], open: usize) -> usize {
    let quote = bytes[open];
    let mut index = open + 1;
    while index < bytes.len() && bytes[index] != quote {
        if bytes[index] == b'\\' {
            index += 1;
        }
        index += 1;
    }
    index
}
