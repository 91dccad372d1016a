//! The build keeps out dependencies with open advisories that the hub does
//! not need. An advisory database cannot be fetched in CI, so the check asks
//! cargo directly.

use std::process::Command;

/// `cargo tree --workspace -i SPEC`: `Some(tree)` when SPEC is in the build
/// (normal, build and dev dependencies of every workspace member).
fn dependents(spec: &str) -> Option<String> {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--workspace", "--offline", "-i", spec])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        return Some(String::from_utf8_lossy(&out.stdout).into_owned());
    }
    assert!(
        stderr.contains("did not match any packages"),
        "cargo tree -i {spec} failed for another reason: {stderr}"
    );
    None
}

/// RUSTSEC-2026-0258: h2 0.3 (no patched release) accepts unbounded empty
/// DATA frames. The hub serves HTTP/1.1 only, so actix-web is built without
/// its `http2` feature, which is what pulled h2 0.3 in.
#[test]
fn h2_0_3_is_not_in_the_build() {
    // The probe can see a package: h2 0.4 is there (reqwest's HTTP/2 client).
    assert!(
        dependents("h2@0.4").is_some(),
        "cargo tree cannot see h2 0.4"
    );
    if let Some(tree) = dependents("h2@0.3") {
        panic!(
            "h2 0.3 is back in the build; drop the `http2` feature of what pulls it in:\n{tree}"
        );
    }
}
