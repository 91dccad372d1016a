//! A headless Debian chromium driven through chromedriver (WebDriver).
//!
//! Missing chromium/chromedriver fails the test under `CI=true` (.ci/run
//! installs them) and skips it loudly elsewhere.

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{elements::Element, Client, ClientBuilder, Locator};

/// A chromedriver process plus a WebDriver session; killed on drop.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _load: tokio::sync::RwLockReadGuard<'static, ()>,
}

fn which(names: &[&str]) -> Option<String> {
    let path = std::env::var("PATH").unwrap_or_default();
    names.iter().find_map(|n| {
        std::env::split_paths(&path)
            .map(|d| d.join(n))
            .find(|p| p.is_file())
            .map(|p| p.display().to_string())
    })
}

impl Browser {
    /// Starts chromedriver and a headless chromium session, or `None` (after
    /// a loud message) when they are not installed outside CI.
    pub async fn start() -> Option<Browser> {
        let load = super::heavy_load().await;
        let chromium = which(&["chromium", "chromium-browser", "google-chrome"]);
        let driver = which(&["chromedriver"]);
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            let why = "chromium and chromedriver are needed for the dashboard test \
                       (apt-get install chromium chromium-driver)";
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{why}; CI=true requires them");
            }
            eprintln!("\n*** SKIPPED: {why} ***\n");
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {driver}: {e}"));
        let mut browser_args = vec![
            "--headless=new",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--window-size=1280,900",
        ];
        // Chromium refuses to run as root without it (CI runs as root).
        if unsafe { libc::geteuid() } == 0 {
            browser_args.push("--no-sandbox");
        }
        let caps = serde_json::json!({
            "goog:chromeOptions": { "binary": chromium, "args": browser_args }
        });
        let caps = caps.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(15);
        let client = loop {
            match ClientBuilder::rustls()
                .expect("TLS roots")
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    actix_rt::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("no WebDriver session from {driver}: {e}"),
            }
        };
        Some(Browser {
            client,
            driver: child,
            _load: load,
        })
    }

    /// Waits (up to 10 s) for an element matching `css`.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element `{css}` appeared: {e}"))
    }

    /// Polls `check` (up to 10 s), running `between` after each miss.
    pub async fn until<F, G>(&self, what: &str, mut check: F, mut between: G)
    where
        F: AsyncFnMut(&Client) -> bool,
        G: AsyncFnMut(&Client),
    {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !check(&self.client).await {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            actix_rt::time::sleep(Duration::from_millis(200)).await;
            between(&self.client).await;
        }
    }

    /// Clicks the element matching `css` once it appears.
    pub async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.unwrap();
    }

    /// Types `token` into the login page's field and submits it.
    pub async fn submit_login(&self, token: &str) {
        let input = self.wait_for("#login-token").await;
        input.clear().await.unwrap();
        input.send_keys(token).await.unwrap();
        self.click("#login-submit").await;
    }

    /// Fires a sample event of `event_type` from a connector or endpoint
    /// row, then follows the toast's link to the delivery log.
    pub async fn test_fire(&self, row: &Element, event_type: &str) {
        row.find(Locator::Css("select.test-type"))
            .await
            .unwrap()
            .select_by_value(event_type)
            .await
            .unwrap();
        row.find(Locator::Css("button.test-fire"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        self.click("#toast a").await;
    }

    /// Refreshes the delivery log until a delivery shows `succeeded`.
    pub async fn wait_for_success(&self, what: &str) {
        self.until(
            what,
            async |c| {
                c.find(Locator::Css("tr.delivery-row[data-status=\"succeeded\"]"))
                    .await
                    .is_ok()
            },
            async |c| {
                if let Ok(b) = c.find(Locator::Css("#refresh")).await {
                    let _ = b.click().await;
                }
            },
        )
        .await;
    }

    /// From the delivery log: opens the delivery, waits for its first
    /// attempt, replays it and waits for the second to succeed.
    pub async fn replay_first_delivery(&self) {
        self.click("tr.delivery-row a").await;
        self.wait_for("tr.attempt-row[data-number=\"1\"]").await;
        self.click("#replay").await;
        self.wait_for("tr.attempt-row[data-number=\"2\"]").await;
        self.wait_for("#delivery-status [data-status=\"succeeded\"]")
            .await;
    }

    /// Ends the session and the driver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
