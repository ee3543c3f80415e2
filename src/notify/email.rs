//! E-mail to customers through the configured SMTP server: one short plain-text mail per status change.

use std::time::Duration;

use bakery_wire::{Fulfillment, OrderStatus};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{SmtpServer, parse_sender};
use crate::store::notifications::Notification;

/// Sends the customers' mails.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

impl Mailer {
    /// A mailer for `smtp://host:port` (plain SMTP, no TLS: a local relay), sending as `from`.
    pub fn new(url: &str, from: &str) -> Result<Mailer, String> {
        let SmtpServer { host, port } =
            SmtpServer::parse(url).map_err(|e| format!("BAKERY_SMTP_URL {e}"))?;
        let from = parse_sender(from).map_err(|e| format!("BAKERY_SMTP_FROM {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(Duration::from_secs(10)))
            .build();
        Ok(Mailer { transport, from })
    }

    /// Sends the mail of `notification` to its customer.
    pub async fn send(&self, notification: &Notification) -> Result<(), String> {
        let to: Mailbox = notification
            .customer_email
            .parse()
            .map_err(|e| format!("not a deliverable address: {e}"))?;
        let (subject, body) = mail_text(notification);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// The subject and plain-text body of a notification's mail.
pub fn mail_text(n: &Notification) -> (String, String) {
    let id = n.order_id;
    let subject = match (n.status, n.fulfillment) {
        (OrderStatus::Pending, _) => format!("We have your order #{id}"),
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
    if let Some(note) = n.note.as_deref().filter(|note| !note.is_empty()) {
        body.push_str(&format!("\nNote: {note}\n"));
    }
    body.push_str(&format!(
        "\nStatus: {} (since {} UTC)\n\nThe Bakery\n",
        n.status.as_str(),
        n.at
    ));
    (subject, body)
}
