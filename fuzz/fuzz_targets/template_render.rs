//! Template rendering. The input is `template source` NUL `event JSON`: the
//! source is compiled in every mode and rendered against the event, and the
//! event is also rendered through every shipped default template. Errors are
//! fine; panics are not.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| switchboard_fuzz::template_render(data));
