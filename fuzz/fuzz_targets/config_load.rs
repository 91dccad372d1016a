//! The config loader: any text gives a config or a `ConfigError`, never a panic.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| switchboard_fuzz::config_load(data));
