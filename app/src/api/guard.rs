//! What every server function starts with: the services, who is calling, and the role check.

use std::fmt::Display;

use chrono::{DateTime, Utc};
use leptos::prelude::use_context;

use crate::{
    auth::RequestIdentity,
    error::AppError,
    model::{Role, SignedInUser},
    services::Services,
};

/// The services and the caller's identity (signed in or not).
pub async fn context() -> Result<(Services, RequestIdentity), AppError> {
    let services =
        use_context::<Services>().ok_or_else(|| internal("services missing from context"))?;
    let identity = leptos_axum::extract::<axum::Extension<RequestIdentity>>()
        .await
        .map(|axum::Extension(identity)| identity)
        .unwrap_or_default();
    Ok((services, identity))
}

/// Like `context`, but the caller must be signed in with one of `roles`.
pub async fn require(
    roles: &[Role],
) -> Result<(Services, SignedInUser, RequestIdentity), AppError> {
    let (services, identity) = context().await?;
    let user = identity.user.clone().ok_or(AppError::Unauthenticated)?;
    if !roles.contains(&user.role) {
        tracing::warn!(user = %user.username, role = %user.role, "refused: role not allowed");
        return Err(AppError::Forbidden);
    }
    Ok((services, user, identity))
}

/// Logs a server-side failure and returns the opaque error the browser sees.
pub fn internal(error: impl Display) -> AppError {
    tracing::error!(%error, "server function failed");
    AppError::Internal
}

/// Adds a `Set-Cookie` header to the response.
pub fn set_cookie(value: &str) {
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(value),
    ) {
        response.append_header(http::header::SET_COOKIE, value);
    }
}

/// How times are shown in the portal: UTC, to the minute.
pub fn display_minute(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// How times are shown in the audit log: UTC, to the second.
pub fn display_second(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}
