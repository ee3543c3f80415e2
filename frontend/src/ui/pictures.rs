//! A product's small picture beside its line in the cart and on the order's page: its smallest
//! size in a reserved 4:3 box, or a plain tile when it has none.

use bakery_wire::Product;
use sycamore::prelude::*;

/// The product `id`'s thumbnail, as the catalog `products` shows it.
pub fn thumbnail(products: &[Product], id: i64) -> View {
    let picture = products
        .iter()
        .find(|p| p.id == id)
        .and_then(|p| p.picture.as_ref());
    // The smallest size is the first of the srcset.
    let small = picture.and_then(|p| p.srcset.split(' ').next().map(str::to_owned));
    match small {
        Some(src) => view! {
            img(class="line-thumb", src=src, width="64", height="48", alt="", loading="lazy", decoding="async")
        },
        None => view! { span(class="line-thumb placeholder", aria-hidden="true") },
    }
}
