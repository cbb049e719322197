//! Syntax errors with a known, mechanical cause (HTML comments, HTML-style void elements) are
//! repaired in memory so the rest of the file can still be parsed and checked, and so autofix
//! can write the same repairs out.
//!
//! Only the parser's *first* error is ever looked at: it is the root cause, later ones are
//! usually its echo. A repair is kept only when the next parse gets further than the last.

use oxc_allocator::Allocator;
use oxc_parser::Parser;
use oxc_span::SourceType;

use crate::check::Check;

/// Elements HTML closes by itself; JSX needs them self-closed.
pub(crate) const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// More rounds than this means the file is hopeless or adversarial; stop repairing.
const MAX_ROUNDS: usize = 200;

/// One text replacement, in the coordinates of the text it was applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AppliedEdit {
    pub start: u32,
    pub old_len: u32,
    pub new_len: u32,
}

/// Maps offsets in repaired text back to the original, by undoing edits newest first.
#[derive(Debug, Clone, Default)]
pub(crate) struct OffsetMap {
    edits: Vec<AppliedEdit>,
}

impl OffsetMap {
    pub fn push(&mut self, edit: AppliedEdit) {
        self.edits.push(edit);
    }

    pub fn is_empty(&self) -> bool {
        self.edits.is_empty()
    }

    /// The original offset of `offset`; offsets inside a replacement map to its start.
    pub fn to_original(&self, offset: u32) -> u32 {
        Self::undo(&self.edits, offset)
    }

    fn undo(edits: &[AppliedEdit], mut offset: u32) -> u32 {
        for edit in edits.iter().rev() {
            if offset >= edit.start + edit.new_len {
                offset = offset - edit.new_len + edit.old_len;
            } else if offset > edit.start {
                offset = edit.start;
            }
        }
        offset
    }
}

/// A repair made in memory: what was wrong, and where in the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Repair {
    pub check: Check,
    pub original_offset: u32,
    pub message: String,
}

/// The text after repairs, and how to find original positions in it.
#[derive(Debug, Clone)]
pub(crate) struct Recovered {
    pub text: String,
    pub repairs: Vec<Repair>,
    pub map: OffsetMap,
}

impl Recovered {
    /// A text that needed no repair.
    pub fn unchanged(source: &str) -> Recovered {
        Recovered {
            text: source.to_string(),
            repairs: Vec::new(),
            map: OffsetMap::default(),
        }
    }
}

/// Repairs HTML comments and unclosed void elements until the first syntax error is something
/// else (or there is none).
pub(crate) fn recover(source: &str, source_type: SourceType) -> Recovered {
    let mut text = source.to_string();
    let mut repairs = Vec::new();
    let mut map = OffsetMap::default();
    let Some(mut first_error) = first_syntax_error(&text, source_type) else {
        return Recovered { text, repairs, map };
    };
    for _ in 0..MAX_ROUNDS {
        let candidates = repair_candidates(&text, &first_error);
        let mut progressed = false;
        for candidate in candidates {
            let mut next = text.clone();
            next.replace_range(
                candidate.start as usize..(candidate.start + candidate.old_len) as usize,
                &candidate.replacement,
            );
            let next_error = first_syntax_error(&next, source_type);
            let new_len = len_u32(&candidate.replacement);
            // Progress: no error left, or the first one now lies beyond the repair.
            let beyond = candidate.start + new_len;
            let gets_further = match &next_error {
                None => true,
                Some(error) => error.offset >= beyond && error.offset > first_error.offset,
            };
            if !gets_further {
                continue;
            }
            let original_offset = map.to_original(candidate.report_offset);
            map.push(AppliedEdit {
                start: candidate.start,
                old_len: candidate.old_len,
                new_len,
            });
            repairs.push(Repair {
                check: candidate.check,
                original_offset,
                message: candidate.message,
            });
            text = next;
            progressed = true;
            match next_error {
                None => return Recovered { text, repairs, map },
                Some(error) => first_error = error,
            }
            break;
        }
        if !progressed {
            break;
        }
    }
    Recovered { text, repairs, map }
}

#[derive(Debug, Clone)]
pub(crate) struct FirstError {
    pub message: String,
    /// The primary label's offset.
    pub offset: u32,
    /// Offsets of the other labels (`Opened here`).
    pub secondary: Vec<(u32, u32)>,
}

fn first_syntax_error(text: &str, source_type: SourceType) -> Option<FirstError> {
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, text, source_type).parse();
    let diagnostic = parsed.diagnostics.errors().next()?;
    let labels = &diagnostic.labels;
    let offset = labels
        .iter()
        .find(|label| label.primary())
        .or_else(|| labels.first())
        .map_or(0, |label| label.offset());
    let secondary = labels
        .iter()
        .filter(|label| !label.primary())
        .map(|label| (label.offset(), label.offset().saturating_add(label.len())))
        .collect();
    Some(FirstError {
        message: diagnostic.message.to_string(),
        offset,
        secondary,
    })
}

struct Candidate {
    check: Check,
    start: u32,
    old_len: u32,
    replacement: String,
    report_offset: u32,
    message: String,
}

fn repair_candidates(text: &str, error: &FirstError) -> Vec<Candidate> {
    if let Some(candidates) = html_comment_candidates(text, error.offset) {
        return candidates;
    }
    if let Some(candidate) = void_element_candidate(text, error) {
        return vec![candidate];
    }
    Vec::new()
}

/// `<!-- x -->` at or just before the error: as a JSX child it becomes `{/* x */}`, in
/// expression position `/* x */`. The likelier form for the context is tried first.
fn html_comment_candidates(text: &str, offset: u32) -> Option<Vec<Candidate>> {
    let offset = offset as usize;
    let start = (offset.saturating_sub(2)..=offset)
        .find(|&at| text.get(at..).is_some_and(|rest| rest.starts_with("<!--")))?;
    let body_start = start + 4;
    let close = text[body_start..].find("-->")? + body_start;
    let body = text[body_start..close].replace("*/", "* /");
    let old_len = len_u32_usize(close + 3 - start);
    let as_jsx_child = format!("{{/*{body}*/}}");
    let as_js = format!("/*{body}*/");
    let in_expression = text[..start]
        .trim_end()
        .chars()
        .next_back()
        .is_none_or(|c| "(=?:[,&|".contains(c))
        || text[..start].trim_end().ends_with("return");
    let order = if in_expression {
        [as_js, as_jsx_child]
    } else {
        [as_jsx_child, as_js]
    };
    let start = len_u32_usize(start);
    Some(
        order
            .into_iter()
            .map(|replacement| Candidate {
                check: Check::HtmlComment,
                start,
                old_len,
                replacement,
                report_offset: start,
                message: "HTML comment `<!-- -->` in JSX; JSX comments are written {/* ... */}"
                    .to_string(),
            })
            .collect(),
    )
}

/// `Expected corresponding JSX closing tag for 'img'`: the `<img ...>` opened there is
/// self-closed.
fn void_element_candidate(text: &str, error: &FirstError) -> Option<Candidate> {
    let name = error
        .message
        .strip_prefix("Expected corresponding JSX closing tag for '")?
        .strip_suffix("'.")?;
    if !VOID_ELEMENTS.contains(&name) {
        return None;
    }
    let &(name_start, name_end) = error.secondary.first()?;
    if text.get(name_start as usize..name_end as usize) != Some(name) {
        return None;
    }
    let close = opening_tag_end(text, name_end as usize)?;
    let before = text[..close].chars().next_back()?;
    let replacement = if before.is_whitespace() { "/>" } else { " />" };
    Some(Candidate {
        check: Check::UnclosedVoidElement,
        start: len_u32_usize(close),
        old_len: 1,
        replacement: replacement.to_string(),
        report_offset: name_start.saturating_sub(1),
        message: format!(
            "<{name}> is not closed; in JSX void elements must self-close: <{name} />"
        ),
    })
}

/// The offset of the `>` that ends an opening tag whose attributes start at `from`; quotes and
/// `{...}` expressions are skipped. `None` when the tag is already self-closed or never ends.
fn opening_tag_end(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut at = from;
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    while at < bytes.len() {
        let byte = bytes[at];
        match quote {
            Some(q) => {
                if byte == b'\\' && depth > 0 {
                    at += 1;
                } else if byte == q {
                    quote = None;
                }
            }
            None => match byte {
                b'"' | b'\'' => quote = Some(byte),
                b'`' if depth > 0 => quote = Some(byte),
                b'{' => depth += 1,
                b'}' => depth = depth.saturating_sub(1),
                b'>' if depth == 0 => {
                    return (at == 0 || bytes[at - 1] != b'/').then_some(at);
                }
                b'<' if depth == 0 => return None,
                _ => {}
            },
        }
        at += 1;
    }
    None
}

fn len_u32(text: &str) -> u32 {
    len_u32_usize(text.len())
}

fn len_u32_usize(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_comments_become_jsx_comments() {
        let source = "export default function F() {\n  return (\n    <footer>\n      <!-- a -->\n      <p>x</p>\n      <!-- b -->\n    </footer>\n  );\n}\n";
        let recovered = recover(source, SourceType::jsx());
        assert!(recovered.text.contains("{/* a */}"), "{}", recovered.text);
        assert!(recovered.text.contains("{/* b */}"), "{}", recovered.text);
        assert_eq!(recovered.repairs.len(), 2);
        assert!(first_syntax_error(&recovered.text, SourceType::jsx()).is_none());
        let first = recovered.repairs[0].original_offset as usize;
        assert!(source[first..].starts_with("<!-- a"));
        let second = recovered.repairs[1].original_offset as usize;
        assert!(source[second..].starts_with("<!-- b"));
    }

    #[test]
    fn html_comment_before_the_root_element_becomes_a_js_comment() {
        let source = "const A = () => (\n  <!-- root -->\n  <div />\n);\nexport default A;\n";
        let recovered = recover(source, SourceType::jsx());
        assert!(
            recovered.text.contains("/* root */\n  <div />"),
            "{}",
            recovered.text
        );
        assert!(first_syntax_error(&recovered.text, SourceType::jsx()).is_none());
    }

    #[test]
    fn void_elements_are_self_closed() {
        let source = "export default () => (\n  <div>\n    <img src=\"/a.png\" alt={a > b ? 'x' : 'y'}>\n    <br>\n    <input type=\"text\" >\n  </div>\n);\n";
        let recovered = recover(source, SourceType::jsx());
        assert!(
            first_syntax_error(&recovered.text, SourceType::jsx()).is_none(),
            "{}",
            recovered.text
        );
        assert!(recovered.text.contains("alt={a > b ? 'x' : 'y'} />"));
        assert!(recovered.text.contains("<br />"));
        assert!(recovered.text.contains("<input type=\"text\" />"));
        assert_eq!(recovered.repairs.len(), 3);
        for repair in &recovered.repairs {
            assert_eq!(&source[repair.original_offset as usize..][..1], "<");
        }
    }

    #[test]
    fn other_syntax_errors_are_left_alone() {
        let source = "export default function A() { return <p>}</p>; }";
        let recovered = recover(source, SourceType::jsx());
        assert_eq!(recovered.text, source);
        assert!(recovered.repairs.is_empty());
    }

    #[test]
    fn offsets_map_back_through_edits() {
        let mut map = OffsetMap::default();
        // "abcdef": replace "cd" (2..4) with "XYZ" -> "abXYZef"
        map.push(AppliedEdit {
            start: 2,
            old_len: 2,
            new_len: 3,
        });
        assert_eq!(map.to_original(1), 1);
        assert_eq!(map.to_original(3), 2);
        assert_eq!(map.to_original(5), 4);
        assert_eq!(map.to_original(6), 5);
    }
}
