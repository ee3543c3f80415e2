//! Live streams held open per client and in all: a stream takes a [`StreamPermit`] before it
//! starts and gives it back when it ends (the permit is dropped with the stream, also when the
//! client goes away). Only clients with a stream open are remembered, so memory follows the
//! streams, which the total bounds.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::Refusal;

/// How long a client refused by the total cap is asked to wait.
const TOTAL_RETRY_AFTER: Duration = Duration::from_secs(5);
/// How long a client at its own cap is asked to wait (a stream of its may end meanwhile).
const CLIENT_RETRY_AFTER: Duration = Duration::from_secs(10);

/// Why a stream may not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamRefusal {
    /// The client holds its share already (429).
    Client(Refusal),
    /// The process holds as many streams as it may (503).
    Total(Refusal),
}

/// The open streams of one process.
#[derive(Debug)]
pub struct StreamSlots {
    per_client: u32,
    total: u32,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    by_client: HashMap<IpAddr, u32>,
    total: u32,
}

impl StreamSlots {
    /// At most `per_client` streams per client and `total` in all (0: no limit).
    pub fn new(per_client: u32, total: u32) -> StreamSlots {
        StreamSlots {
            per_client,
            total,
            open: Mutex::default(),
        }
    }

    /// Takes a slot for a stream of `client`.
    pub fn open(self: &Arc<Self>, client: IpAddr) -> Result<StreamPermit, StreamRefusal> {
        let Ok(mut open) = self.open.lock() else {
            return Err(StreamRefusal::Total(Refusal {
                limit: "streams_total",
                retry_after: TOTAL_RETRY_AFTER,
            }));
        };
        if self.total > 0 && open.total >= self.total {
            crate::metrics::request_refused("streams_total");
            return Err(StreamRefusal::Total(Refusal {
                limit: "streams_total",
                retry_after: TOTAL_RETRY_AFTER,
            }));
        }
        let mine = open.by_client.get(&client).copied().unwrap_or(0);
        if self.per_client > 0 && mine >= self.per_client {
            crate::metrics::request_refused("streams_per_client");
            return Err(StreamRefusal::Client(Refusal {
                limit: "streams_per_client",
                retry_after: CLIENT_RETRY_AFTER,
            }));
        }
        open.by_client.insert(client, mine + 1);
        open.total += 1;
        crate::metrics::set_streams_open(open.total as usize);
        Ok(StreamPermit {
            slots: self.clone(),
            client,
        })
    }

    /// Streams open now, and clients holding them.
    pub fn counts(&self) -> (u32, usize) {
        self.open
            .lock()
            .map(|o| (o.total, o.by_client.len()))
            .unwrap_or_default()
    }

    fn close(&self, client: IpAddr) {
        if let Ok(mut open) = self.open.lock() {
            open.total = open.total.saturating_sub(1);
            if let Some(n) = open.by_client.get_mut(&client) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.by_client.remove(&client);
                }
            }
            crate::metrics::set_streams_open(open.total as usize);
        }
    }
}

/// One open stream's slot; dropping it gives the slot back.
#[derive(Debug)]
pub struct StreamPermit {
    slots: Arc<StreamSlots>,
    client: IpAddr,
}

impl Drop for StreamPermit {
    fn drop(&mut self) {
        self.slots.close(self.client);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_capped_per_client_and_in_all_and_given_back() {
        let slots = Arc::new(StreamSlots::new(2, 3));
        let (a, b, c): (IpAddr, IpAddr, IpAddr) = (
            "192.0.2.1".parse().unwrap(),
            "192.0.2.2".parse().unwrap(),
            "192.0.2.3".parse().unwrap(),
        );
        let first = slots.open(a).unwrap();
        let _second = slots.open(a).unwrap();
        assert!(matches!(slots.open(a), Err(StreamRefusal::Client(_))));
        let _third = slots.open(b).unwrap();
        assert!(matches!(slots.open(c), Err(StreamRefusal::Total(_))));
        drop(first);
        assert_eq!(slots.counts(), (2, 2));
        let _again = slots.open(c).unwrap();
        assert_eq!(slots.counts(), (3, 3));
    }
}
