//! The per-file checks that run on the AST: one walk collects findings, imports and the
//! components a file uses; cross-file checks (`project.rs`) use the latter two.

use std::collections::HashSet;

use oxc_ast::AstKind;
use oxc_ast::ast::{
    Argument, ArrowFunctionExpression, CallExpression, Comment, ExportDefaultDeclarationKind,
    Expression, Function, ImportDeclaration, ImportExpression, JSXAttribute, JSXAttributeItem,
    JSXAttributeName, JSXAttributeValue, JSXChild, JSXElementName, JSXExpression, JSXIdentifier,
    JSXMemberExpressionObject, JSXOpeningElement, ModuleExportName, Program, Statement,
};
use oxc_ast_visit::{Visit, walk};
use oxc_span::GetSpan;

use crate::check::Check;
use replica_css::style_object as css_to_style_object;

/// A text replacement in the analysed text: `start..end` becomes `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edit {
    pub start: u32,
    pub end: u32,
    pub text: String,
}

/// A finding at a byte offset of the analysed text, with the edits that repair it when the
/// repair is mechanical.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub check: Check,
    pub offset: u32,
    pub message: String,
    /// A hint specific to this finding; the check's general one otherwise.
    pub hint: Option<String>,
    pub fix: Option<Vec<Edit>>,
}

impl Finding {
    fn new(check: Check, offset: u32, message: String) -> Finding {
        Finding {
            check,
            offset,
            message,
            hint: None,
            fix: None,
        }
    }

    fn with_fix(mut self, fix: Vec<Edit>) -> Finding {
        self.fix = Some(fix);
        self
    }

    fn with_hint(mut self, hint: impl Into<String>) -> Finding {
        self.hint = Some(hint.into());
        self
    }
}

/// An import specifier as written, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImportRef {
    pub specifier: String,
    pub offset: u32,
}

/// What one walk over a file learned.
#[derive(Debug, Default)]
pub(crate) struct FileFacts {
    pub findings: Vec<Finding>,
    pub imports: Vec<ImportRef>,
    /// Capitalised JSX names (or member-expression roots) bound nowhere in the file.
    pub unbound_components: Vec<(String, u32)>,
    /// Where an added import goes: after the directives.
    pub import_insert_offset: u32,
}

/// Packages whose components only work in client components.
const CLIENT_ONLY_PACKAGES: &[&str] = &[
    "framer-motion",
    "swiper/react",
    "embla-carousel-react",
    "@headlessui/react",
    "react-intersection-observer",
    "react-countup",
    "react-type-animation",
    "react-scroll",
];

/// React's hooks that server components may call too (the `react-server` build exports them).
const SERVER_SAFE_HOOKS: &[&str] = &["useId", "useMemo", "useCallback", "useDebugValue"];

/// Exports that Next.js refuses in a `'use client'` file.
const SERVER_ONLY_EXPORTS: &[&str] = &[
    "metadata",
    "viewport",
    "generateMetadata",
    "generateViewport",
];

pub(crate) fn analyze(path: &str, text: &str, program: &Program<'_>) -> FileFacts {
    let mut walker = Walker {
        text,
        findings: Vec::new(),
        imports: Vec::new(),
        bound: HashSet::new(),
        used_components: Vec::new(),
        hook_scopes: Vec::new(),
        client_feature: None,
    };
    walker.visit_program(program);

    let mut facts = FileFacts {
        import_insert_offset: program
            .directives
            .last()
            .map_or(0, |directive| directive.span.end),
        ..FileFacts::default()
    };
    let Walker {
        findings,
        imports,
        bound,
        used_components,
        client_feature,
        ..
    } = walker;
    facts.findings = findings;
    facts.imports = imports;
    let mut seen = HashSet::new();
    for (name, offset) in used_components {
        if !bound.contains(name.as_str()) && seen.insert(name.clone()) {
            facts.unbound_components.push((name, offset));
        }
    }

    if let Some(feature) = client_feature
        && !has_use_client(program)
    {
        facts.findings.push(missing_use_client(program, feature));
    }
    if needs_default_export(path) {
        check_default_export(path, text, program, &mut facts.findings);
    }
    for comment in &program.comments {
        if let Some(finding) = truncation_comment(text, comment) {
            facts.findings.push(finding);
        }
    }
    facts
}

fn has_use_client(program: &Program<'_>) -> bool {
    program
        .directives
        .iter()
        .any(|directive| directive.directive.as_str() == "use client")
}

struct ClientFeature {
    what: String,
    offset: u32,
}

fn missing_use_client(program: &Program<'_>, feature: ClientFeature) -> Finding {
    let finding = Finding::new(
        Check::MissingUseClient,
        feature.offset,
        format!(
            "{} needs a client component, but the file has no 'use client' directive at its top",
            feature.what
        ),
    );
    let server_only = program.body.iter().find_map(|statement| {
        let Statement::ExportDeclaration(export) = statement else {
            return None;
        };
        let declaration = &export.declaration;
        let names: Vec<String> = match declaration {
            oxc_ast::ast::Declaration::VariableDeclaration(variables) => variables
                .declarations
                .iter()
                .filter_map(|d| d.id.get_identifier_name().map(|n| n.as_str().to_string()))
                .collect(),
            oxc_ast::ast::Declaration::FunctionDeclaration(function) => function
                .id
                .iter()
                .map(|id| id.name.as_str().to_string())
                .collect(),
            _ => Vec::new(),
        };
        names
            .into_iter()
            .find(|name| SERVER_ONLY_EXPORTS.contains(&name.as_str()))
    });
    if let Some(export) = server_only {
        return finding.with_hint(format!(
            "this file exports `{export}`, which a client component may not: move the \
             interactive part into its own 'use client' component and render that here"
        ));
    }
    // A 'use client' string that is not the first statement is no directive: drop it.
    let mut edits = vec![Edit {
        start: 0,
        end: 0,
        text: "'use client';\n\n".to_string(),
    }];
    for statement in &program.body {
        if let Statement::ExpressionStatement(statement) = statement
            && let Expression::StringLiteral(literal) = &statement.expression
            && literal.value.as_str() == "use client"
        {
            // With the blank lines after it, so no gap is left behind.
            let rest = &program.source_text[statement.span.end as usize..];
            let trailing = rest.len() - rest.trim_start().len();
            edits.push(Edit {
                start: statement.span.start,
                end: statement.span.end + u32::try_from(trailing).unwrap_or(0),
                text: String::new(),
            });
        }
    }
    finding.with_fix(edits)
}

struct Walker<'t> {
    text: &'t str,
    findings: Vec<Finding>,
    imports: Vec<ImportRef>,
    bound: HashSet<String>,
    used_components: Vec<(String, u32)>,
    /// One entry per enclosing function: whether it defines a hook (`useX`).
    hook_scopes: Vec<bool>,
    client_feature: Option<ClientFeature>,
}

impl Walker<'_> {
    fn inside_hook_definition(&self) -> bool {
        self.hook_scopes.iter().any(|&is_hook| is_hook)
    }

    fn client_feature(&mut self, what: String, offset: u32) {
        if self.client_feature.is_none() {
            self.client_feature = Some(ClientFeature { what, offset });
        }
    }

    fn import(&mut self, specifier: &str, offset: u32) {
        self.imports.push(ImportRef {
            specifier: specifier.to_string(),
            offset,
        });
        if CLIENT_ONLY_PACKAGES
            .iter()
            .any(|package| specifier == *package || specifier.starts_with(&format!("{package}/")))
            || specifier.starts_with("@radix-ui/")
        {
            self.client_feature(format!("importing {specifier}"), offset);
        }
    }

    fn check_attributes(&mut self, element: &JSXOpeningElement<'_>) {
        let intrinsic = matches!(element.name, JSXElementName::Identifier(_));
        let tag = element.name.to_string();
        for item in &element.attributes {
            let JSXAttributeItem::Attribute(attribute) = item else {
                continue;
            };
            let JSXAttributeName::Identifier(name) = &attribute.name else {
                continue;
            };
            let name_str = name.name.as_str();
            if is_event_handler(name_str) {
                self.client_feature(
                    format!("the event handler {name_str} on <{tag}>"),
                    attribute.span.start,
                );
            }
            match name_str {
                "class" | "for" if intrinsic => {
                    self.check_html_attribute_name(element, &tag, attribute, name);
                }
                "style" => self.check_style_string(&tag, attribute),
                _ => {}
            }
        }
    }

    /// class_not_classname and for_not_htmlfor: renamed, or merged into the React attribute
    /// the element already has when both are plain strings.
    fn check_html_attribute_name(
        &mut self,
        element: &JSXOpeningElement<'_>,
        tag: &str,
        attribute: &JSXAttribute<'_>,
        name: &JSXIdentifier<'_>,
    ) {
        let name_str = name.name.as_str();
        let (check, react_name) = if name_str == "class" {
            (Check::ClassNotClassname, "className")
        } else {
            (Check::ForNotHtmlfor, "htmlFor")
        };
        let finding = Finding::new(
            check,
            attribute.span.start,
            format!("`{name_str}` on <{tag}> is HTML; React calls it `{react_name}`"),
        );
        let fix = match attribute_named(element, react_name) {
            None => Some(vec![Edit {
                start: name.span.start,
                end: name.span.end,
                text: react_name.to_string(),
            }]),
            // Both present: merge two plain strings, otherwise leave it to a person.
            Some(existing) => match (&attribute.value, &existing.value) {
                (
                    Some(JSXAttributeValue::StringLiteral(ours)),
                    Some(JSXAttributeValue::StringLiteral(theirs)),
                ) if name_str == "class" => Some(vec![
                    Edit {
                        start: existing.span.start,
                        end: existing.span.end,
                        text: format!(
                            "className={}",
                            jsx_string(&format!(
                                "{} {}",
                                theirs.value.as_str(),
                                ours.value.as_str()
                            ))
                        ),
                    },
                    remove_attribute(self.text, attribute.span),
                ]),
                _ => None,
            },
        };
        self.findings.push(match fix {
            Some(fix) => finding.with_fix(fix),
            None => finding.with_hint(format!(
                "<{tag}> has both `{name_str}` and `{react_name}`: merge them into `{react_name}`"
            )),
        });
    }

    /// style_string: a CSS string in `style`, fixed into a style object.
    fn check_style_string(&mut self, tag: &str, attribute: &JSXAttribute<'_>) {
        let Some(value) = &attribute.value else {
            return;
        };
        let Some(css) = style_string(value) else {
            return;
        };
        self.findings.push(
            Finding::new(
                Check::StyleString,
                attribute.span.start,
                format!(
                    "style on <{tag}> is a string; React needs an object of camelCased properties"
                ),
            )
            .with_fix(vec![Edit {
                start: value.span().start,
                end: value.span().end,
                text: format!("{{{}}}", css_to_style_object(&css)),
            }]),
        );
    }

    /// `items.map(item => <li>...</li>)`: each returned element needs a key.
    fn check_list_keys(&mut self, call: &CallExpression<'_>) {
        let Some(member) = call.callee.get_member_expr() else {
            return;
        };
        if !matches!(member.static_property_name(), Some("map" | "flatMap")) {
            return;
        }
        let Some(callback) = call.arguments.first().and_then(Argument::as_expression) else {
            return;
        };
        let mut returned = Vec::new();
        match callback.without_parentheses() {
            Expression::ArrowFunctionExpression(arrow) => returned_by_arrow(arrow, &mut returned),
            Expression::FunctionExpression(function) => {
                if let Some(body) = &function.body {
                    returned_by_statements(&body.statements, &mut returned);
                }
            }
            _ => return,
        }
        for expression in returned {
            match expression {
                Expression::JSXElement(element) => {
                    let opening = &element.opening_element;
                    let has_key_or_spread = opening.attributes.iter().any(|item| match item {
                        JSXAttributeItem::SpreadAttribute(_) => true,
                        JSXAttributeItem::Attribute(attribute) => attribute.is_identifier("key"),
                    });
                    if !has_key_or_spread {
                        self.findings.push(Finding::new(
                            Check::MissingKeyProp,
                            opening.span.start,
                            format!(
                                "<{}> is rendered in a list by .map() without a key",
                                opening.name
                            ),
                        ));
                    }
                }
                Expression::JSXFragment(fragment) => {
                    self.findings.push(
                        Finding::new(
                            Check::MissingKeyProp,
                            fragment.span.start,
                            "a fragment <>...</> is rendered in a list by .map() and cannot \
                             take a key"
                                .to_string(),
                        )
                        .with_hint(
                            "use <Fragment key={...}> (import { Fragment } from 'react') or a keyed element",
                        ),
                    );
                }
                _ => {}
            }
        }
    }
}

fn returned_by_arrow<'b, 'a>(
    arrow: &'b ArrowFunctionExpression<'a>,
    out: &mut Vec<&'b Expression<'a>>,
) {
    match arrow.get_expression() {
        Some(expression) => returned_value(expression, out),
        None => {
            if let Some(body) = arrow.get_function_body() {
                returned_by_statements(&body.statements, out);
            }
        }
    }
}

/// Return values of statements at the top of a body (and in its if/else branches and blocks).
fn returned_by_statements<'b, 'a>(
    statements: &'b [Statement<'a>],
    out: &mut Vec<&'b Expression<'a>>,
) {
    for statement in statements {
        returned_by_statement(statement, out);
    }
}

fn returned_by_statement<'b, 'a>(statement: &'b Statement<'a>, out: &mut Vec<&'b Expression<'a>>) {
    match statement {
        Statement::ReturnStatement(ret) => {
            if let Some(argument) = &ret.argument {
                returned_value(argument, out);
            }
        }
        Statement::IfStatement(branch) => {
            returned_by_statement(&branch.consequent, out);
            if let Some(alternate) = &branch.alternate {
                returned_by_statement(alternate, out);
            }
        }
        Statement::BlockStatement(block) => returned_by_statements(&block.body, out),
        _ => {}
    }
}

/// The values an expression can evaluate to, through parentheses, `?:` and `&&`/`||`.
fn returned_value<'b, 'a>(expression: &'b Expression<'a>, out: &mut Vec<&'b Expression<'a>>) {
    match expression.without_parentheses() {
        Expression::ConditionalExpression(conditional) => {
            returned_value(&conditional.consequent, out);
            returned_value(&conditional.alternate, out);
        }
        Expression::LogicalExpression(logical) => returned_value(&logical.right, out),
        other => out.push(other),
    }
}

impl<'a> Visit<'a> for Walker<'_> {
    fn enter_node(&mut self, kind: AstKind<'a>) {
        match kind {
            AstKind::Function(function) => {
                let is_hook = function
                    .id
                    .as_ref()
                    .is_some_and(|id| is_hook_name(id.name.as_str()));
                self.hook_scopes.push(is_hook);
            }
            AstKind::ArrowFunctionExpression(_) => self.hook_scopes.push(false),
            AstKind::VariableDeclarator(declarator) => {
                let is_hook = declarator
                    .id
                    .get_identifier_name()
                    .is_some_and(|name| is_hook_name(name.as_str()))
                    && declarator.init.as_ref().is_some_and(|init| {
                        matches!(
                            init.without_parentheses(),
                            Expression::ArrowFunctionExpression(_)
                                | Expression::FunctionExpression(_)
                        )
                    });
                self.hook_scopes.push(is_hook);
            }
            AstKind::BindingIdentifier(identifier) => {
                self.bound.insert(identifier.name.as_str().to_string());
            }
            _ => {}
        }
    }

    fn leave_node(&mut self, kind: AstKind<'a>) {
        if matches!(
            kind,
            AstKind::Function(_)
                | AstKind::ArrowFunctionExpression(_)
                | AstKind::VariableDeclarator(_)
        ) {
            self.hook_scopes.pop();
        }
    }

    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        self.import(it.source.value.as_str(), it.source.span.start);
        walk::walk_import_declaration(self, it);
    }

    fn visit_export_from_declaration(&mut self, it: &oxc_ast::ast::ExportFromDeclaration<'a>) {
        self.import(it.source.value.as_str(), it.source.span.start);
        walk::walk_export_from_declaration(self, it);
    }

    fn visit_export_all_declaration(&mut self, it: &oxc_ast::ast::ExportAllDeclaration<'a>) {
        self.import(it.source.value.as_str(), it.source.span.start);
        walk::walk_export_all_declaration(self, it);
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        if let Expression::StringLiteral(source) = &it.source {
            self.import(source.value.as_str(), source.span.start);
        }
        walk::walk_import_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        if it.is_require_call()
            && let Some(Argument::StringLiteral(source)) = it.arguments.first()
        {
            self.import(source.value.as_str(), source.span.start);
        }
        let hook = match &it.callee {
            Expression::Identifier(identifier) => Some(identifier.name.as_str()),
            Expression::StaticMemberExpression(member) if matches!(&member.object, Expression::Identifier(object) if object.name.as_str() == "React") => {
                Some(member.property.name.as_str())
            }
            _ => None,
        };
        if let Some(hook) = hook
            && is_hook_name(hook)
            && !SERVER_SAFE_HOOKS.contains(&hook)
            && !self.inside_hook_definition()
        {
            self.client_feature(format!("the React hook {hook}()"), it.span.start);
        }
        self.check_list_keys(it);
        walk::walk_call_expression(self, it);
    }

    fn visit_jsx_text(&mut self, it: &oxc_ast::ast::JSXText<'a>) {
        // `// rest of the items` inside JSX is rendered text, but still a model's truncation.
        let raw = self
            .text
            .get(it.span.start as usize..it.span.end as usize)
            .unwrap_or_default();
        for (line_offset, line) in line_starts(raw) {
            let trimmed = line.trim_start();
            if let Some(body) = trimmed.strip_prefix("//")
                && is_truncation_text(body)
            {
                let lead = line.len() - trimmed.len();
                let offset = it.span.start + u32::try_from(line_offset + lead).unwrap_or(0);
                self.findings.push(Finding::new(
                    Check::TruncationComment,
                    offset,
                    format!(
                        "the text `{}` marks left-out code (and would be shown on the page)",
                        trimmed.trim_end()
                    ),
                ));
            }
        }
    }

    fn visit_jsx_opening_element(&mut self, it: &JSXOpeningElement<'a>) {
        match &it.name {
            JSXElementName::IdentifierReference(reference) => {
                let name = reference.name.as_str();
                if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                    self.used_components.push((name.to_string(), it.span.start));
                }
            }
            JSXElementName::MemberExpression(member) => {
                let mut object = &member.object;
                loop {
                    match object {
                        JSXMemberExpressionObject::IdentifierReference(reference) => {
                            self.used_components
                                .push((reference.name.as_str().to_string(), it.span.start));
                            break;
                        }
                        JSXMemberExpressionObject::MemberExpression(inner) => {
                            object = &inner.object;
                        }
                        JSXMemberExpressionObject::ThisExpression(_) => break,
                    }
                }
            }
            _ => {}
        }
        self.check_attributes(it);
        walk::walk_jsx_opening_element(self, it);
    }
}

/// Lines of `text` with their byte offsets.
fn line_starts(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |line| {
        let start = offset;
        offset += line.len();
        (start, line)
    })
}

fn is_hook_name(name: &str) -> bool {
    name.strip_prefix("use")
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
}

fn is_event_handler(name: &str) -> bool {
    name.strip_prefix("on")
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// A JSX attribute string: double quotes unless the value has some; JSX strings have no
/// escapes, so a value with both kinds becomes an expression.
fn jsx_string(value: &str) -> String {
    if !value.contains('"') {
        format!("\"{value}\"")
    } else if !value.contains('\'') {
        format!("'{value}'")
    } else {
        format!("{{{}}}", serde_json::Value::String(value.to_string()))
    }
}

/// Deletes an attribute with the whitespace before it.
fn remove_attribute(text: &str, span: oxc_span::Span) -> Edit {
    let before = &text[..span.start as usize];
    let trimmed = before.trim_end_matches([' ', '\t', '\n', '\r']);
    Edit {
        start: u32::try_from(trimmed.len()).unwrap_or(span.start),
        end: span.end,
        text: String::new(),
    }
}

/// Pages, layouts and Next.js's other special files anywhere under app/, and the components
/// at the top of components/.
pub(crate) fn needs_default_export(path: &str) -> bool {
    const SPECIAL: &[&str] = &[
        "page",
        "layout",
        "template",
        "loading",
        "error",
        "not-found",
        "global-error",
        "default",
    ];
    if let Some(rest) = path.strip_prefix("app/") {
        let name = rest.rsplit('/').next().unwrap_or(rest);
        return crate::project::module_stem(name).is_some_and(|stem| SPECIAL.contains(&stem));
    }
    match path.strip_prefix("components/") {
        Some(name) => (name.ends_with(".jsx") || name.ends_with(".tsx")) && !name.contains('/'),
        None => false,
    }
}

/// A top-level component-like declaration: a capitalised function, arrow or class.
struct TopLevelComponent<'b, 'a> {
    name: &'a str,
    body: ComponentBody<'b, 'a>,
}

#[derive(Clone, Copy)]
enum ComponentBody<'b, 'a> {
    Function(&'b Function<'a>),
    Arrow(&'b ArrowFunctionExpression<'a>),
    Other,
}

fn top_level_components<'b, 'a>(program: &'b Program<'a>) -> Vec<TopLevelComponent<'b, 'a>> {
    let mut found = Vec::new();
    let is_component_name = |name: &str| name.starts_with(|c: char| c.is_ascii_uppercase());
    let mut from_declaration = |declaration: &'b oxc_ast::ast::Declaration<'a>| match declaration {
        oxc_ast::ast::Declaration::FunctionDeclaration(function) => {
            if let Some(id) = &function.id
                && is_component_name(id.name.as_str())
            {
                found.push(TopLevelComponent {
                    name: id.name.as_str(),
                    body: ComponentBody::Function(function),
                });
            }
        }
        oxc_ast::ast::Declaration::VariableDeclaration(variables) => {
            for declarator in &variables.declarations {
                let Some(name) = declarator.id.get_identifier_name() else {
                    continue;
                };
                let body = match declarator
                    .init
                    .as_ref()
                    .map(Expression::without_parentheses)
                {
                    Some(Expression::ArrowFunctionExpression(arrow)) => ComponentBody::Arrow(arrow),
                    Some(Expression::FunctionExpression(function)) => {
                        ComponentBody::Function(function)
                    }
                    _ => continue,
                };
                if is_component_name(name.as_str()) {
                    found.push(TopLevelComponent {
                        name: name.as_str(),
                        body,
                    });
                }
            }
        }
        oxc_ast::ast::Declaration::ClassDeclaration(class) => {
            if let Some(id) = &class.id
                && is_component_name(id.name.as_str())
            {
                found.push(TopLevelComponent {
                    name: id.name.as_str(),
                    body: ComponentBody::Other,
                });
            }
        }
        _ => {}
    };
    for statement in &program.body {
        match statement {
            Statement::ExportDeclaration(export) => from_declaration(&export.declaration),
            other => {
                if let Some(declaration) = other.as_declaration() {
                    from_declaration(declaration);
                }
            }
        }
    }
    found
}

/// missing_default_export and empty_component.
fn check_default_export(
    path: &str,
    text: &str,
    program: &Program<'_>,
    findings: &mut Vec<Finding>,
) {
    if program.body.is_empty() {
        findings.push(Finding::new(
            Check::EmptyComponent,
            0,
            format!("{path} is empty; it must define and export its component"),
        ));
        return;
    }
    let components = top_level_components(program);
    let Some(default_export) = default_export(program, &components) else {
        findings.push(missing_default_export(path, text, &components));
        return;
    };
    if default_export.is_some_and(renders_nothing_at_all) {
        let offset = program
            .body
            .iter()
            .find(|s| matches!(s, Statement::ExportDefaultDeclaration(_)))
            .map_or(0, |s| s.span().start);
        findings.push(Finding::new(
            Check::EmptyComponent,
            offset,
            format!("the component exported by {path} renders nothing"),
        ));
    }
}

/// `None` when the module has no default export; otherwise the component it exports, where
/// this file defines it.
fn default_export<'b, 'a>(
    program: &'b Program<'a>,
    components: &[TopLevelComponent<'b, 'a>],
) -> Option<Option<ComponentBody<'b, 'a>>> {
    let mut default_export = None;
    let mut has_default = false;
    for statement in &program.body {
        match statement {
            Statement::ExportDefaultDeclaration(export) => {
                has_default = true;
                default_export = match &export.declaration {
                    ExportDefaultDeclarationKind::FunctionDeclaration(function) => {
                        Some(ComponentBody::Function(function))
                    }
                    ExportDefaultDeclarationKind::ArrowFunctionExpression(arrow) => {
                        Some(ComponentBody::Arrow(arrow))
                    }
                    ExportDefaultDeclarationKind::FunctionExpression(function) => {
                        Some(ComponentBody::Function(function))
                    }
                    ExportDefaultDeclarationKind::Identifier(identifier) => components
                        .iter()
                        .find(|c| c.name == identifier.name.as_str())
                        .map(|c| c.body),
                    _ => None,
                };
            }
            Statement::ExportFromDeclaration(export)
                if export
                    .specifiers
                    .iter()
                    .any(|specifier| specifier.exported.name().as_str() == "default") =>
            {
                has_default = true;
            }
            Statement::ExportNamedDeclaration(export) => {
                for specifier in &export.specifiers {
                    if specifier.exported.name().as_str() == "default" {
                        has_default = true;
                        if let ModuleExportName::IdentifierReference(local) = &specifier.local {
                            default_export = components
                                .iter()
                                .find(|c| c.name == local.name.as_str())
                                .map(|c| c.body);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    has_default.then_some(default_export)
}

/// missing_default_export, fixed by exporting the component the file is named after (or its
/// only component).
fn missing_default_export(
    path: &str,
    text: &str,
    components: &[TopLevelComponent<'_, '_>],
) -> Finding {
    let stem = path
        .rsplit('/')
        .next()
        .and_then(|name| name.split('.').next())
        .unwrap_or("");
    let candidate = components
        .iter()
        .find(|c| c.name == stem)
        .or_else(|| (components.len() == 1).then(|| &components[0]));
    let finding = Finding::new(
        Check::MissingDefaultExport,
        0,
        format!(
            "{path} has no default export; Next.js renders pages and layouts from it and \
             importers of components expect it"
        ),
    );
    match candidate {
        Some(component) => {
            let end = u32::try_from(text.len()).unwrap_or(u32::MAX);
            let newline = if text.ends_with('\n') { "" } else { "\n" };
            finding.with_fix(vec![Edit {
                start: end,
                end,
                text: format!("{newline}\nexport default {};\n", component.name),
            }])
        }
        None => finding.with_hint("add `export default` to the component this file is named after"),
    }
}

/// Whether a component body returns only empty values (see `renders_nothing`).
fn renders_nothing_at_all(body: ComponentBody<'_, '_>) -> bool {
    match body {
        ComponentBody::Function(function) => match &function.body {
            Some(body) => renders_nothing(&body.statements),
            None => false,
        },
        ComponentBody::Arrow(arrow) => match arrow.get_expression() {
            Some(expression) => is_empty_value(expression),
            None => arrow
                .get_function_body()
                .is_some_and(|body| renders_nothing(&body.statements)),
        },
        ComponentBody::Other => false,
    }
}

/// The element's attribute called `wanted`, if it has one.
fn attribute_named<'e, 'a>(
    element: &'e JSXOpeningElement<'a>,
    wanted: &str,
) -> Option<&'e JSXAttribute<'a>> {
    element.attributes.iter().find_map(|item| match item {
        JSXAttributeItem::Attribute(attribute) => match &attribute.name {
            JSXAttributeName::Identifier(name) if name.name.as_str() == wanted => {
                Some(&**attribute)
            }
            _ => None,
        },
        JSXAttributeItem::SpreadAttribute(_) => None,
    })
}

/// The CSS text of a `style` value written as a string (`"..."`, `{"..."}` or a template
/// without expressions).
fn style_string(value: &JSXAttributeValue<'_>) -> Option<String> {
    match value {
        JSXAttributeValue::StringLiteral(literal) => Some(literal.value.as_str().to_string()),
        JSXAttributeValue::ExpressionContainer(container) => match &container.expression {
            JSXExpression::StringLiteral(literal) => Some(literal.value.as_str().to_string()),
            JSXExpression::TemplateLiteral(template) if template.expressions.is_empty() => template
                .quasis
                .first()
                .and_then(|quasi| quasi.value.cooked)
                .map(|cooked| cooked.as_str().to_string()),
            _ => None,
        },
        _ => None,
    }
}

fn renders_nothing(statements: &[Statement<'_>]) -> bool {
    // A bare `return;` or no return at all renders nothing too: only values count.
    let mut returned = Vec::new();
    returned_by_statements(statements, &mut returned);
    returned.iter().all(|expression| is_empty_value(expression))
}

fn is_empty_value(expression: &Expression<'_>) -> bool {
    match expression.without_parentheses() {
        Expression::NullLiteral(_) => true,
        Expression::BooleanLiteral(literal) => !literal.value,
        Expression::Identifier(identifier) => identifier.name.as_str() == "undefined",
        Expression::StringLiteral(literal) => literal.value.trim().is_empty(),
        Expression::JSXFragment(fragment) => fragment.children.iter().all(|child| match child {
            JSXChild::Text(text) => text.value.trim().is_empty(),
            _ => false,
        }),
        _ => false,
    }
}

/// `// ...`, `// rest of the items`, `{/* etc */}`: the marks a model leaves where it stopped
/// writing.
fn truncation_comment(text: &str, comment: &Comment) -> Option<Finding> {
    let content = comment.content_span();
    let body = text.get(content.start as usize..content.end as usize)?;
    is_truncation_text(body).then(|| {
        Finding::new(
            Check::TruncationComment,
            comment.span.start,
            format!(
                "the comment `{}` marks left-out code; the file looks truncated",
                body.trim().trim_matches('*').trim()
            ),
        )
    })
}

pub(crate) fn is_truncation_text(body: &str) -> bool {
    let normalized = body
        .trim()
        .trim_matches('*')
        .trim()
        .trim_start_matches(['(', '['])
        .to_lowercase();
    let starts_with_word = |word: &str| {
        normalized
            .strip_prefix(word)
            .is_some_and(|rest| rest.is_empty() || !rest.starts_with(|c: char| c.is_alphanumeric()))
    };
    normalized.starts_with("...")
        || normalized.starts_with('…')
        || starts_with_word("etc")
        || normalized.starts_with("rest of")
        || normalized.starts_with("the rest of")
        || normalized.starts_with("and so on")
        || normalized.starts_with("same as above")
        || normalized.starts_with("more items")
        || normalized.contains("omitted for brevity")
        || normalized.starts_with("remaining items")
        || starts_with_word("truncated")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_files_need_a_default_export() {
        for yes in [
            "app/page.jsx",
            "app/page.js",
            "app/layout.jsx",
            "app/blog/[slug]/page.jsx",
            "app/not-found.jsx",
            "components/Hero.jsx",
        ] {
            assert!(needs_default_export(yes), "{yes}");
        }
        for no in [
            "app/utils.jsx",
            "components/ui/Button.jsx",
            "lib/page.jsx",
            "page.jsx",
            "app/pages.jsx",
        ] {
            assert!(!needs_default_export(no), "{no}");
        }
    }

    #[test]
    fn truncation_marks() {
        for yes in [
            " ... ",
            " ...rest of the cards",
            "… more",
            " rest of the component",
            " etc",
            " etc.",
            "* etc *",
            " The rest of the items here ",
            "(omitted for brevity)",
            " truncated",
        ] {
            assert!(is_truncation_text(yes), "{yes:?}");
        }
        for no in [
            " eslint-disable-next-line",
            " etcetera is a word",
            " Hero section",
            " @type {import('next').NextConfig} ",
            " restore focus",
            // A list that ends in "etc" describes; it does not stand for left-out code.
            " sniff for 'required', 'maxlength', etc",
            " long titles are truncated by CSS",
        ] {
            assert!(!is_truncation_text(no), "{no:?}");
        }
    }

    #[test]
    fn hook_and_handler_names() {
        assert!(is_hook_name("useState"));
        assert!(!is_hook_name("user"));
        assert!(!is_hook_name("use"));
        assert!(is_event_handler("onClick"));
        assert!(!is_event_handler("once"));
    }
}
