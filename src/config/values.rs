//! How values that are not plain strings, numbers or booleans are read and written: durations,
//! the log format, the TLS pair, and the SMTP server and sender.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use lettre::message::Mailbox;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::{LogFormat, TlsFiles};

/// Parses a duration: `humantime` syntax (`3s`, `500ms`, `500us`, `1m 30s`, `0s`) or a bare
/// number of seconds (`2`, `0.5`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let bad = || format!("must be a duration such as 3s, 500ms or 0s, got {text:?}");
    if t.starts_with(|c: char| c.is_ascii_digit())
        && t.chars().all(|c| c.is_ascii_digit() || c == '.')
    {
        let secs: f64 = t.parse().map_err(|_| bad())?;
        return Duration::try_from_secs_f64(secs).map_err(|_| bad());
    }
    humantime::parse_duration(t).map_err(|_| bad())
}

/// `#[serde(with = "duration")]`: written the `humantime` way (`3s`, `500us`), read by
/// [`parse_duration`] or from a number of seconds.
pub mod duration {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&humantime::format_duration(*value))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        deserializer.deserialize_any(DurationVisitor)
    }

    struct DurationVisitor;

    impl Visitor<'_> for DurationVisitor {
        type Value = Duration;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a duration such as 3s, 500ms or 0s")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
            parse_duration(v).map_err(E::custom)
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
            Ok(Duration::from_secs(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
            u64::try_from(v)
                .map(Duration::from_secs)
                .map_err(|_| E::custom(format!("must not be negative, got {v}")))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
            parse_duration(&v.to_string()).map_err(E::custom)
        }
    }
}

/// `#[serde(with = "string_list")]`: a list in the file, or one string of comma-separated items
/// (the environment's form); written as a list.
pub mod string_list {
    use super::*;

    pub fn serialize<S: Serializer>(value: &[String], serializer: S) -> Result<S::Ok, S::Error> {
        value.serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<String>, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Items {
            One(String),
            Many(Vec<String>),
        }
        let items = match Items::deserialize(deserializer)? {
            Items::One(text) => text.split(',').map(str::to_owned).collect(),
            Items::Many(items) => items,
        };
        Ok(items
            .into_iter()
            .map(|item| item.trim().to_owned())
            .filter(|item| !item.is_empty())
            .collect())
    }
}

/// An IP address (a network of one) or a CIDR range such as `10.0.0.0/8`.
pub fn parse_network(text: &str) -> Option<ipnet::IpNet> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>().ok().or_else(|| {
        text.parse::<std::net::IpAddr>()
            .ok()
            .map(ipnet::IpNet::from)
    })
}

impl LogFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Pretty => "pretty",
            LogFormat::Json => "json",
        }
    }
}

impl FromStr for LogFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<LogFormat, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pretty" | "text" => Ok(LogFormat::Pretty),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("must be \"pretty\" or \"json\", got {s:?}")),
        }
    }
}

impl Serialize for LogFormat {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for LogFormat {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<LogFormat, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(de::Error::custom)
    }
}

/// The message when only one of the certificate and the key is given.
pub const TLS_PAIR: &str = "BAKERY_TLS_CERT and BAKERY_TLS_KEY (tls_cert and tls_key in the \
                            settings file) must be set together";

/// `tls`: both files or neither.
pub fn tls_pair<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<TlsFiles>, D::Error> {
    #[derive(Deserialize)]
    struct Pair {
        cert: Option<PathBuf>,
        key: Option<PathBuf>,
    }
    match Option::<Pair>::deserialize(deserializer)? {
        None
        | Some(Pair {
            cert: None,
            key: None,
        }) => Ok(None),
        Some(Pair {
            cert: Some(cert),
            key: Some(key),
        }) => Ok(Some(TlsFiles { cert, key })),
        Some(_) => Err(de::Error::custom(TLS_PAIR)),
    }
}

/// An SMTP relay: `smtp://host[:port]` (plain SMTP, no TLS; port 25 when not given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpServer {
    pub host: String,
    pub port: u16,
}

impl SmtpServer {
    /// Reads `smtp://host[:port]`; the error says what is expected.
    pub fn parse(url: &str) -> Result<SmtpServer, String> {
        // A URL with `@` may carry a password: the error does not repeat it.
        let bad = || match url.contains('@') {
            true => "must be smtp://host:port, with no user or password".to_owned(),
            false => format!("must be smtp://host:port, got {url:?}"),
        };
        let rest = url.strip_prefix("smtp://").ok_or_else(bad)?;
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (host, port.parse::<u16>().map_err(|_| bad())?),
            None => (rest, 25),
        };
        if host.is_empty() || host.contains(['/', '@']) {
            return Err(bad());
        }
        Ok(SmtpServer {
            host: host.to_owned(),
            port,
        })
    }
}

/// The sender's mailbox, e.g. `The Bakery <orders@bakery.example>`.
pub fn parse_sender(from: &str) -> Result<Mailbox, String> {
    from.parse()
        .map_err(|e| format!("must be an e-mail address, got {from:?}: {e}"))
}
