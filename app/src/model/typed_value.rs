//! Whether a text is a valid value of a TR-069 parameter type (TR-069 A.2.3, the XML
//! Schema lexical forms). Shared: the browser checks an inline edit before sending it, and
//! the server checks every `set` again with the same rules.

/// Longest value a `set` may carry.
pub const MAX_VALUE_LEN: usize = 65_535;

/// The type's local name without prefix, lower-case (`xsd:unsignedInt` → `unsignedint`).
fn local_name(type_name: &str) -> String {
    type_name
        .trim()
        .rsplit(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Checks `value` against the type named `type_name` (`xsd:boolean`, `unsignedInt`, ...).
/// Unknown (vendor) types are checked as strings. The error says what was expected, in
/// words a person reads.
pub fn check_typed_value(type_name: &str, value: &str) -> Result<(), String> {
    let text = value.trim();
    let local = local_name(type_name);
    let (ok, expected) = match local.as_str() {
        "int" | "integer" => (text.parse::<i32>().is_ok(), "a whole number"),
        "unsignedint" => (
            text.parse::<u32>().is_ok(),
            "a whole number from 0 to 4294967295",
        ),
        "long" => (text.parse::<i64>().is_ok(), "a whole number"),
        "unsignedlong" => (text.parse::<u64>().is_ok(), "a whole number from 0 up"),
        "boolean" | "bool" => (
            matches!(text, "true" | "false" | "1" | "0"),
            "true or false (or 1 or 0)",
        ),
        "datetime" => (
            is_date_time(text),
            "a date and time like 2026-11-24T10:00:00Z",
        ),
        "base64" | "base64binary" => (
            text.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')),
            "base64 text (letters, digits, + / =)",
        ),
        "hexbinary" => (
            value.len().is_multiple_of(2) && value.bytes().all(|b| b.is_ascii_hexdigit()),
            "hexadecimal digits in pairs",
        ),
        _ => (
            value.chars().count() <= MAX_VALUE_LEN,
            "text of at most 65535 characters",
        ),
    };
    if ok {
        Ok(())
    } else {
        let shown = type_name.trim().rsplit(':').next().unwrap_or_default();
        Err(format!(
            "'{}' is not a valid xsd:{shown}: {expected}",
            shorten(value)
        ))
    }
}

/// `YYYY-MM-DDTHH:MM:SS`, optional fraction, optional `Z` or `±HH:MM` (xsd:dateTime).
fn is_date_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 19 {
        return false;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let shape = bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
        && bytes[13] == b':'
        && bytes[16] == b':';
    let fields = (
        number(0..4),
        number(5..7),
        number(8..10),
        number(11..13),
        number(14..16),
        number(17..19),
    );
    let (Some(_year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = fields
    else {
        return false;
    };
    if !shape
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &fraction[digits..];
    }
    match rest.as_bytes() {
        [] | [b'Z'] => true,
        [sign, h1, h2, b':', m1, m2]
            if matches!(sign, b'+' | b'-')
                && [h1, h2, m1, m2].iter().all(|b| b.is_ascii_digit()) =>
        {
            true
        }
        _ => false,
    }
}

fn shorten(text: &str) -> String {
    const SHOWN: usize = 80;
    if text.chars().count() <= SHOWN {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(SHOWN).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_by_their_type() {
        let cases = [
            ("xsd:int", "-5", "five"),
            ("xsd:unsignedInt", "3600", "-1"),
            ("xsd:long", "-9000000000", "1.5"),
            ("xsd:unsignedLong", "18446744073709551615", "-2"),
            ("xsd:boolean", "true", "yes"),
            ("boolean", "0", "2"),
            ("xsd:dateTime", "2026-11-24T10:00:00Z", "yesterday"),
            (
                "xsd:dateTime",
                "2026-11-24T10:00:00.25+01:00",
                "2026-13-24T10:00:00Z",
            ),
            ("xsd:dateTime", "0001-01-01T00:00:00", "2026-11-24 10:00:00"),
            ("xsd:base64", "aGVsbG8=", "not base64!"),
            ("xsd:hexBinary", "00ff", "0ff"),
        ];
        for (kind, good, bad) in cases {
            assert!(check_typed_value(kind, good).is_ok(), "{kind} {good}");
            assert!(check_typed_value(kind, bad).is_err(), "{kind} {bad}");
        }
        assert!(check_typed_value("xsd:string", "anything at all").is_ok());
        assert!(check_typed_value("X_VENDOR_Type", "kept as text").is_ok());
        assert_eq!(
            check_typed_value("xsd:unsignedInt", "-1"),
            Err(
                "'-1' is not a valid xsd:unsignedInt: a whole number from 0 to 4294967295"
                    .to_owned()
            )
        );
    }
}
