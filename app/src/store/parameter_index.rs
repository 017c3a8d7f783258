//! The parameters operators search by, kept in `indexed_parameter` beside the trees.
//!
//! A search on a parameter value would otherwise read every device's tree (a second at a
//! million devices). The parameters helpdesk staff look a customer's device up by (the WAN
//! address, a MAC address, the PPPoE username, an SSID) are few, and their rows are kept in
//! step with the tree by every write of it, in the same transaction. The store fills the
//! table for the devices stored before it (or before this list changed) in the background;
//! until that is done, searches read the trees as before, so an answer is never short.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, TransactionTrait, UpdateMany,
    sea_query::{Alias, Expr, ExprTrait, OnConflict, Query, SimpleExpr},
};

use super::{
    DatabaseKind, Store, StoreError,
    devices::{ParameterTree, read_tree},
    entity::{device, indexed_parameter, setting},
};

/// The parameters whose values are indexed, in TR-106 notation: `{i}` stands for any
/// instance number. TR-098 (`InternetGatewayDevice.`) and TR-181 (`Device.`) names.
pub const INDEXED_PARAMETERS: [&str; 14] = [
    "InternetGatewayDevice.WANDevice.{i}.WANConnectionDevice.{i}.WANIPConnection.{i}.ExternalIPAddress",
    "InternetGatewayDevice.WANDevice.{i}.WANConnectionDevice.{i}.WANIPConnection.{i}.MACAddress",
    "InternetGatewayDevice.WANDevice.{i}.WANConnectionDevice.{i}.WANPPPConnection.{i}.ExternalIPAddress",
    "InternetGatewayDevice.WANDevice.{i}.WANConnectionDevice.{i}.WANPPPConnection.{i}.MACAddress",
    "InternetGatewayDevice.WANDevice.{i}.WANConnectionDevice.{i}.WANPPPConnection.{i}.Username",
    "InternetGatewayDevice.LANDevice.{i}.LANEthernetInterfaceConfig.{i}.MACAddress",
    "InternetGatewayDevice.LANDevice.{i}.WLANConfiguration.{i}.SSID",
    "Device.IP.Interface.{i}.IPv4Address.{i}.IPAddress",
    "Device.IP.Interface.{i}.IPv6Address.{i}.IPAddress",
    "Device.PPP.Interface.{i}.Username",
    "Device.Ethernet.Interface.{i}.MACAddress",
    "Device.Ethernet.Link.{i}.MACAddress",
    "Device.WiFi.SSID.{i}.SSID",
    "Device.WiFi.SSID.{i}.MACAddress",
];

/// Longest value indexed, in bytes. The data models allow at most 256 for these (most are
/// addresses); a longer one is left out rather than make a PostgreSQL index entry fail.
const MAX_INDEXED_VALUE: usize = 1_024;

/// The setting that records which list the table was filled for.
const SETTING_KEY: &str = "parameter_index";
/// Devices read per step of the fill.
const FILL_BATCH: u64 = 200;
/// Rows per INSERT. Chosen under sqlx 0.9.0, which left Nagle's algorithm on
/// (transact-rs/sqlx#4335): a statement larger than one TCP segment waited about 40 ms for
/// PostgreSQL's delayed ACK (500 rows: a fill of 100,000 devices took 52 s; 100 rows:
/// 8.9 s, about 1.8 ms per statement). sqlx 0.9.1 sets TCP_NODELAY again, and at 100 rows
/// the round trip is already a small part of a statement.
const INSERT_BATCH: usize = 100;
/// Several instances starting together against one PostgreSQL database: one fills.
const FILL_LOCK_KEY: i64 = 0x05_9E_E7_54_71;

/// Whether `name` is one of the indexed parameters.
pub fn is_indexed(name: &str) -> bool {
    INDEXED_PARAMETERS
        .iter()
        .any(|pattern| matches_pattern(pattern, name))
}

/// Whether `name` is `pattern` with each `{i}` an instance number.
fn matches_pattern(pattern: &str, name: &str) -> bool {
    let mut names = name.split('.');
    for part in pattern.split('.') {
        let Some(segment) = names.next() else {
            return false;
        };
        let fits = if part == "{i}" {
            !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit())
        } else {
            part == segment
        };
        if !fits {
            return false;
        }
    }
    names.next().is_none()
}

/// The indexed list as one text, stored once the table was filled for it.
fn list_signature() -> String {
    INDEXED_PARAMETERS.join("\n")
}

/// What a write of a device's tree does to its index rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum IndexChanges {
    /// A patch: these values are now stored, these names have none to index (too long).
    Patch {
        set: Vec<(String, String)>,
        cleared: Vec<String>,
    },
    /// The whole tree was written again: its rows, replacing all the device had.
    Replace(Vec<(String, String)>),
}

impl IndexChanges {
    /// The changes of a patch (or a new device's tree): the indexed entries with a value.
    pub(super) fn of_patch(updates: &ParameterTree) -> IndexChanges {
        let mut set = Vec::new();
        let mut cleared = Vec::new();
        for (name, value) in indexed_values(updates) {
            match value {
                Some(value) => set.push((name, value)),
                None => cleared.push(name),
            }
        }
        IndexChanges::Patch { set, cleared }
    }

    /// The rows of a whole tree.
    pub(super) fn of_tree(tree: &ParameterTree) -> IndexChanges {
        IndexChanges::Replace(rows_of(tree))
    }

    pub(super) fn is_empty(&self) -> bool {
        matches!(self, IndexChanges::Patch { set, cleared } if set.is_empty() && cleared.is_empty())
    }

    /// Applies the changes to device `device_id`'s rows.
    pub(super) async fn apply(
        &self,
        conn: &impl ConnectionTrait,
        device_id: i64,
    ) -> Result<(), StoreError> {
        match self {
            IndexChanges::Patch { set, cleared } => {
                if !cleared.is_empty() {
                    indexed_parameter::Entity::delete_many()
                        .filter(indexed_parameter::Column::DeviceId.eq(device_id))
                        .filter(indexed_parameter::Column::Name.is_in(cleared.iter().cloned()))
                        .exec(conn)
                        .await?;
                }
                insert_rows(conn, models(device_id, set), Conflict::Replace).await
            }
            IndexChanges::Replace(rows) => {
                indexed_parameter::Entity::delete_many()
                    .filter(indexed_parameter::Column::DeviceId.eq(device_id))
                    .exec(conn)
                    .await?;
                insert_rows(conn, models(device_id, rows), Conflict::Keep).await
            }
        }
    }
}

/// Each indexed entry of `tree` that carries a value, with the value to index (`None` when
/// it is too long to be).
fn indexed_values(tree: &ParameterTree) -> impl Iterator<Item = (String, Option<String>)> + '_ {
    tree.iter()
        .filter(|(name, _)| is_indexed(name))
        .filter_map(|(name, entry)| {
            let value = entry.value.as_ref()?;
            let value = (value.len() <= MAX_INDEXED_VALUE).then(|| value.clone());
            Some((name.clone(), value))
        })
}

/// The index rows of a whole tree.
pub(super) fn rows_of(tree: &ParameterTree) -> Vec<(String, String)> {
    indexed_values(tree)
        .filter_map(|(name, value)| Some((name, value?)))
        .collect()
}

/// What an insert does with a row the device has already.
#[derive(Debug, Clone, Copy)]
pub(super) enum Conflict {
    /// The new value wins: a write of the tree.
    Replace,
    /// The stored row wins: the fill, which may have read the tree before a write.
    Keep,
}

/// Device `device_id`'s rows as models.
pub(super) fn models(
    device_id: i64,
    rows: &[(String, String)],
) -> impl Iterator<Item = indexed_parameter::ActiveModel> + '_ {
    rows.iter()
        .map(move |(name, value)| indexed_parameter::ActiveModel {
            device_id: sea_orm::ActiveValue::Set(device_id),
            name: sea_orm::ActiveValue::Set(name.clone()),
            value: sea_orm::ActiveValue::Set(value.clone()),
        })
}

/// Inserts rows (of any devices), a few hundred per statement.
pub(super) async fn insert_rows(
    conn: &impl ConnectionTrait,
    rows: impl IntoIterator<Item = indexed_parameter::ActiveModel>,
    conflict: Conflict,
) -> Result<(), StoreError> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(INSERT_BATCH).collect();
        let mut on_conflict = OnConflict::columns([
            indexed_parameter::Column::DeviceId,
            indexed_parameter::Column::Name,
        ]);
        match conflict {
            Conflict::Replace => on_conflict.update_column(indexed_parameter::Column::Value),
            Conflict::Keep => on_conflict.do_nothing(),
        };
        indexed_parameter::Entity::insert_many(chunk)
            .on_conflict(on_conflict)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Whether searches may read the index: false until the table is known to be filled for
/// this list. Shared by every clone of the store.
#[derive(Debug, Clone, Default)]
pub(super) struct IndexState(Arc<AtomicBool>);

impl IndexState {
    pub(super) fn is_ready(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    pub(super) fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::Release);
    }
}

impl Store {
    /// Runs `update` (a write of device `device_id`'s tree) with its index changes, in one
    /// transaction when there are any. Returns the rows the update changed; the index is
    /// only touched when it changed the device.
    pub(super) async fn update_tree(
        &self,
        update: UpdateMany<device::Entity>,
        device_id: i64,
        index: &IndexChanges,
    ) -> Result<u64, StoreError> {
        if index.is_empty() {
            return Ok(update.exec(&self.db).await?.rows_affected);
        }
        let txn = self.db.begin().await?;
        let changed = update.exec(&txn).await?.rows_affected;
        if changed > 0 {
            index.apply(&txn, device_id).await?;
        }
        txn.commit().await?;
        Ok(changed)
    }

    /// Makes the index ready for searches: at once when it was filled for this list (or
    /// there are no devices yet); otherwise it is filled in the background, and searches
    /// read the trees until then.
    pub(super) async fn prepare_parameter_index(&self) -> Result<(), StoreError> {
        if self.index_is_current().await? {
            self.parameter_index.set(true);
            return Ok(());
        }
        let any_device: Option<i64> = device::Entity::find()
            .select_only()
            .column(device::Column::Id)
            .into_tuple()
            .one(&self.db)
            .await?;
        if any_device.is_none() {
            self.write_index_signature().await?;
            self.parameter_index.set(true);
            return Ok(());
        }
        let store = self.clone();
        tokio::spawn(async move {
            if let Err(error) = store.fill_parameter_index().await {
                tracing::warn!(
                    %error,
                    "filling the parameter index stopped; searches on parameter values read \
                     every tree until a restart fills it"
                );
            }
        });
        Ok(())
    }

    /// Whether the table was filled for this list.
    async fn index_is_current(&self) -> Result<bool, StoreError> {
        let stored = setting::Entity::find_by_id(SETTING_KEY)
            .one(&self.db)
            .await?;
        Ok(stored.is_some_and(|row| row.value == list_signature()))
    }

    async fn write_index_signature(&self) -> Result<(), StoreError> {
        let row = setting::ActiveModel {
            key: sea_orm::ActiveValue::Set(SETTING_KEY.to_owned()),
            value: sea_orm::ActiveValue::Set(list_signature()),
        };
        setting::Entity::insert(row)
            .on_conflict(
                OnConflict::column(setting::Column::Key)
                    .update_column(setting::Column::Value)
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await?;
        Ok(())
    }

    /// Fills the index from every stored tree, a batch of devices at a time, then marks it
    /// ready. On PostgreSQL one instance fills while the others wait for its note.
    async fn fill_parameter_index(&self) -> Result<(), StoreError> {
        // Held (on its own connection) for the whole fill. An instance that does not get it
        // waits for the filler's note, and takes the lock over if the filler went away.
        let lock = match self.kind {
            DatabaseKind::Sqlite => None,
            DatabaseKind::Postgres => loop {
                let txn = self.db.begin().await?;
                let row = txn
                    .query_one_raw(sea_orm::Statement::from_string(
                        sea_orm::DbBackend::Postgres,
                        format!("SELECT pg_try_advisory_xact_lock({FILL_LOCK_KEY}) AS \"won\""),
                    ))
                    .await?;
                let won = row.map(|row| row.try_get::<bool>("", "won")).transpose()?;
                if won == Some(true) {
                    break Some(txn);
                }
                drop(txn);
                tokio::time::sleep(Duration::from_secs(5)).await;
                if self.index_is_current().await? {
                    self.parameter_index.set(true);
                    return Ok(());
                }
            },
        };
        let started = std::time::Instant::now();
        tracing::info!("filling the parameter index from the stored trees");
        let mut after = 0_i64;
        let mut devices = 0_u64;
        loop {
            let read = fill_batch(&self.db, after).await?;
            let Some(last) = read.last_id else { break };
            after = last;
            devices += read.devices;
        }
        self.write_index_signature().await?;
        self.parameter_index.set(true);
        // The lock goes with its transaction, which wrote nothing.
        if let Some(lock) = lock
            && let Err(error) = lock.rollback().await
        {
            tracing::debug!(%error, "the parameter index fill's lock ended with its connection");
        }
        tracing::info!(
            devices,
            seconds = started.elapsed().as_secs(),
            "the parameter index is filled"
        );
        Ok(())
    }
}

/// What one step of the fill read.
struct FillStep {
    last_id: Option<i64>,
    devices: u64,
}

/// Indexes the devices after `after` (a batch of them) from their trees, in one
/// transaction that starts by deleting their rows. That write comes first so that a
/// session writing one of those trees meanwhile waits for this transaction (on
/// PostgreSQL its row upsert waits on the deleted rows, on SQLite for the write lock) and
/// its rows win; the fill's own never replace a row that is there.
async fn fill_batch(db: &DatabaseConnection, after: i64) -> Result<FillStep, StoreError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_fill_batch(db, after).await {
            Ok(step) => return Ok(step),
            Err(error) if attempt < super::devices::WRITE_ATTEMPTS => {
                tracing::debug!(%error, after, "a step of the parameter index fill is tried again");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => return Err(error),
        }
    }
}

async fn try_fill_batch(db: &DatabaseConnection, after: i64) -> Result<FillStep, StoreError> {
    let batch = || {
        device::Entity::find()
            .select_only()
            .column(device::Column::Id)
            .filter(device::Column::Id.gt(after))
            .order_by_asc(device::Column::Id)
            .limit(FILL_BATCH)
    };
    let txn = db.begin().await?;
    // A range of the primary key (the batch's ids, from a subquery, would be a join the
    // planner may answer by reading the whole table).
    let last_of_batch = Query::select()
        .expr(Expr::col(Alias::new("id")).max())
        .from_subquery(batch().into_query(), Alias::new("batch"))
        .to_owned();
    indexed_parameter::Entity::delete_many()
        .filter(indexed_parameter::Column::DeviceId.gt(after))
        .filter(
            Expr::col(indexed_parameter::Column::DeviceId)
                .lte(SimpleExpr::SubQuery(None, Box::new(last_of_batch.into()))),
        )
        .exec(&txn)
        .await?;
    let rows: Vec<(i64, serde_json::Value)> = batch()
        .column(device::Column::Parameters)
        .into_tuple()
        .all(&txn)
        .await?;
    let Some(last) = rows.last().map(|row| row.0) else {
        return Ok(FillStep {
            last_id: None,
            devices: 0,
        });
    };
    let mut indexed = Vec::new();
    for (id, parameters) in &rows {
        let tree = read_tree(parameters)?;
        indexed.extend(models(*id, &rows_of(&tree)));
    }
    insert_rows(&txn, indexed, Conflict::Keep).await?;
    txn.commit().await?;
    Ok(FillStep {
        last_id: Some(last),
        devices: rows.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoredParameter;

    #[test]
    fn instance_numbers_match_the_placeholder_only() {
        assert!(is_indexed("Device.WiFi.SSID.1.SSID"));
        assert!(is_indexed("Device.WiFi.SSID.12.SSID"));
        assert!(is_indexed(
            "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.2.WANPPPConnection.1.Username"
        ));
        assert!(!is_indexed("Device.WiFi.SSID.x.SSID"));
        assert!(!is_indexed("Device.WiFi.SSID..SSID"));
        assert!(!is_indexed("Device.WiFi.SSID.1.SSID.Extra"));
        assert!(!is_indexed("Device.WiFi.SSID.1"));
        assert!(!is_indexed("Device.WiFi.SSID.1.Enable"));
        assert!(!is_indexed("Device.DeviceInfo.UpTime"));
    }

    fn entry(value: Option<&str>) -> StoredParameter {
        StoredParameter {
            value: value.map(str::to_owned),
            kind: Some("xsd:string".to_owned()),
            writable: None,
            read_at: 1,
        }
    }

    #[test]
    fn a_patch_sets_values_and_clears_those_too_long() {
        let long = "x".repeat(MAX_INDEXED_VALUE + 1);
        let tree: ParameterTree = [
            ("Device.WiFi.SSID.1.SSID", entry(Some("home"))),
            ("Device.WiFi.SSID.2.SSID", entry(Some(&long))),
            ("Device.WiFi.SSID.3.SSID", entry(None)),
            ("Device.DeviceInfo.UpTime", entry(Some("5"))),
        ]
        .into_iter()
        .map(|(name, entry)| (name.to_owned(), entry))
        .collect();
        assert_eq!(
            IndexChanges::of_patch(&tree),
            IndexChanges::Patch {
                set: vec![("Device.WiFi.SSID.1.SSID".to_owned(), "home".to_owned())],
                cleared: vec!["Device.WiFi.SSID.2.SSID".to_owned()],
            }
        );
        assert_eq!(
            IndexChanges::of_tree(&tree),
            IndexChanges::Replace(vec![(
                "Device.WiFi.SSID.1.SSID".to_owned(),
                "home".to_owned()
            )])
        );
        assert!(IndexChanges::of_patch(&ParameterTree::new()).is_empty());
        assert!(!IndexChanges::of_tree(&ParameterTree::new()).is_empty());
    }
}
