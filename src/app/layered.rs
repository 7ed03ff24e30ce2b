//! What `serve` looks apps up in: the static apps (config and environment) first, then the
//! persistent store behind a short-lived cache. The cache is why store edits reach a running server
//! within `app_manager.cache.ttl` seconds rather than at once, and why a flood of connections with
//! an unknown key does not become a flood of database queries (misses are cached too).

use super::{App, AppRef, AppStore, MemoryAppStore, StoreError};
use async_trait::async_trait;
use lru::LruCache;
use parking_lot::Mutex;
use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Lookups kept per cache (by id, by key); past it the least recently used one goes, so a flood of
/// unknown keys pushes out only other cold entries, never the whole cache.
const MAX_CACHED: NonZeroUsize = NonZeroUsize::new(10_000).expect("not zero");

type Lookup = Option<Arc<App>>;
type Cache = Mutex<LruCache<String, (Instant, Lookup)>>;

pub struct LayeredStore {
    statics: MemoryAppStore,
    store: Arc<dyn AppStore>,
    ttl: Duration,
    by_id: Cache,
    by_key: Cache,
}

impl LayeredStore {
    /// `ttl` of zero disables caching.
    pub fn new(statics: MemoryAppStore, store: Arc<dyn AppStore>, ttl: Duration) -> Self {
        LayeredStore {
            statics,
            store,
            ttl,
            by_id: Mutex::new(LruCache::new(MAX_CACHED)),
            by_key: Mutex::new(LruCache::new(MAX_CACHED)),
        }
    }

    fn cached_in(&self, cache: &Cache, name: &str) -> Option<Lookup> {
        let mut cache = cache.lock();
        let (at, app) = cache.get(name)?;
        (at.elapsed() < self.ttl).then(|| app.clone())
    }

    fn remember(&self, cache: &Cache, name: &str, app: &Lookup) {
        if self.ttl.is_zero() {
            return;
        }
        cache
            .lock()
            .put(name.to_owned(), (Instant::now(), app.clone()));
    }
}

#[async_trait]
impl AppStore for LayeredStore {
    async fn find_by_id(&self, id: &str) -> Result<Option<Arc<App>>, StoreError> {
        if let Some(app) = self.statics.find_by_id(id).await? {
            return Ok(Some(app));
        }
        if let Some(hit) = self.cached_in(&self.by_id, id) {
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
        if let Some(hit) = self.cached_in(&self.by_key, key) {
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

    fn cached(&self, app: AppRef<'_>) -> Option<Option<Arc<App>>> {
        if let Some(Some(found)) = self.statics.cached(app) {
            return Some(Some(found));
        }
        match app {
            AppRef::Id(id) => self.cached_in(&self.by_id, id),
            AppRef::Key(key) => self.cached_in(&self.by_key, key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store whose contents the test changes underneath the cache; it counts key lookups.
    #[derive(Default)]
    struct Backing {
        apps: Mutex<Vec<App>>,
        key_queries: std::sync::atomic::AtomicUsize,
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
            self.key_queries
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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

    /// A flood of unknown keys (twice the cache's size) evicts only cold entries: an app in use
    /// keeps being answered from the cache, and `cached` says what a lookup would cost.
    #[tokio::test]
    async fn a_flood_of_unknown_keys_does_not_push_out_an_app_in_use() {
        let backing = Arc::new(Backing::default());
        backing.create(&App::new("d", "kd", "y")).await.unwrap();
        let statics = MemoryAppStore::new([App::new("s", "ks", "x")]).unwrap();
        let layered = LayeredStore::new(statics, backing.clone(), Duration::from_secs(60));
        assert!(
            layered.cached(AppRef::Key("kd")).is_none(),
            "not looked up yet"
        );
        assert!(layered.find_by_key("kd").await.unwrap().is_some());
        assert!(
            layered.cached(AppRef::Key("ks")).is_some(),
            "statics need no query"
        );
        let queries = |b: &Backing| b.key_queries.load(std::sync::atomic::Ordering::Relaxed);
        let before = queries(&backing);
        for n in 0..2 * MAX_CACHED.get() {
            assert!(layered
                .find_by_key(&format!("random-{n}"))
                .await
                .unwrap()
                .is_none());
            if n % 1000 == 0 {
                assert!(layered.find_by_key("kd").await.unwrap().is_some());
            }
        }
        assert_eq!(
            queries(&backing) - before,
            2 * MAX_CACHED.get(),
            "kd was answered from the cache throughout"
        );
        assert!(layered.cached(AppRef::Key("kd")).is_some());
        assert!(matches!(
            layered.cached(AppRef::Key("random-19999")),
            Some(None)
        ));
    }
}
