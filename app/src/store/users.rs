//! Portal users: people who sign in to the portal (staff and customers).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait},
};

use super::{Store, StoreError, entity::app_user, is_unique_violation};
use crate::model::Role;

/// A user as stored, password hash included. Stays on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUser {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub disabled: bool,
    pub token_version: i32,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
}

impl TryFrom<app_user::Model> for StoredUser {
    type Error = StoreError;

    fn try_from(row: app_user::Model) -> Result<Self, StoreError> {
        let role = Role::parse(&row.role).ok_or(StoreError::Corrupt {
            what: "user role",
            value: row.role.clone(),
        })?;
        Ok(StoredUser {
            id: row.id,
            username: row.username,
            password_hash: row.password_hash,
            role,
            disabled: row.disabled,
            token_version: row.token_version,
            created_at: row.created_at,
            last_login_at: row.last_login_at,
        })
    }
}

/// `token_version + 1`: every token issued before the update stops working.
fn next_token_version() -> Expr {
    Expr::col(app_user::Column::TokenVersion).add(1)
}

fn to_user(row: Option<app_user::Model>) -> Result<Option<StoredUser>, StoreError> {
    row.map(StoredUser::try_from).transpose()
}

impl Store {
    pub async fn count_users(&self) -> Result<u64, StoreError> {
        Ok(app_user::Entity::find().count(&self.db).await?)
    }

    /// Admins who can still sign in: the last one must never be disabled.
    pub async fn count_active_admins(&self) -> Result<u64, StoreError> {
        Ok(app_user::Entity::find()
            .filter(app_user::Column::Role.eq(Role::Admin.as_str()))
            .filter(app_user::Column::Disabled.eq(false))
            .count(&self.db)
            .await?)
    }

    pub async fn create_user(
        &self,
        user: NewUser<'_>,
        now: DateTime<Utc>,
    ) -> Result<StoredUser, StoreError> {
        let row = app_user::ActiveModel {
            username: Set(user.username.to_owned()),
            password_hash: Set(user.password_hash.to_owned()),
            role: Set(user.role.as_str().to_owned()),
            disabled: Set(false),
            token_version: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
            last_login_at: Set(None),
            ..Default::default()
        };
        match row.insert(&self.db).await {
            Ok(row) => row.try_into(),
            Err(error) if is_unique_violation(&error) => Err(StoreError::Duplicate(format!(
                "a user named '{}'",
                user.username
            ))),
            Err(error) => Err(error.into()),
        }
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<StoredUser>, StoreError> {
        to_user(
            app_user::Entity::find()
                .filter(app_user::Column::Username.eq(username))
                .one(&self.db)
                .await?,
        )
    }

    pub async fn user_by_id(&self, id: i64) -> Result<Option<StoredUser>, StoreError> {
        to_user(app_user::Entity::find_by_id(id).one(&self.db).await?)
    }

    pub async fn list_users(&self) -> Result<Vec<StoredUser>, StoreError> {
        app_user::Entity::find()
            .order_by_asc(app_user::Column::Username)
            .all(&self.db)
            .await?
            .into_iter()
            .map(StoredUser::try_from)
            .collect()
    }

    /// Disables or re-enables a user. Disabling also ends every session the user has.
    /// Returns whether the user exists.
    pub async fn set_user_disabled(
        &self,
        id: i64,
        disabled: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut update = app_user::Entity::update_many()
            .col_expr(app_user::Column::Disabled, Expr::value(disabled))
            .col_expr(app_user::Column::UpdatedAt, Expr::value(now));
        if disabled {
            update = update.col_expr(app_user::Column::TokenVersion, next_token_version());
        }
        let result = update
            .filter(app_user::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected == 1)
    }

    /// Replaces a user's password and ends every session they have.
    pub async fn set_password_hash(
        &self,
        id: i64,
        password_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = app_user::Entity::update_many()
            .col_expr(app_user::Column::PasswordHash, Expr::value(password_hash))
            .col_expr(app_user::Column::UpdatedAt, Expr::value(now))
            .col_expr(app_user::Column::TokenVersion, next_token_version())
            .filter(app_user::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        Ok(result.rows_affected == 1)
    }

    /// Ends every session of a user (sign-out): tokens issued before are refused.
    pub async fn revoke_sessions(&self, id: i64) -> Result<(), StoreError> {
        app_user::Entity::update_many()
            .col_expr(app_user::Column::TokenVersion, next_token_version())
            .filter(app_user::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    pub async fn record_login(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        app_user::Entity::update_many()
            .col_expr(app_user::Column::LastLoginAt, Expr::value(now))
            .filter(app_user::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
