//! The production sheet (`/staff/production?date=…`): what to bake for a day, per product and
//! slot, with the orders behind each line; printable (the print stylesheet leaves only the sheet)
//! and downloadable as CSV.
//!
//! Links to a sheet load the page afresh (`rel="external"`): the router keeps only the path of a
//! link to another page and does not rebuild this one for a new query, and the day is in the query.

use bakery_wire::production::ProductionSheet;
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use super::StaffCtx;
use super::admin::page_start;
use crate::staff::{production_day, slot_time};
use crate::ui::browser;

#[component]
pub fn ProductionPage() -> View {
    let ctx = use_context::<StaffCtx>();
    page_start("Production sheet");
    let day = production_day(
        &browser::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default(),
    );
    let sheet = create_signal(Option::<ProductionSheet>::None);
    let problem = create_signal(String::new());
    let url = format!("/api/admin/production?date={day}");
    spawn_local_scoped(async move {
        match ctx.call::<ProductionSheet>("GET", &url, None).await {
            Ok(found) => sheet.set(Some(found)),
            Err(e) => problem.set(e.message),
        }
    });
    let csv = format!("/api/admin/production.csv?date={day}");
    let print = |_| {
        if let Some(window) = browser::window() {
            let _ = window.print();
        }
    };
    let title = move || {
        sheet.with(|s| match s {
            Some(s) => format!("To bake for {} ({})", s.date, s.time_zone),
            None => "Production sheet".to_owned(),
        })
    };
    let body = move || {
        let Some(found) = sheet.get_clone() else {
            return view! {};
        };
        if found.products.is_empty() {
            return view! { p(data-testid="production-empty") { "No orders for this day." } };
        }
        let rows = found
            .products
            .iter()
            .flat_map(|product| {
                // "Chocolate Cake · 8″ · Dark chocolate": lines of other choices are rows apart.
                let mut name = product.product_name.clone();
                for choice in &product.options {
                    name.push_str(" · ");
                    name.push_str(choice);
                }
                let mut rows: Vec<View> = product
                    .slots
                    .iter()
                    .map(|slot| {
                        let (name, at) = (name.clone(), slot_time(&slot.start));
                        let qty = slot.quantity.to_string();
                        let orders = ids(&slot.order_ids);
                        view! { tr { th(scope="row") { (name) } td { (at) } td(class="num") { (qty) } td { (orders) } } }
                    })
                    .collect();
                let qty = product.quantity.to_string();
                let orders = ids(&product.order_ids);
                rows.push(view! {
                    tr(class="sheet-total", data-testid="production-total") {
                        th(scope="row") { (name) } td { "All day" } td(class="num") { strong { (qty) } } td { (orders) }
                    }
                });
                if !product.inscriptions.is_empty() {
                    let texts = product
                        .inscriptions
                        .iter()
                        .map(|i| format!("#{} ({} ×): “{}”", i.order_id, i.quantity, i.text))
                        .collect::<Vec<_>>()
                        .join("; ");
                    rows.push(view! {
                        tr(class="sheet-inscriptions", data-testid="production-inscriptions") {
                            td(colspan="4") { "Inscriptions: " (texts) }
                        }
                    });
                }
                rows
            })
            .collect::<Vec<_>>();
        let summary = format!("{} orders, {} pieces in all.", found.orders, found.total);
        let rows = View::from(rows);
        view! {
            p { (summary) }
            table(class="items production") {
                thead { tr { th(scope="col") { "Product" } th(scope="col") { "Slot" } th(scope="col") { "Pieces" } th(scope="col") { "Orders" } } }
                tbody { (rows) }
            }
        }
    };
    view! {
        section(class="panel production-sheet", aria-labelledby="page-title") {
            h1(id="page-title", tabindex="-1") { (title) }
            p(class="no-print") {
                a(class="button", href="/staff/production?date=today", rel="external") { "Today" } " "
                a(class="button", href="/staff/production?date=tomorrow", rel="external", data-testid="production-tomorrow") { "Tomorrow" } " "
                a(class="button", href=csv, download="") { "Download CSV" } " "
                button(class="button", r#type="button", on:click=print) { "Print" }
            }
            p(class="alert", role="alert", hidden=move || problem.with(String::is_empty)) { (problem) }
            (body)
        }
    }
}

fn ids(ids: &[i64]) -> String {
    ids.iter()
        .map(|id| format!("#{id}"))
        .collect::<Vec<_>>()
        .join(" ")
}
