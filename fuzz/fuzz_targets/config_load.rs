//! The config loader: any text gives a config or a `ConfigError`, never a panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_core::config::Config;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Config::from_toml(text, "fuzz.toml");
    }
});
