//! The generated components' class lists, read and rewritten in place: the tailwind style's
//! passes over the whole page (its spacing steps, its font families) work on the text.

/// Where class lists are written: JSX attributes and the shared lists' constants.
const CLASS_LIST_OPENINGS: &[&str] = &["className=\"", "Class = \""];

pub(crate) fn for_each_class(source: &str, mut visit: impl FnMut(&str) -> Option<String>) {
    let _ = rewrite_classes(source, |class| visit(class));
}

/// `source` with each class of its class lists replaced where `rename` says so.
pub(crate) fn rewrite_classes(
    source: &str,
    mut rename: impl FnMut(&str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some((start, opening)) = CLASS_LIST_OPENINGS
        .iter()
        .filter_map(|opening| rest.find(opening).map(|start| (start, *opening)))
        .min_by_key(|(start, _)| *start)
    {
        let list_start = start + opening.len();
        out.push_str(&rest[..list_start]);
        rest = &rest[list_start..];
        let end = rest.find('"').unwrap_or(rest.len());
        let classes: Vec<String> = rest[..end]
            .split(' ')
            .map(|class| rename(class).unwrap_or_else(|| class.to_string()))
            .collect();
        out.push_str(&classes.join(" "));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}
