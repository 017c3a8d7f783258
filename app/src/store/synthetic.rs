//! Synthetic devices for the benchmark's inventory scenario: a million rows with realistic
//! summary fields and a small parameter tree under the standard names (with the rows of its
//! indexed parameters), inserted in batches through the same entities (and so the same
//! encodings) the ACS writes with.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::{
    Store, StoreError,
    devices::{ParameterTree, StoredParameter},
    entity::{device, device_presence},
    parameter_index::{Conflict, insert_rows, models, rows_of},
};

/// Rows per INSERT: under SQLite's bound-parameter limit with room to spare.
const BATCH: u32 = 500;

/// (product class, manufacturer, data model root) of the synthetic fleet.
pub const SYNTHETIC_CLASSES: [(&str, &str, &str); 5] = [
    ("HG8245", "Huawei", "InternetGatewayDevice."),
    ("F680", "ZTE", "InternetGatewayDevice."),
    ("SimGW", "Osprey Labs", "Device."),
    ("XGS-ONT", "Nokia", "Device."),
    ("5G-CPE", "Sercomm", "Device."),
];
pub const SYNTHETIC_VERSIONS: [&str; 4] = ["1.0.0", "1.2.0", "2.0.1", "2.1.0"];

/// The serial number of synthetic device `n`.
pub fn synthetic_serial(n: u32) -> String {
    format!("BENCH{n:09}")
}

impl Store {
    /// Inserts devices `first .. first + count`; nine in ten are online at `now`.
    pub async fn insert_synthetic_devices(
        &self,
        first: u32,
        count: u32,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut next = first;
        let end = first + count;
        while next < end {
            let batch_end = (next + BATCH).min(end);
            let (rows, mut index_rows): (Vec<_>, HashMap<String, _>) = (next..batch_end)
                .map(|n| {
                    let (row, index_rows) = synthetic_device(n, now);
                    (row, (synthetic_serial(n), (n, index_rows)))
                })
                .unzip();
            device::Entity::insert_many(rows)
                .exec_without_returning(&self.db)
                .await?;
            // Their presence and index rows, by the ids the database gave them.
            let ids: Vec<(i64, String)> = device::Entity::find()
                .select_only()
                .column(device::Column::Id)
                .column(device::Column::SerialNumber)
                .filter(device::Column::SerialNumber.is_in(index_rows.keys().cloned()))
                .into_tuple()
                .all(&self.db)
                .await?;
            let mut presence = Vec::with_capacity(ids.len());
            let mut indexed = Vec::new();
            for (id, serial) in ids {
                let Some((n, rows)) = index_rows.remove(&serial) else {
                    continue;
                };
                let (last_inform, online_until) = synthetic_presence(n, now);
                presence.push(device_presence::ActiveModel {
                    device_id: Set(id),
                    last_inform_at: Set(last_inform),
                    online_until: Set(Some(online_until)),
                    online_since: Set(None),
                });
                indexed.extend(models(id, &rows));
            }
            device_presence::Entity::insert_many(presence)
                .exec_without_returning(&self.db)
                .await?;
            insert_rows(&self.db, indexed, Conflict::Keep).await?;
            next = batch_end;
        }
        Ok(())
    }
}

/// When synthetic device `n` last informed and until when it is online.
fn synthetic_presence(n: u32, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let last_inform = now - Duration::seconds(i64::from(n % 3_600));
    // One in ten has been silent for a day: offline.
    let last_inform = if n % 10 == 9 {
        last_inform - Duration::days(1)
    } else {
        last_inform
    };
    (last_inform, last_inform + Duration::seconds(5_460))
}

/// Synthetic device `n`: its row and the rows of its indexed parameters.
fn synthetic_device(n: u32, now: DateTime<Utc>) -> (device::ActiveModel, Vec<(String, String)>) {
    let (product_class, manufacturer, root) = SYNTHETIC_CLASSES[(n % 5) as usize];
    let version = SYNTHETIC_VERSIONS[((n / 5) % 4) as usize];
    let ip = format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255);
    let (last_inform, _) = synthetic_presence(n, now);
    let read_at = last_inform.timestamp();
    let mut tree = ParameterTree::new();
    let mut put = |name: &str, value: String, kind: &str, writable: bool| {
        tree.insert(
            format!("{root}{name}"),
            StoredParameter {
                value: Some(value),
                kind: Some(kind.to_owned()),
                writable: Some(writable),
                read_at,
            },
        );
    };
    let serial = synthetic_serial(n);
    put(
        "DeviceInfo.Manufacturer",
        manufacturer.to_owned(),
        "xsd:string",
        false,
    );
    put(
        "DeviceInfo.ProductClass",
        product_class.to_owned(),
        "xsd:string",
        false,
    );
    put(
        "DeviceInfo.SerialNumber",
        serial.clone(),
        "xsd:string",
        false,
    );
    put(
        "DeviceInfo.SoftwareVersion",
        version.to_owned(),
        "xsd:string",
        false,
    );
    put(
        "DeviceInfo.HardwareVersion",
        "HW-A".to_owned(),
        "xsd:string",
        false,
    );
    put(
        "DeviceInfo.UpTime",
        (n % 864_000).to_string(),
        "xsd:unsignedInt",
        false,
    );
    put(
        "ManagementServer.PeriodicInformInterval",
        "3600".to_owned(),
        "xsd:unsignedInt",
        true,
    );
    put(
        "ManagementServer.ConnectionRequestURL",
        format!("http://{ip}:7547/"),
        "xsd:string",
        false,
    );
    let mac = format!(
        "00:1a:2b:{:02x}:{:02x}:{:02x}",
        (n >> 16) & 255,
        (n >> 8) & 255,
        n & 255
    );
    let ssid = format!("home-{:05}", n % 100_000);
    let username = format!("customer{n:07}@isp.example");
    // Where each data model keeps what operators search by.
    let names = if root == "Device." {
        [
            "WiFi.SSID.1.SSID",
            "WiFi.SSID.1.Enable",
            "Ethernet.Interface.1.MACAddress",
            "IP.Interface.1.IPv4Address.1.IPAddress",
            "PPP.Interface.1.Username",
        ]
    } else {
        [
            "LANDevice.1.WLANConfiguration.1.SSID",
            "LANDevice.1.WLANConfiguration.1.Enable",
            "WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.MACAddress",
            "WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.ExternalIPAddress",
            "WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.Username",
        ]
    };
    let [ssid_name, enable_name, mac_name, ip_name, username_name] = names;
    put(ssid_name, ssid, "xsd:string", true);
    put(enable_name, "true".to_owned(), "xsd:boolean", true);
    put(mac_name, mac, "xsd:string", false);
    put(ip_name, ip.clone(), "xsd:string", false);
    put(username_name, username, "xsd:string", true);
    let index_rows = rows_of(&tree);
    let row = device::ActiveModel {
        id: sea_orm::ActiveValue::NotSet,
        oui: Set("00259E".to_owned()),
        product_class: Set(product_class.to_owned()),
        serial_number: Set(serial),
        manufacturer: Set(manufacturer.to_owned()),
        software_version: Set(Some(version.to_owned())),
        hardware_version: Set(Some("HW-A".to_owned())),
        data_model: Set(Some(root.trim_end_matches('.').to_owned())),
        ip_address: Set(Some(ip.clone())),
        connection_request_url: Set(Some(format!("http://{ip}:7547/"))),
        cwmp_version: Set("cwmp-1-2".to_owned()),
        registered_at: Set(now - Duration::days(i64::from(n % 365))),
        last_boot_at: Set(Some(last_inform - Duration::days(3))),
        parameters: Set(serde_json::to_value(&tree).unwrap_or_default()),
        parameters_version: Set(1),
        tree_complete: Set(true),
        inform_digest: Set(None),
        inform_names: Set(None),
        inform_interval: Set(None),
    };
    (row, index_rows)
}
