//! The library's modules import one way, down the layers of `src/lib.rs`'s Layout: this test
//! reads every `use crate::..`, `super::..` and inline `crate::..` path under `src/`, resolves it
//! to the file it names, and fails on an import circle between files or on an import that goes
//! up a layer. Text, not a compiler: a path the resolver cannot place is skipped, so keep
//! imports plain.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, bottom first; a module imports only its own layer and those below. Keep this
/// and the Layout in `src/lib.rs` the same.
const LAYERS: &[&[&str]] = &[
    &[
        "protocol",
        "lenient",
        "glob",
        "throttle",
        "net",
        "limits",
        "redis_link",
        "aws",
    ],
    &["filter", "delta", "app", "ratelimit", "metrics", "socket"],
    &["config"],
    &["channels", "webhooks", "tls", "accept", "cleanup"],
    &["lifecycle"],
    &["adapter"],
    &["publish"],
    &["state"],
    &["connection", "http", "console"],
    &["server"],
];

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|layer| layer.contains(&module))
        .unwrap_or_else(|| panic!("module `{module}` is in no layer of tests/layers.rs"))
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The module path of a file: `src/http/events.rs` -> `[http, events]`, `src/http/mod.rs` ->
/// `[http]`, `src/lib.rs` -> `[]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).expect("under src/");
    let mut parts: Vec<String> = relative
        .with_extension("")
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// `use` statements with their braces expanded: `use crate::{a::B, c};` -> `crate::a::B`,
/// `crate::c`.
fn expand(prefix: &str, tree: &str, paths: &mut Vec<String>) {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or(tree).trim();
        paths.push(format!("{prefix}{path}"));
        return;
    };
    let head = &tree[..open];
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut depth = 0;
    let mut start = 0;
    for (index, character) in inner.char_indices() {
        match character {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand(&format!("{prefix}{head}"), &inner[start..index], paths);
                start = index + 1;
            }
            _ => {}
        }
    }
    if !inner[start..].trim().is_empty() {
        expand(&format!("{prefix}{head}"), &inner[start..], paths);
    }
}

/// The paths a file names: its `use` items and its inline `crate::` / `super::` paths.
fn paths_in(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut paths = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        rest = &rest[at + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let end = rest.find(';').unwrap_or(rest.len());
        let tree: String = rest[..end].split_whitespace().collect::<Vec<_>>().join(" ");
        if tree.starts_with("crate::") || tree.starts_with("super::") || tree.starts_with('{') {
            expand("", &tree, &mut paths);
        }
    }
    for root in ["crate::", "super::"] {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(root) {
            let before = rest[..at].chars().last();
            let path: String = rest[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            rest = &rest[at + root.len()..];
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                paths.push(path);
            }
        }
    }
    paths
}

/// The file a path names, seen from the file of module `from`: the longest prefix of it that
/// is a module with a file.
fn resolve(
    path: &str,
    from: &[String],
    files: &BTreeMap<Vec<String>, PathBuf>,
) -> Option<Vec<String>> {
    let mut parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
    let mut module: Vec<String> = Vec::new();
    match parts.first() {
        Some(&"crate") => {
            parts.remove(0);
        }
        Some(&"super") => {
            // Of `a/b.rs` (module a::b) and of `a/mod.rs` (module a) alike: the parent module.
            module = from.to_vec();
            while parts.first() == Some(&"super") {
                parts.remove(0);
                module.pop()?;
            }
        }
        _ => return None,
    }
    let mut best = files.contains_key(&module).then(|| module.clone());
    for part in parts {
        module.push(part.to_owned());
        if !files.contains_key(&module) {
            break;
        }
        best = Some(module.clone());
    }
    best
}

struct Graph {
    /// File -> files it imports, by module path.
    edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    sources(&src, &mut found);
    let files: BTreeMap<Vec<String>, PathBuf> = found
        .into_iter()
        .map(|file| (module_of(&src, &file), file))
        .collect();
    let mut edges = BTreeMap::new();
    for (module, file) in &files {
        let text = std::fs::read_to_string(file).expect("a readable source file");
        // Unit tests (at the end of a file, after `#[cfg(test)]`) are not part of the layers,
        // and their `use super::*` means the file itself.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let targets: BTreeSet<Vec<String>> = paths_in(code)
            .iter()
            .filter_map(|path| resolve(path, module, &files))
            // A module's own children and the file itself are not imports across files.
            .filter(|target| target != module && !target.starts_with(module))
            .collect();
        edges.insert(module.clone(), targets);
    }
    Graph { edges }
}

/// Strongly connected components of more than one file (Tarjan).
fn circles(graph: &Graph) -> Vec<Vec<Vec<String>>> {
    struct Walk<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a Vec<String>, usize>,
        low: BTreeMap<&'a Vec<String>, usize>,
        stack: Vec<&'a Vec<String>>,
        on_stack: BTreeSet<&'a Vec<String>>,
        found: Vec<Vec<Vec<String>>>,
    }
    fn visit<'a>(walk: &mut Walk<'a>, node: &'a Vec<String>) {
        let next = walk.index.len();
        walk.index.insert(node, next);
        walk.low.insert(node, next);
        walk.stack.push(node);
        walk.on_stack.insert(node);
        let graph = walk.graph;
        for target in graph.edges.get(node).into_iter().flatten() {
            let Some((target, _)) = graph.edges.get_key_value(target) else {
                continue;
            };
            if !walk.index.contains_key(target) {
                visit(walk, target);
                let low = walk.low[node].min(walk.low[target]);
                walk.low.insert(node, low);
            } else if walk.on_stack.contains(target) {
                let low = walk.low[node].min(walk.index[target]);
                walk.low.insert(node, low);
            }
        }
        if walk.low[node] == walk.index[node] {
            let mut component = Vec::new();
            while let Some(member) = walk.stack.pop() {
                walk.on_stack.remove(member);
                component.push(member.clone());
                if member == node {
                    break;
                }
            }
            if component.len() > 1 {
                walk.found.push(component);
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in graph.edges.keys() {
        if !walk.index.contains_key(node) {
            visit(&mut walk, node);
        }
    }
    walk.found
}

fn shown(module: &[String]) -> String {
    if module.is_empty() {
        "lib".to_owned()
    } else {
        module.join("::")
    }
}

#[test]
fn no_file_imports_one_that_imports_it_back() {
    let graph = graph();
    let circles: Vec<String> = circles(&graph)
        .iter()
        .map(|circle| {
            circle
                .iter()
                .map(|m| shown(m))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn every_import_goes_down_the_layers() {
    let graph = graph();
    let mut upward = Vec::new();
    for (from, targets) in &graph.edges {
        let Some(from_top) = from.first() else {
            continue; // lib.rs declares the modules
        };
        for target in targets {
            let Some(target_top) = target.first() else {
                continue;
            };
            if from_top != target_top && layer_of(from_top) < layer_of(target_top) {
                upward.push(format!("{} -> {}", shown(from), shown(target)));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports up a layer:\n{}",
        upward.join("\n")
    );
}

#[test]
fn the_check_sees_imports_and_circles() {
    // The resolver itself: a grouped `use`, an inline path and `super` all land on files.
    let mut paths = Vec::new();
    expand("", "crate::{a::B, c::{D, e::F as G}}", &mut paths);
    assert_eq!(paths, ["crate::a::B", "crate::c::D", "crate::c::e::F"]);
    let inline = paths_in("fn f() { crate::x::y(); let s = super::z::W; } // crate::gone");
    assert_eq!(inline, ["crate::x::y", "super::z::W"]);
    let files: BTreeMap<Vec<String>, PathBuf> = [
        (vec!["a".to_owned()], PathBuf::new()),
        (vec!["a".to_owned(), "b".to_owned()], PathBuf::new()),
    ]
    .into();
    let b = vec!["a".to_owned(), "b".to_owned()];
    assert_eq!(resolve("super::b::X", &b, &files), Some(b.clone()));
    assert_eq!(resolve("super::X", &b, &files), Some(vec!["a".to_owned()]));
    assert_eq!(
        resolve("crate::a::Y", &b, &files),
        Some(vec!["a".to_owned()])
    );
    // Two files that import each other are a circle; the real tree is checked above.
    let edges = [
        (vec!["a".to_owned()], [b.clone()].into()),
        (b.clone(), [vec!["a".to_owned()]].into()),
    ]
    .into();
    assert_eq!(circles(&Graph { edges }).len(), 1);
}
