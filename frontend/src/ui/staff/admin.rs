//! Admins only: staff accounts, API tokens (shown once, revocable) and the audit log.

use bakery_wire::staff::{ApiToken, AuditEntry, NewApiToken, NewStaffUser, StaffRole, StaffUser};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use super::{StaffCtx, field, role_label, role_select};
use crate::ui::browser;

fn role_of(text: &str) -> StaffRole {
    StaffRole::parse(text).unwrap_or(StaffRole::Baker)
}

/// Loads a list from the staff API into a signal, reporting trouble in `problem`.
pub(super) fn load<T: serde::de::DeserializeOwned + 'static>(
    url: &'static str,
    list: Signal<Vec<T>>,
    problem: Signal<String>,
) {
    let ctx = use_context::<StaffCtx>();
    spawn_local_scoped(async move {
        match ctx.call::<Vec<T>>("GET", url, None).await {
            Ok(items) => list.set(items),
            Err(e) => problem.set(e.message),
        }
    });
}

/// Asks the browser's yes/no question; no answer means no.
pub(super) fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}

pub(super) fn page_start(title: &'static str) {
    browser::set_title(title);
    on_mount(|| browser::focus("page-title"));
}

#[component]
pub fn UsersPage() -> View {
    let ctx = use_context::<StaffCtx>();
    page_start("Staff accounts");
    let users = create_signal(Vec::<StaffUser>::new());
    let problem = create_signal(String::new());
    load("/api/admin/users", users, problem);
    let email = create_signal(String::new());
    let password = create_signal(String::new());
    let role = create_signal("baker".to_owned());
    let error = create_signal(String::new());

    let submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        let body = NewStaffUser {
            email: email.get_clone_untracked().trim().to_owned(),
            password: password.get_clone_untracked(),
            role: role_of(&role.get_clone_untracked()),
        };
        let body = serde_json::to_string(&body).unwrap_or_default();
        spawn_local_scoped(async move {
            match ctx
                .call::<StaffUser>("POST", "/api/admin/users", Some(&body))
                .await
            {
                Ok(user) => {
                    users.update(|u| u.push(user));
                    email.set(String::new());
                    password.set(String::new());
                    error.set(String::new());
                }
                Err(e) => error.set(e.message),
            }
        });
    };
    let email_field = field("user-email".into(), "E-mail", "email", email);
    let password_field = field(
        "user-password".into(),
        "Password (tell them in person)",
        "password",
        password,
    );
    let role_field = role_select("user-role", role);
    let rows = move || {
        // Cloned first: views made inside `with` would register cleanups while it borrows.
        let list = users.get_clone();
        {
            list.iter()
                .map(|u| {
                    let (email, role) = (u.email.clone(), role_label(u.role));
                    let state = if u.active { "Active" } else { "Disabled" };
                    view! { tr { td { (email) } td { (role) } td { (state) } } }
                })
                .collect::<Vec<_>>()
        }
    };
    view! {
        h1(id="page-title", tabindex="-1") { "Staff accounts" }
        p(class="alert", role="alert", hidden=move || problem.with(String::is_empty)) { (problem) }
        section(class="panel") {
            table(class="items admin-table") {
                thead { tr { th(scope="col") { "E-mail" } th(scope="col") { "Role" } th(scope="col") { "State" } } }
                tbody { (rows) }
            }
        }
        form(class="panel admin-form", on:submit=submit, novalidate=true, aria-labelledby="add-user-title") {
            h2(id="add-user-title") { "Add a staff member" }
            (email_field)
            (password_field)
            (role_field)
            p(class="field-error", role="alert") { (error) }
            button(class="button primary", r#type="submit") { "Add account" }
        }
    }
}

#[component]
pub fn TokensPage() -> View {
    let ctx = use_context::<StaffCtx>();
    page_start("API tokens");
    let tokens = create_signal(Vec::<ApiToken>::new());
    let problem = create_signal(String::new());
    load("/api/admin/tokens", tokens, problem);
    let name = create_signal(String::new());
    let role = create_signal("baker".to_owned());
    let error = create_signal(String::new());
    let created = create_signal(Option::<(String, String)>::None);

    let submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        let label = name.get_clone_untracked().trim().to_owned();
        if label.is_empty() {
            error.set("Name the token after what will use it, like \"till\".".to_owned());
            return;
        }
        let body = NewApiToken {
            name: label,
            role: role_of(&role.get_clone_untracked()),
        };
        let body = serde_json::to_string(&body).unwrap_or_default();
        spawn_local_scoped(async move {
            match ctx
                .call::<ApiToken>("POST", "/api/admin/tokens", Some(&body))
                .await
            {
                Ok(mut token) => {
                    created.set(
                        token
                            .token
                            .take()
                            .map(|secret| (token.name.clone(), secret)),
                    );
                    tokens.update(|t| t.insert(0, token));
                    name.set(String::new());
                    error.set(String::new());
                    browser::focus("new-token");
                }
                Err(e) => error.set(e.message),
            }
        });
    };
    let revoke = move |id: i64| {
        if !confirm("Revoke this token? Whatever uses it stops working at once.") {
            return;
        }
        spawn_local_scoped(async move {
            match ctx
                .call::<()>("DELETE", &format!("/api/admin/tokens/{id}"), None)
                .await
            {
                Ok(()) => load("/api/admin/tokens", tokens, problem),
                Err(e) => problem.set(e.message),
            }
        });
    };
    let rows = move || {
        // Cloned first: views made inside `with` would register cleanups while it borrows.
        let list = tokens.get_clone();
        {
            list.iter()
                .map(|t| {
                    let id = t.id;
                    let (name, role, at) = (t.name.clone(), role_label(t.role), t.created_at.clone());
                    let state = match &t.revoked_at {
                        Some(when) => {
                            let text = format!("Revoked {when}");
                            view! { (text) }
                        }
                        None => view! {
                            button(class="button small", r#type="button", on:click=move |_| revoke(id)) { "Revoke" }
                        },
                    };
                    view! { tr { td { (name) } td { (role) } td { (at) } td { (state) } } }
                })
                .collect::<Vec<_>>()
        }
    };
    let name_field = field("token-name".into(), "Name", "text", name);
    let role_field = role_select("token-role", role);
    let shown = move || {
        created.get_clone().map(|(label, secret)| {
            view! {
                div(class="notice token-once", id="new-token", tabindex="-1", role="status") {
                    p {
                        (format!("Token \"{label}\" — copy it now, it will not be shown again: "))
                        code(data-testid="new-token") { (secret) }
                    }
                }
            }
        })
    };
    view! {
        h1(id="page-title", tabindex="-1") { "API tokens" }
        p { "Programs that automate the back-office send " code { "Authorization: Bearer <token>" } "." }
        p(class="alert", role="alert", hidden=move || problem.with(String::is_empty)) { (problem) }
        (move || View::from(shown()))
        section(class="panel") {
            table(class="items admin-table") {
                thead { tr { th(scope="col") { "Name" } th(scope="col") { "Role" } th(scope="col") { "Created" } th(scope="col") { "State" } } }
                tbody { (rows) }
            }
        }
        form(class="panel admin-form", on:submit=submit, novalidate=true, aria-labelledby="add-token-title") {
            h2(id="add-token-title") { "Create a token" }
            (name_field)
            (role_field)
            p(class="field-error", role="alert") { (error) }
            button(class="button primary", r#type="submit") { "Create token" }
        }
    }
}

#[component]
pub fn AuditPage() -> View {
    page_start("Audit log");
    let entries = create_signal(Vec::<AuditEntry>::new());
    let problem = create_signal(String::new());
    load("/api/admin/audit", entries, problem);
    let rows = move || {
        // Cloned first: views made inside `with` would register cleanups while it borrows.
        let list = entries.get_clone();
        {
            list.iter()
                .map(|e| {
                    let details = if e.details.is_null() { String::new() } else { e.details.to_string() };
                    let (at, actor, action, target) = (e.at.clone(), e.actor.clone(), e.action.clone(), e.target.clone());
                    view! { tr { td { (at) } td { (actor) } td { (action) } td { (target) } td(class="details") { (details) } } }
                })
                .collect::<Vec<_>>()
        }
    };
    view! {
        h1(id="page-title", tabindex="-1") { "Audit log" }
        p(class="alert", role="alert", hidden=move || problem.with(String::is_empty)) { (problem) }
        section(class="panel table-scroll") {
            table(class="items admin-table") {
                thead { tr { th(scope="col") { "When (UTC)" } th(scope="col") { "Who" } th(scope="col") { "What" } th(scope="col") { "On" } th(scope="col") { "Details" } } }
                tbody { (rows) }
            }
        }
    }
}
