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

/// A fact in an overview section: what people read, and the parameter it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewFact {
    pub label: String,
    pub value: String,
}

/// One WAN connection or LAN side, as facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewSection {
    pub title: String,
    /// The object it describes (`Device.IP.Interface.1.`).
    pub path: String,
    pub facts: Vec<OverviewFact>,
}

/// One Wi-Fi network, the same whichever data model the device speaks. The parameter names
/// are what a change (SSID, password) is sent to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WifiNetwork {
    pub ssid: String,
    pub ssid_parameter: String,
    pub enabled: Option<bool>,
    pub status: Option<String>,
    /// "2.4 GHz", "5 GHz", ...
    pub band: Option<String>,
    pub channel: Option<String>,
    pub security: Option<String>,
    /// Where the WPA passphrase is set; `None` when the device has no such parameter.
    pub passphrase_parameter: Option<String>,
}

/// WAN, LAN and Wi-Fi at a glance, for TR-098 and TR-181 devices alike.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceOverview {
    pub wan: Vec<OverviewSection>,
    pub lan: Vec<OverviewSection>,
    pub wifi: Vec<WifiNetwork>,
}

/// One line of the parameter tree as the device page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeEntry {
    /// The full name; objects end in `.`.
    pub name: String,
    pub node: TreeNode,
}

impl TreeEntry {
    /// The last part of the name (`SSID`, `3.`).
    pub fn label(&self) -> &str {
        let body = self.name.strip_suffix('.').unwrap_or(&self.name);
        let start = body.rfind('.').map_or(0, |dot| dot + 1);
        &self.name[start..]
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TreeNode {
    /// An object, with how many parameters it holds at any depth.
    Object {
        parameters: u32,
    },
    Parameter(ParameterInfo),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterInfo {
    /// `None`: the name is known but the value was never read.
    pub value: Option<String>,
    /// `xsd:string`, `xsd:unsignedInt`, ...
    pub kind: Option<String>,
    pub writable: bool,
    /// A secret the device never reads back (passwords): shown as such, still settable.
    pub secret: bool,
    /// `YYYY-MM-DD HH:MM UTC`, when the value was read.
    pub read_at: String,
}

/// A level of the tree (children of one object), or the matches of a search in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeLevel {
    pub entries: Vec<TreeEntry>,
    /// More matched than are shown (searches only).
    pub truncated: bool,
}
