//! The mapping between an [`App`] and its database row: lookup columns plus a JSON `settings`
//! object holding everything else, in the same flat shape as a config file.

use super::{App, StoreError};
use serde_json::{Map, Value};

/// The columns of one `apps` row.
pub struct AppRow {
    pub id: String,
    pub key: String,
    pub secret: String,
    pub enabled: bool,
    pub settings: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Keys that live in their own columns, not in `settings`.
const COLUMNS: [&str; 6] = ["id", "key", "secret", "enabled", "created_at", "updated_at"];

impl AppRow {
    pub fn from_app(app: &App, created_at: i64, updated_at: i64) -> AppRow {
        let mut settings = match serde_json::to_value(app) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        for column in COLUMNS {
            settings.remove(column);
        }
        AppRow {
            id: app.id.clone(),
            key: app.key.clone(),
            secret: app.secret.clone(),
            enabled: app.enabled,
            settings: Value::Object(settings).to_string(),
            created_at,
            updated_at,
        }
    }

    pub fn into_app(self) -> Result<App, StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt {
            id: self.id.clone(),
            reason,
        };
        let mut object = match serde_json::from_str(&self.settings) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(corrupt("settings is not a JSON object".into())),
            Err(e) => return Err(corrupt(format!("settings is not JSON: {e}"))),
        };
        object.insert("id".into(), Value::String(self.id.clone()));
        object.insert("key".into(), Value::String(self.key.clone()));
        object.insert("secret".into(), Value::String(self.secret.clone()));
        object.insert("enabled".into(), Value::Bool(self.enabled));
        object.insert("created_at".into(), self.created_at.into());
        object.insert("updated_at".into(), self.updated_at.into());
        serde_json::from_value(Value::Object(object)).map_err(|e| corrupt(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_field() {
        let mut app = crate::app::sample_app();
        let row = AppRow::from_app(&app, 10, 20);
        assert!(!row.settings.contains("\"secret\""));
        let back = row.into_app().unwrap();
        app.created_at = Some(10);
        app.updated_at = Some(20);
        assert_eq!(back, app);
    }

    #[test]
    fn corrupt_settings_are_an_error_naming_the_app() {
        let row = AppRow {
            id: "x".into(),
            key: "k".into(),
            secret: "s".into(),
            enabled: true,
            settings: "{not json".into(),
            created_at: 0,
            updated_at: 0,
        };
        assert!(row.into_app().unwrap_err().to_string().contains("\"x\""));
    }
}
