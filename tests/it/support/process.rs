//! Real `switchboard serve` processes: configs on disk, spawn, signal, and
//! what their clients see. Used by the recovery and fault tests.

use std::{
    collections::HashSet,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use super::{wait_until, Receiver, ADMIN, INGEST};

/// The webhook secret of [`write_config`]'s connector.
pub const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Writes `switchboard.toml` in `dir`: the database at `db`, one webhook
/// connector `crm` to `{target}/hook`, fast retries, plus `extra` TOML
/// appended (more connectors, say).
pub fn write_config_at(dir: &Path, port: u16, db: &Path, target: &str, extra: &str) -> PathBuf {
    let path = dir.join("switchboard.toml");
    std::fs::write(
        &path,
        format!(
            r#"[server]
listen = "127.0.0.1:{port}"
ingest_token = "{INGEST}"
admin_token = "{ADMIN}"

[storage]
url = "sqlite://{}"

[delivery]
timeout = "2s"
first_retry = "100ms"
max_backoff = "500ms"
allow_private_targets = true

[[connectors]]
name = "crm"
kind = "webhook"
url = "{target}/hook"
secret = "{SECRET}"
{extra}
"#,
            db.display()
        ),
    )
    .unwrap();
    path
}

/// [`write_config_at`] with the database in `dir/hub.db`.
pub fn write_config(dir: &Path, port: u16, target: &str) -> PathBuf {
    write_config_at(dir, port, &dir.join("hub.db"), target, "")
}

/// A running hub process.
pub struct Proc {
    pub child: Child,
    pub url: String,
}

impl Proc {
    /// Starts `switchboard serve` and waits until `/healthz` answers.
    pub async fn spawn(config: &Path, port: u16) -> Proc {
        Self::spawn_with(config, port, "warn", &[], Stdio::inherit(), Stdio::null()).await
    }

    /// Starts with a log level, extra environment, and where stderr and stdout go.
    pub async fn spawn_with(
        config: &Path,
        port: u16,
        log: &str,
        env: &[(&str, &str)],
        stderr: Stdio,
        stdout: Stdio,
    ) -> Proc {
        let child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["serve", "--config"])
            .arg(config)
            .env("RUST_LOG", log)
            .envs(env.iter().copied())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let up = wait_until(Duration::from_secs(20), async || {
            client
                .get(format!("{url}/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        })
        .await;
        assert!(up, "hub did not start");
        Proc { child, url }
    }

    /// Sends a signal (SIGKILL, SIGTERM) to the process.
    pub fn signal(&mut self, sig: i32) {
        unsafe { libc::kill(self.child.id() as i32, sig) };
    }

    /// Waits for the process to exit.
    pub fn wait(&mut self) -> std::process::ExitStatus {
        self.child.wait().unwrap()
    }

    /// SIGKILL and reap.
    pub fn kill(&mut self) {
        self.signal(libc::SIGKILL);
        self.wait();
    }
}

/// Runs `switchboard serve` expecting it to fail at start-up; returns its
/// exit success and stderr.
pub fn serve_failing(config: &Path) -> (bool, String) {
    serve_failing_with(config, &[])
}

/// [`serve_failing`] with extra environment.
pub fn serve_failing_with(config: &Path, env: &[(&str, &str)]) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["serve", "--config"])
        .arg(config)
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A hub that unexpectedly starts would serve forever: bound the wait.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the hub started instead of refusing to");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Posts an event with the ingest token; `None` when the hub did not answer.
pub async fn post(client: &reqwest::Client, url: &str, ev: &serde_json::Value) -> Option<u16> {
    let resp = client
        .post(format!("{url}/v1/events"))
        .bearer_auth(INGEST)
        .json(ev)
        .send()
        .await
        .ok()?;
    Some(resp.status().as_u16())
}

/// Event ids the receiver got at least once.
pub fn delivered_ids(rx: &Receiver) -> HashSet<String> {
    rx.received()
        .iter()
        .filter_map(|r| r.header("webhook-id").map(str::to_owned))
        .collect()
}
