use serde::{Deserialize, Serialize};

use super::Role;

/// An API token as the admin's page lists it. Never carries the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenView {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// The secret's first characters (`osp_1a2b3c4d`), to tell tokens apart.
    pub prefix: String,
    pub created_by: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

/// A token just created: the secret is shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewApiToken {
    pub name: String,
    pub secret: String,
}

/// One operation of the REST API, for the portal's reference page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiOperation {
    /// GET, POST, DELETE.
    pub method: String,
    pub path: String,
    /// The group it belongs to (devices, tasks, ...).
    pub tag: String,
    pub summary: String,
    pub description: String,
    pub parameters: Vec<ApiParameter>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiParameter {
    pub name: String,
    /// path, query, or body.
    pub location: String,
    pub description: String,
}
