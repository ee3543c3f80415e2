//! Small browser services the pages share: localStorage, timers, random keys, focus, title.

use wasm_bindgen::JsCast;

/// The browser's window; `None` on the server, where the shop's page is rendered to HTML (every
/// browser service below then does nothing).
#[cfg(target_arch = "wasm32")]
pub fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn window() -> Option<web_sys::Window> {
    None
}

fn storage() -> Option<web_sys::Storage> {
    window()?.local_storage().ok().flatten()
}

/// Reads a localStorage entry; private modes without storage simply read nothing.
pub fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Writes a localStorage entry; a full or missing storage only costs persistence, not the page.
pub fn save(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

pub fn forget(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// Reads and removes a sessionStorage entry (a mark for the next page load of this tab).
#[cfg(all(target_arch = "wasm32", feature = "hydrate"))]
pub fn take_session_mark(key: &str) -> bool {
    let Some(session) = window().and_then(|w| w.session_storage().ok().flatten()) else {
        return false;
    };
    let marked = session.get_item(key).ok().flatten().is_some();
    if marked {
        let _ = session.remove_item(key);
    }
    marked
}

/// Loads the current address again from the server: for a page this bundle does not have
/// (the router has already put its address in the location bar).
#[cfg(not(feature = "staff"))]
pub fn load_in_full() {
    if let Some(window) = window() {
        let _ = window.location().reload();
    }
}

/// Waits `ms` milliseconds without blocking the page.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A fresh random idempotency key (UUID v4 shape).
pub fn random_key() -> String {
    let mut bytes = [0u8; 16];
    let filled = window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // Without Web Crypto, Math.random still keeps two customers' keys apart.
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    crate::checkout::uuid_v4(bytes)
}

/// Moves keyboard and screen-reader focus to an element, if it is there.
pub fn focus(id: &str) {
    let element = window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}

/// Sets the tab's title, so history and screen readers name the page.
pub fn set_title(page: &str) {
    if let Some(document) = window().and_then(|w| w.document()) {
        document.set_title(&format!("{page} · Bakery"));
    }
}

/// The value of the input element an event came from.
pub fn input_value(event: &web_sys::Event) -> String {
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

/// Overwrites the value of the input element an event came from.
pub fn set_input_value(event: &web_sys::Event, value: &str) {
    if let Some(input) = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        input.set_value(value);
    }
}

/// Whether the checkbox an event came from is checked.
pub fn input_checked(event: &web_sys::Event) -> bool {
    event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .is_some_and(|i| i.checked())
}

/// The current page address's query (`?avoid=nuts`), or `""`.
#[cfg(target_arch = "wasm32")]
pub fn query() -> String {
    window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// Replaces the page address's query without a new history entry or a reload.
pub fn replace_query(query: &str) {
    let Some(window) = window() else {
        return;
    };
    let path = window
        .location()
        .pathname()
        .unwrap_or_else(|_| "/".to_owned());
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("{path}{query}")),
        );
    }
}
