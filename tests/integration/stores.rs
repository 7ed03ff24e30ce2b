//! One store test suite, run against each real store.

use crate::databases::{self, Kind};
use sockudo::app::migrations::{self, Schema};
use sockudo::app::{App, AppStore, SqlStore, SqliteStore, StoreError};

async fn exercise(store: &dyn AppStore, schema: &dyn Schema) {
    // A fresh database has everything pending; migrating twice applies once.
    assert_eq!(
        migrations::pending(schema).await.unwrap().len(),
        migrations::MIGRATIONS.len()
    );
    assert_eq!(
        migrations::migrate(schema).await.unwrap().len(),
        migrations::MIGRATIONS.len()
    );
    assert!(migrations::migrate(schema).await.unwrap().is_empty());
    assert!(migrations::pending(schema).await.unwrap().is_empty());

    let mut app = App::new("app-a", "key-a", "secret-a");
    app.name = Some("Ä app with ünïcode".into());
    app.enable_client_messages = true;
    app.max_connections = Some(42);
    app.allowed_origins = vec!["https://*.example.com".into()];
    store.create(&app).await.unwrap();
    store
        .create(&App::new("app-b", "key-b", "secret-b"))
        .await
        .unwrap();

    let found = store.find_by_key("key-a").await.unwrap().expect("by key");
    assert_eq!(found.id, "app-a");
    assert_eq!(found.name, app.name);
    assert_eq!(found.max_connections, Some(42));
    assert!(found.enable_client_messages && found.enabled);
    assert!(found.created_at.is_some());
    assert_eq!(
        store.find_by_id("app-b").await.unwrap().unwrap().key,
        "key-b"
    );
    assert!(store.find_by_id("nope").await.unwrap().is_none());
    assert!(store.find_by_key("nope").await.unwrap().is_none());

    let same_id = store
        .create(&App::new("app-a", "other", "s"))
        .await
        .unwrap_err();
    assert!(matches!(same_id, StoreError::Conflict(_)), "{same_id}");
    let same_key = store
        .create(&App::new("app-c", "key-a", "s"))
        .await
        .unwrap_err();
    assert!(matches!(same_key, StoreError::Conflict(_)), "{same_key}");

    let mut changed = (*found).clone();
    changed.enabled = false;
    changed.max_connections = None;
    changed.key = "key-a2".into();
    store.update(&changed).await.unwrap();
    // Updating with identical values is still a success (MySQL reports 0 changed rows).
    store.update(&changed).await.unwrap();
    let reread = store.find_by_id("app-a").await.unwrap().unwrap();
    assert!(!reread.enabled);
    assert_eq!(reread.max_connections, None);
    assert!(store.find_by_key("key-a").await.unwrap().is_none());
    assert_eq!(
        store.find_by_key("key-a2").await.unwrap().unwrap().id,
        "app-a"
    );
    let clash = (*store.find_by_id("app-b").await.unwrap().unwrap()).clone();
    let clash = App {
        key: "key-a2".into(),
        ..clash
    };
    assert!(matches!(
        store.update(&clash).await.unwrap_err(),
        StoreError::Conflict(_)
    ));
    let missing = store
        .update(&App::new("ghost", "g", "g"))
        .await
        .unwrap_err();
    assert!(matches!(missing, StoreError::NotFound(_)), "{missing}");

    let ids: Vec<String> = store
        .all()
        .await
        .unwrap()
        .iter()
        .map(|a| a.id.clone())
        .collect();
    assert_eq!(ids, ["app-a", "app-b"]);
    assert!(store.delete("app-a").await.unwrap());
    assert!(!store.delete("app-a").await.unwrap());
    assert_eq!(store.all().await.unwrap().len(), 1);
}

#[tokio::test]
async fn sqlite_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("apps.db")).unwrap();
    exercise(&store, &store).await;
}

#[tokio::test]
async fn postgres_store() {
    let Some(url) = databases::fresh(Kind::Postgres).await else {
        return;
    };
    let store = SqlStore::connect(&url, 1, 4).await.unwrap();
    exercise(&store, &store).await;
}

#[tokio::test]
async fn mysql_store() {
    let Some(url) = databases::fresh(Kind::Mysql).await else {
        return;
    };
    let store = SqlStore::connect(&url, 1, 4).await.unwrap();
    exercise(&store, &store).await;
}

/// Moto's DynamoDB with static keys, and a table of its own.
#[cfg(feature = "aws")]
async fn dynamodb_store() -> Option<sockudo::app::DynamoDbStore> {
    let endpoint = crate::aws::moto()?;
    let settings = sockudo::aws::Settings {
        region: Some("us-east-1".into()),
        endpoint_url: Some(endpoint),
        access_key_id: Some("test".into()),
        secret_access_key: Some("test".into()),
        ..sockudo::aws::Settings::default()
    };
    let table = crate::aws::unique("sockudo-apps");
    Some(sockudo::app::DynamoDbStore::connect(&settings, &table).await)
}

#[cfg(feature = "aws")]
#[tokio::test]
async fn dynamodb_store_on_moto() {
    let Some(store) = dynamodb_store().await else {
        return;
    };
    exercise(&store, &store).await;
}

#[cfg(feature = "aws")]
#[tokio::test]
async fn a_dynamodb_store_without_its_table_says_to_migrate() {
    let Some(store) = dynamodb_store().await else {
        return;
    };
    let error = store.find_by_key("k").await.unwrap_err();
    assert!(error.to_string().contains("sockudo migrate"), "{error}");
}

#[tokio::test]
async fn an_unreachable_database_is_a_clear_error() {
    let port = crate::support::free_port();
    for url in [
        format!("postgres://u:p@127.0.0.1:{port}/db"),
        format!("mysql://u:p@127.0.0.1:{port}/db"),
    ] {
        let error = SqlStore::connect(&url, 1, 1)
            .await
            .err()
            .expect("nothing listens there");
        let text = error.to_string();
        assert!(text.contains("unavailable"), "{text}");
        assert!(!text.contains(":p@"), "no password in messages: {text}");
    }
    let error = SqlStore::connect("redis://x", 1, 1).await.err().unwrap();
    assert!(error.to_string().contains("postgres:// or mysql://"));
}

#[tokio::test]
async fn a_store_without_schema_says_to_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("apps.db")).unwrap();
    let error = store.find_by_key("k").await.unwrap_err();
    assert!(error.to_string().contains("sockudo migrate"), "{error}");
}
