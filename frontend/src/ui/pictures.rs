//! A product's small picture beside its line in the cart and on the order's page: its smallest
//! size in a reserved 4:3 box, or a plain tile when it has none.

use bakery_wire::Product;
use bakery_wire::menu::ProductPicture;
use sycamore::prelude::*;

/// The product `id`'s thumbnail, as the catalog `products` shows it.
pub fn thumbnail(products: &[Product], id: i64) -> View {
    let picture = products
        .iter()
        .find(|p| p.id == id)
        .and_then(|p| p.picture.as_ref());
    match picture.map(smallest) {
        Some(src) => view! {
            img(class="line-thumb", src=src, width="64", height="48", alt="", loading="lazy", decoding="async")
        },
        None => view! { span(class="line-thumb placeholder", aria-hidden="true") },
    }
}

/// The URL of a picture's smallest size (the first of its `srcset`).
pub fn smallest(picture: &ProductPicture) -> String {
    picture
        .srcset
        .split(' ')
        .next()
        .unwrap_or(&picture.src)
        .to_owned()
}
