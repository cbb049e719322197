//! Deterministic repairs for every mechanical check, written back and validated again.

use std::collections::BTreeSet;

use replica_core::ProjectFiles;

use crate::rules::Edit;
use crate::{Report, analyze_project};

/// A fix round rarely enables another (a merged attribute, an import after 'use client');
/// more rounds than this would mean two repairs undo each other.
const MAX_ROUNDS: usize = 4;

/// What [`autofix`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutofixOutcome {
    /// The project with the repairs applied.
    pub files: ProjectFiles,
    /// Paths whose contents changed, sorted.
    pub changed: Vec<String>,
    /// The project validated again after the repairs.
    pub report: Report,
}

/// Applies the mechanical repairs (className, htmlFor, style objects, JSX comments,
/// self-closed void elements, `'use client'`, default export, imports of existing components)
/// to the files `report` found fixable problems in, then validates again. Running it on its
/// own output changes nothing.
pub fn autofix(files: &ProjectFiles, report: &Report) -> AutofixOutcome {
    crate::with_deep_stack(|| autofix_here(files, report))
}

fn autofix_here(files: &ProjectFiles, report: &Report) -> AutofixOutcome {
    let targets: BTreeSet<String> = report
        .diagnostics()
        .filter(|diagnostic| diagnostic.fixable)
        .map(|diagnostic| diagnostic.file.clone())
        .collect();
    let mut current = files.clone();
    let mut changed = BTreeSet::new();
    for _ in 0..MAX_ROUNDS {
        let analysis = analyze_project(&current);
        let mut round_changed = false;
        for (index, file) in analysis.files.iter().enumerate() {
            if !targets.contains(&file.path) {
                continue;
            }
            let mut edits: Vec<&Edit> = file
                .findings
                .iter()
                .filter_map(|finding| finding.fix.as_ref())
                .flatten()
                .collect();
            edits.extend(
                analysis
                    .file_findings
                    .iter()
                    .filter(|(i, _)| *i == index)
                    .filter_map(|(_, finding)| finding.fix.as_ref())
                    .flatten(),
            );
            if edits.is_empty() && file.recovered.map.is_empty() {
                continue;
            }
            let fixed = apply_edits(&file.recovered.text, edits);
            if fixed != file.source {
                current.insert_text(file.path.clone(), fixed);
                changed.insert(file.path.clone());
                round_changed = true;
            }
        }
        if !round_changed {
            break;
        }
    }
    let report = analyze_project(&current).report();
    AutofixOutcome {
        files: current,
        changed: changed.into_iter().collect(),
        report,
    }
}

/// Applies non-overlapping edits; an edit overlapping an earlier one waits for the next round.
fn apply_edits(text: &str, mut edits: Vec<&Edit>) -> String {
    // Stable: inserts at one offset keep the order their findings came in.
    edits.sort_by_key(|edit| (edit.start, edit.end));
    let mut kept: Vec<&Edit> = Vec::with_capacity(edits.len());
    for edit in edits {
        let in_bounds = edit.start <= edit.end
            && (edit.end as usize) <= text.len()
            && text.is_char_boundary(edit.start as usize)
            && text.is_char_boundary(edit.end as usize);
        let overlaps = kept.last().is_some_and(|last| {
            edit.start < last.end || (edit.start == last.start && last.end > last.start)
        });
        if in_bounds && !overlaps {
            kept.push(edit);
        }
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0usize;
    for edit in kept {
        out.push_str(&text[at..edit.start as usize]);
        out.push_str(&edit.text);
        at = edit.end as usize;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(start: u32, end: u32, text: &str) -> Edit {
        Edit {
            start,
            end,
            text: text.to_string(),
        }
    }

    #[test]
    fn edits_apply_in_order_and_overlaps_wait() {
        let a = edit(0, 0, "A");
        let b = edit(0, 0, "B");
        let c = edit(2, 4, "xy");
        let overlapping = edit(3, 5, "!");
        assert_eq!(
            apply_edits("0123456", vec![&c, &a, &overlapping, &b]),
            "AB01xy456"
        );
    }
}
