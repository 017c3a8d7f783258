//! Claim codes: what a customer types, with the device's serial number, to link a device to
//! their own account. Twelve characters from an alphabet without look-alikes, grouped in
//! fours (about 60 bits); typed in any case, with or without the dashes. Only a hash is kept.

use sha2::{Digest, Sha256};

/// No 0/O, 1/I/L: codes are read aloud on the phone and off printed slips.
const ALPHABET: &[u8; 31] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const LENGTH: usize = 12;

/// A fresh code, like `KX7M-2QPA-9RTE`.
pub fn new_claim_code() -> String {
    let mut code = String::with_capacity(LENGTH + 2);
    let mut drawn = 0;
    while drawn < LENGTH {
        let mut bytes = [0u8; LENGTH];
        getrandom::fill(&mut bytes).expect("the operating system's random source failed");
        // Bytes of 248 (8 × 31) or more are skipped, so every character is equally likely.
        for byte in bytes.into_iter().filter(|b| *b < 248) {
            if drawn == LENGTH {
                break;
            }
            if drawn > 0 && drawn % 4 == 0 {
                code.push('-');
            }
            code.push(char::from(ALPHABET[usize::from(byte % 31)]));
            drawn += 1;
        }
    }
    code
}

/// The hash stored for a code, from the code as typed.
pub fn claim_code_hash(typed: &str) -> String {
    let normalized: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let digest = Sha256::digest(normalized.as_bytes());
    crate::hex::to_hex(&digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_and_typed_loosely() {
        let code = new_claim_code();
        assert_eq!(code.len(), 14);
        assert_eq!(code.matches('-').count(), 2);
        assert!(!code.contains(['0', 'O', '1', 'I', 'L']));
        let loose = code.replace('-', " ").to_lowercase();
        assert_eq!(claim_code_hash(&loose), claim_code_hash(&code));
        assert_ne!(claim_code_hash(&new_claim_code()), claim_code_hash(&code));
    }
}
