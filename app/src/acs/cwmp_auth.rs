//! Who may open a CWMP session: the deployment's policy, checked on a session's first
//! request (later requests carry the session cookie, which is unguessable).
//!
//! - `Open`: anyone (labs; `register_unknown_devices` still decides registration).
//! - `Shared`: one username and password for every device.
//! - `PerDevice`: each device its own; an unknown username is refused and recorded, so an
//!   admin can approve it by adding its credentials. A credential belongs to the first
//!   device that uses it: another device presenting it is refused (a cloned config).

use chrono::{DateTime, Utc};

use crate::{
    http_auth::{Authority, Refusal, StoredSecret, claimed_username},
    store::Store,
};

#[derive(Clone, Debug)]
pub enum CwmpAuthPolicy {
    Open,
    Shared {
        username: String,
        secret: StoredSecret,
    },
    PerDevice,
}

impl CwmpAuthPolicy {
    pub fn name(&self) -> &'static str {
        match self {
            CwmpAuthPolicy::Open => "open",
            CwmpAuthPolicy::Shared { .. } => "shared",
            CwmpAuthPolicy::PerDevice => "per_device",
        }
    }
}

/// A session's first request passed the gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admitted {
    /// No credentials asked for (open policy).
    Anyone,
    /// The shared credentials.
    Shared,
    /// A per-device credential, and the device it is bound to (if used before).
    Device {
        username: String,
        bound_to: Option<i64>,
    },
}

/// Why the gate did not let a request through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GateRefusal {
    /// Answer 401 with these `WWW-Authenticate` challenges.
    Challenge(Vec<String>),
    /// The database failed: answer 503, the device retries.
    Unavailable(String),
}

#[derive(Clone, Debug)]
pub struct CwmpGate {
    policy: CwmpAuthPolicy,
    authority: Authority,
}

/// How long a nonce stays good: long enough for slow CPEs, short for replays.
const NONCE_LIFETIME_SECONDS: i64 = 300;

impl CwmpGate {
    /// `key` signs nonces (the instance-shared secret, so any instance accepts them).
    pub fn new(policy: CwmpAuthPolicy, realm: &str, key: &[u8], allow_basic: bool) -> CwmpGate {
        CwmpGate {
            policy,
            authority: Authority::new(realm, key, NONCE_LIFETIME_SECONDS, allow_basic),
        }
    }

    pub fn policy(&self) -> &CwmpAuthPolicy {
        &self.policy
    }

    pub fn realm(&self) -> &str {
        self.authority.realm()
    }

    /// The challenges of a 401.
    pub fn challenges(&self, now: DateTime<Utc>) -> Vec<String> {
        self.authority.challenges(now.timestamp(), false)
    }

    /// Checks a session's first request.
    pub async fn admit(
        &self,
        store: &Store,
        authorization: Option<&str>,
        peer: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Admitted, GateRefusal> {
        let now_seconds = now.timestamp();
        let challenge =
            |stale| GateRefusal::Challenge(self.authority.challenges(now_seconds, stale));
        let verdict = match &self.policy {
            CwmpAuthPolicy::Open => return Ok(Admitted::Anyone),
            CwmpAuthPolicy::Shared { username, secret } => self
                .authority
                .verify(authorization, "POST", now_seconds, |claimed| {
                    (claimed == username).then(|| secret.clone())
                })
                .map(|_| Admitted::Shared),
            CwmpAuthPolicy::PerDevice => {
                let claimed = authorization.and_then(claimed_username);
                let found = match &claimed {
                    Some(name) => store
                        .cwmp_secret(name)
                        .await
                        .map_err(|e| GateRefusal::Unavailable(e.to_string()))?,
                    None => None,
                };
                if let (Some(name), None) = (&claimed, &found) {
                    // The username goes to the attempts list for admins, never to the log.
                    tracing::warn!(
                        ?peer,
                        "CWMP session refused: unknown username (listed for approval)"
                    );
                    if let Err(error) = store.record_auth_attempt(name, peer, now).await {
                        tracing::error!(%error, "recording a refused session failed");
                    }
                    return Err(challenge(false));
                }
                let bound_to = found.as_ref().and_then(|(_, device)| *device);
                self.authority
                    .verify(authorization, "POST", now_seconds, |_| {
                        found.map(|(secret, _)| secret)
                    })
                    .map(|authenticated| Admitted::Device {
                        username: authenticated.username,
                        bound_to,
                    })
            }
        };
        match verdict {
            Ok(admitted) => Ok(admitted),
            Err(Refusal::Stale) => Err(challenge(true)),
            Err(Refusal::Missing) => Err(challenge(false)),
            Err(refusal) => {
                // Never the username or password: only that it failed, and from where.
                tracing::warn!(?peer, policy = self.policy.name(), %refusal, "CWMP session refused");
                Err(challenge(false))
            }
        }
    }
}
