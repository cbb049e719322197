//! The checks: one id each, a severity, and the hint a person or a model needs to fix it.

use serde::Serialize;

/// How much a finding matters: errors make a project invalid, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Which check produced a diagnostic. The serialized id is the snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The file does not parse as JavaScript with JSX, or is not UTF-8.
    SyntaxError,
    /// Hooks, event handlers or client-only libraries without `'use client'` at the top.
    MissingUseClient,
    /// An import of a package the sandbox template does not install, or of a project file
    /// that does not exist.
    BadImport,
    /// `<img>`, `<br>`, `<input>`... left open as in HTML.
    UnclosedVoidElement,
    /// `class=` on an HTML element.
    ClassNotClassname,
    /// `for=` on an HTML element.
    ForNotHtmlfor,
    /// `style="..."` as a string; React needs an object.
    StyleString,
    /// `<!-- -->` inside JSX.
    HtmlComment,
    /// `// ...`, `// rest of`, `// etc`: a model cut its output short.
    TruncationComment,
    /// A block of 4+ lines repeated right after itself: a model looping.
    DuplicateBlock,
    /// A page, layout or component without a default export.
    MissingDefaultExport,
    /// A component that renders nothing.
    EmptyComponent,
    /// A list element rendered by `.map` without a `key`.
    MissingKeyProp,
    /// An imported component file that is not in the project, or a component used in JSX that
    /// is neither imported nor defined.
    MissingComponentFile,
    /// A file under components/ that nothing imports.
    OrphanComponent,
    /// Pages under app/ without app/layout.jsx.
    MissingLayout,
    /// No app/globals.css, or nothing imports it.
    MissingGlobals,
}

impl Check {
    pub const ALL: [Check; 17] = [
        Check::SyntaxError,
        Check::MissingUseClient,
        Check::BadImport,
        Check::UnclosedVoidElement,
        Check::ClassNotClassname,
        Check::ForNotHtmlfor,
        Check::StyleString,
        Check::HtmlComment,
        Check::TruncationComment,
        Check::DuplicateBlock,
        Check::MissingDefaultExport,
        Check::EmptyComponent,
        Check::MissingKeyProp,
        Check::MissingComponentFile,
        Check::OrphanComponent,
        Check::MissingLayout,
        Check::MissingGlobals,
    ];

    /// The check's id, as reports print it.
    pub fn id(self) -> &'static str {
        match self {
            Check::SyntaxError => "syntax_error",
            Check::MissingUseClient => "missing_use_client",
            Check::BadImport => "bad_import",
            Check::UnclosedVoidElement => "unclosed_void_element",
            Check::ClassNotClassname => "class_not_classname",
            Check::ForNotHtmlfor => "for_not_htmlfor",
            Check::StyleString => "style_string",
            Check::HtmlComment => "html_comment",
            Check::TruncationComment => "truncation_comment",
            Check::DuplicateBlock => "duplicate_block",
            Check::MissingDefaultExport => "missing_default_export",
            Check::EmptyComponent => "empty_component",
            Check::MissingKeyProp => "missing_key_prop",
            Check::MissingComponentFile => "missing_component_file",
            Check::OrphanComponent => "orphan_component",
            Check::MissingLayout => "missing_layout",
            Check::MissingGlobals => "missing_globals",
        }
    }

    /// The check named `id`, for fixture folders and command lines.
    pub fn from_id(id: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|check| check.id() == id)
    }

    pub fn severity(self) -> Severity {
        match self {
            Check::MissingKeyProp
            | Check::OrphanComponent
            | Check::MissingLayout
            | Check::MissingGlobals => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// How to fix a finding of this check, in general; diagnostics may say more.
    pub fn fix_hint(self) -> &'static str {
        match self {
            Check::SyntaxError => "fix the syntax at this position; the file must parse as JSX",
            Check::MissingUseClient => {
                "add 'use client'; as the first line, or move the interactive part into its own \
                 client component"
            }
            Check::BadImport => {
                "import only react, next/*, the sandbox template's packages or files that exist \
                 in the project; otherwise write the code inline"
            }
            Check::UnclosedVoidElement => "self-close the element: <img ... />",
            Check::ClassNotClassname => "rename the attribute to className",
            Check::ForNotHtmlfor => "rename the attribute to htmlFor",
            Check::StyleString => {
                "use a style object: style={{ backgroundColor: '#fff', '--custom': '1px' }}"
            }
            Check::HtmlComment => "use a JSX comment: {/* ... */}",
            Check::TruncationComment => {
                "write out the omitted code in full; the file must be complete"
            }
            Check::DuplicateBlock => {
                "remove the repeated copy; if the markup really repeats, map over an array"
            }
            Check::MissingDefaultExport => {
                "export the component: export default function Name() {...}"
            }
            Check::EmptyComponent => "return the section's markup from the component",
            Check::MissingKeyProp => {
                "give the outer element of each list item a stable key: key={item.id}"
            }
            Check::MissingComponentFile => {
                "create the component file, or import the one that exists"
            }
            Check::OrphanComponent => "import and render the component, or delete the file",
            Check::MissingLayout => {
                "add app/layout.jsx that renders <html><body>{children}</body></html>"
            }
            Check::MissingGlobals => "add app/globals.css and import it in app/layout.jsx",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_match_serde() {
        for check in Check::ALL {
            assert_eq!(Check::from_id(check.id()), Some(check));
            assert_eq!(
                serde_json::to_value(check).unwrap(),
                serde_json::Value::String(check.id().to_string())
            );
        }
        assert_eq!(Check::from_id("nope"), None);
    }
}
