//! What each fuzz target feeds and checks, shared by the libFuzzer targets
//! (`fuzz_targets/`) and by the short mutation run in the test suite
//! (`tests/it/fuzz.rs`), so both exercise exactly the same properties.

use switchboard_core::{
    config::Config,
    event::Event,
    template::{Mode, Template},
};

/// Ingest parsing and validation: any bytes give an event or a typed error,
/// never a panic; an accepted event's stored body parses to the same event.
pub fn ingest_parse(data: &[u8]) {
    if let Ok(event) = Event::parse(data, 1_700_000_000) {
        let again = Event::parse(event.body.as_bytes(), 0).expect("a stored body is valid");
        assert_eq!(again.id, event.id);
        assert_eq!(again.kind, event.kind);
        assert_eq!(again.created, event.created);
        assert_eq!(again.body, event.body, "the stored body is canonical");
    }
}

/// The config loader: any text gives a config or a `ConfigError`, never a panic.
pub fn config_load(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Config::from_toml(text, "fuzz.toml");
    }
}

/// Template rendering. The input is `template source` NUL `event JSON`: the
/// source is compiled in every mode and rendered against the event, and the
/// event is also rendered through every shipped default template. Errors are
/// fine; panics are not.
pub fn template_render(data: &[u8]) {
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
    for t in shipped_templates() {
        let _ = t.render_json(&context);
    }
}

/// Every shipped template, compiled once: compiling them per input would
/// spend the run on the compiler instead of on rendering.
fn shipped_templates() -> &'static [Template] {
    static SHIPPED: std::sync::OnceLock<Vec<Template>> = std::sync::OnceLock::new();
    SHIPPED.get_or_init(|| {
        switchboard::registry::registry()
            .shipped()
            .iter()
            .map(|s| {
                Template::compile(s.name(), s.template.source, Mode::Json)
                    .expect("shipped templates compile")
            })
            .collect()
    })
}
