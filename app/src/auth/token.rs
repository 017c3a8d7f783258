//! Session tokens: short-lived HS256 JWTs, renewed while the person is active.
//!
//! A token names the user and the user's `token_version`; bumping that version in the
//! database (sign-out, password reset, disable) kills every token issued before. Expiry is
//! checked against a `now` the caller passes, so the rules are testable without a clock.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::model::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id (a string, as RFC 7519 asks).
    pub sub: String,
    pub name: String,
    pub role: Role,
    /// The user's `token_version` when the token was issued.
    pub ver: i32,
    pub iat: i64,
    pub exp: i64,
    /// When the person typed their password: renewal stops `max_session` after it.
    pub auth_time: i64,
}

impl Claims {
    pub fn user_id(&self) -> Option<i64> {
        self.sub.parse().ok()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed or its signature is wrong")]
    Invalid,
    #[error("the token has expired")]
    Expired,
}

/// Signing keys and lifetimes. One per process; the secret is shared through the database.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// A token dies this long after it was issued unless renewed by activity.
    pub idle_timeout: Duration,
    /// No renewal past this long after sign-in: the person types the password again.
    pub max_session: Duration,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("idle_timeout", &self.idle_timeout)
            .field("max_session", &self.max_session)
            .finish_non_exhaustive()
    }
}

/// A fresh random secret for signing tokens, hex-encoded (256 bits).
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    crate::hex::to_hex(&bytes)
}

impl TokenKeys {
    pub fn new(secret: &[u8], idle_timeout: Duration, max_session: Duration) -> TokenKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        // Expiry is checked by `verify` against the caller's clock.
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            idle_timeout,
            max_session,
        }
    }

    /// A token for `user` at `token_version`, for a session that began at `auth_time`.
    pub fn issue(
        &self,
        user_id: i64,
        username: &str,
        role: Role,
        token_version: i32,
        auth_time: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> String {
        let claims = Claims {
            sub: user_id.to_string(),
            name: username.to_owned(),
            role,
            ver: token_version,
            iat: now.timestamp(),
            exp: (now + self.idle_timeout).timestamp(),
            auth_time: auth_time.timestamp(),
        };
        // HS256 over a serde struct cannot fail.
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("encoding an HS256 token")
    }

    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Claims, TokenError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        if claims.exp <= now.timestamp() {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }

    /// Whether to hand out a fresh token: past half its life, and the session may go on.
    pub fn should_renew(&self, claims: &Claims, now: DateTime<Utc>) -> bool {
        let half_life = self.idle_timeout.num_seconds() / 2;
        let past_half = claims.exp - now.timestamp() < half_life;
        let within_max = now.timestamp() - claims.auth_time < self.max_session.num_seconds();
        past_half && within_max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"test secret", Duration::minutes(30), Duration::hours(12))
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn a_token_verifies_until_it_expires() {
        let keys = keys();
        let token = keys.issue(7, "alice", Role::Helpdesk, 3, at(0), at(0));
        let claims = keys.verify(&token, at(60)).unwrap();
        assert_eq!(claims.user_id(), Some(7));
        assert_eq!((claims.role, claims.ver), (Role::Helpdesk, 3));
        assert_eq!(keys.verify(&token, at(30 * 60)), Err(TokenError::Expired));
    }

    #[test]
    fn tampered_or_foreign_tokens_are_invalid() {
        let keys = keys();
        let token = keys.issue(7, "alice", Role::Customer, 0, at(0), at(0));
        let (head, _) = token.rsplit_once('.').unwrap();
        let forged = format!("{head}.AAAA");
        assert_eq!(keys.verify(&forged, at(1)), Err(TokenError::Invalid));
        let other = TokenKeys::new(b"other secret", Duration::minutes(30), Duration::hours(12));
        assert_eq!(other.verify(&token, at(1)), Err(TokenError::Invalid));
        assert_eq!(keys.verify("not.a.token", at(1)), Err(TokenError::Invalid));
    }

    #[test]
    fn renewal_starts_at_half_life_and_stops_at_max_session() {
        let keys = keys();
        let claims = keys
            .verify(&keys.issue(1, "a", Role::Admin, 0, at(0), at(0)), at(0))
            .unwrap();
        assert!(!keys.should_renew(&claims, at(10 * 60)));
        assert!(keys.should_renew(&claims, at(16 * 60)));
        let late = keys
            .verify(
                &keys.issue(1, "a", Role::Admin, 0, at(0), at(12 * 3600 - 60)),
                at(12 * 3600 - 60),
            )
            .unwrap();
        assert!(!keys.should_renew(&late, at(12 * 3600 + 10 * 60)));
    }
}
