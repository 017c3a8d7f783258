//! Listing, counting and managing devices: keyset paging over indexed sort keys, the query
//! language's filters, tags, deletion. Lists never load the parameter trees.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, EntityTrait, JoinType, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};

use super::{
    Store, StoreError, device_filter,
    devices::{DeviceSummaryRow, StoredDevice, with_presence},
    entity::{device, device_event, device_presence, device_tag},
};
use crate::inventory::query::Filter;

/// Most devices one page may hold.
pub const MAX_PAGE_SIZE: u64 = 1_000;

/// What a device list can be sorted by: columns with an index that ends in `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Id,
    SerialNumber,
    ProductClass,
    Manufacturer,
    LastInform,
    Registered,
}

impl SortKey {
    pub const ALL: [SortKey; 6] = [
        SortKey::Id,
        SortKey::SerialNumber,
        SortKey::ProductClass,
        SortKey::Manufacturer,
        SortKey::LastInform,
        SortKey::Registered,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SortKey::Id => "id",
            SortKey::SerialNumber => "serial_number",
            SortKey::ProductClass => "product_class",
            SortKey::Manufacturer => "manufacturer",
            SortKey::LastInform => "last_inform",
            SortKey::Registered => "registered",
        }
    }

    /// The sort column; each has an index ending in the device id.
    fn column(self) -> Expr {
        let column = match self {
            SortKey::Id => device::Column::Id,
            SortKey::SerialNumber => device::Column::SerialNumber,
            SortKey::ProductClass => device::Column::ProductClass,
            SortKey::Manufacturer => device::Column::Manufacturer,
            SortKey::Registered => device::Column::RegisteredAt,
            SortKey::LastInform => {
                return Expr::col((
                    device_presence::Entity,
                    device_presence::Column::LastInformAt,
                ));
            }
        };
        Expr::col((device::Entity, column))
    }

    /// The device id as the sort's index ends in it: `device_presence`'s copy when the sort
    /// column is there (the join makes them equal), so that the index serves the order.
    fn tiebreak(self) -> Expr {
        match self {
            SortKey::LastInform => {
                Expr::col((device_presence::Entity, device_presence::Column::DeviceId))
            }
            _ => Expr::col((device::Entity, device::Column::Id)),
        }
    }
}

/// A sort order: `serial_number`, `-last_inform` (newest first), ...
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceSort {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for DeviceSort {
    fn default() -> Self {
        DeviceSort {
            key: SortKey::Id,
            descending: false,
        }
    }
}

impl DeviceSort {
    pub fn parse(text: &str) -> Option<DeviceSort> {
        let (descending, name) = match text.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, text),
        };
        SortKey::ALL
            .into_iter()
            .find(|key| key.name() == name)
            .map(|key| DeviceSort { key, descending })
    }

    pub fn label(self) -> String {
        format!(
            "{}{}",
            if self.descending { "-" } else { "" },
            self.key.name()
        )
    }
}

/// Where the next page starts: the last row's sort value and id. Opaque to clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    sort: DeviceSort,
    value: CursorValue,
    id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum CursorValue {
    Id,
    Text(String),
    Time(DateTime<Utc>),
}

impl Cursor {
    fn after(sort: DeviceSort, device: &StoredDevice) -> Cursor {
        let value = match sort.key {
            SortKey::Id => CursorValue::Id,
            SortKey::SerialNumber => CursorValue::Text(device.key.serial_number.clone()),
            SortKey::ProductClass => CursorValue::Text(device.key.product_class.clone()),
            SortKey::Manufacturer => CursorValue::Text(device.manufacturer.clone()),
            SortKey::LastInform => CursorValue::Time(device.last_inform_at),
            SortKey::Registered => CursorValue::Time(device.registered_at),
        };
        Cursor {
            sort,
            value,
            id: device.id,
        }
    }

    /// The cursor as an opaque token: hex of a small JSON array.
    pub fn encode(&self) -> String {
        let value = match &self.value {
            CursorValue::Id => serde_json::Value::Null,
            CursorValue::Text(text) => serde_json::Value::from(text.as_str()),
            CursorValue::Time(at) => serde_json::Value::from(at.timestamp_micros()),
        };
        let json = serde_json::json!([self.sort.label(), value, self.id]).to_string();
        crate::hex::to_hex(json.as_bytes())
    }

    /// Reads a token made by `encode` for the same sort order; `None` when it is not one.
    pub fn decode(token: &str, sort: DeviceSort) -> Option<Cursor> {
        if !token.len().is_multiple_of(2) || token.len() > 2_048 {
            return None;
        }
        let bytes = (0..token.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        let (label, value, id): (String, serde_json::Value, i64) =
            serde_json::from_slice(&bytes).ok()?;
        if label != sort.label() {
            return None;
        }
        let value = match (sort.key, value) {
            (SortKey::Id, serde_json::Value::Null) => CursorValue::Id,
            (SortKey::LastInform | SortKey::Registered, serde_json::Value::Number(n)) => {
                CursorValue::Time(DateTime::from_timestamp_micros(n.as_i64()?)?)
            }
            (
                SortKey::SerialNumber | SortKey::ProductClass | SortKey::Manufacturer,
                serde_json::Value::String(text),
            ) => CursorValue::Text(text),
            _ => return None,
        };
        Some(Cursor { sort, value, id })
    }
}

/// One page request.
#[derive(Debug, Clone)]
pub struct DeviceQuery<'a> {
    pub filter: Option<&'a Filter>,
    pub sort: DeviceSort,
    pub after: Option<Cursor>,
    pub limit: u64,
    pub now: DateTime<Utc>,
}

/// A device with its tags, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedDevice {
    pub device: StoredDevice,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePage {
    pub devices: Vec<ListedDevice>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

/// What a tag may look like: 1 to 64 letters, digits and `_ - . :`.
pub fn is_tag(tag: &str) -> bool {
    (1..=64).contains(&tag.len())
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.:".contains(c))
}

impl Store {
    /// How a query is evaluated now on this store.
    fn evaluation(&self, now: DateTime<Utc>) -> device_filter::Evaluation {
        device_filter::Evaluation {
            kind: self.kind,
            now,
            index_ready: self.parameter_index.is_ready(),
        }
    }

    /// One page of devices matching the query, in the sort order, after the cursor.
    pub async fn list_devices(&self, query: &DeviceQuery<'_>) -> Result<DevicePage, StoreError> {
        let sort = query.sort;
        let column = sort.key.column();
        let order = if sort.descending {
            Order::Desc
        } else {
            Order::Asc
        };
        let mut select = with_presence(JoinType::InnerJoin);
        if let Some(filter) = query.filter {
            select = select.filter(device_filter::condition(filter, self.evaluation(query.now)));
        }
        if let Some(cursor) = &query.after {
            let id = sort.key.tiebreak();
            let last = cursor.id;
            let beyond = match (&cursor.value, sort.descending) {
                (CursorValue::Id, false) => id.gt(last),
                (CursorValue::Id, true) => id.lt(last),
                (value, descending) => {
                    let pair = Expr::tuple([column.clone(), id]);
                    let start = match value {
                        CursorValue::Text(text) => Expr::val(text.clone()),
                        CursorValue::Time(at) => Expr::val(*at),
                        CursorValue::Id => Expr::val(last),
                    };
                    let bound = Expr::tuple([start, Expr::val(last)]);
                    if descending {
                        pair.lt(bound)
                    } else {
                        pair.gt(bound)
                    }
                }
            };
            select = select.filter(beyond);
        }
        if sort.key != SortKey::Id {
            select = select.order_by(column, order.clone());
        }
        let limit = query.limit.clamp(1, MAX_PAGE_SIZE);
        let rows = select
            .order_by(sort.key.tiebreak(), order)
            .limit(limit + 1)
            .into_partial_model::<DeviceSummaryRow>()
            .all(&self.db)
            .await?;
        let more = rows.len() as u64 > limit;
        let devices: Vec<StoredDevice> = rows
            .into_iter()
            .take(limit as usize)
            .map(StoredDevice::from)
            .collect();
        let next = more
            .then(|| devices.last().map(|last| Cursor::after(sort, last)))
            .flatten();
        let mut tags = self
            .tags_of(&devices.iter().map(|d| d.id).collect::<Vec<_>>())
            .await?;
        Ok(DevicePage {
            devices: devices
                .into_iter()
                .map(|device| ListedDevice {
                    tags: tags.remove(&device.id).unwrap_or_default(),
                    device,
                })
                .collect(),
            next,
        })
    }

    /// How many devices match (all of them without a filter).
    pub async fn count_matching_devices(
        &self,
        filter: Option<&Filter>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let Some(filter) = filter else {
            return Ok(device::Entity::find().count(&self.db).await?);
        };
        let condition = device_filter::condition(filter, self.evaluation(now));
        // The presence table is joined only when read (a count of one table is cheaper),
        // and counted alone when nothing else is read (it holds one row per device).
        let count = if device_filter::reads_only_presence(filter) {
            device_presence::Entity::find()
                .filter(condition)
                .count(&self.db)
                .await?
        } else if device_filter::reads_presence(filter) {
            device::Entity::find()
                .join(JoinType::InnerJoin, device::Relation::Presence.def())
                .filter(condition)
                .count(&self.db)
                .await?
        } else {
            device::Entity::find()
                .filter(condition)
                .count(&self.db)
                .await?
        };
        Ok(count)
    }

    /// One device with its tags, without its tree.
    pub async fn device(&self, id: i64) -> Result<Option<ListedDevice>, StoreError> {
        let Some(row) = with_presence(JoinType::LeftJoin)
            .filter(device::Column::Id.eq(id))
            .into_partial_model::<DeviceSummaryRow>()
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let tags = self.tags_of(&[id]).await?.remove(&id).unwrap_or_default();
        Ok(Some(ListedDevice {
            device: row.into(),
            tags,
        }))
    }

    /// Deletes a device with its events, tasks and tags; false when there was none.
    ///
    /// Its events go explicitly (PostgreSQL's `device_event` has no foreign key: see its
    /// migration), and after the device: deleting the device waits for an Inform writing
    /// its presence and events to commit, so this statement, which reads afresh, sees those
    /// events; an Inform after it finds no presence row to update and writes none.
    pub async fn delete_device(&self, id: i64) -> Result<bool, StoreError> {
        let txn = self.db.begin().await?;
        let result = device::Entity::delete_by_id(id).exec(&txn).await?;
        device_event::Entity::delete_many()
            .filter(device_event::Column::DeviceId.eq(id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(result.rows_affected > 0)
    }

    /// Adds tags (already valid, see `is_tag`); tags the device has already are kept.
    pub async fn add_tags(&self, device_id: i64, tags: &[String]) -> Result<(), StoreError> {
        if tags.is_empty() {
            return Ok(());
        }
        let rows = tags.iter().map(|tag| device_tag::ActiveModel {
            device_id: sea_orm::ActiveValue::Set(device_id),
            tag: sea_orm::ActiveValue::Set(tag.clone()),
        });
        device_tag::Entity::insert_many(rows)
            .on_conflict_do_nothing_on([device_tag::Column::DeviceId, device_tag::Column::Tag])
            .exec(&self.db)
            .await?;
        Ok(())
    }

    pub async fn remove_tags(&self, device_id: i64, tags: &[String]) -> Result<(), StoreError> {
        device_tag::Entity::delete_many()
            .filter(device_tag::Column::DeviceId.eq(device_id))
            .filter(device_tag::Column::Tag.is_in(tags.iter().cloned()))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// The tags of each device, sorted.
    async fn tags_of(&self, ids: &[i64]) -> Result<HashMap<i64, Vec<String>>, StoreError> {
        let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
        if ids.is_empty() {
            return Ok(tags);
        }
        let rows = device_tag::Entity::find()
            .filter(device_tag::Column::DeviceId.is_in(ids.iter().copied()))
            .order_by_asc(device_tag::Column::Tag)
            .all(&self.db)
            .await?;
        for row in rows {
            tags.entry(row.device_id).or_default().push(row.tag);
        }
        Ok(tags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_parse_and_cursors_round_trip() {
        let sort = DeviceSort::parse("-last_inform").unwrap();
        assert_eq!(sort.key, SortKey::LastInform);
        assert!(sort.descending);
        assert_eq!(DeviceSort::parse("colour"), None);
        let at = DateTime::from_timestamp_micros(1_800_000_000_123_456).unwrap();
        let cursor = Cursor {
            sort,
            value: CursorValue::Time(at),
            id: 42,
        };
        let token = cursor.encode();
        assert_eq!(Cursor::decode(&token, sort), Some(cursor));
        // A cursor belongs to its sort order; junk is no cursor.
        assert_eq!(Cursor::decode(&token, DeviceSort::default()), None);
        for junk in ["", "zz", "0", "7b7d", &"ab".repeat(2_000)] {
            assert_eq!(Cursor::decode(junk, sort), None, "{junk}");
        }
    }

    #[test]
    fn tags_are_checked() {
        assert!(is_tag("vip"));
        assert!(is_tag("region:north-1"));
        assert!(!is_tag(""));
        assert!(!is_tag("two words"));
        assert!(!is_tag(&"x".repeat(65)));
    }
}
