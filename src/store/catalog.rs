//! The catalog: the products customers can order, and the back-office's changes to them (their
//! categories are `super::categories`).

use chrono::Utc;
use entity::{category, product};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    AccessMode, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    IsolationLevel, QueryFilter, QueryOrder, TransactionTrait,
};
use serde_json::{Value, json};

use super::StoreError;
use super::audit;
use super::categories::{self, CategoryRef};

/// The products customers can order.
pub async fn active_products(db: &impl ConnectionTrait) -> Result<Vec<product::Model>, StoreError> {
    product::Entity::find()
        .filter(product::Column::Active.eq(true))
        .order_by_asc(product::Column::Id)
        .all(db)
        .await
        .map_err(StoreError::from)
}

/// The menu's rows: the active products, every category in display order, and the products'
/// current pictures.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Menu {
    pub products: Vec<product::Model>,
    pub categories: Vec<category::Model>,
    pub pictures: Vec<super::pictures::PictureRef>,
}

/// The menu in one consistent read. (A SQLite transaction reads one snapshot; PostgreSQL needs
/// `REPEATABLE READ` for that.)
pub async fn menu(db: &DatabaseConnection) -> Result<Menu, StoreError> {
    let read = match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await?
        }
        _ => db.begin().await?,
    };
    let products = active_products(&read).await?;
    let categories = categories::in_order(&read).await?;
    let pictures = super::pictures::current(&read).await?;
    read.commit().await?;
    Ok(Menu {
        products,
        categories,
        pictures,
    })
}

/// Every product, inactive ones too.
pub async fn all_products(db: &impl ConnectionTrait) -> Result<Vec<product::Model>, StoreError> {
    product::Entity::find()
        .order_by_asc(product::Column::Id)
        .all(db)
        .await
        .map_err(StoreError::from)
}

/// A product to add, already checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductRecord {
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub image_url: String,
    pub stock: i64,
    /// Most pieces in one order; `None`: the general rule.
    pub max_per_order: Option<i64>,
    /// Allergens and labels (`None`: none).
    pub labels: LabelColumns,
}

/// A product's allergens and dietary labels as their columns store them (names joined by
/// commas, see `bakery_wire::menu`); `None` leaves a column as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelColumns {
    pub allergens: Option<String>,
    pub may_contain: Option<String>,
    pub dietary: Option<String>,
}

/// Adds a product (active), audited as `actor`'s in the same transaction.
pub async fn add_product(
    db: &DatabaseConnection,
    record: ProductRecord,
    actor: &str,
) -> Result<product::Model, StoreError> {
    let write = super::begin_write(db).await?;
    let added = insert_product(&*write, record).await?;
    let details =
        json!({ "name": added.name, "price_cents": added.price_cents, "stock": added.stock });
    let target = format!("product:{}", added.id);
    audit::record(&*write, actor, "product.create", &target, details).await?;
    write.commit().await?;
    Ok(added)
}

async fn insert_product(
    db: &impl ConnectionTrait,
    record: ProductRecord,
) -> Result<product::Model, StoreError> {
    let now = Utc::now();
    let id = product::Entity::insert(product::ActiveModel {
        id: NotSet,
        name: Set(record.name),
        description: Set(record.description),
        price_cents: Set(record.price_cents),
        image_url: Set(record.image_url),
        stock: Set(record.stock),
        active: Set(true),
        max_per_order: Set(record.max_per_order),
        allergens: Set(record.labels.allergens.unwrap_or_default()),
        may_contain: Set(record.labels.may_contain.unwrap_or_default()),
        dietary: Set(record.labels.dietary.unwrap_or_default()),
        lead_time_minutes: Set(0),
        max_per_day: Set(None),
        made_on: Set(None),
        available_from: Set(None),
        available_until: Set(None),
        category_id: Set(None),
        options: Set(None),
        inscription_max_len: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(db)
    .await?
    .last_insert_id;
    product::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("product {id}")).into())
}

/// The fields of a product to change; `None` keeps the field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductChange {
    pub name: Option<String>,
    pub description: Option<String>,
    pub price_cents: Option<i64>,
    pub image_url: Option<String>,
    pub active: Option<bool>,
    /// `Some(None)`: back to the general rule.
    pub max_per_order: Option<Option<i64>>,
    pub labels: LabelColumns,
    /// When the kitchen can make it; `Some(None)` clears a limit.
    pub lead_time_minutes: Option<i64>,
    pub max_per_day: Option<Option<i64>>,
    pub made_on: Option<Option<String>>,
    pub available_from: Option<Option<String>>,
    pub available_until: Option<Option<String>>,
    /// Its category; `Some(None)`: uncategorised.
    pub category: Option<Option<CategoryRef>>,
}

/// What changing a product came to.
#[derive(Debug, Clone, PartialEq)]
pub enum ProductChanged {
    Changed(Box<product::Model>),
    NoSuchProduct,
    /// The category asked for does not exist; nothing changed.
    NoSuchCategory,
}

/// When the kitchen can make `product`, as the API shows it.
pub fn planning_of(product: &product::Model) -> bakery_wire::ProductPlanning {
    bakery_wire::ProductPlanning {
        lead_time_minutes: product.lead_time_minutes,
        max_per_day: product.max_per_day,
        made_on: product.made_on.clone(),
        available_from: product.available_from.clone(),
        available_until: product.available_until.clone(),
    }
}

/// Changes a product. Orders keep the price they were placed with (their lines store it).
/// Audited as `actor`'s, with `details`, in the same transaction.
pub async fn change_product(
    db: &DatabaseConnection,
    id: i64,
    change: ProductChange,
    actor: &str,
    details: Value,
) -> Result<ProductChanged, StoreError> {
    let write = super::begin_write(db).await?;
    let category = match &change.category {
        Some(Some(wanted)) => match categories::resolve(&*write, wanted).await? {
            Some(found) => Some(Some(found)),
            None => {
                write.rollback().await?;
                return Ok(ProductChanged::NoSuchCategory);
            }
        },
        Some(None) => Some(None),
        None => None,
    };
    let Some(changed) = update_product(&*write, id, change, category).await? else {
        write.rollback().await?;
        return Ok(ProductChanged::NoSuchProduct);
    };
    let target = format!("product:{id}");
    audit::record(&*write, actor, "product.update", &target, details).await?;
    write.commit().await?;
    Ok(ProductChanged::Changed(Box::new(changed)))
}

async fn update_product(
    db: &impl ConnectionTrait,
    id: i64,
    change: ProductChange,
    category: Option<Option<i64>>,
) -> Result<Option<product::Model>, StoreError> {
    let mut update = product::Entity::update_many()
        .col_expr(product::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(product::Column::Id.eq(id));
    if let Some(name) = change.name {
        update = update.col_expr(product::Column::Name, Expr::value(name));
    }
    if let Some(description) = change.description {
        update = update.col_expr(product::Column::Description, Expr::value(description));
    }
    if let Some(price) = change.price_cents {
        update = update.col_expr(product::Column::PriceCents, Expr::value(price));
    }
    if let Some(image_url) = change.image_url {
        update = update.col_expr(product::Column::ImageUrl, Expr::value(image_url));
    }
    if let Some(active) = change.active {
        update = update.col_expr(product::Column::Active, Expr::value(active));
    }
    if let Some(max) = change.max_per_order {
        update = update.col_expr(product::Column::MaxPerOrder, Expr::value(max));
    }
    if let Some(category) = category {
        update = update.col_expr(product::Column::CategoryId, Expr::value(category));
    }
    if let Some(lead) = change.lead_time_minutes {
        update = update.col_expr(product::Column::LeadTimeMinutes, Expr::value(lead));
    }
    if let Some(max) = change.max_per_day {
        update = update.col_expr(product::Column::MaxPerDay, Expr::value(max));
    }
    let texts = [
        (product::Column::MadeOn, change.made_on),
        (product::Column::AvailableFrom, change.available_from),
        (product::Column::AvailableUntil, change.available_until),
    ];
    for (column, value) in texts {
        if let Some(value) = value {
            update = update.col_expr(column, Expr::value(value));
        }
    }
    let labels = change.labels;
    for (column, value) in [
        (product::Column::Allergens, labels.allergens),
        (product::Column::MayContain, labels.may_contain),
        (product::Column::Dietary, labels.dietary),
    ] {
        if let Some(value) = value {
            update = update.col_expr(column, Expr::value(value));
        }
    }
    if update.exec(db).await?.rows_affected == 0 {
        return Ok(None);
    }
    product::Entity::find_by_id(id)
        .one(db)
        .await
        .map_err(StoreError::from)
}

/// Replaces a product's option groups (`options`, the stored column) and inscription limit,
/// audited as `actor`'s with `details` in the same transaction, unless the product's price plus
/// `least_delta_cents` (the least its choices can add) is below zero. Placed orders keep their
/// lines' options.
pub async fn replace_options(
    db: &DatabaseConnection,
    id: i64,
    options: Option<String>,
    least_delta_cents: i64,
    inscription_max_len: Option<i64>,
    actor: &str,
    details: Value,
) -> Result<OptionsOutcome, StoreError> {
    let write = super::begin_write(db).await?;
    let updated = product::Entity::update_many()
        .col_expr(product::Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(product::Column::Options, Expr::value(options))
        .col_expr(
            product::Column::InscriptionMaxLen,
            Expr::value(inscription_max_len),
        )
        .filter(product::Column::Id.eq(id))
        .exec(&*write)
        .await?;
    let changed = match updated.rows_affected {
        0 => None,
        _ => product::Entity::find_by_id(id).one(&*write).await?,
    };
    let Some(changed) = changed else {
        write.rollback().await?;
        return Ok(OptionsOutcome::NotFound);
    };
    let cheapest_cents = changed.price_cents.saturating_add(least_delta_cents);
    if cheapest_cents < 0 {
        write.rollback().await?;
        return Ok(OptionsOutcome::BelowZero { cheapest_cents });
    }
    let target = format!("product:{id}");
    audit::record(&*write, actor, "product.options", &target, details).await?;
    write.commit().await?;
    Ok(OptionsOutcome::Replaced(Box::new(changed)))
}

/// What replacing a product's options came to.
#[derive(Debug, Clone, PartialEq)]
pub enum OptionsOutcome {
    Replaced(Box<product::Model>),
    NotFound,
    /// The cheapest choices would take the product's price below zero (nothing was changed).
    BelowZero {
        cheapest_cents: i64,
    },
}

/// A change of a product's stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockMove {
    Set(i64),
    Adjust(i64),
}

/// What changing stock came to.
#[derive(Debug, Clone, PartialEq)]
pub enum StockOutcome {
    Changed(Box<product::Model>),
    NoSuchProduct,
    /// The adjustment would leave fewer than zero pieces; nothing changed.
    WouldGoNegative {
        stock: i64,
    },
}

/// Sets or adjusts stock in one guarded update (never below zero); a change is audited as
/// `actor`'s, with its `reason` and the new stock, in the same transaction.
pub async fn change_stock(
    db: &DatabaseConnection,
    id: i64,
    stock_move: StockMove,
    actor: &str,
    reason: &str,
) -> Result<StockOutcome, StoreError> {
    let write = super::begin_write(db).await?;
    let outcome = update_stock(&*write, id, stock_move).await?;
    let StockOutcome::Changed(product) = &outcome else {
        write.rollback().await?;
        return Ok(outcome);
    };
    let (set, adjust) = match stock_move {
        StockMove::Set(count) => (Some(count), None),
        StockMove::Adjust(delta) => (None, Some(delta)),
    };
    let details = json!({ "set": set, "adjust": adjust, "reason": reason, "stock": product.stock });
    audit::record(
        &*write,
        actor,
        "product.stock",
        &format!("product:{id}"),
        details,
    )
    .await?;
    write.commit().await?;
    Ok(outcome)
}

async fn update_stock(
    db: &impl ConnectionTrait,
    id: i64,
    stock_move: StockMove,
) -> Result<StockOutcome, StoreError> {
    let mut update = product::Entity::update_many()
        .col_expr(product::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(product::Column::Id.eq(id));
    update = match stock_move {
        StockMove::Set(count) => update.col_expr(product::Column::Stock, Expr::value(count)),
        StockMove::Adjust(delta) => update
            .col_expr(
                product::Column::Stock,
                Expr::col(product::Column::Stock).add(delta),
            )
            .filter(Expr::col(product::Column::Stock).add(delta).gte(0)),
    };
    let changed = update.exec(db).await?.rows_affected > 0;
    let product = product::Entity::find_by_id(id).one(db).await?;
    Ok(match (changed, product) {
        (true, Some(product)) => StockOutcome::Changed(Box::new(product)),
        (false, Some(product)) => StockOutcome::WouldGoNegative {
            stock: product.stock,
        },
        (_, None) => StockOutcome::NoSuchProduct,
    })
}
