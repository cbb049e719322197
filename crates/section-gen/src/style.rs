//! Inline `style="..."` strings: the React style object rule lives in `replica-css`; here,
//! the URLs inside them are made absolute.

pub use replica_css::{StyleDeclaration, style_declarations, style_object};

/// Every `url(...)` reference in a CSS value passed through `resolve` (empty, `data:` and
/// fragment-only ones kept as written), quoted as it was (double quotes when it was not).
/// Inline styles resolve relative URLs against the page; the clone is served elsewhere.
pub(crate) fn resolve_css_urls(value: &str, resolve: impl Fn(&str) -> String) -> String {
    replica_css::rewrite_every_url(value, |url| {
        let reference = url.reference.trim();
        let resolved = if url.is_resolvable() {
            resolve(reference)
        } else {
            reference.to_string()
        };
        let q = url.quote.unwrap_or('"');
        // Spaces before the `)` stay as written (and leading ones go), as they always have.
        let argument = &value[url.argument.clone()];
        let trailing = &argument[argument.trim_end().len()..];
        Some(format!("{q}{resolved}{q}{trailing}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_style_urls_are_resolved() {
        let absolute = |r: &str| format!("https://example.com/{r}");
        assert_eq!(
            resolve_css_urls(r#"url("img/a.png") , URL( 'b.png' ), url(c.png)"#, absolute),
            // Space after `url(` is insignificant and dropped.
            r#"url("https://example.com/img/a.png") , URL('https://example.com/b.png' ), url("https://example.com/c.png")"#
        );
        assert_eq!(
            resolve_css_urls("url(data:image/png;base64,AA==) url(#clip) url()", absolute),
            r##"url("data:image/png;base64,AA==") url("#clip") url("")"##
        );
        assert_eq!(resolve_css_urls("url(\"broken", absolute), "url(\"broken");
        assert_eq!(resolve_css_urls("red", absolute), "red");
    }
}
