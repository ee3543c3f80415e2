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

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain SMTP (a relay on the same host or network).
    None,
    /// Plain at first, then STARTTLS, which the server must offer (`?tls=starttls`).
    StartTls,
    /// TLS from the first byte (`smtps://`).
    Implicit,
}

/// An SMTP server, read from `BAKERY_SMTP_URL`:
///
/// - `smtp://host[:port]`: plain SMTP, port 25;
/// - `smtp://[user:password@]host[:port]?tls=starttls`: STARTTLS required, port 587;
/// - `smtps://[user:password@]host[:port]`: implicit TLS, port 465.
///
/// The user and password are percent-encoded (`%40` for `@`) and allowed only with TLS, so they
/// never cross the network in clear. `Debug` does not show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpServer {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// User and password for SMTP AUTH.
    pub credentials: Option<(String, String)>,
}

impl fmt::Debug for SmtpServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpServer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .finish()
    }
}

const SMTP_FORMS: &str = "must be smtp://host[:port], smtp://[user:password@]host[:port]?tls=starttls \
                          or smtps://[user:password@]host[:port]";

impl SmtpServer {
    /// Reads the URL; the error says what is expected and never repeats a password.
    pub fn parse(url: &str) -> Result<SmtpServer, String> {
        let bad = || match url.contains('@') {
            true => SMTP_FORMS.to_owned(),
            false => format!("{SMTP_FORMS}, got {url:?}"),
        };
        let (implicit, rest) = match (url.strip_prefix("smtp://"), url.strip_prefix("smtps://")) {
            (Some(rest), _) => (false, rest),
            (_, Some(rest)) => (true, rest),
            _ => return Err(bad()),
        };
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let tls = match (implicit, query) {
            (true, "") => SmtpTls::Implicit,
            (false, "") | (false, "tls=none") => SmtpTls::None,
            (false, "tls=starttls") => SmtpTls::StartTls,
            _ => return Err(bad()),
        };
        let rest = rest.trim_end_matches('/');
        let (credentials, server) = match rest.rsplit_once('@') {
            Some((userinfo, server)) => {
                let (user, password) = userinfo.split_once(':').ok_or_else(bad)?;
                let user = percent_decode(user).ok_or_else(bad)?;
                let password = percent_decode(password).ok_or_else(bad)?;
                if user.is_empty() {
                    return Err(bad());
                }
                (Some((user, password)), server)
            }
            None => (None, rest),
        };
        if credentials.is_some() && tls == SmtpTls::None {
            return Err(
                "carries a user and password but no TLS: use ?tls=starttls or smtps:// so they \
                 do not cross the network in clear"
                    .to_owned(),
            );
        }
        let default_port = match tls {
            SmtpTls::None => 25,
            SmtpTls::StartTls => 587,
            SmtpTls::Implicit => 465,
        };
        let (host, port) = match server.rsplit_once(':') {
            Some((host, port)) => (host, port.parse::<u16>().map_err(|_| bad())?),
            None => (server, default_port),
        };
        if host.is_empty() || host.contains(['/', '@', '?', '#']) {
            return Err(bad());
        }
        Ok(SmtpServer {
            host: host.to_owned(),
            port,
            tls,
            credentials,
        })
    }
}

/// `%XX` escapes decoded; `None` if one is broken or the result is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The sender's mailbox, e.g. `The Bakery <orders@bakery.example>`.
pub fn parse_sender(from: &str) -> Result<Mailbox, String> {
    from.parse()
        .map_err(|e| format!("must be an e-mail address, got {from:?}: {e}"))
}
