//! Percent-encoding for URL query values (RFC 3986 unreserved characters pass through),
//! shared by the portal's links (both targets) and the UDP Connection Request (server).

/// Encodes `value` for a query string; with `space_as_plus`, the form encoding of spaces.
pub fn percent_encode(value: &str, space_as_plus: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' if space_as_plus => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::percent_encode;

    #[test]
    fn unreserved_pass_and_the_rest_is_escaped() {
        assert_eq!(
            percent_encode("tag = vip & x", false),
            "tag%20%3D%20vip%20%26%20x"
        );
        assert_eq!(percent_encode("a b", true), "a+b");
        assert_eq!(percent_encode("-last_inform~.", false), "-last_inform~.");
        assert_eq!(percent_encode("é", false), "%C3%A9");
    }
}
