//! Reaching a device now: the Connection Request, and the credentials it needs.

use std::time::Duration;

use app::{
    acs::{connection_request::WakeError, task_spec::MAX_WAIT_SECONDS},
    http_auth::Credentials,
    model::Role,
    services::Services,
    store::AuditAction,
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use chrono::Utc;
use serde::Deserialize;

use super::{
    caller::Caller,
    devices::{ensure_device, parse_id},
    error::{ApiError, ApiJson, ApiQuery, ApiResult},
    tasks::parse_seconds,
    views::WakeView,
};

#[derive(Debug, Deserialize)]
pub struct WakeParams {
    /// Seconds to wait for the device's session to begin after it agreed.
    wait: Option<String>,
}

/// `POST /api/v1/devices/{id}/wake`: 200 when the device agreed to open a session (and,
/// with `wait`, when it did); otherwise an error saying why, with the wake error's code.
pub async fn wake(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<WakeParams>,
) -> ApiResult<Json<WakeView>> {
    caller.require(Role::STAFF)?;
    let device_id = parse_id(&id)?;
    let wait = parse_seconds("wait", params.wait.as_deref(), MAX_WAIT_SECONDS)?.unwrap_or(0);
    ensure_device(&services, device_id).await?;
    let outcome = if wait > 0 {
        services
            .waker
            .wake_and_wait_for_session(device_id, Duration::from_secs(wait))
            .await
    } else {
        services.waker.wake(device_id).await
    };
    let view = WakeView::from(&outcome);
    services
        .audit(
            &caller.actor,
            AuditAction::DeviceWoken,
            Some(&format!("device:{device_id}")),
            match &outcome {
                Ok(_) => "woken".to_owned(),
                Err(error) => format!("not woken: {error}"),
            },
            Utc::now(),
        )
        .await?;
    outcome.map(|_| Json(view)).map_err(wake_error)
}

/// The status that fits: the device's state makes it impossible (409), the device or the
/// path to it failed (502), or it took too long (504).
pub fn wake_error(error: WakeError) -> ApiError {
    let status = match &error {
        WakeError::UnknownDevice => StatusCode::NOT_FOUND,
        WakeError::NoUrl
        | WakeError::BadUrl { .. }
        | WakeError::BehindNat { .. }
        | WakeError::NoCredentials => StatusCode::CONFLICT,
        WakeError::Timeout(_) | WakeError::NoSession(_) => StatusCode::GATEWAY_TIMEOUT,
        WakeError::Unreachable(_)
        | WakeError::AuthFailed
        | WakeError::UnsupportedChallenge(_)
        | WakeError::Refused(_) => StatusCode::BAD_GATEWAY,
        WakeError::Store(message) => return ApiError::internal(message),
    };
    ApiError::with_status(status, error.code(), error.to_string())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialsBody {
    username: String,
    password: String,
}

/// Longest username or password accepted (TR-069 gives them 256 characters).
const MAX_CREDENTIAL_LENGTH: usize = 256;

/// Both fields present, 1 to 256 characters, no control characters.
pub(super) fn checked_credentials(body: CredentialsBody) -> ApiResult<Credentials> {
    for (field, value) in [("username", &body.username), ("password", &body.password)] {
        if value.is_empty() || value.chars().count() > MAX_CREDENTIAL_LENGTH {
            return Err(ApiError::invalid(
                field,
                format!("the {field} is 1 to {MAX_CREDENTIAL_LENGTH} characters"),
            ));
        }
        if value.chars().any(char::is_control) {
            return Err(ApiError::invalid(
                field,
                format!("the {field} must not contain control characters"),
            ));
        }
    }
    Ok(Credentials {
        username: body.username,
        password: body.password,
    })
}

/// `PUT /api/v1/devices/{id}/connection-request-credentials`: what the device expects
/// (admins only: these open the device's wake-up door).
pub async fn set_credentials(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CredentialsBody>,
) -> ApiResult<StatusCode> {
    caller.require(Role::ADMIN)?;
    let device_id = parse_id(&id)?;
    let credentials = checked_credentials(body)?;
    ensure_device(&services, device_id).await?;
    let now = Utc::now();
    services
        .store
        .set_connection_request_credentials(device_id, &credentials, now)
        .await?;
    services
        .audit(
            &caller.actor,
            AuditAction::ConnectionCredentialsSet,
            Some(&format!("device:{device_id}")),
            format!("username {}", credentials.username),
            now,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/devices/{id}/connection-request-credentials`: the default applies again.
pub async fn clear_credentials(
    State(services): State<Services>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(Role::ADMIN)?;
    let device_id = parse_id(&id)?;
    ensure_device(&services, device_id).await?;
    if services
        .store
        .clear_connection_request_credentials(device_id)
        .await?
    {
        services
            .audit(
                &caller.actor,
                AuditAction::ConnectionCredentialsCleared,
                Some(&format!("device:{device_id}")),
                "",
                Utc::now(),
            )
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/connection-request-defaults`: each product class's default (usernames only).
pub async fn list_defaults(
    State(services): State<Services>,
    caller: Caller,
) -> ApiResult<Json<serde_json::Value>> {
    caller.require(Role::ADMIN)?;
    let defaults: Vec<serde_json::Value> = services
        .store
        .list_product_class_credentials()
        .await?
        .into_iter()
        .map(|(product_class, username, updated_at)| {
            serde_json::json!({
                "product_class": product_class,
                "username": username,
                "updated_at": updated_at,
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "defaults": defaults })))
}

/// `PUT /api/v1/connection-request-defaults/{product_class}`: for every device of the class
/// without credentials of its own.
pub async fn set_default(
    State(services): State<Services>,
    caller: Caller,
    Path(product_class): Path<String>,
    ApiJson(body): ApiJson<CredentialsBody>,
) -> ApiResult<StatusCode> {
    caller.require(Role::ADMIN)?;
    if product_class.trim().is_empty() || product_class.len() > 64 {
        return Err(ApiError::invalid(
            "product_class",
            "a product class is 1 to 64 characters",
        ));
    }
    let credentials = checked_credentials(body)?;
    let now = Utc::now();
    services
        .store
        .set_product_class_credentials(&product_class, &credentials, now)
        .await?;
    services
        .audit(
            &caller.actor,
            AuditAction::ConnectionCredentialsSet,
            Some(&format!("product_class:{product_class}")),
            format!("username {}", credentials.username),
            now,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/v1/connection-request-defaults/{product_class}`.
pub async fn clear_default(
    State(services): State<Services>,
    caller: Caller,
    Path(product_class): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(Role::ADMIN)?;
    if !services
        .store
        .clear_product_class_credentials(&product_class)
        .await?
    {
        return Err(ApiError::not_found(format!(
            "There is no default for the product class {product_class}."
        )));
    }
    services
        .audit(
            &caller.actor,
            AuditAction::ConnectionCredentialsCleared,
            Some(&format!("product_class:{product_class}")),
            "",
            Utc::now(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
