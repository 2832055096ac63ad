//! A small validator of JSON values against the OpenAPI 3.0 schemas of Webex's specs: the
//! keywords those specs use for responses (`$ref`, `allOf`, `oneOf`, `anyOf`, `type`,
//! `required`, `properties`, `items`, `enum`, `nullable`), and the two known defects of
//! the specs corrected where they apply.

use std::path::Path;

use serde_json::{Value, json};

/// The three spec documents, each with its file name.
pub struct Specs {
    documents: Vec<(String, Value)>,
}

/// The schema of one answer: which document it is in (its `$ref`s resolve there), and the
/// schema itself; None when the operation gives no body schema for that status.
pub struct Expected<'a> {
    document: &'a Value,
    schema: Option<Value>,
}

impl Specs {
    /// Loads the specs from this folder; None when it is missing.
    pub fn load(folder: &Path) -> Option<Self> {
        if !folder.is_dir() {
            return None;
        }
        let documents = [
            "webex-messaging.json",
            "webex-admin.json",
            "webex-device.json",
        ]
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(folder.join(name))
                .unwrap_or_else(|error| panic!("reading {name}: {error}"));
            let document = serde_json::from_str(&text)
                .unwrap_or_else(|error| panic!("parsing {name}: {error}"));
            ((*name).to_owned(), document)
        })
        .collect();
        Some(Self { documents })
    }

    /// The expected answers for an operation and status, one per document defining the
    /// operation (`/people` is in two); an error when no document defines the operation or
    /// it does not list that status.
    pub fn expected(
        &self,
        method: &str,
        path: &str,
        status: u16,
    ) -> Result<Vec<Expected<'_>>, String> {
        let mut found = Vec::new();
        for (name, document) in &self.documents {
            let Some(operation) = document["paths"][path].get(method.to_lowercase()) else {
                continue;
            };
            let Some(response) = operation["responses"].get(status.to_string()) else {
                return Err(format!(
                    "{name} lists no {status} answer for {method} {path}"
                ));
            };
            found.push(Expected {
                document,
                schema: corrected_schema(method, path, response),
            });
        }
        if found.is_empty() {
            return Err(format!("no spec defines {method} {path}"));
        }
        Ok(found)
    }

    /// The generic Webex error body of the admin spec, which every error answer must fit.
    pub fn error_response(&self) -> Expected<'_> {
        let (_, document) = self
            .documents
            .iter()
            .find(|(name, _)| name == "webex-admin.json")
            .expect("the admin spec is loaded");
        Expected {
            document,
            schema: Some(json!({ "$ref": "#/components/schemas/ErrorResponse" })),
        }
    }
}

impl Expected<'_> {
    /// The reasons the body does not fit, empty when it does.
    pub fn errors(&self, body: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        if let Some(schema) = &self.schema {
            validate(self.document, schema, body, "$", &mut errors);
        }
        errors
    }
}

/// The response body schema, with the spec defect of `GET /locations` corrected: its schema
/// is the workspace-location one, while its example (which real answers match) shows the
/// `/locations` shape; that shape is taken from the example, with the fields the contract
/// relies on required.
fn corrected_schema(method: &str, path: &str, response: &Value) -> Option<Value> {
    let content = response["content"].get("application/json")?;
    if method == "GET" && path == "/locations" {
        let example = &content["example"]["items"][0];
        let mut item = schema_of_example(example);
        item["required"] = json!(["id", "name", "orgId", "address", "timeZone"]);
        return Some(json!({
            "type": "object",
            "required": ["items"],
            "properties": { "items": { "type": "array", "items": item } }
        }));
    }
    content.get("schema").cloned()
}

/// A schema that a value shaped like this example fits: its types, recursively.
fn schema_of_example(example: &Value) -> Value {
    match example {
        Value::Object(fields) => json!({
            "type": "object",
            "properties": fields
                .iter()
                .map(|(key, value)| (key.clone(), schema_of_example(value)))
                .collect::<serde_json::Map<_, _>>(),
        }),
        Value::Array(items) => match items.first() {
            Some(first) => json!({ "type": "array", "items": schema_of_example(first) }),
            None => json!({ "type": "array" }),
        },
        Value::String(_) => json!({ "type": "string" }),
        Value::Number(_) => json!({ "type": "number" }),
        Value::Bool(_) => json!({ "type": "boolean" }),
        Value::Null => json!({}),
    }
}

/// The `Attachment` schema as Webex really sends attachments. The messaging spec describes
/// an attachment as a file object (`{content: {fileId, type, contentUrl}}`); the real shape,
/// which its own examples show, is an Adaptive Card with its content type.
fn attachment_schema() -> Value {
    json!({
        "type": "object",
        "required": ["contentType", "content"],
        "properties": {
            "contentType": { "type": "string", "enum": ["application/vnd.microsoft.card.adaptive"] },
            "content": { "type": "object", "required": ["type"] }
        }
    })
}

fn resolve<'a>(document: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    document.pointer(pointer)
}

/// Checks `value` against `schema`, adding a reason per mismatch, each naming where.
pub fn validate(
    document: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    errors: &mut Vec<String>,
) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        if reference == "#/components/schemas/Attachment" {
            validate(document, &attachment_schema(), value, at, errors);
            return;
        }
        match resolve(document, reference) {
            Some(target) => validate(document, target, value, at, errors),
            None => errors.push(format!("{at}: unresolvable $ref {reference}")),
        }
        return;
    }
    if value.is_null() && schema.get("nullable") == Some(&Value::Bool(true)) {
        return;
    }
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        validate(document, part, value, at, errors);
    }
    for (keyword, wanted) in [("oneOf", Some(1)), ("anyOf", None)] {
        let Some(choices) = schema.get(keyword).and_then(Value::as_array) else {
            continue;
        };
        let fitting = choices
            .iter()
            .filter(|choice| {
                let mut inner = Vec::new();
                validate(document, choice, value, at, &mut inner);
                inner.is_empty()
            })
            .count();
        let fits = wanted.map_or(fitting > 0, |wanted| fitting == wanted);
        if !fits {
            errors.push(format!("{at}: fits {fitting} of the {keyword} choices"));
        }
    }
    if let Some(kind) = schema.get("type").and_then(Value::as_str)
        && !has_type(value, kind)
    {
        errors.push(format!("{at}: {value} is not of type {kind}"));
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        errors.push(format!(
            "{at}: {value} is not one of {}",
            Value::Array(allowed.clone())
        ));
    }
    if let Some(object) = value.as_object() {
        for key in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = key.as_str().unwrap_or_default();
            if !object.contains_key(key) {
                errors.push(format!("{at}: lacks the required {key:?}"));
            }
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (key, property) in properties {
                if let Some(field) = object.get(key) {
                    validate(document, property, field, &format!("{at}.{key}"), errors);
                }
            }
        }
    }
    if let (Some(items), Some(schema)) = (value.as_array(), schema.get("items")) {
        for (index, item) in items.iter().enumerate() {
            validate(document, schema, item, &format!("{at}[{index}]"), errors);
        }
    }
}

fn has_type(value: &Value, kind: &str) -> bool {
    match kind {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        "boolean" => value.is_boolean(),
        _ => true,
    }
}
