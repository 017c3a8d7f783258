//! Usernames: case-insensitive (stored lowercased) so "Admin" and "admin" are one account.

/// The canonical form of a username, or why it cannot be one.
pub fn normalize_username(raw: &str) -> Result<String, String> {
    let name = raw.trim().to_lowercase();
    if name.is_empty() {
        return Err("Enter a username.".to_owned());
    }
    if name.chars().count() > 64 {
        return Err("Use at most 64 characters.".to_owned());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | '+')))
    {
        return Err(format!(
            "'{bad}' is not allowed: use letters, digits and . _ - @ + only."
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_trimmed_and_lowercased() {
        assert_eq!(
            normalize_username("  Alice.Smith@ISP.example "),
            Ok("alice.smith@isp.example".into())
        );
    }

    #[test]
    fn bad_usernames_are_refused_with_a_reason() {
        assert!(normalize_username("   ").is_err());
        assert!(
            normalize_username("bob smith")
                .unwrap_err()
                .contains("' ' is not allowed")
        );
        assert!(normalize_username(&"a".repeat(65)).is_err());
    }
}
