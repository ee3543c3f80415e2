//! Admins only: what each actor and loop of the process that answered is doing — state,
//! restarts, last failure and queue depth (`GET /api/admin/actors`), with a button to ask again.

use bakery_wire::staff::{ActorReport, ActorState};
use sycamore::prelude::*;

use super::admin::{load, page_start};

fn state_label(state: ActorState) -> &'static str {
    match state {
        ActorState::Running => "running",
        ActorState::Restarting => "restarting",
        ActorState::Stopped => "stopped",
    }
}

#[component]
pub fn ActorsPage() -> View {
    page_start("Actors");
    let actors = create_signal(Vec::<ActorReport>::new());
    let problem = create_signal(String::new());
    load("/api/admin/actors", actors, problem);
    let refresh = move |_| {
        problem.set(String::new());
        load("/api/admin/actors", actors, problem);
    };
    let rows = move || {
        // Cloned first: views made inside `with` would register cleanups while it borrows.
        let list = actors.get_clone();
        list.iter()
            .map(|a| {
                let name = format!("{} #{}", a.actor, a.instance);
                let state = state_label(a.state);
                let class = format!("actor-state {state}");
                let restarts = a.restarts.to_string();
                let queue = a.queue_depth.map_or("—".to_owned(), |d| d.to_string());
                let when = a.last_error_at.clone().unwrap_or_default();
                let error = a.last_error.clone().unwrap_or_default();
                view! {
                    tr {
                        td { (name) } td(class=class) { (state) } td { (restarts) } td { (queue) }
                        td { (when) } td(class="details") { (error) }
                    }
                }
            })
            .collect::<Vec<_>>()
    };
    view! {
        h1(id="page-title", tabindex="-1") { "Actors" }
        p { "The supervised actors and loops of the server process that answered (each replica has its own)." }
        p(class="alert", role="alert", hidden=move || problem.with(String::is_empty)) { (problem) }
        button(class="button", r#type="button", id="actors-refresh", on:click=refresh) { "Refresh" }
        section(class="panel table-scroll") {
            table(class="items admin-table", data-testid="actors") {
                thead { tr {
                    th(scope="col") { "Actor" } th(scope="col") { "State" } th(scope="col") { "Restarts" }
                    th(scope="col") { "Queue" } th(scope="col") { "Last failure (UTC)" } th(scope="col") { "Why" }
                } }
                tbody { (rows) }
            }
        }
    }
}
