//! The server side: challenging a client and checking its answer. Nonces are stateless (a
//! timestamp signed with HMAC-SHA-256), so any instance behind a load balancer accepts what
//! another issued and nothing needs storing; their lifetime bounds replays.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{
    digest::{DigestAlgorithm, DigestInput, base_ha1, base64_decode, response_from_ha1, to_hex},
    header::{parse_auth_params, split_challenges},
};

/// Why an `Authorization` header was not accepted. Deliberately says nothing the client
/// could use to tell a wrong username from a wrong password: both are `Refused`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("no credentials were sent")]
    Missing,
    #[error("the Authorization header is malformed: {0}")]
    Malformed(String),
    #[error("the authentication scheme is not accepted here")]
    Scheme,
    #[error("the credentials are wrong")]
    Refused,
    /// Right credentials on an expired nonce: the client should answer the fresh challenge.
    #[error("the nonce has expired")]
    Stale,
}

/// Issues challenges for one realm and checks answers to them.
#[derive(Clone)]
pub struct Authority {
    realm: String,
    key: Vec<u8>,
    nonce_lifetime_seconds: i64,
    allow_basic: bool,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("realm", &self.realm)
            .field("allow_basic", &self.allow_basic)
            .finish_non_exhaustive()
    }
}

/// What the server keeps to check a client: the password, or (better, for stored
/// credentials) the hashes H(username:realm:password) Digest works from, which do not give
/// the password away.
#[derive(Clone, PartialEq, Eq)]
pub enum StoredSecret {
    Password(String),
    Hashed { md5: String, sha256: String },
}

impl std::fmt::Debug for StoredSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoredSecret(<hidden>)")
    }
}

impl StoredSecret {
    /// The hashed form of `password` for `username` in `realm`.
    pub fn hash(username: &str, realm: &str, password: &str) -> StoredSecret {
        StoredSecret::Hashed {
            md5: base_ha1(DigestAlgorithm::Md5, username, realm, password),
            sha256: base_ha1(DigestAlgorithm::Sha256, username, realm, password),
        }
    }

    fn ha1(&self, algorithm: DigestAlgorithm, username: &str, realm: &str) -> String {
        match self {
            StoredSecret::Password(password) => base_ha1(algorithm, username, realm, password),
            StoredSecret::Hashed { md5, sha256 } => match algorithm {
                DigestAlgorithm::Md5 | DigestAlgorithm::Md5Sess => md5.clone(),
                DigestAlgorithm::Sha256 | DigestAlgorithm::Sha256Sess => sha256.clone(),
            },
        }
    }

    fn matches_password(&self, username: &str, realm: &str, password: &str) -> bool {
        match self {
            StoredSecret::Password(expected) => {
                constant_time_eq(expected.as_bytes(), password.as_bytes())
            }
            StoredSecret::Hashed { sha256, .. } => constant_time_eq(
                sha256.as_bytes(),
                base_ha1(DigestAlgorithm::Sha256, username, realm, password).as_bytes(),
            ),
        }
    }
}

/// The username an `Authorization` header claims, before anything is checked: the caller
/// looks up that user's secret with it.
pub fn claimed_username(authorization: &str) -> Option<String> {
    let (scheme, rest) = authorization.trim().split_once(' ')?;
    match scheme.to_ascii_lowercase().as_str() {
        "digest" => parse_auth_params(rest)
            .ok()?
            .into_iter()
            .find(|(name, _)| name == "username")
            .map(|(_, value)| value),
        "basic" => {
            let decoded = String::from_utf8(base64_decode(rest.trim())?).ok()?;
            decoded.split_once(':').map(|(user, _)| user.to_owned())
        }
        _ => None,
    }
}

/// Who the client proved to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    pub username: String,
}

impl Authority {
    pub fn new(
        realm: &str,
        key: &[u8],
        nonce_lifetime_seconds: i64,
        allow_basic: bool,
    ) -> Authority {
        Authority {
            realm: realm.to_owned(),
            key: key.to_vec(),
            nonce_lifetime_seconds,
            allow_basic,
        }
    }

    /// The `WWW-Authenticate` values for a 401, strongest first (clients take the first
    /// they understand; many CPEs know only MD5).
    pub fn challenges(&self, now_seconds: i64, stale: bool) -> Vec<String> {
        let nonce = self.nonce(now_seconds);
        let stale = if stale { ", stale=true" } else { "" };
        let mut challenges: Vec<String> = [DigestAlgorithm::Sha256, DigestAlgorithm::Md5]
            .iter()
            .map(|algorithm| {
                format!(
                    "Digest realm=\"{}\", qop=\"auth\", nonce=\"{nonce}\", algorithm={}{stale}",
                    self.realm,
                    algorithm.as_str()
                )
            })
            .collect();
        if self.allow_basic {
            challenges.push(format!("Basic realm=\"{}\"", self.realm));
        }
        challenges
    }

    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// Checks an `Authorization` header for a request with `method`; `secret_of` gives a
    /// username's secret (`None`: no such user).
    pub fn verify(
        &self,
        authorization: Option<&str>,
        method: &str,
        now_seconds: i64,
        secret_of: impl FnOnce(&str) -> Option<StoredSecret>,
    ) -> Result<Authenticated, Refusal> {
        let authorization = authorization.ok_or(Refusal::Missing)?;
        let (scheme, rest) = authorization
            .trim()
            .split_once(' ')
            .unwrap_or((authorization.trim(), ""));
        match scheme.to_ascii_lowercase().as_str() {
            "digest" => self.verify_digest(rest, method, now_seconds, secret_of),
            "basic" if self.allow_basic => verify_basic(rest, &self.realm, secret_of),
            _ => Err(Refusal::Scheme),
        }
    }

    fn verify_digest(
        &self,
        params: &str,
        method: &str,
        now_seconds: i64,
        secret_of: impl FnOnce(&str) -> Option<StoredSecret>,
    ) -> Result<Authenticated, Refusal> {
        // `split_challenges` is not needed for one credential, but it must not be a list.
        if split_challenges(params).len() > 1 {
            return Err(Refusal::Malformed("more than one credential".to_owned()));
        }
        let params = parse_auth_params(params).map_err(|e| Refusal::Malformed(e.to_string()))?;
        let get = |name: &str| {
            params
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let required = |name: &'static str| {
            get(name).ok_or_else(|| Refusal::Malformed(format!("`{name}` is missing")))
        };
        let username = required("username")?;
        let realm = required("realm")?;
        let nonce = required("nonce")?;
        let uri = required("uri")?;
        let response = required("response")?;
        let algorithm = DigestAlgorithm::parse(get("algorithm"))
            .ok_or_else(|| Refusal::Malformed("unknown algorithm".to_owned()))?;
        let qop_auth = match get("qop") {
            None => false,
            Some("auth") => true,
            Some(other) => {
                return Err(Refusal::Malformed(format!("qop `{other}` was not offered")));
            }
        };
        let (nc, cnonce) = if qop_auth {
            (required("nc")?, required("cnonce")?)
        } else {
            ("", "")
        };
        if realm != self.realm {
            return Err(Refusal::Refused);
        }
        let issued_at = self.nonce_time(nonce).ok_or(Refusal::Refused)?;
        let secret = secret_of(username).ok_or(Refusal::Refused)?;
        let expected = response_from_ha1(
            algorithm,
            &secret.ha1(algorithm, username, realm),
            &DigestInput {
                username,
                realm,
                password: "",
                nonce,
                cnonce,
                nc,
                qop_auth,
                method,
                uri,
            },
        );
        if !constant_time_eq(
            expected.as_bytes(),
            response.to_ascii_lowercase().as_bytes(),
        ) {
            return Err(Refusal::Refused);
        }
        if now_seconds - issued_at > self.nonce_lifetime_seconds || issued_at > now_seconds + 60 {
            return Err(Refusal::Stale);
        }
        Ok(Authenticated {
            username: username.to_owned(),
        })
    }

    /// `{seconds, hex}{signature, 32 hex}`.
    fn nonce(&self, now_seconds: i64) -> String {
        let stamp = format!("{now_seconds:x}");
        format!("{stamp}{}", self.sign(&stamp))
    }

    fn nonce_time(&self, nonce: &str) -> Option<i64> {
        let split = nonce.len().checked_sub(32)?;
        let (stamp, signature) = (nonce.get(..split)?, nonce.get(split..)?);
        constant_time_eq(self.sign(stamp).as_bytes(), signature.as_bytes())
            .then(|| i64::from_str_radix(stamp, 16).ok())
            .flatten()
    }

    fn sign(&self, stamp: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        mac.update(stamp.as_bytes());
        to_hex(&mac.finalize().into_bytes()[..16])
    }
}

fn verify_basic(
    token: &str,
    realm: &str,
    secret_of: impl FnOnce(&str) -> Option<StoredSecret>,
) -> Result<Authenticated, Refusal> {
    let decoded = base64_decode(token.trim())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            Refusal::Malformed("the Basic credentials are not base64 text".to_owned())
        })?;
    let (username, password) = decoded
        .split_once(':')
        .ok_or_else(|| Refusal::Malformed("the Basic credentials have no `:`".to_owned()))?;
    let secret = secret_of(username).ok_or(Refusal::Refused)?;
    if secret.matches_password(username, realm, password) {
        Ok(Authenticated {
            username: username.to_owned(),
        })
    } else {
        Err(Refusal::Refused)
    }
}

/// Compares without an early exit, so timing does not tell how much matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http_auth::{
        Challenge, Credentials, DigestAnswer, answer_challenge, basic_header, choose_challenge,
    };

    const NOW: i64 = 1_800_000_000;

    fn authority(allow_basic: bool) -> Authority {
        Authority::new("Osprey", b"a key", 300, allow_basic)
    }

    fn credentials(password: &str) -> Credentials {
        Credentials {
            username: "cpe".into(),
            password: password.into(),
        }
    }

    /// The client half of this module answering the server half.
    fn answer(authority: &Authority, issued: i64, password: &str) -> String {
        let challenges = authority.challenges(issued, false);
        let Some(Challenge::Digest(challenge)) =
            choose_challenge(challenges.iter().map(String::as_str))
        else {
            panic!("a digest challenge")
        };
        answer_challenge(
            &challenge,
            &credentials(password),
            &DigestAnswer {
                method: "POST",
                uri: "/acs",
                cnonce: "abc",
                nonce_count: 1,
            },
        )
    }

    fn lookup(username: &str) -> Option<StoredSecret> {
        (username == "cpe").then(|| StoredSecret::Password("secret".to_owned()))
    }

    fn hashed_lookup(username: &str) -> Option<StoredSecret> {
        (username == "cpe").then(|| StoredSecret::hash("cpe", "Osprey", "secret"))
    }

    #[test]
    fn hashed_secrets_check_digest_and_basic_alike() {
        let authority = authority(true);
        let right = answer(&authority, NOW, "secret");
        assert!(
            authority
                .verify(Some(&right), "POST", NOW, hashed_lookup)
                .is_ok()
        );
        let wrong = answer(&authority, NOW, "guess");
        assert_eq!(
            authority.verify(Some(&wrong), "POST", NOW, hashed_lookup),
            Err(Refusal::Refused)
        );
        let basic = basic_header(&credentials("secret"));
        assert!(
            authority
                .verify(Some(&basic), "POST", NOW, hashed_lookup)
                .is_ok()
        );
        assert_eq!(claimed_username(&basic).as_deref(), Some("cpe"));
        assert_eq!(claimed_username(&right).as_deref(), Some("cpe"));
        assert_eq!(claimed_username("Bearer x"), None);
        assert!(!format!("{:?}", hashed_lookup("cpe")).contains("secret"));
    }

    #[test]
    fn accepts_a_right_answer_and_refuses_wrong_ones() {
        let authority = authority(false);
        let right = answer(&authority, NOW, "secret");
        assert_eq!(
            authority.verify(Some(&right), "POST", NOW + 5, lookup),
            Ok(Authenticated {
                username: "cpe".into()
            })
        );
        let wrong = answer(&authority, NOW, "guess");
        assert_eq!(
            authority.verify(Some(&wrong), "POST", NOW + 5, lookup),
            Err(Refusal::Refused)
        );
        // The method is covered by the response.
        assert_eq!(
            authority.verify(Some(&right), "GET", NOW + 5, lookup),
            Err(Refusal::Refused)
        );
        assert_eq!(
            authority.verify(None, "POST", NOW, lookup),
            Err(Refusal::Missing)
        );
    }

    #[test]
    fn old_nonces_are_stale_and_forged_ones_refused() {
        let authority = authority(false);
        let old = answer(&authority, NOW - 301, "secret");
        assert_eq!(
            authority.verify(Some(&old), "POST", NOW, lookup),
            Err(Refusal::Stale)
        );
        // A nonce signed with another key (another deployment, or made up).
        let other = Authority::new("Osprey", b"another key", 300, false);
        let forged = answer(&other, NOW, "secret");
        assert_eq!(
            authority.verify(Some(&forged), "POST", NOW, lookup),
            Err(Refusal::Refused)
        );
        assert!(authority.challenges(NOW, true)[0].ends_with("stale=true"));
    }

    #[test]
    fn basic_only_when_allowed() {
        let header = basic_header(&credentials("secret"));
        assert_eq!(
            authority(false).verify(Some(&header), "POST", NOW, lookup),
            Err(Refusal::Scheme)
        );
        assert!(
            authority(true)
                .verify(Some(&header), "POST", NOW, lookup)
                .is_ok()
        );
        let wrong = basic_header(&credentials("guess"));
        assert_eq!(
            authority(true).verify(Some(&wrong), "POST", NOW, lookup),
            Err(Refusal::Refused)
        );
        assert!(matches!(
            authority(true).verify(Some("Basic !!!"), "POST", NOW, lookup),
            Err(Refusal::Malformed(_))
        ));
    }

    #[test]
    fn malformed_answers_are_named() {
        let authority = authority(false);
        for header in [
            "Digest username=\"cpe\"",
            "Digest realm=\"Osprey\", nonce=\"x\", uri=\"/\", response=\"y\"",
            "Digest username=\"cpe\", realm=\"Osprey\", nonce=\"x\", uri=\"/\", response=\"y\", qop=auth-int",
            "Digest username=\"unterminated",
        ] {
            assert!(
                matches!(
                    authority.verify(Some(header), "POST", NOW, lookup),
                    Err(Refusal::Malformed(_))
                ),
                "{header}"
            );
        }
    }
}
