//! Form and query names with Stripe-style brackets read as nested values, so they can be
//! checked against the object and array schemas OpenAPI declares for them (`style: deepObject`,
//! Stripe's `encoding` of form bodies).

use serde_json::{Map, Value};

/// Flat form or query names as nested values, Stripe style (`metadata[k]=v` as
/// `{"metadata": {"k": "v"}}`, `items[0][price]` as `{"items": {"0": {"price": ..}}}`, `a[]`
/// given twice as `{"a": {"0": .., "1": ..}}`); the schema check reads objects keyed by indices
/// as arrays.
pub fn unflatten(flat: &Map<String, Value>) -> Map<String, Value> {
    let mut root = Map::new();
    for (key, value) in flat {
        let segments = segments(key);
        match (segments.last().map(String::as_str), value) {
            (Some(""), Value::Array(values)) => {
                for v in values {
                    insert(&mut root, &segments, v.clone());
                }
            }
            _ => insert(&mut root, &segments, value.clone()),
        }
    }
    root
}

/// `items[0][price]` as `items`, `0`, `price`; `a[]` as `a` and an empty segment; a name with
/// unbalanced brackets as itself.
fn segments(key: &str) -> Vec<String> {
    let Some(open) = key.find('[').filter(|o| *o > 0 && key.ends_with(']')) else {
        return vec![key.to_string()];
    };
    let mut out = vec![key[..open].to_string()];
    let inner = &key[open + 1..key.len() - 1];
    out.extend(inner.split("][").map(str::to_string));
    out
}

fn insert(map: &mut Map<String, Value>, segments: &[String], value: Value) {
    let Some((first, rest)) = segments.split_first() else {
        return;
    };
    let name = if first.is_empty() {
        map.len().to_string()
    } else {
        first.clone()
    };
    if rest.is_empty() {
        map.insert(name, value);
        return;
    }
    let slot = map.entry(name).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    if let Value::Object(inner) = slot {
        insert(inner, rest, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bracket_names_nest_and_empty_brackets_count_up() {
        let flat =
            json!({"items[0][price]": "p", "metadata[k]": "v", "expand[]": ["a", "b"], "x": "1"});
        let nested = unflatten(flat.as_object().unwrap());
        assert_eq!(
            Value::Object(nested),
            json!({"items": {"0": {"price": "p"}}, "metadata": {"k": "v"}, "expand": {"0": "a", "1": "b"}, "x": "1"})
        );
    }
}
