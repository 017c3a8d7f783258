//! The device inventory: identity, summary columns, the parameter tree, session events.
//!
//! One Inform costs three statements: find the device, write it back (summary and the
//! parameters the Inform carried), insert its events in one batch.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, sea_query::Expr,
};
use serde::{Deserialize, Serialize};

use super::{
    Store, StoreError,
    entity::{device, device_event},
    is_unique_violation,
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

/// What an Inform says about the device, besides its identity.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// (name, value, type) of each parameter the Inform carried.
    pub parameters: Vec<(String, String, String)>,
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
}

/// The outcome of recording an Inform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InformOutcome {
    Known(StoredDevice),
    Registered(StoredDevice),
    /// Unknown device and registration is off.
    Refused,
}

impl From<&device::Model> for StoredDevice {
    fn from(row: &device::Model) -> Self {
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
            last_inform_at: row.last_inform_at,
            last_boot_at: row.last_boot_at,
            tree_complete: row.tree_complete,
        }
    }
}

fn read_tree(value: &serde_json::Value) -> Result<ParameterTree, StoreError> {
    serde_json::from_value(value.clone()).map_err(|e| StoreError::Corrupt {
        what: "parameter tree",
        value: e.to_string(),
    })
}

fn write_tree(tree: &ParameterTree) -> serde_json::Value {
    serde_json::to_value(tree).unwrap_or_else(|_| serde_json::Value::Object(Default::default()))
}

/// How many times a write that lost a race with another session is tried again.
const WRITE_ATTEMPTS: usize = 5;

impl Store {
    async fn device_row(&self, key: &DeviceKey) -> Result<Option<device::Model>, StoreError> {
        Ok(device::Entity::find()
            .filter(device::Column::Oui.eq(&key.oui))
            .filter(device::Column::ProductClass.eq(&key.product_class))
            .filter(device::Column::SerialNumber.eq(&key.serial_number))
            .one(&self.db)
            .await?)
    }

    /// Records an Inform: registers an unknown device (when `register_unknown`), updates the
    /// summary, merges the parameters it carried and appends its events.
    pub async fn record_inform(
        &self,
        key: &DeviceKey,
        inform: &InformRecord,
        register_unknown: bool,
        now: DateTime<Utc>,
    ) -> Result<InformOutcome, StoreError> {
        for _ in 0..WRITE_ATTEMPTS {
            let existing = self.device_row(key).await?;
            let registered = existing.is_none();
            if registered && !register_unknown {
                return Ok(InformOutcome::Refused);
            }
            let (mut tree, version) = match &existing {
                Some(row) => (read_tree(&row.parameters)?, row.parameters_version),
                None => (ParameterTree::new(), 0),
            };
            for (name, value, kind) in &inform.parameters {
                let writable = tree.get(name).and_then(|p| p.writable);
                tree.insert(
                    name.clone(),
                    StoredParameter {
                        value: Some(value.clone()),
                        kind: Some(kind.clone()),
                        writable,
                        read_at: now.timestamp(),
                    },
                );
            }
            let last_boot_at = if inform.booted {
                Some(now)
            } else {
                existing.as_ref().and_then(|row| row.last_boot_at)
            };

            let stored = match existing {
                None => {
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
                        last_inform_at: Set(now),
                        last_boot_at: Set(last_boot_at),
                        parameters: Set(write_tree(&tree)),
                        parameters_version: Set(1),
                        tree_complete: Set(false),
                        ..Default::default()
                    };
                    match row.insert(&self.db).await {
                        Ok(row) => StoredDevice::from(&row),
                        // Another session registered it a moment ago: update instead.
                        Err(error) if is_unique_violation(&error) => continue,
                        Err(error) => return Err(error.into()),
                    }
                }
                Some(mut updated) => {
                    let id = updated.id;
                    let keep = |new: &Option<String>, old: &mut Option<String>| {
                        if new.is_some() {
                            old.clone_from(new);
                        }
                    };
                    updated.manufacturer.clone_from(&inform.manufacturer);
                    keep(&inform.software_version, &mut updated.software_version);
                    keep(&inform.hardware_version, &mut updated.hardware_version);
                    keep(&inform.data_model, &mut updated.data_model);
                    keep(&inform.ip_address, &mut updated.ip_address);
                    keep(
                        &inform.connection_request_url,
                        &mut updated.connection_request_url,
                    );
                    updated.cwmp_version.clone_from(&inform.cwmp_version);
                    updated.last_inform_at = now;
                    updated.last_boot_at = last_boot_at;
                    updated.parameters = write_tree(&tree);
                    updated.parameters_version = version + 1;
                    updated.tree_complete = updated.tree_complete && !inform.bootstrap;
                    // Every column from `updated`, but only if no other session wrote the
                    // row since we read it. The summary is taken first so the tree moves
                    // into the update uncopied.
                    let stored = StoredDevice::from(&updated);
                    let mut changes = device::ActiveModel::from(updated).reset_all();
                    changes.id = sea_orm::ActiveValue::NotSet;
                    let result = device::Entity::update_many()
                        .set(changes)
                        .filter(device::Column::Id.eq(id))
                        .filter(device::Column::ParametersVersion.eq(version))
                        .exec(&self.db)
                        .await?;
                    if result.rows_affected == 0 {
                        continue;
                    }
                    stored
                }
            };
            self.append_events(stored.id, &inform.events, now).await?;
            return Ok(if registered {
                InformOutcome::Registered(stored)
            } else {
                InformOutcome::Known(stored)
            });
        }
        Err(StoreError::Contended("device"))
    }

    async fn append_events(
        &self,
        device_id: i64,
        events: &[(String, String)],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let rows = events
            .iter()
            .map(|(code, command_key)| device_event::ActiveModel {
                device_id: Set(device_id),
                at: Set(now),
                code: Set(code.clone()),
                command_key: Set(command_key.clone()),
                ..Default::default()
            });
        device_event::Entity::insert_many(rows)
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Merges parameters read in a session into the tree; `tree_complete` marks the end of
    /// a full discovery. Retries when another session wrote the tree in between.
    pub async fn merge_parameters(
        &self,
        device_id: i64,
        updates: &ParameterTree,
        tree_complete: bool,
    ) -> Result<(), StoreError> {
        if updates.is_empty() && !tree_complete {
            return Ok(());
        }
        for _ in 0..WRITE_ATTEMPTS {
            let Some(row) = device::Entity::find_by_id(device_id).one(&self.db).await? else {
                return Ok(());
            };
            let mut tree = read_tree(&row.parameters)?;
            for (name, update) in updates {
                let entry = tree.entry(name.clone()).or_insert_with(|| update.clone());
                entry.read_at = update.read_at;
                if update.value.is_some() {
                    entry.value.clone_from(&update.value);
                    entry.kind.clone_from(&update.kind);
                }
                if update.writable.is_some() {
                    entry.writable = update.writable;
                }
            }
            let result = device::Entity::update_many()
                .col_expr(device::Column::Parameters, Expr::value(write_tree(&tree)))
                .col_expr(
                    device::Column::ParametersVersion,
                    Expr::value(row.parameters_version + 1),
                )
                .col_expr(
                    device::Column::TreeComplete,
                    Expr::value(row.tree_complete || tree_complete),
                )
                .filter(device::Column::Id.eq(device_id))
                .filter(device::Column::ParametersVersion.eq(row.parameters_version))
                .exec(&self.db)
                .await?;
            if result.rows_affected == 1 {
                return Ok(());
            }
        }
        Err(StoreError::Contended("parameter tree"))
    }

    pub async fn device_by_key(&self, key: &DeviceKey) -> Result<Option<StoredDevice>, StoreError> {
        Ok(self.device_row(key).await?.as_ref().map(StoredDevice::from))
    }

    pub async fn device_parameters(&self, device_id: i64) -> Result<ParameterTree, StoreError> {
        match device::Entity::find_by_id(device_id).one(&self.db).await? {
            Some(row) => read_tree(&row.parameters),
            None => Ok(ParameterTree::new()),
        }
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
