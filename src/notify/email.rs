//! E-mail to customers through the configured SMTP server (plain, STARTTLS or implicit TLS, with SMTP AUTH when the URL carries a user): one short plain-text mail per status change, and one reminder before the order's slot.

use std::time::Duration;

use bakery_wire::money::MoneyFormat;
use bakery_wire::{Fulfillment, OrderStatus, price_to_cents};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::Failure;
use crate::config::{SmtpServer, SmtpTls, parse_sender};
use crate::store::notifications::{Notification, Outgoing, Reminder};

/// Who signs the mails and how they write money.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MailShop {
    pub name: String,
    pub money: MoneyFormat,
}

/// Sends the customers' mails.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    shop: MailShop,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    /// A mailer for the SMTP server at `url` ([`SmtpServer`]), sending as `from` on behalf of
    /// `shop`; with TLS it trusts the webpki roots and the certificates of `extra_roots` (PEM).
    pub fn new(
        url: &str,
        from: &str,
        extra_roots: Option<&[u8]>,
        shop: MailShop,
    ) -> Result<Mailer, String> {
        let server = SmtpServer::parse(url).map_err(|e| format!("BAKERY_SMTP_URL {e}"))?;
        let from = parse_sender(from).map_err(|e| format!("BAKERY_SMTP_FROM {e}"))?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&server.host)
            .port(server.port)
            .timeout(Some(Duration::from_secs(10)));
        if server.tls != SmtpTls::None {
            let mut params = TlsParameters::builder(server.host.clone());
            if let Some(pem) = extra_roots {
                let roots = Certificate::from_pem(pem)
                    .map_err(|e| format!("BAKERY_NOTIFY_CA_FILE: {e}"))?;
                params = params.add_root_certificate(roots);
            }
            let params = params
                .build_rustls()
                .map_err(|e| format!("cannot set up TLS for the SMTP server: {e}"))?;
            builder = builder.tls(match server.tls {
                SmtpTls::Implicit => Tls::Wrapper(params),
                _ => Tls::Required(params),
            });
        }
        if let Some((user, password)) = server.credentials {
            builder = builder.credentials(Credentials::new(user, password));
        }
        Ok(Mailer {
            transport: builder.build(),
            from,
            shop,
        })
    }

    /// Sends the mail of `notification` to its customer. An address the order form's rule
    /// ([`bakery_wire::rules::check_email`], the rule this mailer goes by) or lettre refuses, and
    /// a permanent (5xx) answer of the server, are permanent failures; anything else (4xx, no
    /// connection, a timeout, a TLS failure) is worth another try.
    pub async fn send(&self, notification: &Outgoing) -> Result<(), Failure> {
        let to = recipient(notification.customer_email())
            .map_err(|e| Failure::Permanent(format!("not a deliverable address: {e}")))?;
        let (subject, body) = match notification {
            Outgoing::Status(n) => mail_text(n, &self.shop),
            Outgoing::Reminder(r) => reminder_text(r, &self.shop),
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, to))
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| Failure::Permanent(e.to_string()))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| {
            if e.is_permanent() {
                Failure::Permanent(e.to_string())
            } else {
                Failure::Transient(e.to_string())
            }
        })
    }
}

/// The customer's address as the mailer takes it: it must pass the order form's rule, then
/// lettre's own parse.
pub fn recipient(email: &str) -> Result<Address, String> {
    bakery_wire::rules::check_email(email).map_err(str::to_owned)?;
    email.parse::<Address>().map_err(|e| e.to_string())
}

/// The subject and plain-text body of a notification's mail, signed by `shop`, with the order's
/// total in the shop's currency.
pub fn mail_text(n: &Notification, shop: &MailShop) -> (String, String) {
    let id = n.order_id;
    let subject = match (n.status, n.fulfillment) {
        (OrderStatus::Pending, _) => format!("We have your order #{id}"),
        (OrderStatus::Scheduled, Fulfillment::Pickup) => {
            format!("Your order #{id} is set aside for its pickup time")
        }
        (OrderStatus::Scheduled, Fulfillment::Delivery) => {
            format!("Your order #{id} is set aside for its delivery window")
        }
        (OrderStatus::Processing, _) => format!("Your order #{id} is in the oven"),
        (OrderStatus::Ready, Fulfillment::Pickup) => {
            format!("Your order #{id} is ready for pickup")
        }
        (OrderStatus::Ready, Fulfillment::Delivery) => {
            format!("Your order #{id} is ready and will be on its way soon")
        }
        (OrderStatus::Completed, _) => format!("Your order #{id} was picked up"),
        (OrderStatus::OutForDelivery, _) => format!("Your order #{id} is on its way"),
        (OrderStatus::Delivered, _) => format!("Your order #{id} was delivered"),
        (OrderStatus::Rejected, _) => format!("We could not take your order #{id}"),
        (OrderStatus::Cancelled, _) => format!("Your order #{id} is cancelled"),
        (OrderStatus::Failed, _) => format!("We could not bake your order #{id}"),
    };
    let mut body = format!("Hello {},\n\n{subject}.\n", n.customer_name);
    if !n.items.is_empty() {
        body.push('\n');
        for item in &n.items {
            body.push_str(&format!("  {item}\n"));
        }
    }
    if let Some(note) = n.note.as_deref().filter(|note| !note.is_empty()) {
        body.push_str(&format!("\nNote: {note}\n"));
    }
    if let Some(total) = n.total.and_then(price_to_cents) {
        body.push_str(&format!("\nTotal: {}\n", shop.money.format(total)));
    }
    body.push_str(&format!(
        "\nStatus: {} (since {} UTC)\n\n{}\n",
        n.status.as_str(),
        n.at,
        shop.name
    ));
    (subject, body)
}

/// The subject and plain-text body of a reminder's mail: the order's slot in words, in the
/// bakery's local time (the offset its times carry), and the total, signed by `shop`.
pub fn reminder_text(r: &Reminder, shop: &MailShop) -> (String, String) {
    let id = r.order_id;
    let slot = slot_words(&r.pickup_at, &r.pickup_until)
        .unwrap_or_else(|| format!("{} to {}", r.pickup_at, r.pickup_until));
    let subject = match r.fulfillment {
        Fulfillment::Pickup => format!("Reminder: pick up your order #{id} on {slot}"),
        Fulfillment::Delivery => format!("Reminder: your order #{id} arrives on {slot}"),
    };
    let mut body = format!(
        "Hello {},\n\n{subject}.\n\nTimes are in the bakery's time zone, {}.\n",
        r.customer_name, r.time_zone
    );
    if let Some(total) = price_to_cents(r.total) {
        body.push_str(&format!("\nTotal: {}\n", shop.money.format(total)));
    }
    body.push_str(&format!("\n{}\n", shop.name));
    (subject, body)
}

/// A slot in words from its RFC 3339 start and end, in their own offset:
/// `Saturday 5 December, 10:00 to 10:15` (the end's date too when it is another day).
fn slot_words(start: &str, end: &str) -> Option<String> {
    let start = chrono::DateTime::parse_from_rfc3339(start).ok()?;
    let end = chrono::DateTime::parse_from_rfc3339(end).ok()?;
    let until = if end.date_naive() == start.date_naive() {
        end.format("%H:%M")
    } else {
        end.format("%A %-d %B, %H:%M")
    };
    Some(format!("{} to {until}", start.format("%A %-d %B, %H:%M")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mailer_takes_what_the_order_form_takes() {
        for good in [
            "vedanti@example.com",
            "o'brien+cakes@mail.example.ie",
            "zoë@bäckerei.example",
        ] {
            assert!(recipient(good).is_ok(), "{good}");
        }
        let long_label = format!("a@{}.example.com", "b".repeat(64));
        for bad in [
            "a(b@example.com",
            long_label.as_str(),
            "a@b@example.com",
            "nope",
        ] {
            assert!(recipient(bad).is_err(), "{bad}");
            assert!(bakery_wire::rules::check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tls_and_credentials_come_from_the_url() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://user:pass@mail.example.com:587?tls=starttls",
            "smtps://user:pass@mail.example.com",
        ] {
            assert!(
                Mailer::new(
                    url,
                    "The Bakery <orders@bakery.example>",
                    None,
                    MailShop::default()
                )
                .is_ok(),
                "{url}"
            );
        }
        let err = Mailer::new(
            "smtp://user:pass@mail.example.com",
            "bakery@localhost",
            None,
            MailShop::default(),
        )
        .unwrap_err();
        assert!(
            err.contains("BAKERY_SMTP_URL") && !err.contains("pass@"),
            "{err}"
        );
    }

    #[test]
    fn a_reminder_says_the_slot_in_the_bakerys_local_time() {
        let reminder = Reminder {
            event: crate::store::notifications::REMINDER_EVENT.to_owned(),
            order_id: 12,
            status: OrderStatus::Scheduled,
            pickup_at: "2026-12-05T10:00:00+01:00".to_owned(),
            pickup_until: "2026-12-05T10:15:00+01:00".to_owned(),
            time_zone: "Europe/Paris".to_owned(),
            fulfillment: Fulfillment::Pickup,
            customer_name: "Zoë".to_owned(),
            customer_email: "zoe@example.com".to_owned(),
            total: 59.98,
            at: "2026-12-05 07:00:02".to_owned(),
        };
        let shop = MailShop {
            name: "Zoe's Bakery".to_owned(),
            money: MoneyFormat::default(),
        };
        let (subject, body) = reminder_text(&reminder, &shop);
        assert_eq!(
            subject,
            "Reminder: pick up your order #12 on Saturday 5 December, 10:00 to 10:15"
        );
        assert_eq!(
            body,
            "Hello Zoë,\n\nReminder: pick up your order #12 on Saturday 5 December, 10:00 to \
             10:15.\n\nTimes are in the bakery's time zone, Europe/Paris.\n\nTotal: $59.98\n\n\
             Zoe's Bakery\n"
        );
        let late = Reminder {
            fulfillment: Fulfillment::Delivery,
            pickup_at: "2026-12-31T23:45:00-05:00".to_owned(),
            pickup_until: "2027-01-01T00:15:00-05:00".to_owned(),
            ..reminder
        };
        assert_eq!(
            reminder_text(&late, &shop).0,
            "Reminder: your order #12 arrives on Thursday 31 December, 23:45 to Friday 1 \
             January, 00:15"
        );
    }

    #[test]
    fn the_total_is_written_in_the_shops_currency_and_locale() {
        use bakery_wire::money::{Currency, Locale};
        let notification = Notification {
            event_id: 1,
            order_id: 7,
            status: OrderStatus::Pending,
            note: None,
            at: "2026-12-01 09:00:00".to_owned(),
            customer_name: "Zoë".to_owned(),
            customer_email: "zoe@example.com".to_owned(),
            fulfillment: Fulfillment::Pickup,
            total: Some(1234.5),
            items: vec!["1 × Chocolate Cake · 8″ · “Happy 5th”".to_owned()],
        };
        let shop = MailShop {
            name: "Bäckerei Zoë".to_owned(),
            money: MoneyFormat {
                currency: Currency::EUR,
                locale: Locale::DeDe,
            },
        };
        let (_, body) = mail_text(&notification, &shop);
        assert!(body.contains("Total: 1.234,50\u{a0}€\n"), "{body}");
        assert!(
            body.contains("\n  1 × Chocolate Cake · 8″ · “Happy 5th”\n"),
            "{body}"
        );
        assert!(body.ends_with("\n\nBäckerei Zoë\n"), "{body}");
        let (_, body) = mail_text(
            &Notification {
                total: None,
                ..notification
            },
            &MailShop::default(),
        );
        assert!(!body.contains("Total"), "{body}");
    }
}
