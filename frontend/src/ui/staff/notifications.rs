//! Admins only: the webhook endpoints told of every order's status changes (the secret shown
//! once, removable) and the latest notification deliveries, a dead one with a Retry button.

use bakery_wire::staff::{NotificationDelivery, Webhook};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use super::admin::{confirm, load, page_start};
use super::{StaffCtx, field};
use crate::staff::{
    delivery_order, delivery_retryable, delivery_state, delivery_target, new_webhook,
};
use crate::ui::browser;

const WEBHOOKS: &str = "/api/admin/webhooks";
const DELIVERIES: &str = "/api/admin/notifications";

#[component]
pub fn NotificationsPage() -> View {
    let ctx = use_context::<StaffCtx>();
    page_start("Notifications");
    let hooks = create_signal(Vec::<Webhook>::new());
    let problem = create_signal(String::new());
    load(WEBHOOKS, hooks, problem);
    // `None` until the first answer, so an empty list is not claimed while loading.
    let deliveries = create_signal(Option::<Vec<NotificationDelivery>>::None);
    let refresh = move || {
        spawn_local_scoped(async move {
            match ctx
                .call::<Vec<NotificationDelivery>>("GET", DELIVERIES, None)
                .await
            {
                Ok(list) => deliveries.set(Some(list)),
                Err(e) => problem.set(e.message),
            }
        });
    };
    refresh();
    let url = create_signal(String::new());
    let secret = create_signal(String::new());
    let error = create_signal(String::new());
    // The endpoint just added and its secret, shown until it is removed or another is added.
    let created = create_signal(Option::<(i64, String, String)>::None);

    let submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        let body = match new_webhook(&url.get_clone_untracked(), &secret.get_clone_untracked()) {
            Ok(body) => body,
            Err(e) => {
                error.set(e);
                browser::focus("webhook-url");
                return;
            }
        };
        let body = serde_json::to_string(&body).unwrap_or_default();
        spawn_local_scoped(async move {
            match ctx.call::<Webhook>("POST", WEBHOOKS, Some(&body)).await {
                Ok(mut hook) => {
                    created.set(hook.secret.take().map(|s| (hook.id, hook.url.clone(), s)));
                    hooks.update(|h| h.insert(0, hook));
                    url.set(String::new());
                    secret.set(String::new());
                    error.set(String::new());
                    browser::focus("new-secret");
                }
                Err(e) => error.set(e.message),
            }
        });
    };
    let remove = move |id: i64| {
        if !confirm("Remove this endpoint? It will not be told of orders any more.") {
            return;
        }
        spawn_local_scoped(async move {
            match ctx
                .call::<()>("DELETE", &format!("{WEBHOOKS}/{id}"), None)
                .await
            {
                Ok(()) => {
                    hooks.update(|h| h.retain(|w| w.id != id));
                    if created.with_untracked(|c| c.as_ref().is_some_and(|c| c.0 == id)) {
                        created.set(None);
                    }
                    problem.set(String::new());
                }
                Err(e) => problem.set(e.message),
            }
        });
    };
    let retry = move |id: i64| {
        spawn_local_scoped(async move {
            let path = format!("{DELIVERIES}/{id}/retry");
            match ctx.call::<()>("POST", &path, None).await {
                Ok(()) => {
                    problem.set(String::new());
                    refresh();
                }
                Err(e) => problem.set(e.message),
            }
        });
    };

    let hook_rows = move || {
        // Cloned first: views made inside `with` would register cleanups while it borrows.
        let list = hooks.get_clone();
        if list.is_empty() {
            return vec![view! {
                tr { td(colspan="3", class="muted") { "No endpoints yet: orders are told to nobody." } }
            }];
        }
        list.iter()
            .map(|w| {
                let id = w.id;
                let (address, at) = (w.url.clone(), w.created_at.clone());
                let label = format!("Remove {address}");
                view! {
                    tr(data-webhook-id=id.to_string()) {
                        td(class="details") { (address) }
                        td { (at) }
                        td {
                            button(class="button small", r#type="button", id=format!("remove-webhook-{id}"),
                                aria-label=label, on:click=move |_| remove(id)) { "Remove" }
                        }
                    }
                }
            })
            .collect::<Vec<_>>()
    };
    let delivery_rows = move || {
        let endpoints = hooks.get_clone();
        let Some(list) = deliveries.get_clone() else {
            return vec![view! { tr { td(colspan="8", class="muted") { "Loading…" } } }];
        };
        if list.is_empty() {
            return vec![view! {
                tr { td(colspan="8", class="muted") { "Nothing sent yet." } }
            }];
        }
        list.iter()
            .map(|d| {
                let order = delivery_order(d);
                let to = delivery_target(d, &endpoints);
                let status = d.status.clone();
                let ok = status == "delivered";
                let state = delivery_state(&d.status).to_owned();
                let (channel, attempts) = (d.channel.clone(), d.attempts.to_string());
                let last_error = d.last_error.clone().unwrap_or_default();
                let delivered = d.delivered_at.clone().unwrap_or_else(|| "—".to_owned());
                let id = d.id;
                let action: Option<View> = delivery_retryable(d).then(|| {
                    let label = format!("Retry the delivery of {order} to {to}");
                    view! {
                        button(class="button small", r#type="button", id=format!("retry-delivery-{id}"),
                            aria-label=label, on:click=move |_| retry(id)) { "Retry" }
                    }
                });
                let action = View::from(action);
                view! {
                    tr(data-status=status, data-delivery-id=id.to_string()) {
                        td { (order) }
                        td { (channel) }
                        td(class="details") { (to) }
                        td { span(class=if ok { "tag" } else { "tag off" }) { (state) } }
                        td { (attempts) }
                        td(class="details") { (last_error) }
                        td { (delivered) }
                        td { (action) }
                    }
                }
            })
            .collect::<Vec<_>>()
    };
    let url_field = field(
        "webhook-url".into(),
        "Address (https://… or http://…)",
        "url",
        url,
    );
    let secret_field = field(
        "webhook-secret".into(),
        "Secret (optional, 16 characters or more)",
        "text",
        secret,
    );
    let shown = move || {
        created.get_clone().map(|(_, address, secret)| {
            view! {
                div(class="notice token-once", id="new-secret", tabindex="-1", role="status") {
                    p {
                        (format!("Secret for {address} — copy it now, it will not be shown again: "))
                        code(data-testid="new-webhook-secret") { (secret) }
                    }
                }
            }
        })
    };
    view! {
        h1(id="page-title", tabindex="-1") { "Notifications" }
        p {
            "Every order's status change is sent to each endpoint as JSON, signed with its secret in "
            code { "X-Bakery-Signature" } "; failures are retried with growing pauses. A delivery \
            that cannot succeed (an endpoint answering 4xx, an address the mail server refuses) or \
            keeps failing is dead: fix the cause, then retry it."
        }
        p(class="alert", role="alert", hidden=move || problem.with(String::is_empty)) { (problem) }
        (move || View::from(shown()))
        section(class="panel table-scroll", aria-labelledby="webhooks-title") {
            h2(id="webhooks-title") { "Webhook endpoints" }
            table(class="items admin-table", data-testid="webhooks") {
                thead { tr { th(scope="col") { "Address" } th(scope="col") { "Added (UTC)" } th(scope="col") { span(class="visually-hidden") { "Actions" } } } }
                tbody { (hook_rows) }
            }
        }
        form(class="panel admin-form", on:submit=submit, novalidate=true, aria-labelledby="add-webhook-title") {
            h2(id="add-webhook-title") { "Add an endpoint" }
            (url_field)
            (secret_field)
            p(class="muted") { "https:// or http://, without a user or password; addresses on this machine or a private network are refused unless the server allows them. Without a secret one is made for you." }
            p(class="field-error", role="alert") { (error) }
            button(class="button primary", r#type="submit", id="add-webhook") { "Add endpoint" }
        }
        section(class="panel table-scroll", aria-labelledby="deliveries-title") {
            div(class="board-head") {
                h2(id="deliveries-title") { "Recent deliveries" }
                button(class="button small", r#type="button", id="refresh-deliveries", on:click=move |_| refresh()) { "Refresh" }
            }
            table(class="items admin-table", data-testid="deliveries") {
                thead {
                    tr {
                        th(scope="col") { "Order" } th(scope="col") { "Channel" } th(scope="col") { "To" }
                        th(scope="col") { "State" } th(scope="col") { "Attempts" } th(scope="col") { "Last error" }
                        th(scope="col") { "Delivered (UTC)" }
                        th(scope="col") { span(class="visually-hidden") { "Actions" } }
                    }
                }
                tbody { (delivery_rows) }
            }
        }
    }
}
