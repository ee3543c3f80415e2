//! The menu's categories: adding, renaming, moving and removing them (audited), their product
//! counts, and finding one by id or name for a product.
//!
//! Positions stay 1, 2, 3… in display order: every change renumbers the list under a lock (on
//! PostgreSQL the rows are locked `FOR UPDATE`; SQLite has one writer at a time). Names are
//! unique whatever the letters' case (`Cakes` and `cakes` are one category).

use std::collections::HashMap;

use entity::{category, product};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, SqlErr,
};
use serde_json::json;

use super::StoreError;
use super::audit;

/// Every category in display order (position, then id).
pub async fn in_order(db: &impl ConnectionTrait) -> Result<Vec<category::Model>, StoreError> {
    category::Entity::find()
        .order_by_asc(category::Column::Position)
        .order_by_asc(category::Column::Id)
        .all(db)
        .await
        .map_err(StoreError::from)
}

/// Every category in display order with its number of products, inactive ones included.
pub async fn with_counts(
    db: &impl ConnectionTrait,
) -> Result<Vec<(category::Model, i64)>, StoreError> {
    let categories = in_order(db).await?;
    let counts: HashMap<Option<i64>, i64> = product::Entity::find()
        .select_only()
        .column(product::Column::CategoryId)
        .column_as(product::Column::Id.count(), "products")
        .group_by(product::Column::CategoryId)
        .into_tuple::<(Option<i64>, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(categories
        .into_iter()
        .map(|c| {
            let count = counts.get(&Some(c.id)).copied().unwrap_or(0);
            (c, count)
        })
        .collect())
}

/// What a change of the categories came to.
#[derive(Debug, Clone, PartialEq)]
pub enum CategoryOutcome {
    /// Done: the category as it is now.
    Done(category::Model),
    NotFound,
    /// Another category has this name (whatever the case); nothing changed.
    NameTaken(String),
}

/// Adds a category at `position` (1 is first; `None` or past the end: last), audited as
/// `actor`'s.
pub async fn add(
    db: &DatabaseConnection,
    name: &str,
    position: Option<i64>,
    actor: &str,
) -> Result<CategoryOutcome, StoreError> {
    let write = super::begin_write(db).await?;
    let mut list = locked(&*write).await?;
    if let Some(taken) = taken(&list, name, None) {
        write.rollback().await?;
        return Ok(CategoryOutcome::NameTaken(taken));
    }
    let inserted = category::Entity::insert(category::ActiveModel {
        id: NotSet,
        name: Set(name.to_owned()),
        position: Set(i64::try_from(list.len())
            .unwrap_or(i64::MAX)
            .saturating_add(1)),
    })
    .exec(&*write)
    .await;
    let id = match inserted {
        Ok(done) => done.last_insert_id,
        Err(err) if is_unique_violation(&err) => {
            write.rollback().await?;
            return Ok(CategoryOutcome::NameTaken(name.to_owned()));
        }
        Err(err) => return Err(err.into()),
    };
    let added = category::Model {
        id,
        name: name.to_owned(),
        position: 0,
    };
    place(&mut list, added, position);
    renumber(&*write, &list).await?;
    let added = find(&*write, id).await?;
    let details = json!({ "name": added.name, "position": added.position });
    audit::record(&*write, actor, "category.create", &target(id), details).await?;
    write.commit().await?;
    Ok(CategoryOutcome::Done(added))
}

/// Renames a category, moves it to `position`, or both, audited as `actor`'s.
pub async fn change(
    db: &DatabaseConnection,
    id: i64,
    name: Option<&str>,
    position: Option<i64>,
    actor: &str,
) -> Result<CategoryOutcome, StoreError> {
    let write = super::begin_write(db).await?;
    let mut list = locked(&*write).await?;
    let Some(index) = list.iter().position(|c| c.id == id) else {
        write.rollback().await?;
        return Ok(CategoryOutcome::NotFound);
    };
    let mut details =
        json!({ "from": { "name": list[index].name, "position": list[index].position } });
    if let Some(name) = name {
        if let Some(taken) = taken(&list, name, Some(id)) {
            write.rollback().await?;
            return Ok(CategoryOutcome::NameTaken(taken));
        }
        let renamed = category::Entity::update_many()
            .col_expr(category::Column::Name, Expr::value(name))
            .filter(category::Column::Id.eq(id))
            .exec(&*write)
            .await;
        match renamed {
            Ok(_) => {}
            Err(err) if is_unique_violation(&err) => {
                write.rollback().await?;
                return Ok(CategoryOutcome::NameTaken(name.to_owned()));
            }
            Err(err) => return Err(err.into()),
        }
        details["name"] = json!(name);
    }
    if let Some(position) = position {
        let moved = list.remove(index);
        place(&mut list, moved, Some(position));
        renumber(&*write, &list).await?;
    }
    let changed = find(&*write, id).await?;
    details["position"] = json!(changed.position);
    audit::record(&*write, actor, "category.update", &target(id), details).await?;
    write.commit().await?;
    Ok(CategoryOutcome::Done(changed))
}

/// Removes a category: its products become uncategorised (the menu shows them under "Other") in
/// the same transaction, and the others close up. `None` when there is no such category.
/// Audited as `actor`'s, naming the products it held.
pub async fn remove(
    db: &DatabaseConnection,
    id: i64,
    actor: &str,
) -> Result<Option<(category::Model, Vec<i64>)>, StoreError> {
    let write = super::begin_write(db).await?;
    let mut list = locked(&*write).await?;
    let Some(index) = list.iter().position(|c| c.id == id) else {
        write.rollback().await?;
        return Ok(None);
    };
    let removed = list.remove(index);
    let members: Vec<i64> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .filter(product::Column::CategoryId.eq(id))
        .order_by_asc(product::Column::Id)
        .into_tuple::<i64>()
        .all(&*write)
        .await?;
    if !members.is_empty() {
        product::Entity::update_many()
            .col_expr(
                product::Column::CategoryId,
                Expr::value(Option::<i64>::None),
            )
            .col_expr(product::Column::UpdatedAt, Expr::value(chrono::Utc::now()))
            .filter(product::Column::CategoryId.eq(id))
            .exec(&*write)
            .await?;
    }
    category::Entity::delete_by_id(id).exec(&*write).await?;
    renumber(&*write, &list).await?;
    let details = json!({ "name": removed.name, "uncategorised": members });
    audit::record(&*write, actor, "category.delete", &target(id), details).await?;
    write.commit().await?;
    Ok(Some((removed, members)))
}

/// How a product's category is chosen: by id, or by name (whatever the case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CategoryRef {
    Id(i64),
    Name(String),
}

/// The id of the category `wanted` names, if there is one.
pub async fn resolve(
    conn: &impl ConnectionTrait,
    wanted: &CategoryRef,
) -> Result<Option<i64>, StoreError> {
    Ok(match wanted {
        CategoryRef::Id(id) => category::Entity::find_by_id(*id)
            .one(conn)
            .await?
            .map(|c| c.id),
        CategoryRef::Name(name) => {
            let key = name.to_lowercase();
            in_order(conn)
                .await?
                .into_iter()
                .find(|c| c.name.to_lowercase() == key)
                .map(|c| c.id)
        }
    })
}

/// The name of a category, by id.
pub async fn name_of(
    conn: &impl ConnectionTrait,
    id: Option<i64>,
) -> Result<Option<String>, StoreError> {
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(category::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|c| c.name))
}

/// Every category in display order, locked against other changes until the transaction ends.
async fn locked(conn: &impl ConnectionTrait) -> Result<Vec<category::Model>, StoreError> {
    category::Entity::find()
        .order_by_asc(category::Column::Position)
        .order_by_asc(category::Column::Id)
        .lock_exclusive()
        .all(conn)
        .await
        .map_err(StoreError::from)
}

/// The name of another category that `name` would clash with.
fn taken(list: &[category::Model], name: &str, except: Option<i64>) -> Option<String> {
    let key = name.to_lowercase();
    list.iter()
        .find(|c| Some(c.id) != except && c.name.to_lowercase() == key)
        .map(|c| c.name.clone())
}

/// Puts `category` at `position` (from 1; `None` or past the end: last).
fn place(list: &mut Vec<category::Model>, category: category::Model, position: Option<i64>) {
    let at = position
        .and_then(|p| usize::try_from(p.saturating_sub(1)).ok())
        .map_or(list.len(), |i| i.min(list.len()));
    list.insert(at, category);
}

/// Writes positions 1, 2, 3… in the list's order, where a row's differs.
async fn renumber(conn: &impl ConnectionTrait, list: &[category::Model]) -> Result<(), StoreError> {
    for (index, category) in list.iter().enumerate() {
        let position = i64::try_from(index).unwrap_or(i64::MAX).saturating_add(1);
        if category.position != position {
            category::Entity::update_many()
                .col_expr(category::Column::Position, Expr::value(position))
                .filter(category::Column::Id.eq(category.id))
                .exec(conn)
                .await?;
        }
    }
    Ok(())
}

async fn find(conn: &impl ConnectionTrait, id: i64) -> Result<category::Model, StoreError> {
    category::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("category {id}")).into())
}

fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

fn target(id: i64) -> String {
    format!("category:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(id: i64, name: &str) -> category::Model {
        category::Model {
            id,
            name: name.to_owned(),
            position: id,
        }
    }

    #[test]
    fn a_category_goes_where_it_is_put_or_last() {
        let names = |list: &[category::Model]| list.iter().map(|c| c.id).collect::<Vec<_>>();
        let mut list = vec![category(1, "Cakes"), category(2, "Breads")];
        place(&mut list, category(3, "Pies"), None);
        assert_eq!(names(&list), [1, 2, 3]);
        place(&mut list, category(4, "Tarts"), Some(1));
        assert_eq!(names(&list), [4, 1, 2, 3]);
        place(&mut list, category(5, "Buns"), Some(99));
        assert_eq!(names(&list), [4, 1, 2, 3, 5]);
        place(&mut list, category(6, "Rolls"), Some(3));
        assert_eq!(names(&list), [4, 1, 6, 2, 3, 5]);
    }

    #[test]
    fn names_clash_whatever_the_case_but_not_with_themselves() {
        let list = vec![category(1, "Cakes"), category(2, "Breads")];
        assert_eq!(taken(&list, "cakes", None), Some("Cakes".to_owned()));
        assert_eq!(taken(&list, "CAKES", Some(1)), None);
        assert_eq!(taken(&list, "breads", Some(1)), Some("Breads".to_owned()));
        assert_eq!(taken(&list, "Pies", None), None);
    }
}
