//! Credentials devices present when they open a session (the per-device policy), kept as
//! Digest hashes, and the refused attempts with unknown usernames an admin may approve.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use super::{
    Store, StoreError,
    entity::{cwmp_auth_attempt, cwmp_credential},
    is_unique_violation,
};
use crate::http_auth::StoredSecret;

/// A credential as shown to admins: never its hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CwmpCredentialInfo {
    pub username: String,
    /// The device that uses it, once it has opened a session.
    pub device_id: Option<i64>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// Sessions refused because nobody knew the username.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthAttempt {
    pub username: String,
    pub address: Option<String>,
    pub attempts: i64,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

/// Refused usernames remembered at most: random names from a scanner must not fill the
/// database. Past this, new names are logged only.
pub const MAX_AUTH_ATTEMPTS_KEPT: u64 = 10_000;

impl Store {
    /// The secret and the bound device of `username`.
    pub async fn cwmp_secret(
        &self,
        username: &str,
    ) -> Result<Option<(StoredSecret, Option<i64>)>, StoreError> {
        Ok(cwmp_credential::Entity::find_by_id(username.to_owned())
            .one(&self.db)
            .await?
            .map(|row| {
                (
                    StoredSecret::Hashed {
                        md5: row.md5_ha1,
                        sha256: row.sha256_ha1,
                    },
                    row.device_id,
                )
            }))
    }

    /// Adds a credential (`secret` must be hashed); approving a refused username this way
    /// takes it off the attempts list.
    pub async fn add_cwmp_credential(
        &self,
        username: &str,
        secret: &StoredSecret,
        created_by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let StoredSecret::Hashed { md5, sha256 } = secret else {
            return Err(StoreError::Corrupt {
                what: "credential",
                value: "a clear password was about to be stored".to_owned(),
            });
        };
        let inserted = cwmp_credential::Entity::insert(cwmp_credential::ActiveModel {
            username: Set(username.to_owned()),
            md5_ha1: Set(md5.clone()),
            sha256_ha1: Set(sha256.clone()),
            device_id: Set(None),
            created_by: Set(created_by.to_owned()),
            created_at: Set(now),
        })
        .exec_without_returning(&self.db)
        .await;
        match inserted {
            Ok(_) => {}
            Err(error) if is_unique_violation(&error) => {
                return Err(StoreError::Duplicate(format!("the username {username}")));
            }
            Err(error) => return Err(error.into()),
        }
        cwmp_auth_attempt::Entity::delete_by_id(username.to_owned())
            .exec(&self.db)
            .await?;
        Ok(())
    }

    pub async fn delete_cwmp_credential(&self, username: &str) -> Result<bool, StoreError> {
        let result = cwmp_credential::Entity::delete_by_id(username.to_owned())
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected > 0)
    }

    /// Ties a credential to the device that first used it.
    pub async fn bind_cwmp_credential(
        &self,
        username: &str,
        device_id: i64,
    ) -> Result<(), StoreError> {
        cwmp_credential::Entity::update_many()
            .col_expr(cwmp_credential::Column::DeviceId, Expr::value(device_id))
            .filter(cwmp_credential::Column::Username.eq(username))
            .filter(cwmp_credential::Column::DeviceId.is_null())
            .exec(&self.db)
            .await?;
        Ok(())
    }

    pub async fn list_cwmp_credentials(
        &self,
        limit: u64,
    ) -> Result<Vec<CwmpCredentialInfo>, StoreError> {
        Ok(cwmp_credential::Entity::find()
            .order_by_asc(cwmp_credential::Column::Username)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| CwmpCredentialInfo {
                username: row.username,
                device_id: row.device_id,
                created_by: row.created_by,
                created_at: row.created_at,
            })
            .collect())
    }

    /// Counts a refused session for `username` (not recorded past the cap).
    pub async fn record_auth_attempt(
        &self,
        username: &str,
        address: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let known = cwmp_auth_attempt::Entity::find_by_id(username.to_owned())
            .one(&self.db)
            .await?
            .is_some();
        if !known
            && cwmp_auth_attempt::Entity::find().count(&self.db).await? >= MAX_AUTH_ATTEMPTS_KEPT
        {
            tracing::warn!(
                username,
                "refused session not recorded: the attempts list is full"
            );
            return Ok(());
        }
        cwmp_auth_attempt::Entity::insert(cwmp_auth_attempt::ActiveModel {
            username: Set(username.to_owned()),
            address: Set(address.map(str::to_owned)),
            attempts: Set(1),
            first_at: Set(now),
            last_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(cwmp_auth_attempt::Column::Username)
                .value(
                    cwmp_auth_attempt::Column::Attempts,
                    Expr::col((
                        cwmp_auth_attempt::Entity,
                        cwmp_auth_attempt::Column::Attempts,
                    ))
                    .add(1),
                )
                .update_columns([
                    cwmp_auth_attempt::Column::Address,
                    cwmp_auth_attempt::Column::LastAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    /// Most recent first.
    pub async fn list_auth_attempts(&self, limit: u64) -> Result<Vec<AuthAttempt>, StoreError> {
        Ok(cwmp_auth_attempt::Entity::find()
            .order_by_desc(cwmp_auth_attempt::Column::LastAt)
            .limit(limit)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|row| AuthAttempt {
                username: row.username,
                address: row.address,
                attempts: row.attempts,
                first_at: row.first_at,
                last_at: row.last_at,
            })
            .collect())
    }

    pub async fn forget_auth_attempt(&self, username: &str) -> Result<bool, StoreError> {
        let result = cwmp_auth_attempt::Entity::delete_by_id(username.to_owned())
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected > 0)
    }
}
