//! The DynamoDB app store (`app_manager.driver = "dynamodb"`, the `aws` feature), on upstream
//! Sockudo's table layout: partition key `id` (a string), a global secondary index `KeyIndex`
//! on `key` for lookups by app key, and one attribute per app field ([`item`]).
//!
//! `sockudo migrate` creates the table (on-demand capacity) and waits until it and its index are
//! active. A table that exists counts as migration 1 applied, so a table made by upstream Sockudo
//! or by hand with the same keys is used as it is.
//!
//! App keys are unique by a lookup on the index before each write: DynamoDB has no unique
//! constraint besides the partition key, so two `apps create` racing with the same new key could
//! both succeed. Ids are unique by a conditional write.

mod item;

use super::migrations::{self, Dialect, Migration};
use super::{App, AppStore, StoreError};
use crate::aws::{error_text, sdk_config, Settings};
use async_trait::async_trait;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, IndexStatus,
    KeySchemaElement, KeyType, Projection, ProjectionType, ReturnValue, ScalarAttributeType,
    TableStatus,
};
use aws_sdk_dynamodb::Client;
use item::Item;
use std::sync::Arc;
use std::time::Duration;

/// The index of app keys.
const KEY_INDEX: &str = "KeyIndex";
/// How long `migrate` waits for a new table to become active.
const CREATE_WAIT: Duration = Duration::from_secs(120);

#[derive(Clone)]
pub struct DynamoDbStore {
    client: Client,
    table: String,
}

impl DynamoDbStore {
    pub async fn connect(settings: &Settings, table: &str) -> DynamoDbStore {
        DynamoDbStore {
            client: Client::new(&sdk_config(settings).await),
            table: table.to_owned(),
        }
    }

    fn error<E>(&self, error: aws_sdk_dynamodb::error::SdkError<E>) -> StoreError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        if error.code() == Some("ResourceNotFoundException") {
            return StoreError::Unavailable(format!(
                "dynamodb: table {:?} does not exist; run `sockudo migrate`",
                self.table
            ));
        }
        StoreError::Unavailable(format!("dynamodb: {}", error_text(&error)))
    }

    async fn get(&self, id: &str) -> Result<Option<Item>, StoreError> {
        let answer = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(id.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.error(e))?;
        Ok(answer.item)
    }

    /// The ids of apps with `key` (the index is eventually consistent; reads of a just-written
    /// key may lag by a moment).
    async fn ids_with_key(&self, key: &str) -> Result<Vec<Item>, StoreError> {
        let answer = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(KEY_INDEX)
            .key_condition_expression("#key = :key")
            .expression_attribute_names("#key", "key")
            .expression_attribute_values(":key", AttributeValue::S(key.to_owned()))
            .send()
            .await
            .map_err(|e| self.error(e))?;
        Ok(answer.items.unwrap_or_default())
    }

    /// A conflict when another app than `app` holds its key.
    async fn check_key_is_free(&self, app: &App) -> Result<(), StoreError> {
        let holders = self.ids_with_key(&app.key).await?;
        let other = holders
            .iter()
            .any(|holder| holder.get("id") != Some(&AttributeValue::S(app.id.clone())));
        if other {
            return Err(StoreError::Conflict(format!(
                "an app with key {:?} already exists",
                app.key
            )));
        }
        Ok(())
    }

    async fn put(&self, item: Item, condition: &str) -> Result<bool, StoreError> {
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .send()
            .await;
        match written {
            Ok(_) => Ok(true),
            Err(error) if error.code() == Some("ConditionalCheckFailedException") => Ok(false),
            Err(error) => Err(self.error(error)),
        }
    }

    async fn table_status(&self) -> Result<Option<bool>, StoreError> {
        let described = self
            .client
            .describe_table()
            .table_name(&self.table)
            .send()
            .await;
        let table = match described {
            Ok(answer) => answer.table,
            Err(error) if error.code() == Some("ResourceNotFoundException") => return Ok(None),
            Err(error) => return Err(self.error(error)),
        };
        let Some(table) = table else { return Ok(None) };
        let indexes_active = table
            .global_secondary_indexes()
            .iter()
            .all(|index| index.index_status() == Some(&IndexStatus::Active));
        Ok(Some(
            table.table_status() == Some(&TableStatus::Active) && indexes_active,
        ))
    }

    async fn create_table(&self) -> Result<(), StoreError> {
        let built = |e: aws_sdk_dynamodb::error::BuildError| {
            StoreError::Unavailable(format!("dynamodb: {e}"))
        };
        let string_key = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(built)
        };
        let hash = |name: &str| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(KeyType::Hash)
                .build()
                .map_err(built)
        };
        let key_index = GlobalSecondaryIndex::builder()
            .index_name(KEY_INDEX)
            .key_schema(hash("key")?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .map_err(built)?;
        self.client
            .create_table()
            .table_name(&self.table)
            .attribute_definitions(string_key("id")?)
            .attribute_definitions(string_key("key")?)
            .key_schema(hash("id")?)
            .global_secondary_indexes(key_index)
            .billing_mode(BillingMode::PayPerRequest)
            .send()
            .await
            .map_err(|e| self.error(e))?;
        let deadline = tokio::time::Instant::now() + CREATE_WAIT;
        while self.table_status().await? != Some(true) {
            if tokio::time::Instant::now() > deadline {
                return Err(StoreError::Unavailable(format!(
                    "dynamodb: table {:?} is not active after {} s",
                    self.table,
                    CREATE_WAIT.as_secs()
                )));
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        Ok(())
    }
}

fn read(item: &Item) -> Result<Arc<App>, StoreError> {
    item::into_app(item).map(Arc::new)
}

#[async_trait]
impl AppStore for DynamoDbStore {
    async fn find_by_id(&self, id: &str) -> Result<Option<Arc<App>>, StoreError> {
        self.get(id).await?.as_ref().map(read).transpose()
    }

    async fn find_by_key(&self, key: &str) -> Result<Option<Arc<App>>, StoreError> {
        // The index holds whole items (projection ALL).
        self.ids_with_key(key).await?.first().map(read).transpose()
    }

    async fn all(&self) -> Result<Vec<Arc<App>>, StoreError> {
        let mut apps = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| self.error(e))?;
            for item in page.items() {
                apps.push(read(item)?);
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        apps.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(apps)
    }

    async fn create(&self, app: &App) -> Result<(), StoreError> {
        self.check_key_is_free(app).await?;
        let now = migrations::now();
        let mut stored = app.clone();
        stored.created_at = Some(now);
        stored.updated_at = Some(now);
        if !self
            .put(item::from_app(&stored), "attribute_not_exists(id)")
            .await?
        {
            return Err(StoreError::Conflict(format!(
                "an app with id {:?} already exists",
                app.id
            )));
        }
        Ok(())
    }

    async fn update(&self, app: &App) -> Result<(), StoreError> {
        let Some(existing) = self.get(&app.id).await? else {
            return Err(StoreError::NotFound(app.id.clone()));
        };
        self.check_key_is_free(app).await?;
        let mut stored = app.clone();
        stored.created_at = item::into_app(&existing)?.created_at;
        stored.updated_at = Some(migrations::now());
        if !self
            .put(item::from_app(&stored), "attribute_exists(id)")
            .await?
        {
            return Err(StoreError::NotFound(app.id.clone()));
        }
        Ok(())
    }

    async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        let deleted = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(id.to_owned()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| self.error(e))?;
        Ok(deleted.attributes.is_some())
    }
}

#[async_trait]
impl migrations::Schema for DynamoDbStore {
    fn dialect(&self) -> Dialect {
        Dialect::DynamoDb
    }

    async fn applied(&self) -> Result<Vec<i64>, StoreError> {
        Ok(match self.table_status().await? {
            Some(_) => vec![1],
            None => Vec::new(),
        })
    }

    async fn apply(&self, migration: &Migration) -> Result<(), StoreError> {
        match migration.version {
            1 => self.create_table().await,
            other => Err(StoreError::Unavailable(format!(
                "dynamodb: no step for migration {other}"
            ))),
        }
    }
}
