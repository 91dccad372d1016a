//! Mapping templates: Handlebars over the event envelope, strict, with the
//! helpers connector mappings need (see `docs/connectors.md`).
//!
//! A [`Template`] is compiled once, when its connector is built, so a syntax
//! error stops `check` and `serve` before any event arrives. Rendering errors
//! and output that is not valid for its target name the template file and line.

mod helpers;
mod lines;
mod phone;
mod set;

use handlebars::Handlebars;
use serde_json::Value;

pub use phone::{known_country, to_e164, PhoneError};
pub use set::TemplateSet;

/// What a template renders, which decides how `{{value}}` is escaped and
/// how the output is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A JSON document: values are JSON-string-escaped (write `"{{x}}"`, or
    /// `{{json x}}` for any JSON value) and the output must parse as JSON.
    Json,
    /// Plain text: values are written as they are.
    Text,
    /// A URL: values are percent-encoded so event data cannot add path
    /// segments, queries or another host.
    Url,
}

/// A template that failed to compile, render, or produce valid output.
#[derive(Debug, Clone, thiserror::Error)]
pub struct TemplateError {
    /// The template file (or `connectors/<kind>/templates/<type>.hbs (built in)`).
    pub file: String,
    /// 1-based line in the template, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl From<TemplateError> for crate::connector::MappingError {
    fn from(e: TemplateError) -> Self {
        crate::connector::MappingError(e.to_string())
    }
}

/// One compiled template.
pub struct Template {
    name: String,
    source: String,
    mode: Mode,
    hb: Handlebars<'static>,
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template")
            .field("name", &self.name)
            .field("mode", &self.mode)
            .finish()
    }
}

/// Registration name inside each one-template registry.
const MAIN: &str = "main";

impl Template {
    /// Compiles `source`; `name` is how errors refer to it (a file path).
    pub fn compile(
        name: impl Into<String>,
        source: &str,
        mode: Mode,
    ) -> Result<Self, TemplateError> {
        let name = name.into();
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.set_prevent_indent(true);
        match mode {
            Mode::Json => hb.register_escape_fn(json_escape),
            Mode::Text => hb.register_escape_fn(handlebars::no_escape),
            Mode::Url => hb.register_escape_fn(url_escape),
        }
        helpers::register(&mut hb);
        if let Err(e) = hb.register_template_string(MAIN, source) {
            return Err(TemplateError {
                file: name,
                line: e.pos().map(|(line, _)| line),
                message: format!("does not compile: {}", e.reason()),
            });
        }
        Ok(Template {
            name,
            source: source.to_owned(),
            mode,
            hb,
        })
    }

    /// The file this template came from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Renders against `context` (the event envelope).
    pub fn render(&self, context: &Value) -> Result<String, TemplateError> {
        self.hb.render(MAIN, context).map_err(|e| TemplateError {
            file: self.name.clone(),
            line: e.line_no,
            message: render_reason(&e),
        })
    }

    /// Renders and parses the output as JSON; a syntax error points at the
    /// template line that produced the offending output line.
    pub fn render_json(&self, context: &Value) -> Result<Value, TemplateError> {
        let text = self.render(context)?;
        serde_json::from_str(&text).map_err(|e| {
            let (line, shown) = lines::template_line(&self.source, &text, e.line());
            TemplateError {
                file: self.name.clone(),
                line,
                message: format!("output is not valid JSON: {e} (output: `{shown}`)"),
            }
        })
    }

    /// An error about this template's output with no particular line
    /// (e.g. a vendor field the output lacks).
    pub fn error(&self, message: impl Into<String>) -> TemplateError {
        TemplateError {
            file: self.name.clone(),
            line: None,
            message: message.into(),
        }
    }
}

fn render_reason(e: &handlebars::RenderError) -> String {
    use handlebars::RenderErrorReason as R;
    match e.reason() {
        R::MissingVariable(Some(path)) => {
            format!("missing field `{path}` (use {{{{default {path} \"...\"}}}} if it is optional)")
        }
        other => other.to_string(),
    }
}

fn json_escape(s: &str) -> String {
    let quoted = serde_json::to_string(s).expect("strings serialize");
    quoted[1..quoted.len() - 1].to_owned()
}

fn url_escape(s: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(s, UNRESERVED).to_string()
}

#[cfg(test)]
mod tests;
