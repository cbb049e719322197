//! One or two sentences per error telling a fixer what to change, specific where the message
//! names the culprit (the missing module, the undefined name, the hook).

use std::sync::LazyLock;

use regex::Regex;
use replica_core::{is_template_package, package_name};

use crate::{ErrorKind, NextError};

/// `Can't resolve 'framer-motion'`.
static UNRESOLVED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Can't resolve '(?P<specifier>[^']+)'").expect("valid regex"));
/// `heroTitle is not defined`.
static NOT_DEFINED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?P<name>[\w$.]+) is not defined").expect("valid regex"));
/// `Cannot read properties of null (reading 'map')`.
static READING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Cannot read propert(?:y|ies) of (?P<value>null|undefined) \(reading '(?P<property>[^']+)'\)")
        .expect("valid regex")
});
/// `features.map is not a function`.
static NOT_A_FUNCTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<name>[\w$.()\[\]]+) is not a function").expect("valid regex")
});
/// `... in page: "/pricing"`.
static ROUTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"in (?P<what>page|layout): "(?P<route>/[^"]*)""#).expect("valid regex")
});
/// `needs useState`, `useEffect only works`.
static HOOK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?P<hook>use[A-Z]\w*|createContext)\b").expect("valid regex"));

pub(crate) fn fix_hint(error: &NextError) -> String {
    let file = error.file.as_deref().unwrap_or("the file that throws");
    let at = match error.line {
        Some(line) => format!("{file} line {line}"),
        None => file.to_string(),
    };
    let message = error.message.as_str();
    match error.kind {
        ErrorKind::ModuleNotFound => module_not_found(file, message),
        ErrorKind::SyntaxError if file.ends_with(".css") => format!(
            "Fix the CSS syntax at {at}: close every block and string, and end each declaration with `;`."
        ),
        // SWC's own "Did you mean" is in the message; for an unclosed tag it points at the
        // wrong brace, so the hint names every usual cause instead.
        ErrorKind::SyntaxError => format!(
            "Fix the JSX syntax at {at}: close every tag (self-close void elements like `<img />`), balance braces, and write a literal `{{` or `}}` in text as `{{'{{'}}` / `{{'}}'}}`."
        ),
        ErrorKind::ClientComponentNeeded => {
            let culprit = HOOK
                .captures(message)
                .map(|c| format!("`{}`", &c["hook"]))
                .unwrap_or_else(|| "hooks or event handlers".to_string());
            format!(
                "Add \"use client\"; as the first line of {file}: it uses {culprit}, which only works in a Client Component."
            )
        }
        ErrorKind::BadDefaultExport => {
            let culprit = match (&error.file, ROUTE.captures(message)) {
                (Some(file), _) => file.clone(),
                (None, Some(c)) => {
                    let route = c["route"].trim_end_matches('/');
                    format!(
                        "the {} of route `{}` (`app{route}/{}.jsx`)",
                        &c["what"],
                        if route.is_empty() { "/" } else { route },
                        &c["what"]
                    )
                }
                (None, None) => "the page or layout".to_string(),
            };
            format!(
                "Make {culprit} `export default` a React component function (`export default function Page() {{ return <main>...</main>; }}`), and import components the way they are exported."
            )
        }
        ErrorKind::RuntimeError => runtime(&at, message),
        ErrorKind::Hydration => format!(
            "Make the server and the browser render the same markup in {file}: no `Date.now()`, `Math.random()`, `window` or locale-dependent formatting during render (move them into `useEffect`), and no block elements inside `<p>`."
        ),
        ErrorKind::FailedToCompile => format!("Fix the compile error at {at} as the message says."),
        ErrorKind::Other => {
            "Read the message; the dev server reported it outside a known error format.".to_string()
        }
    }
}

fn module_not_found(file: &str, message: &str) -> String {
    let Some(specifier) = UNRESOLVED
        .captures(message)
        .map(|c| c["specifier"].to_string())
    else {
        return format!("Fix the import in {file} so it points to an existing module.");
    };
    if specifier.starts_with('.') || specifier.starts_with('/') || specifier.starts_with("@/") {
        format!(
            "{file} imports `{specifier}`, which does not exist: create that file or fix the path (relative to {file})."
        )
    } else if is_template_package(&specifier) && package_name(&specifier) == specifier {
        format!(
            "`{specifier}` is a template package but is missing from this sandbox's node_modules: the import is fine; the sandbox's template install is broken, so provision a new sandbox."
        )
    } else if is_template_package(&specifier) {
        format!(
            "`{specifier}` is not an entry point of its package: import from the package's documented path instead."
        )
    } else {
        format!(
            "`{specifier}` is not installed and cannot be: remove the import from {file} and use only the template's packages (react, next, framer-motion, gsap, swiper, lucide-react, react-icons, ...) or plain code."
        )
    }
}

fn runtime(at: &str, message: &str) -> String {
    if let Some(c) = NOT_DEFINED.captures(message) {
        return format!(
            "`{}` is not defined at {at}: declare it, import it, or replace it with a literal value.",
            &c["name"]
        );
    }
    if let Some(c) = READING.captures(message) {
        return format!(
            "A value is {} where `.{}` is read at {at}: give it a default (`const items = [...]`) or guard it (`value?.{}`, `(list ?? []).map`).",
            &c["value"], &c["property"], &c["property"]
        );
    }
    if let Some(c) = NOT_A_FUNCTION.captures(message) {
        return format!(
            "`{}` is not a function at {at}: check what it is (an array for `.map`, a named vs default import).",
            &c["name"]
        );
    }
    format!("Fix the code at {at} so it does not throw while rendering.")
}

#[cfg(test)]
mod tests {
    use crate::{ErrorKind, new_error};

    fn hint(kind: ErrorKind, file: &str, message: &str) -> String {
        new_error(
            kind,
            Some(file.to_string()),
            Some((4, 12)),
            message.to_string(),
            None,
        )
        .fix_hint
    }

    #[test]
    fn hints_name_the_culprit() {
        assert_eq!(
            hint(
                ErrorKind::ModuleNotFound,
                "app/page.jsx",
                "Module not found: Can't resolve '../components/Hero'"
            ),
            "app/page.jsx imports `../components/Hero`, which does not exist: create that file or fix the path (relative to app/page.jsx)."
        );
        assert!(
            hint(
                ErrorKind::ModuleNotFound,
                "app/page.jsx",
                "Module not found: Can't resolve 'styled-components'"
            )
            .starts_with("`styled-components` is not installed")
        );
        assert!(
            hint(
                ErrorKind::ModuleNotFound,
                "app/page.jsx",
                "Module not found: Can't resolve 'swiper/nope'"
            )
            .starts_with("`swiper/nope` is not an entry point")
        );
        assert_eq!(
            hint(
                ErrorKind::RuntimeError,
                "app/page.jsx",
                "ReferenceError: heroTitle is not defined"
            ),
            "`heroTitle` is not defined at app/page.jsx line 4: declare it, import it, or replace it with a literal value."
        );
        assert!(
            hint(
                ErrorKind::RuntimeError,
                "app/page.jsx",
                "TypeError: Cannot read properties of null (reading 'map')"
            )
            .starts_with("A value is null where `.map` is read at app/page.jsx line 4")
        );
        assert!(
            hint(
                ErrorKind::ModuleNotFound,
                "app/page.jsx",
                "Module not found: Can't resolve 'framer-motion'"
            )
            .starts_with("`framer-motion` is a template package")
        );
        let page = new_error(
            ErrorKind::BadDefaultExport,
            None,
            None,
            "Error: The default export is not a React Component in page: \"/pricing\"".to_string(),
            None,
        );
        assert!(
            page.fix_hint
                .starts_with("Make the page of route `/pricing` (`app/pricing/page.jsx`)"),
            "{}",
            page.fix_hint
        );
        let root = new_error(
            ErrorKind::BadDefaultExport,
            None,
            None,
            "Error: The default export is not a React Component in page: \"/\"".to_string(),
            None,
        );
        assert!(
            root.fix_hint
                .starts_with("Make the page of route `/` (`app/page.jsx`)"),
            "{}",
            root.fix_hint
        );
        assert!(
            hint(
                ErrorKind::ClientComponentNeeded,
                "app/page.jsx",
                "You're importing a component that needs useState."
            )
            .contains("`useState`")
        );
    }
}
