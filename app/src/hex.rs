//! Lower-case hexadecimal text of bytes (digests, random keys, nonces).
//!
//! One allocation for the whole text: `format!("{b:02x}")` per byte made one per byte, and
//! a session key and an Inform's digest are made on every CWMP session.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// `bytes` as two lower-case hex digits each.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::to_hex;

    #[test]
    fn every_byte_is_two_lower_case_digits() {
        assert_eq!(to_hex(&[]), "");
        assert_eq!(to_hex(&[0x00, 0x0f, 0xa0, 0xff, 0x5c]), "000fa0ff5c");
        let all: Vec<u8> = (0..=255).collect();
        let expected: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(to_hex(&all), expected);
    }
}
