//! The deterministic compiler: a section's DOM becomes one JSX component (DESIGN.md §6).
//!
//! Two styles share the walk. `faithful` keeps the page's classes and inline styles (the
//! page's CSS is kept by the assembler); `tailwind` replaces both with Tailwind classes
//! computed from the captured computed styles (see [`crate::tailwind`]).

use std::collections::BTreeMap;

use replica_core::{
    BoxFuture, BrowserDefaults, ComponentFile, DesignTokens, DomElement, DomNode, GenerateError,
    Lang, MOBILE_MAX_WIDTH, OutlineNode, OutputStyle, Plan, PlannedSection, Rect, RenderingMode,
    SectionGenerator, SharedContext,
};
use url::Url;

use crate::jsx::{self, Component, DataArray, Element, Node, Prop, PropValue};
use crate::style::{resolve_css_urls, style_declarations};
use crate::tailwind::{self, Theme};
use crate::typing::{self, Declarations};
use crate::{AttributeMapping, map_attribute};

mod quirks;

use quirks::{drops_strut, has_own_text, quirks_mode_style, sets_line_height};

/// What the compiler needs besides the section.
#[derive(Debug, Clone, Copy, Default)]
pub struct CompileOptions<'a> {
    pub style: OutputStyle,
    /// The mobile capture's DOM (its `<html>`), for `tailwind`'s responsive variants: elements
    /// are matched by id. Without it every class comes from the desktop styles alone.
    pub mobile_dom: Option<&'a DomElement>,
    /// The mode the page rendered in. Next.js always serves standards mode, so the faithful
    /// style writes out what quirks mode did differently and can be (tables that do not
    /// inherit fonts, the line height quirk, default margins at cell edges; see
    /// `compile/quirks.rs`), and limited quirks mode's line height quirk.
    pub rendering_mode: RenderingMode,
    /// TypeScript (`.tsx`, typed props and data) or JavaScript (`.jsx`).
    pub lang: Lang,
}

/// The deterministic generator behind [`SectionGenerator`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Compiler {
    pub style: OutputStyle,
    pub lang: Lang,
}

impl SectionGenerator for Compiler {
    fn name(&self) -> &str {
        match self.style {
            OutputStyle::Faithful => "compile-faithful",
            OutputStyle::Tailwind => "compile-tailwind",
        }
    }

    fn generate<'a>(
        &'a self,
        section: &'a PlannedSection,
        context: &'a SharedContext,
        tokens: &'a DesignTokens,
    ) -> BoxFuture<'a, Result<ComponentFile, GenerateError>> {
        let options = CompileOptions {
            style: self.style,
            mobile_dom: None,
            rendering_mode: RenderingMode::Standards,
            lang: self.lang,
        };
        Box::pin(async move { compile_section(section, context, tokens, &options) })
    }
}

/// `components/<Name>.tsx` (or `.jsx`).
pub fn component_path(component_name: &str, lang: Lang) -> String {
    format!("components/{component_name}.{}", lang.jsx_extension())
}

/// Compiles one section. The only error is a component name that is not a PascalCase
/// JavaScript identifier (it becomes the function name and the file name).
pub fn compile_section(
    section: &PlannedSection,
    context: &SharedContext,
    tokens: &DesignTokens,
    options: &CompileOptions<'_>,
) -> Result<ComponentFile, GenerateError> {
    check_component_name(section)?;
    let source = compile_source(section, context, tokens, options);
    Ok(ComponentFile {
        path: component_path(&section.component_name, options.lang),
        component_name: section.component_name.clone(),
        source,
        fallback: None,
    })
}

/// One component per wrapper of the plan's outline (`components/Main.jsx`: the elements
/// around several sections, outermost first, nested into one component that renders its
/// `children` inside the innermost), each element compiled like any element of a section
/// (same attribute and style mapping, same tailwind classes) in the context of the wrapper
/// around it. A wrapper whose elements render nothing (a `<noscript>` or `<template>` keeps
/// nothing) has no component: the page renders its children in its place.
///
/// A wrapper `<p>` becomes a `<div>` with the paragraph's look: the sections it holds are
/// blocks, which the HTML parser would not leave inside a `<p>`.
pub fn compile_wrappers(
    plan: &Plan,
    tokens: &DesignTokens,
    options: &CompileOptions<'_>,
) -> Vec<ComponentFile> {
    let theme = match options.style {
        OutputStyle::Tailwind => Some(Theme::from_tokens(tokens)),
        OutputStyle::Faithful => None,
    };
    let input = WrapperInput {
        base_url: Url::parse(&plan.shared_context.url).ok(),
        theme: theme.as_ref(),
        browser_defaults: &plan.shared_context.browser_defaults,
        options,
    };
    let mut out = Vec::new();
    compile_outline(&plan.outline, &ROOT_CONTEXT, &input, &mut out);
    out
}

/// What every wrapper of one plan is compiled with.
struct WrapperInput<'a> {
    base_url: Option<Url>,
    theme: Option<&'a Theme>,
    browser_defaults: &'a BrowserDefaults,
    options: &'a CompileOptions<'a>,
}

fn compile_outline<'a>(
    nodes: &'a [OutlineNode],
    context: &Context<'a>,
    input: &WrapperInput<'a>,
    out: &mut Vec<ComponentFile>,
) {
    for node in nodes {
        let OutlineNode::Wrapper(wrapper) = node else {
            continue;
        };
        let mut builder = Builder::new(
            input.options,
            input.base_url.clone(),
            &wrapper.component_name,
            input.theme,
            input.browser_defaults,
        );
        let mut inner_context = *context;
        let mut shells: Vec<Element> = Vec::new();
        for element in &wrapper.elements {
            if is_dropped(&element.tag, &inner_context) {
                continue;
            }
            let (shell, inner) = builder.open(element, &inner_context, true);
            shells.push(shell);
            inner_context = inner;
        }
        compile_outline(&wrapper.children, &inner_context, input, out);
        if shells.is_empty() {
            continue;
        }
        let mut inner = Node::Children;
        for mut shell in shells.into_iter().rev() {
            shell.children = vec![inner];
            inner = Node::Element(shell);
        }
        let mut roots = vec![inner];
        if !builder.important_rules.is_empty() {
            roots.push(Node::Element(Element {
                tag: "style".to_string(),
                props: Vec::new(),
                children: vec![Node::Literal(builder.important_rules.join("\n"))],
            }));
        }
        let (imports, declarations) = builder.module_parts();
        let source = jsx::print_component(&Component {
            name: &wrapper.component_name,
            takes_children: true,
            arrays: &[],
            shared_classes: &[],
            roots: &roots,
            lang: input.options.lang,
            imports: &imports,
            declarations: &declarations,
        });
        out.push(ComponentFile {
            path: component_path(&wrapper.component_name, input.options.lang),
            component_name: wrapper.component_name.clone(),
            source,
            fallback: None,
        });
    }
}

/// Where a section's roots (and the outermost wrapper) stand: in `<body>`, whose style the
/// layout carries.
const ROOT_CONTEXT: Context<'static> = Context {
    svg: false,
    preserve_whitespace: false,
    display: "block",
    mobile_display: "block",
    has_before: false,
    has_after: false,
    parent_style: None,
    parent_mobile_style: None,
    parent_tag: "",
    strut_dropped: false,
};

pub(crate) fn check_component_name(section: &PlannedSection) -> Result<(), GenerateError> {
    let name = &section.component_name;
    if jsx::is_identifier(name) && name.starts_with(|c: char| c.is_ascii_uppercase()) {
        return Ok(());
    }
    Err(GenerateError::Invalid {
        section: section.id.clone(),
        message: format!(
            "component name {name:?} is not a PascalCase JavaScript identifier, so it cannot name \
             the component or its file"
        ),
    })
}

fn compile_source(
    section: &PlannedSection,
    context: &SharedContext,
    tokens: &DesignTokens,
    options: &CompileOptions<'_>,
) -> String {
    let theme = match options.style {
        OutputStyle::Tailwind => Some(Theme::from_tokens(tokens)),
        OutputStyle::Faithful => None,
    };
    let mut builder = Builder::new(
        options,
        Url::parse(&context.url).ok(),
        &section.component_name,
        theme.as_ref(),
        &context.browser_defaults,
    );
    // The section's pieces sit in its wrapper's innermost element (whitespace, display and
    // inherited styles come from there), else in `<body>`.
    let root_context = match &section.data.container {
        Some(container) => builder.child_context(container, &ROOT_CONTEXT),
        None => ROOT_CONTEXT,
    };
    let mut roots: Vec<Node> = section
        .data
        .dom
        .iter()
        .filter_map(|element| builder.element(element, &root_context))
        .collect();
    if !builder.important_rules.is_empty() {
        roots.push(Node::Element(Element {
            tag: "style".to_string(),
            props: Vec::new(),
            children: vec![Node::Literal(builder.important_rules.join("\n"))],
        }));
    }
    let mut arrays: Vec<DataArray> = Vec::new();
    jsx::group_repeated(
        &mut roots,
        &mut arrays,
        options.style == OutputStyle::Faithful,
    );
    let shared_classes = match options.style {
        OutputStyle::Tailwind => {
            let taken: Vec<&str> = arrays.iter().map(|array| array.name.as_str()).collect();
            jsx::share_class_lists(&mut roots, &taken)
        }
        OutputStyle::Faithful => Vec::new(),
    };
    let (mut imports, declarations) = builder.module_parts();
    if jsx::uses_fragment(&roots) {
        imports.insert(0, "import { Fragment } from \"react\";");
    }
    jsx::print_component(&Component {
        name: &section.component_name,
        takes_children: false,
        arrays: &arrays,
        shared_classes: &shared_classes,
        roots: &roots,
        lang: options.lang,
        imports: &imports,
        declarations: &declarations,
    })
}

struct Builder<'a> {
    style: OutputStyle,
    base_url: Option<Url>,
    /// Prefix of generated class names, from the component name (`hero-important-1`).
    class_prefix: String,
    important_rules: Vec<String>,
    theme: Option<&'a Theme>,
    /// What the captured styles leave out, for the Tailwind style (preflight resets some).
    browser_defaults: &'a BrowserDefaults,
    mobile_dom: Option<&'a DomElement>,
    rendering_mode: RenderingMode,
    lang: Lang,
    /// What the file must declare for TypeScript (legacy elements and attributes).
    declarations: Declarations,
    /// Some `<img>` became `next/image`'s `<Image>`.
    uses_image: bool,
    /// Margins quirks mode ignored at the edges of table cells (see
    /// [`quirks::ignored_margins`]), by element id.
    ignored_margins: Vec<(u32, quirks::Edge)>,
}

impl<'a> Builder<'a> {
    fn new(
        options: &CompileOptions<'a>,
        base_url: Option<Url>,
        component_name: &str,
        theme: Option<&'a Theme>,
        browser_defaults: &'a BrowserDefaults,
    ) -> Builder<'a> {
        Builder {
            style: options.style,
            base_url,
            class_prefix: kebab_case(component_name),
            important_rules: Vec::new(),
            theme,
            browser_defaults,
            mobile_dom: options.mobile_dom,
            rendering_mode: options.rendering_mode,
            lang: options.lang,
            declarations: Declarations::default(),
            uses_image: false,
            ignored_margins: Vec::new(),
        }
    }

    /// What the file imports and declares besides its components.
    fn module_parts(&self) -> (Vec<&'static str>, String) {
        let imports = if self.uses_image {
            vec!["import Image from \"next/image\";"]
        } else {
            Vec::new()
        };
        (imports, self.declarations.source())
    }
}

/// What a child needs to know about where it is.
#[derive(Clone, Copy)]
struct Context<'a> {
    svg: bool,
    preserve_whitespace: bool,
    /// The `display` the parent lays its children out in on desktop (see [`displays_when_shown`]).
    display: &'a str,
    /// The same on mobile (the desktop one without a mobile capture).
    mobile_display: &'a str,
    has_before: bool,
    has_after: bool,
    parent_style: Option<&'a BTreeMap<String, String>>,
    parent_mobile_style: Option<&'a BTreeMap<String, String>>,
    parent_tag: &'a str,
    /// The parent's lines lose their strut in quirks mode (see [`drops_strut`]): it got
    /// `line-height: 0`, so the elements below it with text of their own set their `normal`
    /// back. Those without keep the inherited 0 and pass this on: quirks mode gives a box
    /// without text of its own no height either (`<b><font size=1>x</font></b>` is as tall
    /// as the small text).
    strut_dropped: bool,
}

/// Elements whose content is never rendered, or that run or load things the clone must not.
const DROPPED_HTML: &[&str] = &[
    "script", "noscript", "template", "style", "link", "meta", "base", "title",
];

fn is_dropped(tag: &str, context: &Context<'_>) -> bool {
    !context.svg && DROPPED_HTML.contains(&tag) || context.svg && tag == "script"
}

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// HTML attributes whose presence means true.
const BOOLEAN: &[&str] = &[
    "allowfullscreen",
    "async",
    "autofocus",
    "autoplay",
    "checked",
    "controls",
    "default",
    "defer",
    "disabled",
    "formnovalidate",
    "hidden",
    "inert",
    "ismap",
    "itemscope",
    "loop",
    "multiple",
    "muted",
    "nomodule",
    "novalidate",
    "open",
    "playsinline",
    "readonly",
    "required",
    "reversed",
    "selected",
];

/// Attributes holding one URL.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "poster",
    "action",
    "formaction",
    "cite",
    "background",
    "xlink:href",
];

/// HTML parents whose content model has no text: a text node in them, even a space kept for a
/// cell hidden at one device, fails React's hydration (the parser never puts it there).
const NO_TEXT_PARENTS: &[&str] = &[
    "table", "thead", "tbody", "tfoot", "tr", "colgroup", "select", "optgroup", "datalist",
];

/// Tags that are inline when no style says otherwise (custom elements are inline too).
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "audio", "b", "bdi", "bdo", "br", "button", "canvas", "cite", "code", "data",
    "del", "dfn", "em", "embed", "font", "i", "iframe", "img", "input", "ins", "kbd", "label",
    "mark", "math", "meter", "object", "output", "picture", "progress", "q", "s", "samp", "select",
    "small", "span", "strike", "strong", "sub", "sup", "svg", "textarea", "time", "tt", "u", "var",
    "video", "wbr",
];

impl<'a> Builder<'a> {
    fn element(&mut self, element: &'a DomElement, context: &Context<'a>) -> Option<Node> {
        let tag = element.tag.as_str();
        if is_dropped(tag, context) {
            return None;
        }
        if tag == "canvas"
            && let Some(drawing) = element.state.get("canvas")
        {
            return Some(Node::Element(self.canvas_image(element, drawing)));
        }
        let in_svg = context.svg || tag == "svg";
        let (mut shell, child_context) =
            self.open(element, context, holds_paragraph_closer(element));
        if tag == "img" && !in_svg {
            self.image(element, &mut shell, context);
        }
        shell.children = if VOID.contains(&tag) && !in_svg {
            Vec::new()
        } else if tag == "textarea" {
            let value = element
                .state
                .get("value")
                .cloned()
                .unwrap_or_else(|| raw_text(element));
            if !value.is_empty() {
                push_prop(&mut shell.props, "defaultValue", PropValue::Str(value));
            }
            Vec::new()
        } else if in_svg && tag == "style" {
            vec![Node::Literal(raw_text(element))]
        } else {
            self.children(element, &child_context)
        };
        Some(Node::Element(shell))
    }

    /// The element without its content: JSX tag and props, and the context its children see.
    /// `holds_block`: the element holds something that would make the HTML parser close a
    /// `<p>` (see [`holds_paragraph_closer`]).
    fn open(
        &mut self,
        element: &'a DomElement,
        context: &Context<'a>,
        holds_block: bool,
    ) -> (Element, Context<'a>) {
        let tag = element.tag.as_str();
        let in_svg = context.svg || tag == "svg";
        let mobile = self.mobile_of(element);
        let mut props = self.props(element, in_svg, context, mobile);
        if self.style == OutputStyle::Faithful {
            self.push_mobile_state(element, mobile, &mut props);
        }
        let child_context = self.child_context(element, context);
        let tag = if !in_svg && tag == "p" && holds_block {
            // Only scripts (or a quirks-mode parse) put a block like <div> or <table> in a
            // <p>; served as HTML, the parser would close the <p> before it and React's
            // hydration would fail. A <div> carrying the paragraph's computed look instead.
            if self.style == OutputStyle::Faithful {
                props.retain(|prop| prop.name != "style");
                props.push(Prop {
                    name: "style".to_string(),
                    value: PropValue::Style(paragraph_look(element)),
                });
            }
            "div"
        } else if is_jsx_tag(tag) {
            tag
        } else if context.svg {
            // A tag JSX cannot write (`o:p` from Word, `svg:rect`) keeps its content in a
            // neutral box: unknown HTML elements are inline, like a span.
            "g"
        } else {
            "span"
        };
        if self.lang == Lang::TypeScript {
            typing::type_props(tag, in_svg, &mut props, &mut self.declarations);
        }
        let shell = Element {
            tag: tag.to_string(),
            props,
            children: Vec::new(),
        };
        (shell, child_context)
    }

    /// Classes and inline styles the page's scripts set only at one width (a sidebar
    /// collapsed on phones): written as `data-mobile-*` attributes that the project's
    /// `DeviceState` component applies below the mobile breakpoint. The tailwind style
    /// needs none: its classes come from both devices' computed styles.
    fn push_mobile_state(
        &self,
        element: &DomElement,
        mobile: Option<&DomElement>,
        props: &mut Vec<Prop>,
    ) {
        let Some(mut state) = mobile.and_then(|mobile| element.mobile_state(mobile)) else {
            return;
        };
        if let Some(style) = &mut state.style
            && replica_css::has_url(style)
        {
            *style = resolve_css_urls(style, |url| self.absolute_url(url));
        }
        for (name, value) in state.attributes() {
            push_prop(props, &name, PropValue::Str(value));
        }
    }

    /// The same element in the mobile capture, when it is there.
    fn mobile_of(&self, element: &DomElement) -> Option<&'a DomElement> {
        self.mobile_dom
            .and_then(|dom| dom.find(element.id))
            .filter(|mobile| mobile.tag == element.tag)
    }

    /// The context the element's children see.
    fn child_context(&self, element: &'a DomElement, context: &Context<'a>) -> Context<'a> {
        let tag = element.tag.as_str();
        let in_svg = context.svg || tag == "svg";
        let mobile = self.mobile_of(element);
        let (display, mobile_display) =
            displays_when_shown(element, mobile.unwrap_or(element), context.svg);
        Context {
            svg: in_svg && tag != "foreignObject",
            preserve_whitespace: preserves_whitespace(element, context),
            display,
            mobile_display,
            has_before: element.before.is_some(),
            has_after: element.after.is_some(),
            parent_style: Some(&element.style),
            parent_mobile_style: mobile.map(|mobile| &mobile.style),
            parent_tag: &element.tag,
            strut_dropped: self.rendering_mode.has_line_height_quirk()
                && !in_svg
                && (drops_strut(element, mobile, context.svg)
                    || context.strut_dropped
                        && !has_own_text(element)
                        && !sets_line_height(element, mobile)),
        }
    }

    fn children(&mut self, element: &'a DomElement, context: &Context<'a>) -> Vec<Node> {
        enum Item<'b> {
            Element(Node, bool),
            Text(&'b str),
        }
        let lone_breaks = if context.strut_dropped {
            quirks::lone_breaks(element, context.svg)
        } else {
            Vec::new()
        };
        let mut items: Vec<Item<'a>> = Vec::new();
        for (index, child) in element.children.iter().enumerate() {
            match child {
                DomNode::Text(text) => items.push(Item::Text(text)),
                DomNode::Element(child) => {
                    let block = self.ends_lines(child, context);
                    if let Some(mut node) = self.element(child, context) {
                        if lone_breaks.contains(&index) {
                            node = quirks::with_line_height(node);
                        }
                        items.push(Item::Element(node, block));
                    }
                }
            }
        }
        // `Some(true)`: a block-like element; `Some(false)`: inline content; `None`: the edge.
        let neighbour = |index: Option<usize>| -> Option<bool> {
            index.and_then(|i| items.get(i)).map(|item| match item {
                Item::Element(_, block) => *block,
                Item::Text(_) => false,
            })
        };
        // Spaces go only where no device renders them: a parent that is a block (or a flex or
        // grid container) at one device and inline at the other keeps them.
        let devices = [context.display, context.mobile_display];
        let parent_block = devices.iter().all(|display| is_blocklike(display));
        let parent_flex_or_grid = devices.iter().all(|display| is_flex_or_grid(display));
        let svg_without_text =
            context.svg && !matches!(element.tag.as_str(), "text" | "tspan" | "textPath");
        let holds_no_text = !context.svg && NO_TEXT_PARENTS.contains(&element.tag.as_str());
        let mut nodes = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let text = match item {
                Item::Element(node, _) => {
                    nodes.push(node.clone());
                    continue;
                }
                Item::Text(text) => *text,
            };
            if holds_no_text && is_html_whitespace(text) {
                continue;
            }
            if context.preserve_whitespace && !context.svg {
                if !text.is_empty() {
                    nodes.push(preserved_text(text));
                }
                continue;
            }
            let previous = neighbour(index.checked_sub(1));
            let next = neighbour(Some(index + 1));
            // Whether a space at this edge would fall at the start or end of a line, where
            // HTML drops it anyway.
            let start_is_line_edge = match previous {
                Some(block) => block,
                None => parent_block && !context.has_before,
            };
            let end_is_line_edge = match next {
                Some(block) => block,
                None => parent_block && !context.has_after,
            };
            let collapsed = collapse_whitespace(text);
            if collapsed.trim_matches(' ').is_empty() {
                // A space at the start or end of a line is removed by HTML's layout too.
                if collapsed.is_empty()
                    || parent_flex_or_grid
                    || svg_without_text
                    || start_is_line_edge
                    || end_is_line_edge
                {
                    continue;
                }
                nodes.push(Node::Space);
                continue;
            }
            let body = collapsed.trim_matches(' ');
            if collapsed.starts_with(' ') && !start_is_line_edge {
                nodes.push(Node::Space);
            }
            nodes.push(Node::Text(body.to_string()));
            if collapsed.ends_with(' ') && !end_is_line_edge {
                nodes.push(Node::Space);
            }
        }
        // Two spaces in a row render as one; keep the output minimal.
        nodes.dedup_by(|a, b| *a == Node::Space && *b == Node::Space);
        if context.strut_dropped && has_own_text(element) {
            // Quirks mode gave a strut only to the lines holding this text (see
            // `quirks::drops_strut`).
            for node in &mut nodes {
                if matches!(node, Node::Space | Node::Text(_)) {
                    *node = quirks::with_line_height(std::mem::replace(node, Node::Space));
                }
            }
        }
        nodes
    }

    /// Whether `child` starts and ends lines at every device, so a space next to it is never
    /// rendered and can be left out of the JSX. A `<br>` ends a line; a box hidden at a device
    /// (`display: none`, a `<br>` a media query hides on phones) ends nothing there, and the
    /// spaces around it join the text on either side ("a<br> massive" must not read
    /// "amassive" where the break is hidden). Kept spaces cost nothing where the box does end
    /// lines: HTML drops them there.
    fn ends_lines(&self, child: &DomElement, context: &Context<'_>) -> bool {
        let ends = |element: &DomElement| {
            let display = display_of(element, context.svg);
            display != "none" && (is_blocklike(display) || element.tag == "br" && !context.svg)
        };
        ends(child) && self.mobile_of(child).is_none_or(ends)
    }

    /// The element's props, one concern at a time: its attributes (inline style kept where
    /// the style is faithful), live form state, the quirks-mode table and line height fixes,
    /// the rule holding `!important` inline declarations and the Tailwind classes.
    fn props(
        &mut self,
        element: &'a DomElement,
        in_svg: bool,
        context: &Context<'a>,
        mobile: Option<&'a DomElement>,
    ) -> Vec<Prop> {
        let custom_element = element.tag.contains('-') && !in_svg;
        let mut props: Vec<Prop> = Vec::new();
        let mut important: Vec<String> = Vec::new();
        self.attribute_props(element, in_svg, custom_element, &mut props, &mut important);
        if !in_svg {
            self.form_state(element, &mut props);
        }
        if self.rendering_mode.has_line_height_quirk() && !in_svg {
            let ignored: Vec<quirks::Edge> = self
                .ignored_margins
                .iter()
                .filter(|(id, _)| *id == element.id)
                .map(|(_, edge)| *edge)
                .collect();
            let quirks = self.rendering_mode == RenderingMode::Quirks;
            quirks_mode_style(element, context, mobile, quirks, &ignored, &mut props);
            if quirks && matches!(element.tag.as_str(), "td" | "th") {
                self.ignored_margins
                    .extend(quirks::ignored_margins(element));
            }
        }
        if !important.is_empty() {
            self.important_class(&important, &mut props, custom_element);
        }
        if let Some(theme) = self.theme {
            let classes = tailwind_classes(
                element,
                in_svg,
                context,
                mobile,
                theme,
                self.browser_defaults,
            );
            if !classes.is_empty() {
                add_class(&mut props, &classes.join(" "), custom_element);
            }
        }
        props
    }

    /// The element's attributes as React props; `!important` inline declarations go to
    /// `important` (a class rule carries them, see `important_class`).
    fn attribute_props(
        &self,
        element: &DomElement,
        in_svg: bool,
        custom_element: bool,
        props: &mut Vec<Prop>,
        important: &mut Vec<String>,
    ) {
        let tag = element.tag.as_str();
        for (name, value) in &element.attrs {
            let lower = name.to_ascii_lowercase();
            let mapping = if custom_element {
                custom_element_mapping(name)
            } else {
                map_attribute(tag, name)
            };
            let react = match mapping {
                AttributeMapping::Drop(_) => continue,
                AttributeMapping::Style => {
                    if self.style == OutputStyle::Faithful {
                        self.inline_style(value, props, important);
                    }
                    continue;
                }
                AttributeMapping::Prop(react) => react,
            };
            if self.style == OutputStyle::Tailwind && matches!(lower.as_str(), "class") {
                continue;
            }
            if !in_svg && tag == "option" && lower == "selected" {
                // React wants the selection on the <select>; see `select_value`.
                continue;
            }
            if !in_svg && tag == "input" && lower == "value" && input_type(element) == "file" {
                // A file input's value cannot be set.
                continue;
            }
            let value = if !in_svg && !custom_element && BOOLEAN.contains(&lower.as_str()) {
                if lower == "hidden" && value.eq_ignore_ascii_case("until-found") {
                    PropValue::Str(value.clone())
                } else {
                    PropValue::True
                }
            } else if URL_ATTRIBUTES.contains(&lower.as_str()) {
                PropValue::Str(self.absolute_url(value))
            } else if matches!(lower.as_str(), "srcset" | "imagesrcset") {
                PropValue::Str(self.absolute_srcset(value))
            } else {
                PropValue::Str(value.clone())
            };
            push_prop(props, &react, value);
        }
    }

    /// A faithful `style` attribute: a `style` prop with absolute URLs, and its `!important`
    /// declarations in `important` (React's style objects cannot carry the priority).
    fn inline_style(&self, value: &str, props: &mut Vec<Prop>, important: &mut Vec<String>) {
        let mut entries = Vec::new();
        let absolute = |value: &str| {
            if replica_css::has_url(value) {
                resolve_css_urls(value, |url| self.absolute_url(url))
            } else {
                value.to_string()
            }
        };
        for declaration in style_declarations(value) {
            if declaration.is_important() {
                important.push(format!(
                    "{}: {} !important",
                    declaration.property,
                    absolute(declaration.value_without_priority())
                ));
            } else {
                entries.push((declaration.key, absolute(&declaration.value)));
            }
        }
        if !entries.is_empty() {
            push_prop(props, "style", PropValue::Style(entries));
        }
    }

    /// A class whose stylesheet rule holds the element's `!important` inline declarations.
    fn important_class(&mut self, important: &[String], props: &mut Vec<Prop>, custom: bool) {
        let class = format!(
            "{}-important-{}",
            self.class_prefix,
            self.important_rules.len() + 1
        );
        // Doubled class: the declarations were inline, so they should beat page rules.
        self.important_rules
            .push(format!(".{class}.{class} {{ {}; }}", important.join("; ")));
        add_class(props, &class, custom);
    }

    /// Live form state as `defaultValue` / `defaultChecked`, so the fields stay editable.
    fn form_state(&self, element: &DomElement, props: &mut Vec<Prop>) {
        match element.tag.as_str() {
            "input" => match input_type(element).as_str() {
                "checkbox" | "radio" => match element.state.get("checked").map(String::as_str) {
                    Some("true") => push_prop(props, "defaultChecked", PropValue::True),
                    Some("false") => props.retain(|prop| prop.name != "defaultChecked"),
                    _ => {}
                },
                "file" | "submit" | "button" | "reset" | "image" => {}
                _ => {
                    if let Some(value) = element.state.get("value") {
                        props.retain(|prop| prop.name != "defaultValue");
                        if !value.is_empty() {
                            props.push(Prop {
                                name: "defaultValue".to_string(),
                                value: PropValue::Str(value.clone()),
                            });
                        }
                    }
                }
            },
            "select" => {
                if let Some(value) = select_value(element) {
                    props.retain(|prop| prop.name != "defaultValue");
                    props.push(Prop {
                        name: "defaultValue".to_string(),
                        value,
                    });
                }
            }
            _ => {}
        }
    }

    /// An `<img>` keeps its alt text (`alt=""` where it had none), and becomes `next/image`'s
    /// `<Image>` where that renders the same element: the page gave its pixel size in
    /// `width` and `height` and one source (no `srcset`, `sizes` or `<picture>`, whose choice
    /// of file `<Image>` would replace), so `<Image unoptimized>` writes the same attributes
    /// (plus `decoding` and `data-nimg`). Its default lazy loading is kept off unless the page
    /// had it. Elsewhere the printer scopes an eslint-disable to the `<img>`.
    fn image(&mut self, element: &DomElement, shell: &mut Element, context: &Context<'_>) {
        if !shell.props.iter().any(|prop| prop.name == "alt") {
            shell.props.push(Prop {
                name: "alt".to_string(),
                value: PropValue::Str(String::new()),
            });
        }
        let pixels = |name: &str| {
            element
                .attr(name)
                .and_then(|value| value.trim().parse::<u32>().ok())
        };
        let (Some(width), Some(height)) = (pixels("width"), pixels("height")) else {
            return;
        };
        let plain = context.parent_tag != "picture"
            && ["srcset", "sizes", "usemap", "ismap"]
                .iter()
                .all(|name| element.attr(name).is_none())
            && element
                .attr("src")
                .is_some_and(|src| !src.trim().is_empty())
            && matches!(element.attr("loading"), None | Some("lazy" | "eager"));
        if !plain {
            return;
        }
        shell.tag = "Image".to_string();
        for (name, value) in [("width", width), ("height", height)] {
            shell.props.retain(|prop| prop.name != name);
            shell.props.push(Prop {
                name: name.to_string(),
                value: PropValue::Expr(value.to_string()),
            });
        }
        if !shell.props.iter().any(|prop| prop.name == "loading") {
            shell.props.push(Prop {
                name: "loading".to_string(),
                value: PropValue::Literal("eager".to_string()),
            });
        }
        shell.props.push(Prop {
            name: "unoptimized".to_string(),
            value: PropValue::True,
        });
        self.uses_image = true;
    }

    /// A `<canvas>` as the image it showed once the page settled.
    fn canvas_image(&mut self, element: &'a DomElement, drawing: &str) -> Element {
        let mut canvas = element.clone();
        canvas.tag = "img".to_string();
        canvas.children.clear();
        canvas
            .attrs
            .retain(|(name, _)| !matches!(name.as_str(), "src" | "alt"));
        let mut props = self.props(element, false, &ROOT_CONTEXT, None);
        let mobile = self.mobile_of(element);
        let scaled = mobile.is_some_and(|mobile| scales_with_width(&element.rect, &mobile.rect));
        if self.style == OutputStyle::Faithful && !scaled {
            // The script sized its drawing per device (Chart.js writes each size inline); one
            // that only scaled shrinks with the page below, at any phone's width.
            self.push_mobile_state(element, mobile, &mut props);
        }
        if scaled {
            // A responsive chart (Chart.js) redraws at the width it gets, keeping its aspect,
            // and writes its desktop size inline: the picture of that drawing must shrink with
            // the page the same way instead of overflowing a phone.
            set_style(&mut props, "maxWidth", "100%");
            set_style(&mut props, "height", "auto");
        }
        props.push(Prop {
            name: "src".to_string(),
            value: PropValue::Str(drawing.to_string()),
        });
        props.push(Prop {
            name: "alt".to_string(),
            value: PropValue::Str(String::new()),
        });
        if self.lang == Lang::TypeScript {
            typing::type_props("img", false, &mut props, &mut self.declarations);
        }
        let image = Element {
            tag: "img".to_string(),
            props,
            children: Vec::new(),
        };
        match mobile
            .and_then(|mobile| mobile.state.get("canvas"))
            .filter(|mobile_drawing| *mobile_drawing != drawing)
        {
            Some(mobile_drawing) => self.per_device_picture(image, mobile_drawing),
            None => image,
        }
    }

    /// A script drawing to the window's width drew another picture on phones (a chart with
    /// fewer labels, or none cut off): phones get that drawing from a `<source>`, in a
    /// `<picture>` that lays out as if only the image were there.
    fn per_device_picture(&mut self, image: Element, mobile_drawing: &str) -> Element {
        let mut source = vec![
            Prop {
                name: "media".to_string(),
                value: PropValue::Str(format!("(max-width: {MOBILE_MAX_WIDTH}px)")),
            },
            Prop {
                name: "srcSet".to_string(),
                value: PropValue::Str(mobile_drawing.to_string()),
            },
        ];
        let mut picture = vec![match self.style {
            OutputStyle::Tailwind => Prop {
                name: "className".to_string(),
                value: PropValue::Str("contents".to_string()),
            },
            OutputStyle::Faithful => Prop {
                name: "style".to_string(),
                value: PropValue::Style(vec![("display".to_string(), "contents".to_string())]),
            },
        }];
        if self.lang == Lang::TypeScript {
            typing::type_props("source", false, &mut source, &mut self.declarations);
            typing::type_props("picture", false, &mut picture, &mut self.declarations);
        }
        let source = Element {
            tag: "source".to_string(),
            props: source,
            children: Vec::new(),
        };
        Element {
            tag: "picture".to_string(),
            props: picture,
            children: vec![Node::Element(source), Node::Element(image)],
        }
    }

    /// The URL as the page resolved it (relative to the page's URL); fragments, data and
    /// other non-fetching schemes stay as written, `javascript:` becomes `#`.
    fn absolute_url(&self, value: &str) -> String {
        let trimmed = value.trim();
        let lower = trimmed.to_ascii_lowercase();
        if lower.starts_with("javascript:") {
            return "#".to_string();
        }
        if trimmed.is_empty()
            || trimmed.starts_with('#')
            || ["data:", "mailto:", "tel:", "blob:", "about:", "sms:"]
                .iter()
                .any(|scheme| lower.starts_with(scheme))
        {
            return value.to_string();
        }
        match &self.base_url {
            Some(base) => base
                .join(trimmed)
                .map_or_else(|_| value.to_string(), String::from),
            None => value.to_string(),
        }
    }

    fn absolute_srcset(&self, value: &str) -> String {
        srcset_candidates(value)
            .into_iter()
            .map(|(url, descriptor)| {
                let url = self.absolute_url(url);
                if descriptor.is_empty() {
                    url
                } else {
                    format!("{url} {descriptor}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Whether a box was narrower on mobile with the same aspect ratio (within 5 %).
fn scales_with_width(desktop: &Rect, mobile: &Rect) -> bool {
    let positive = |rect: &Rect| rect.width > 0.0 && rect.height > 0.0;
    if !positive(desktop) || !positive(mobile) || mobile.width >= desktop.width {
        return false;
    }
    let aspect = |rect: &Rect| rect.width / rect.height;
    ((aspect(mobile) - aspect(desktop)) / aspect(desktop)).abs() < 0.05
}

/// Sets one declaration of the element's style object, replacing its own.
fn set_style(props: &mut Vec<Prop>, key: &str, value: &str) {
    let entry = (key.to_string(), value.to_string());
    match props.iter_mut().find(|prop| prop.name == "style") {
        Some(Prop {
            value: PropValue::Style(own),
            ..
        }) => match own.iter_mut().find(|(own_key, _)| own_key == key) {
            Some(declaration) => *declaration = entry,
            None => own.push(entry),
        },
        _ => props.push(Prop {
            name: "style".to_string(),
            value: PropValue::Style(vec![entry]),
        }),
    }
}

/// Tags whose `width` and `height` attributes size them as CSS `width` and `height` would (a
/// canvas's are the size of its bitmap instead, which `auto` keeps).
const SIZED_BY_ATTRIBUTES: &[&str] = &[
    "img", "video", "iframe", "embed", "object", "svg", "table", "td", "th",
];

/// The Tailwind classes for the element's computed style, its `::before` and `::after`
/// included.
fn tailwind_classes(
    element: &DomElement,
    in_svg: bool,
    context: &Context<'_>,
    mobile: Option<&DomElement>,
    theme: &Theme,
    defaults: &BrowserDefaults,
) -> Vec<String> {
    let input = tailwind::StyleInput {
        tag: element.tag.as_str(),
        svg: in_svg,
        svg_root: element.tag == "svg" && !context.svg,
        desktop: &element.style,
        mobile: mobile.map(|mobile| &mobile.style),
        parent_tag: context.parent_tag,
        parent_desktop: context.parent_style,
        parent_mobile: context.parent_mobile_style,
        theme,
        defaults,
        size_attributes: ["width", "height"].map(|name| {
            // Preflight sets images' and videos' height to `auto` already.
            let preflight_auto =
                name == "height" && matches!(element.tag.as_str(), "img" | "video");
            SIZED_BY_ATTRIBUTES.contains(&element.tag.as_str())
                && element.attr(name).is_some()
                && !preflight_auto
        }),
        attrs: &element.attrs,
        box_widths: [
            Some(element.rect.width),
            mobile.map(|mobile| mobile.rect.width),
        ],
    };
    let mut classes = tailwind::classes(&input);
    if !in_svg {
        for (variant, desktop, on_mobile) in [
            ("before", &element.before, mobile.map(|m| m.before.as_ref())),
            ("after", &element.after, mobile.map(|m| m.after.as_ref())),
        ] {
            if desktop.is_none() && on_mobile.flatten().is_none() {
                continue;
            }
            classes.extend(tailwind::pseudo_classes(&tailwind::PseudoInput {
                variant,
                desktop: desktop.as_ref(),
                mobile: on_mobile,
                owner: input,
            }));
        }
    }
    tailwind::sort_by_variant(&mut classes);
    classes
}

/// Puts `entries` first in the element's style object; its own declarations still win.
fn merge_style(props: &mut Vec<Prop>, mut entries: Vec<(String, String)>) {
    match props.iter_mut().find(|prop| prop.name == "style") {
        Some(Prop {
            value: PropValue::Style(own),
            ..
        }) => {
            entries.retain(|(key, _)| !own.iter().any(|(own_key, _)| own_key == key));
            entries.append(own);
            *own = entries;
        }
        _ => props.push(Prop {
            name: "style".to_string(),
            value: PropValue::Style(entries),
        }),
    }
}

/// Whether an element child would make the HTML parser close this `<p>`.
fn holds_paragraph_closer(paragraph: &DomElement) -> bool {
    const CLOSERS: &[&str] = &[
        "address",
        "article",
        "aside",
        "blockquote",
        "details",
        "dialog",
        "div",
        "dl",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "ul",
    ];
    paragraph
        .child_elements()
        .any(|child| CLOSERS.contains(&child.tag.as_str()))
}

/// A paragraph's captured computed style as a style object, with the UA margins a `<p>` has
/// (the capture leaves UA values out) unless the page changed them.
fn paragraph_look(paragraph: &DomElement) -> Vec<(String, String)> {
    let mut style = paragraph.style.clone();
    // Computed from the box's size; meaningless without a transform.
    if !style.contains_key("transform") {
        style.remove("transform-origin");
    }
    style.remove("perspective-origin");
    for side in ["margin-top", "margin-bottom"] {
        style
            .entry(side.to_string())
            .or_insert_with(|| "1em".to_string());
    }
    style
        .iter()
        .map(|(property, value)| {
            let declaration = format!("{property}: {value}");
            let key = style_declarations(&declaration)
                .pop()
                .map_or_else(|| property.clone(), |declaration| declaration.key);
            (key, value.clone())
        })
        .collect()
}

/// `srcset` candidates as (url, descriptor), following HTML's parsing rules closely enough
/// that commas inside URLs (`data:` URLs) do not split them.
fn srcset_candidates(value: &str) -> Vec<(&str, &str)> {
    let mut candidates = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if rest.is_empty() {
            break;
        }
        let url_end = rest
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let mut url = &rest[..url_end];
        rest = &rest[url_end..];
        if url.ends_with(',') {
            url = url.trim_end_matches(',');
            candidates.push((url, ""));
            continue;
        }
        let descriptor_end = rest.find(',').unwrap_or(rest.len());
        candidates.push((url, rest[..descriptor_end].trim()));
        rest = &rest[descriptor_end..];
    }
    candidates
}

fn push_prop(props: &mut Vec<Prop>, name: &str, value: PropValue) {
    // The first of two attributes that map to one prop wins, as the first attribute does in HTML.
    if props.iter().any(|prop| prop.name == name) {
        return;
    }
    props.push(Prop {
        name: name.to_string(),
        value,
    });
}

fn add_class(props: &mut Vec<Prop>, class: &str, custom_element: bool) {
    let name = if custom_element { "class" } else { "className" };
    for prop in props.iter_mut() {
        if prop.name == name
            && let PropValue::Str(existing) = &mut prop.value
        {
            if !existing.trim().is_empty() {
                existing.push(' ');
            }
            existing.push_str(class);
            return;
        }
    }
    props.insert(
        0,
        Prop {
            name: name.to_string(),
            value: PropValue::Str(class.to_string()),
        },
    );
}

/// Custom elements take attributes as they are (React 18 passes them through unchanged).
fn custom_element_mapping(name: &str) -> AttributeMapping {
    match map_attribute("div", name) {
        AttributeMapping::Prop(_) => AttributeMapping::Prop(name.to_string().into()),
        other => other,
    }
}

fn input_type(element: &DomElement) -> String {
    element.attr("type").map_or_else(
        || "text".to_string(),
        |kind| kind.trim().to_ascii_lowercase(),
    )
}

/// The selected option(s) of a `<select>` as its `defaultValue`.
fn select_value(select: &DomElement) -> Option<PropValue> {
    let mut selected: Vec<String> = Vec::new();
    select.walk(&mut |element| {
        if element.tag != "option" {
            return;
        }
        let is_selected = match element.state.get("selected").map(String::as_str) {
            Some(state) => state == "true",
            None => element.attr("selected").is_some(),
        };
        if is_selected {
            let value = element
                .attr("value")
                .map_or_else(|| element.text_content(), str::to_string);
            selected.push(value);
        }
    });
    if select.attr("multiple").is_some() {
        if selected.is_empty() {
            return None;
        }
        let values: Vec<String> = selected
            .iter()
            .map(|value| crate::jsx_string_literal(value))
            .collect();
        return Some(PropValue::Expr(format!("[{}]", values.join(", "))));
    }
    selected.into_iter().next().map(PropValue::Str)
}

/// The text of an element's subtree exactly as written.
fn raw_text(element: &DomElement) -> String {
    fn collect(element: &DomElement, out: &mut String) {
        for child in &element.children {
            match child {
                DomNode::Text(text) => out.push_str(text),
                DomNode::Element(child) => collect(child, out),
            }
        }
    }
    let mut out = String::new();
    collect(element, &mut out);
    out
}

/// Text in a `white-space: pre*` context: plain JSX text when that reads back the same,
/// else a string literal.
fn preserved_text(text: &str) -> Node {
    let plain = !text.starts_with(' ')
        && !text.ends_with(' ')
        && !text.contains("  ")
        && !text.contains(|c: char| c.is_ascii_whitespace() && c != ' ');
    if plain {
        Node::Text(text.to_string())
    } else {
        Node::Literal(text.to_string())
    }
}

/// HTML's whitespace: what the parser and layout collapse (not every Unicode space).
fn is_html_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{c}')
}

fn is_html_whitespace(text: &str) -> bool {
    text.chars().all(is_html_space)
}

/// HTML's whitespace collapsing: runs of ASCII whitespace become one space.
fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        if is_html_space(c) {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

fn preserves_whitespace(element: &DomElement, parent: &Context<'_>) -> bool {
    let white_space = element
        .style("white-space-collapse")
        .or_else(|| element.style("white-space"));
    match white_space {
        Some(value) => {
            let value = value.trim();
            value.starts_with("pre") || value.starts_with("break-spaces") || value == "preserve"
        }
        None => {
            matches!(
                element.tag.as_str(),
                "pre" | "listing" | "plaintext" | "xmp"
            ) || parent.preserve_whitespace
        }
    }
}

fn display_of(element: &DomElement, svg: bool) -> &str {
    match element.style("display") {
        Some(display) => display.trim(),
        None => default_display(&element.tag, svg),
    }
}

/// The display a tag has when no style sets one.
fn default_display(tag: &str, svg: bool) -> &'static str {
    if svg || INLINE_TAGS.contains(&tag) || tag.contains('-') {
        return "inline";
    }
    match tag {
        "li" | "summary" => "list-item",
        "table" => "table",
        "tr" => "table-row",
        "td" | "th" => "table-cell",
        _ => "block",
    }
}

/// The displays (desktop, mobile) an element lays its children out in. One hidden at a device
/// (`display: none`) may still be shown there by a toggle, a hover or a script, so it never
/// counts as hidden: where it is hidden at one device, it is laid out as at the other (a
/// collapsed menu opens like the wide one); hidden at both, as its tag is by default.
fn displays_when_shown<'a>(
    desktop: &'a DomElement,
    mobile: &'a DomElement,
    svg: bool,
) -> (&'a str, &'a str) {
    match (display_of(desktop, svg), display_of(mobile, svg)) {
        ("none", "none") => {
            let display = default_display(&desktop.tag, svg);
            (display, display)
        }
        ("none", shown) | (shown, "none") => (shown, shown),
        displays => displays,
    }
}

/// Whether a box of this display starts and ends lines (whitespace next to it collapses away).
/// `math` alone is MathML's inline formula (`block math` is the displayed one).
fn is_blocklike(display: &str) -> bool {
    let outer = display.split_ascii_whitespace().next().unwrap_or("inline");
    !(outer.starts_with("inline") || matches!(outer, "contents" | "ruby" | "math"))
}

fn is_flex_or_grid(display: &str) -> bool {
    display
        .split_ascii_whitespace()
        .any(|part| matches!(part, "flex" | "grid" | "inline-flex" | "inline-grid"))
}

/// JSX tag names: lower-case first letter (an upper-case one would name a component), no
/// namespace (Next.js's compiler refuses `ns:tag`).
fn is_jsx_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

fn kebab_case(name: &str) -> String {
    let mut out = String::new();
    for (index, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if index > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srcset_parsing_keeps_data_urls_whole() {
        assert_eq!(
            srcset_candidates("a.png 1x, b.png 2x"),
            [("a.png", "1x"), ("b.png", "2x")]
        );
        assert_eq!(
            srcset_candidates("data:image/png;base64,AAA= 1x,c.png"),
            [("data:image/png;base64,AAA=", "1x"), ("c.png", "")]
        );
        assert_eq!(
            srcset_candidates("a.png, b.png 640w"),
            [("a.png", ""), ("b.png", "640w")]
        );
    }

    #[test]
    fn names() {
        assert_eq!(kebab_case("FeatureGrid2"), "feature-grid2");
        assert!(is_jsx_tag("linearGradient"));
        assert!(is_jsx_tag("my-element"));
        assert!(!is_jsx_tag("Foo"));
        assert!(!is_jsx_tag("a.b"));
        assert!(!is_jsx_tag("o:p"));
        assert!(is_blocklike("flex"));
        assert!(is_blocklike("list-item"));
        assert!(!is_blocklike("inline-block"));
        assert!(!is_blocklike("contents"));
    }
}
