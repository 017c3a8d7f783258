//! Checking a request's session token against the database.

use chrono::{DateTime, Utc};

use super::TokenKeys;
use crate::{
    model::SignedInUser,
    services::Actor,
    store::{Store, StoreError},
};

/// Who sent a request, as the server's session layer found it. Put into each request's
/// extensions so server functions can read it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestIdentity {
    pub user: Option<SignedInUser>,
    /// The client's address (the peer, or the proxy's `X-Forwarded-For` when trusted).
    pub address: Option<String>,
}

impl RequestIdentity {
    /// The actor for the audit trail; `fallback_name` names an anonymous caller.
    pub fn actor(&self, fallback_name: &str) -> Actor {
        Actor {
            id: self.user.as_ref().map(|user| user.id),
            name: self
                .user
                .as_ref()
                .map_or_else(|| fallback_name.to_owned(), |user| user.username.clone()),
            address: self.address.clone(),
        }
    }
}

/// What a request's session token amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionCheck {
    /// No token at all.
    Anonymous,
    /// A token that is forged, expired, revoked, or names a disabled or deleted user:
    /// the cookie should be cleared.
    Rejected,
    SignedIn {
        user: SignedInUser,
        /// A fresh token to set, when the current one is past half its life.
        renewed_token: Option<String>,
    },
}

/// Checks `token` and the user it names. The role comes from the database, not the token,
/// so a role change or a disable takes effect on the very next request.
pub async fn check_session(
    store: &Store,
    tokens: &TokenKeys,
    token: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SessionCheck, StoreError> {
    let Some(token) = token else {
        return Ok(SessionCheck::Anonymous);
    };
    let Ok(claims) = tokens.verify(token, now) else {
        return Ok(SessionCheck::Rejected);
    };
    let Some(user_id) = claims.user_id() else {
        return Ok(SessionCheck::Rejected);
    };
    let Some(user) = store.user_by_id(user_id).await? else {
        return Ok(SessionCheck::Rejected);
    };
    if user.disabled || user.token_version != claims.ver {
        return Ok(SessionCheck::Rejected);
    }
    let renewed_token = tokens.should_renew(&claims, now).then(|| {
        let auth_time = DateTime::from_timestamp(claims.auth_time, 0).unwrap_or(now);
        tokens.issue(
            user.id,
            &user.username,
            user.role,
            user.token_version,
            auth_time,
            now,
        )
    });
    Ok(SessionCheck::SignedIn {
        user: SignedInUser {
            id: user.id,
            username: user.username,
            role: user.role,
        },
        renewed_token,
    })
}
