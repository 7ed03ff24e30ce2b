//! The mapping between an [`App`] and its DynamoDB item: one attribute per field, in the same
//! flat shape and names as a config file (and as upstream Sockudo's items: `id`, `key`,
//! `secret`, `enabled`, `max_connections`, `enable_client_messages`...). Strings are `S`,
//! numbers `N`, booleans `BOOL`, lists `L` and objects `M`; unset fields are left out.

use crate::app::{App, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

pub type Item = HashMap<String, AttributeValue>;

pub fn from_app(app: &App) -> Item {
    match serde_json::to_value(app) {
        Ok(Value::Object(fields)) => fields
            .into_iter()
            .filter_map(|(name, value)| Some((name, to_attribute(value)?)))
            .collect(),
        _ => Item::new(),
    }
}

pub fn into_app(item: &Item) -> Result<App, StoreError> {
    let id = match item.get("id") {
        Some(AttributeValue::S(id)) => id.clone(),
        _ => "(no id)".into(),
    };
    let corrupt = |reason: String| StoreError::Corrupt {
        id: id.clone(),
        reason,
    };
    if item.contains_key("policy") {
        // Upstream's newer layout: reading around it would serve the app without its limits.
        return Err(corrupt(
            "it is in upstream Sockudo's `policy` layout, which sockudo does not read; create the app again with `sockudo apps create`".into(),
        ));
    }
    let mut fields = Map::new();
    for (name, attribute) in item {
        let value =
            from_attribute(attribute).map_err(|reason| corrupt(format!("{name}: {reason}")))?;
        let value = match (name.as_str(), value) {
            // soketi keeps its webhooks as a JSON-encoded string.
            ("webhooks", Value::String(text)) => serde_json::from_str(&text)
                .map_err(|e| corrupt(format!("webhooks is not JSON: {e}")))?,
            (_, value) => value,
        };
        fields.insert(name.clone(), value);
    }
    serde_json::from_value(Value::Object(fields)).map_err(|e| corrupt(e.to_string()))
}

/// None for JSON null (an unset field: left out of the item).
fn to_attribute(value: Value) -> Option<AttributeValue> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(flag) => AttributeValue::Bool(flag),
        Value::Number(number) => AttributeValue::N(number.to_string()),
        Value::String(text) => AttributeValue::S(text),
        Value::Array(values) => {
            AttributeValue::L(values.into_iter().filter_map(to_attribute).collect())
        }
        Value::Object(fields) => AttributeValue::M(
            fields
                .into_iter()
                .filter_map(|(name, value)| Some((name, to_attribute(value)?)))
                .collect(),
        ),
    })
}

fn from_attribute(attribute: &AttributeValue) -> Result<Value, String> {
    Ok(match attribute {
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::Bool(flag) => Value::Bool(*flag),
        AttributeValue::N(text) => Value::Number(number(text)?),
        AttributeValue::S(text) => Value::String(text.clone()),
        AttributeValue::L(values) => Value::Array(
            values
                .iter()
                .map(from_attribute)
                .collect::<Result<_, _>>()?,
        ),
        AttributeValue::M(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, value)| Ok((name.clone(), from_attribute(value)?)))
                .collect::<Result<_, String>>()?,
        ),
        AttributeValue::Ss(texts) => {
            Value::Array(texts.iter().cloned().map(Value::String).collect())
        }
        other => return Err(format!("unsupported attribute type {other:?}")),
    })
}

fn number(text: &str) -> Result<Number, String> {
    text.parse::<i64>()
        .map(Number::from)
        .or_else(|_| text.parse::<u64>().map(Number::from))
        .ok()
        .or_else(|| text.parse::<f64>().ok().and_then(Number::from_f64))
        .ok_or_else(|| format!("{text:?} is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Webhook;

    #[test]
    fn round_trips_every_kind_of_field() {
        let mut app = crate::app::sample_app();
        app.webhooks = vec![serde_json::from_value::<Webhook>(serde_json::json!({
            "url": "https://example.com/hook", "event_types": ["channel_occupied"]
        }))
        .unwrap()];
        app.created_at = Some(10);
        let item = from_app(&app);
        assert_eq!(item["key"], AttributeValue::S("k".into()));
        assert_eq!(item["max_connections"], AttributeValue::N("7".into()));
        assert_eq!(item["enabled"], AttributeValue::Bool(false));
        assert!(matches!(item["webhooks"], AttributeValue::L(_)));
        assert!(
            !item.contains_key("max_event_batch_size"),
            "unset fields stay out"
        );
        assert_eq!(into_app(&item).unwrap(), app);
    }

    #[test]
    fn reads_upstream_and_soketi_items() {
        let item: Item = [
            ("id", AttributeValue::S("app-1".into())),
            ("key", AttributeValue::S("key-1".into())),
            ("secret", AttributeValue::S("secret-1".into())),
            ("max_connections", AttributeValue::N("100".into())),
            ("enable_client_messages", AttributeValue::Bool(true)),
            (
                "webhooks",
                AttributeValue::S(
                    r#"[{"url":"https://example.com/h","event_types":["member_added"]}]"#.into(),
                ),
            ),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        let app = into_app(&item).unwrap();
        assert_eq!((app.id.as_str(), app.key.as_str()), ("app-1", "key-1"));
        assert_eq!(app.max_connections, Some(100));
        assert!(app.enable_client_messages && app.enabled);
        assert_eq!(app.webhooks.len(), 1);
    }

    #[test]
    fn upstreams_policy_layout_is_an_error_not_an_app_without_limits() {
        let item: Item = [
            ("id".to_owned(), AttributeValue::S("p".into())),
            ("key".to_owned(), AttributeValue::S("k".into())),
            ("secret".to_owned(), AttributeValue::S("s".into())),
            ("policy".to_owned(), AttributeValue::S("{}".into())),
        ]
        .into_iter()
        .collect();
        let error = into_app(&item).unwrap_err().to_string();
        assert!(error.contains("policy"), "{error}");
    }

    #[test]
    fn unreadable_items_are_an_error_naming_the_app() {
        let item: Item = [
            ("id".to_owned(), AttributeValue::S("x".into())),
            (
                "max_connections".to_owned(),
                AttributeValue::N("many".into()),
            ),
        ]
        .into_iter()
        .collect();
        let error = into_app(&item).unwrap_err().to_string();
        assert!(
            error.contains("\"x\"") && error.contains("max_connections"),
            "{error}"
        );
    }
}
