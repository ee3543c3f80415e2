//! Admins only: staff accounts (add, disable or enable, change the role, reset the password,
//! sign out everywhere), API tokens (shown once, with an expiry, revocable) and the audit log.

use bakery_wire::staff::{
    ApiToken, AuditEntry, NewApiToken, NewStaffUser, PasswordReset, RoleChange, StaffRole,
    StaffUser,
};
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
    browser::window()
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
    // One change to one account: the answer replaces its row; trouble shows above the table.
    let change = move |id: i64, what: &'static str, body: Option<String>| {
        spawn_local_scoped(async move {
            let url = format!("/api/admin/users/{id}/{what}");
            match ctx.call::<StaffUser>("POST", &url, body.as_deref()).await {
                Ok(user) => {
                    users.update(|list| {
                        if let Some(row) = list.iter_mut().find(|u| u.id == user.id) {
                            *row = user;
                        }
                    });
                    problem.set(String::new());
                }
                Err(e) => problem.set(e.message),
            }
        });
    };
    let rows = move || {
        // Cloned first: views made inside `with` would register cleanups while it borrows.
        let list = users.get_clone();
        {
            list.iter()
                .map(|u| {
                    let (id, email, role) = (u.id, u.email.clone(), role_label(u.role));
                    let state = match (u.active, u.must_change_password) {
                        (false, _) => "Disabled",
                        (true, true) => "Active, must change password",
                        (true, false) => "Active",
                    };
                    let (toggle, toggle_label) = match u.active {
                        true => ("disable", "Disable"),
                        false => ("enable", "Enable"),
                    };
                    let other = match u.role {
                        StaffRole::Admin => StaffRole::Baker,
                        StaffRole::Baker => StaffRole::Admin,
                    };
                    let role_label_text = format!("Make {}", role_label(other).to_lowercase());
                    let toggle_click = move |_| {
                        if toggle == "enable" || confirm("Disable this account? Its sessions and tokens stop working at once.") {
                            change(id, toggle, None);
                        }
                    };
                    let role_click = move |_| {
                        let body = serde_json::to_string(&RoleChange { role: other }).unwrap_or_default();
                        change(id, "role", Some(body));
                    };
                    let reset_click = move |_| {
                        let temporary = browser::window()
                            .and_then(|w| w.prompt_with_message("A temporary password (at least 10 characters; they must change it at their next sign-in):").ok())
                            .flatten();
                        if let Some(password) = temporary.filter(|p| !p.is_empty()) {
                            let body = serde_json::to_string(&PasswordReset { password }).unwrap_or_default();
                            change(id, "password", Some(body));
                        }
                    };
                    let sign_out_click = move |_| change(id, "sign-out", None);
                    view! {
                        tr {
                            td { (email) } td { (role) } td { (state) }
                            td(class="row-actions") {
                                button(class="button small", r#type="button", on:click=toggle_click) { (toggle_label) }
                                button(class="button small", r#type="button", on:click=role_click) { (role_label_text) }
                                button(class="button small", r#type="button", on:click=reset_click) { "Reset password" }
                                button(class="button small", r#type="button", on:click=sign_out_click) { "Sign out everywhere" }
                            }
                        }
                    }
                })
                .collect::<Vec<_>>()
        }
    };
    view! {
        h1(id="page-title", tabindex="-1") { "Staff accounts" }
        p(class="alert", role="alert", hidden=move || problem.with(String::is_empty)) { (problem) }
        section(class="panel") {
            table(class="items admin-table") {
                thead { tr { th(scope="col") { "E-mail" } th(scope="col") { "Role" } th(scope="col") { "State" } th(scope="col") { "Actions" } } }
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
    let expiry = create_signal(String::new());
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
            expires_in: expiry.get_clone_untracked().parse::<i64>().ok(),
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
                    let expires = t.expires_at.clone().unwrap_or_else(|| "Never".to_owned());
                    let used = t.last_used_at.clone().unwrap_or_else(|| "Not yet".to_owned());
                    let state = match &t.revoked_at {
                        Some(when) => {
                            let text = format!("Revoked {when}");
                            view! { (text) }
                        }
                        None => view! {
                            button(class="button small", r#type="button", on:click=move |_| revoke(id)) { "Revoke" }
                        },
                    };
                    view! { tr { td { (name) } td { (role) } td { (at) } td { (expires) } td { (used) } td { (state) } } }
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
                thead { tr { th(scope="col") { "Name" } th(scope="col") { "Role" } th(scope="col") { "Created" } th(scope="col") { "Expires" } th(scope="col") { "Last used" } th(scope="col") { "State" } } }
                tbody { (rows) }
            }
        }
        form(class="panel admin-form", on:submit=submit, novalidate=true, aria-labelledby="add-token-title") {
            h2(id="add-token-title") { "Create a token" }
            (name_field)
            (role_field)
            div(class="field") {
                label(r#for="token-expiry") { "Expires" }
                select(id="token-expiry", bind:value=expiry) {
                    option(value="") { "Never" }
                    option(value="86400") { "In a day" }
                    option(value="2592000") { "In 30 days" }
                    option(value="31536000") { "In a year" }
                }
            }
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
