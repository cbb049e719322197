//! The page's own spacing steps, for the tailwind style: a whole-pixel length off Tailwind's
//! scale that two or more classes of the page write (`px-[18px]`, `mt-[18px]`) becomes a
//! `spacing` entry of the theme named in Tailwind's unit, a quarter rem (`"4.5": "18px"`), and
//! the classes use the name (`px-4.5`), as a person extends the scale for values they reuse.
//! Tailwind 4 has these names built in.

use std::collections::BTreeMap;

use crate::class_lists::{for_each_class, rewrite_classes};

/// Utilities that take the spacing scale, longest first where one prefixes another.
const SPACING_UTILITIES: &[&str] = &[
    "gap-x", "gap-y", "gap", "px", "py", "pt", "pr", "pb", "pl", "p", "mx", "my", "mt", "mr", "mb",
    "ml", "m", "min-w", "min-h", "max-h", "w", "h", "top", "right", "bottom", "left", "inset-x",
    "inset-y", "inset",
];

/// Beyond Tailwind's largest step (96, 384px) a quarter-rem name reads worse than the length.
const LARGEST_STEP_PX: f64 = 384.0;

/// Renames, in every `className="..."` and shared `...Class = "..."` list of `sources`, the
/// arbitrary spacing lengths used at least twice; returns the theme's `spacing` entries for
/// them (name to length).
pub fn name_spacing_steps(sources: &mut [&mut String]) -> BTreeMap<String, String> {
    let mut uses: BTreeMap<u32, usize> = BTreeMap::new();
    for source in sources.iter() {
        for_each_class(source, |class| {
            if let Some(step) = spacing_step(class) {
                *uses.entry(step.px).or_default() += 1;
            }
            None
        });
    }
    uses.retain(|_, count| *count >= 2);
    if uses.is_empty() {
        return BTreeMap::new();
    }
    for source in sources.iter_mut() {
        let renamed = rewrite_classes(source, |class| {
            let step = spacing_step(class)?;
            uses.contains_key(&step.px).then(|| step.named())
        });
        **source = renamed;
    }
    uses.keys()
        .map(|&px| (quarter_rem_name(px), format!("{px}px")))
        .collect()
}

/// `theme.extend` with the steps as its `spacing` (as it was when there are none).
pub(crate) fn with_spacing_steps(
    theme_extend: &serde_json::Value,
    steps: BTreeMap<String, String>,
) -> serde_json::Value {
    let mut theme_extend = theme_extend.clone();
    if let Some(extend) = theme_extend.as_object_mut()
        && !steps.is_empty()
    {
        let steps = steps
            .into_iter()
            .map(|(name, length)| (name, serde_json::Value::String(length)))
            .collect();
        extend.insert("spacing".to_string(), serde_json::Value::Object(steps));
    }
    theme_extend
}

/// One arbitrary spacing class: `md:-mt-[18px]` is variants `md:`, negative, `mt`, 18px.
struct SpacingClass<'a> {
    variants: &'a str,
    negative: bool,
    utility: &'a str,
    px: u32,
}

impl SpacingClass<'_> {
    fn named(&self) -> String {
        let sign = if self.negative { "-" } else { "" };
        format!(
            "{}{sign}{}-{}",
            self.variants,
            self.utility,
            quarter_rem_name(self.px)
        )
    }
}

fn spacing_step(class: &str) -> Option<SpacingClass<'_>> {
    let split = class.rfind(':').map_or(0, |colon| colon + 1);
    let (variants, base) = class.split_at(split);
    if base.contains(':') {
        return None;
    }
    let (outer_negative, base) = match base.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, base),
    };
    let utility = SPACING_UTILITIES
        .iter()
        .find(|utility| base.starts_with(&format!("{utility}-[")))?;
    let value = base[utility.len() + 2..].strip_suffix(']')?;
    let (inner_negative, value) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    if outer_negative && inner_negative {
        return None;
    }
    let px: f64 = value.strip_suffix("px")?.parse().ok()?;
    if px <= 0.0 || px > LARGEST_STEP_PX || px.fract() != 0.0 {
        return None;
    }
    Some(SpacingClass {
        variants,
        negative: outer_negative || inner_negative,
        utility,
        px: px as u32,
    })
}

/// `4.5` for 18px: Tailwind's unit is a quarter rem, 4px.
fn quarter_rem_name(px: u32) -> String {
    let whole = px / 4;
    match px % 4 {
        0 => whole.to_string(),
        1 => format!("{whole}.25"),
        2 => format!("{whole}.5"),
        _ => format!("{whole}.75"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_used_twice_become_the_themes_steps() {
        let mut hero = String::from(
            r#"<div className="px-[18px] md:-mt-[18px] mb-[13px] w-[1170px]">a px-[18px] b</div>"#,
        );
        let mut card = String::from(
            r#"const itemClass = "mt-[-18px] gap-[13px] p-[9.5px]";
<p className="pt-[7px]">c</p>"#,
        );
        let steps = name_spacing_steps(&mut [&mut hero, &mut card]);
        assert_eq!(
            steps,
            BTreeMap::from([
                ("3.25".to_string(), "13px".to_string()),
                ("4.5".to_string(), "18px".to_string()),
            ])
        );
        // Text outside class lists, lengths used once, fractions of a pixel and lengths past
        // the scale stay as they were.
        assert_eq!(
            hero,
            r#"<div className="px-4.5 md:-mt-4.5 mb-3.25 w-[1170px]">a px-[18px] b</div>"#
        );
        assert_eq!(
            card,
            r#"const itemClass = "-mt-4.5 gap-3.25 p-[9.5px]";
<p className="pt-[7px]">c</p>"#
        );
    }

    #[test]
    fn a_page_without_repeated_lengths_keeps_its_classes() {
        let mut source = String::from(r#"<div className="px-[18px] mt-[13px]" />"#);
        let before = source.clone();
        assert!(name_spacing_steps(&mut [&mut source]).is_empty());
        assert_eq!(source, before);
    }
}
