//! API tokens: named, role-scoped, revocable. Only a hash of each secret is stored.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};

use super::{Store, StoreError, entity::api_token};
use crate::model::Role;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredApiToken {
    pub id: i64,
    pub name: String,
    pub role: Role,
    /// The secret's first characters, for telling tokens apart.
    pub prefix: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new token's row: the secret is already hashed.
#[derive(Debug, Clone)]
pub struct NewApiToken<'a> {
    pub name: &'a str,
    pub role: Role,
    pub secret_hash: &'a str,
    pub prefix: &'a str,
    pub created_by: &'a str,
}

/// `last_used_at` is written at most this often per token: not a write per API call.
const LAST_USED_RESOLUTION_SECONDS: i64 = 60;

impl TryFrom<api_token::Model> for StoredApiToken {
    type Error = StoreError;

    fn try_from(row: api_token::Model) -> Result<Self, StoreError> {
        Ok(StoredApiToken {
            id: row.id,
            role: Role::parse(&row.role).ok_or(StoreError::Corrupt {
                what: "API token role",
                value: row.role.clone(),
            })?,
            name: row.name,
            prefix: row.prefix,
            created_by: row.created_by,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
        })
    }
}

impl Store {
    pub async fn create_api_token(
        &self,
        token: &NewApiToken<'_>,
        now: DateTime<Utc>,
    ) -> Result<StoredApiToken, StoreError> {
        api_token::ActiveModel {
            name: Set(token.name.to_owned()),
            role: Set(token.role.as_str().to_owned()),
            secret_hash: Set(token.secret_hash.to_owned()),
            prefix: Set(token.prefix.to_owned()),
            created_by: Set(token.created_by.to_owned()),
            created_at: Set(now),
            last_used_at: Set(None),
            revoked_at: Set(None),
            ..Default::default()
        }
        .insert(&self.db)
        .await?
        .try_into()
    }

    /// Every token, newest first (revoked ones too: they explain old audit entries).
    pub async fn list_api_tokens(&self) -> Result<Vec<StoredApiToken>, StoreError> {
        api_token::Entity::find()
            .order_by_desc(api_token::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(StoredApiToken::try_from)
            .collect()
    }

    /// Revokes a token; false when there is no such token or it was revoked already.
    pub async fn revoke_api_token(&self, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let result = api_token::Entity::update_many()
            .col_expr(api_token::Column::RevokedAt, Expr::value(now))
            .filter(api_token::Column::Id.eq(id))
            .filter(api_token::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected == 1)
    }

    /// The live (not revoked) token with this secret hash, marked as used at `now`.
    pub async fn use_api_token(
        &self,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<StoredApiToken>, StoreError> {
        let Some(row) = api_token::Entity::find()
            .filter(api_token::Column::SecretHash.eq(secret_hash))
            .filter(api_token::Column::RevokedAt.is_null())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let stale = row
            .last_used_at
            .is_none_or(|at| now - at >= Duration::seconds(LAST_USED_RESOLUTION_SECONDS));
        if stale {
            api_token::Entity::update_many()
                .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
                .filter(api_token::Column::Id.eq(row.id))
                .exec(&self.db)
                .await?;
        }
        let mut token = StoredApiToken::try_from(row)?;
        if stale {
            token.last_used_at = Some(now);
        }
        Ok(Some(token))
    }
}
