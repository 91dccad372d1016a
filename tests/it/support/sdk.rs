//! The receiver SDKs as a user gets them: `npm pack` and `python -m build`
//! artifacts installed into temporary directories, and receivers built on
//! them running as child processes (killed on drop).

use std::{
    fs::File,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where downloads are cached between runs (npm cache, the build venv).
fn cache() -> PathBuf {
    root().join("target")
}

/// Whether `program args...` runs and succeeds.
fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Node 18+, npm and Python 3.9+ are installed; otherwise panics under
/// `CI=true` and returns false (after a loud message) elsewhere.
pub fn tools_present() -> bool {
    let checks: [(&str, &str, &[&str]); 3] = [
        (
            "node 18+",
            "node",
            &[
                "-e",
                "process.exit(Number(process.versions.node.split('.')[0]) < 18 ? 1 : 0)",
            ],
        ),
        ("npm", "npm", &["--version"]),
        (
            "python3 3.9+",
            "python3",
            &["-c", "import sys; sys.exit(sys.version_info < (3, 9))"],
        ),
    ];
    let missing: Vec<_> = checks
        .into_iter()
        .filter(|(_, program, args)| !runs(program, args))
        .map(|(what, _, _)| what)
        .collect();
    if missing.is_empty() {
        return true;
    }
    let why = format!("the SDK end-to-end test needs {}", missing.join(", "));
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why}; CI=true requires them");
    }
    eprintln!("\n*** SKIPPED: {why} ***\n");
    false
}

/// Runs a command to completion within `limit`, its output in `log`;
/// panics with that output when it fails or overruns.
pub fn run(cmd: &mut Command, log: &Path, limit: Duration) {
    let out = File::create(log).unwrap();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{cmd:?} took over {limit:?}:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        status.success(),
        "{cmd:?} failed ({status}):\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// `npm pack`s sdk/typescript (its `prepack` builds it) into `dir` and
/// installs the tarball into `dir/node`; returns that directory.
pub fn install_typescript(dir: &Path) -> PathBuf {
    let sdk = root().join("sdk/typescript");
    let npm_cache = cache().join("sdk-cache/npm");
    let npm = |args: &[&str], cwd: &Path| {
        let mut c = Command::new("npm");
        c.args(["--no-audit", "--no-fund", "--loglevel=error"])
            .args(args)
            .current_dir(cwd)
            .env("npm_config_cache", &npm_cache)
            .env("npm_config_update_notifier", "false");
        c
    };
    if !sdk.join("node_modules/typescript").is_dir() {
        run(
            &mut npm(&["ci", "--prefer-offline"], &sdk),
            &dir.join("npm-ci.log"),
            Duration::from_secs(300),
        );
    }
    let packed = dir.join("packed");
    std::fs::create_dir_all(&packed).unwrap();
    run(
        npm(&["pack", "--pack-destination"], &sdk).arg(&packed),
        &dir.join("npm-pack.log"),
        Duration::from_secs(120),
    );
    let tgz = std::fs::read_dir(&packed)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "tgz"))
        .expect("npm pack made a .tgz");
    let app = dir.join("node");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("package.json"),
        r#"{"name": "receiver", "private": true, "type": "module"}"#,
    )
    .unwrap();
    run(
        npm(&["install", "--offline"], &app).arg(&tgz),
        &dir.join("npm-install.log"),
        Duration::from_secs(120),
    );
    app
}

/// The virtual environment with `build` and `hatchling` (made once, under
/// target/; .ci/run adds the test tools to the same one).
fn build_venv(dir: &Path) -> PathBuf {
    let venv = cache().join("sdk-venv");
    let python = venv.join("bin/python");
    let ready = || {
        Command::new(&python)
            .args(["-c", "import build, hatchling"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !ready() {
        if !python.exists() {
            run(
                Command::new("python3").args(["-m", "venv"]).arg(&venv),
                &dir.join("venv.log"),
                Duration::from_secs(120),
            );
        }
        run(
            Command::new(&python)
                .args(["-m", "pip", "install", "-q", "build", "hatchling"])
                .env("PIP_CACHE_DIR", cache().join("sdk-cache/pip")),
            &dir.join("pip-build.log"),
            Duration::from_secs(300),
        );
    }
    venv
}

/// Builds the wheel of sdk/python into `dir` and installs it (only it, from
/// the file) into a fresh virtual environment; returns its `python`.
pub fn install_python(dir: &Path) -> PathBuf {
    let build = build_venv(dir);
    let dist = dir.join("dist");
    run(
        Command::new(build.join("bin/python"))
            .args(["-m", "build", "--wheel", "--no-isolation", "--outdir"])
            .arg(&dist)
            .arg(root().join("sdk/python")),
        &dir.join("build.log"),
        Duration::from_secs(120),
    );
    let wheel = std::fs::read_dir(&dist)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .expect("python -m build made a wheel");
    let env = dir.join("venv");
    run(
        Command::new("python3")
            .args(["-m", "venv", "--without-pip"])
            .arg(&env),
        &dir.join("venv.log"),
        Duration::from_secs(60),
    );
    let python = env.join("bin/python");
    run(
        Command::new(build.join("bin/python"))
            .args(["-m", "pip", "--python"])
            .arg(&python)
            .args(["install", "-q", "--no-index", "--no-deps"])
            .arg(&wheel),
        &dir.join("pip-install.log"),
        Duration::from_secs(120),
    );
    python
}

/// A receiver process; killed on drop.
pub struct Receiver {
    child: Child,
    /// `http://127.0.0.1:<port>/hook`.
    pub url: String,
    /// Where the receiver loaded the SDK from.
    pub sdk_path: String,
    /// One line per verified event.
    pub log: PathBuf,
}

impl Receiver {
    /// Starts `program script secret log` and waits (up to 30 s) for its
    /// `listening <port> <sdk path>` line.
    pub fn start(program: &Path, script: &Path, secret: &str, log: PathBuf, cwd: &Path) -> Self {
        std::fs::write(&log, "").unwrap();
        let mut child = Command::new(program)
            .arg(script)
            .arg(secret)
            .arg(&log)
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let mut receiver = Receiver {
            child,
            url: String::new(),
            sdk_path: String::new(),
            log,
        };
        let line = rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("{} did not start", script.display()));
        let mut parts = line.split(' ');
        assert_eq!(parts.next(), Some("listening"), "{line}");
        receiver.url = format!("http://127.0.0.1:{}/hook", parts.next().unwrap());
        receiver.sdk_path = parts.collect::<Vec<_>>().join(" ");
        receiver
    }

    /// The log's lines, split on spaces.
    pub fn lines(&self) -> Vec<Vec<String>> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| l.split(' ').map(str::to_owned).collect())
            .collect()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
