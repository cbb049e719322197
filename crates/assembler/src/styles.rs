//! app/globals.css, the page's stylesheets (faithful style) and tailwind.config.js.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};

use replica_core::{BrowserDefaults, DesignTokens, FontFace, ScrapeData};
use url::Url;

use crate::css;
use crate::selectors::PageIndex;

/// The faithful style's app/globals.css: only what the project adds to the page's own
/// stylesheets (which are [`page_stylesheets`]): the `<body>`'s presentational attributes and,
/// when the original rendered in quirks mode (`quirks_body_margins`: the body's top plus
/// bottom margin), the body height quirk Next.js's `<!DOCTYPE html>` loses. The layout
/// imports it before the page's sheets: browsers put presentational hints before every
/// stylesheet, and quirks mode gives the body its height only where no rule sets one. No
/// `@tailwind` layer: Tailwind's preflight would restyle the page, and its utilities would
/// collide with page classes such as `container` or `hidden`.
pub fn faithful_globals_css(
    body_attributes: &[(String, String)],
    base_url: &str,
    quirks_body: Option<QuirksBody>,
) -> String {
    let mut out = String::from(
        "/* What the project adds to the page's own stylesheets (app/styles/, imported after\n   this file in the page's cascade order). */\n",
    );
    let body = body_presentational_css(body_attributes, base_url);
    if !body.is_empty() {
        out.push('\n');
        out.push_str(body.trim_end());
        out.push('\n');
    }
    if let Some(body) = quirks_body {
        out.push_str(&quirks_css(body));
    }
    out
}

/// What the faithful style prunes a page's stylesheets against: the elements of every page of
/// the clone (one, or all pages of a whole-site clone) and the animations they run. Built once
/// per clone; a sheet several pages load is pruned once (pruning against every page of a
/// 50-page site for each page was quadratic).
#[derive(Debug)]
pub struct SiteStyles {
    index: PageIndex,
    animated: HashSet<String>,
    /// A sheet's text (urls absolute) → its pruned, printed rules (`None`: nothing left).
    pruned: Mutex<HashMap<String, Option<String>>>,
}

impl SiteStyles {
    pub fn new(pages: &[&ScrapeData]) -> SiteStyles {
        let mut animated = HashSet::new();
        for page in pages {
            animated.extend(animated_names(page));
        }
        SiteStyles {
            index: PageIndex::of_scrapes(pages),
            animated,
            pruned: Mutex::default(),
        }
    }

    fn pruned(&self, css: String) -> Option<String> {
        let mut pruned = self.pruned.lock().unwrap_or_else(PoisonError::into_inner);
        pruned
            .entry(css)
            .or_insert_with_key(|css| {
                let items = css::prune(css::parse(css), &self.index, &self.animated);
                (!items.is_empty()).then(|| css::print(&items))
            })
            .clone()
    }
}

/// A stylesheet of the page as a file of the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageStylesheet {
    /// `app/styles/<name>.css`.
    pub path: String,
    pub css: String,
}

/// The page's stylesheets in cascade order, each its own file under app/styles/ (named after
/// the sheet's file, `inline-N.css` for `<style>` elements): the author's text where
/// `sources` has a fetched copy that holds the rules the browser parsed (so colours read as
/// written), else the browser's; `@import`s flattened (the scrape lists imported sheets
/// before their importer), `url()`s absolute (localised later), the rules no element of the
/// page can take at either device dropped (`@font-face`, used `@keyframes` and state rules of
/// existing elements kept), pretty-printed, under the sheet's media query. Sheets left empty
/// are left out. The rules kept are those this page can use or, in a whole-site clone, those
/// any page of `site` can use (the pages load the same sheets).
pub fn page_stylesheets(
    scrape: &ScrapeData,
    site: Option<&SiteStyles>,
    sources: &[Option<String>],
) -> Vec<PageStylesheet> {
    let single;
    let site = match site {
        Some(site) => site,
        None => {
            single = SiteStyles::new(&[scrape]);
            &single
        }
    };
    let mut names: Vec<String> = Vec::new();
    let mut inline = 0;
    let mut out = Vec::new();
    for (index, sheet) in scrape.stylesheets.iter().enumerate() {
        if sheet.disabled || sheet.css.trim().is_empty() {
            continue;
        }
        let text = sources
            .get(index)
            .and_then(Option::as_deref)
            .filter(|source| holds_the_same_rules(&sheet.css, source))
            .unwrap_or(&sheet.css);
        let css = rewrite_css_urls(&without_imports(text), &sheet.base_url);
        let Some(mut body) = site.pruned(css) else {
            continue;
        };
        if let Some(media) = sheet
            .media
            .as_deref()
            .map(str::trim)
            .filter(|media| !media.is_empty() && !media.eq_ignore_ascii_case("all"))
        {
            body = format!("@media {media} {{\n{}}}\n", indent(&body));
        }
        let origin = sheet
            .href
            .as_deref()
            .unwrap_or("an inline <style> of the page");
        let name = match sheet.href.as_deref().and_then(sheet_file_name) {
            Some(name) => name,
            None => {
                inline += 1;
                format!("inline-{inline}")
            }
        };
        let mut unique = name.clone();
        let mut count = 2;
        while names.contains(&unique) {
            unique = format!("{name}-{count}");
            count += 1;
        }
        names.push(unique.clone());
        out.push(PageStylesheet {
            path: format!("app/styles/{unique}.css"),
            css: format!("/* From {} */\n\n{body}", comment_safe(origin)),
        });
    }
    out
}

/// `bootstrap.min` for `https://cdn.example/css/bootstrap.min.css?v=3`: letters, digits, `-`,
/// `_` and `.` of the URL's last path segment, without `.css`.
fn sheet_file_name(href: &str) -> Option<String> {
    let url = Url::parse(href).ok()?;
    let last = url.path_segments()?.rfind(|s| !s.is_empty())?;
    let stem = last.strip_suffix(".css").unwrap_or(last);
    let name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = name.trim_matches(['-', '.']).to_string();
    (!name.is_empty()).then_some(name)
}

fn indent(css: &str) -> String {
    css.lines()
        .map(|line| {
            if line.is_empty() {
                "\n".to_string()
            } else {
                format!("  {line}\n")
            }
        })
        .collect()
}

/// Whether the author's `source` holds the rules the browser parsed (`serialized`): at least
/// nine in ten of the serialized selectors appear in it (compared without spaces, quotes and
/// case, which serialization changes). A sheet scripts changed after loading, or a different
/// file at the same URL, keeps the browser's version.
fn holds_the_same_rules(serialized: &str, source: &str) -> bool {
    fn selectors(items: &[css::Item], out: &mut HashSet<String>) {
        for item in items {
            match item {
                css::Item::Style {
                    selectors: text, ..
                } => {
                    out.insert(
                        text.chars()
                            .filter(|c| !c.is_whitespace() && !matches!(c, '"' | '\''))
                            .flat_map(char::to_lowercase)
                            .collect(),
                    );
                }
                css::Item::AtBlock { body, .. } => selectors(body, out),
                _ => {}
            }
        }
    }
    let (mut expected, mut found) = (HashSet::new(), HashSet::new());
    selectors(&css::parse(serialized), &mut expected);
    selectors(&css::parse(&without_imports(source)), &mut found);
    if expected.is_empty() {
        return false;
    }
    let present = expected.iter().filter(|s| found.contains(*s)).count();
    present * 10 >= expected.len() * 9
}

/// Names the page animates with outside its stylesheets: computed `animation-name`s and
/// inline `animation` declarations of both captures.
fn animated_names(scrape: &ScrapeData) -> HashSet<String> {
    let mut names = HashSet::new();
    for capture in [&scrape.desktop, &scrape.mobile] {
        capture.dom.walk(&mut |element| {
            if let Some(value) = element.style("animation-name") {
                css::animation_names("animation-name", value, &mut names);
            }
            if let Some(style) = element.attr("style") {
                for declaration in style.split(';') {
                    if let Some((property, value)) = declaration.split_once(':') {
                        css::animation_names(property, value, &mut names);
                    }
                }
            }
        });
    }
    names
}

/// How `<body>` was sized in quirks mode: at least as tall as the viewport less its vertical
/// `margins`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuirksBody {
    pub margins: f64,
    /// The page was taller than the viewport at some device.
    pub taller_than_viewport: bool,
}

/// What standards mode needs to lay out like a page that rendered in quirks mode (Next.js
/// always serves `<!DOCTYPE html>`). A page that fits the viewport gets a body of the
/// viewport's height, so percentage heights inside it resolve; a longer one a minimum height
/// only, so the margin at the end of its content still adds to the page as it did (a fixed
/// height would let the content overflow the body and the margin go).
pub fn quirks_css(body: QuirksBody) -> String {
    let margins = body.margins;
    if body.taller_than_viewport {
        return format!(
            "\n/* The original rendered in quirks mode, where <body> is at least as tall as the \
             viewport. */\n\
             body {{\n  min-height: calc(100vh - {margins}px);\n}}\n"
        );
    }
    format!(
        "\n/* The original rendered in quirks mode, where <body> fills the viewport and \
         percentage heights inside it resolve. */\n\
         html {{\n  height: 100%;\n}}\n\
         body {{\n  height: calc(100% - {margins}px);\n}}\n"
    )
}

/// The legacy presentational attributes of `<body>` (`bgcolor`, `background`, `text`,
/// `link`, `vlink`, `alink`, `topmargin`, `leftmargin`, `marginwidth`, `marginheight`) as
/// CSS. Browsers give them no specificity and put them before every stylesheet, so they
/// come first here under `:where()` and any page rule still overrides them.
pub fn body_presentational_css(attributes: &[(String, String)], base_url: &str) -> String {
    let value = |name: &str| {
        attributes
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty() && !value.contains(['{', '}', ';', '<']))
    };
    let pixels = |name: &str| {
        value(name)
            .and_then(|value| value.trim_end_matches("px").parse::<u32>().ok())
            .map(|pixels| format!("{pixels}px"))
    };
    let mut body = Vec::new();
    if let Some(color) = value("bgcolor") {
        body.push(format!("background-color: {color};"));
    }
    if let Some(image) = value("background") {
        let absolute = Url::parse(base_url)
            .ok()
            .and_then(|base| base.join(image).ok())
            .map_or_else(|| image.to_string(), String::from);
        body.push(format!("background-image: url({});", css_string(&absolute)));
    }
    if let Some(color) = value("text") {
        body.push(format!("color: {color};"));
    }
    // topmargin/marginheight (IE/Netscape) set top and bottom, leftmargin/marginwidth left
    // and right, as in Chrome; of two for one axis the later attribute wins.
    let mut vertical = None;
    let mut horizontal = None;
    for (name, _) in attributes {
        match name.to_ascii_lowercase().as_str() {
            "topmargin" | "marginheight" => vertical = pixels(name).or(vertical),
            "leftmargin" | "marginwidth" => horizontal = pixels(name).or(horizontal),
            _ => {}
        }
    }
    for (value, sides) in [
        (vertical, ["top", "bottom"]),
        (horizontal, ["left", "right"]),
    ] {
        if let Some(pixels) = value {
            for side in sides {
                body.push(format!("margin-{side}: {pixels};"));
            }
        }
    }
    let mut out = String::new();
    if !body.is_empty() {
        let _ = write!(out, ":where(body) {{\n  {}\n}}\n", body.join("\n  "));
    }
    for (attribute, selector) in [
        ("link", "a:link"),
        ("vlink", "a:visited"),
        ("alink", "a:active"),
    ] {
        if let Some(color) = value(attribute) {
            let _ = writeln!(out, ":where({selector}) {{\n  color: {color};\n}}");
        }
    }
    if !out.is_empty() {
        out.insert_str(0, "/* The attributes of the page's <body>. */\n");
        out.push('\n');
    }
    out
}

/// The `<html>` and `<body>` the tailwind style's globals.css writes: their computed styles
/// on each device (minus browser defaults, as captured), which no section carries.
#[derive(Debug, Clone, Copy)]
pub struct BodyStyles<'a> {
    pub desktop: &'a BTreeMap<String, String>,
    pub mobile: Option<&'a BTreeMap<String, String>>,
    /// `<html>`'s, on desktop and on the phone.
    pub html: [Option<&'a BTreeMap<String, String>>; 2],
    /// What the capture leaves out, for a property only the phone sets.
    pub defaults: &'a BrowserDefaults,
}

/// The tailwind style's globals.css: the page's web fonts, the three layers, and the
/// `<html>` and `<body>`'s own boxes and the body's text over Tailwind's preflight, with the
/// tokens where the body style says nothing. As in the components, the phone's values are
/// the base and the desktop's differences apply from `md` (`@screen md`, which follows the
/// config's screens).
pub fn tailwind_globals_css(
    tokens: &DesignTokens,
    font_faces: &[FontFace],
    body: BodyStyles<'_>,
) -> String {
    let mut out = String::new();
    for face in font_faces {
        if face.src.trim().is_empty() || face.status == "error" {
            continue;
        }
        let _ = write!(
            out,
            "@font-face {{\n  font-family: {};\n  src: {};\n  font-weight: {};\n  font-style: {};\n",
            css_string(&face.family),
            absolute_font_src(face),
            face.weight,
            face.style
        );
        if let Some(display) = &face.display {
            let _ = writeln!(out, "  font-display: {display};");
        }
        if let Some(range) = &face.unicode_range {
            let _ = writeln!(out, "  unicode-range: {range};");
        }
        out.push_str("}\n\n");
    }
    out.push_str("@tailwind base;\n@tailwind components;\n@tailwind utilities;\n");
    let html =
        |style: Option<&BTreeMap<String, String>>| style.map(html_declarations).unwrap_or_default();
    let html_desktop = html(body.html[0]);
    let html_rules = device_rules(
        "html",
        &html_desktop,
        body.html[1].map_or_else(|| html_desktop.clone(), |style| html(Some(style))),
        body.defaults,
    );
    let desktop = body_declarations(tokens, body.desktop);
    let base = body.mobile.map_or_else(
        || desktop.clone(),
        |mobile| body_declarations(tokens, mobile),
    );
    let body_rules = device_rules("body", &desktop, base, body.defaults);
    let _ = write!(out, "\n@layer base {{\n");
    let mut wide = String::new();
    for (base, wide_rule) in [html_rules, body_rules] {
        out.push_str(&base);
        wide.push_str(&wide_rule);
    }
    if !wide.is_empty() {
        let _ = write!(out, "\n  @screen md {{\n{wide}  }}\n");
    }
    out.push_str("}\n");
    out
}

/// The phone's rule for `tag` and the desktop's differences (`""` where there is nothing to
/// write), indented for `@layer base` and its `@screen md`.
fn device_rules(
    tag: &str,
    desktop: &[(&str, String)],
    base: Vec<(&str, String)>,
    defaults: &BrowserDefaults,
) -> (String, String) {
    let mut wide: Vec<(&str, String)> = desktop
        .iter()
        .filter(|declaration| !base.contains(declaration))
        .map(|(property, value)| (*property, value.clone()))
        .collect();
    for (property, _) in &base {
        if !desktop.iter().any(|(other, _)| other == property) {
            let default = defaults.value(tag, property).unwrap_or("initial");
            wide.push((property, default.to_string()));
        }
    }
    let rule = |declarations: &[(&str, String)], indent: &str| {
        if declarations.is_empty() {
            return String::new();
        }
        let body = declarations
            .iter()
            .map(|(property, value)| format!("{indent}  {property}: {value};\n"))
            .collect::<String>();
        format!("{indent}{tag} {{\n{body}{indent}}}\n")
    };
    (rule(&base, "  "), rule(&wide, "    "))
}

/// `<html>`'s box: what places a footer at the bottom of the page (`position: relative;
/// min-height: 100%`) and paints the canvas. Its font size is left out: Tailwind's scale is
/// in rems of the default 16px.
fn html_declarations(style: &BTreeMap<String, String>) -> Vec<(&'static str, String)> {
    const HTML_BOX_PROPERTIES: [&str; 7] = [
        "position",
        "height",
        "min-height",
        "overflow-x",
        "overflow-y",
        "background-color",
        "background-image",
    ];
    HTML_BOX_PROPERTIES
        .iter()
        .chain(&BACKGROUND_PLACEMENT)
        .chain(&PADDINGS)
        .filter_map(|property| {
            let value = style.get(*property)?.trim();
            let safe = !value.is_empty() && !value.contains(['{', '}', ';']);
            (safe && !(*property == "position" && value == "static"))
                .then(|| (*property, value.to_string()))
        })
        .collect()
}

/// The body's box (its size and borders), background and layout of its children, which the
/// Tailwind globals carry as captured (the inherited text properties are on the sections'
/// roots already), with [`BACKGROUND_PLACEMENT`] and [`PADDINGS`].
const BODY_BOX_PROPERTIES: [&str; 14] = [
    "position",
    "width",
    "max-width",
    "min-width",
    "min-height",
    "display",
    "flex-direction",
    "flex-wrap",
    "align-items",
    "justify-content",
    "row-gap",
    "column-gap",
    "overflow-x",
    "overflow-y",
];

/// Where a background image sits, for `<html>` and `<body>`.
const BACKGROUND_PLACEMENT: [&str; 4] = [
    "background-repeat",
    "background-size",
    "background-position",
    "background-attachment",
];

const PADDINGS: [&str; 4] = [
    "padding-top",
    "padding-right",
    "padding-bottom",
    "padding-left",
];

/// The body's border longhands, side by side (width, style, colour), written where the
/// side has a style.
const BODY_BORDERS: [&str; 12] = [
    "border-top-width",
    "border-top-style",
    "border-top-color",
    "border-right-width",
    "border-right-style",
    "border-right-color",
    "border-bottom-width",
    "border-bottom-style",
    "border-bottom-color",
    "border-left-width",
    "border-left-style",
    "border-left-color",
];

/// The body's declarations over preflight for one device's captured style.
fn body_declarations<'a>(
    tokens: &DesignTokens,
    style: &BTreeMap<String, String>,
) -> Vec<(&'a str, String)> {
    let computed = |property: &str| {
        style
            .get(property)
            .map(|value| value.trim())
            .filter(|value| !value.is_empty() && !value.contains(['{', '}', ';']))
    };
    let mut body = Vec::new();
    let from_tokens = [
        ("background-color", &tokens.colors.backgrounds.page),
        ("color", &tokens.colors.text.body),
        ("font-family", &tokens.typography.families.body),
    ];
    for (property, token) in from_tokens {
        if let Some(value) = computed(property).or(token.as_deref()) {
            body.push((property, value.to_string()));
        }
    }
    for property in ["font-size", "background-image"] {
        if let Some(value) = computed(property) {
            body.push((property, value.to_string()));
        }
    }
    // What the body's own box does (the sections are its children): the capture lists these
    // only where they differ from the browser's, which preflight keeps.
    for property in BODY_BOX_PROPERTIES
        .iter()
        .chain(&BACKGROUND_PLACEMENT)
        .chain(&PADDINGS)
    {
        // The legacy `-webkit-box` lays children out by `-webkit-box-*` properties the
        // capture does not have: without them it would put the sections in a row.
        let legacy_box = |value: &str| *property == "display" && value.starts_with("-webkit-");
        let static_position = |value: &str| *property == "position" && value == "static";
        if let Some(value) =
            computed(property).filter(|value| !legacy_box(value) && !static_position(value))
        {
            body.push((property, value.to_string()));
        }
    }
    for side in BODY_BORDERS.chunks(3) {
        // (width, style, colour)
        if computed(side[1]).is_some_and(|style| style != "none") {
            for property in side {
                if let Some(value) = computed(property) {
                    body.push((property, value.to_string()));
                }
            }
        }
    }
    // The computed style leaves out what equals the browser default, which preflight
    // changes: body margins (8px) and line height (`normal`; preflight inherits 1.5).
    // A body narrower than the window with equal side margins is centred (`margin: auto`,
    // resolved to pixels in the capture).
    let sized = computed("width").is_some_and(|width| width != "auto")
        || computed("max-width").is_some_and(|width| width != "none");
    let centred = sized
        && computed("margin-left") == computed("margin-right")
        && computed("margin-left").is_some_and(|margin| margin != "0px");
    for property in ["margin-top", "margin-right", "margin-bottom", "margin-left"] {
        let value = match property {
            "margin-right" | "margin-left" if centred => "auto",
            _ => computed(property).unwrap_or("8px"),
        };
        body.push((property, value.to_string()));
    }
    body.push((
        "line-height",
        computed("line-height").unwrap_or("normal").to_string(),
    ));
    body
}

/// The `src` descriptor with its references made absolute: `src` is as written, relative to
/// a stylesheet the face does not name, so each reference is matched to the absolute URL
/// the browser resolved it to (`urls`, in the same order of appearance).
fn absolute_font_src(face: &FontFace) -> String {
    rewrite_css_urls_with(&face.src, |reference| {
        if Url::parse(reference).is_ok() {
            return Some(reference.to_string());
        }
        let tail = reference
            .split(['?', '#'])
            .next()
            .unwrap_or(reference)
            .trim_start_matches("./")
            .trim_start_matches("../")
            .trim_start_matches('/');
        face.urls
            .iter()
            .find(|url| {
                Url::parse(url).is_ok_and(|url| !tail.is_empty() && url.path().ends_with(tail))
            })
            .cloned()
    })
}

/// tailwind.config.js with `theme.extend` as given (the JSON of section-gen's
/// `ThemeExtend`, passed in by the pipeline so this stage stays independent of that one),
/// written as a person would: keys unquoted where JavaScript allows, empty groups left out,
/// and each font stack as an array of families (`["Lucida Grande", "sans-serif"]`).
pub fn tailwind_config(theme_extend: &serde_json::Value) -> String {
    let extend = match theme_extend {
        serde_json::Value::Object(_) => js_literal(theme_extend, "extend", "    "),
        _ => "{}".to_string(),
    };
    format!(
        "/** @type {{import('tailwindcss').Config}} */\n\
         module.exports = {{\n  \
           content: [\"./app/**/*.{{js,ts,jsx,tsx}}\", \"./components/**/*.{{js,ts,jsx,tsx}}\"],\n  \
           theme: {{\n    \
             extend: {extend},\n  \
           }},\n  \
           plugins: [],\n\
         }};\n"
    )
}

/// Names with their numbers in number order (`grey-7` before `grey-13`).
fn natural_order(a: &str, b: &str) -> std::cmp::Ordering {
    let chunks = |name: &str| -> Vec<(bool, String)> {
        let mut chunks: Vec<(bool, String)> = Vec::new();
        for c in name.chars() {
            let digit = c.is_ascii_digit();
            match chunks.last_mut() {
                Some((last_digit, chunk)) if *last_digit == digit => chunk.push(c),
                _ => chunks.push((digit, c.to_string())),
            }
        }
        chunks
    };
    let (a, b) = (chunks(a), chunks(b));
    for (x, y) in a.iter().zip(&b) {
        let order = match (x, y) {
            ((true, x), (true, y)) => x.len().cmp(&y.len()).then_with(|| x.cmp(y)),
            ((_, x), (_, y)) => x.cmp(y),
        };
        if order.is_ne() {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

/// Where a theme step goes among its key's entries: lengths (`4.5`) by size, then fractions
/// (`1/3`) by size; `None` for a name (`copy`).
fn step_size(name: &str) -> Option<(u8, f64)> {
    match name.split_once('/') {
        Some((numerator, denominator)) => Some((
            1,
            numerator.parse::<f64>().ok()? / denominator.parse::<f64>().ok()?,
        )),
        None => Some((0, name.parse().ok()?)),
    }
}

/// A JSON value as a JavaScript literal at `indent` (see [`tailwind_config`]); `key` is the
/// property it is the value of.
fn js_literal(value: &serde_json::Value, key: &str, indent: &str) -> String {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let inner = format!("{indent}  ");
            let mut ordered: Vec<(&String, &Value)> = map.iter().collect();
            // Steps (`"4.5"`, `"12.5"`, `"1/3"`) in the order of their sizes, before names
            // (`copy`, `display`).
            ordered.sort_by(|a, b| match (step_size(a.0), step_size(b.0)) {
                (Some(a), Some(b)) => a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => natural_order(a.0, b.0),
            });
            let entries: Vec<String> = ordered
                .into_iter()
                .filter(|(_, value)| !matches!(value, Value::Object(map) if map.is_empty()))
                .map(|(name, value)| {
                    let literal = if key == "fontFamily" {
                        font_stack(value)
                    } else {
                        js_literal(value, name, &inner)
                    };
                    format!("{inner}{}: {literal},", js_key(name))
                })
                .collect();
            if entries.is_empty() {
                "{}".to_string()
            } else {
                format!("{{\n{}\n{indent}}}", entries.join("\n"))
            }
        }
        Value::Array(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|item| match item {
                    // `["15px", { lineHeight: "24px" }]` on one line, as a font size is written.
                    Value::Object(map) => {
                        let entries: Vec<String> = map
                            .iter()
                            .map(|(name, value)| {
                                format!("{}: {}", js_key(name), js_literal(value, name, indent))
                            })
                            .collect();
                        format!("{{ {} }}", entries.join(", "))
                    }
                    item => js_literal(item, key, indent),
                })
                .collect();
            format!("[{}]", items.join(", "))
        }
        Value::String(text) => js_string(text),
        other => other.to_string(),
    }
}

/// A font-family value (one string, or strings) as an array with one family per item.
fn font_stack(value: &serde_json::Value) -> String {
    let stacks: Vec<&str> = match value {
        serde_json::Value::String(text) => vec![text.as_str()],
        serde_json::Value::Array(items) => items.iter().filter_map(|item| item.as_str()).collect(),
        _ => Vec::new(),
    };
    let families: Vec<String> = stacks
        .into_iter()
        .flat_map(|stack| replica_css::split_top_level(stack, ','))
        .map(str::trim)
        .filter(|family| !family.is_empty())
        .map(js_string)
        .collect();
    format!("[{}]", families.join(", "))
}

/// A property name, bare where it is an identifier.
fn js_key(name: &str) -> String {
    let mut chars = name.chars();
    let identifier = chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_' || first == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if identifier {
        name.to_string()
    } else {
        js_string(name)
    }
}

/// A string literal: double-quoted, single-quoted where the text holds double quotes (a
/// quoted family name: `'"Lucida Grande"'`).
fn js_string(text: &str) -> String {
    if text.contains('"') && !text.contains(['\'', '\\']) {
        format!("'{text}'")
    } else {
        serde_json::Value::String(text.to_string()).to_string()
    }
}

/// `@import` and `@charset` rules dropped: the scrape already flattened imported sheets in
/// before their importer, and both are only valid at the top of a file. Only at the start
/// of a statement, so the words inside a comment or a string are left alone.
fn without_imports(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = find_statement_at_rule(rest) {
        out.push_str(&rest[..start]);
        rest = rest[start..]
            .find(';')
            .map_or("", |end| &rest[start + end + 1..]);
    }
    out.push_str(rest);
    out
}

/// The first `@import` or `@charset` that starts a statement (after only whitespace, `;` or
/// `}` since the start of the text).
fn find_statement_at_rule(css: &str) -> Option<usize> {
    let lower = css.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find('@') {
        let at = from + found;
        let rule = lower[at..].starts_with("@import") || lower[at..].starts_with("@charset");
        let before = lower[..at].trim_end();
        let starts_statement = before.is_empty() || before.ends_with([';', '}']);
        if rule && starts_statement {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Every `url(...)` made absolute against `base`; `data:`, fragment-only and unparsable
/// references stay as written.
pub fn rewrite_css_urls(css: &str, base: &str) -> String {
    let base = Url::parse(base).ok();
    rewrite_css_urls_with(css, |reference| {
        base.as_ref()
            .and_then(|base| base.join(reference).ok())
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .map(String::from)
    })
}

/// Every `url(...)` whose reference `resolve` maps (never `data:`, fragment-only or empty
/// ones) replaced by the result, quoted.
fn rewrite_css_urls_with(css: &str, resolve: impl Fn(&str) -> Option<String>) -> String {
    replica_css::rewrite_urls(css, |url| {
        let absolute = resolve(url.reference)?;
        let quote = url.quote.unwrap_or('"');
        Some(format!("{quote}{absolute}{quote}"))
    })
}

fn comment_safe(text: &str) -> String {
    text.replace("*/", "* /")
}

fn css_string(text: &str) -> String {
    let unquoted = text.trim().trim_matches(['"', '\'']);
    format!(
        "\"{}\"",
        unquoted.replace('\\', "\\\\").replace('"', "\\\"")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tailwind_config_reads_like_a_hand_written_one() {
        let extend = serde_json::json!({
            "borderRadius": {},
            "colors": {"on-dark": "#ffffff", "primary": "#0a98d2", "grey-13": "#222222", "grey-7": "#111111"},
            "fontFamily": {"heading": ["\"Lucida Grande\", verdana, sans-serif"]},
            "fontSize": {"copy": ["15px", {"lineHeight": "24px"}], "3.5": "14px"},
            "screens": {"md": "981px"},
            "spacing": {"12.5": "50px", "4.5": "18px", "1/3": "33.3333%"}
        });
        assert_eq!(
            tailwind_config(&extend),
            r##"/** @type {import('tailwindcss').Config} */
module.exports = {
  content: ["./app/**/*.{js,ts,jsx,tsx}", "./components/**/*.{js,ts,jsx,tsx}"],
  theme: {
    extend: {
      colors: {
        "grey-7": "#111111",
        "grey-13": "#222222",
        "on-dark": "#ffffff",
        primary: "#0a98d2",
      },
      fontFamily: {
        heading: ['"Lucida Grande"', "verdana", "sans-serif"],
      },
      fontSize: {
        "3.5": "14px",
        copy: ["15px", { lineHeight: "24px" }],
      },
      screens: {
        md: "981px",
      },
      spacing: {
        "4.5": "18px",
        "12.5": "50px",
        "1/3": "33.3333%",
      },
    },
  },
  plugins: [],
};
"##
        );
    }

    #[test]
    fn the_phone_body_is_the_base_and_the_desktop_differences_apply_from_md() {
        // d2c-1942: 19.84px text on desktop, the default 16px on a phone.
        let style = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let desktop = style(&[("font-size", "19.84px"), ("margin-top", "0px")]);
        let mobile = style(&[("margin-top", "0px"), ("background-image", "none")]);
        let mut defaults = BrowserDefaults::default();
        defaults.tags.insert("body".to_string(), BTreeMap::new());
        defaults
            .base
            .insert("background-image".to_string(), "none".to_string());
        let css = tailwind_globals_css(
            &DesignTokens::default(),
            &[],
            BodyStyles {
                desktop: &desktop,
                mobile: Some(&mobile),
                html: [None, None],
                defaults: &defaults,
            },
        );
        let layer = &css[css.find("@layer base").unwrap()..];
        assert_eq!(
            layer,
            "@layer base {\n  body {\n    background-image: none;\n    margin-top: 0px;\n    margin-right: 8px;\n    margin-bottom: 8px;\n    margin-left: 8px;\n    line-height: normal;\n  }\n\n  @screen md {\n    body {\n      font-size: 19.84px;\n      background-image: none;\n    }\n  }\n}\n"
        );
    }

    #[test]
    fn the_body_keeps_its_padding_and_the_layout_of_its_children() {
        // d2c-10032: 150px under the content make room for a footer placed at the bottom.
        let style: BTreeMap<String, String> = [
            ("padding-bottom", "150px"),
            ("display", "flex"),
            ("justify-content", "center"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        // d2c-14697: the footer is placed at the bottom of `<html>`, which is positioned and
        // at least as tall as the window; its font size stays Tailwind's 16px.
        let html: BTreeMap<String, String> = [
            ("position", "relative"),
            ("min-height", "100%"),
            ("font-size", "10px"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut defaults = BrowserDefaults::default();
        defaults.tags.insert("html".to_string(), BTreeMap::new());
        defaults
            .base
            .insert("min-height".to_string(), "0px".to_string());
        let mut wide_html = html.clone();
        wide_html.remove("min-height");
        let css = tailwind_globals_css(
            &DesignTokens::default(),
            &[],
            BodyStyles {
                desktop: &style,
                mobile: Some(&style),
                html: [Some(&wide_html), Some(&html)],
                defaults: &defaults,
            },
        );
        let layer = &css[css.find("@layer base").unwrap()..];
        assert_eq!(
            layer,
            "@layer base {\n  html {\n    position: relative;\n    min-height: 100%;\n  }\n  body {\n    display: flex;\n    justify-content: center;\n    padding-bottom: 150px;\n    margin-top: 8px;\n    margin-right: 8px;\n    margin-bottom: 8px;\n    margin-left: 8px;\n    line-height: normal;\n  }\n\n  @screen md {\n    html {\n      min-height: 0px;\n    }\n  }\n}\n"
        );
    }

    #[test]
    fn a_narrow_body_stays_centred_under_its_border() {
        // d2c-5761: a 792px body centred by `margin: 0 auto` under an 18px navy top border.
        let style: BTreeMap<String, String> = [
            ("width", "792px"),
            ("margin-left", "244px"),
            ("margin-right", "244px"),
            ("border-top-width", "18px"),
            ("border-top-style", "solid"),
            ("border-top-color", "rgb(16, 50, 86)"),
            ("border-bottom-color", "rgb(51, 51, 51)"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let declarations = body_declarations(&DesignTokens::default(), &style);
        let value = |property: &str| {
            declarations
                .iter()
                .find(|(name, _)| *name == property)
                .map(|(_, value)| value.as_str())
        };
        assert_eq!(value("width"), Some("792px"));
        // d2c-13296: an ad holder stretched over the body (`position: absolute; inset: 0`) is
        // as tall as the body only where the body is positioned.
        let positioned: BTreeMap<String, String> =
            BTreeMap::from([("position".to_string(), "relative".to_string())]);
        let declarations = body_declarations(&DesignTokens::default(), &positioned);
        assert!(declarations.contains(&("position", "relative".to_string())));
        assert_eq!(value("margin-left"), Some("auto"));
        assert_eq!(value("margin-right"), Some("auto"));
        assert_eq!(value("border-top-width"), Some("18px"));
        assert_eq!(value("border-top-color"), Some("rgb(16, 50, 86)"));
        // A side without a style draws nothing: its colour is left out.
        assert_eq!(value("border-bottom-color"), None);
        // d2c-14103: `display: -webkit-box` needs `-webkit-box-orient: vertical`, which the
        // capture lacks; the body stays a block.
        let legacy: BTreeMap<String, String> =
            BTreeMap::from([("display".to_string(), "-webkit-box".to_string())]);
        let declarations = body_declarations(&DesignTokens::default(), &legacy);
        assert!(!declarations.iter().any(|(name, _)| *name == "display"));
    }

    #[test]
    fn urls_become_absolute_against_the_sheet() {
        let css = r#"a{background:url(img/a.png)} b{background:URL( "../b.svg#x" )} c{src:url('data:font/woff2;base64,AA')} d{x:url(#clip)} e{y:url(https://cdn.example/e.png)}"#;
        let out = rewrite_css_urls(css, "https://example.com/css/site.css");
        assert_eq!(
            out,
            r#"a{background:url("https://example.com/css/img/a.png")} b{background:URL("https://example.com/b.svg#x")} c{src:url('data:font/woff2;base64,AA')} d{x:url(#clip)} e{y:url("https://cdn.example/e.png")}"#
        );
    }

    #[test]
    fn an_unclosed_url_is_kept_as_written() {
        assert_eq!(
            rewrite_css_urls("a{b:url(x", "https://example.com/"),
            "a{b:url(x"
        );
    }

    #[test]
    fn body_attributes_become_unspecific_css() {
        let attributes: Vec<(String, String)> = [
            ("bgcolor", "#F0F4FF"),
            ("background", "images/bg.gif"),
            ("text", "#000000"),
            ("link", "#0000CC"),
            ("topmargin", "10"),
            ("marginwidth", "0"),
            ("class", "x"),
            ("vlink", "red; } body { display: none"),
        ]
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
        assert_eq!(
            body_presentational_css(&attributes, "https://example.com/old/index.html"),
            "/* The attributes of the page's <body>. */\n\
             :where(body) {\n  \
               background-color: #F0F4FF;\n  \
               background-image: url(\"https://example.com/old/images/bg.gif\");\n  \
               color: #000000;\n  \
               margin-top: 10px;\n  \
               margin-bottom: 10px;\n  \
               margin-left: 0px;\n  \
               margin-right: 0px;\n\
             }\n\
             :where(a:link) {\n  color: #0000CC;\n}\n\n"
        );
        assert_eq!(body_presentational_css(&[], "https://example.com/"), "");
    }

    #[test]
    fn imports_and_charsets_are_dropped() {
        let css = "@charset \"utf-8\";\n@import url(\"a.css\") screen;\nbody{color:red}";
        assert_eq!(without_imports(css).trim(), "body{color:red}");
        let commented = "/* see @import rules; */ a{color:red} b{content:\"@import x;\"}";
        assert_eq!(without_imports(commented), commented);
    }
}
