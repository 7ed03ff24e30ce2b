use super::*;
use proptest::prelude::*;
use serde_json::json;

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn parse(value: Value) -> Filter {
    Filter::parse(&value).expect("valid filter")
}

#[test]
fn leaves_compare_as_documented() {
    let btc = tags(&[("asset", "BTC"), ("price", "101.5")]);
    let cases = [
        (json!({"key":"asset","cmp":"eq","val":"BTC"}), true),
        (json!({"key":"asset","cmp":"neq","val":"BTC"}), false),
        (json!({"key":"asset","cmp":"in","vals":["ETH","BTC"]}), true),
        (
            json!({"key":"asset","cmp":"nin","vals":["ETH","BTC"]}),
            false,
        ),
        (json!({"key":"asset","cmp":"ex"}), true),
        (json!({"key":"asset","cmp":"nex"}), false),
        (json!({"key":"asset","cmp":"sw","val":"B"}), true),
        (json!({"key":"asset","cmp":"ew","val":"TC"}), true),
        (json!({"key":"asset","cmp":"ct","val":"T"}), true),
        (json!({"key":"price","cmp":"gt","val":100}), true),
        (json!({"key":"price","cmp":"gte","val":"101.5"}), true),
        (json!({"key":"price","cmp":"lt","val":101.5}), false),
        (json!({"key":"price","cmp":"lte","val":101.5}), true),
        (json!({"key":"asset","cmp":"gt","val":1}), false),
    ];
    for (filter, expected) in cases {
        assert_eq!(parse(filter.clone()).matches(&btc), expected, "{filter}");
    }
}

#[test]
fn a_missing_tag_passes_only_the_negative_tests() {
    let none = Tags::new();
    for cmp in ["neq", "nex"] {
        assert!(parse(json!({"key":"k","cmp":cmp,"val":"x"})).matches(&none));
    }
    assert!(parse(json!({"key":"k","cmp":"nin","vals":["x"]})).matches(&none));
    for cmp in ["eq", "sw", "ew", "ct", "gt", "gte", "lt", "lte"] {
        assert!(!parse(json!({"key":"k","cmp":cmp,"val":"1"})).matches(&none));
    }
    assert!(!parse(json!({"key":"k","cmp":"in","vals":["x"]})).matches(&none));
    assert!(!parse(json!({"key":"k","cmp":"ex"})).matches(&none));
}

#[test]
fn branches_combine() {
    let filter = parse(json!({"op":"and","nodes":[
        {"key":"market","cmp":"eq","val":"spot"},
        {"op":"not","nodes":[{"key":"asset","cmp":"in","vals":["DOGE","SHIB"]}]},
        {"op":"or","nodes":[{"key":"size","cmp":"gt","val":10},{"key":"vip","cmp":"ex"}]}
    ]}));
    assert!(filter.matches(&tags(&[
        ("market", "spot"),
        ("asset", "BTC"),
        ("size", "11")
    ])));
    assert!(filter.matches(&tags(&[("market", "spot"), ("vip", "")])));
    assert!(!filter.matches(&tags(&[
        ("market", "spot"),
        ("asset", "DOGE"),
        ("size", "11")
    ])));
    assert!(!filter.matches(&tags(&[("market", "futures"), ("size", "11")])));
}

#[test]
fn invalid_filters_name_the_problem_and_its_place() {
    let deep = (0..MAX_DEPTH).fold(
        json!({"key":"k","cmp":"ex"}),
        |node, _| json!({"op":"not","nodes":[node]}),
    );
    let wide: Vec<Value> = (0..MAX_NODES)
        .map(|_| json!({"key":"k","cmp":"ex"}))
        .collect();
    let cases = [
        (json!("asset"), "filter: a node must be an object"),
        (
            json!({"key":"k","cmp":"like","val":"x"}),
            "filter.cmp: unknown comparison \"like\"",
        ),
        (
            json!({"op":"not","nodes":[{"key":"a","cmp":"ex"},{"key":"b","cmp":"ex"}]}),
            "filter: \"not\" takes exactly one node",
        ),
        (json!({"op":"xor","nodes":[]}), "filter.op: \"op\" must be"),
        (json!({"op":"and","nodes":[]}), "needs at least one node"),
        (
            json!({"op":"or","nodes":[{"key":"k","cmp":"gt","val":"ten"}]}),
            "filter.nodes[0].val: numeric comparisons need a number",
        ),
        (
            json!({"key":"k","cmp":"in","vals":["a", {}]}),
            "filter.vals[1]: must be a string or a number",
        ),
        (json!({"key":"k","cmp":"in","vals":[]}), "filter.vals: 1 to"),
        (json!({"cmp":"eq","val":"x"}), "needs a non-empty \"key\""),
        (
            json!({"key":"k","cmp":"eq","val":"x".repeat(MAX_VALUE_LENGTH + 1)}),
            "filter.val: longer than",
        ),
        (deep, "nests at most"),
        (json!({"op":"or","nodes":wide}), "at most 64 nodes"),
    ];
    for (filter, expected) in cases {
        let error = Filter::parse(&filter).expect_err("invalid").to_string();
        assert!(error.contains(expected), "{error:?} lacks {expected:?}");
    }
}

#[test]
fn required_terms_come_from_top_level_eq_and_in() {
    let term = |v: Value| {
        parse(v).required_term().map(|(k, mut vs)| {
            vs.sort();
            (k.to_owned(), vs.join(","))
        })
    };
    assert_eq!(
        term(json!({"key":"a","cmp":"eq","val":"x"})),
        Some(("a".into(), "x".into()))
    );
    assert_eq!(
        term(
            json!({"op":"and","nodes":[{"key":"b","cmp":"gt","val":1},{"key":"a","cmp":"in","vals":["y","x"]}]})
        ),
        Some(("a".into(), "x,y".into()))
    );
    assert_eq!(
        term(json!({"op":"or","nodes":[{"key":"a","cmp":"eq","val":"x"}]})),
        None
    );
    assert_eq!(term(json!({"key":"a","cmp":"neq","val":"x"})), None);
}

// ---- property tests: the parsed filter against a naive evaluator of the raw JSON ----

const KEYS: [&str; 3] = ["asset", "market", "size"];
const VALUES: [&str; 5] = ["BTC", "ETH", "spot", "5", "12.5"];

fn leaf() -> impl Strategy<Value = Value> {
    let key = prop::sample::select(&KEYS[..]);
    let val = prop::sample::select(&VALUES[..]);
    let vals = prop::collection::vec(prop::sample::select(&VALUES[..]), 1..4);
    prop_oneof![
        (
            key.clone(),
            prop::sample::select(vec!["eq", "neq", "sw", "ew", "ct"]),
            val
        )
            .prop_map(|(k, c, v)| json!({"key":k,"cmp":c,"val":v})),
        (
            key.clone(),
            prop::sample::select(vec!["gt", "gte", "lt", "lte"]),
            0..20i32
        )
            .prop_map(|(k, c, v)| json!({"key":k,"cmp":c,"val":v})),
        (key.clone(), prop::sample::select(vec!["in", "nin"]), vals)
            .prop_map(|(k, c, v)| json!({"key":k,"cmp":c,"vals":v})),
        (key, prop::sample::select(vec!["ex", "nex"])).prop_map(|(k, c)| json!({"key":k,"cmp":c})),
    ]
}

fn filter_json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            (
                prop::sample::select(vec!["and", "or"]),
                prop::collection::vec(inner.clone(), 1..4)
            )
                .prop_map(|(op, nodes)| json!({"op":op,"nodes":nodes})),
            inner.prop_map(|node| json!({"op":"not","nodes":[node]})),
        ]
    })
}

fn tag_set() -> impl Strategy<Value = Tags> {
    prop::collection::btree_map(
        prop::sample::select(&KEYS[..]).prop_map(str::to_owned),
        prop::sample::select(&VALUES[..]).prop_map(str::to_owned),
        0..4,
    )
}

/// The documented semantics, read straight off the JSON with no parsing step.
fn naive(node: &Value, tags: &Tags) -> bool {
    if let Some(op) = node["op"].as_str() {
        let mut children = node["nodes"].as_array().unwrap().iter();
        return match op {
            "and" => children.all(|c| naive(c, tags)),
            "or" => children.any(|c| naive(c, tags)),
            _ => !naive(children.next().unwrap(), tags),
        };
    }
    let cmp = node["cmp"].as_str().unwrap();
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let Some(actual) = tags.get(node["key"].as_str().unwrap()) else {
        return matches!(cmp, "neq" | "nin" | "nex");
    };
    let in_set = || {
        node["vals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| text(v) == *actual)
    };
    let numeric = |f: fn(f64, f64) -> bool| match actual.parse::<f64>() {
        Ok(a) => f(a, node["val"].as_f64().unwrap()),
        Err(_) => false,
    };
    match cmp {
        "eq" => *actual == text(&node["val"]),
        "neq" => *actual != text(&node["val"]),
        "in" => in_set(),
        "nin" => !in_set(),
        "ex" => true,
        "nex" => false,
        "sw" => actual.starts_with(&text(&node["val"])),
        "ew" => actual.ends_with(&text(&node["val"])),
        "ct" => actual.contains(&text(&node["val"])),
        "gt" => numeric(|a, b| a > b),
        "gte" => numeric(|a, b| a >= b),
        "lt" => numeric(|a, b| a < b),
        _ => numeric(|a, b| a <= b),
    }
}

proptest! {
    #[test]
    fn matching_agrees_with_the_naive_evaluator(json in filter_json(), tags in tag_set()) {
        let filter = Filter::parse(&json).expect("generated filters are valid");
        prop_assert_eq!(filter.matches(&tags), naive(&json, &tags));
    }

    #[test]
    fn the_index_never_misses_a_match(
        filters in prop::collection::vec(filter_json(), 1..20),
        tags in tag_set(),
    ) {
        let parsed: Vec<Filter> = filters.iter().map(|f| Filter::parse(f).unwrap()).collect();
        let mut index = FilterIndex::default();
        for (id, filter) in parsed.iter().enumerate() {
            index.insert(id, filter);
        }
        let mut found = Vec::new();
        index.candidates(&tags, |id| found.push(id));
        let mut unique = found.clone();
        unique.sort();
        unique.dedup();
        prop_assert_eq!(unique.len(), found.len(), "a candidate was visited twice");
        for (id, filter) in parsed.iter().enumerate() {
            if filter.matches(&tags) {
                prop_assert!(found.contains(&id), "filter {} matched but was not a candidate", id);
            }
        }
        for (id, filter) in parsed.iter().enumerate() {
            index.remove(id, filter);
        }
        prop_assert!(index.is_empty());
    }
}

#[test]
fn a_filter_nested_past_the_frame_parsers_limit_is_told_this_modules_limit() {
    // protocol::inbound refuses deep nesting before a filter is parsed and says the limit in
    // words; it must be this module's limit.
    let mut filter = r#"{"key":"a","cmp":"ex"}"#.to_owned();
    for _ in 0..200 {
        filter = format!(r#"{{"op":"not","nodes":[{filter}]}}"#);
    }
    let frame =
        format!(r#"{{"event":"pusher:subscribe","data":{{"channel":"c","filter":{filter}}}}}"#);
    let text = crate::protocol::inbound::parse(&frame)
        .expect_err("refused")
        .to_string();
    assert!(text.contains("nests too deeply"), "{text}");
    let limit = format!("at most {MAX_DEPTH} levels");
    assert!(text.contains(&limit), "{text}");
}
