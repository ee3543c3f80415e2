//! Installs the `tracing` subscriber: pretty or JSON lines on stderr, filtered by `BAKERY_LOG`
//! (a filter that can be replaced while the process runs).

use std::sync::OnceLock;

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry, reload};

use crate::config::{LogFormat, LogSettings};

/// The installed subscriber's filter, to replace it live.
static FILTER: OnceLock<reload::Handle<EnvFilter, Registry>> = OnceLock::new();

/// Installs the global subscriber writing to `sink`; a second call is a no-op (tests share a process).
pub fn init<W>(settings: &LogSettings, sink: W)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(&settings.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let (filter, handle) = reload::Layer::new(filter);
    let registry = tracing_subscriber::registry().with(filter);
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(sink)
        .with_target(true);
    let installed = match settings.format {
        LogFormat::Json => registry
            .with(
                fmt.json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false),
            )
            .try_init(),
        LogFormat::Pretty => registry.with(fmt.compact()).try_init(),
    };
    if installed.is_ok() {
        let _first = FILTER.set(handle);
    }
}

/// Replaces the log filter (`BAKERY_LOG` syntax) of the installed subscriber.
pub fn set_filter(filter: &str) -> Result<(), String> {
    let filter = EnvFilter::try_new(filter).map_err(|e| e.to_string())?;
    match FILTER.get() {
        Some(handle) => handle.reload(filter).map_err(|e| e.to_string()),
        None => Err("no subscriber of this crate is installed".to_owned()),
    }
}

/// An e-mail address as logs show it: the first character of the local part, `***`, and the
/// domain (`vedanti@example.com` → `v***@example.com`). Customers' and staff's addresses alike
/// are personal data; logs keep only enough to tell a domain's mail problems apart.
pub fn mask_email(email: &str) -> String {
    match email.rsplit_once('@') {
        Some((local, domain)) => match local.chars().next() {
            Some(first) => format!("{first}***@{domain}"),
            None => format!("***@{domain}"),
        },
        None => "***".to_owned(),
    }
}

/// A URL as logs show it: no user name or password, and no query (webhook and SMTP URLs carry
/// secrets there). `https://user:secret@hooks.example.com/in?token=x` →
/// `https://hooks.example.com/in?…`.
pub fn url_without_credentials(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let path = match path.find(['?', '#']) {
        Some(cut) => format!("{}?…", &path[..cut]),
        None => path.to_owned(),
    };
    match scheme {
        Some(scheme) => format!("{scheme}://{host}{path}"),
        None => format!("{host}{path}"),
    }
}

/// `text` with every occurrence of `email` masked (for error messages that quote an address).
pub fn without_email(text: &str, email: &str) -> String {
    if email.is_empty() {
        return text.to_owned();
    }
    text.replace(email, &mask_email(email))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_keep_the_first_character_and_the_domain() {
        assert_eq!(mask_email("vedanti@example.com"), "v***@example.com");
        assert_eq!(mask_email("Ölaf@bäckerei.de"), "Ö***@bäckerei.de");
        assert_eq!(mask_email("@example.com"), "***@example.com");
        assert_eq!(mask_email("not an address"), "***");
        assert_eq!(
            without_email("550 <vedanti@example.com> unknown", "vedanti@example.com"),
            "550 <v***@example.com> unknown"
        );
    }

    #[test]
    fn urls_lose_user_password_and_query() {
        assert_eq!(
            url_without_credentials("https://user:secret@hooks.example.com/in?token=x"),
            "https://hooks.example.com/in?…"
        );
        assert_eq!(
            url_without_credentials("smtp://mailer:pw@relay:25"),
            "smtp://relay:25"
        );
        assert_eq!(
            url_without_credentials("http://127.0.0.1:9000/hook"),
            "http://127.0.0.1:9000/hook"
        );
        assert_eq!(
            url_without_credentials("http://a@b@host/p#frag"),
            "http://host/p?…"
        );
        assert_eq!(url_without_credentials("host:1/x?y"), "host:1/x?…");
    }
}
