//! The `auth-param` lists of `WWW-Authenticate` and `Authorization` (RFC 7235 §2.1):
//! `name=token` or `name="quoted string"`, comma separated, with backslash escapes.

/// Why a header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("a parameter has no name at byte {0}")]
    MissingName(usize),
    #[error("parameter `{0}` has no `=`")]
    MissingEquals(String),
    #[error("parameter `{0}` has an unterminated quoted value")]
    UnterminatedQuote(String),
    #[error("the header is longer than {0} bytes")]
    TooLong(usize),
}

/// Headers beyond this are refused rather than parsed: no real challenge comes close.
pub const MAX_HEADER_BYTES: usize = 4096;

/// `scheme param=value, ...` split into the scheme and its parameters (names lower-cased,
/// values unquoted). Several challenges in one header are split by [`split_challenges`].
pub fn parse_auth_params(input: &str) -> Result<Vec<(String, String)>, HeaderError> {
    if input.len() > MAX_HEADER_BYTES {
        return Err(HeaderError::TooLong(MAX_HEADER_BYTES));
    }
    let bytes = input.as_bytes();
    let mut params = Vec::new();
    let mut at = 0;
    loop {
        at = skip(bytes, at, |b| b == b' ' || b == b'\t' || b == b',');
        if at >= bytes.len() {
            return Ok(params);
        }
        let name_start = at;
        at = skip(bytes, at, is_token_byte);
        if at == name_start {
            return Err(HeaderError::MissingName(at));
        }
        let name = input[name_start..at].to_ascii_lowercase();
        at = skip(bytes, at, |b| b == b' ' || b == b'\t');
        if bytes.get(at) != Some(&b'=') {
            return Err(HeaderError::MissingEquals(name));
        }
        at = skip(bytes, at + 1, |b| b == b' ' || b == b'\t');
        let value = if bytes.get(at) == Some(&b'"') {
            let (value, next) = read_quoted(input, at + 1)
                .ok_or_else(|| HeaderError::UnterminatedQuote(name.clone()))?;
            at = next;
            value
        } else {
            let start = at;
            at = skip(bytes, at, |b| b != b',' && b != b' ' && b != b'\t');
            input[start..at].to_owned()
        };
        params.push((name, value));
    }
}

/// A `WWW-Authenticate` value may hold several challenges (`Digest ..., Basic realm=..`):
/// each starts with a scheme token not followed by `=`.
pub fn split_challenges(input: &str) -> Vec<(String, &str)> {
    let bytes = input.as_bytes();
    let mut starts = Vec::new();
    let mut at = 0;
    let mut in_quotes = false;
    let mut token_start: Option<usize> = None;
    while at <= bytes.len() {
        let byte = bytes.get(at).copied();
        if in_quotes {
            match byte {
                Some(b'\\') => at += 1,
                Some(b'"') => in_quotes = false,
                _ => {}
            }
        } else if byte.is_some_and(is_token_byte) {
            token_start.get_or_insert(at);
        } else {
            if let Some(start) = token_start.take() {
                let after = skip(bytes, at, |b| b == b' ' || b == b'\t');
                let preceded_by_separator = input[..start]
                    .trim_end_matches([' ', '\t'])
                    .is_empty_or_ends_with_comma();
                // A token followed by `=` is a parameter name, not a scheme.
                if bytes.get(after) != Some(&b'=') && preceded_by_separator {
                    starts.push((start, at));
                }
            }
            if byte == Some(b'"') {
                in_quotes = true;
            }
        }
        at += 1;
    }
    starts
        .iter()
        .enumerate()
        .map(|(i, &(start, end))| {
            let rest_end = starts.get(i + 1).map_or(input.len(), |next| next.0);
            let params = input[end..rest_end].trim().trim_end_matches(',').trim();
            (input[start..end].to_ascii_lowercase(), params)
        })
        .collect()
}

trait EmptyOrComma {
    fn is_empty_or_ends_with_comma(&self) -> bool;
}

impl EmptyOrComma for str {
    fn is_empty_or_ends_with_comma(&self) -> bool {
        self.is_empty() || self.ends_with(',')
    }
}

fn skip(bytes: &[u8], mut at: usize, keep_going: impl Fn(u8) -> bool) -> usize {
    while at < bytes.len() && keep_going(bytes[at]) {
        at += 1;
    }
    at
}

/// RFC 7230 `tchar`.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// The unescaped content of a quoted string starting after its opening quote, and the index
/// after its closing quote.
fn read_quoted(input: &str, start: usize) -> Option<(String, usize)> {
    let mut value = String::new();
    let mut chars = input[start..].char_indices();
    while let Some((offset, c)) = chars.next() {
        match c {
            '"' => return Some((value, start + offset + 1)),
            '\\' => value.push(chars.next()?.1),
            c => value.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(input: &str) -> Vec<(String, String)> {
        parse_auth_params(input).unwrap()
    }

    #[test]
    fn reads_tokens_and_quoted_strings() {
        assert_eq!(
            params(r#"realm="a, \"b\"", qop=auth ,nonce="n""#),
            vec![
                ("realm".into(), r#"a, "b""#.into()),
                ("qop".into(), "auth".into()),
                ("nonce".into(), "n".into()),
            ]
        );
        assert_eq!(params(""), vec![]);
        assert_eq!(
            params("Algorithm = MD5"),
            vec![("algorithm".into(), "MD5".into())]
        );
    }

    #[test]
    fn refuses_broken_lists() {
        assert_eq!(
            parse_auth_params(r#"realm="open"#),
            Err(HeaderError::UnterminatedQuote("realm".into()))
        );
        assert_eq!(
            parse_auth_params("realm"),
            Err(HeaderError::MissingEquals("realm".into()))
        );
        assert_eq!(parse_auth_params("=x"), Err(HeaderError::MissingName(0)));
        assert!(matches!(
            parse_auth_params(&"a=b,".repeat(2000)),
            Err(HeaderError::TooLong(_))
        ));
    }

    #[test]
    fn splits_several_challenges() {
        let split = split_challenges(
            r#"Digest realm="x, Basic y", nonce="n", algorithm=SHA-256, Basic realm="z""#,
        );
        assert_eq!(
            split,
            vec![
                (
                    "digest".to_owned(),
                    r#"realm="x, Basic y", nonce="n", algorithm=SHA-256"#
                ),
                ("basic".to_owned(), r#"realm="z""#),
            ]
        );
        assert_eq!(split_challenges("Basic"), vec![("basic".to_owned(), "")]);
    }
}
