//! JSON shapes every Webex answer shares.

use serde_json::{Map, Value};

/// The fields of a JSON object literal less those that are null: Webex omits absent fields.
pub(crate) fn present_fields(object: Value) -> Map<String, Value> {
    match object {
        Value::Object(mut fields) => {
            fields.retain(|_, value| !value.is_null());
            fields
        }
        _ => Map::new(),
    }
}

/// A list as Webex shows it: absent when empty.
pub(crate) fn non_empty<T>(items: &[T]) -> Option<&[T]> {
    (!items.is_empty()).then_some(items)
}
