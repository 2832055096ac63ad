//! Records the git commit the binary is built from, for `webex-onboard --version`.

use std::process::Command;

fn main() {
    // A build without the repository (a container's) can be told the commit instead.
    if let Ok(commit) = std::env::var("WEBEX_ONBOARD_COMMIT")
        && !commit.trim().is_empty()
    {
        println!("cargo:rustc-env=WEBEX_ONBOARD_COMMIT={}", commit.trim());
        println!("cargo:rerun-if-env-changed=WEBEX_ONBOARD_COMMIT");
        return;
    }
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown commit".to_owned());
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .is_some_and(|out| !out.stdout.is_empty());
    let suffix = if dirty { ", modified" } else { "" };
    println!("cargo:rustc-env=WEBEX_ONBOARD_COMMIT={commit}{suffix}");
    // Built again when the commit moves (a container build without .git says so above).
    for path in [".git/HEAD", ".git/index"] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
    println!("cargo:rerun-if-env-changed=WEBEX_ONBOARD_COMMIT");
}
