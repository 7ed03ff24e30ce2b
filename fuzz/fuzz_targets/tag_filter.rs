//! Tag filters: `filter::Filter::parse` on arbitrary JSON, `Filter::matches` on arbitrary tags,
//! and the `FilterIndex` that narrows a publish to the filters an event can match.
//!
//! Input: text lines. A line `tags {...}` is an event's tags (string values; others are
//! skipped); any other line is a filter as JSON (lines that are not JSON are skipped).
//!
//! Checks: nothing panics; for every event, the index offers every filter that matches (and each
//! at most once), before and after removing half the filters; the index is empty once all are
//! removed.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use sockudo::filter::{Filter, FilterIndex, Tags};
use std::collections::HashSet;

/// Lines past this are ignored, so one input stays fast.
const MAX_LINES: usize = 128;

fn check(index: &FilterIndex<usize>, filters: &[(usize, Filter)], events: &[Tags]) {
    for tags in events {
        let mut offered = HashSet::new();
        index.candidates(tags, |id| {
            assert!(offered.insert(id), "filter {id} offered twice for {tags:?}");
        });
        for (id, filter) in filters {
            if filter.matches(tags) {
                assert!(
                    offered.contains(id),
                    "the index missed filter {id} {filter:?}, which matches {tags:?}"
                );
            }
        }
    }
}

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    let mut filters = Vec::new();
    let mut events = Vec::new();
    for line in text.lines().take(MAX_LINES) {
        if let Some(tags) = line.strip_prefix("tags ") {
            if let Ok(Value::Object(tags)) = serde_json::from_str::<Value>(tags) {
                let tags: Tags = tags
                    .into_iter()
                    .filter_map(|(k, v)| match v {
                        Value::String(v) => Some((k, v)),
                        _ => None,
                    })
                    .collect();
                events.push(tags);
            }
            continue;
        }
        let Ok(json) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if let Ok(filter) = Filter::parse(&json) {
            let _ = filter.required_term();
            filters.push((filters.len(), filter));
        }
    }
    let mut index = FilterIndex::default();
    for (id, filter) in &filters {
        index.insert(*id, filter);
    }
    check(&index, &filters, &events);
    let (removed, kept): (Vec<_>, Vec<_>) = filters.into_iter().partition(|(id, _)| id % 2 == 1);
    for (id, filter) in &removed {
        index.remove(*id, filter);
    }
    check(&index, &kept, &events);
    for (id, filter) in &kept {
        index.remove(*id, filter);
    }
    assert!(
        index.is_empty(),
        "filters left in the index after all were removed"
    );
});
