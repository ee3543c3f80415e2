//! How the menu groups its products by category: the shop's categories in their order of
//! display, each with its products in catalog order, and the uncategorised ones last as "Other".

use bakery_wire::{Category, Product};

/// The heading of the products without a category.
pub const OTHER: &str = "Other";

/// One heading of the menu and the products under it.
#[derive(Debug, Clone, PartialEq)]
pub struct MenuGroup {
    /// The category's name, or [`OTHER`].
    pub name: String,
    /// A name for the group's element ids: `category-3`, `named-1` (a category the list did
    /// not have), `other`.
    pub key: String,
    pub products: Vec<Product>,
}

/// Groups `products` (already filtered) under `categories` (as `GET /api/categories` lists them:
/// in display order). A category no product is in shows no heading. A product naming a category
/// the list lacks (the list failed to load, or changed since) still gets a heading of that name,
/// after the listed ones in the order first met; uncategorised products come last, or under the
/// shop's own category named "Other" when it has one.
pub fn group(products: &[Product], categories: &[Category]) -> Vec<MenuGroup> {
    let mut ordered: Vec<&Category> = categories.iter().collect();
    ordered.sort_by_key(|c| (c.position, c.id));
    let mut groups: Vec<MenuGroup> = ordered
        .iter()
        .map(|c| MenuGroup {
            name: c.name.clone(),
            key: format!("category-{}", c.id),
            products: Vec::new(),
        })
        .collect();
    let listed = groups.len();
    let mut other = MenuGroup {
        name: OTHER.to_owned(),
        key: "other".to_owned(),
        products: Vec::new(),
    };
    for product in products {
        let Some(name) = product.category.as_deref() else {
            other.products.push(product.clone());
            continue;
        };
        let at = match groups.iter().position(|g| g.name == name) {
            Some(at) => at,
            None => {
                groups.push(MenuGroup {
                    name: name.to_owned(),
                    key: format!("named-{}", groups.len() - listed + 1),
                    products: Vec::new(),
                });
                groups.len() - 1
            }
        };
        groups[at].products.push(product.clone());
    }
    // A category the shop itself calls "Other" takes the uncategorised products, so the menu
    // never shows two headings of that name.
    match groups
        .iter_mut()
        .find(|g| g.name.eq_ignore_ascii_case(OTHER))
    {
        Some(named_other) => named_other.products.append(&mut other.products),
        None => groups.push(other),
    }
    groups.retain(|g| !g.products.is_empty());
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(id: i64, category: Option<&str>) -> Product {
        Product {
            id,
            name: format!("Bake {id}"),
            category: category.map(str::to_owned),
            ..Product::default()
        }
    }

    fn category(id: i64, name: &str, position: i64) -> Category {
        Category {
            id,
            name: name.to_owned(),
            position,
            product_count: 0,
        }
    }

    fn shape(groups: &[MenuGroup]) -> Vec<(String, Vec<i64>)> {
        groups
            .iter()
            .map(|g| (g.name.clone(), g.products.iter().map(|p| p.id).collect()))
            .collect()
    }

    fn named(list: &[(&str, &[i64])]) -> Vec<(String, Vec<i64>)> {
        list.iter()
            .map(|(n, ids)| ((*n).to_owned(), ids.to_vec()))
            .collect()
    }

    #[test]
    fn groups_follow_the_order_of_display_and_other_comes_last() {
        let categories = [
            category(2, "Breads", 2),
            category(1, "Cakes", 1),
            category(3, "Pastries", 3),
        ];
        let products = [
            product(1, Some("Cakes")),
            product(2, Some("Breads")),
            product(3, None),
            product(4, Some("Pastries")),
            product(6, Some("Breads")),
            product(9, Some("Cakes")),
        ];
        let groups = group(&products, &categories);
        assert_eq!(
            shape(&groups),
            named(&[
                ("Cakes", &[1, 9]),
                ("Breads", &[2, 6]),
                ("Pastries", &[4]),
                (OTHER, &[3]),
            ])
        );
        assert_eq!(groups[0].key, "category-1");
        assert_eq!(groups[3].key, "other");
    }

    #[test]
    fn empty_groups_show_no_heading() {
        // What a filter left: no pastries, nothing uncategorised.
        let categories = [category(1, "Cakes", 1), category(3, "Pastries", 2)];
        let groups = group(&[product(9, Some("Cakes"))], &categories);
        assert_eq!(shape(&groups), named(&[("Cakes", &[9])]));
        assert!(group(&[], &categories).is_empty());
    }

    #[test]
    fn categories_the_list_lacks_still_get_a_heading_before_other() {
        // The categories did not load: headings in the order products name them.
        let products = [
            product(1, Some("Cakes")),
            product(2, None),
            product(3, Some("Breads")),
            product(4, Some("Cakes")),
        ];
        let groups = group(&products, &[]);
        assert_eq!(
            shape(&groups),
            named(&[("Cakes", &[1, 4]), ("Breads", &[3]), (OTHER, &[2])])
        );
        assert_eq!(
            (groups[0].key.as_str(), groups[1].key.as_str()),
            ("named-1", "named-2")
        );
        // Ties of position go by id.
        let tied = [category(5, "Late", 1), category(4, "Early", 1)];
        let groups = group(
            &[product(1, Some("Late")), product(2, Some("Early"))],
            &tied,
        );
        assert_eq!(shape(&groups), named(&[("Early", &[2]), ("Late", &[1])]));
    }

    #[test]
    fn a_category_the_shop_calls_other_takes_the_uncategorised_products() {
        let categories = [category(1, "other", 2), category(2, "Cakes", 1)];
        let products = [
            product(1, None),
            product(2, Some("other")),
            product(3, Some("Cakes")),
        ];
        let groups = group(&products, &categories);
        assert_eq!(
            shape(&groups),
            named(&[("Cakes", &[3]), ("other", &[2, 1])])
        );
        assert_eq!(groups[1].key, "category-1");
    }
}
