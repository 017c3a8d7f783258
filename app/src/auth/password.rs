//! Password hashing (Argon2id) and the rules a new password must meet.

use std::sync::OnceLock;

use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// Hashes with Argon2id and the crate's recommended parameters (19 MiB, 2 passes). Slow on
/// purpose: call it from a blocking task.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// `hash_password` on a blocking thread, so the async workers keep serving requests.
pub async fn hash_password_off_thread(password: String) -> Result<String, PasswordError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| PasswordError::Hash(e.to_string()))?
}

/// Checks `password` against a stored hash. With no hash (an unknown user), a dummy hash is
/// checked instead so that both cases take the same time and reveal nothing.
pub fn verify_password(password: &str, stored_hash: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy =
        DUMMY.get_or_init(|| hash_password("no such user, no such password").unwrap_or_default());
    let known = stored_hash.is_some();
    let Ok(parsed) = PasswordHash::new(stored_hash.unwrap_or(dummy)) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    known && matches
}

/// Why a chosen password is refused, in words for the person choosing it.
pub fn validate_new_password(password: &str, username: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "Use at least {MIN_PASSWORD_CHARS} characters (this one has {chars})."
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!("Use at most {MAX_PASSWORD_CHARS} characters."));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err("The password must not be the username.".to_owned());
    }
    Ok(())
}

/// A random password for a new user or a reset: 16 characters with no look-alikes
/// (no 0/O, 1/l/I), about 90 bits of entropy.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 16];
    // The OS random source failing is not something a server can carry on through.
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", Some(&hash)));
        assert!(!verify_password("wrong horse battery", Some(&hash)));
        assert!(!verify_password("correct horse battery", None));
        assert!(!verify_password("anything", Some("not a hash")));
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        assert!(
            validate_new_password("short", "bob")
                .unwrap_err()
                .contains("at least 10")
        );
        assert!(validate_new_password("bob-the-builder", "bob-the-builder").is_err());
        assert!(validate_new_password(&"x".repeat(201), "bob").is_err());
        assert!(validate_new_password("a long enough one", "bob").is_ok());
    }

    #[test]
    fn generated_passwords_are_long_random_and_acceptable() {
        let a = generate_password();
        let b = generate_password();
        assert_eq!(a.len(), 16);
        assert_ne!(a, b);
        assert!(validate_new_password(&a, "admin").is_ok());
        assert!(!a.contains(['0', 'O', '1', 'l', 'I']));
    }
}
