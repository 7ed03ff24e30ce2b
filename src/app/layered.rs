//! What `serve` looks apps up in: the static apps (config and environment) first, then the
//! persistent store behind a short-lived cache. The cache is why store edits reach a running server
//! within `app_manager.cache.ttl` seconds rather than at once, and why a flood of connections with
//! an unknown key does not become a flood of database queries (misses are cached too).

use super::{App, AppStore, MemoryAppStore, StoreError};
use async_trait::async_trait;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Entries kept at most; the cache is cleared when it fills, which only costs a re-read.
const MAX_CACHED: usize = 10_000;

type Lookup = Option<Arc<App>>;

pub struct LayeredStore {
    statics: MemoryAppStore,
    store: Arc<dyn AppStore>,
    ttl: Duration,
    by_id: Mutex<HashMap<String, (Instant, Lookup)>>,
    by_key: Mutex<HashMap<String, (Instant, Lookup)>>,
}

impl LayeredStore {
    /// `ttl` of zero disables caching.
    pub fn new(statics: MemoryAppStore, store: Arc<dyn AppStore>, ttl: Duration) -> Self {
        LayeredStore {
            statics,
            store,
            ttl,
            by_id: Mutex::new(HashMap::new()),
            by_key: Mutex::new(HashMap::new()),
        }
    }

    fn cached(
        &self,
        cache: &Mutex<HashMap<String, (Instant, Lookup)>>,
        name: &str,
    ) -> Option<Lookup> {
        let cache = cache.lock();
        let (at, app) = cache.get(name)?;
        (at.elapsed() < self.ttl).then(|| app.clone())
    }

    fn remember(
        &self,
        cache: &Mutex<HashMap<String, (Instant, Lookup)>>,
        name: &str,
        app: &Lookup,
    ) {
        if self.ttl.is_zero() {
            return;
        }
        let mut cache = cache.lock();
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(name.to_owned(), (Instant::now(), app.clone()));
    }
}

#[async_trait]
impl AppStore for LayeredStore {
    async fn find_by_id(&self, id: &str) -> Result<Option<Arc<App>>, StoreError> {
        if let Some(app) = self.statics.find_by_id(id).await? {
            return Ok(Some(app));
        }
        if let Some(hit) = self.cached(&self.by_id, id) {
            return Ok(hit);
        }
        let app = self.store.find_by_id(id).await?;
        self.remember(&self.by_id, id, &app);
        Ok(app)
    }

    async fn find_by_key(&self, key: &str) -> Result<Option<Arc<App>>, StoreError> {
        if let Some(app) = self.statics.find_by_key(key).await? {
            return Ok(Some(app));
        }
        if let Some(hit) = self.cached(&self.by_key, key) {
            return Ok(hit);
        }
        let app = self.store.find_by_key(key).await?;
        self.remember(&self.by_key, key, &app);
        Ok(app)
    }

    async fn all(&self) -> Result<Vec<Arc<App>>, StoreError> {
        let mut apps = self.statics.all().await?;
        apps.extend(self.store.all().await?);
        Ok(apps)
    }

    async fn create(&self, app: &App) -> Result<(), StoreError> {
        self.store.create(app).await
    }

    async fn update(&self, app: &App) -> Result<(), StoreError> {
        self.store.update(app).await
    }

    async fn delete(&self, id: &str) -> Result<bool, StoreError> {
        self.store.delete(id).await
    }

    fn forget_cached(&self) {
        self.by_id.lock().clear();
        self.by_key.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store whose contents the test changes underneath the cache.
    #[derive(Default)]
    struct Backing {
        apps: Mutex<Vec<App>>,
    }

    #[async_trait]
    impl AppStore for Backing {
        async fn find_by_id(&self, id: &str) -> Result<Option<Arc<App>>, StoreError> {
            Ok(self
                .apps
                .lock()
                .iter()
                .find(|a| a.id == id)
                .cloned()
                .map(Arc::new))
        }
        async fn find_by_key(&self, key: &str) -> Result<Option<Arc<App>>, StoreError> {
            Ok(self
                .apps
                .lock()
                .iter()
                .find(|a| a.key == key)
                .cloned()
                .map(Arc::new))
        }
        async fn all(&self) -> Result<Vec<Arc<App>>, StoreError> {
            Ok(self.apps.lock().iter().cloned().map(Arc::new).collect())
        }
        async fn create(&self, app: &App) -> Result<(), StoreError> {
            self.apps.lock().push(app.clone());
            Ok(())
        }
        async fn update(&self, _: &App) -> Result<(), StoreError> {
            unreachable!()
        }
        async fn delete(&self, id: &str) -> Result<bool, StoreError> {
            self.apps.lock().retain(|a| a.id != id);
            Ok(true)
        }
    }

    #[tokio::test]
    async fn statics_win_and_store_changes_show_after_the_ttl() {
        let backing = Arc::new(Backing::default());
        let statics = MemoryAppStore::new([App::new("s", "ks", "x")]).unwrap();
        let layered = LayeredStore::new(statics, backing.clone(), Duration::from_millis(50));
        assert_eq!(layered.find_by_key("ks").await.unwrap().unwrap().id, "s");
        assert!(layered.find_by_key("kd").await.unwrap().is_none());
        backing.create(&App::new("d", "kd", "y")).await.unwrap();
        // The miss is cached until the TTL passes.
        assert!(layered.find_by_key("kd").await.unwrap().is_none());
        tokio::time::sleep(Duration::from_millis(60)).await;
        assert_eq!(layered.find_by_key("kd").await.unwrap().unwrap().id, "d");
        assert_eq!(layered.all().await.unwrap().len(), 2);
    }
}
