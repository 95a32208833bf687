//! Arrows point only downward: rest (with the HTTP state) → graphql → auth → domain (with the
//! settings it reads) → outbound (the one HTTP client) → base (error, db, ids), with the
//! application (app, main) on top. The seeder is a crate of its own (`seed/`): only the
//! command line (`main.rs`) names it, no module of the server's library does. A module that imports one above its own layer fails
//! this test, and so does a framework type (axum, http, async-graphql, reqwest, tower, hyper)
//! named in the domain, its settings or the entities.
use std::{collections::BTreeSet, path::Path};

/// Layers from the bottom; a module may import its own layer and any below it.
const LAYERS: &[&[&str]] = &[
    &["error", "db", "ids", "jobs"],
    &["outbound"],
    &["domain", "config"],
    &["auth"],
    &["graphql"],
    &["rest", "state"],
    &["app", "main", "cli", "lib"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// The top-level modules a source file names through `crate::` (also inside `use crate::{…}`
/// groups), and through `super::` where `super` is the crate root.
fn imported_modules(text: &str, super_is_root: bool) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let prefixes: &[&str] = if super_is_root { &["crate::", "super::"] } else { &["crate::"] };
    for prefix in prefixes {
        for (at, _) in text.match_indices(prefix) {
            let rest = &text[at + prefix.len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // Top-level names of the group: those at brace depth 0 after the opening brace.
                let (mut depth, mut name, mut at_start) = (0, String::new(), true);
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => at_start = true,
                        c if depth == 0 && at_start && (c.is_alphanumeric() || c == '_') => name.push(c),
                        _ if depth == 0 && !name.is_empty() => {
                            out.insert(std::mem::take(&mut name));
                            at_start = false;
                        }
                        _ => {}
                    }
                }
                if !name.is_empty() {
                    out.insert(name);
                }
            } else {
                let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                out.insert(name);
            }
        }
    }
    out
}

/// Source files under `dir`, recursively.
pub fn rust_files(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn no_layer_imports_a_higher_one() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut violations = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let module =
            relative.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        let own = layer_of(&module).unwrap_or_else(|| panic!("{module} is in no layer: add it to LAYERS"));
        // `super::` names the crate root in `src/<module>/mod.rs`.
        let super_is_root = relative.components().count() == 2 && relative.ends_with("mod.rs");
        let text = std::fs::read_to_string(file).unwrap();
        for imported in imported_modules(&text, super_is_root) {
            if let Some(theirs) = layer_of(&imported) {
                if theirs > own {
                    violations.push(format!("{} imports {imported}", relative.display()));
                }
            }
        }
    }
    assert!(violations.is_empty(), "upward imports:\n{}", violations.join("\n"));
}

#[test]
fn the_scanner_reads_grouped_imports() {
    let names = imported_modules("use crate::{auth::{A, B}, rest::X,\n    state::AppState};", false);
    assert_eq!(names.into_iter().collect::<Vec<_>>(), ["auth", "rest", "state"]);
    let names = imported_modules("let x = crate::graphql::sdl(); use super::error;", true);
    assert_eq!(names.into_iter().collect::<Vec<_>>(), ["error", "graphql"]);
}

/// Crates of the HTTP and GraphQL frameworks: the domain (with its settings) and the entities
/// take plain values, and the layers above convert (`crate::outbound` wraps the HTTP client the
/// domain calls).
const FRAMEWORKS: &[&str] = &["axum", "http", "async_graphql", "reqwest", "tower", "tower_http", "hyper", "headers"];

/// Framework paths (`axum::…`, `http::…`) named in `text`, with their line numbers.
fn framework_paths(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (number, line) in text.lines().enumerate() {
        for framework in FRAMEWORKS {
            let needle = format!("{framework}::");
            for (at, _) in line.match_indices(&needle) {
                let before = line[..at].chars().next_back();
                // `crate::x::http::` or `my_http::` is a path of ours, not the crate's.
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                out.push((number + 1, needle.clone()));
            }
        }
    }
    out
}

#[test]
fn the_domain_and_entities_name_no_framework_type() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src/domain", "src/config", "entity/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut violations = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (line, path) in framework_paths(&text) {
            violations.push(format!("{}:{line} names {path}", file.strip_prefix(root).unwrap().display()));
        }
    }
    assert!(violations.is_empty(), "framework types below the HTTP layers:\n{}", violations.join("\n"));
}

#[test]
fn the_framework_scanner_reads_paths() {
    let found =
        framework_paths("use axum::http::HeaderMap;\nfn f(h: &http::HeaderMap) {}\nuse crate::outbound::http::X;");
    assert_eq!(found, [(1, "axum::".to_string()), (2, "http::".to_string())]);
}

/// Whether `text` names the `seed` crate in a path (`seed::…`, `::seed`), comments aside.
fn names_the_seeder(text: &str) -> bool {
    text.lines().map(|line| line.split("//").next().unwrap_or("")).any(|code| {
        code.match_indices("seed::").any(|(at, _)| {
            !code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') || code[..at].ends_with("::")
        }) || code.contains("use seed")
            || code.contains("::seed;")
            || code.contains("extern crate seed")
    })
}

#[test]
fn only_the_command_line_names_the_seeder() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    assert!(!src.join("seed").exists(), "the seeder is the `seed` crate, not a module of the server");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let naming: Vec<String> = files
        .iter()
        .filter(|file| !file.ends_with("main.rs"))
        .filter(|file| names_the_seeder(&std::fs::read_to_string(file).unwrap()))
        .map(|file| file.strip_prefix(&src).unwrap().display().to_string())
        .collect();
    assert!(naming.is_empty(), "request-path modules naming the seeder: {naming:?}");
}

#[test]
fn the_seeder_scanner_reads_paths() {
    assert!(names_the_seeder("let r = seed::seed_users(&db).await;"));
    assert!(names_the_seeder("use ::seed;"));
    assert!(names_the_seeder("    x(crate::seed::PROGRESS)"));
    assert!(!names_the_seeder("let rng = StdRng::seed_from_u64(7); // seed::x in a comment"));
    assert!(!names_the_seeder("opts.seed, reseed::x"));
}

/// Issue 29: no source file over 600 lines before its tests, so each stays one responsibility a
/// reader can hold (the seeder's and the migrations' crates too).
#[test]
fn no_source_file_is_over_600_lines_before_its_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "seed/src", "entity/src", "migration/src"] {
        rust_files(&root.join(dir), &mut files);
    }
    let long: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            let lines = text.lines().take_while(|line| !line.starts_with("#[cfg(test)]")).count();
            (lines > 600).then(|| format!("{} ({lines} lines)", path.strip_prefix(root).unwrap().display()))
        })
        .collect();
    assert!(long.is_empty(), "split these by responsibility: {long:?}");
}
