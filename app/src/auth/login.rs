//! Signing in: throttle, check the password, record the outcome, issue a token.

use chrono::{DateTime, Utc};

use super::{normalize_username, verify_password};
use crate::{
    services::{Actor, Services},
    store::{AuditAction, StoreError, StoredUser},
};

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("too many failed attempts; retry in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    /// Unknown user or wrong password: deliberately the same answer.
    #[error("wrong username or password")]
    WrongCredentials,
    #[error("the account is disabled")]
    Disabled,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("password check failed: {0}")]
    Hashing(String),
}

#[derive(Debug)]
pub struct SignedIn {
    pub user: StoredUser,
    pub token: String,
}

pub async fn sign_in(
    services: &Services,
    username: &str,
    password: &str,
    address: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SignedIn, LoginError> {
    // A name that cannot exist still counts as a failure against itself.
    let username = normalize_username(username).unwrap_or_else(|_| username.trim().to_owned());
    let actor = Actor {
        id: None,
        name: username.clone(),
        address: address.map(str::to_owned),
    };

    let recent = services
        .store
        .count_recent(
            AuditAction::LoginFailed,
            &username,
            address,
            now - services.throttle.window,
        )
        .await?;
    if let Err(retry_after_secs) = services.throttle.check(recent) {
        tracing::warn!(%username, ?address, "sign-in refused: too many recent failures");
        return Err(LoginError::Throttled { retry_after_secs });
    }

    let user = services.store.user_by_name(&username).await?;
    let hash = user.as_ref().map(|user| user.password_hash.clone());
    let password = password.to_owned();
    // Argon2 takes tens of milliseconds of CPU: keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, hash.as_deref()))
        .await
        .map_err(|e| LoginError::Hashing(e.to_string()))?;

    let failure = match &user {
        Some(user) if matches && !user.disabled => None,
        Some(_) if matches => Some((LoginError::Disabled, "account disabled")),
        Some(_) => Some((LoginError::WrongCredentials, "wrong password")),
        None => Some((LoginError::WrongCredentials, "unknown user")),
    };
    if let Some((error, detail)) = failure {
        services
            .audit(
                &actor,
                AuditAction::LoginFailed,
                Some(&username),
                detail,
                now,
            )
            .await?;
        return Err(error);
    }
    let Some(user) = user else {
        return Err(LoginError::WrongCredentials);
    };

    services.store.record_login(user.id, now).await?;
    let actor = Actor {
        id: Some(user.id),
        ..actor
    };
    services
        .audit(
            &actor,
            AuditAction::Login,
            Some(&username),
            "signed in",
            now,
        )
        .await?;
    let token = services.tokens.issue(
        user.id,
        &user.username,
        user.role,
        user.token_version,
        now,
        now,
    );
    Ok(SignedIn { user, token })
}
