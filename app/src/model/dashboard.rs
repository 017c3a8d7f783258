//! What the staff dashboard shows: figures over the whole fleet (taken in the background, see
//! `store::dashboard`), activity per minute and hour, and the latest faults.

use serde::{Deserialize, Serialize};

/// Counts over every device, as of one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetFigures {
    pub total: u64,
    /// Informed within their periodic interval (plus grace).
    pub online: u64,
    /// Registered since midnight UTC.
    pub new_today: u64,
    /// Devices with at least one task ended in a fault and not dismissed.
    pub with_open_faults: u64,
    /// Devices whose whole parameter tree has been read.
    pub discovered: u64,
    /// The most common (product class, software version) pairs, most devices first.
    pub versions: Vec<VersionCount>,
}

impl FleetFigures {
    pub fn offline(&self) -> u64 {
        self.total.saturating_sub(self.online)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionCount {
    pub product_class: String,
    /// Empty when devices did not report one.
    pub software_version: String,
    pub devices: u64,
}

/// A series of counts at a fixed step, oldest first, ending with the current step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    /// Seconds between points.
    pub step_seconds: u32,
    /// The last point's start, as shown to people (UTC).
    pub last_label: String,
    pub values: Vec<u64>,
}

impl Series {
    pub fn total(&self) -> u64 {
        self.values.iter().sum()
    }

    pub fn peak(&self) -> u64 {
        self.values.iter().copied().max().unwrap_or(0)
    }
}

/// One fault on the dashboard's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultLine {
    pub device_id: i64,
    pub serial_number: String,
    pub task_id: i64,
    pub method: String,
    /// The device's fault code and text, or what Osprey saw.
    pub reason: String,
    pub at: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardData {
    /// `None` until the background job took its first figures (a minute at most).
    pub figures: Option<FleetFigures>,
    /// When `figures` were taken (UTC, for people).
    pub figures_at: Option<String>,
    pub informs_per_minute: Series,
    pub faults_per_hour: Series,
    pub latest_faults: Vec<FaultLine>,
}
