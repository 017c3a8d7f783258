//! API token secrets: generated here, shown once, stored as a SHA-256 hash. A token is
//! `osp_` and 40 hex digits (160 random bits), so a fast hash is enough: there is nothing
//! to brute-force the way there is with a password.

use sha2::{Digest, Sha256};

use crate::hex::to_hex;

const TOKEN_PREFIX: &str = "osp_";
const SECRET_BYTES: usize = 20;
/// How much of a token the portal shows to tell tokens apart.
const SHOWN_CHARS: usize = 12;

/// A freshly generated token: the secret (shown once), its hash and its visible prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedApiToken {
    pub secret: String,
    pub secret_hash: String,
    pub prefix: String,
}

pub fn generate_api_token() -> GeneratedApiToken {
    let mut bytes = [0u8; SECRET_BYTES];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    let secret = format!("{TOKEN_PREFIX}{}", to_hex(&bytes));
    GeneratedApiToken {
        secret_hash: hash_api_token(&secret),
        prefix: secret[..SHOWN_CHARS].to_owned(),
        secret,
    }
}

/// The stored form of a secret.
pub fn hash_api_token(secret: &str) -> String {
    to_hex(&Sha256::digest(secret.as_bytes()))
}

/// Whether a bearer credential looks like one of ours (saves a lookup for junk).
pub fn looks_like_api_token(secret: &str) -> bool {
    secret.len() == TOKEN_PREFIX.len() + 2 * SECRET_BYTES
        && secret.starts_with(TOKEN_PREFIX)
        && secret[TOKEN_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_recognisable_and_hashed() {
        let first = generate_api_token();
        let second = generate_api_token();
        assert_ne!(first.secret, second.secret);
        assert!(looks_like_api_token(&first.secret));
        assert!(!looks_like_api_token("osp_short"));
        assert!(!looks_like_api_token(&first.secret.replace("osp_", "xyz_")));
        assert_eq!(first.secret_hash, hash_api_token(&first.secret));
        assert_eq!(first.secret_hash.len(), 64);
        assert!(first.secret.starts_with(&first.prefix));
    }
}
