//! The page's other font families, for the tailwind style: a family stack the theme's
//! design tokens do not name, written by a class as an arbitrary property
//! (`[font-family:Montserrat,_sans-serif]`), becomes a `fontFamily` entry of the theme named
//! after its first family (`montserrat`), and the classes use the name (`font-montserrat`).

use std::collections::BTreeMap;

use crate::class_lists::{for_each_class, rewrite_classes};
use crate::theme_scales::arbitrary_value_css;

/// Names a `font-` class already means in Tailwind: its stacks and its weights.
const TAKEN: &[&str] = &[
    "sans",
    "serif",
    "mono",
    "thin",
    "extralight",
    "light",
    "normal",
    "medium",
    "semibold",
    "bold",
    "extrabold",
    "black",
];

/// Renames, in every class list of `sources`, the arbitrary font families; returns the
/// theme's new `fontFamily` entries (name to CSS stack). `theme_names` are the names the
/// theme has already.
pub fn name_font_families(
    sources: &mut [&mut String],
    theme_names: &[String],
) -> BTreeMap<String, String> {
    let mut stacks: Vec<String> = Vec::new();
    for source in sources.iter() {
        for_each_class(source, |class| {
            if let Some((_, stack)) = family_class(class)
                && !stacks.contains(&stack)
            {
                stacks.push(stack);
            }
            None
        });
    }
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut name_of: BTreeMap<String, String> = BTreeMap::new();
    for stack in stacks {
        let Some(slug) = first_family_slug(&stack) else {
            continue;
        };
        let taken = |name: &str| {
            TAKEN.contains(&name)
                || theme_names.iter().any(|theme| theme == name)
                || names.contains_key(name)
        };
        let name = (1..)
            .map(|n| {
                if n == 1 {
                    slug.clone()
                } else {
                    format!("{slug}-{n}")
                }
            })
            .find(|name| !taken(name))
            .unwrap_or(slug);
        names.insert(name.clone(), stack.clone());
        name_of.insert(stack, name);
    }
    if names.is_empty() {
        return names;
    }
    for source in sources.iter_mut() {
        let renamed = rewrite_classes(source, |class| {
            let (variants, stack) = family_class(class)?;
            name_of
                .get(&stack)
                .map(|name| format!("{variants}font-{name}"))
        });
        **source = renamed;
    }
    names
}

/// `md:[font-family:'Trebuchet_MS',_sans-serif]` as its variants (`md:`) and the stack as CSS
/// (`"Trebuchet MS", sans-serif`).
fn family_class(class: &str) -> Option<(&str, String)> {
    let start = class.find("[font-family:")?;
    let (variants, property) = class.split_at(start);
    if !variants.is_empty() && !variants.ends_with(':') {
        return None;
    }
    let value = property.strip_prefix("[font-family:")?.strip_suffix(']')?;
    let stack = arbitrary_value_css(value);
    // Quoted as the theme's token families are (`"Trebuchet MS"`): the class has single
    // quotes only because it sits in a JSX attribute.
    let stack = stack
        .split(',')
        .map(|family| {
            let family = family.trim();
            match family
                .strip_prefix('\'')
                .and_then(|rest| rest.strip_suffix('\''))
            {
                Some(name) if !name.contains('"') => format!("\"{name}\""),
                _ => family.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    Some((variants, stack))
}

/// `trebuchet-ms` for `"Trebuchet MS", sans-serif`; `browser-serif` for the browser's own
/// `serif` (Tailwind's `font-serif` is another stack).
fn first_family_slug(stack: &str) -> Option<String> {
    let first = stack.split(',').next()?.trim().trim_matches(['\'', '"']);
    // A reset (`md:[font-family:revert]`) is no family.
    if ["inherit", "initial", "unset", "revert", "revert-layer"].contains(&first) {
        return None;
    }
    let generic = match first {
        "serif" => Some("browser-serif"),
        "sans-serif" => Some("browser-sans"),
        "monospace" => Some("browser-mono"),
        "cursive" => Some("browser-cursive"),
        "system-ui" => Some("system"),
        _ => None,
    };
    if let Some(name) = generic {
        return Some(name.to_string());
    }
    let slug = crate::kebab_slug(first);
    slug.starts_with(|c: char| c.is_ascii_alphabetic())
        .then_some(slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_the_theme_lacks_are_named_after_their_first_family() {
        let mut hero = String::from(
            r#"<p className="text-sm [font-family:Montserrat,_sans-serif] md:[font-family:'Trebuchet_MS',_sans-serif]">a [font-family:x] b</p>"#,
        );
        let mut footer = String::from(
            r#"const linkClass = "[font-family:Montserrat] [font-family:serif] [font-family:body] md:[font-family:revert]";"#,
        );
        let families = name_font_families(&mut [&mut hero, &mut footer], &["body".to_string()]);
        assert_eq!(
            families,
            BTreeMap::from([
                ("body-2".to_string(), "body".to_string()),
                (
                    "montserrat".to_string(),
                    "Montserrat, sans-serif".to_string()
                ),
                ("montserrat-2".to_string(), "Montserrat".to_string()),
                ("browser-serif".to_string(), "serif".to_string()),
                (
                    "trebuchet-ms".to_string(),
                    "\"Trebuchet MS\", sans-serif".to_string()
                ),
            ])
        );
        // Text outside class lists stays as it was.
        assert_eq!(
            hero,
            r#"<p className="text-sm font-montserrat md:font-trebuchet-ms">a [font-family:x] b</p>"#
        );
        assert_eq!(
            footer,
            r#"const linkClass = "font-montserrat-2 font-browser-serif font-body-2 md:[font-family:revert]";"#
        );
    }
}
