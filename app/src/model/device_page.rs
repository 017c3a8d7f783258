//! What the device page shows and what it asks the server to do.

use serde::{Deserialize, Serialize};

use super::DeviceOverview;

/// The device page's summary card and overview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceDetail {
    pub id: i64,
    pub serial_number: String,
    pub product_class: String,
    pub manufacturer: String,
    pub oui: String,
    pub software_version: Option<String>,
    pub hardware_version: Option<String>,
    /// "TR-181 (Device:2)" or "TR-098 (InternetGatewayDevice)", from the tree's root.
    pub data_model: Option<String>,
    pub ip_address: Option<String>,
    /// "3 d 4 h", as of when it was read.
    pub uptime: Option<String>,
    pub last_inform: String,
    pub registered: String,
    pub online: bool,
    pub tags: Vec<String>,
    /// Customer accounts linked to the device.
    pub customers: Vec<String>,
    /// Has the whole tree been read yet?
    pub tree_complete: bool,
    /// The device gave a Connection Request URL, so it can be woken.
    pub wakeable: bool,
    pub overview: DeviceOverview,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HistoryKind {
    Events,
    Tasks,
    Faults,
}

/// A line of a history tab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// `YYYY-MM-DD HH:MM:SS UTC`
    pub at: String,
    pub title: String,
    pub detail: String,
    /// Task status (`done`, `fault`, ...), for tasks and faults.
    pub status: Option<String>,
}

/// What staff can ask of a device from its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeviceAction {
    /// Wake the device (Connection Request) and let its session run what is queued.
    ConnectionRequest,
    Reboot,
    /// Needs the serial number typed again: the device loses its configuration.
    FactoryReset {
        confirm_serial: String,
    },
    /// Read a subtree (or one parameter) again.
    Refresh {
        path: String,
    },
    SetValue {
        name: String,
        value: String,
    },
    /// A firmware image ("1 Firmware Upgrade Image") from `url`.
    Download {
        url: String,
    },
}

/// What the customer view may ask of one of the customer's devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustomerAction {
    Reboot,
    /// A new passphrase for Wi-Fi network `network` (its index in the overview).
    SetWifiPassword {
        network: usize,
        password: String,
    },
}

/// How waking the device went, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WakeNote {
    pub woken: bool,
    pub message: String,
}

/// An action was accepted: the task it queued (none for a bare Connection Request) and how
/// waking the device went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionStarted {
    pub task_id: Option<i64>,
    pub wake: WakeNote,
}

/// Where a task stands, as people follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TaskStage {
    Queued,
    /// The device opened a session since the task was queued.
    DeviceContacted,
    Done,
    Failed,
    /// Expired or cancelled before the device took it.
    Dropped,
}

impl TaskStage {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TaskStage::Done | TaskStage::Failed | TaskStage::Dropped
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            TaskStage::Queued => "Queued",
            TaskStage::DeviceContacted => "Device contacted",
            TaskStage::Done => "Done",
            TaskStage::Failed => "Failed",
            TaskStage::Dropped => "Not run",
        }
    }
}

/// A task's stage and, when it failed, the device's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskProgress {
    pub task_id: i64,
    pub stage: TaskStage,
    pub message: Option<String>,
}

/// A claim code just made, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimCodeIssued {
    pub code: String,
    pub serial_number: String,
    pub expires: String,
}

/// A customer's device, as the customer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerDeviceView {
    pub id: i64,
    /// "Osprey Labs SimGW"
    pub name: String,
    pub serial_number: String,
    pub online: bool,
    pub last_inform: String,
    pub wifi: Vec<CustomerWifi>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerWifi {
    /// Its index in the device's overview: what a password change names.
    pub network: usize,
    pub ssid: String,
    pub band: Option<String>,
    pub enabled: Option<bool>,
    pub can_set_password: bool,
}

/// Whether a Wi-Fi passphrase is one WPA accepts: 8 to 63 printable ASCII characters, or
/// 64 hexadecimal digits (a raw key). Checked in the browser and again on the server.
pub fn check_wifi_password(password: &str) -> Result<(), String> {
    let printable = password.chars().all(|c| (' '..='~').contains(&c));
    let length = password.chars().count();
    if length == 64 && password.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(());
    }
    if !printable {
        return Err(
            "Use letters, digits, spaces and common symbols only (no accents or emoji).".to_owned(),
        );
    }
    if !(8..=63).contains(&length) {
        return Err("A Wi-Fi password has 8 to 63 characters.".to_owned());
    }
    Ok(())
}
