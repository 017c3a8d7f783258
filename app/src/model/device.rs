//! Devices as the portal lists them.

use serde::{Deserialize, Serialize};

/// One row of the device list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRow {
    pub id: i64,
    pub serial_number: String,
    pub product_class: String,
    pub manufacturer: String,
    pub software_version: Option<String>,
    pub ip_address: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS UTC`
    pub last_inform: String,
    pub online: bool,
    pub tags: Vec<String>,
}

/// One page of the device list; `next` is the cursor of the following page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceListPage {
    pub devices: Vec<DeviceRow>,
    pub next: Option<String>,
}
