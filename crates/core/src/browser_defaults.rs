//! What the browser computes for each tag in an unstyled document: the values the scrape's
//! `DomElement::style` leaves out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Browser defaults recorded by the scrape, in the page's compat mode, for every tag the
/// capture met (DESIGN.md §3: a captured style is "computed style minus what the same tag
/// computes to in an unstyled document"). An element's full computed value of a property is
/// its captured value, else [`BrowserDefaults::value`] for its tag: exact by construction,
/// because these are the very values the capture compared against.
///
/// Stored as what an unstyled `<div>` computes (`base`) plus, per tag, where the tag differs
/// from it (every tag met is listed, with an empty map where it computes what a `<div>`
/// does); SVG elements below the `<svg>` root are keyed `svg:<name>` (`svg:rect`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BrowserDefaults {
    #[serde(default)]
    pub base: BTreeMap<String, String>,
    #[serde(default)]
    pub tags: BTreeMap<String, BTreeMap<String, String>>,
}

impl BrowserDefaults {
    /// What `property` computes to on an unstyled `tag` (`svg:` prefix for SVG content), or
    /// `None` where nothing was recorded (a tag the capture never met, or data from before
    /// defaults were recorded).
    pub fn value(&self, tag: &str, property: &str) -> Option<&str> {
        let own = self.tags.get(tag)?;
        own.get(property)
            .or_else(|| self.base.get(property))
            .map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.base.is_empty() && self.tags.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> BrowserDefaults {
        let map = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>()
        };
        BrowserDefaults {
            base: map(&[("display", "block"), ("font-size", "16px")]),
            tags: [
                ("div".to_string(), BTreeMap::new()),
                ("h1".to_string(), map(&[("font-size", "32px")])),
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn a_tag_overrides_the_base_where_it_differs() {
        let defaults = defaults();
        assert_eq!(defaults.value("h1", "font-size"), Some("32px"));
        assert_eq!(defaults.value("h1", "display"), Some("block"));
        assert_eq!(defaults.value("div", "font-size"), Some("16px"));
    }

    #[test]
    fn tags_never_met_have_no_defaults() {
        let defaults = defaults();
        assert_eq!(defaults.value("table", "display"), None);
        assert_eq!(BrowserDefaults::default().value("div", "display"), None);
    }
}
