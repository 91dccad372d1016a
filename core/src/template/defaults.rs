//! The shipped default templates, embedded at build time by `core/build.rs`.

include!(concat!(env!("OUT_DIR"), "/default_templates.rs"));

/// The shipped template for `kind` and an event type file name
/// (`lead.captured.hbs`), if there is one.
pub fn default_source(kind: &str, file: &str) -> Option<&'static str> {
    DEFAULTS
        .iter()
        .find(|(name, _)| name.split_once('/') == Some((kind, file)))
        .map(|(_, source)| *source)
}

/// Every shipped template as `("<kind>/<event.type>.hbs", source)`.
pub fn shipped() -> &'static [(&'static str, &'static str)] {
    DEFAULTS
}
