//! Just enough CSS reading for tokens: style rules with the media they sit in, `@media` widths
//! and `@keyframes`. The text is what Chromium serialized (`cssText`), so it is well formed;
//! anything unexpected is skipped rather than guessed at.

/// A style rule and the `@media` conditions around it (outermost first).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StyleRule {
    pub selectors: String,
    pub declarations: Vec<(String, String)>,
    pub media: Vec<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Sheet {
    pub rules: Vec<StyleRule>,
    /// Every `@media` prelude (without `@media`), in order.
    pub media_queries: Vec<String>,
    /// `@keyframes` name and body.
    pub keyframes: Vec<(String, String)>,
}

pub(crate) fn parse(css: &str) -> Sheet {
    let mut sheet = Sheet::default();
    let css = strip_comments(css);
    parse_block(&css, &mut Vec::new(), &mut sheet);
    sheet
}

fn strip_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        out.push_str(&rest[..start]);
        match rest[start + 2..].find("*/") {
            Some(end) => rest = &rest[start + 2 + end + 2..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

fn parse_block(text: &str, media: &mut Vec<String>, sheet: &mut Sheet) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let c = bytes[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            b'"' | b'\'' => quote = Some(c),
            b';' => start = i + 1, // `@import ...;`, `@charset ...;`
            b'{' => {
                let prelude = text[start..i].trim();
                let Some(close) = matching_brace(text, i) else {
                    return;
                };
                let body = &text[i + 1..close];
                handle(prelude, body, media, sheet);
                i = close + 1;
                start = i;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
}

fn handle(prelude: &str, body: &str, media: &mut Vec<String>, sheet: &mut Sheet) {
    if let Some(at) = prelude.strip_prefix('@') {
        let (name, rest) = at
            .split_once(|c: char| c.is_whitespace() || c == '(')
            .map_or((at, ""), |(n, _)| (n, &at[n.len()..]));
        let name = name.to_ascii_lowercase();
        match name.as_str() {
            "media" => {
                let condition = rest.trim().to_string();
                sheet.media_queries.push(condition.clone());
                media.push(condition);
                parse_block(body, media, sheet);
                media.pop();
            }
            "supports" | "layer" | "container" | "document" | "scope" | "starting-style" => {
                parse_block(body, media, sheet)
            }
            "keyframes" | "-webkit-keyframes" => sheet.keyframes.push((
                rest.trim().trim_matches(['"', '\'']).to_string(),
                body.to_string(),
            )),
            _ => {}
        }
        return;
    }
    if prelude.is_empty() {
        return;
    }
    sheet.rules.push(StyleRule {
        selectors: prelude.to_string(),
        declarations: declarations(body),
        media: media.clone(),
    });
    // CSS nesting: rules inside the body (`&:hover { ... }`) with `&` meaning the parent.
    if body.contains('{') {
        let mut nested = Sheet::default();
        parse_block(body, media, &mut nested);
        for mut rule in nested.rules {
            rule.selectors = rule.selectors.replace('&', prelude);
            sheet.rules.push(rule);
        }
        sheet.media_queries.extend(nested.media_queries);
    }
}

fn matching_brace(text: &str, open: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = open;
    while i < bytes.len() {
        let c = bytes[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
        } else {
            match c {
                b'"' | b'\'' => quote = Some(c),
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

/// `prop: value;` pairs of a rule body, nested blocks skipped, `!important` dropped.
pub(crate) fn declarations(body: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut paren = 0usize;
    let mut quote: Option<char> = None;
    let mut current = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            current.push(c);
            if c == '\\' {
                if let Some(next) = chars.next() {
                    current.push(next);
                }
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => {
                quote = Some(c);
                current.push(c);
            }
            '(' => {
                paren += 1;
                current.push(c);
            }
            ')' => {
                paren = paren.saturating_sub(1);
                current.push(c);
            }
            '{' => {
                depth += 1;
                current.clear();
            }
            '}' => {
                depth = depth.saturating_sub(1);
                current.clear();
            }
            ';' if depth == 0 && paren == 0 => {
                push_declaration(&current, &mut out);
                current.clear();
            }
            _ if depth == 0 => current.push(c),
            _ => {}
        }
    }
    push_declaration(&current, &mut out);
    out
}

fn push_declaration(text: &str, out: &mut Vec<(String, String)>) {
    let Some((name, value)) = text.split_once(':') else {
        return;
    };
    let name = name.trim().to_ascii_lowercase();
    let mut value = value.trim();
    if let Some(v) = value.strip_suffix("!important") {
        value = v.trim_end();
    }
    if name.is_empty() || value.is_empty() || name.contains(char::is_whitespace) {
        return;
    }
    out.push((name, value.to_string()));
}

/// Width thresholds of a media condition in CSS px, with the value as written:
/// `(max-width: 768px)` -> `768px`, `(width >= 40rem)` -> `40rem` (640 px).
pub(crate) fn media_widths(condition: &str) -> Vec<(f64, String)> {
    let lower = condition.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(offset) = lower[from..].find("width") {
        let at = from + offset;
        from = at + 5;
        let head = &lower[..at];
        // Only the viewport width: not `device-width`, `min-device-width`, `border-width`...
        let feature = head.ends_with("min-")
            || head.ends_with("max-")
            || head.ends_with('(')
            || head.ends_with(' ');
        if !feature || head.ends_with("device-") {
            continue;
        }
        // Range syntax with the length first: `40em <= width`.
        let before = head.trim_end();
        if before.ends_with(['<', '>', '=']) {
            let before = before.trim_end_matches(['<', '>', '=']).trim_end();
            let word_start = before.rfind([' ', '(']).map_or(0, |p| p + 1);
            out.extend(length(&before[word_start..]));
        }
        // `: 768px` or `>= 40rem`.
        let after = lower[from..].trim_start();
        if after.starts_with([':', '<', '>', '=']) {
            out.extend(length(after.trim_start_matches([':', '<', '>', '=', ' '])));
        }
    }
    out
}

/// Whether a media condition holds for the desktop capture (a 1280 px wide screen, light
/// scheme, motion allowed, a pointer that hovers). Conditions it cannot read hold.
pub(crate) fn applies_to_desktop(condition: &str) -> bool {
    const WIDTH: f64 = 1280.0;
    let lower = condition.to_ascii_lowercase().replace(' ', "");
    if lower.contains("prefers-reduced-motion:reduce")
        || lower.contains("prefers-color-scheme:dark")
        || lower.contains("hover:none")
        || lower.contains("pointer:coarse")
        || (lower.contains("print") && !lower.contains("screen"))
    {
        return false;
    }
    // Each width bound: `max-width:X` / `width<=X` / `X>=width` bound above, the rest below.
    let mut from = 0;
    while let Some(offset) = lower[from..].find("width") {
        let at = from + offset;
        from = at + 5;
        let head = &lower[..at];
        if head.ends_with("device-") {
            continue;
        }
        let tail = &lower[from..];
        let (upper, value) = if head.ends_with("max-") {
            (true, tail.trim_start_matches(':'))
        } else if head.ends_with("min-") {
            (false, tail.trim_start_matches(':'))
        } else if let Some(rest) = tail.strip_prefix("<=").or_else(|| tail.strip_prefix('<')) {
            (true, rest)
        } else if let Some(rest) = tail.strip_prefix(">=").or_else(|| tail.strip_prefix('>')) {
            (false, rest)
        } else {
            continue;
        };
        if let Some((px, _)) = length(value)
            && ((upper && px < WIDTH) || (!upper && px > WIDTH))
        {
            return false;
        }
    }
    true
}

fn length(text: &str) -> Option<(f64, String)> {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .unwrap_or(text.len());
    let token = &text[..end];
    for (unit, factor) in [("px", 1.0), ("rem", 16.0), ("em", 16.0)] {
        if let Some(number) = token.strip_suffix(unit)
            && let Ok(value) = number.parse::<f64>()
        {
            return Some((value * factor, token.to_string()));
        }
    }
    None
}

/// For each selector in a list whose last compound has `:hover`: that compound and the
/// compounds of its ancestors, nearest first (`.nav a:hover` -> `a` with ancestors `.nav`). Selectors with
/// sibling combinators, pseudo-elements or pseudo-classes this reader does not know are left out.
pub(crate) fn hover_targets(selectors: &str) -> Vec<(Compound, Vec<Compound>)> {
    replica_css::split_top_level(selectors, ',')
        .into_iter()
        .filter_map(|selector| {
            let parts = compounds(selector.trim())?;
            let (last, ancestors) = parts.split_last()?;
            if !last.contains(":hover") {
                return None;
            }
            let target = Compound::parse(last)?;
            let ancestors = ancestors
                .iter()
                .rev()
                .map(|a| Compound::parse(a))
                .collect::<Option<Vec<_>>>()?;
            Some((target, ancestors))
        })
        .collect()
}

/// The compound selectors of a complex selector, in order; `None` with `+` or `~`.
fn compounds(selector: &str) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let bytes = selector.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                i += 2;
                continue;
            }
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b'+' | b'~' if depth == 0 => return None,
            b' ' | b'>' if depth == 0 => {
                if start < i {
                    parts.push(&selector[start..i]);
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < selector.len() {
        parts.push(&selector[start..]);
    }
    Some(
        parts
            .into_iter()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect(),
    )
}

#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Compound {
    pub tag: Option<String>,
    pub ids: Vec<String>,
    pub classes: Vec<String>,
}

impl Compound {
    fn parse(text: &str) -> Option<Compound> {
        let mut compound = Compound::default();
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        let ident = |i: &mut usize| {
            let mut name = String::new();
            while *i < chars.len() {
                let c = chars[*i];
                if c == '\\' && *i + 1 < chars.len() {
                    name.push(chars[*i + 1]);
                    *i += 2;
                } else if c.is_alphanumeric() || c == '-' || c == '_' || !c.is_ascii() {
                    name.push(c);
                    *i += 1;
                } else {
                    break;
                }
            }
            name
        };
        let first = chars.first().copied()?;
        if first.is_alphabetic() {
            compound.tag = Some(ident(&mut i).to_ascii_lowercase());
        } else if first == '*' {
            i += 1;
        }
        while i < chars.len() {
            match chars[i] {
                '.' => {
                    i += 1;
                    compound.classes.push(ident(&mut i));
                }
                '#' => {
                    i += 1;
                    compound.ids.push(ident(&mut i));
                }
                ':' => {
                    i += 1;
                    if i < chars.len() && chars[i] == ':' {
                        return None; // a pseudo-element is not the element itself
                    }
                    let name = ident(&mut i);
                    if i < chars.len() && chars[i] == '(' {
                        let mut depth = 0;
                        while i < chars.len() {
                            match chars[i] {
                                '(' => depth += 1,
                                ')' => {
                                    depth -= 1;
                                    if depth == 0 {
                                        i += 1;
                                        break;
                                    }
                                }
                                _ => {}
                            }
                            i += 1;
                        }
                        if name != "not" && name != "where" && name != "is" {
                            return None;
                        }
                    } else if !matches!(
                        name.as_str(),
                        "hover"
                            | "focus"
                            | "focus-visible"
                            | "focus-within"
                            | "active"
                            | "link"
                            | "visited"
                            | "enabled"
                            | "root"
                    ) {
                        return None;
                    }
                }
                '[' => {
                    // Attribute conditions are not checked; keep the rest of the compound.
                    while i < chars.len() && chars[i] != ']' {
                        i += 1;
                    }
                    i += 1;
                }
                _ => return None,
            }
        }
        let anything =
            compound.tag.is_some() || !compound.ids.is_empty() || !compound.classes.is_empty();
        anything.then_some(compound)
    }

    pub fn matches(&self, tag: &str, id: Option<&str>, classes: &[&str]) -> bool {
        self.tag.as_deref().is_none_or(|t| t == tag)
            && self.ids.iter().all(|i| Some(i.as_str()) == id)
            && self.classes.iter().all(|c| classes.contains(&c.as_str()))
            // A bare `a:hover` or `button:hover` styles every such element: it says little
            // about one component, but it is what the page does to it.
            && (self.tag.is_some() || !self.classes.is_empty() || !self.ids.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_media_and_keyframes() {
        let sheet = parse(
            r#"/* c */ .a { color: red; background: url("x;y.png") } @media (max-width: 800px) { .b:hover { opacity: .8 !important } }
               @keyframes fade { from { opacity: 0 } to { opacity: 1 } } @import url(x.css);"#,
        );
        assert_eq!(sheet.rules.len(), 2);
        assert_eq!(
            sheet.rules[0].declarations,
            [
                ("color".into(), "red".into()),
                ("background".into(), r#"url("x;y.png")"#.into())
            ]
        );
        assert_eq!(sheet.rules[1].media, ["(max-width: 800px)"]);
        assert_eq!(
            sheet.rules[1].declarations,
            [("opacity".into(), ".8".into())]
        );
        assert_eq!(sheet.keyframes[0].0, "fade");
        assert_eq!(sheet.media_queries, ["(max-width: 800px)"]);
    }

    #[test]
    fn media_widths_in_every_syntax() {
        let widths = |c| {
            media_widths(c)
                .into_iter()
                .map(|(_, s)| s)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            widths("screen and (min-width: 768px) and (max-width:1023.98px)"),
            ["768px", "1023.98px"]
        );
        assert_eq!(widths("(width >= 40rem)"), ["40rem"]);
        assert_eq!(widths("(40em <= width < 64em)"), ["40em", "64em"]);
        assert!(widths("(min-device-width: 500px)").is_empty());
        assert!(widths("(prefers-reduced-motion: reduce)").is_empty());
        assert_eq!(media_widths("(min-width: 48em)")[0].0, 768.0);
    }

    #[test]
    fn media_conditions_for_the_desktop_screen() {
        assert!(applies_to_desktop("(min-width: 768px)"));
        assert!(applies_to_desktop(
            "screen and (min-width: 1024px) and (max-width: 1440px)"
        ));
        assert!(!applies_to_desktop("(max-width: 767px)"));
        assert!(!applies_to_desktop("(width <= 48rem)"));
        assert!(applies_to_desktop("(width >= 40rem)"));
        assert!(!applies_to_desktop("(min-width: 1536px)"));
        assert!(!applies_to_desktop("(prefers-reduced-motion: reduce)"));
        assert!(!applies_to_desktop("print"));
        assert!(applies_to_desktop("(hover: hover)"));
    }

    #[test]
    fn hover_compounds() {
        let t = hover_targets(
            "header .nav > a:hover, .btn.btn-primary:hover:not(:disabled), .hover\\:bg-blue-700:hover, .card:hover .title, a::after:hover, h2 + a:hover",
        );
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].0.tag.as_deref(), Some("a"));
        assert_eq!(
            t[0].1.iter().map(|c| c.classes.clone()).collect::<Vec<_>>(),
            [vec!["nav".to_string()], vec![]]
        );
        assert_eq!(t[0].1[1].tag.as_deref(), Some("header"));
        assert_eq!(t[1].0.classes, ["btn", "btn-primary"]);
        assert!(t[1].1.is_empty());
        assert_eq!(t[2].0.classes, ["hover:bg-blue-700"]);
        assert!(t[1].0.matches("a", None, &["btn", "btn-primary", "lg"]));
        assert!(!t[1].0.matches("a", None, &["btn"]));
    }

    #[test]
    fn nested_rules_resolve_ampersand() {
        let sheet = parse(".card { padding: 4px; &:hover { transform: translateY(-2px); } }");
        assert_eq!(sheet.rules[1].selectors, ".card:hover");
        assert_eq!(
            sheet.rules[0].declarations,
            [("padding".into(), "4px".into())]
        );
    }
}
