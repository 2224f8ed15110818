//! The review crate's layout holds: no import circle, between files or
//! between areas, and no file so long that it holds several concepts.
//!
//! Every `crate::…`, `super::…` and `self::…` path in `src/` (use lists and
//! paths in code alike; comments and `#[cfg(test)]` modules left out) is an
//! arrow from its file to the file of the module it names. The arrows must
//! form no circle, and neither may the arrows between areas (the folders and
//! files right under `src/`: `rules`, `calls`, `jobs`, …), so that `rules/`
//! stays the leaf layer and areas lean on each other one way only. `lib.rs`
//! only declares and re-exports, and code names a module, never the crate
//! root's re-export of it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, missing_docs)]

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

/// A module's path from the crate root (`["calls", "lifecycle"]`).
type ModulePath = Vec<String>;

/// Every module file under `src`, by module path.
fn modules(src: &Path) -> BTreeMap<ModulePath, PathBuf> {
    fn walk(dir: &Path, prefix: &ModulePath, out: &mut BTreeMap<ModulePath, PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            if path.is_dir() {
                let mut inner = prefix.clone();
                inner.push(name);
                walk(&path, &inner, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let mut module = prefix.clone();
                if name != "mod" && name != "lib" {
                    module.push(name);
                }
                out.insert(module, path);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(src, &Vec::new(), &mut out);
    out
}

/// The code of a file without comments and without its test module.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or_default();
    text.lines()
        .map(|line| match line.find("//") {
            // A `//` inside a string (a URL) ends nothing.
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Splits `a, b::{c, d}` at the commas outside braces.
fn split_top(list: &str) -> Vec<&str> {
    let (mut depth, mut start, mut items) = (0i32, 0, Vec::new());
    for (i, ch) in list.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&list[start..]);
    items.into_iter().map(str::trim).filter(|i| !i.is_empty()).collect()
}

/// The paths a use tree (`a::b::{c, d::e}`) names, whole.
fn expand(tree: &str) -> Vec<Vec<String>> {
    let tree = tree.split(" as ").next().unwrap_or_default().trim();
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = tree[..open]
            .split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Into::into)
            .collect();
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        return split_top(inner)
            .into_iter()
            .flat_map(expand)
            .map(|tail| {
                let mut path = head.clone();
                path.extend(tail.into_iter().filter(|s| s != "self"));
                path
            })
            .collect();
    }
    vec![
        tree.split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "*")
            .map(Into::into)
            .collect(),
    ]
}

/// Where each path a file names starts from: the crate root, or its module.
fn named_paths(code: &str, here: &ModulePath) -> Vec<ModulePath> {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut paths = Vec::new();
    for start in ["crate::", "super::", "self::"] {
        let mut from = 0;
        while let Some(found) = code[from..].find(start) {
            let at = from + found;
            from = at + start.len();
            if code[..at].chars().next_back().is_some_and(|c| ident(c) || c == ':') {
                continue;
            }
            // The rest of the path: identifiers, `::` and one brace group.
            let rest = &code[at..];
            let mut end = rest.len();
            let mut depth = 0i32;
            for (i, ch) in rest.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        end = if depth < 0 { i } else { i + 1 };
                        if depth <= 0 {
                            break;
                        }
                    }
                    _ if depth > 0 => {}
                    c if ident(c) || c == ':' || c == '*' => {}
                    _ => {
                        end = i;
                        break;
                    }
                }
            }
            for path in expand(&rest[..end]) {
                let mut absolute: ModulePath = match path.first().map(String::as_str) {
                    Some("crate") => Vec::new(),
                    Some("self") => here.clone(),
                    // `mod.rs` is its folder's module, `foo.rs` is `…::foo`:
                    // either way `super` is the module above.
                    Some("super") => here[..here.len().saturating_sub(1)].to_vec(),
                    _ => continue,
                };
                let mut segments = path.into_iter().skip(1).peekable();
                while segments.peek().is_some_and(|s| s == "super") {
                    segments.next();
                    absolute.pop();
                }
                absolute.extend(segments);
                paths.push(absolute);
            }
        }
    }
    // `use child::…` names a child module relative to this one.
    let mut from = 0;
    while let Some(found) = code[from..].find("use ") {
        let at = from + found;
        from = at + 4;
        if code[..at].chars().next_back().is_some_and(ident) {
            continue;
        }
        let Some(end) = code[at..].find(';') else { break };
        for path in expand(&code[at + 4..at + end]) {
            if path.first().is_some_and(|s| !matches!(s.as_str(), "crate" | "super" | "self")) {
                let mut absolute = here.clone();
                absolute.extend(path);
                paths.push(absolute);
            }
        }
    }
    paths
}

/// Arrows between the modules of `src`: module → modules it names.
fn read_arrows(src: &Path) -> (BTreeMap<ModulePath, BTreeSet<ModulePath>>, Vec<String>) {
    let modules = modules(src);
    let mut arrows = BTreeMap::new();
    let mut root_paths = Vec::new();
    for (module, file) in &modules {
        if module.is_empty() {
            continue; // lib.rs: declarations and re-exports
        }
        let text = code(&std::fs::read_to_string(file).unwrap());
        let targets: &mut BTreeSet<ModulePath> = arrows.entry(module.clone()).or_default();
        for path in named_paths(&text, module) {
            let target = (0..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|prefix| modules.contains_key(prefix))
                .unwrap_or_default();
            // A relative `use` of another crate (`use std::…`) finds only
            // this module or its ancestors: no arrow.
            if path.len() > module.len() && path.starts_with(module) && target.len() <= module.len()
            {
                continue;
            }
            if target.is_empty() {
                root_paths.push(format!("{}: crate::{}", file.display(), path.join("::")));
            } else if target != *module {
                targets.insert(target);
            }
        }
    }
    (arrows, root_paths)
}

/// A circle among `arrows`, if there is one, as the nodes around it.
fn circle<N: Ord + Clone>(arrows: &BTreeMap<N, BTreeSet<N>>) -> Option<Vec<N>> {
    fn visit<N: Ord + Clone>(
        node: &N,
        arrows: &BTreeMap<N, BTreeSet<N>>,
        done: &mut BTreeSet<N>,
        path: &mut Vec<N>,
    ) -> Option<Vec<N>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.clone());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.clone());
        for next in arrows.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, arrows, done, path) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.clone());
        None
    }
    let mut done = BTreeSet::new();
    arrows.keys().find_map(|node| visit(node, arrows, &mut done, &mut Vec::new()))
}

/// The arrows between areas: each module counted as its first segment.
fn area_arrows(
    arrows: &BTreeMap<ModulePath, BTreeSet<ModulePath>>,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut areas: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, targets) in arrows {
        let entry = areas.entry(from[0].clone()).or_default();
        entry.extend(targets.iter().map(|t| t[0].clone()).filter(|t| *t != from[0]));
    }
    areas
}

fn shown(circle: &[ModulePath]) -> String {
    circle.iter().map(|m| m.join("::")).collect::<Vec<_>>().join(" -> ")
}

#[test]
fn review_has_no_import_circle_between_files_or_areas() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (arrows, root_paths) = read_arrows(&src);
    assert!(arrows.len() > 20, "read only {} modules", arrows.len());
    assert!(
        root_paths.is_empty(),
        "name the module, not the crate root's re-export:\n{}",
        root_paths.join("\n")
    );
    if let Some(found) = circle(&arrows) {
        panic!("an import circle between files: {}", shown(&found));
    }
    let areas = area_arrows(&arrows);
    if let Some(found) = circle(&areas) {
        panic!("an import circle between areas: {}", found.join(" -> "));
    }
    // The leaf layer imports no area.
    if let Some(target) = areas.get("rules").and_then(|targets| targets.iter().next()) {
        panic!("rules/ imports the area `{target}`; move what it needs down into rules/");
    }
}

/// Lines a file of `src/` may have; past that it is several files' work.
const MAX_LINES: usize = 700;

#[test]
fn no_file_in_review_is_over_700_lines() {
    let long: Vec<String> = modules(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
        .into_values()
        .filter_map(|file| {
            let lines = std::fs::read_to_string(&file).unwrap().lines().count();
            (lines > MAX_LINES).then(|| format!("{} ({lines} lines)", file.display()))
        })
        .collect();
    assert!(long.is_empty(), "split by what they hold: {}", long.join(", "));
}

#[test]
fn a_planted_circle_is_found_and_named() {
    let dir = tempfile_dir();
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "mod calls;\nmod rules;\npub use calls::Call;\n");
    write("rules/mod.rs", "pub mod week;\n");
    write("rules/week.rs", "pub struct Week;\n// crate::calls::Call in a comment is no arrow\n");
    write("calls/mod.rs", "mod lifecycle;\npub use lifecycle::Call;\n");
    write(
        "calls/lifecycle.rs",
        "use crate::{rules::week::Week, calls::{self}};\npub struct Call(Week);\n#[cfg(test)]\nmod tests { use crate::calls::Call; }\n",
    );
    let (arrows, _) = read_arrows(&dir);
    // calls/mod.rs re-exports from lifecycle, which names calls: a circle.
    let found = circle(&arrows).expect("the planted circle");
    assert_eq!(shown(&found), "calls -> calls::lifecycle -> calls");
    // Without the `self` import, the files form no circle, and rules/ is a leaf.
    write("calls/lifecycle.rs", "use crate::rules::week::Week;\npub struct Call(Week);\n");
    let (arrows, roots) = read_arrows(&dir);
    assert_eq!(circle(&arrows), None);
    assert!(roots.is_empty(), "{roots:?}");
    assert_eq!(
        area_arrows(&arrows).get("calls").cloned().unwrap_or_default(),
        BTreeSet::from(["rules".to_owned()])
    );
    // An area that leans back on another makes an area circle.
    write("rules/week.rs", "pub struct Week(crate::calls::Call);\n");
    let (arrows, _) = read_arrows(&dir);
    assert_eq!(
        circle(&area_arrows(&arrows)),
        Some(vec!["calls".into(), "rules".into(), "calls".into()])
    );
    std::fs::remove_dir_all(dir).unwrap();
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("review-circles-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
