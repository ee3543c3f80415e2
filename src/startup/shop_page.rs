//! The shop's front page (`/`) with the menu drawn in: the built `index.html` with the page
//! rendered by the storefront's own Sycamore components and the menu's data
//! (`bakery_frontend::menu_page`) between its `<!--page-->` markers, so a first visit paints the
//! menu before the wasm has loaded, and the wasm hydrates it. Rendered once per catalog change;
//! an address with a menu filter (`/?avoid=nuts`) is rendered for its request.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use bakery_frontend::menu::MenuFilter;
use bakery_frontend::menu_page::{MenuData, page_html};
use bytes::Bytes;

use crate::api::AppState;
use crate::api::products::tagged_answer;

const START: &str = "<!--page-->";
const END: &str = "<!--/page-->";
/// The built page's title, and the one the wasm gives the menu, which the server's page has too.
const BUILT_TITLE: &str = "<title>Bakery</title>";
const MENU_TITLE: &str = "<title>Menu · Bakery</title>";

/// The page around the menu, and the menu last drawn into it.
pub(super) struct ShopPage {
    before: String,
    after: String,
    drawn: Mutex<Option<Arc<Drawn>>>,
}

/// The page for one version of the catalog.
struct Drawn {
    /// The catalog's and the categories' ETags it was drawn from.
    from: (String, String),
    etag: String,
    body: Bytes,
}

impl ShopPage {
    /// The page of the built storefront at `index`, if it has the markers (an older build has
    /// not: its page is then served as it is).
    pub(super) fn load(index: &Path) -> Option<ShopPage> {
        let template = std::fs::read_to_string(index).ok()?;
        let (before, rest) = template.split_once(START)?;
        let (_, after) = rest.split_once(END)?;
        Some(ShopPage {
            before: before.replacen(BUILT_TITLE, MENU_TITLE, 1),
            after: after.to_owned(),
            drawn: Mutex::new(None),
        })
    }

    /// The page for the current catalog with the menu filtered by `query`: for no filter, the
    /// one drawn last if the catalog has not changed.
    fn current(&self, state: &AppState, query: &str) -> Option<Arc<Drawn>> {
        let snapshot = state.catalog.load();
        let from = (snapshot.etag.clone(), snapshot.categories_etag.clone());
        let filtered = !MenuFilter::from_query(query).is_empty();
        if !filtered
            && let Ok(drawn) = self.drawn.lock()
            && let Some(drawn) = drawn.as_ref()
            && drawn.from == from
        {
            return Some(drawn.clone());
        }
        let data = MenuData {
            products: serde_json::from_slice(&snapshot.json).ok()?,
            categories: serde_json::from_slice(&snapshot.categories_json).ok()?,
            shop: state.shop.clone(),
        };
        let body = format!(
            "{}{}{}",
            self.before,
            page_html(&data, if filtered { query } else { "" }),
            self.after
        );
        let mut hasher = DefaultHasher::new();
        body.hash(&mut hasher);
        let drawn = Arc::new(Drawn {
            from,
            etag: format!("\"page-{:016x}\"", hasher.finish()),
            body: Bytes::from(body),
        });
        if !filtered && let Ok(mut slot) = self.drawn.lock() {
            *slot = Some(drawn.clone());
        }
        Some(drawn)
    }
}

/// `GET /`: the shop's page with the menu in it (304 when the browser has this version).
pub(super) async fn front_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    page: web::Data<ShopPage>,
) -> HttpResponse {
    let Some(drawn) = page.current(&state, req.query_string()) else {
        // The catalog did not read back: the page without the menu, which the wasm fetches.
        return HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .content_type("text/html; charset=utf-8")
            .body(format!("{}{}", page.before, page.after));
    };
    tagged_answer(
        &req,
        &drawn.etag,
        "no-cache",
        "text/html; charset=utf-8",
        drawn.body.clone(),
    )
}
