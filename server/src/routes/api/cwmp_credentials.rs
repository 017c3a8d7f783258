//! The credentials devices present to the ACS (per-device policy) and the refused attempts
//! with unknown usernames, which an admin approves by adding the credential. Admins only.

use app::{
    http_auth::StoredSecret,
    model::Role,
    services::Services,
    store::{AuditAction, AuthAttempt, CwmpCredentialInfo, StoreError},
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{
    caller::Caller,
    error::{ApiError, ApiJson, ApiResult},
    wake::{CredentialsBody, checked_credentials},
};

/// Most rows one list returns.
const LIST_LIMIT: u64 = 1_000;

#[derive(Debug, Serialize)]
pub struct CredentialView {
    pub username: String,
    pub device_id: Option<i64>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<CwmpCredentialInfo> for CredentialView {
    fn from(info: CwmpCredentialInfo) -> CredentialView {
        CredentialView {
            username: info.username,
            device_id: info.device_id,
            created_by: info.created_by,
            created_at: info.created_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct AttemptView {
    pub username: String,
    pub address: Option<String>,
    pub attempts: i64,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

impl From<AuthAttempt> for AttemptView {
    fn from(attempt: AuthAttempt) -> AttemptView {
        AttemptView {
            username: attempt.username,
            address: attempt.address,
            attempts: attempt.attempts,
            first_at: attempt.first_at,
            last_at: attempt.last_at,
        }
    }
}

pub async fn list(
    State(services): State<Services>,
    caller: Caller,
) -> ApiResult<Json<serde_json::Value>> {
    caller.require(Role::ADMIN)?;
    let credentials: Vec<CredentialView> = services
        .store
        .list_cwmp_credentials(LIST_LIMIT)
        .await?
        .into_iter()
        .map(CredentialView::from)
        .collect();
    Ok(Json(serde_json::json!({
        "policy": services.cwmp_gate.policy().name(),
        "credentials": credentials,
    })))
}

pub async fn add(
    State(services): State<Services>,
    caller: Caller,
    ApiJson(body): ApiJson<CredentialsBody>,
) -> ApiResult<(StatusCode, Json<CredentialView>)> {
    caller.require(Role::ADMIN)?;
    let body = checked_credentials(body)?;
    // Basic credentials are `username:password`: a colon would split the name.
    if body.username.contains(':') {
        return Err(ApiError::invalid(
            "username",
            "the username must not contain `:`",
        ));
    }
    let secret = StoredSecret::hash(&body.username, services.cwmp_gate.realm(), &body.password);
    let now = Utc::now();
    match services
        .store
        .add_cwmp_credential(&body.username, &secret, &caller.actor.name, now)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Duplicate(_)) => {
            return Err(ApiError::conflict(format!(
                "The username {} has credentials already; delete them first to replace them.",
                body.username
            )));
        }
        Err(error) => return Err(error.into()),
    }
    services
        .audit(
            &caller.actor,
            AuditAction::CwmpCredentialAdded,
            Some(&format!("cwmp:{}", body.username)),
            "",
            now,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CredentialView {
            username: body.username,
            device_id: None,
            created_by: caller.actor.name,
            created_at: now,
        }),
    ))
}

pub async fn delete(
    State(services): State<Services>,
    caller: Caller,
    Path(username): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(Role::ADMIN)?;
    if !services.store.delete_cwmp_credential(&username).await? {
        return Err(ApiError::not_found(format!(
            "There are no credentials for {username}."
        )));
    }
    services
        .audit(
            &caller.actor,
            AuditAction::CwmpCredentialDeleted,
            Some(&format!("cwmp:{username}")),
            "",
            Utc::now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn attempts(
    State(services): State<Services>,
    caller: Caller,
) -> ApiResult<Json<serde_json::Value>> {
    caller.require(Role::ADMIN)?;
    let attempts: Vec<AttemptView> = services
        .store
        .list_auth_attempts(LIST_LIMIT)
        .await?
        .into_iter()
        .map(AttemptView::from)
        .collect();
    Ok(Json(serde_json::json!({ "attempts": attempts })))
}

pub async fn dismiss_attempt(
    State(services): State<Services>,
    caller: Caller,
    Path(username): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(Role::ADMIN)?;
    if services.store.forget_auth_attempt(&username).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(format!(
            "There is no refused attempt for {username}."
        )))
    }
}
