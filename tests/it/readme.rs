//! The README holds up from a fresh clone: it names only files the repository has, and the Rust
//! version it asks for is the one `Cargo.toml` requires. (The blocks of its First steps, CLI,
//! Backups and Upgrading sections are run by `.ci/walkthrough`.)
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn readme() -> String {
    std::fs::read_to_string(Path::new(ROOT).join("README.md")).unwrap()
}

#[test]
fn readme_names_only_files_in_the_repository() {
    let text = readme();
    assert!(!text.contains("../"), "the README points outside the repository");
    // Relative link targets, and paths in backticks under the repository's top-level folders.
    let links = regex::Regex::new(r"\]\(([^)#]+)\)").unwrap();
    let ticks = regex::Regex::new(r"`((?:src|tests|assets|entity|migration|benches|\.ci)/[^`\s]*)`").unwrap();
    let mut checked = 0;
    for path in links.captures_iter(&text).map(|c| c[1].to_string()).filter(|p| !p.contains("://")) {
        assert!(Path::new(ROOT).join(&path).exists(), "README links to missing {path}");
        checked += 1;
    }
    for path in ticks.captures_iter(&text).map(|c| c[1].to_string()) {
        // Patterns such as `src/domain/<area>.rs` describe families of files, not one file.
        if path.contains(['<', '{', '*']) {
            continue;
        }
        assert!(Path::new(ROOT).join(&path).exists(), "README names missing {path}");
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} paths checked");
}

#[test]
fn readme_asks_for_the_rust_version_cargo_requires() {
    let manifest = std::fs::read_to_string(Path::new(ROOT).join("Cargo.toml")).unwrap();
    let version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("rust-version in Cargo.toml");
    assert!(readme().contains(&format!("**Rust {version} or newer**")), "README does not ask for Rust {version}");
}
