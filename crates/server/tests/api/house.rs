//! The house rules, checked on the source itself so they cannot quietly erode:
//! - only the store crate speaks SQL (no `sqlx` anywhere else, code or manifest);
//! - the server is a platform that knows no feature, plus one folder per feature whose
//!   pages and API never import another feature's pages or API;
//! - no module imports one that (directly or through others) imports it back;
//! - no source file is longer than 600 lines, except tests and data tables.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if p.is_dir() {
            if name != "target" && name != "node_modules" {
                rust_files(&p, out);
            }
        } else if name.ends_with(".rs") {
            out.push(p);
        }
    }
}

/// Every crate and benchmark folder of the workspace (each with a Cargo.toml).
fn packages() -> Vec<PathBuf> {
    let root = workspace();
    let mut out = Vec::new();
    for group in ["crates", "bench"] {
        for e in std::fs::read_dir(root.join(group)).unwrap().flatten() {
            if e.path().join("Cargo.toml").is_file() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// The code of a file without its comments (so a comment may mention anything).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn only_the_store_speaks_sql() {
    let mut offenders = Vec::new();
    for pkg in packages() {
        if pkg.ends_with("crates/store") {
            continue;
        }
        let manifest = std::fs::read_to_string(pkg.join("Cargo.toml")).unwrap();
        if manifest.lines().any(|l| l.trim_start().starts_with("sqlx")) {
            offenders.push(format!(
                "{} depends on sqlx",
                pkg.join("Cargo.toml").display()
            ));
        }
        let mut files = Vec::new();
        rust_files(&pkg, &mut files);
        for f in files {
            if f.ends_with("tests/api/house.rs") {
                continue; // this file names what it forbids
            }
            let text = code(&std::fs::read_to_string(&f).unwrap());
            if text.contains("sqlx::") || text.contains("use sqlx") {
                offenders.push(format!("{} uses sqlx", f.display()));
            }
            if text.contains(".pool()") {
                offenders.push(format!("{} reaches for the store's pool", f.display()));
            }
        }
    }
    let store = std::fs::read_to_string(workspace().join("crates/store/src/lib.rs")).unwrap();
    assert!(
        !store.contains("pub fn pool"),
        "Store::pool() must not be public"
    );
    assert!(
        offenders.is_empty(),
        "SQL outside the store:\n{}",
        offenders.join("\n")
    );
}

/// Data tables may be long; everything else is split by idea.
const DATA_TABLES: &[&str] = &["bench/directory/src/data.rs", "crates/cli/src/demo/data.rs"];

#[test]
fn no_source_file_is_over_600_lines() {
    let root = workspace();
    let mut long = Vec::new();
    for pkg in packages() {
        let mut files = Vec::new();
        rust_files(&pkg.join("src"), &mut files);
        for f in files {
            let rel = f.strip_prefix(&root).unwrap().to_string_lossy().to_string();
            let lines = std::fs::read_to_string(&f).unwrap().lines().count();
            if lines > 600 && !DATA_TABLES.contains(&rel.as_str()) {
                long.push(format!("{rel}: {lines} lines"));
            }
        }
    }
    assert!(
        long.is_empty(),
        "files over 600 lines:\n{}",
        long.join("\n")
    );
}

/// The server's modules, by path (`crate::care::web`), with the file each lives in.
fn server_modules() -> BTreeMap<String, PathBuf> {
    let src = workspace().join("crates/server/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .map(|f| {
            let rel = f.strip_prefix(&src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect();
            if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
                parts.pop();
            }
            let path = std::iter::once("crate".to_string())
                .chain(parts)
                .collect::<Vec<_>>()
                .join("::");
            (path, f)
        })
        .collect()
}

/// The first segment of each item a `{…}` group names, at the top level of the group.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let (mut depth, mut current) = (0, String::new());
    for ch in group.chars() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                heads.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            current.push(ch);
        }
    }
    heads.push(current);
    heads
        .into_iter()
        .map(|h| h.trim().split("::").next().unwrap_or("").trim().to_string())
        .filter(|h| !h.is_empty() && h != "self")
        .collect()
}

/// The module paths a file refers to (`crate::…` anywhere, `super::…` in any form).
fn references(module: &str, is_mod_file: bool, text: &str) -> Vec<String> {
    let text = code(text);
    let mut out = Vec::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect::<String>()
    };
    for (i, _) in text.match_indices("crate::") {
        if i > 0 && text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for h in group_heads(&group[..end]) {
                out.push(format!("crate::{h}"));
            }
        } else {
            out.push(format!("crate::{}", ident(rest).trim_end_matches(':')));
        }
    }
    // `super` of `a::b` (file a/b.rs) is `a`; of a `mod.rs` for `a::b` it is `a` too.
    let mut parts: Vec<&str> = module.split("::").collect();
    let _ = is_mod_file;
    parts.pop();
    let parent = parts.join("::");
    for (i, _) in text.match_indices("super::") {
        if i > 0 && text[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &text[i + "super::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for h in group_heads(&group[..end]) {
                out.push(format!("{parent}::{h}"));
            }
        } else if rest.starts_with('*') {
            out.push(parent.clone());
        } else {
            out.push(format!("{parent}::{}", ident(rest).trim_end_matches(':')));
        }
    }
    out
}

/// The longest known module that `path` starts with.
fn resolve<'a>(path: &str, modules: &'a BTreeMap<String, PathBuf>) -> Option<&'a String> {
    let mut p = path.to_string();
    loop {
        if let Some((k, _)) = modules.get_key_value(&p) {
            return Some(k);
        }
        match p.rfind("::") {
            Some(i) => p.truncate(i),
            None => return None,
        }
    }
}

fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let modules = server_modules();
    let mut graph = BTreeMap::new();
    for (module, file) in &modules {
        let text = std::fs::read_to_string(file).unwrap();
        let is_mod = file.ends_with("mod.rs") || file.ends_with("lib.rs");
        let mut edges = BTreeSet::new();
        for r in references(module, is_mod, &text) {
            if let Some(target) = resolve(&r, &modules) {
                // A module naming its own ancestors' items (`crate`, its feature root) is
                // how it reaches shared declarations, not an import of a sibling idea;
                // only edges to other modules count.
                if target != module && !module.starts_with(&format!("{target}::")) {
                    edges.insert(target.clone());
                }
            }
        }
        graph.insert(module.clone(), edges);
    }
    graph
}

/// The feature a module belongs to (`None` for the platform and `crate` itself).
fn feature(module: &str) -> Option<&str> {
    let mut parts = module.split("::").skip(1);
    match parts.next() {
        Some("platform") | None => None,
        Some(f) => Some(f),
    }
}

fn is_pages_or_api(module: &str) -> bool {
    module
        .split("::")
        .skip(2)
        .any(|p| p == "web" || p == "api" || p.ends_with("_api"))
}

#[test]
fn the_platform_knows_no_feature_and_features_share_services_only() {
    let graph = import_graph();
    let mut problems = Vec::new();
    for (from, tos) in &graph {
        for to in tos {
            if from.starts_with("crate::platform") && feature(to).is_some() {
                problems.push(format!("{from} (platform) imports the feature module {to}"));
            }
            if let (Some(a), Some(b)) = (feature(from), feature(to)) {
                if a != b && is_pages_or_api(to) {
                    problems.push(format!(
                        "{from} imports another feature's pages or API: {to}"
                    ));
                }
            }
        }
    }
    assert!(graph.len() > 40, "the walk must see the whole server");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let graph = import_graph();
    // Tarjan's strongly connected components: any component of two or more is a cycle.
    struct T<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        next: usize,
        cycles: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        t.index.insert(v, t.next);
        t.low.insert(v, t.next);
        t.next += 1;
        t.stack.push(v);
        t.on.insert(v);
        let g = t.g;
        for w in g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low[v];
                t.low.insert(v, lv.min(lw));
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low[v];
                t.low.insert(v, lv.min(iw));
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w);
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                t.cycles.push(comp);
            }
        }
    }
    let mut t = T {
        g: &graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        cycles: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    let cycles: Vec<String> = t.cycles.iter().map(|c| c.join(" <-> ")).collect();
    assert!(
        cycles.is_empty(),
        "modules that import each other:\n{}",
        cycles.join("\n")
    );
}
