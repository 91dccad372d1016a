//! Template rendering. The input is `template source` NUL `event JSON`: the
//! source is compiled in every mode and rendered against the event, and the
//! event is also rendered through every shipped default template. Errors are
//! fine; panics are not, and JSON-mode output that renders must parse.

#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_core::{
    event::Event,
    template::{shipped, Mode, Template},
};

fuzz_target!(|data: &[u8]| {
    let (source, event) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&[][..], data),
    };
    let Ok(event) = Event::parse(event, 1_700_000_000) else {
        return;
    };
    let context = event.value();
    if let Ok(source) = std::str::from_utf8(source) {
        for mode in [Mode::Json, Mode::Text, Mode::Url] {
            if let Ok(t) = Template::compile("fuzz.hbs", source, mode) {
                let _ = t.render(&context);
                let _ = t.render_json(&context);
            }
        }
    }
    for (name, source) in shipped() {
        let t = Template::compile(*name, source, Mode::Json).expect("shipped templates compile");
        let _ = t.render_json(&context);
    }
});
