//! Every tool's input schema is valid JSON Schema and says what its input struct accepts: the
//! same inputs pass and fail both.

use replica_agent::{DynTool, all_tools, definitions};
use serde_json::{Map, Value, json};

/// A value of the schema's type (its first enum value when it has one).
fn sample(schema: &Value) -> Value {
    if let Some(first) = schema["enum"].get(0) {
        return first.clone();
    }
    if let Some(first) = schema["oneOf"].get(0) {
        return sample(first);
    }
    if let Some(constant) = schema.get("const") {
        return constant.clone();
    }
    let kind = match &schema["type"] {
        Value::Array(kinds) => kinds
            .iter()
            .find(|k| *k != "null")
            .cloned()
            .unwrap_or_default(),
        kind => kind.clone(),
    };
    match kind.as_str() {
        Some("string") => json!("components/Hero.jsx"),
        Some("integer") | Some("number") => json!(3),
        Some("boolean") => json!(true),
        Some("object") => json!({}),
        Some("array") => json!([]),
        other => panic!("no sample for the type {other:?} in {schema}"),
    }
}

/// A value of a type the schema does not take.
fn wrong(schema: &Value) -> Value {
    match sample(schema) {
        Value::String(_) => json!(17),
        _ => json!({"not": "this"}),
    }
}

fn check(tool: &dyn DynTool, validator: &jsonschema::Validator, input: &Value, expected: bool) {
    let name = tool.tool_name();
    assert_eq!(
        validator.is_valid(input),
        expected,
        "{name}: the schema {} {input}",
        if expected { "refuses" } else { "accepts" }
    );
    assert_eq!(
        tool.accepts(input).is_ok(),
        expected,
        "{name}: the input struct {} {input}: {:?}",
        if expected { "refuses" } else { "accepts" },
        tool.accepts(input)
    );
}

#[test]
fn every_tool_schema_is_valid_and_matches_its_input_struct() {
    let tools = all_tools();
    let mut names = std::collections::BTreeSet::new();
    for tool in &tools {
        let definition = tool.definition();
        assert!(
            names.insert(definition.name.clone()),
            "{} twice",
            definition.name
        );
        assert!(
            definition
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_'),
            "{}",
            definition.name
        );
        let schema = &definition.input_schema;
        jsonschema::meta::validate(schema)
            .unwrap_or_else(|error| panic!("{}: not valid JSON Schema: {error}", definition.name));
        assert_eq!(schema["type"], "object", "{}", definition.name);
        assert_eq!(schema["additionalProperties"], false, "{}", definition.name);
        let validator = jsonschema::validator_for(schema).unwrap();
        let properties = schema["properties"].as_object().unwrap();
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for name in &required {
            assert!(
                properties.contains_key(*name),
                "{}: {name}",
                definition.name
            );
        }
        let resolve = |property: &Value| match property.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let key = reference.rsplit('/').next().unwrap();
                schema["$defs"][key].clone()
            }
            None => property.clone(),
        };
        let full: Map<String, Value> = properties
            .iter()
            .map(|(name, property)| (name.clone(), sample(&resolve(property))))
            .collect();
        let minimal: Map<String, Value> = full
            .iter()
            .filter(|(name, _)| required.contains(&name.as_str()))
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        check(
            tool.as_ref(),
            &validator,
            &Value::Object(full.clone()),
            true,
        );
        check(
            tool.as_ref(),
            &validator,
            &Value::Object(minimal.clone()),
            true,
        );
        for name in &required {
            let mut missing = full.clone();
            missing.remove(*name);
            check(tool.as_ref(), &validator, &Value::Object(missing), false);
        }
        for (name, property) in properties {
            let mut typed_wrong = full.clone();
            typed_wrong.insert(name.clone(), wrong(&resolve(property)));
            check(
                tool.as_ref(),
                &validator,
                &Value::Object(typed_wrong),
                false,
            );
        }
        let mut unknown = minimal.clone();
        unknown.insert("unexpected_argument".into(), json!(1));
        check(tool.as_ref(), &validator, &Value::Object(unknown), false);
    }
    assert_eq!(names.len(), 10);
}

#[test]
fn tool_definitions_snapshot() {
    insta::assert_json_snapshot!(definitions(&all_tools()));
}

#[test]
fn install_package_names_exactly_the_allowlist() {
    let tools = all_tools();
    let install = tools
        .iter()
        .find(|tool| tool.tool_name() == "install_package")
        .unwrap()
        .definition();
    let listed = install
        .description
        .split("at these versions: ")
        .nth(1)
        .and_then(|rest| rest.split(". The template").next())
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let expected: Vec<String> = replica_core::INSTALLABLE_PACKAGES
        .iter()
        .map(|(name, version)| format!("{name} {version}"))
        .collect();
    assert_eq!(listed, expected.join(", "));
}
