//! The declarative `http` kind: any REST API without Rust code.
//!
//! Config keys: `url` (a template whose scheme and host are literal, so
//! event data can never send the request elsewhere), `method` (default
//! `POST`), `headers` (templates), `auth` (`{type = "bearer", token}`,
//! `{type = "basic", username, password}` or `{type = "header", name,
//! token}`), `body` (an inline template, else `template` / `templates_dir`),
//! `content_type` (default `application/json`; JSON bodies are checked),
//! `success` (status codes that mean delivered; default any 2xx).

use std::{collections::BTreeMap, sync::Arc};

use http::{HeaderName, HeaderValue, Method};
use serde::Deserialize;

use super::{vendor, BuildError, Connector, ConnectorSpec, DeliveryRequest, MappingError, Verdict};
use crate::{
    config::Secret,
    event::EventType,
    outbound::{OutboundRequest, Response},
    template::{Mode, Template, TemplateSet},
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    url: String,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    auth: Option<Auth>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    success: Option<Vec<u16>>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum Auth {
    Bearer { token: Secret },
    Basic { username: String, password: Secret },
    Header { name: String, token: Secret },
}

enum Body {
    None,
    Inline(Box<Template>),
    PerType(TemplateSet),
}

/// A connector of the `http` kind.
pub struct HttpConnector {
    method: Method,
    url: Template,
    headers: Vec<(HeaderName, Template)>,
    auth: Option<(HeaderName, String)>,
    body: Body,
    content_type: HeaderValue,
    json: bool,
    success: Option<Vec<u16>>,
}

/// The `http` kind (no default templates).
pub const PLUGIN: super::Plugin = super::Plugin {
    kind: "http",
    build,
    templates: &[],
};

/// [`super::Factory`] of the `http` kind.
pub fn build(spec: &ConnectorSpec<'_>) -> Result<Arc<dyn Connector>, BuildError> {
    let s: Settings = spec.settings()?;
    let name = &spec.config.name;
    let err = |e: crate::template::TemplateError| spec.error(e.to_string());
    let method = Method::from_bytes(s.method.as_deref().unwrap_or("POST").as_bytes())
        .map_err(|_| spec.error("`method` is not an HTTP method"))?;
    check_literal_host(&s.url).map_err(|m| spec.error(format!("`url`: {m}")))?;
    let url = Template::compile(format!("{name}.url"), &s.url, Mode::Url).map_err(err)?;
    let mut headers = Vec::new();
    for (k, v) in &s.headers {
        let header = HeaderName::try_from(k.as_str())
            .map_err(|e| spec.error(format!("header '{k}': {e}")))?;
        let t = Template::compile(format!("{name}.headers.{k}"), v, Mode::Text).map_err(err)?;
        headers.push((header, t));
    }
    let auth = match s.auth {
        None => None,
        Some(Auth::Bearer { token }) => Some((
            http::header::AUTHORIZATION,
            format!("Bearer {}", token.expose()),
        )),
        Some(Auth::Basic { username, password }) => Some((
            http::header::AUTHORIZATION,
            vendor::basic_auth(&username, password.expose()),
        )),
        Some(Auth::Header { name, token }) => Some((
            HeaderName::try_from(name.as_str())
                .map_err(|e| spec.error(format!("`auth.name`: {e}")))?,
            token.expose().to_owned(),
        )),
    };
    let content_type = s.content_type.as_deref().unwrap_or("application/json");
    let json = content_type.contains("json");
    let mode = if json { Mode::Json } else { Mode::Text };
    let from_files = spec.config.template.is_some() || spec.config.templates_dir.is_some();
    let body = match (s.body, from_files) {
        (Some(_), true) => {
            return Err(spec.error("set `body` or `template`/`templates_dir`, not both"))
        }
        (Some(src), false) => Body::Inline(Box::new(
            Template::compile(format!("{name}.body"), &src, mode).map_err(err)?,
        )),
        (None, true) => Body::PerType(TemplateSet::load(spec, mode)?),
        (None, false) if matches!(method, Method::GET | Method::DELETE | Method::HEAD) => {
            Body::None
        }
        (None, false) => {
            return Err(spec.error(format!(
                "a {method} needs a body: set `body`, `template` or `templates_dir`"
            )))
        }
    };
    Ok(Arc::new(HttpConnector {
        method,
        url,
        headers,
        auth,
        body,
        content_type: HeaderValue::from_str(content_type)
            .map_err(|e| spec.error(format!("`content_type`: {e}")))?,
        json,
        success: s.success,
    }))
}

/// The scheme and host must be literal: no `{{` before the path starts.
fn check_literal_host(raw: &str) -> Result<(), String> {
    let (scheme, rest) = raw
        .split_once("://")
        .ok_or_else(|| format!("'{raw}' must start with http:// or https://"))?;
    if !matches!(scheme, "http" | "https") {
        return Err(format!("'{raw}' must start with http:// or https://"));
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains("{{") {
        return Err(format!(
            "'{raw}': the host must be written out, not templated, so event data cannot redirect the request"
        ));
    }
    super::webhook::parse_url(&format!("{scheme}://{authority}/"))?;
    Ok(())
}

#[async_trait::async_trait]
impl Connector for HttpConnector {
    fn prepare(&self, req: &DeliveryRequest<'_>) -> Result<Vec<OutboundRequest>, MappingError> {
        let ctx = vendor::envelope_ref(req.event)?;
        let url = self.url.render(&ctx)?;
        let url = super::webhook::parse_url(&url).map_err(MappingError)?;
        let body = match &self.body {
            Body::None => Vec::new(),
            Body::Inline(t) => self.render_body(t, &ctx)?,
            Body::PerType(set) => {
                let t = set
                    .get(req.event.kind)
                    .ok_or_else(|| MappingError(format!("no template for {}", req.event.kind)))?;
                self.render_body(t, &ctx)?
            }
        };
        let mut r = OutboundRequest::post(url, "application/json", body);
        r.method = self.method.clone();
        r.headers
            .insert(http::header::CONTENT_TYPE, self.content_type.clone());
        for (name, t) in &self.headers {
            let v = t.render(&ctx)?;
            let v = HeaderValue::from_str(&v)
                .map_err(|_| MappingError(format!("{}: not a valid header value", t.name())))?;
            r.headers.insert(name.clone(), v);
        }
        if let Some((name, value)) = &self.auth {
            vendor::secret_header(&mut r, name.clone(), value)?;
        }
        r.headers.insert(
            "idempotency-key",
            HeaderValue::from_str(req.delivery_id)
                .map_err(|_| MappingError("delivery id is not a header value".into()))?,
        );
        Ok(vec![r])
    }

    fn classify(&self, response: &Response) -> Verdict {
        match &self.success {
            Some(codes) if codes.contains(&response.status.as_u16()) => Verdict::Delivered,
            Some(_) if response.status.is_success() => Verdict::Reject,
            _ => vendor::classify(response, None),
        }
    }

    fn events(&self) -> Option<Vec<EventType>> {
        match &self.body {
            Body::PerType(set) => Some(set.events()),
            _ => None,
        }
    }

    fn error_message(&self, response: &Response) -> Option<String> {
        Some(vendor::error_message(
            "target",
            response,
            &["/message", "/error"],
        ))
    }
}

impl HttpConnector {
    fn render_body(&self, t: &Template, ctx: &serde_json::Value) -> Result<Vec<u8>, MappingError> {
        if self.json {
            let v = t.render_json(ctx)?;
            Ok(serde_json::to_vec(&v).expect("JSON values serialize"))
        } else {
            Ok(t.render(ctx)?.into_bytes())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check_literal_host;

    #[test]
    fn host_must_be_literal() {
        assert!(check_literal_host("https://api.test/v1/{{data.call_id}}").is_ok());
        assert!(check_literal_host("https://{{data.host}}/v1").is_err());
        assert!(check_literal_host("https://api.test{{data.x}}/v1").is_err());
        assert!(check_literal_host("{{scheme}}://api.test/v1").is_err());
        assert!(check_literal_host("ftp://api.test/").is_err());
    }
}
