//! The admin's user management: list, create, disable/enable, reset passwords.

use leptos::prelude::*;

use crate::{
    error::AppError,
    model::{NewPassword, UserView},
};

#[server(endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    use super::guard;

    let (services, _, _) = guard::require(crate::model::Role::ADMIN).await?;
    let users = services.store.list_users().await.map_err(guard::internal)?;
    Ok(users
        .into_iter()
        .map(|user| UserView {
            id: user.id,
            username: user.username,
            role: user.role,
            disabled: user.disabled,
            created_at: guard::display_minute(user.created_at),
            last_login_at: user.last_login_at.map(guard::display_minute),
        })
        .collect())
}

/// Creates a user. An empty `password` means "generate one": it is returned once.
#[server(endpoint = "create_user")]
pub async fn create_user(
    username: String,
    role: String,
    password: Option<String>,
) -> Result<NewPassword, AppError> {
    use super::guard;
    use crate::{
        auth::{hash_password_off_thread, normalize_username},
        model::Role,
        store::{AuditAction, NewUser, StoreError},
    };

    let (services, _, identity) = guard::require(Role::ADMIN).await?;
    let username = normalize_username(&username).map_err(|m| AppError::invalid("username", m))?;
    let role = Role::parse(&role)
        .ok_or_else(|| AppError::invalid("role", format!("'{role}' is not a role.")))?;
    let (password, generated) = choose_password(password, &username)?;

    let hash = hash_password_off_thread(password)
        .await
        .map_err(guard::internal)?;
    let now = chrono::Utc::now();
    let user = services
        .store
        .create_user(
            NewUser {
                username: &username,
                password_hash: &hash,
                role,
            },
            now,
        )
        .await
        .map_err(|error| match error {
            StoreError::Duplicate(_) => {
                AppError::invalid("username", format!("'{username}' is taken already."))
            }
            other => guard::internal(other),
        })?;
    services
        .audit(
            &identity.actor(""),
            AuditAction::UserCreated,
            Some(&user.username),
            format!("created with role {}", user.role),
            now,
        )
        .await
        .map_err(guard::internal)?;
    Ok(NewPassword {
        username: user.username,
        generated,
    })
}

/// Disables (ending every session) or re-enables a user. Admins cannot disable themselves,
/// and the last enabled admin stays enabled.
#[server(endpoint = "set_user_disabled")]
pub async fn set_user_disabled(id: i64, disabled: bool) -> Result<(), AppError> {
    use super::guard;
    use crate::{model::Role, store::AuditAction};

    let (services, me, identity) = guard::require(Role::ADMIN).await?;
    let target = find_user(&services, id).await?;
    if disabled {
        if target.id == me.id {
            return Err(AppError::conflict("You cannot disable your own account."));
        }
        let admins = services
            .store
            .count_active_admins()
            .await
            .map_err(guard::internal)?;
        if target.role == Role::Admin && !target.disabled && admins <= 1 {
            return Err(AppError::conflict(
                "The last enabled administrator cannot be disabled.",
            ));
        }
    }
    let now = chrono::Utc::now();
    services
        .store
        .set_user_disabled(id, disabled, now)
        .await
        .map_err(guard::internal)?;
    let (action, detail) = if disabled {
        (AuditAction::UserDisabled, "disabled; sessions ended")
    } else {
        (AuditAction::UserEnabled, "enabled")
    };
    services
        .audit(
            &identity.actor(""),
            action,
            Some(&target.username),
            detail,
            now,
        )
        .await
        .map_err(guard::internal)
}

/// Sets a new password (generated when `password` is empty) and ends the user's sessions.
#[server(endpoint = "reset_password")]
pub async fn reset_password(id: i64, password: Option<String>) -> Result<NewPassword, AppError> {
    use super::guard;
    use crate::{auth::hash_password_off_thread, model::Role, store::AuditAction};

    let (services, _, identity) = guard::require(Role::ADMIN).await?;
    let target = find_user(&services, id).await?;
    let (password, generated) = choose_password(password, &target.username)?;
    let hash = hash_password_off_thread(password)
        .await
        .map_err(guard::internal)?;
    let now = chrono::Utc::now();
    services
        .store
        .set_password_hash(id, &hash, now)
        .await
        .map_err(guard::internal)?;
    services
        .audit(
            &identity.actor(""),
            AuditAction::PasswordReset,
            Some(&target.username),
            "password reset; sessions ended",
            now,
        )
        .await
        .map_err(guard::internal)?;
    Ok(NewPassword {
        username: target.username,
        generated,
    })
}

#[cfg(feature = "ssr")]
async fn find_user(
    services: &crate::services::Services,
    id: i64,
) -> Result<crate::store::StoredUser, AppError> {
    services
        .store
        .user_by_id(id)
        .await
        .map_err(super::guard::internal)?
        .ok_or_else(|| AppError::not_found("There is no such user."))
}

/// The password to set and, when the server generated it, the copy to show once.
#[cfg(feature = "ssr")]
fn choose_password(
    typed: Option<String>,
    username: &str,
) -> Result<(String, Option<String>), AppError> {
    use crate::auth::{generate_password, validate_new_password};

    match typed.filter(|password| !password.is_empty()) {
        Some(password) => {
            validate_new_password(&password, username)
                .map_err(|message| AppError::invalid("password", message))?;
            Ok((password, None))
        }
        None => {
            let password = generate_password();
            Ok((password.clone(), Some(password)))
        }
    }
}
