use serde::{Deserialize, Serialize};

/// Facts about this installation that the portal shows staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortalFacts {
    pub version: String,
    /// What to configure as the ACS URL on devices.
    pub cwmp_url: String,
}
