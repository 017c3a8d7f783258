use serde::{Deserialize, Serialize};

use super::Role;

/// The person behind the current request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedInUser {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

/// A user as the admin's Users page shows it. Never carries the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub role: Role,
    pub disabled: bool,
    /// Display form, UTC, e.g. `2026-11-24 09:30`.
    pub created_at: String,
    pub last_login_at: Option<String>,
}

/// A password the server chose or set, shown to the admin exactly once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPassword {
    pub username: String,
    /// `None` when the admin typed the password themselves: nothing to show.
    pub generated: Option<String>,
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// Display form, UTC, with seconds.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub detail: String,
    pub address: Option<String>,
}

/// A page of the audit trail, newest first; `older` is the cursor of the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub older: Option<i64>,
}
