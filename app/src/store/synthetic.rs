//! Synthetic devices for the benchmark's inventory scenario: a million rows with realistic
//! summary fields and a small parameter tree, inserted in batches through the same entity
//! (and so the same encodings) the ACS writes with.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use super::{
    Store, StoreError,
    devices::{ParameterTree, StoredParameter},
    entity::{device, device_presence},
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
            let rows: Vec<device::ActiveModel> = (next..batch_end)
                .map(|n| synthetic_device(n, now))
                .collect();
            device::Entity::insert_many(rows)
                .exec_without_returning(&self.db)
                .await?;
            // Their presence rows, by the ids the database gave them.
            let mut presence: HashMap<String, (DateTime<Utc>, DateTime<Utc>)> = (next..batch_end)
                .map(|n| (synthetic_serial(n), synthetic_presence(n, now)))
                .collect();
            let ids: Vec<(i64, String)> = device::Entity::find()
                .select_only()
                .column(device::Column::Id)
                .column(device::Column::SerialNumber)
                .filter(device::Column::SerialNumber.is_in(presence.keys().cloned()))
                .into_tuple()
                .all(&self.db)
                .await?;
            let rows: Vec<device_presence::ActiveModel> = ids
                .into_iter()
                .filter_map(|(id, serial)| {
                    let (last_inform, online_until) = presence.remove(&serial)?;
                    Some(device_presence::ActiveModel {
                        device_id: Set(id),
                        last_inform_at: Set(last_inform),
                        online_until: Set(Some(online_until)),
                    })
                })
                .collect();
            device_presence::Entity::insert_many(rows)
                .exec_without_returning(&self.db)
                .await?;
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

fn synthetic_device(n: u32, now: DateTime<Utc>) -> device::ActiveModel {
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
    put(
        "WiFi.SSID.1.SSID",
        format!("home-{:05}", n % 100_000),
        "xsd:string",
        true,
    );
    put("WiFi.SSID.1.Enable", "true".to_owned(), "xsd:boolean", true);
    put(
        "LAN.MACAddress",
        format!(
            "00:1a:2b:{:02x}:{:02x}:{:02x}",
            (n >> 16) & 255,
            (n >> 8) & 255,
            n & 255
        ),
        "xsd:string",
        false,
    );
    put("WAN.ExternalIPAddress", ip.clone(), "xsd:string", false);
    device::ActiveModel {
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
    }
}
