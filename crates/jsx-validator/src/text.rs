//! Checks on the lines of a file rather than its AST: repetition is a property of the text a
//! model wrote, and truncation marks must be found even where the file no longer parses.

use crate::check::Check;
use crate::rules::{Finding, is_truncation_text};

/// The shortest block whose immediate repetition counts as a model looping.
const MIN_BLOCK_LINES: usize = 4;
/// Longer repeated blocks are not looked for: it keeps the scan linear in the file's length,
/// and a model that loops repeats a few dozen lines, not hundreds.
const MAX_BLOCK_LINES: usize = 200;

/// A block of 4+ non-blank lines immediately followed by the same lines again. Blocks made
/// mostly of closing tags and brackets (`</div>`, `)}`) repeat naturally and do not count.
pub(crate) fn duplicate_blocks(text: &str) -> Vec<Finding> {
    // (trimmed line, byte offset of the line) for non-blank lines.
    let lines: Vec<(&str, usize)> = line_offsets(text)
        .filter(|(line, _)| !line.trim().is_empty())
        .map(|(line, offset)| (line.trim(), offset))
        .collect();
    // Lines as ids so comparisons are integer compares.
    let mut ids = Vec::with_capacity(lines.len());
    let mut seen = std::collections::HashMap::new();
    for (line, _) in &lines {
        let next = seen.len();
        ids.push(*seen.entry(*line).or_insert(next));
    }
    let substantive: Vec<bool> = lines.iter().map(|(line, _)| is_substantive(line)).collect();

    let mut findings = Vec::new();
    let mut covered_until = 0usize;
    let mut start = 0usize;
    // For each start, the shortest period that repeats; report and skip past the repeat.
    'outer: while start + 2 * MIN_BLOCK_LINES <= ids.len() {
        if start < covered_until {
            start = covered_until;
            continue;
        }
        let max_period = ((ids.len() - start) / 2).min(MAX_BLOCK_LINES);
        for period in MIN_BLOCK_LINES..=max_period {
            if ids[start] != ids[start + period] {
                continue;
            }
            if (0..period).all(|i| ids[start + i] == ids[start + period + i]) {
                let content = substantive[start..start + period]
                    .iter()
                    .filter(|&&s| s)
                    .count();
                if content * 2 < period {
                    continue;
                }
                let first_line = line_number(text, lines[start].1);
                let repeat_line = line_number(text, lines[start + period].1);
                findings.push(Finding {
                    check: Check::DuplicateBlock,
                    offset: u32::try_from(lines[start + period].1).unwrap_or(u32::MAX),
                    message: format!(
                        "the {period} lines from line {first_line} are repeated verbatim at line \
                         {repeat_line}"
                    ),
                    hint: None,
                    fix: None,
                });
                // Further copies of the same block are part of the same loop.
                let mut end = start + 2 * period;
                while end + period <= ids.len()
                    && (0..period).all(|i| ids[start + i] == ids[end + i])
                {
                    end += period;
                }
                covered_until = end;
                start = end;
                continue 'outer;
            }
        }
        start += 1;
    }
    findings
}

/// A line that says something: not only closing tags, brackets and punctuation.
fn is_substantive(line: &str) -> bool {
    let without_closing_tags = {
        let mut rest = line;
        loop {
            let trimmed = rest.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '<');
            match trimmed.strip_prefix("</") {
                Some(after) => match after.find('>') {
                    Some(end) => rest = &after[end + 1..],
                    None => break trimmed,
                },
                None => break trimmed,
            }
        }
    };
    without_closing_tags.chars().any(char::is_alphanumeric)
}

/// Comment lines that mark left-out code, for files the parser could not read.
pub(crate) fn truncation_lines(text: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (line, offset) in line_offsets(text) {
        let trimmed = line.trim_start();
        let lead = line.len() - trimmed.len();
        let body = if let Some(body) = trimmed.strip_prefix("//") {
            Some(body)
        } else if let Some(rest) = trimmed
            .strip_prefix("{/*")
            .or_else(|| trimmed.strip_prefix("/*"))
        {
            rest.split("*/").next()
        } else {
            None
        };
        if let Some(body) = body
            && is_truncation_text(body)
        {
            findings.push(Finding {
                check: Check::TruncationComment,
                offset: u32::try_from(offset + lead).unwrap_or(u32::MAX),
                message: format!(
                    "the comment `{}` marks left-out code; the file looks truncated",
                    body.trim().trim_matches('*').trim()
                ),
                hint: None,
                fix: None,
            });
        }
    }
    findings
}

fn line_offsets(text: &str) -> impl Iterator<Item = (&str, usize)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |line| {
        let start = offset;
        offset += line.len();
        (line.trim_end_matches(['\n', '\r']), start)
    })
}

fn line_number(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// The deepest nesting of brackets and JSX tags, counted roughly on the bytes (strings and
/// comments included): the parser and the AST walk recurse once per level, so files beyond a
/// limit are refused before they can exhaust the stack.
pub(crate) fn nesting_depth(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut deepest = 0usize;
    for (index, &byte) in bytes.iter().enumerate() {
        let next = bytes.get(index + 1).copied().unwrap_or(0);
        match byte {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'<' if next == b'/' => depth = depth.saturating_sub(1),
            b'<' if next.is_ascii_alphabetic() || next == b'>' => depth += 1,
            b'/' if next == b'>' => depth = depth.saturating_sub(1),
            _ => {}
        }
        deepest = deepest.max(depth);
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_repeated_right_after_itself_is_found_once() {
        let block = "<li className=\"card\">\n  <h3>Fast</h3>\n  <p>Ships today</p>\n</li>\n";
        let text = format!("<ul>\n{block}{block}{block}</ul>\n");
        let findings = duplicate_blocks(&text);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].message.contains("the 4 lines from line 2"));
    }

    #[test]
    fn closing_tags_and_different_items_are_not_duplicates() {
        let closers = "</div>\n</div>\n</div>\n</div>\n</div>\n</div>\n</div>\n</div>\n";
        assert!(duplicate_blocks(closers).is_empty());
        let items = "<li>\n<h3>A</h3>\n<p>a</p>\n</li>\n<li>\n<h3>B</h3>\n<p>b</p>\n</li>\n";
        assert!(duplicate_blocks(items).is_empty());
        let three = "<a>x</a>\n<b>y</b>\n<c>z</c>\n<a>x</a>\n<b>y</b>\n<c>z</c>\n";
        assert!(duplicate_blocks(three).is_empty());
    }

    #[test]
    fn nesting_depth_counts_brackets_and_tags() {
        assert_eq!(nesting_depth("f(a[0], { b: <div><br /></div> })"), 4);
        assert_eq!(nesting_depth("<><p>x</p></>"), 2);
        assert_eq!(nesting_depth(&"<div>".repeat(50)), 50);
        assert_eq!(nesting_depth(")))"), 0);
    }

    #[test]
    fn substantive_lines() {
        assert!(!is_substantive("</div>"));
        assert!(!is_substantive("</div></section>);"));
        assert!(!is_substantive("})}"));
        assert!(is_substantive("<p>Text</p>"));
        assert!(is_substantive("</div> hello"));
    }
}
