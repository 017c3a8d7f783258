//! Who is calling the API: an API token (`Authorization: Bearer osp_...`) or the portal's
//! own session (the session layer put it in the request). Every handler names the roles it
//! allows with `Caller::require`.

use app::{
    auth::{RequestIdentity, hash_api_token, looks_like_api_token},
    model::Role,
    services::{Actor, Services},
};
use axum::{
    extract::{FromRef, FromRequestParts},
    http::{header, request::Parts},
};

use super::error::ApiError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub role: Role,
    /// For the audit trail: the user, or `token:<name>`.
    pub actor: Actor,
}

impl Caller {
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            tracing::warn!(caller = %self.actor.name, role = %self.role, "API call refused: role not allowed");
            Err(ApiError::forbidden())
        }
    }
}

impl<S> FromRequestParts<S> for Caller
where
    Services: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Caller, ApiError> {
        let services = Services::from_ref(state);
        let identity = parts
            .extensions
            .get::<RequestIdentity>()
            .cloned()
            .unwrap_or_default();
        let Some(authorization) = parts.headers.get(header::AUTHORIZATION) else {
            return match &identity.user {
                Some(user) => Ok(Caller {
                    role: user.role,
                    actor: identity.actor("anonymous"),
                }),
                None => Err(ApiError::unauthenticated()),
            };
        };
        let secret = authorization
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| ApiError {
                message: "The Authorization header must be 'Bearer <API token>'.".to_owned(),
                ..ApiError::unauthenticated()
            })?;
        let not_valid = || ApiError {
            message: "The API token is not valid: mistyped, or revoked.".to_owned(),
            ..ApiError::unauthenticated()
        };
        if !looks_like_api_token(secret) {
            return Err(not_valid());
        }
        let token = services
            .store
            .use_api_token(&hash_api_token(secret), chrono::Utc::now())
            .await?
            .ok_or_else(not_valid)?;
        Ok(Caller {
            role: token.role,
            actor: Actor {
                id: None,
                name: format!("token:{}", token.name),
                address: identity.address,
            },
        })
    }
}
