//! app/layout.tsx (or .jsx): the root layout that carries the page's document-level settings.

use std::fmt::Write as _;

use replica_core::{Icon, Lang};

/// What the root layout reproduces of the original document (DESIGN.md §6).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LayoutConfig {
    /// `<html lang>`.
    pub lang: Option<String>,
    pub title: Option<String>,
    /// `<meta name="description">`.
    pub description: Option<String>,
    /// The content of the page's `<meta name="viewport">` as written, `None` when it has none.
    pub viewport: Option<String>,
    /// `<html class>` and `<body class>`, including classes scripts added at load.
    pub html_class: Option<String>,
    pub body_class: Option<String>,
    /// Other attributes of `<html>` and `<body>` that CSS may select on (`id`, `dir`,
    /// `data-*`, `aria-*`), in document order; see [`is_carried_attribute`].
    pub html_attributes: Vec<(String, String)>,
    pub body_attributes: Vec<(String, String)>,
    /// The inline `style` of `<html>` and `<body>` as the page left it (a sticky footer's
    /// script writes the footer's height into the body's bottom margin), written as React
    /// style objects. Faithful style only: the Tailwind style writes the body's computed
    /// style into globals.css.
    pub html_style: Option<String>,
    pub body_style: Option<String>,
    /// `<link rel=icon>`, `apple-touch-icon` and the like, with absolute URLs.
    pub icons: Vec<Icon>,
    /// Stylesheets linked from `<head>` (font services such as Google Fonts).
    pub stylesheet_links: Vec<String>,
    /// `<meta name="theme-color">`.
    pub theme_color: Option<String>,
    /// CSS files the layout imports, in cascade order, relative to `app/` (`./globals.css`,
    /// `./styles/site.css`).
    pub css_imports: Vec<String>,
    /// Whether the layout renders `components/DeviceState` (see [`device_state_source`]):
    /// scripts left classes or inline styles that differ per device.
    pub device_state: bool,
}

/// The `export const viewport` object of Next.js 14 (the fields it turns back into the
/// viewport meta), in the order Next writes them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ViewportExport {
    /// `device-width` or a number of CSS pixels, as written.
    pub width: Option<String>,
    pub height: Option<String>,
    pub initial_scale: Option<f64>,
    pub minimum_scale: Option<f64>,
    pub maximum_scale: Option<f64>,
    pub viewport_fit: Option<String>,
    pub user_scalable: Option<bool>,
    pub interactive_widget: Option<String>,
}

/// Next.js's viewport for a page's viewport meta content.
///
/// Next.js always emits a viewport meta, `width=device-width, initial-scale=1` by default. A
/// page without one (or with an empty one) lays out 980 px wide on phones, so it gets
/// `width: 980` (DESIGN.md §6). Next 14 merges its default `initial-scale=1` into whatever
/// the layout exports (an `undefined` field is skipped, a `null` printed as
/// `initial-scale=null`), and with it a phone shows 375 CSS px of the 980 px layout instead
/// of the whole page zoomed out. So a meta without `initial-scale` gets `initialScale: -1`:
/// Blink and WebKit read a negative scale as `auto`, the value a missing one has (the page
/// zoomed out to fit its width). Checked in headless Chromium at 375 px: `width=980,
/// initial-scale=-1` shows the same 980 CSS px as no meta at all, as does a second `<meta
/// name="viewport" content="width=980">` after Next's (the last one wins), which would need
/// a tag Next does not control; `initial-scale=0` and `=auto` zoom out to 0.25 instead.
/// Keys Next cannot express (`shrink-to-fit`, `target-densitydpi`) are left out.
pub fn viewport_export(meta_content: Option<&str>) -> ViewportExport {
    let mut viewport = ViewportExport::default();
    // Browsers accept `,` and `;` between pairs and spaces around them.
    let pairs = meta_content
        .unwrap_or("")
        .split([',', ';'])
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| (key.trim().to_ascii_lowercase(), value.trim()));
    for (key, value) in pairs {
        let number = || value.parse::<f64>().ok().filter(|n| n.is_finite());
        match key.as_str() {
            "width" if !value.is_empty() => viewport.width = Some(value.to_string()),
            "height" if !value.is_empty() => viewport.height = Some(value.to_string()),
            "initial-scale" => viewport.initial_scale = number(),
            "minimum-scale" => viewport.minimum_scale = number(),
            "maximum-scale" => viewport.maximum_scale = number(),
            "viewport-fit" if !value.is_empty() => viewport.viewport_fit = Some(value.to_string()),
            "interactive-widget" if !value.is_empty() => {
                viewport.interactive_widget = Some(value.to_string());
            }
            "user-scalable" => {
                viewport.user_scalable = match value.to_ascii_lowercase().as_str() {
                    "yes" | "1" => Some(true),
                    "no" | "0" => Some(false),
                    _ => None,
                };
            }
            _ => {}
        }
    }
    if viewport == ViewportExport::default() {
        viewport.width = Some("980".to_string());
    }
    if viewport.initial_scale.is_none() {
        viewport.initial_scale = Some(AUTO_SCALE);
    }
    viewport
}

/// `initial-scale=-1`: read as `auto` by browsers (see [`viewport_export`]).
const AUTO_SCALE: f64 = -1.0;

impl ViewportExport {
    /// The fields of the object literal, in Next's order.
    fn to_js_fields(&self) -> Vec<String> {
        let mut fields = Vec::new();
        let dimension = |value: &str| match value.parse::<u32>() {
            Ok(pixels) => pixels.to_string(),
            Err(_) => js_string(value),
        };
        if let Some(width) = &self.width {
            fields.push(format!("width: {}", dimension(width)));
        }
        if let Some(height) = &self.height {
            fields.push(format!("height: {}", dimension(height)));
        }
        for (name, value) in [
            ("initialScale", self.initial_scale),
            ("minimumScale", self.minimum_scale),
            ("maximumScale", self.maximum_scale),
        ] {
            if let Some(value) = value {
                fields.push(format!("{name}: {value}"));
            }
        }
        // Next's types take only the values the specs define; browsers ignore others too.
        if let Some(fit) = self
            .viewport_fit
            .as_deref()
            .filter(|fit| matches!(*fit, "auto" | "cover" | "contain"))
        {
            fields.push(format!("viewportFit: {}", js_string(fit)));
        }
        if let Some(scalable) = self.user_scalable {
            fields.push(format!("userScalable: {scalable}"));
        }
        if let Some(widget) = self.interactive_widget.as_deref().filter(|widget| {
            matches!(
                *widget,
                "resizes-visual" | "resizes-content" | "overlays-content"
            )
        }) {
            fields.push(format!("interactiveWidget: {}", js_string(widget)));
        }
        fields
    }
}

/// The source of app/layout.tsx (typed as create-next-app types it) or app/layout.jsx.
pub fn layout_source(config: &LayoutConfig, lang: Lang) -> String {
    let mut metadata = Vec::new();
    if let Some(title) = &config.title {
        metadata.push(format!("title: {}", js_string(title)));
    }
    if let Some(description) = &config.description {
        metadata.push(format!("description: {}", js_string(description)));
    }
    if !config.icons.is_empty() {
        metadata.push(format!("icons: {}", icons_js(&config.icons)));
    }
    let mut viewport = viewport_export(config.viewport.as_deref()).to_js_fields();
    if let Some(color) = &config.theme_color {
        viewport.push(format!("themeColor: {}", js_string(color)));
    }
    // Next.js puts links rendered in the root layout's <head> into the document head.
    let head = if config.stylesheet_links.is_empty() {
        String::new()
    } else {
        let mut head = String::from("      <head>\n");
        for href in &config.stylesheet_links {
            let _ = writeln!(
                head,
                "        <link rel=\"stylesheet\" href={{{}}} />",
                js_string(href)
            );
        }
        head.push_str("      </head>\n");
        head
    };

    let attribute = |name: &str, value: &Option<String>| match value {
        // A JSX string reads back verbatim unless it holds a quote, an entity or a control.
        Some(value) if !value.contains(['"', '&']) && !value.chars().any(char::is_control) => {
            format!(" {name}=\"{value}\"")
        }
        Some(value) => format!(" {name}={{{}}}", js_string(value)),
        None => String::new(),
    };
    let extra = |attributes: &[(String, String)]| {
        attributes
            .iter()
            .filter(|(name, _)| is_carried_attribute(name))
            .map(|(name, value)| attribute(name, &Some(value.clone())))
            .collect::<String>()
    };
    let style = |css: &Option<String>| {
        css.as_deref()
            .map(replica_css::style_object)
            .filter(|object| object != "{}")
            .map(|object| format!(" style={{{object}}}"))
            .unwrap_or_default()
    };
    let html_attributes = attribute("lang", &config.lang)
        + &attribute("className", &config.html_class)
        + &extra(&config.html_attributes)
        + &style(&config.html_style);
    let body_attributes = attribute("className", &config.body_class)
        + &extra(&config.body_attributes)
        + &style(&config.body_style);

    let (types, metadata_type, viewport_type, parameters) = match lang {
        Lang::TypeScript => (
            "import type { Metadata, Viewport } from \"next\";\n",
            ": Metadata",
            ": Viewport",
            "{\n  children,\n}: Readonly<{\n  children: React.ReactNode;\n}>",
        ),
        Lang::JavaScript => ("", "", "", "{ children }"),
    };
    let mut out = String::from(types);
    if config.device_state {
        out.push_str("import DeviceState from \"@/components/DeviceState\";\n");
    }
    for css in &config.css_imports {
        let _ = writeln!(out, "import {};", js_string(css));
    }
    let page = if config.device_state {
        "<DeviceState>{children}</DeviceState>"
    } else {
        "{children}"
    };
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "\n\
         export const metadata{metadata_type} = {};\n\
         \n\
         export const viewport{viewport_type} = {};\n\
         \n\
         export default function RootLayout({parameters}) {{\n  \
           return (\n    \
             <html{html_attributes}>\n\
               {head}      <body{body_attributes}>{page}</body>\n    \
             </html>\n  \
           );\n\
         }}\n",
        object_literal(&metadata),
        object_literal(&viewport),
    );
    out
}

/// components/DeviceState (.tsx and .jsx alike): applies, below the mobile breakpoint, the
/// classes and inline styles the original's scripts set only on phones, carried by the
/// `data-mobile-*` attributes of the markup ([`replica_core::MobileState`]). A client
/// component after hydration: React never sees the classes change, so nothing mismatches.
/// It wraps the page (a component that rendered nothing would read as a broken one).
pub fn device_state_source(lang: Lang) -> String {
    let parameters = match lang {
        Lang::TypeScript => "{ children }: { children: React.ReactNode }",
        Lang::JavaScript => "{ children }",
    };
    format!(
        r#""use client";

import {{ useEffect }} from "react";

const SELECTOR = "[data-mobile-add-class], [data-mobile-remove-class], [data-mobile-style]";

export default function DeviceState({parameters}) {{
  useEffect(() => {{
    const narrow = window.matchMedia("(max-width: {max}px)");
    const elements = Array.from(document.querySelectorAll(SELECTOR));
    const desktopStyles = elements.map((element) => element.getAttribute("style"));
    const apply = () => {{
      elements.forEach((element, index) => {{
        const phone = narrow.matches;
        for (const name of (element.getAttribute("data-mobile-add-class") || "").split(" ")) {{
          if (name) element.classList.toggle(name, phone);
        }}
        for (const name of (element.getAttribute("data-mobile-remove-class") || "").split(" ")) {{
          if (name) element.classList.toggle(name, !phone);
        }}
        const mobileStyle = element.getAttribute("data-mobile-style");
        if (mobileStyle === null) return;
        const style = phone ? mobileStyle : desktopStyles[index];
        if (style) element.setAttribute("style", style);
        else element.removeAttribute("style");
      }});
    }};
    apply();
    narrow.addEventListener("change", apply);
    return () => narrow.removeEventListener("change", apply);
  }}, []);
  return <>{{children}}</>;
}}
"#,
        max = replica_core::MOBILE_MAX_WIDTH
    )
}

/// Attributes the layout copies besides `lang` and `class`: the ones stylesheets select on
/// and that JSX spells as in HTML. Event handlers, `style` and anything else are left out.
pub fn is_carried_attribute(name: &str) -> bool {
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'));
    valid_name
        && (matches!(name, "id" | "dir")
            || name.starts_with("data-") && name.len() > 5
            || name.starts_with("aria-") && name.len() > 5)
}

/// Next's `icons` metadata: `icon` and `apple` by rel, the rest under `other` with their rel.
fn icons_js(icons: &[Icon]) -> String {
    let mut groups: [(&str, Vec<String>); 3] = [
        ("icon", Vec::new()),
        ("apple", Vec::new()),
        ("other", Vec::new()),
    ];
    for icon in icons {
        let rel = icon.rel.to_ascii_lowercase();
        let group = match rel.as_str() {
            "icon" | "shortcut icon" => 0,
            "apple-touch-icon" | "apple-touch-icon-precomposed" => 1,
            _ => 2,
        };
        let mut fields = vec![format!("url: {}", js_string(&icon.href))];
        if group == 2 {
            fields.push(format!("rel: {}", js_string(&icon.rel)));
        }
        if let Some(sizes) = &icon.sizes {
            fields.push(format!("sizes: {}", js_string(sizes)));
        }
        if let Some(mime) = &icon.mime {
            fields.push(format!("type: {}", js_string(mime)));
        }
        groups[group].1.push(format!("{{ {} }}", fields.join(", ")));
    }
    let present: Vec<String> = groups
        .iter()
        .filter(|(_, entries)| !entries.is_empty())
        .map(|(name, entries)| format!("{name}: [{}]", entries.join(", ")))
        .collect();
    format!("{{ {} }}", present.join(", "))
}

fn object_literal(fields: &[String]) -> String {
    if fields.is_empty() {
        return "{}".to_string();
    }
    let mut out = String::from("{\n");
    for field in fields {
        let _ = writeln!(out, "  {field},");
    }
    out.push('}');
    out
}

/// A JavaScript string literal: JSON strings are valid JavaScript (ES2019 and later).
fn js_string(value: &str) -> String {
    serde_json::Value::from(value).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn width(value: &str) -> Option<String> {
        Some(value.to_string())
    }

    #[test]
    fn viewport_meta_contents() {
        let device = ViewportExport {
            width: width("device-width"),
            initial_scale: Some(1.0),
            ..Default::default()
        };
        let desktop_only = ViewportExport {
            width: width("980"),
            initial_scale: Some(-1.0),
            ..Default::default()
        };
        let cases = [
            (Some("width=device-width, initial-scale=1"), device.clone()),
            (
                Some(" WIDTH = device-width ; initial-scale = 1.0 "),
                device.clone(),
            ),
            (None, desktop_only.clone()),
            (Some(""), desktop_only.clone()),
            (Some("shrink-to-fit=no"), desktop_only.clone()),
            (
                Some("width=1200"),
                ViewportExport {
                    width: width("1200"),
                    initial_scale: Some(-1.0),
                    ..Default::default()
                },
            ),
            (
                Some(
                    "width=device-width, initial-scale=1, maximum-scale=1, user-scalable=no, viewport-fit=cover",
                ),
                ViewportExport {
                    maximum_scale: Some(1.0),
                    user_scalable: Some(false),
                    viewport_fit: Some("cover".to_string()),
                    ..device.clone()
                },
            ),
            (
                Some("initial-scale=0.5, minimum-scale=abc, interactive-widget=resizes-content"),
                ViewportExport {
                    initial_scale: Some(0.5),
                    interactive_widget: Some("resizes-content".to_string()),
                    ..Default::default()
                },
            ),
        ];
        for (content, expected) in cases {
            assert_eq!(viewport_export(content), expected, "{content:?}");
        }
    }

    #[test]
    fn values_are_escaped_as_javascript_strings() {
        let config = LayoutConfig {
            title: Some("Say \"hi\" </script> {x}".to_string()),
            body_class: Some("a\nb".to_string()),
            html_class: Some("x&amp;y".to_string()),
            lang: Some("en-GB".to_string()),
            html_attributes: vec![
                ("data-theme".to_string(), "dark".to_string()),
                ("onload".to_string(), "x()".to_string()),
                ("style".to_string(), "color: red".to_string()),
            ],
            body_attributes: vec![("id".to_string(), "top".to_string())],
            ..Default::default()
        };
        let source = layout_source(&config, Lang::JavaScript);
        assert!(
            source.contains(r#"title: "Say \"hi\" </script> {x}","#),
            "{source}"
        );
        assert!(
            source.contains(r#"<body className={"a\nb"} id="top">"#),
            "{source}"
        );
        assert!(
            source.contains(r#"<html lang="en-GB" className={"x&amp;y"} data-theme="dark">"#),
            "{source}"
        );
    }

    #[test]
    fn the_inline_styles_of_html_and_body_become_style_objects() {
        let config = LayoutConfig {
            html_style: Some("scroll-padding-top: 24px".to_string()),
            body_style: Some("margin-bottom: 346px; --gap: 4px; ;".to_string()),
            body_class: Some("home".to_string()),
            ..Default::default()
        };
        let source = layout_source(&config, Lang::TypeScript);
        assert!(
            source.contains(r#"<html style={{ scrollPaddingTop: "24px" }}>"#),
            "{source}"
        );
        assert!(
            source.contains(
                r#"<body className="home" style={{ marginBottom: "346px", "--gap": "4px" }}>"#
            ),
            "{source}"
        );
        let empty = LayoutConfig {
            body_style: Some(" ; ".to_string()),
            ..Default::default()
        };
        assert!(layout_source(&empty, Lang::TypeScript).contains("<body>"));
    }
}
