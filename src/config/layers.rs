//! The settings file and the environment as `figment` layers, both read through [`SETTINGS`],
//! and error messages that name a setting the way its source spells it.

use std::path::Path;

use figment::error::{Error, Kind};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider, Source};

use super::ConfigError;
use super::table::{SETTINGS, Setting};

/// The name of the environment's layer (its metadata tells errors how to name a setting).
const ENVIRONMENT: &str = "environment";
/// The name of the file's layer.
const FILE: &str = "settings file";

/// One source of settings: values at their [`Settings`](super::Settings) paths.
pub struct Layer {
    metadata: Metadata,
    values: Dict,
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        self.metadata.clone()
    }

    fn data(&self) -> Result<Map<Profile, Dict>, Error> {
        Ok(Profile::Default.collect(self.values.clone()))
    }
}

impl Layer {
    /// Every `BAKERY_*` variable of [`SETTINGS`] that is set and not empty, as a string (figment
    /// reads numbers and booleans out of strings).
    pub fn environment(env: impl Fn(&str) -> Option<String>) -> Layer {
        let mut values = Dict::new();
        for setting in SETTINGS {
            if let Some(value) = env(setting.env) {
                let value = value.trim();
                if !value.is_empty() {
                    insert(&mut values, setting.field, Value::from(value));
                }
            }
        }
        Layer {
            metadata: Metadata::named(ENVIRONMENT),
            values,
        }
    }

    /// The TOML file at `path`; a key that is no setting is an error.
    pub fn file(path: &Path) -> Result<Layer, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            ConfigError(format!("cannot read settings file {}: {e}", path.display()))
        })?;
        let parsed: Dict = toml::from_str(&text).map_err(|e| {
            let line = e
                .span()
                .map_or(0, |span| text[..span.start].lines().count().max(1));
            let msg = e.message().trim().replace('\n', "; ");
            ConfigError(format!(
                "settings file {} line {line}: {msg}",
                path.display()
            ))
        })?;
        let mut leaves = Vec::new();
        flatten("", parsed, &mut leaves);
        let mut values = Dict::new();
        for (key, value) in leaves {
            let setting = SETTINGS.iter().find(|s| s.key == key).ok_or_else(|| {
                ConfigError(format!(
                    "settings file {}: unknown setting `{key}` (see docs/configuration.md)",
                    path.display()
                ))
            })?;
            insert(&mut values, setting.field, value);
        }
        Ok(Layer {
            metadata: Metadata::from(FILE, path),
            values,
        })
    }
}

/// `a.b.c = v` into nested dictionaries.
fn insert(dict: &mut Dict, path: &str, value: Value) {
    match path.split_once('.') {
        None => {
            dict.insert(path.to_owned(), value);
        }
        Some((head, rest)) => {
            let entry = dict
                .entry(head.to_owned())
                .or_insert_with(|| Value::from(Dict::new()));
            if let Value::Dict(_, inner) = entry {
                insert(inner, rest, value);
            }
        }
    }
}

/// The leaves of nested tables, with dotted keys (`worker.pool`).
fn flatten(prefix: &str, dict: Dict, out: &mut Vec<(String, Value)>) {
    for (key, value) in dict {
        let path = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Dict(_, inner) => flatten(&path, inner, out),
            leaf => out.push((path, leaf)),
        }
    }
}

/// How a setting is called where its value came from: `BAKERY_WORKER_POOL` for the
/// environment, `settings file bakery.toml: worker.pool` for the file, both otherwise.
fn name_in(metadata: Option<&Metadata>, setting: &Setting) -> String {
    match metadata {
        Some(m) if m.name == ENVIRONMENT => setting.env.to_owned(),
        Some(Metadata {
            name,
            source: Some(Source::File(path)),
            ..
        }) if name == FILE => format!("settings file {}: {}", path.display(), setting.key),
        _ => format!("{} ({})", setting.key, setting.env),
    }
}

/// [`name_in`] for the value now at `field` of the merged settings.
pub fn source_name(figment: &Figment, field: &str) -> String {
    match Setting::by_field(field) {
        Some(setting) => name_in(figment.find_metadata(field), setting),
        None => field.to_owned(),
    }
}

/// One line for a value serde refused, naming the setting as its source spells it.
pub fn describe(err: Error) -> ConfigError {
    let field = err.path.join(".");
    let Some(setting) = Setting::by_field(&field) else {
        return ConfigError(match err.kind {
            Kind::Message(msg) => msg,
            kind => format!("{field}: {kind}"),
        });
    };
    let name = name_in(err.metadata.as_ref(), setting);
    ConfigError(match err.kind {
        Kind::Message(msg) => format!("{name} {msg}"),
        Kind::InvalidType(actual, expected) | Kind::InvalidValue(actual, expected) => {
            format!("{name} must be {}, got {actual}", friendly(&expected))
        }
        kind => format!("{name}: {kind}"),
    })
}

/// serde's name of an expected type, in words.
fn friendly(expected: &str) -> &str {
    match expected {
        "u8" => "a whole number from 0 to 255",
        "u16" => "a whole number from 0 to 65535",
        "u32" => "a whole number from 0 to 4294967295",
        "u64" | "usize" => "a whole number",
        "a boolean" => "true or false",
        other => other,
    }
}
