//! Checks a request value against a schema of an OpenAPI 3.0 or 3.1 document: the subset of
//! JSON Schema the providers' descriptions use for request bodies and parameters.
//!
//! Supported: local `$ref` (siblings merged over the target, as 3.1 allows), `allOf` (merged
//! into one object schema: properties and `required` united, which is what the descriptions
//! mean by it, e.g. Meta's `BaseMessageProperties` + `AudioMessage`), `oneOf`/`anyOf` (the value
//! passes when any branch passes, or only the branch a `discriminator` names), `type` (a name or,
//! in 3.1, a list; 3.0's `nullable`), `enum`, `const`, `required`, `properties`,
//! `additionalProperties` and `items`. Not checked: lengths, patterns, formats, bounds.
//!
//! An object schema with `properties` and no `additionalProperties` refuses other properties:
//! an undeclared field in a request is a typo or a field the provider ignores, both bugs.

use serde_json::{Map, Value};

/// How values travelled, which decides how scalars are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A JSON body: types are checked as they are.
    Json,
    /// A form body, a query string, a path or a header: every scalar is text, accepted where
    /// it parses as the declared type (`"3"` for an integer, `"true"` for a boolean); nested
    /// bracket keys arrive as objects (`items[0][price]` as `{"items": {"0": {"price": ..}}}`)
    /// and an object keyed `0, 1, ..` counts as an array.
    Text,
}

/// How many `$ref`/`allOf` steps one schema may take before it is reported as circular.
const MAX_DEPTH: usize = 64;

/// Validates values against the schemas of one document.
#[derive(Debug, Clone, Copy)]
pub struct Validator<'a> {
    doc: &'a Value,
    encoding: Encoding,
}

impl<'a> Validator<'a> {
    /// A validator resolving references in `doc` and reading scalars as `encoding` says.
    pub fn new(doc: &'a Value, encoding: Encoding) -> Self {
        Self { doc, encoding }
    }

    /// Appends to `errors` every way `value`, found at `at` (`body.phone_number`), breaks
    /// `schema`.
    pub fn check(&self, value: &Value, schema: &Value, at: &str, errors: &mut Vec<String>) {
        match self.resolve(schema, 0) {
            Ok(s) => self.check_resolved(value, &s, at, errors),
            Err(e) => errors.push(format!("{at}: {e}")),
        }
    }

    /// `schema` with `$ref` and `allOf` replaced by what they point to, merged.
    fn resolve(&self, schema: &Value, depth: usize) -> Result<Map<String, Value>, String> {
        if depth > MAX_DEPTH {
            return Err("schema references are circular".into());
        }
        let mut map = match schema {
            Value::Object(map) => map.clone(),
            Value::Bool(true) => return Ok(Map::new()),
            Value::Bool(false) => return Ok(never()),
            _ => return Err(format!("not a schema: {schema}")),
        };
        if let Some(reference) = map.remove("$ref") {
            let target = self.target(&reference)?;
            map = merge(self.resolve(target, depth + 1)?, map);
        }
        if let Some(Value::Array(parts)) = map.remove("allOf") {
            for part in &parts {
                map = merge(map, self.resolve(part, depth + 1)?);
            }
        }
        Ok(map)
    }

    /// The schema a local `$ref` (`#/components/schemas/X`) names.
    fn target(&self, reference: &Value) -> Result<&'a Value, String> {
        let text = reference.as_str().unwrap_or_default();
        let pointer = text
            .strip_prefix('#')
            .ok_or_else(|| format!("only local references are supported, not {text:?}"))?;
        self.doc
            .pointer(pointer)
            .ok_or_else(|| format!("reference {text:?} points at nothing"))
    }

    fn check_resolved(
        &self,
        value: &Value,
        s: &Map<String, Value>,
        at: &str,
        errors: &mut Vec<String>,
    ) {
        if s.contains_key(NEVER) {
            errors.push(format!("{at}: not allowed here"));
            return;
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(branches)) = s.get(key) {
                let mut base = s.clone();
                base.remove(key);
                self.check_alternatives(value, &base, branches, at, errors);
                return;
            }
        }
        let types = declared_types(s);
        if value.is_null() {
            if !(types.is_empty() || types.contains(&"null")) {
                errors.push(format!(
                    "{at}: null where {} is expected",
                    types.join(" or ")
                ));
            }
            return;
        }
        if !types.is_empty() && !types.iter().any(|t| self.has_type(value, t)) {
            errors.push(format!(
                "{at}: {} where {} is expected",
                describe(value),
                types.join(" or ")
            ));
            return;
        }
        self.check_enum(value, s, at, errors);
        let other_type_fits = types
            .iter()
            .any(|t| *t != "array" && self.has_type(value, t));
        let wants_array = !other_type_fits
            && (types.contains(&"array") || (types.is_empty() && s.contains_key("items")));
        match (value, wants_array.then(|| self.as_array(value)).flatten()) {
            (_, Some(items)) => {
                if let Some(item_schema) = s.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        self.check(item, item_schema, &format!("{at}[{i}]"), errors);
                    }
                }
            }
            (Value::Object(fields), None) => self.check_object(fields, s, at, errors),
            _ => {}
        }
    }

    /// Passes when `value` passes `base` merged with any one of `branches`; otherwise reports
    /// the failures of the branch that came closest. With a `discriminator` whose property
    /// names a branch, only that branch is tried.
    fn check_alternatives(
        &self,
        value: &Value,
        base: &Map<String, Value>,
        branches: &[Value],
        at: &str,
        errors: &mut Vec<String>,
    ) {
        if let Some(chosen) = discriminated(value, base, branches) {
            match self.resolve(chosen, 0) {
                Ok(branch) => self.check_resolved(value, &merge(base.clone(), branch), at, errors),
                Err(e) => errors.push(format!("{at}: {e}")),
            }
            return;
        }
        let mut closest: Option<Vec<String>> = None;
        for branch in branches {
            let mut found = Vec::new();
            match self.resolve(branch, 0) {
                Ok(branch) => {
                    self.check_resolved(value, &merge(base.clone(), branch), at, &mut found);
                }
                Err(e) => found.push(format!("{at}: {e}")),
            }
            if found.is_empty() {
                return;
            }
            if closest.as_ref().is_none_or(|c| found.len() < c.len()) {
                closest = Some(found);
            }
        }
        errors.push(format!(
            "{at}: matches none of the {} alternatives; the closest fails with:",
            branches.len()
        ));
        errors.extend(
            closest
                .unwrap_or_default()
                .into_iter()
                .map(|e| format!("  {e}")),
        );
    }

    fn check_enum(
        &self,
        value: &Value,
        s: &Map<String, Value>,
        at: &str,
        errors: &mut Vec<String>,
    ) {
        let allowed: Vec<&Value> = match (s.get("enum"), s.get("const")) {
            (Some(Value::Array(members)), _) => members.iter().collect(),
            (None, Some(constant)) => vec![constant],
            _ => return,
        };
        if !allowed.iter().any(|m| self.same(value, m)) {
            let list: Vec<String> = allowed.iter().map(|m| m.to_string()).collect();
            errors.push(format!("{at}: {value} is not one of {}", list.join(", ")));
        }
    }

    fn check_object(
        &self,
        fields: &Map<String, Value>,
        s: &Map<String, Value>,
        at: &str,
        errors: &mut Vec<String>,
    ) {
        let empty = Map::new();
        let properties = s
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        if let Some(Value::Array(required)) = s.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !fields.contains_key(name) {
                    errors.push(format!("{at}: required property {name:?} is missing"));
                }
            }
        }
        for (name, field) in fields {
            let here = format!("{at}.{name}");
            if let Some(schema) = properties.get(name) {
                self.check(field, schema, &here, errors);
                continue;
            }
            match s.get("additionalProperties") {
                Some(Value::Bool(true)) => {}
                Some(Value::Bool(false)) => errors.push(undeclared(at, name, properties)),
                Some(schema @ Value::Object(_)) => self.check(field, schema, &here, errors),
                _ if properties.is_empty() => {}
                _ => errors.push(undeclared(at, name, properties)),
            }
        }
    }

    fn has_type(&self, value: &Value, ty: &str) -> bool {
        let text = self.encoding == Encoding::Text;
        match (ty, value) {
            ("boolean", Value::Bool(_))
            | ("number", Value::Number(_))
            | ("string", Value::String(_))
            | ("object", Value::Object(_))
            | ("array", Value::Array(_)) => true,
            ("integer", Value::Number(n)) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            ("integer", Value::String(t)) if text => t.parse::<i64>().is_ok(),
            ("number", Value::String(t)) if text => t.parse::<f64>().is_ok(),
            ("boolean", Value::String(t)) if text => t == "true" || t == "false",
            ("array", _) if text => self.as_array(value).is_some(),
            _ => false,
        }
    }

    /// The items of an array value; in text encoding also a single scalar (a name given once)
    /// and an object keyed by indices (`items[0]`, `items[1]`).
    fn as_array(&self, value: &Value) -> Option<Vec<Value>> {
        match value {
            Value::Array(items) => Some(items.clone()),
            _ if self.encoding == Encoding::Json => None,
            Value::Object(map) => {
                let mut indexed = map
                    .iter()
                    .map(|(k, v)| k.parse::<usize>().ok().map(|i| (i, v.clone())))
                    .collect::<Option<Vec<_>>>()?;
                indexed.sort_by_key(|(i, _)| *i);
                Some(indexed.into_iter().map(|(_, v)| v).collect())
            }
            scalar => Some(vec![scalar.clone()]),
        }
    }

    /// Whether `value` is the enum member `member` (in text encoding, its text form).
    fn same(&self, value: &Value, member: &Value) -> bool {
        match (self.encoding, value, member) {
            (_, v, m) if v == m => true,
            (Encoding::Text, Value::String(v), Value::Number(_) | Value::Bool(_)) => {
                serde_json::from_str::<Value>(v).is_ok_and(|parsed| parsed == *member)
            }
            _ => false,
        }
    }
}

/// The branch a `discriminator` of `base` picks for `value` (OpenAPI 3.1.1, "Discriminator
/// Object": the property's value through `mapping`, else as a schema name), when it is one
/// of `branches`.
fn discriminated<'b>(
    value: &Value,
    base: &Map<String, Value>,
    branches: &'b [Value],
) -> Option<&'b Value> {
    let discriminator = base.get("discriminator")?;
    let property = discriminator.get("propertyName")?.as_str()?;
    let name = value.get(property)?.as_str()?;
    let target = discriminator
        .get("mapping")
        .and_then(|m| m.get(name))
        .and_then(Value::as_str)
        .map_or_else(|| format!("#/components/schemas/{name}"), str::to_string);
    branches
        .iter()
        .find(|b| b.get("$ref").and_then(Value::as_str) == Some(target.as_str()))
}

/// The key that marks the `false` schema.
const NEVER: &str = "x-onramp-never";

fn never() -> Map<String, Value> {
    let mut map = Map::new();
    map.insert(NEVER.into(), Value::Bool(true));
    map
}

/// `a` and `b` as one schema: properties and `required` united (a property both declare must
/// pass both), `oneOf`/`anyOf` of both crossed (one branch of each must pass), the more
/// permissive `additionalProperties`, otherwise `a`'s keywords first.
fn merge(mut a: Map<String, Value>, b: Map<String, Value>) -> Map<String, Value> {
    for (key, theirs) in b {
        let Some(ours) = a.remove(&key) else {
            a.insert(key, theirs);
            continue;
        };
        let merged = match (key.as_str(), ours, theirs) {
            ("properties", Value::Object(mut mine), Value::Object(other)) => {
                for (name, schema) in other {
                    let both = match mine.remove(&name) {
                        Some(first) => serde_json::json!({ "allOf": [first, schema] }),
                        None => schema,
                    };
                    mine.insert(name, both);
                }
                Value::Object(mine)
            }
            ("required", Value::Array(mut mine), Value::Array(other)) => {
                for name in other {
                    if !mine.contains(&name) {
                        mine.push(name);
                    }
                }
                Value::Array(mine)
            }
            ("oneOf" | "anyOf", Value::Array(mine), Value::Array(other)) => {
                let crossed = mine
                    .iter()
                    .flat_map(|x| {
                        other
                            .iter()
                            .map(move |y| serde_json::json!({ "allOf": [x, y] }))
                    })
                    .collect();
                Value::Array(crossed)
            }
            ("additionalProperties", Value::Bool(false), other) => other,
            (_, mine, _) => mine,
        };
        a.insert(key, merged);
    }
    a
}

/// The `type` names of `s` (a name or a list), `null` added for 3.0's `nullable: true`; an
/// untyped schema with `properties` is an object.
fn declared_types(s: &Map<String, Value>) -> Vec<&str> {
    let mut types: Vec<&str> = match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ if s.contains_key("properties") => vec!["object"],
        _ => Vec::new(),
    };
    if !types.is_empty() && s.get("nullable") == Some(&Value::Bool(true)) {
        types.push("null");
    }
    types
}

fn describe(value: &Value) -> String {
    match value {
        Value::Object(_) => "an object".into(),
        Value::Array(_) => "an array".into(),
        scalar => scalar.to_string(),
    }
}

fn undeclared(at: &str, name: &str, properties: &Map<String, Value>) -> String {
    let known: Vec<&str> = properties.keys().map(String::as_str).collect();
    format!(
        "{at}: property {name:?} is not declared (declared: {})",
        known.join(", ")
    )
}
