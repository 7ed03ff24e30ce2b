//! Finding the filtered subscriptions an event may match without evaluating all of them.
//!
//! A filter with a required term (`asset == "BTC"`, or `asset in [...]`, possibly inside a
//! top-level `and`) is filed under each of its `(key, value)` pairs; an event's tags then name the
//! only buckets it can match. Filters without such a term are kept in a list evaluated on every
//! publish. Candidates still have their whole filter evaluated: the index only narrows.
//!
//! An event carries one value per key, so a subscription filed under several values of one key is
//! found at most once per event.

use super::{Filter, Tags};
use std::collections::{HashMap, HashSet};
use std::hash::Hash;

#[derive(Debug)]
pub struct FilterIndex<Id> {
    by_term: HashMap<String, HashMap<String, HashSet<Id>>>,
    scanned: HashSet<Id>,
}

impl<Id> Default for FilterIndex<Id> {
    fn default() -> Self {
        FilterIndex {
            by_term: HashMap::new(),
            scanned: HashSet::new(),
        }
    }
}

impl<Id: Copy + Eq + Hash> FilterIndex<Id> {
    pub fn insert(&mut self, id: Id, filter: &Filter) {
        match filter.required_term() {
            Some((key, values)) => {
                let buckets = self.by_term.entry(key.to_owned()).or_default();
                for value in values {
                    buckets.entry(value.to_owned()).or_default().insert(id);
                }
            }
            None => {
                self.scanned.insert(id);
            }
        }
    }

    pub fn remove(&mut self, id: Id, filter: &Filter) {
        let Some((key, values)) = filter.required_term() else {
            self.scanned.remove(&id);
            return;
        };
        let Some(buckets) = self.by_term.get_mut(key) else {
            return;
        };
        for value in values {
            if let Some(ids) = buckets.get_mut(value) {
                ids.remove(&id);
                if ids.is_empty() {
                    buckets.remove(value);
                }
            }
        }
        if buckets.is_empty() {
            self.by_term.remove(key);
        }
    }

    /// Calls `visit` once for every subscription an event with `tags` could match.
    pub fn candidates(&self, tags: &Tags, mut visit: impl FnMut(Id)) {
        for (key, value) in tags {
            if let Some(ids) = self.by_term.get(key).and_then(|b| b.get(value)) {
                ids.iter().copied().for_each(&mut visit);
            }
        }
        self.scanned.iter().copied().for_each(visit);
    }

    pub fn is_empty(&self) -> bool {
        self.by_term.is_empty() && self.scanned.is_empty()
    }
}
