//! The audit trail: who changed what, when, and from where. Append-only.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::{Store, StoreError, entity::audit_log};

/// What happened, as recorded. `action` is a stable machine name (`login_failed`,
/// `user_created`, ...): throttling and filters match on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub target: Option<String>,
    pub detail: String,
    pub address: Option<String>,
}

/// The kinds of entry the trail holds. The names are stored: never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Login,
    LoginFailed,
    Logout,
    AdminBootstrapped,
    UserCreated,
    UserDisabled,
    UserEnabled,
    PasswordReset,
    ApiTokenCreated,
    ApiTokenRevoked,
    DeviceDeleted,
    DeviceTagged,
    TaskQueued,
    TaskCancelled,
    TaskRetried,
    FaultCleared,
    DeviceWoken,
    ConnectionCredentialsSet,
    ConnectionCredentialsCleared,
    CwmpCredentialAdded,
    CwmpCredentialDeleted,
    CustomerLinked,
    CustomerUnlinked,
    ClaimCodeCreated,
    DeviceClaimed,
    ClaimFailed,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login_failed",
            AuditAction::Logout => "logout",
            AuditAction::AdminBootstrapped => "admin_bootstrapped",
            AuditAction::UserCreated => "user_created",
            AuditAction::UserDisabled => "user_disabled",
            AuditAction::UserEnabled => "user_enabled",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::ApiTokenCreated => "api_token_created",
            AuditAction::ApiTokenRevoked => "api_token_revoked",
            AuditAction::DeviceDeleted => "device_deleted",
            AuditAction::DeviceTagged => "device_tagged",
            AuditAction::TaskQueued => "task_queued",
            AuditAction::TaskCancelled => "task_cancelled",
            AuditAction::TaskRetried => "task_retried",
            AuditAction::FaultCleared => "fault_cleared",
            AuditAction::DeviceWoken => "device_woken",
            AuditAction::ConnectionCredentialsSet => "connection_credentials_set",
            AuditAction::ConnectionCredentialsCleared => "connection_credentials_cleared",
            AuditAction::CwmpCredentialAdded => "cwmp_credential_added",
            AuditAction::CwmpCredentialDeleted => "cwmp_credential_deleted",
            AuditAction::CustomerLinked => "customer_linked",
            AuditAction::CustomerUnlinked => "customer_unlinked",
            AuditAction::ClaimCodeCreated => "claim_code_created",
            AuditAction::DeviceClaimed => "device_claimed",
            AuditAction::ClaimFailed => "claim_failed",
        }
    }
}

/// Recent failed sign-ins, counted for one account and for one client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FailureCounts {
    pub account: u64,
    pub address: u64,
}

impl From<audit_log::Model> for AuditRecord {
    fn from(row: audit_log::Model) -> Self {
        AuditRecord {
            id: row.id,
            at: row.at,
            actor_id: row.actor_id,
            actor: row.actor,
            action: row.action,
            target: row.target,
            detail: row.detail,
            address: row.address,
        }
    }
}

impl Store {
    /// Appends one entry; `record.id` is ignored (the database assigns it).
    pub async fn append_audit(&self, record: AuditRecord) -> Result<(), StoreError> {
        let row = audit_log::ActiveModel {
            at: Set(record.at),
            actor_id: Set(record.actor_id),
            actor: Set(record.actor),
            action: Set(record.action),
            target: Set(record.target),
            detail: Set(record.detail),
            address: Set(record.address),
            ..Default::default()
        };
        audit_log::Entity::insert(row).exec(&self.db).await?;
        Ok(())
    }

    /// Newest first, `limit` entries older than the entry `before` (or the newest ones).
    pub async fn audit_page(
        &self,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let mut query = audit_log::Entity::find().order_by_desc(audit_log::Column::Id);
        if let Some(before) = before {
            query = query.filter(audit_log::Column::Id.lt(before));
        }
        Ok(query
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(AuditRecord::from)
            .collect())
    }

    /// Counts entries of `action` since `since` for the account `target` and the `address`.
    pub async fn count_recent(
        &self,
        action: AuditAction,
        target: &str,
        address: Option<&str>,
        since: DateTime<Utc>,
    ) -> Result<FailureCounts, StoreError> {
        let recent = || {
            audit_log::Entity::find()
                .filter(audit_log::Column::Action.eq(action.as_str()))
                .filter(audit_log::Column::At.gt(since))
        };
        let account = recent()
            .filter(audit_log::Column::Target.eq(target))
            .count(&self.db)
            .await?;
        let address = match address {
            Some(address) => {
                recent()
                    .filter(audit_log::Column::Address.eq(address))
                    .count(&self.db)
                    .await?
            }
            None => 0,
        };
        Ok(FailureCounts { account, address })
    }
}
