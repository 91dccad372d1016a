//! The templates one connector uses, one per event type: the connector's
//! `template` file, else `templates_dir/<event.type>.hbs`, else the shipped
//! default the connector crate ships (`connectors/<kind>/templates/<event.type>.hbs`).

use std::{collections::BTreeMap, path::Path, sync::Arc};

use super::{Mode, Template};
use crate::{
    connector::{registry::built_in_name, BuildError, ConnectorSpec},
    event::EventType,
};

/// A connector's compiled templates by event type. The types present are
/// the ones the connector can serve.
#[derive(Debug, Clone, Default)]
pub struct TemplateSet {
    by_type: BTreeMap<EventType, Arc<Template>>,
}

impl TemplateSet {
    /// Loads and compiles the connector's templates for every
    /// event type the connector subscribes to (all types with a template
    /// when `events` is omitted). A listed type without a template, an
    /// unreadable file or a template that does not compile is an error.
    pub fn load(spec: &ConnectorSpec<'_>, mode: Mode) -> Result<Self, BuildError> {
        let c = spec.config;
        if let Some(dir) = &c.templates_dir {
            if !dir.is_dir() {
                return Err(spec.error(format!(
                    "`templates_dir`: {} is not a directory",
                    dir.display()
                )));
            }
        }
        let single = match &c.template {
            Some(path) => Some((path.display().to_string(), read(spec, path)?)),
            None => None,
        };
        let mut by_type = BTreeMap::new();
        for t in EventType::ALL {
            if !c.wants(t) {
                continue;
            }
            let file = format!("{t}.hbs");
            let found = if let Some((name, source)) = &single {
                Some((name.clone(), source.clone()))
            } else if let Some(path) = c.templates_dir.as_ref().map(|d| d.join(&file)) {
                if path.is_file() {
                    Some((path.display().to_string(), read(spec, &path)?))
                } else {
                    None
                }
            } else {
                None
            };
            let found = found.or_else(|| {
                let shipped = spec.defaults.iter().find(|d| d.event == t.as_str())?;
                Some((
                    built_in_name(&c.kind, shipped.event),
                    shipped.source.to_owned(),
                ))
            });
            match found {
                Some((name, source)) => {
                    let template = Template::compile(name, &source, mode)
                        .map_err(|e| spec.error(e.to_string()))?;
                    by_type.insert(t, Arc::new(template));
                }
                None if c.events.is_some() => {
                    return Err(spec.error(format!(
                        "no template for {t}: add {file} to `templates_dir`, set `template`, or remove {t} from `events`"
                    )))
                }
                None => {}
            }
        }
        if by_type.is_empty() {
            return Err(spec.error(
                "no templates: set `template` or `templates_dir` (or `events` a shipped template serves)",
            ));
        }
        Ok(TemplateSet { by_type })
    }

    /// The template for an event type.
    pub fn get(&self, t: EventType) -> Option<&Template> {
        self.by_type.get(&t).map(|t| &**t)
    }

    /// The event types with a template.
    pub fn events(&self) -> Vec<EventType> {
        self.by_type.keys().copied().collect()
    }
}

fn read(spec: &ConnectorSpec<'_>, path: &Path) -> Result<String, BuildError> {
    std::fs::read_to_string(path)
        .map_err(|e| spec.error(format!("cannot read template {}: {e}", path.display())))
}
