//! Ingest parsing and validation: any bytes give an event or a typed error,
//! never a panic; an accepted event's stored body parses to the same event.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| switchboard_fuzz::ingest_parse(data));
