//! One's own account: the password change a reset asks for before anything else.

use bakery_wire::staff::{PasswordChange, StaffSession};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use super::{Session, StaffCtx};
use crate::ui::browser;

/// Asks for the current (temporary) password and a new one, twice; on success the new session
/// the server answers with replaces the restricted one.
#[component]
pub fn PasswordForm() -> View {
    let ctx = use_context::<StaffCtx>();
    browser::set_title("Choose a new password");
    on_mount(|| browser::focus("current-password"));
    let current = create_signal(String::new());
    let new = create_signal(String::new());
    let again = create_signal(String::new());
    let error = create_signal(String::new());
    let submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        let (first, second) = (new.get_clone_untracked(), again.get_clone_untracked());
        if first != second {
            error.set("The two new passwords differ.".to_owned());
            return;
        }
        let body = PasswordChange {
            current_password: current.get_clone_untracked(),
            new_password: first,
        };
        let body = serde_json::to_string(&body).unwrap_or_default();
        spawn_local_scoped(async move {
            match ctx
                .call::<StaffSession>("POST", "/api/staff/password", Some(&body))
                .await
            {
                Ok(me) => {
                    for field in [current, new, again] {
                        field.set(String::new());
                    }
                    ctx.session.set(Session::In(me));
                }
                Err(e) => {
                    error.set(if e.code == "wrong_password" {
                        "The current password is not right.".to_owned()
                    } else {
                        e.message
                    });
                }
            }
        });
    };
    view! {
        section(class="panel sign-in") {
            h1(id="page-title", tabindex="-1") { "Choose a new password" }
            p { "An admin reset your password. Choose your own (at least 10 characters) to go on." }
            form(on:submit=submit, novalidate=true) {
                div(class="field") {
                    label(r#for="current-password") { "Current password" }
                    input(id="current-password", r#type="password", autocomplete="current-password", bind:value=current)
                }
                div(class="field") {
                    label(r#for="new-password") { "New password" }
                    input(id="new-password", r#type="password", autocomplete="new-password", bind:value=new)
                }
                div(class="field") {
                    label(r#for="new-password-again") { "New password, again" }
                    input(id="new-password-again", r#type="password", autocomplete="new-password", bind:value=again)
                }
                p(class="field-error", role="alert") { (error) }
                button(class="button primary large", r#type="submit", id="change-password") { "Change password" }
            }
        }
    }
}
