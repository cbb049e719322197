//! What the browser computes for each tag in an unstyled document: the values the scrape's
//! `DomElement::style` leaves out.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

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

    /// The table indexed for code that reads many values of many elements: built once per
    /// use, it hashes the base, which nearly every lookup falls through to.
    pub fn index(&self) -> DefaultsIndex<'_> {
        DefaultsIndex {
            tags: &self.tags,
            base: self
                .base
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.base.is_empty() && self.tags.is_empty()
    }
}

/// [`BrowserDefaults`] indexed for lookups ([`BrowserDefaults::index`]).
#[derive(Debug, Clone)]
pub struct DefaultsIndex<'a> {
    /// Small maps (most tags differ from a `<div>` in a few properties, or none).
    tags: &'a BTreeMap<String, BTreeMap<String, String>>,
    base: FxHashMap<&'a str, &'a str>,
}

impl<'a> DefaultsIndex<'a> {
    /// One tag's defaults, found once for all the values read from it.
    pub fn tag(&'a self, tag: &str) -> TagDefaults<'a> {
        TagDefaults {
            own: self.tags.get(tag),
            base: &self.base,
        }
    }
}

/// The defaults of one tag ([`DefaultsIndex::tag`]).
#[derive(Debug, Clone, Copy)]
pub struct TagDefaults<'a> {
    /// `None` for a tag the capture never met.
    own: Option<&'a BTreeMap<String, String>>,
    base: &'a FxHashMap<&'a str, &'a str>,
}

impl<'a> TagDefaults<'a> {
    /// What `property` computes to on the unstyled tag, as [`BrowserDefaults::value`].
    pub fn value(self, property: &str) -> Option<&'a str> {
        match self.own?.get(property) {
            Some(own) => Some(own),
            None => self.base.get(property).copied(),
        }
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
    fn the_index_answers_as_the_table() {
        let defaults = defaults();
        let index = defaults.index();
        for tag in ["h1", "div", "table"] {
            for property in ["font-size", "display", "color"] {
                assert_eq!(
                    index.tag(tag).value(property),
                    defaults.value(tag, property),
                    "{tag} {property}"
                );
            }
        }
    }

    #[test]
    fn tags_never_met_have_no_defaults() {
        let defaults = defaults();
        assert_eq!(defaults.value("table", "display"), None);
        assert_eq!(BrowserDefaults::default().value("div", "display"), None);
    }
}
