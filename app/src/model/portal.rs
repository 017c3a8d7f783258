use serde::{Deserialize, Serialize};

/// Facts about this installation that the portal shows staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalFacts {
    pub version: String,
    /// What to configure as the ACS URL on devices.
    pub cwmp_url: String,
    pub devices_registered: u64,
    /// Devices whose whole parameter tree has been read.
    pub devices_discovered: u64,
}
