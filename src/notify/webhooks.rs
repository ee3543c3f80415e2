//! Signed webhook calls: POSTs a notification's JSON to an endpoint (http or https) with a timestamped HMAC-SHA256 signature, and the check receivers make of it.
//!
//! `X-Bakery-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the
//! endpoint's secret>`. Every try is signed afresh with its own time, so a receiver refuses a
//! call whose `t` is more than [`SIGNATURE_TOLERANCE`] away from its clock: a captured call
//! cannot be replayed later. [`verify_signature`] is that check.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::Failure;
use super::hosts::{self, PublicOnly};

/// The header with `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
pub const SIGNATURE_HEADER: &str = "X-Bakery-Signature";
/// The header with `<outbox id>-<endpoint id>`, the same on every retry, for receivers to dedupe on.
pub const DELIVERY_HEADER: &str = "X-Bakery-Delivery";
/// How far a signature's time may be from the receiver's clock before the call is refused.
pub const SIGNATURE_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// How long one call may take before it counts as failed.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// The client webhook calls go through: http and https (rustls, trusting the webpki roots and
/// `extra_roots`), no redirects; unless `allow_private_hosts`, names that resolve to a loopback,
/// link-local or private address are refused ([`PublicOnly`]).
pub fn client(
    extra_roots: &[reqwest::Certificate],
    allow_private_hosts: bool,
) -> Result<reqwest::Client, reqwest::Error> {
    let mut builder = reqwest::Client::builder()
        .timeout(CALL_TIMEOUT)
        .connect_timeout(CALL_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none());
    for root in extra_roots {
        builder = builder.add_root_certificate(root.clone());
    }
    if !allow_private_hosts {
        builder = builder.dns_resolver(Arc::new(PublicOnly));
    }
    builder.build()
}

/// The HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`, not finalized yet.
fn signed(secret: &str, timestamp: i64, body: &[u8]) -> Option<Hmac<Sha256>> {
    // HMAC takes a key of any length, so this is never `None`.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// The `X-Bakery-Signature` value of `body` sent at `timestamp` (unix seconds) under `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let hex: String = signed(secret, timestamp, body)
        .map(|mac| mac.finalize().into_bytes().to_vec())
        .unwrap_or_default()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("t={timestamp},v1={hex}")
}

/// Why a signature does not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the header is not t=<unix seconds>,v1=<hex>")]
    Malformed,
    #[error("the signature's time is outside the tolerance (a replay, or a clock far off)")]
    OutsideTolerance,
    #[error("no v1 signature matches the body")]
    Mismatch,
}

/// The receiver's check of a call: `header` is `X-Bakery-Signature`, `body` the exact bytes
/// received, `now` the receiver's clock in unix seconds. Holds when `t` is within `tolerance` of
/// `now` and a `v1` is the HMAC-SHA256 of `"<t>.<body>"` under `secret` (compared in constant
/// time).
pub fn verify_signature(
    secret: &str,
    header: &str,
    body: &[u8],
    now: i64,
    tolerance: Duration,
) -> Result<(), SignatureError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => {
                timestamp = Some(t.parse::<i64>().map_err(|_| SignatureError::Malformed)?);
            }
            Some(("v1", hex)) => signatures.push(decode_hex(hex).ok_or(SignatureError::Malformed)?),
            Some(_) => {}
            None => return Err(SignatureError::Malformed),
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::Malformed)?;
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    let tolerance = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
    if now.abs_diff(timestamp) > tolerance.unsigned_abs() {
        return Err(SignatureError::OutsideTolerance);
    }
    let matches = signatures.iter().any(|signature| {
        signed(secret, timestamp, body).is_some_and(|mac| mac.verify_slice(signature).is_ok())
    });
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// POSTs `body` to `url`, signed now; `Ok` on any 2xx. A 4xx other than 408 and 429, a URL or
/// host the rules refuse ([`hosts::check_url`]) is a permanent failure; anything else (5xx, 408,
/// 429, no connection, a timeout) is worth another try.
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    delivery_id: &str,
    body: &str,
    allow_private_hosts: bool,
) -> Result<(), Failure> {
    hosts::check_url(url, allow_private_hosts).map_err(|e| Failure::Permanent(e.to_string()))?;
    let now = chrono::Utc::now().timestamp();
    let res = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature(secret, now, body.as_bytes()))
        .header(DELIVERY_HEADER, delivery_id)
        .body(body.to_owned())
        .send()
        .await
        // Without the URL: it may hold secrets, and the endpoint's id says which one it was.
        .map_err(|e| {
            let refused = hosts::refused_host(&e);
            let text = error_chain(&e.without_url());
            if refused {
                Failure::Permanent(text)
            } else {
                Failure::Transient(text)
            }
        })?;
    let status = res.status();
    let text = format!("the endpoint answered {status}");
    match status.as_u16() {
        200..=299 => Ok(()),
        408 | 429 => Err(Failure::Transient(text)),
        400..=499 => Err(Failure::Permanent(text)),
        _ => Err(Failure::Transient(text)),
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

    const SECRET: &str = "webhook-secret-of-the-test";
    const BODY: &[u8] = br#"{"order_id":1,"status":"ready"}"#;
    const FIVE_MINUTES: Duration = Duration::from_secs(300);

    #[test]
    fn the_mac_is_hmac_sha256_of_time_dot_body() {
        // What a receiver computes by hand: HMAC-SHA256 of "<t>.<body>", in lowercase hex.
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"1700000000.what do ya want for nothing?");
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            signature("Jefe", 1_700_000_000, b"what do ya want for nothing?"),
            format!("t=1700000000,v1={hex}")
        );
    }

    #[test]
    fn a_fresh_signature_verifies() {
        let header = signature(SECRET, 1_700_000_000, BODY);
        assert_eq!(
            verify_signature(SECRET, &header, BODY, 1_700_000_000, FIVE_MINUTES),
            Ok(())
        );
        // Within the tolerance either way (clocks differ a little).
        for now in [1_700_000_000 + 300, 1_700_000_000 - 300] {
            assert_eq!(
                verify_signature(SECRET, &header, BODY, now, FIVE_MINUTES),
                Ok(())
            );
        }
    }

    #[test]
    fn a_replay_after_the_tolerance_fails() {
        let header = signature(SECRET, 1_700_000_000, BODY);
        assert_eq!(
            verify_signature(SECRET, &header, BODY, 1_700_000_000 + 301, FIVE_MINUTES),
            Err(SignatureError::OutsideTolerance)
        );
        // Moving the time forward breaks the MAC.
        let moved = header.replace("t=1700000000", "t=1700000301");
        assert_eq!(
            verify_signature(SECRET, &moved, BODY, 1_700_000_301, FIVE_MINUTES),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn another_body_or_secret_fails() {
        let header = signature(SECRET, 1_700_000_000, BODY);
        let now = 1_700_000_000;
        assert_eq!(
            verify_signature(SECRET, &header, b"{}", now, FIVE_MINUTES),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature("another-secret-entirely", &header, BODY, now, FIVE_MINUTES),
            Err(SignatureError::Mismatch)
        );
        for bad in [
            "",
            "sha256=abcd",
            "t=x,v1=00",
            "t=1700000000",
            "t=1700000000,v1=zz",
        ] {
            assert_eq!(
                verify_signature(SECRET, bad, BODY, now, FIVE_MINUTES),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
    }
}
