//! Signed webhook calls: POSTs a notification's JSON to an endpoint with an HMAC-SHA256 signature of the exact body.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header with `sha256=<hex HMAC-SHA256 of the body, keyed with the endpoint's secret>`.
pub const SIGNATURE_HEADER: &str = "X-Bakery-Signature";
/// The header with `<outbox id>-<endpoint id>`, the same on every retry, for receivers to dedupe on.
pub const DELIVERY_HEADER: &str = "X-Bakery-Delivery";

/// How long one call may take before it counts as failed.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// The client webhook calls go through: plain HTTP (no TLS stack; https endpoints sit behind a
/// TLS-terminating proxy), no redirects.
pub fn client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(CALL_TIMEOUT)
        .connect_timeout(CALL_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
}

/// The `X-Bakery-Signature` value of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    // HMAC takes a key of any length, so this never fails.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// POSTs `body` to `url`; `Ok` on any 2xx, else why not (the status, or the transport error).
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    delivery_id: &str,
    body: &str,
) -> Result<(), String> {
    let res = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature(secret, body.as_bytes()))
        .header(DELIVERY_HEADER, delivery_id)
        .body(body.to_owned())
        .send()
        .await
        // Without the URL: it may hold credentials, and the endpoint's id says which one it was.
        .map_err(|e| error_chain(&e.without_url()))?;
    let status = res.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(format!("the endpoint answered {status}"))
    }
}

/// The error with its causes, e.g. `error sending request: connection refused`.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_rfc_4231_case_2() {
        // RFC 4231, test case 2: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
