//! What anyone may see of an order without its tracking token: the name as a counter would call
//! it out ("Vedanti V."), and no address.

use bakery_wire::OrderView;

/// The first name and the initial of the last: "Vedanti Verma" is "Vedanti V.", "Ana" stays
/// "Ana", "Zoë 🍰 Müller" is "Zoë M.".
pub fn counter_name(full: &str) -> String {
    let mut words = full.split_whitespace();
    let Some(first) = words.next() else {
        return String::new();
    };
    match words.last().and_then(|last| last.chars().next()) {
        Some(initial) => format!("{first} {}.", initial.to_uppercase()),
        None => first.to_owned(),
    }
}

/// The page as anyone may see it: the counter's name, no delivery address.
pub fn counter_view(mut view: OrderView) -> OrderView {
    view.customer_name = counter_name(&view.customer_name);
    view.delivery_address = None;
    view
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cut_to_first_name_and_initial() {
        assert_eq!(counter_name("Vedanti Verma"), "Vedanti V.");
        assert_eq!(counter_name("  Ana  "), "Ana");
        assert_eq!(counter_name("Zoë 🍰 Müller"), "Zoë M.");
        assert_eq!(counter_name("jean de la fontaine"), "jean F.");
        assert_eq!(counter_name("Émile ébéniste"), "Émile É.");
        assert_eq!(counter_name(""), "");
    }
}
