//! Ingest parsing and validation: any bytes give an event or a typed error,
//! never a panic; an accepted event's stored body parses to the same event.

#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_core::event::Event;

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = Event::parse(data, 1_700_000_000) {
        let again = Event::parse(event.body.as_bytes(), 0).expect("a stored body is valid");
        assert_eq!(again.id, event.id);
        assert_eq!(again.kind, event.kind);
        assert_eq!(again.created, event.created);
        assert_eq!(again.body, event.body, "the stored body is canonical");
    }
});
