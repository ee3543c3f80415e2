//! OrderRecord: one order's page packed into a few dozen bytes, and unpacked again to render it.
//!
//! A page of JSON is 500–700 bytes; the record keeps the same facts as varints, times as
//! seconds from the order's creation, and the strings orders share (product names, option
//! names, history notes, a note's text before a trailing time) as indexes into [`Words`]. Packing is checked
//! by unpacking: a view that would not come back the same is not packed at all.

use std::collections::HashMap;
use std::sync::RwLock;

use bakery_wire::{
    ChosenOption, Fulfillment, OrderLine, OrderStatus, OrderView, StatusChange, cents_to_price,
};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};

/// Strings shared by many orders, each stored once; at most [`Words::LIMIT`] of them.
#[derive(Debug, Default)]
pub struct Words {
    table: RwLock<WordTable>,
}

#[derive(Debug, Default)]
struct WordTable {
    words: Vec<Box<str>>,
    index: HashMap<Box<str>, u32>,
}

impl Words {
    /// Most words kept; later ones are written out in each record.
    pub const LIMIT: usize = 4096;

    fn index_of(&self, word: &str) -> Option<u32> {
        if let Some(&n) = self.table.read().ok()?.index.get(word) {
            return Some(n);
        }
        let mut table = self.table.write().ok()?;
        if let Some(&n) = table.index.get(word) {
            return Some(n);
        }
        if table.words.len() >= Self::LIMIT {
            return None;
        }
        let n = u32::try_from(table.words.len()).ok()?;
        table.words.push(word.into());
        table.index.insert(word.into(), n);
        Some(n)
    }

    fn word(&self, n: u64) -> Option<String> {
        let table = self.table.read().ok()?;
        Some(table.words.get(usize::try_from(n).ok()?)?.to_string())
    }
}

// Tags of a string slot.
const NONE: u64 = 0;
const INLINE: u64 = 1;
const WORD: u64 = 2;
/// A word followed by a time (`in the oven until 2026-11-26 09:00:00`).
const WORD_AND_TIME: u64 = 3;

/// Length of a wire time, `YYYY-MM-DD HH:MM:SS`.
const TIME_LEN: usize = 19;

/// Seconds since the epoch of a wire time; `None` unless `text` is exactly `YYYY-MM-DD
/// HH:MM:SS` of a real date (read by hand: chrono's pattern parser was the larger part of
/// keeping a view).
fn parse_time(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != TIME_LEN || b[4] != b'-' || b[7] != b'-' || b[10] != b' ' {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(number(0, 4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, number(5, 7)?, number(8, 10)?)?;
    let time = NaiveTime::from_hms_opt(number(11, 13)?, number(14, 16)?, number(17, 19)?)?;
    Some(NaiveDateTime::new(date, time).and_utc().timestamp())
}

fn format_time(secs: i64) -> Option<String> {
    Some(crate::store::wire_time(DateTime::from_timestamp(secs, 0)?))
}

fn status_code(status: OrderStatus) -> u64 {
    OrderStatus::ALL
        .iter()
        .position(|s| *s == status)
        .unwrap_or_default() as u64
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

struct Writer<'a> {
    bytes: Vec<u8>,
    words: &'a Words,
    created: i64,
}

impl Writer<'_> {
    fn uint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.bytes.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.bytes.push(n as u8);
    }

    fn int(&mut self, n: i64) {
        self.uint(zigzag(n));
    }

    fn inline(&mut self, text: &str) {
        self.uint(INLINE);
        self.uint(text.len() as u64);
        self.bytes.extend_from_slice(text.as_bytes());
    }

    /// A string that is the same in many orders.
    fn shared(&mut self, text: Option<&str>) {
        let Some(text) = text else {
            return self.uint(NONE);
        };
        if let Some(split) = text.len().checked_sub(TIME_LEN)
            && text.is_char_boundary(split)
            && let Some(at) = parse_time(&text[split..])
            && let Some(n) = self.words.index_of(&text[..split])
        {
            self.uint(WORD_AND_TIME);
            self.uint(u64::from(n));
            return self.int(at - self.created);
        }
        match self.words.index_of(text) {
            Some(n) => {
                self.uint(WORD);
                self.uint(u64::from(n));
            }
            None => self.inline(text),
        }
    }

    /// A string of this order only.
    fn own(&mut self, text: Option<&str>) {
        match text {
            Some(text) => self.inline(text),
            None => self.uint(NONE),
        }
    }

    fn time(&mut self, text: &str) -> Option<()> {
        let at = parse_time(text)?;
        self.int(at - self.created);
        Some(())
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    words: &'a Words,
    created: i64,
}

impl Reader<'_> {
    fn uint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.bytes.split_first()?;
            self.bytes = rest;
            n |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Some(n);
            }
        }
        None
    }

    fn int(&mut self) -> Option<i64> {
        self.uint().map(unzigzag)
    }

    fn text(&mut self) -> Option<Option<String>> {
        Some(match self.uint()? {
            NONE => None,
            INLINE => {
                let len = usize::try_from(self.uint()?).ok()?;
                let (text, rest) = self.bytes.split_at_checked(len)?;
                self.bytes = rest;
                Some(String::from_utf8(text.to_vec()).ok()?)
            }
            WORD => Some(self.words.word(self.uint()?)?),
            WORD_AND_TIME => {
                let mut text = self.words.word(self.uint()?)?;
                text.push_str(&self.time()?);
                Some(text)
            }
            _ => return None,
        })
    }

    fn time(&mut self) -> Option<String> {
        format_time(self.created.checked_add(self.int()?)?)
    }

    fn status(&mut self) -> Option<OrderStatus> {
        OrderStatus::ALL
            .get(usize::try_from(self.uint()?).ok()?)
            .copied()
    }
}

/// Packs `view`; `None` if it would not unpack to the same view (then it is not kept).
pub fn pack(view: &OrderView, words: &Words) -> Option<Box<[u8]>> {
    let created = parse_time(&view.created_at)?;
    let mut w = Writer {
        bytes: Vec::with_capacity(64),
        words,
        created,
    };
    w.int(created);
    w.uint(status_code(view.status));
    w.uint(u64::from(view.fulfillment == Fulfillment::Delivery));
    w.int(price_cents(view.total)?);
    w.own(Some(&view.customer_name));
    w.own(view.failure_reason.as_deref());
    w.own(view.delivery_address.as_deref());
    w.shared(view.pickup_at.as_deref());
    match &view.ready_at {
        None => w.uint(0),
        Some(at) => {
            w.uint(1);
            w.time(at)?;
        }
    }
    w.uint(view.items.len() as u64);
    for line in &view.items {
        w.int(line.product_id);
        w.shared(Some(&line.product_name));
        w.int(line.quantity);
        w.int(price_cents(line.unit_price)?);
        w.uint(line.options.len() as u64);
        for chosen in &line.options {
            w.shared(Some(&chosen.group));
            w.shared(Some(&chosen.choice));
            w.int(price_cents(chosen.price_delta)?);
        }
        w.own(line.inscription.as_deref());
    }
    w.uint(view.history.len() as u64);
    for change in &view.history {
        w.uint(status_code(change.status));
        w.shared(change.note.as_deref());
        w.time(&change.at)?;
    }
    let record = w.bytes.into_boxed_slice();
    (unpack(view.order_id, &record, words).as_ref() == Some(view)).then_some(record)
}

/// The cents of a price that came from cents (`None` for anything else).
fn price_cents(price: f64) -> Option<i64> {
    let cents = (price * 100.0).round();
    (cents.is_finite() && cents.abs() < 9e15 && cents_to_price(cents as i64) == price)
        .then_some(cents as i64)
}

/// The view `record` was packed from.
pub fn unpack(order_id: i64, record: &[u8], words: &Words) -> Option<OrderView> {
    let mut r = Reader {
        bytes: record,
        words,
        created: 0,
    };
    r.created = r.int()?;
    let created_at = format_time(r.created)?;
    let status = r.status()?;
    let fulfillment = match r.uint()? {
        0 => Fulfillment::Pickup,
        _ => Fulfillment::Delivery,
    };
    let total = cents_to_price(r.int()?);
    let customer_name = r.text()??;
    let failure_reason = r.text()?;
    let delivery_address = r.text()?;
    let pickup_at = r.text()?;
    let ready_at = match r.uint()? {
        0 => None,
        _ => Some(r.time()?),
    };
    let count = r.uint()?;
    let mut items = Vec::with_capacity(usize::try_from(count.min(64)).ok()?);
    for _ in 0..count {
        let product_id = r.int()?;
        let product_name = r.text()??;
        let quantity = r.int()?;
        let unit_price_cents = r.int()?;
        let chosen = r.uint()?;
        let mut options = Vec::with_capacity(usize::try_from(chosen.min(16)).ok()?);
        for _ in 0..chosen {
            options.push(ChosenOption {
                group: r.text()??,
                choice: r.text()??,
                price_delta: cents_to_price(r.int()?),
            });
        }
        let inscription = r.text()?;
        items.push(
            OrderLine::of(product_id, product_name, quantity, unit_price_cents)
                .with_choices(options, inscription),
        );
    }
    let count = r.uint()?;
    let mut history = Vec::with_capacity(usize::try_from(count.min(64)).ok()?);
    for _ in 0..count {
        let status = r.status()?;
        let note = r.text()?;
        let at = r.time()?;
        history.push(StatusChange { status, note, at });
    }
    Some(OrderView {
        order_id,
        customer_name,
        status,
        created_at,
        items,
        total,
        history,
        failure_reason,
        ready_at,
        fulfillment,
        delivery_address,
        pickup_at,
        pickup_until: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(status: OrderStatus, note: Option<&str>, at: &str) -> StatusChange {
        StatusChange {
            status,
            note: note.map(str::to_owned),
            at: at.to_owned(),
        }
    }

    fn line(name: &str, quantity: i64, cents: i64) -> OrderLine {
        OrderLine::of(7, name.to_owned(), quantity, cents)
    }

    fn ready_order() -> OrderView {
        OrderView {
            order_id: 42,
            customer_name: "Zoë «Bäckerin» 🍞".to_owned(),
            status: OrderStatus::Ready,
            created_at: "2026-11-26 08:59:58".to_owned(),
            items: vec![line("Croissant", 2, 350), line("Sourdough Loaf", 1, 2999)],
            total: cents_to_price(3699),
            history: vec![
                change(
                    OrderStatus::Pending,
                    Some("order placed"),
                    "2026-11-26 08:59:58",
                ),
                change(
                    OrderStatus::Processing,
                    Some("in the oven until 2026-11-26 09:00:03"),
                    "2026-11-26 08:59:59",
                ),
                change(OrderStatus::Ready, None, "2026-11-26 09:00:03"),
            ],
            failure_reason: None,
            ready_at: Some("2026-11-26 09:00:03".to_owned()),
            fulfillment: Fulfillment::Delivery,
            delivery_address: Some("1 Rue du Pain\nParis".to_owned()),
            pickup_at: Some("2026-11-26T09:00:00Z".to_owned()),
            pickup_until: None,
        }
    }

    #[test]
    fn a_packed_order_unpacks_to_the_same_view_in_a_few_dozen_bytes() {
        let words = Words::default();
        let view = ready_order();
        let record = pack(&view, &words).unwrap();
        assert_eq!(unpack(42, &record, &words), Some(view.clone()));
        let json = serde_json::to_vec(&view).unwrap();
        assert!(
            record.len() * 5 < json.len(),
            "{} vs {}",
            record.len(),
            json.len()
        );
        // The shared words are stored once: a second order costs no more.
        assert_eq!(pack(&view, &words).unwrap().len(), record.len());
    }

    #[test]
    fn a_line_keeps_its_options_and_inscription() {
        let words = Words::default();
        let mut view = ready_order();
        let cake = line("Chocolate Cake", 1, 3799).with_choices(
            vec![ChosenOption {
                group: "Size".to_owned(),
                choice: "8″".to_owned(),
                price_delta: 8.0,
            }],
            Some("Happy 5th, Léa!".to_owned()),
        );
        view.items.push(cake);
        let record = pack(&view, &words).unwrap();
        assert_eq!(unpack(42, &record, &words), Some(view));
    }

    #[test]
    fn wire_times_read_back_to_what_was_written() {
        for text in [
            "2026-11-26 06:00:00",
            "1999-12-31 23:59:59",
            "2024-02-29 12:34:56",
        ] {
            assert_eq!(format_time(parse_time(text).unwrap()).unwrap(), text);
        }
        for odd in [
            "2026-11-26T06:00:00",
            "2026-11-26 06:00:0",
            "2026-11-26 06:00:000",
            "2025-02-29 06:00:00",
            "2026-13-01 06:00:00",
            "2026-11-26 24:00:00",
            "2026-11-26 06:60:00",
            "2026-+1-26 06:00:00",
            "yesterday",
        ] {
            assert_eq!(parse_time(odd), None, "{odd}");
        }
    }

    #[test]
    fn odd_views_are_kept_exactly_or_not_at_all() {
        let words = Words::default();
        let mut view = ready_order();
        view.status = OrderStatus::Failed;
        view.failure_reason = Some("not enough Croissant: 1 left".to_owned());
        view.ready_at = None;
        view.items.clear();
        view.history[1].note = Some("x".repeat(300));
        view.history[2].at = "1999-12-31 23:59:59".to_owned();
        let record = pack(&view, &words).unwrap();
        assert_eq!(unpack(42, &record, &words), Some(view.clone()));
        // A time that is not a wire time, or a price that is not whole cents, is not packed.
        let mut odd = view.clone();
        odd.created_at = "yesterday".to_owned();
        assert!(pack(&odd, &words).is_none());
        let mut odd = view;
        odd.total = 0.125;
        assert!(pack(&odd, &words).is_none());
        // Garbage never unpacks into a view.
        assert!(unpack(1, &[0xff; 12], &words).is_none());
        assert!(unpack(1, &[], &words).is_none());
    }

    #[test]
    fn words_beyond_the_limit_are_written_out() {
        let words = Words::default();
        for n in 0..Words::LIMIT {
            assert!(words.index_of(&format!("word {n}")).is_some());
        }
        assert!(words.index_of("one more").is_none());
        let mut view = ready_order();
        view.items = vec![line("A New Bun", 1, 100)];
        view.total = cents_to_price(100);
        let record = pack(&view, &words).unwrap();
        assert_eq!(unpack(42, &record, &words), Some(view));
    }
}
