//! The device inventory: identity, summary columns, the parameter tree, session events.
//!
//! A periodic Inform from a device this process remembers (`inform_cache`), carrying the
//! values its last one did, costs a share of a group commit and no read: the write checks
//! that the device is as remembered (`unchanged_inform`). Any other Inform reads the summary
//! (never the tree) first. One whose values match the digest of the last one then costs a
//! share of a group commit (`summary_writer`); any other writes the summary and patches the
//! parameters it carried into the tree in one statement (`tree_merge`), then inserts its
//! events in one batch.

use std::{borrow::Cow, collections::BTreeMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, DbBackend, DbErr, DerivePartialModel, EntityTrait, FromQueryResult, JoinType,
    PaginatorTrait, PartialModelTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect,
    RelationTrait, Select, Statement, TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use serde::{Deserialize, Serialize};

use super::{
    Store, StoreError,
    entity::{device, device_event, device_presence},
    heartbeat_events::keeps_event,
    is_unique_violation,
    parameter_index::IndexChanges,
    summary_writer::{SummaryUpdate, presence_write_sql},
    tree_merge::{Follow, interval_after, patch_json, patched_tree},
    unchanged_inform::{MAX_EVENTS, UnchangedInform},
};

/// What identifies a CPE (TR-069 DeviceIdStruct): OUI, product class and serial number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeviceKey {
    pub oui: String,
    pub product_class: String,
    pub serial_number: String,
}

/// One stored parameter. Short field names: a tree holds hundreds per device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredParameter {
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The `xsi:type` as written (`xsd:string`, ...), when a value was read.
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(rename = "w", default, skip_serializing_if = "Option::is_none")]
    pub writable: Option<bool>,
    /// When the value (or name) was last read, in Unix seconds.
    #[serde(rename = "at")]
    pub read_at: i64,
}

pub type ParameterTree = BTreeMap<String, StoredParameter>;

/// What a session changes in a stored tree: objects deleted (their name, ending in `.`),
/// then parameters read or set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeChanges {
    pub updates: ParameterTree,
    pub removed: Vec<String>,
}

impl TreeChanges {
    pub fn is_empty(&self) -> bool {
        self.updates.is_empty() && self.removed.is_empty()
    }
}

/// What an Inform says about the device, besides its identity.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InformRecord {
    pub manufacturer: String,
    pub software_version: Option<String>,
    pub hardware_version: Option<String>,
    pub data_model: Option<String>,
    pub ip_address: Option<String>,
    pub connection_request_url: Option<String>,
    pub cwmp_version: String,
    pub booted: bool,
    /// `0 BOOTSTRAP`: the device is new or was reset, so its tree must be read again.
    pub bootstrap: bool,
    /// (code, command key) of each event.
    pub events: Vec<(String, String)>,
    /// (name, value, type) of each parameter the Inform carried; the type is borrowed
    /// unless it is a vendor's (`XsdType::as_xsi`).
    pub parameters: Vec<(String, String, Cow<'static, str>)>,
}

/// A device as the inventory holds it (without its tree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDevice {
    pub id: i64,
    pub key: DeviceKey,
    pub manufacturer: String,
    pub software_version: Option<String>,
    pub hardware_version: Option<String>,
    pub data_model: Option<String>,
    pub ip_address: Option<String>,
    pub connection_request_url: Option<String>,
    pub cwmp_version: String,
    pub registered_at: DateTime<Utc>,
    pub last_inform_at: DateTime<Utc>,
    pub last_boot_at: Option<DateTime<Utc>>,
    pub tree_complete: bool,
    /// Online until then (see `online_deadline`); `None` before the first Inform was stored.
    pub online_until: Option<DateTime<Utc>>,
}

impl StoredDevice {
    fn informed(&self) -> InformedDevice {
        InformedDevice {
            id: self.id,
            key: self.key.clone(),
            tree_complete: self.tree_complete,
        }
    }

    pub fn is_online(&self, now: DateTime<Utc>) -> bool {
        self.online_until.is_some_and(|until| until >= now)
    }
}

/// What a session needs to know of the device an Inform came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InformedDevice {
    pub id: i64,
    pub key: DeviceKey,
    /// Whether its whole tree has been read; if not, the session reads it.
    pub tree_complete: bool,
}

/// The outcome of recording an Inform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InformOutcome {
    Known {
        device: InformedDevice,
        /// Whether the device may have tasks waiting: `false` only when the database said
        /// it has none queued or running, so the session need not ask.
        open_tasks: bool,
    },
    Registered(InformedDevice),
    /// Unknown device and registration is off.
    Refused,
}

impl StoredDevice {
    /// The device as `row` and its presence say.
    fn from_row(row: &device::Model, presence: &device_presence::Model) -> Self {
        StoredDevice {
            id: row.id,
            key: DeviceKey {
                oui: row.oui.clone(),
                product_class: row.product_class.clone(),
                serial_number: row.serial_number.clone(),
            },
            manufacturer: row.manufacturer.clone(),
            software_version: row.software_version.clone(),
            hardware_version: row.hardware_version.clone(),
            data_model: row.data_model.clone(),
            ip_address: row.ip_address.clone(),
            connection_request_url: row.connection_request_url.clone(),
            cwmp_version: row.cwmp_version.clone(),
            registered_at: row.registered_at,
            last_inform_at: presence.last_inform_at,
            last_boot_at: row.last_boot_at,
            tree_complete: row.tree_complete,
            online_until: presence.online_until,
        }
    }
}

/// Devices joined to their presence, for reads of the summary (`DeviceSummaryRow`). Lists
/// join `Inner`, so that a sort by last inform can walk the presence index; reads of one
/// device join `Left`, so that a device whose presence row is missing still reads (as
/// never informed; its next Inform writes the row).
pub(super) fn with_presence(join: JoinType) -> Select<device::Entity> {
    device::Entity::find().join(join, device::Relation::Presence.def())
}

/// The device whose identity is `key` (served by the unique identity index).
fn identity_is(key: &DeviceKey) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(device::Column::Oui.eq(&key.oui))
        .add(device::Column::ProductClass.eq(&key.product_class))
        .add(device::Column::SerialNumber.eq(&key.serial_number))
}

/// The device's own columns without its tree (nor its presence).
#[derive(Debug, Clone, DerivePartialModel)]
#[sea_orm(entity = "device::Entity")]
pub(super) struct DeviceColumns {
    id: i64,
    oui: String,
    product_class: String,
    serial_number: String,
    manufacturer: String,
    software_version: Option<String>,
    hardware_version: Option<String>,
    data_model: Option<String>,
    ip_address: Option<String>,
    connection_request_url: Option<String>,
    cwmp_version: String,
    registered_at: DateTime<Utc>,
    last_boot_at: Option<DateTime<Utc>>,
    tree_complete: bool,
}

impl DeviceColumns {
    /// The device, with the presence given (`None`: never informed, or not read).
    fn into_device(
        self,
        last_inform_at: Option<DateTime<Utc>>,
        online_until: Option<DateTime<Utc>>,
    ) -> StoredDevice {
        StoredDevice {
            id: self.id,
            key: DeviceKey {
                oui: self.oui,
                product_class: self.product_class,
                serial_number: self.serial_number,
            },
            manufacturer: self.manufacturer,
            software_version: self.software_version,
            hardware_version: self.hardware_version,
            data_model: self.data_model,
            ip_address: self.ip_address,
            connection_request_url: self.connection_request_url,
            cwmp_version: self.cwmp_version,
            registered_at: self.registered_at,
            last_inform_at: last_inform_at.unwrap_or(self.registered_at),
            last_boot_at: self.last_boot_at,
            tree_complete: self.tree_complete,
            online_until,
        }
    }
}

/// The device's columns without its tree, with its presence (`with_presence`).
#[derive(Debug, Clone, DerivePartialModel)]
#[sea_orm(entity = "device::Entity")]
pub(super) struct DeviceSummaryRow {
    #[sea_orm(nested)]
    device: DeviceColumns,
    #[sea_orm(
        from_expr = "Expr::col((device_presence::Entity, device_presence::Column::LastInformAt))"
    )]
    last_inform_at: Option<DateTime<Utc>>,
    #[sea_orm(
        from_expr = "Expr::col((device_presence::Entity, device_presence::Column::OnlineUntil))"
    )]
    online_until: Option<DateTime<Utc>>,
}

impl From<DeviceSummaryRow> for StoredDevice {
    fn from(row: DeviceSummaryRow) -> Self {
        row.device.into_device(row.last_inform_at, row.online_until)
    }
}

/// Periodic interval assumed until the device's own is known.
const DEFAULT_INFORM_INTERVAL_SECONDS: i64 = 3_600;

/// Where the periodic inform interval lives, in each data model.
pub(super) const INTERVAL_PARAMETERS: [&str; 2] = [
    "Device.ManagementServer.PeriodicInformInterval",
    "InternetGatewayDevice.ManagementServer.PeriodicInformInterval",
];

/// Until when a device that informed at `now` counts as online: one and a half of its
/// periodic inform intervals, plus a minute for slow networks.
pub fn online_deadline(tree: &ParameterTree, now: DateTime<Utc>) -> DateTime<Utc> {
    deadline_after(inform_interval(tree), now)
}

/// The periodic inform interval the tree states, in seconds, when it states a sensible one.
pub(super) fn inform_interval(tree: &ParameterTree) -> Option<i64> {
    INTERVAL_PARAMETERS
        .iter()
        .find_map(|name| tree.get(*name).and_then(|p| p.value.as_deref()))
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|seconds| (1..=31 * 86_400).contains(seconds))
}

/// `online_deadline` for an interval in seconds (or unknown).
fn deadline_after(interval: Option<i64>, now: DateTime<Utc>) -> DateTime<Utc> {
    let interval = interval.unwrap_or(DEFAULT_INFORM_INTERVAL_SECONDS);
    now + chrono::Duration::seconds(interval + interval / 2 + 60)
}

/// A digest of the (name, type, value) triples an Inform carried, in name order: equal
/// digests mean equal values. SHA-256 (cut to 128 bits) rather than a std hasher, which is
/// seeded per process: every instance and every release must compute the same digest.
pub(super) fn inform_digest(parameters: &[(String, String, Cow<'static, str>)]) -> String {
    digest_of(
        parameters
            .iter()
            .map(|(name, value, kind)| (name.as_str(), value.as_str(), kind.as_ref())),
    )
}

/// The digest an Inform carrying `names` with the values stored in `tree` would have;
/// `None` when the tree lacks one of them.
pub(super) fn tree_digest<'a>(
    tree: &ParameterTree,
    names: impl Iterator<Item = &'a str>,
) -> Option<String> {
    let triples = names
        .map(|name| {
            let stored = tree.get(name)?;
            Some((
                name,
                stored.value.as_deref()?,
                stored.kind.as_deref().unwrap_or_default(),
            ))
        })
        .collect::<Option<Vec<_>>>()?;
    Some(digest_of(triples.into_iter()))
}

/// The names an Inform carried, as `inform_names` keeps them (a line each).
fn inform_names(parameters: &[(String, String, Cow<'static, str>)]) -> String {
    parameters
        .iter()
        .map(|(name, _, _)| name.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The parameters an Inform carried as tree entries read at `now` (the writable flag is
/// not in an Inform: a stored one is kept).
fn inform_tree(inform: &InformRecord, now: DateTime<Utc>) -> ParameterTree {
    inform
        .parameters
        .iter()
        .map(|(name, value, kind)| {
            let entry = StoredParameter {
                value: Some(value.clone()),
                kind: Some(kind.to_string()),
                writable: None,
                read_at: now.timestamp(),
            };
            (name.clone(), entry)
        })
        .collect()
}

fn digest_of<'a>(triples: impl Iterator<Item = (&'a str, &'a str, &'a str)>) -> String {
    use sha2::{Digest, Sha256};
    let mut sorted: Vec<(&str, &str, &str)> = triples.collect();
    sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut hasher = Sha256::new();
    for (name, value, kind) in sorted {
        // Lengths first, so no two different lists hash the same bytes.
        for part in [name, kind, value] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
    }
    crate::hex::to_hex(&hasher.finalize()[..16])
}

/// A device's summary with what the cheap path of an Inform needs: the digest of the last
/// Inform's values, the periodic interval, and whether any task is open. Not its presence:
/// the Inform replaces it, so the read leaves out the join to the table every Inform
/// rewrites.
struct InformView {
    summary: DeviceColumns,
    digest: Option<String>,
    interval: Option<i64>,
    open_tasks: bool,
}

impl FromQueryResult for InformView {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        Ok(InformView {
            summary: DeviceColumns::from_query_result(row, prefix)?,
            digest: row.try_get(prefix, "inform_digest")?,
            interval: row.try_get(prefix, "inform_interval")?,
            open_tasks: row.try_get(prefix, "open_tasks")?,
        })
    }
}

/// Writes a device's presence row, whether or not it has one yet; returns whether this
/// Inform ended a silence (`heartbeat_events`). The database compares the two times it
/// stored, so a time it keeps less finely (PostgreSQL: microseconds) cannot differ.
pub(super) async fn write_presence(
    db: &impl sea_orm::ConnectionTrait,
    presence: &device_presence::Model,
) -> Result<bool, StoreError> {
    let backend = db.get_database_backend();
    let placeholders = match backend {
        DbBackend::Postgres => "$1, $2, $3, $4",
        _ => "?, ?, ?, ?",
    };
    let sql = format!(
        r#"{} RETURNING COALESCE("online_since" = "last_inform_at", FALSE) AS "ended_silence""#,
        presence_write_sql(&format!("VALUES ({placeholders})"))
    );
    let values = [
        presence.device_id.into(),
        presence.last_inform_at.into(),
        presence.online_until.into(),
        Some(presence.last_inform_at).into(),
    ];
    let row = db
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    Ok(match row {
        Some(row) => row.try_get("", "ended_silence")?,
        None => false,
    })
}

/// Inserts the events of an Inform whose presence was just written (`write_presence`
/// said whether it ended a silence): those `heartbeat_events` keeps.
pub(super) async fn insert_events(
    db: &impl sea_orm::ConnectionTrait,
    presence: &device_presence::Model,
    events: &[(String, String)],
    ended_silence: bool,
) -> Result<(), StoreError> {
    let at = presence.last_inform_at;
    let rows: Vec<device_event::ActiveModel> = events
        .iter()
        .filter(|(code, _)| keeps_event(code, ended_silence))
        .map(|(code, command_key)| device_event::ActiveModel {
            device_id: Set(presence.device_id),
            at: Set(at),
            code: Set(code.clone()),
            command_key: Set(command_key.clone()),
            ..Default::default()
        })
        .collect();
    if !rows.is_empty() {
        device_event::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}

pub(super) fn read_tree(value: &serde_json::Value) -> Result<ParameterTree, StoreError> {
    ParameterTree::deserialize(value).map_err(|e| StoreError::Corrupt {
        what: "parameter tree",
        value: e.to_string(),
    })
}

pub(super) fn write_tree(tree: &ParameterTree) -> serde_json::Value {
    serde_json::to_value(tree).unwrap_or_else(|_| serde_json::Value::Object(Default::default()))
}

/// Whether the device has a task queued or running: a superset of what a session takes, so
/// `false` means there is nothing to ask for.
const OPEN_TASKS: &str = r#"EXISTS (SELECT 1 FROM "task" WHERE "task"."device_id" = "device"."id" AND "task"."status" IN ('queued', 'running'))"#;

/// How many times a write that lost a race with another session is tried again.
pub(super) const WRITE_ATTEMPTS: usize = 5;

impl Store {
    /// Records an Inform: registers an unknown device (when `register_unknown`), updates the
    /// summary, merges the parameters it carried and appends its events. The tree is never
    /// read: an Inform carries a handful of parameters, patched into it in the database.
    pub async fn record_inform(
        &self,
        key: &DeviceKey,
        inform: &InformRecord,
        register_unknown: bool,
        now: DateTime<Utc>,
    ) -> Result<InformOutcome, StoreError> {
        let digest = inform_digest(&inform.parameters);
        self.record_digested_inform(key, inform, &digest, register_unknown, now)
            .await
    }

    /// `record_inform`, with the digest of the Inform's values worked out already.
    pub(super) async fn record_digested_inform(
        &self,
        key: &DeviceKey,
        inform: &InformRecord,
        digest: &str,
        register_unknown: bool,
        now: DateTime<Utc>,
    ) -> Result<InformOutcome, StoreError> {
        if let Some(outcome) = self
            .record_remembered_inform(key, inform, digest, now)
            .await?
        {
            return Ok(outcome);
        }
        self.record_inform_fully(key, inform, digest, register_unknown, now)
            .await
    }

    /// Records an Inform by what the database holds: the path for whatever the cheap one
    /// (`record_remembered_inform`) does not take or turns down. `digest` is the Inform's.
    pub(super) async fn record_inform_fully(
        &self,
        key: &DeviceKey,
        inform: &InformRecord,
        digest: &str,
        register_unknown: bool,
        now: DateTime<Utc>,
    ) -> Result<InformOutcome, StoreError> {
        for _ in 0..WRITE_ATTEMPTS {
            let found = self.inform_view(key).await?;
            let outcome = match found {
                Some(found) if !inform.bootstrap && found.digest.as_deref() == Some(digest) => {
                    Some(
                        self.record_unchanged_inform(found, inform, digest, now)
                            .await?,
                    )
                }
                Some(found) => {
                    self.record_changed_inform(found, inform, digest.to_owned(), now)
                        .await?
                }
                None if !register_unknown => Some(InformOutcome::Refused),
                None => {
                    self.register_device(key, inform, digest.to_owned(), now)
                        .await?
                }
            };
            // `None`: another session registered or deleted the device meanwhile.
            if let Some(outcome) = outcome {
                return Ok(outcome);
            }
        }
        Err(StoreError::Contended("device"))
    }

    /// The cheapest path: an Inform with the values the last one stored (same digest), from
    /// a device this process remembers, without a boot (which changes the device row) or a
    /// BOOTSTRAP (which changes its tree). Nothing is read: the write checks that the device
    /// is as remembered. `None`: it is not (or not remembered); take the full path.
    async fn record_remembered_inform(
        &self,
        key: &DeviceKey,
        inform: &InformRecord,
        digest: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<InformOutcome>, StoreError> {
        let Some((device, unchanged)) = self.remembered_unchanged(key, inform, digest, now) else {
            return Ok(None);
        };
        match self.summaries.write_unchanged(unchanged).await? {
            Some(open_tasks) => Ok(Some(InformOutcome::Known { device, open_tasks })),
            None => {
                self.inform_cache.forget(key);
                Ok(None)
            }
        }
    }

    /// The checked write of an Inform the cheap path may take (see `record_remembered_inform`)
    /// and the device it comes from as remembered; `None` if it may not.
    pub(super) fn remembered_unchanged(
        &self,
        key: &DeviceKey,
        inform: &InformRecord,
        digest: &str,
        now: DateTime<Utc>,
    ) -> Option<(InformedDevice, UnchangedInform)> {
        if inform.booted || inform.bootstrap || inform.events.len() > MAX_EVENTS {
            return None;
        }
        let known = self.inform_cache.get(key, digest)?;
        let unchanged = UnchangedInform {
            update: SummaryUpdate {
                // Checked instead: the row must hold what the Inform carries already.
                device_row_changes: false,
                ..Self::summary_update(known.device_id, inform, known.interval, now)
            },
            key: key.clone(),
            digest: digest.to_owned(),
            interval: known.interval,
            tree_complete: known.tree_complete,
        };
        let device = InformedDevice {
            id: known.device_id,
            key: key.clone(),
            tree_complete: known.tree_complete,
        };
        Some((device, unchanged))
    }

    /// The device's summary with the digest of its last Inform, its interval and whether it
    /// has open tasks: all an Inform needs to read.
    async fn inform_view(&self, key: &DeviceKey) -> Result<Option<InformView>, StoreError> {
        Ok(
            DeviceColumns::select_cols(device::Entity::find().select_only())
                .column(device::Column::InformDigest)
                .column(device::Column::InformInterval)
                .expr_as(Expr::cust(OPEN_TASKS), "open_tasks")
                .filter(identity_is(key))
                .into_model::<InformView>()
                .one(&self.db)
                .await?,
        )
    }

    /// What an Inform changes in the summary, with its events.
    fn summary_update(
        device_id: i64,
        inform: &InformRecord,
        interval: Option<i64>,
        now: DateTime<Utc>,
    ) -> SummaryUpdate {
        SummaryUpdate {
            device_id,
            manufacturer: inform.manufacturer.clone(),
            cwmp_version: inform.cwmp_version.clone(),
            last_inform_at: now,
            online_until: deadline_after(interval, now),
            software_version: inform.software_version.clone(),
            hardware_version: inform.hardware_version.clone(),
            data_model: inform.data_model.clone(),
            ip_address: inform.ip_address.clone(),
            connection_request_url: inform.connection_request_url.clone(),
            last_boot_at: inform.booted.then_some(now),
            events: inform.events.clone(),
            device_row_changes: true,
        }
    }

    /// The cheap path of a periodic Inform: it carries the values its last one did (same
    /// digest), so only the summary columns change and the tree is not written (a stored
    /// value keeps the time it was read or changed). The write is committed with other
    /// sessions' (`SummaryWriter`).
    async fn record_unchanged_inform(
        &self,
        found: InformView,
        inform: &InformRecord,
        digest: &str,
        now: DateTime<Utc>,
    ) -> Result<InformOutcome, StoreError> {
        // Its presence is this Inform's (`apply_to`), so it was not read.
        let mut device = found.summary.into_device(None, None);
        let mut update = Self::summary_update(device.id, inform, found.interval, now);
        update.device_row_changes = update.changes_device_row(&device);
        update.apply_to(&mut device);
        self.summaries.write(update).await?;
        self.inform_cache.remember(
            &device.key,
            device.id,
            digest,
            found.interval,
            device.tree_complete,
        );
        Ok(InformOutcome::Known {
            device: device.informed(),
            open_tasks: found.open_tasks,
        })
    }

    /// An Inform of a known device with other values than its last (or a BOOTSTRAP): the
    /// summary, and the parameters it carried patched into the tree, in one statement (in a
    /// transaction with the rows of the indexed ones, when it carried any). `None` when the
    /// device was deleted meanwhile.
    async fn record_changed_inform(
        &self,
        found: InformView,
        inform: &InformRecord,
        digest: String,
        now: DateTime<Utc>,
    ) -> Result<Option<InformOutcome>, StoreError> {
        let carried = inform_tree(inform, now);
        let interval = match interval_after(&carried) {
            Follow::Set(interval) => interval,
            Follow::Keep => found.interval,
        };
        let mut device = found.summary.into_device(None, None);
        let update = Self::summary_update(device.id, inform, interval, now);
        update.apply_to(&mut device);
        // A reset device is read again from the top.
        device.tree_complete &= !inform.bootstrap;

        let mut write = device::Entity::update_many()
            .col_expr(
                device::Column::Manufacturer,
                Expr::value(device.manufacturer.clone()),
            )
            .col_expr(
                device::Column::CwmpVersion,
                Expr::value(device.cwmp_version.clone()),
            )
            .col_expr(
                device::Column::SoftwareVersion,
                Expr::value(device.software_version.clone()),
            )
            .col_expr(
                device::Column::HardwareVersion,
                Expr::value(device.hardware_version.clone()),
            )
            .col_expr(
                device::Column::DataModel,
                Expr::value(device.data_model.clone()),
            )
            .col_expr(
                device::Column::IpAddress,
                Expr::value(device.ip_address.clone()),
            )
            .col_expr(
                device::Column::ConnectionRequestUrl,
                Expr::value(device.connection_request_url.clone()),
            )
            .col_expr(device::Column::LastBootAt, Expr::value(device.last_boot_at))
            .col_expr(
                device::Column::TreeComplete,
                Expr::value(device.tree_complete),
            )
            .col_expr(device::Column::InformDigest, Expr::value(digest.clone()))
            .col_expr(
                device::Column::InformNames,
                Expr::value(inform_names(&inform.parameters)),
            )
            .col_expr(device::Column::InformInterval, Expr::value(interval))
            .col_expr(
                device::Column::ParametersVersion,
                Expr::col(device::Column::ParametersVersion).add(1),
            );
        if !carried.is_empty() {
            write = write.col_expr(
                device::Column::Parameters,
                patched_tree(self.kind, patch_json(&carried)),
            );
        }
        let index = IndexChanges::of_patch(&carried);
        let write = write.filter(device::Column::Id.eq(device.id));
        if self.update_tree(write, device.id, &index).await? == 0 {
            return Ok(None);
        }
        let presence = device_presence::Model {
            device_id: device.id,
            last_inform_at: now,
            online_until: device.online_until,
            // Not read: the database works it out from the row it replaces.
            online_since: None,
        };
        let ended_silence = write_presence(&self.db, &presence).await?;
        insert_events(&self.db, &presence, &inform.events, ended_silence).await?;
        self.inform_cache.remember(
            &device.key,
            device.id,
            &digest,
            interval,
            device.tree_complete,
        );
        Ok(Some(InformOutcome::Known {
            device: device.informed(),
            open_tasks: found.open_tasks,
        }))
    }

    /// A device's first Inform: its row, with the tree the Inform carried. `None` when
    /// another session registered it a moment ago.
    async fn register_device(
        &self,
        key: &DeviceKey,
        inform: &InformRecord,
        digest: String,
        now: DateTime<Utc>,
    ) -> Result<Option<InformOutcome>, StoreError> {
        let tree = inform_tree(inform, now);
        let interval = inform_interval(&tree);
        let row = device::ActiveModel {
            oui: Set(key.oui.clone()),
            product_class: Set(key.product_class.clone()),
            serial_number: Set(key.serial_number.clone()),
            manufacturer: Set(inform.manufacturer.clone()),
            software_version: Set(inform.software_version.clone()),
            hardware_version: Set(inform.hardware_version.clone()),
            data_model: Set(inform.data_model.clone()),
            ip_address: Set(inform.ip_address.clone()),
            connection_request_url: Set(inform.connection_request_url.clone()),
            cwmp_version: Set(inform.cwmp_version.clone()),
            registered_at: Set(now),
            last_boot_at: Set(inform.booted.then_some(now)),
            parameters: Set(write_tree(&tree)),
            parameters_version: Set(1),
            tree_complete: Set(false),
            inform_digest: Set(Some(digest.clone())),
            inform_names: Set(Some(inform_names(&inform.parameters))),
            inform_interval: Set(interval),
            ..Default::default()
        };
        // The device, its presence and its events together: lists see only devices with a
        // presence row.
        let txn = self.db.begin().await?;
        let row = match row.insert(&txn).await {
            Ok(row) => row,
            Err(error) if is_unique_violation(&error) => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        IndexChanges::of_patch(&tree).apply(&txn, row.id).await?;
        let presence = device_presence::Model {
            device_id: row.id,
            last_inform_at: now,
            online_until: Some(deadline_after(interval, now)),
            online_since: Some(now),
        };
        let ended_silence = write_presence(&txn, &presence).await?;
        insert_events(&txn, &presence, &inform.events, ended_silence).await?;
        txn.commit().await?;
        self.inform_cache
            .remember(key, row.id, &digest, interval, row.tree_complete);
        Ok(Some(InformOutcome::Registered(
            StoredDevice::from_row(&row, &presence).informed(),
        )))
    }

    /// The identity of device `id`, without its summary, tags or tree.
    pub async fn device_key(&self, id: i64) -> Result<Option<DeviceKey>, StoreError> {
        Ok(device::Entity::find_by_id(id)
            .select_only()
            .column(device::Column::Oui)
            .column(device::Column::ProductClass)
            .column(device::Column::SerialNumber)
            .into_tuple::<(String, String, String)>()
            .one(&self.db)
            .await?
            .map(|(oui, product_class, serial_number)| DeviceKey {
                oui,
                product_class,
                serial_number,
            }))
    }

    pub async fn device_by_key(&self, key: &DeviceKey) -> Result<Option<StoredDevice>, StoreError> {
        Ok(with_presence(JoinType::LeftJoin)
            .filter(identity_is(key))
            .into_partial_model::<DeviceSummaryRow>()
            .one(&self.db)
            .await?
            .map(StoredDevice::from))
    }

    pub async fn device_parameters(&self, device_id: i64) -> Result<ParameterTree, StoreError> {
        match device::Entity::find_by_id(device_id).one(&self.db).await? {
            Some(row) => read_tree(&row.parameters),
            None => Ok(ParameterTree::new()),
        }
    }

    /// The named parameters of each device (in `names` order), for exports.
    pub async fn parameter_values(
        &self,
        ids: &[i64],
        names: &[String],
    ) -> Result<std::collections::HashMap<i64, Vec<Option<StoredParameter>>>, StoreError> {
        let rows: Vec<(i64, serde_json::Value)> = device::Entity::find()
            .select_only()
            .column(device::Column::Id)
            .column(device::Column::Parameters)
            .filter(device::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(&self.db)
            .await?;
        rows.into_iter()
            .map(|(id, json)| {
                let tree = read_tree(&json)?;
                Ok((
                    id,
                    names.iter().map(|name| tree.get(name).cloned()).collect(),
                ))
            })
            .collect()
    }

    pub async fn count_devices(&self) -> Result<u64, StoreError> {
        Ok(device::Entity::find().count(&self.db).await?)
    }

    /// Devices whose whole tree has been read.
    pub async fn count_complete_devices(&self) -> Result<u64, StoreError> {
        Ok(device::Entity::find()
            .filter(device::Column::TreeComplete.eq(true))
            .count(&self.db)
            .await?)
    }

    /// The newest events of a device, newest first: (code, command key, time).
    pub async fn device_events(
        &self,
        device_id: i64,
        limit: u64,
    ) -> Result<Vec<(String, String, DateTime<Utc>)>, StoreError> {
        Ok(device_event::Entity::find()
            .filter(device_event::Column::DeviceId.eq(device_id))
            .order_by_desc(device_event::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| (row.code, row.command_key, row.at))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triple(name: &str, value: &str) -> (String, String, Cow<'static, str>) {
        (
            name.to_owned(),
            value.to_owned(),
            Cow::Borrowed("xsd:string"),
        )
    }

    #[test]
    fn inform_digests_ignore_order_and_see_every_change() {
        let a = triple("A.X", "1");
        let b = triple("A.Y", "2");
        let digest = inform_digest(&[a.clone(), b.clone()]);
        assert_eq!(digest.len(), 32);
        assert_eq!(digest, inform_digest(&[b.clone(), a.clone()]));
        assert_ne!(digest, inform_digest(&[a.clone(), triple("A.Y", "3")]));
        assert_ne!(digest, inform_digest(std::slice::from_ref(&a)));
        let tree: ParameterTree = [&a, &b]
            .into_iter()
            .map(|(name, value, kind)| {
                let stored = StoredParameter {
                    value: Some(value.clone()),
                    kind: Some(kind.to_string()),
                    writable: None,
                    read_at: 0,
                };
                (name.clone(), stored)
            })
            .collect();
        let names = inform_names(&[a.clone(), b.clone()]);
        assert_eq!(tree_digest(&tree, names.split('\n')), Some(digest.clone()));
        assert_eq!(tree_digest(&tree, ["A.X", "A.Z"].into_iter()), None);
        let typed = (b.0.clone(), b.1.clone(), Cow::Borrowed("xsd:int"));
        assert_ne!(digest, inform_digest(&[a.clone(), typed]));
        // Lengths are hashed, so moving a boundary is a change.
        assert_ne!(
            inform_digest(&[triple("A.X", "12")]),
            inform_digest(&[("A.X".into(), "2".into(), "xsd:string1".into())])
        );
    }

    #[test]
    fn intervals_come_from_either_data_model_and_must_be_sensible() {
        let tree_with = |name: &str, value: &str| -> ParameterTree {
            [(
                name.to_owned(),
                StoredParameter {
                    value: Some(value.to_owned()),
                    kind: None,
                    writable: None,
                    read_at: 0,
                },
            )]
            .into()
        };
        assert_eq!(
            inform_interval(&tree_with(INTERVAL_PARAMETERS[0], "300")),
            Some(300)
        );
        assert_eq!(
            inform_interval(&tree_with(INTERVAL_PARAMETERS[1], " 86400 ")),
            Some(86_400)
        );
        assert_eq!(
            inform_interval(&tree_with(INTERVAL_PARAMETERS[0], "0")),
            None
        );
        assert_eq!(
            inform_interval(&tree_with(INTERVAL_PARAMETERS[0], "soon")),
            None
        );
        assert_eq!(inform_interval(&ParameterTree::new()), None);
    }
}
