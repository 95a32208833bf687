//! `--version` names the commit it was built from (`git rev-parse --short HEAD`), or "unknown"
//! where there is no git (a source tarball).
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn main() {
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=GATEWAY_GIT_COMMIT={commit}");
    // Built again when HEAD moves: a checkout (HEAD) or a commit on the branch (its ref).
    // Only files that exist: cargo runs the script again on every build for a missing one.
    let watch = |path: String| {
        if std::path::Path::new(&path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    };
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        watch(format!("{dir}/HEAD"));
    }
    if let (Some(common), Some(reference)) =
        (git(&["rev-parse", "--git-common-dir"]), git(&["symbolic-ref", "-q", "HEAD"]))
    {
        watch(format!("{common}/{reference}"));
        watch(format!("{common}/packed-refs"));
    }
    println!("cargo:rerun-if-changed=build.rs");
}
