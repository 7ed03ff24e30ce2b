//! Deserializers that accept the loose shapes Sockudo and soketi configs use: numbers and booleans
//! written as strings (`"1000"`, `"true"`), ids written as numbers, and `null`/`""`/negative
//! numbers for "no limit".

use serde::de::{self, Deserializer};
use serde::Deserialize;
use std::fmt::Display;
use std::str::FromStr;

#[derive(Deserialize)]
#[serde(untagged)]
enum Loose {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Null(()),
}

impl Loose {
    fn into_text(self) -> Option<String> {
        match self {
            Loose::Bool(b) => Some(b.to_string()),
            Loose::Int(n) => Some(n.to_string()),
            Loose::Float(n) => Some(n.to_string()),
            Loose::Text(t) => Some(t.trim().to_owned()),
            Loose::Null(()) => None,
        }
    }
}

/// A number given as a number or a string.
pub fn number<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: Display,
{
    let text = Loose::deserialize(deserializer)?
        .into_text()
        .ok_or_else(|| de::Error::custom("expected a number, found null"))?;
    text.parse()
        .map_err(|e| de::Error::custom(format!("expected a number, found {text:?}: {e}")))
}

/// An optional limit: missing, `null`, `""`, or a negative number (soketi's `-1`) mean none.
pub fn optional_number<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: Display,
{
    match Loose::deserialize(deserializer)?.into_text() {
        None => Ok(None),
        Some(text) if text.is_empty() || text.starts_with('-') => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|e| de::Error::custom(format!("expected a number, found {text:?}: {e}"))),
    }
}

/// A boolean given as `true`/`false`, `"true"`/`"false"`, `1`/`0` or `"yes"`/`"no"`.
pub fn boolean<'de, D>(deserializer: D) -> Result<bool, D::Error>
where
    D: Deserializer<'de>,
{
    match Loose::deserialize(deserializer)? {
        Loose::Bool(b) => Ok(b),
        other => {
            let text = other.into_text().unwrap_or_default();
            parse_bool(&text)
                .ok_or_else(|| de::Error::custom(format!("expected a boolean, found {text:?}")))
        }
    }
}

/// A string that may have been written as a number (app ids often are).
pub fn string<'de, D>(deserializer: D) -> Result<String, D::Error>
where
    D: Deserializer<'de>,
{
    match Loose::deserialize(deserializer)? {
        Loose::Text(t) => Ok(t),
        other => other
            .into_text()
            .ok_or_else(|| de::Error::custom("expected a string, found null")),
    }
}

pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" | "" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Sample {
        #[serde(deserialize_with = "number")]
        n: u64,
        #[serde(default, deserialize_with = "optional_number")]
        limit: Option<u32>,
        #[serde(deserialize_with = "boolean")]
        flag: bool,
        #[serde(deserialize_with = "string")]
        id: String,
    }

    #[test]
    fn accepts_strings_for_numbers_and_booleans() {
        let s: Sample =
            serde_json::from_str(r#"{"n":"1000","limit":"5","flag":"true","id":42}"#).unwrap();
        assert_eq!(
            (s.n, s.limit, s.flag, s.id.as_str()),
            (1000, Some(5), true, "42")
        );
        let s: Sample =
            serde_json::from_str(r#"{"n":7,"limit":-1,"flag":false,"id":"a"}"#).unwrap();
        assert_eq!((s.n, s.limit, s.flag), (7, None, false));
        let s: Sample = serde_json::from_str(r#"{"n":7,"limit":null,"flag":1,"id":"a"}"#).unwrap();
        assert_eq!((s.limit, s.flag), (None, true));
    }

    #[test]
    fn rejects_nonsense_with_a_clear_message() {
        let err = serde_json::from_str::<Sample>(r#"{"n":"lots","flag":true,"id":"a"}"#)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("expected a number"), "{err}");
        let err = serde_json::from_str::<Sample>(r#"{"n":1,"flag":"maybe","id":"a"}"#)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("expected a boolean"), "{err}");
    }
}
