//! Follows an order's status as it changes: Server-Sent Events first, polling when they fail.

use std::cell::RefCell;
use std::rc::Rc;

use bakery_wire::{OrderView, StatusChange};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{EventSource, MessageEvent};

use super::{api, browser};

/// What the order page shows.
#[derive(Clone, PartialEq)]
pub enum Tracked {
    Loading,
    Found(Box<OrderView>),
    NotFound,
    Failed(String),
}

/// How updates reach the page, told to the customer in a small note.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Channel {
    Connecting,
    /// The server pushes each change.
    Live,
    /// The push stream failed; the page asks every second.
    Polling,
    /// Nothing more will change.
    Done,
}

/// An open event stream; closing it on drop means leaving the page stops it.
struct Stream {
    source: EventSource,
    _on_status: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
    _on_open: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.source.close();
    }
}

/// Adds a status change to the shown order, once (the stream starts with the current status,
/// which the order's history already holds).
fn apply(order: Signal<Tracked>, change: StatusChange) {
    order.update(|tracked| {
        if let Tracked::Found(view) = tracked {
            view.status = change.status;
            let known = view
                .history
                .iter()
                .any(|h| h.status == change.status && h.at == change.at);
            if !known {
                view.history.push(change);
            }
        }
    });
}

impl Stream {
    fn open(
        order_id: i64,
        token: Option<&str>,
        order: Signal<Tracked>,
        channel: Signal<Channel>,
        refresh: Signal<bool>,
    ) -> Option<Stream> {
        let url = crate::recent::with_token(&format!("/api/orders/{order_id}/events"), token);
        let source = EventSource::new(&url).ok()?;
        let on_status = {
            let source = source.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let Some(text) = event.data().as_string() else {
                    return;
                };
                let Ok(change) = serde_json::from_str::<StatusChange>(&text) else {
                    return;
                };
                let status = change.status;
                apply(order, change);
                if status.is_settled() {
                    // Ready and final states carry details (ready time, reason) the event lacks.
                    refresh.set(true);
                }
                if status.is_final() {
                    // Close before the server ends the stream, so the browser does not reconnect.
                    source.close();
                    channel.set(Channel::Done);
                }
            })
        };
        let on_error = {
            let source = source.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                match channel.get_untracked() {
                    Channel::Done => {}
                    // A stream that was live ended (the server ends each after its maximum
                    // lifetime): the browser reconnects, and the first event is the status now.
                    Channel::Live if source.ready_state() == EventSource::CONNECTING => {
                        channel.set(Channel::Connecting);
                    }
                    // It never opened, or reconnecting failed: ask every second instead.
                    _ => {
                        source.close();
                        channel.set(Channel::Polling);
                    }
                }
            })
        };
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if channel.get_untracked() == Channel::Connecting {
                channel.set(Channel::Live);
            }
        });
        source
            .add_event_listener_with_callback("status", on_status.as_ref().unchecked_ref())
            .ok()?;
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        Some(Stream {
            source,
            _on_status: on_status,
            _on_error: on_error,
            _on_open: on_open,
        })
    }
}

/// Loads an order (in full with its tracking token) and keeps it current while the calling
/// component lives.
pub fn track(order_id: i64, token: Option<String>) -> (Signal<Tracked>, Signal<Channel>) {
    let order = create_signal(Tracked::Loading);
    let channel = create_signal(Channel::Connecting);
    let refresh = create_signal(false);
    let stream: Rc<RefCell<Option<Stream>>> = Rc::default();
    {
        let stream = stream.clone();
        on_cleanup(move || drop(stream.borrow_mut().take()));
    }

    spawn_local_scoped(async move {
        match api::order(order_id, token.as_deref()).await {
            Ok(Some(view)) => {
                let done = view.status.is_final();
                order.set(Tracked::Found(Box::new(view)));
                if done {
                    channel.set(Channel::Done);
                    return;
                }
            }
            Ok(None) => {
                order.set(Tracked::NotFound);
                channel.set(Channel::Done);
                return;
            }
            Err(message) => {
                // The order may exist: keep asking, as after a stream failure.
                order.set(Tracked::Failed(message));
                channel.set(Channel::Polling);
            }
        }
        if channel.get_untracked() == Channel::Connecting {
            match Stream::open(order_id, token.as_deref(), order, channel, refresh) {
                Some(s) => *stream.borrow_mut() = Some(s),
                None => channel.set(Channel::Polling),
            }
        }
        let mut ticks = 0u32;
        loop {
            browser::sleep(1000).await;
            ticks += 1;
            let now = channel.get_untracked();
            if matches!(now, Channel::Polling | Channel::Done) {
                // A failed or finished stream is let go here, outside its own callbacks (one
                // that is reconnecting is kept: it either opens or fails into polling).
                drop(stream.borrow_mut().take());
            }
            let settled =
                order.with_untracked(|o| matches!(o, Tracked::Found(v) if v.status.is_settled()));
            // Once ready, the only change left is the pickup: every 5 s is plenty.
            let poll_now = now == Channel::Polling && (!settled || ticks.is_multiple_of(5));
            if poll_now || refresh.get_untracked() {
                refresh.set(false);
                match api::order(order_id, token.as_deref()).await {
                    Ok(Some(view)) => {
                        let done = view.status.is_final();
                        order.set(Tracked::Found(Box::new(view)));
                        if done {
                            channel.set(Channel::Done);
                        }
                    }
                    Ok(None) => order.set(Tracked::NotFound),
                    // Keep what is shown; the next tick tries again.
                    Err(_) => {}
                }
            }
            if channel.get_untracked() == Channel::Done {
                drop(stream.borrow_mut().take());
                break;
            }
        }
    });
    (order, channel)
}
