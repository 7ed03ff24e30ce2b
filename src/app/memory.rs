//! Apps held in memory: the static apps of the config and the default app from the environment.

use super::{App, AppRef, AppStore, StoreError};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AppSetError {
    #[error("two apps share the id {0:?}")]
    DuplicateId(String),
    #[error("two apps share the key {0:?}")]
    DuplicateKey(String),
}

#[derive(Debug, Default)]
pub struct MemoryAppStore {
    by_id: HashMap<String, Arc<App>>,
    id_by_key: HashMap<String, String>,
}

impl MemoryAppStore {
    /// Builds the store, refusing any clash of id or key: two apps answering to one key would
    /// make authentication depend on load order.
    pub fn new(apps: impl IntoIterator<Item = App>) -> Result<Self, AppSetError> {
        let mut store = MemoryAppStore::default();
        for app in apps {
            if store.by_id.contains_key(&app.id) {
                return Err(AppSetError::DuplicateId(app.id));
            }
            if store.id_by_key.contains_key(&app.key) {
                return Err(AppSetError::DuplicateKey(app.key));
            }
            store.id_by_key.insert(app.key.clone(), app.id.clone());
            store.by_id.insert(app.id.clone(), Arc::new(app));
        }
        Ok(store)
    }
}

#[async_trait]
impl AppStore for MemoryAppStore {
    async fn find_by_id(&self, id: &str) -> Result<Option<Arc<App>>, StoreError> {
        Ok(self.by_id.get(id).cloned())
    }

    async fn find_by_key(&self, key: &str) -> Result<Option<Arc<App>>, StoreError> {
        Ok(self
            .id_by_key
            .get(key)
            .and_then(|id| self.by_id.get(id))
            .cloned())
    }

    async fn all(&self) -> Result<Vec<Arc<App>>, StoreError> {
        let mut apps: Vec<_> = self.by_id.values().cloned().collect();
        apps.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(apps)
    }

    async fn create(&self, _: &App) -> Result<(), StoreError> {
        Err(StoreError::ReadOnly("memory"))
    }

    async fn update(&self, _: &App) -> Result<(), StoreError> {
        Err(StoreError::ReadOnly("memory"))
    }

    async fn delete(&self, _: &str) -> Result<bool, StoreError> {
        Err(StoreError::ReadOnly("memory"))
    }

    fn cached(&self, app: AppRef<'_>) -> Option<Option<Arc<App>>> {
        let id = match app {
            AppRef::Id(id) => Some(id),
            AppRef::Key(key) => self.id_by_key.get(key).map(String::as_str),
        };
        Some(id.and_then(|id| self.by_id.get(id)).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn finds_by_id_and_key() {
        let store =
            MemoryAppStore::new([App::new("1", "k1", "s1"), App::new("2", "k2", "s2")]).unwrap();
        assert_eq!(store.find_by_key("k2").await.unwrap().unwrap().id, "2");
        assert_eq!(store.find_by_id("1").await.unwrap().unwrap().key, "k1");
        assert!(store.find_by_key("nope").await.unwrap().is_none());
        assert_eq!(store.all().await.unwrap().len(), 2);
    }

    #[test]
    fn refuses_clashes() {
        let err =
            MemoryAppStore::new([App::new("1", "k", "s"), App::new("1", "k2", "s")]).unwrap_err();
        assert_eq!(err, AppSetError::DuplicateId("1".into()));
        let err =
            MemoryAppStore::new([App::new("1", "k", "s"), App::new("2", "k", "s")]).unwrap_err();
        assert_eq!(err, AppSetError::DuplicateKey("k".into()));
    }
}
