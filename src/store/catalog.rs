//! Reads the catalog: every active product, ordered by id.

use entity::product;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// The products customers can order.
pub async fn active_products(db: &impl ConnectionTrait) -> Result<Vec<product::Model>, DbErr> {
    product::Entity::find()
        .filter(product::Column::Active.eq(true))
        .order_by_asc(product::Column::Id)
        .all(db)
        .await
}
