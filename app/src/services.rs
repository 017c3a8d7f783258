//! What every request on the server may use: the store, the token keys and the policies.
//! Built once at start and handed to server functions through Leptos context.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::{
    acs::{cwmp_auth::CwmpGate, uploads::UploadSigner, wake::DeviceWaker},
    auth::{LoginThrottle, TokenKeys},
    events::EventBus,
    store::{AuditAction, AuditRecord, Store, StoreError},
};

#[derive(Clone, Debug)]
pub struct Services {
    pub store: Store,
    pub tokens: Arc<TokenKeys>,
    pub throttle: LoginThrottle,
    /// Mark cookies `Secure`: the portal's public URL is https.
    pub secure_cookies: bool,
    /// The URL devices should use as their ACS URL, shown to staff.
    pub cwmp_url: Arc<str>,
    /// What happens to devices, live.
    pub events: EventBus,
    /// Signs the URLs devices upload files to.
    pub uploads: UploadSigner,
    /// Gets devices to open a session now (Connection Requests).
    pub waker: DeviceWaker,
    /// Who may open a CWMP session (its realm also hashes stored device credentials).
    pub cwmp_gate: CwmpGate,
}

/// Who did something, for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<i64>,
    pub name: String,
    pub address: Option<String>,
}

impl Services {
    /// Appends to the audit trail.
    pub async fn audit(
        &self,
        actor: &Actor,
        action: AuditAction,
        target: Option<&str>,
        detail: impl Into<String>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.store
            .append_audit(AuditRecord {
                id: 0,
                at: now,
                actor_id: actor.id,
                actor: actor.name.clone(),
                action: action.as_str().to_owned(),
                target: target.map(str::to_owned),
                detail: detail.into(),
                address: actor.address.clone(),
            })
            .await
    }
}
