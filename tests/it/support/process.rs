//! Real `switchboard serve` processes: configs on disk, spawn, signal, and
//! what their clients see. Used by the recovery and fault tests.

use std::{
    collections::HashSet,
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use switchboard_client::HubClient;

use super::{ms, wait_until, Receiver, TestConfig, TestConnector, ADMIN, INGEST};

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A process hub's configuration: listening on `port`, one webhook
/// connector `crm` to `{target}/hook`, fast retries, otherwise the hub's own
/// defaults (breaker on, 24 h of retries). Add a database (`in_dir`,
/// `database`) before writing it.
pub fn process_config(port: u16, target: &str) -> TestConfig {
    TestConfig::bare()
        .listen(port)
        .server("ingest_token", INGEST)
        .server("admin_token", ADMIN)
        .delivery("timeout", Duration::from_secs(2))
        .delivery("first_retry", ms(100))
        .delivery("max_backoff", ms(500))
        .delivery("allow_private_targets", true)
        .connector(TestConnector::webhook("crm", &format!("{target}/hook")))
}

/// Writes [`process_config`] with the database in `dir/hub.db` to
/// `dir/switchboard.toml`; the path.
pub fn write_config(dir: &Path, port: u16, target: &str) -> PathBuf {
    process_config(port, target).in_dir(dir).write(dir)
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

    /// A client of the process's APIs with the test tokens.
    pub fn api(&self) -> HubClient {
        HubClient::new(&self.url)
            .with_ingest_token(INGEST)
            .with_admin_token(ADMIN)
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

/// Posts an event; `None` when the hub did not answer.
pub async fn post(hub: &HubClient, ev: &serde_json::Value) -> Option<u16> {
    Some(hub.ingest_json(ev).await.ok()?.status)
}

/// Event ids the receiver got at least once.
pub fn delivered_ids(rx: &Receiver) -> HashSet<String> {
    rx.received()
        .iter()
        .filter_map(|r| r.header("webhook-id").map(str::to_owned))
        .collect()
}
