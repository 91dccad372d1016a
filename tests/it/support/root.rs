//! Tests that need root (mounting a tmpfs): skipped loudly when not root,
//! except under `CI=true`, where the skip would hide a regression.

use std::{path::Path, process::Command};

/// Whether root-only tests can run here; panics when they must (CI) but cannot.
pub fn root_or_skip(test: &str) -> bool {
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{test} needs root (it mounts a tmpfs) and CI=true: run CI as root");
    }
    eprintln!(
        "SKIPPED {test}: needs root to mount a tmpfs; run as root (CI=true makes this a failure)"
    );
    false
}

/// A small tmpfs mounted for the life of the value.
pub struct Tmpfs {
    pub dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (e.g. `"2m"`) on a fresh temporary folder.
    pub fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        run(
            "mount",
            &["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"],
            dir.path(),
        );
        Tmpfs { dir }
    }

    /// The mount point.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy: a hub still closing its files must not leave the mount behind.
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// A read-only bind mount of `source`, unmounted on drop.
pub struct ReadOnlyView {
    pub dir: tempfile::TempDir,
}

impl ReadOnlyView {
    /// Makes `source`'s content visible read-only.
    pub fn of(source: &Path) -> ReadOnlyView {
        let dir = tempfile::tempdir().unwrap();
        let src = source.to_str().unwrap();
        run("mount", &["--bind", src], dir.path());
        run("mount", &["-o", "remount,bind,ro"], dir.path());
        ReadOnlyView { dir }
    }

    /// The read-only folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for ReadOnlyView {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

fn run(cmd: &str, args: &[&str], target: &Path) {
    let status = Command::new(cmd).args(args).arg(target).status().unwrap();
    assert!(
        status.success(),
        "{cmd} {args:?} {} failed",
        target.display()
    );
}
