//! The back-office under `/staff`: the session (sign-in, CSRF, sign-out), its header, and the
//! gate in front of every staff page. Only what the role may do is shown; the server enforces
//! the same rules anyway.

mod account;
mod actors;
mod admin;
mod board;
mod calendar;
mod catalog;
mod categories;
mod notifications;
mod options_editor;
mod production;
mod switches;

use bakery_wire::staff::{CSRF_HEADER, SignIn, StaffRole, StaffSession};
use serde::de::DeserializeOwned;
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;
use sycamore_router::navigate;

use super::api::{self, ApiError, Reply};
use super::{Page, browser};
use crate::staff::Caps;

/// Who is signed in, as far as this tab knows.
#[derive(Clone, PartialEq)]
pub enum Session {
    /// Not asked yet.
    Unknown,
    Out,
    In(StaffSession),
}

/// What the pages depend on: a role, not the token (a new CSRF token must not rebuild a page).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gate {
    Checking,
    Out,
    /// Signed in after a password reset: only changing it is allowed.
    MustChange,
    In(StaffRole),
}

/// The staff session, shared by every staff page as context.
#[derive(Clone, Copy)]
pub struct StaffCtx {
    pub session: Signal<Session>,
}

impl StaffCtx {
    pub fn new() -> StaffCtx {
        StaffCtx {
            session: create_signal(Session::Unknown),
        }
    }

    /// Asks the server who is signed in (`GET /api/staff/me`).
    pub async fn check(self) {
        let reply = api::send("GET", "/api/staff/me", None, None).await;
        let session = match reply.map(api::decode::<StaffSession>) {
            Ok(Ok(me)) => Session::In(me),
            // Unreachable server: say signed out; the sign-in form reports the real trouble.
            _ => Session::Out,
        };
        self.session.set(session);
    }

    fn csrf_token(self) -> String {
        self.session.with_untracked(|s| match s {
            Session::In(me) => me.csrf_token.clone(),
            _ => String::new(),
        })
    }

    async fn send_once(
        self,
        method: &str,
        url: &str,
        body: Option<&str>,
    ) -> Result<Reply, ApiError> {
        let token = self.csrf_token();
        let header = (method != "GET").then_some((CSRF_HEADER, token.as_str()));
        api::send(method, url, body, header)
            .await
            .map_err(|m| ApiError::offline(&m))
    }

    /// A staff request: the CSRF token on every change, one retry after re-reading the session
    /// when the token went stale, and the sign-in form again when the session is gone.
    pub async fn send(
        self,
        method: &str,
        url: &str,
        body: Option<&str>,
    ) -> Result<Reply, ApiError> {
        let mut reply = self.send_once(method, url, body).await?;
        if reply.status == 403 && ApiError::from_reply(reply.status, &reply.body).csrf() {
            self.check().await;
            reply = self.send_once(method, url, body).await?;
        }
        if reply.status == 401 {
            self.session.set(Session::Out);
        }
        Ok(reply)
    }

    /// Uploads `file` as the body of a `PUT` to `url` (with the CSRF token), read as `T`.
    pub async fn upload<T: DeserializeOwned>(
        self,
        url: &str,
        file: web_sys::File,
    ) -> Result<T, ApiError> {
        let token = self.csrf_token();
        let content_type = file.type_();
        let body = Some((file.into(), content_type.as_str()));
        let reply = api::send_body("PUT", url, body, Some((CSRF_HEADER, token.as_str())))
            .await
            .map_err(|m| ApiError::offline(&m))?;
        if reply.status == 401 {
            self.session.set(Session::Out);
        }
        api::decode(reply)
    }

    /// [`StaffCtx::send`] with the answer read as `T`.
    pub async fn call<T: DeserializeOwned>(
        self,
        method: &str,
        url: &str,
        body: Option<&str>,
    ) -> Result<T, ApiError> {
        api::decode(self.send(method, url, body).await?)
    }
}

fn gate(session: &Session) -> Gate {
    match session {
        Session::Unknown => Gate::Checking,
        Session::Out => Gate::Out,
        Session::In(me) if me.must_change_password => Gate::MustChange,
        Session::In(me) => Gate::In(me.role),
    }
}

/// A labelled text input bound to a signal: the staff forms' building block.
pub fn field(id: String, label: &'static str, kind: &'static str, value: Signal<String>) -> View {
    let for_id = id.clone();
    view! {
        div(class="field") {
            label(r#for=for_id) { (label) }
            input(id=id, r#type=kind, autocomplete="off", bind:value=value)
        }
    }
}

/// The role as staff read it.
pub fn role_label(role: StaffRole) -> &'static str {
    match role {
        StaffRole::Admin => "Admin",
        StaffRole::Baker => "Baker",
    }
}

/// A `<select>` of the two roles, bound to a signal holding `admin` or `baker`.
pub fn role_select(id: &'static str, value: Signal<String>) -> View {
    view! {
        div(class="field") {
            label(r#for=id) { "Role" }
            select(id=id, bind:value=value) {
                option(value="baker") { "Baker: order board and stock" }
                option(value="admin") { "Admin: everything" }
            }
        }
    }
}

/// Every staff page: checks the session, shows the sign-in form when there is none, and the
/// page when the role may see it.
#[component(inline_props)]
pub fn StaffPage(page: Page) -> View {
    let ctx = use_context::<StaffCtx>();
    if ctx.session.with_untracked(|s| *s == Session::Unknown) {
        spawn_local_scoped(ctx.check());
    }
    let gate = create_selector(move || ctx.session.with(gate));
    let body = move || match gate.get() {
        Gate::Checking => view! { p(class="loading", role="status") { "Checking who you are…" } },
        Gate::Out => view! { SignInForm {} },
        Gate::MustChange => view! { account::PasswordForm {} },
        Gate::In(role) => {
            let caps = Caps::of(role);
            match page {
                Page::StaffBoard => view! { board::BoardPage {} },
                Page::StaffProduction => view! { production::ProductionPage {} },
                Page::StaffCalendar => view! { calendar::CalendarPage(can_edit=caps.administer) },
                Page::StaffCatalog => view! { catalog::CatalogAdmin(caps=caps) },
                Page::StaffUsers if caps.administer => view! { admin::UsersPage {} },
                Page::StaffTokens if caps.administer => view! { admin::TokensPage {} },
                Page::StaffAudit if caps.administer => view! { admin::AuditPage {} },
                Page::StaffActors if caps.administer => view! { actors::ActorsPage {} },
                Page::StaffNotifications if caps.administer => {
                    view! { notifications::NotificationsPage {} }
                }
                _ => view! {
                    section(class="panel center") {
                        h1(id="page-title", tabindex="-1") { "Admins only" }
                        p { "Your role cannot open this page. Ask an admin if you need it." }
                        a(class="button", href="/staff") { "Back to the board" }
                    }
                },
            }
        }
    };
    view! { (body) }
}

#[component]
fn SignInForm() -> View {
    let ctx = use_context::<StaffCtx>();
    browser::set_title("Staff sign-in");
    on_mount(|| browser::focus("staff-email"));
    let email = create_signal(String::new());
    let password = create_signal(String::new());
    let error = create_signal(String::new());
    let busy = create_signal(false);

    let submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let body = SignIn {
            email: email.get_clone_untracked().trim().to_owned(),
            password: password.get_clone_untracked(),
        };
        if body.email.is_empty() || body.password.is_empty() {
            error.set("Enter your e-mail and password.".to_owned());
            return;
        }
        let body = serde_json::to_string(&body).unwrap_or_default();
        busy.set(true);
        spawn_local_scoped(async move {
            let reply = api::send("POST", "/api/staff/sign-in", Some(&body), None)
                .await
                .map_err(|m| ApiError::offline(&m))
                .and_then(api::decode::<StaffSession>);
            busy.set(false);
            match reply {
                Ok(me) => {
                    password.set(String::new());
                    ctx.session.set(Session::In(me));
                }
                Err(e) => {
                    error.set(if e.code == "invalid_credentials" {
                        "That e-mail and password do not match a staff account.".to_owned()
                    } else {
                        e.message
                    });
                    browser::focus("staff-password");
                }
            }
        });
    };

    view! {
        section(class="panel sign-in") {
            h1(id="page-title", tabindex="-1") { "Staff sign-in" }
            form(on:submit=submit, novalidate=true) {
                div(class="field") {
                    label(r#for="staff-email") { "E-mail" }
                    input(id="staff-email", r#type="email", autocomplete="username", inputmode="email",
                        required=true, bind:value=email)
                }
                div(class="field") {
                    label(r#for="staff-password") { "Password" }
                    input(id="staff-password", r#type="password", autocomplete="current-password",
                        required=true, aria-describedby="sign-in-error", bind:value=password)
                }
                p(id="sign-in-error", class="field-error", role="alert") { (error) }
                button(class="button primary large", r#type="submit", id="staff-sign-in",
                    disabled=move || busy.get()) {
                    (move || if busy.get() { "Signing in…" } else { "Sign in" })
                }
            }
        }
    }
}

/// The back-office's header: its pages (by role), who is signed in, and sign-out.
#[component(inline_props)]
pub fn StaffHeader(route: ReadSignal<Page>) -> View {
    let ctx = use_context::<StaffCtx>();
    let gate = create_selector(move || ctx.session.with(gate));
    let current = move |page: Page| route.with(|r| *r == page).then_some("page");
    let who = move || {
        ctx.session.with(|s| match s {
            Session::In(me) => format!("{} · {}", me.email, role_label(me.role)),
            _ => String::new(),
        })
    };
    let sign_out = move |_| {
        spawn_local_scoped(async move {
            let _ = ctx.send("POST", "/api/staff/sign-out", None).await;
            ctx.session.set(Session::Out);
            navigate("/staff");
        });
    };
    let everywhere = move |_| {
        if !admin::confirm("Sign out on every device, this one too?") {
            return;
        }
        spawn_local_scoped(async move {
            let _ = ctx
                .send("POST", "/api/staff/sign-out-everywhere", None)
                .await;
            ctx.session.set(Session::Out);
            navigate("/staff");
        });
    };
    let links = move || match gate.get() {
        Gate::In(role) => {
            let admin = View::from(Caps::of(role).administer.then(|| {
                view! {
                    li { a(href="/staff/users", aria-current=current(Page::StaffUsers)) { "Staff" } }
                    li { a(href="/staff/tokens", aria-current=current(Page::StaffTokens)) { "Tokens" } }
                    li { a(href="/staff/notifications", aria-current=current(Page::StaffNotifications)) { "Notifications" } }
                    li { a(href="/staff/audit", aria-current=current(Page::StaffAudit)) { "Audit" } }
                    li { a(href="/staff/actors", aria-current=current(Page::StaffActors)) { "Actors" } }
                }
            }));
            view! {
                li { a(href="/staff", id="nav-board", aria-current=current(Page::StaffBoard)) { "Board" } }
                li { a(href="/staff/catalog", id="nav-catalog", aria-current=current(Page::StaffCatalog)) { "Catalog" } }
                li { a(href="/staff/production?date=tomorrow", rel="external", id="nav-production", aria-current=current(Page::StaffProduction)) { "Bake tomorrow" } }
                li { a(href="/staff/calendar", id="nav-calendar", aria-current=current(Page::StaffCalendar)) { "Calendar" } }
                (admin)
                li { button(class="nav-button", r#type="button", id="staff-sign-out", on:click=sign_out) { "Sign out" } }
                li { button(class="nav-button", r#type="button", id="staff-sign-out-everywhere", on:click=everywhere) { "Everywhere" } }
            }
        }
        Gate::MustChange => view! {
            li { button(class="nav-button", r#type="button", id="staff-sign-out", on:click=sign_out) { "Sign out" } }
        },
        _ => view! { li { a(href="/", rel="external") { "Back to the shop" } } },
    };
    view! {
        header(class="site-header staff-header") {
            a(class="brand", href="/staff") {
                span(class="brand-mark", aria-hidden="true")
                span(class="brand-name") { "Bakery" }
                span(class="brand-tag") { "Staff" }
            }
            p(class="staff-who", data-testid="staff-who") { (who) }
            nav(aria-label="Staff") { ul { (links) } }
        }
    }
}
