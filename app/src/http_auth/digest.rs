//! Answering a server's challenge (the ACS as the client of a device's Connection Request
//! endpoint). The server side, challenging devices, lives in `verify`.

use md5::Md5;
use sha2::{Digest, Sha256};

use super::header::{parse_auth_params, split_challenges};

/// A username and password, never logged: `Debug` shows the username only.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<hidden>")
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    Md5,
    Md5Sess,
    Sha256,
    Sha256Sess,
}

impl DigestAlgorithm {
    /// The `algorithm` parameter; absent means MD5 (RFC 7616 §3.3).
    pub fn parse(value: Option<&str>) -> Option<DigestAlgorithm> {
        match value.map(str::to_ascii_uppercase).as_deref() {
            None | Some("MD5") => Some(DigestAlgorithm::Md5),
            Some("MD5-SESS") => Some(DigestAlgorithm::Md5Sess),
            Some("SHA-256") => Some(DigestAlgorithm::Sha256),
            Some("SHA-256-SESS") => Some(DigestAlgorithm::Sha256Sess),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DigestAlgorithm::Md5 => "MD5",
            DigestAlgorithm::Md5Sess => "MD5-sess",
            DigestAlgorithm::Sha256 => "SHA-256",
            DigestAlgorithm::Sha256Sess => "SHA-256-sess",
        }
    }

    fn is_session(self) -> bool {
        matches!(self, DigestAlgorithm::Md5Sess | DigestAlgorithm::Sha256Sess)
    }

    /// Preference when a server offers several: SHA-256 first.
    fn strength(self) -> u8 {
        match self {
            DigestAlgorithm::Sha256 | DigestAlgorithm::Sha256Sess => 2,
            DigestAlgorithm::Md5 | DigestAlgorithm::Md5Sess => 1,
        }
    }

    /// Lower-case hex of the hash of `data`.
    pub fn hash(self, data: &str) -> String {
        match self {
            DigestAlgorithm::Md5 | DigestAlgorithm::Md5Sess => {
                to_hex(&<Md5 as md5::Digest>::digest(data.as_bytes()))
            }
            DigestAlgorithm::Sha256 | DigestAlgorithm::Sha256Sess => {
                to_hex(&Sha256::digest(data.as_bytes()))
            }
        }
    }
}

/// A Digest challenge from `WWW-Authenticate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestChallenge {
    pub realm: String,
    pub nonce: String,
    pub opaque: Option<String>,
    pub algorithm: DigestAlgorithm,
    /// The server offered qop=auth; `false` means the RFC 2069 form.
    pub qop_auth: bool,
    /// The nonce expired but the credentials were right: answer again, do not give up.
    pub stale: bool,
    /// The server asked for UTF-8 usernames (RFC 7616 §4).
    pub userhash: bool,
}

/// One challenge a server made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Digest(DigestChallenge),
    Basic { realm: String },
}

/// The challenge to answer among those in the `WWW-Authenticate` headers: Digest with the
/// strongest algorithm we know, else Basic. `None` when nothing offered is usable (an
/// unknown scheme, qop=auth-int only, a Digest without nonce).
pub fn choose_challenge<'a>(headers: impl IntoIterator<Item = &'a str>) -> Option<Challenge> {
    let mut best: Option<Challenge> = None;
    for header in headers {
        for (scheme, params) in split_challenges(header) {
            let Ok(params) = parse_auth_params(params) else {
                continue;
            };
            let get = |name: &str| {
                params
                    .iter()
                    .find(|(key, _)| key == name)
                    .map(|(_, value)| value.as_str())
            };
            let candidate = match scheme.as_str() {
                "digest" => digest_challenge(&get),
                "basic" => Some(Challenge::Basic {
                    realm: get("realm").unwrap_or_default().to_owned(),
                }),
                _ => None,
            };
            if let Some(candidate) = candidate
                && rank(&candidate) > best.as_ref().map_or(0, rank)
            {
                best = Some(candidate);
            }
        }
    }
    best
}

fn digest_challenge<'a>(get: &impl Fn(&str) -> Option<&'a str>) -> Option<Challenge> {
    let algorithm = DigestAlgorithm::parse(get("algorithm"))?;
    let qop = get("qop");
    let qop_auth = qop.is_some_and(|qop| qop.split(',').any(|q| q.trim() == "auth"));
    if qop.is_some() && !qop_auth {
        // auth-int only: we would have to hash bodies we do not send. Not usable.
        return None;
    }
    Some(Challenge::Digest(DigestChallenge {
        realm: get("realm").unwrap_or_default().to_owned(),
        nonce: get("nonce").filter(|nonce| !nonce.is_empty())?.to_owned(),
        opaque: get("opaque").map(str::to_owned),
        algorithm,
        qop_auth,
        stale: get("stale").is_some_and(|stale| stale.eq_ignore_ascii_case("true")),
        userhash: get("userhash").is_some_and(|v| v.eq_ignore_ascii_case("true")),
    }))
}

fn rank(challenge: &Challenge) -> u8 {
    match challenge {
        Challenge::Digest(digest) => 1 + digest.algorithm.strength(),
        Challenge::Basic { .. } => 1,
    }
}

/// What the client chose for one answer: the request it answers and its own nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestAnswer<'a> {
    pub method: &'a str,
    pub uri: &'a str,
    /// Hex or base64, the client's choice; random per answer.
    pub cnonce: &'a str,
    /// How many times this nonce was used, starting at 1.
    pub nonce_count: u32,
}

/// The `Authorization` header value answering `challenge`.
pub fn answer_challenge(
    challenge: &DigestChallenge,
    credentials: &Credentials,
    answer: &DigestAnswer<'_>,
) -> String {
    let algorithm = challenge.algorithm;
    let nc = format!("{:08x}", answer.nonce_count);
    let response = digest_response(
        algorithm,
        &DigestInput {
            username: &credentials.username,
            realm: &challenge.realm,
            password: &credentials.password,
            nonce: &challenge.nonce,
            cnonce: answer.cnonce,
            nc: &nc,
            qop_auth: challenge.qop_auth,
            method: answer.method,
            uri: answer.uri,
        },
    );
    let username = if challenge.userhash {
        algorithm.hash(&format!("{}:{}", credentials.username, challenge.realm))
    } else {
        credentials.username.clone()
    };
    let mut header = format!(
        "Digest username={}, realm={}, nonce={}, uri={}, algorithm={}, response=\"{response}\"",
        quote(&username),
        quote(&challenge.realm),
        quote(&challenge.nonce),
        quote(answer.uri),
        algorithm.as_str(),
    );
    if challenge.qop_auth {
        header.push_str(&format!(
            ", qop=auth, nc={nc}, cnonce={}",
            quote(answer.cnonce)
        ));
    }
    if let Some(opaque) = &challenge.opaque {
        header.push_str(&format!(", opaque={}", quote(opaque)));
    }
    if challenge.userhash {
        header.push_str(", userhash=true");
    }
    header
}

/// Everything the response hash covers.
#[derive(Debug, Clone, Copy)]
pub(super) struct DigestInput<'a> {
    pub username: &'a str,
    pub realm: &'a str,
    pub password: &'a str,
    pub nonce: &'a str,
    pub cnonce: &'a str,
    pub nc: &'a str,
    pub qop_auth: bool,
    pub method: &'a str,
    pub uri: &'a str,
}

/// The `response` value (RFC 7616 §3.4.1; RFC 2069 when there is no qop).
pub(super) fn digest_response(algorithm: DigestAlgorithm, input: &DigestInput<'_>) -> String {
    let ha1 = base_ha1(algorithm, input.username, input.realm, input.password);
    response_from_ha1(algorithm, &ha1, input)
}

/// H(username:realm:password): what a server may store instead of the password.
pub fn base_ha1(algorithm: DigestAlgorithm, username: &str, realm: &str, password: &str) -> String {
    algorithm.hash(&format!("{username}:{realm}:{password}"))
}

/// The `response` from the stored H(username:realm:password); `input.password` is unused.
pub(super) fn response_from_ha1(
    algorithm: DigestAlgorithm,
    base_ha1: &str,
    input: &DigestInput<'_>,
) -> String {
    let ha1 = if algorithm.is_session() {
        algorithm.hash(&format!("{base_ha1}:{}:{}", input.nonce, input.cnonce))
    } else {
        base_ha1.to_owned()
    };
    let ha2 = algorithm.hash(&format!("{}:{}", input.method, input.uri));
    if input.qop_auth {
        algorithm.hash(&format!(
            "{ha1}:{}:{}:{}:auth:{ha2}",
            input.nonce, input.nc, input.cnonce
        ))
    } else {
        algorithm.hash(&format!("{ha1}:{}:{ha2}", input.nonce))
    }
}

/// `Authorization: Basic ...` for `credentials`.
pub fn basic_header(credentials: &Credentials) -> String {
    format!(
        "Basic {}",
        base64_encode(format!("{}:{}", credentials.username, credentials.password).as_bytes())
    )
}

fn quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

pub(super) use crate::hex::to_hex;

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (RFC 4648 §4), for Basic credentials.
pub(super) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(BASE64[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard base64 (padding optional); `None` on any other byte.
pub(super) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in text.bytes() {
        let value = BASE64.iter().position(|&b| b == byte)? as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mufasa(password: &str) -> Credentials {
        Credentials {
            username: "Mufasa".into(),
            password: password.into(),
        }
    }

    /// RFC 7616 §3.9.1: the same request answered with MD5 and with SHA-256.
    #[test]
    fn rfc_7616_examples() {
        let input = DigestInput {
            username: "Mufasa",
            realm: "http-auth@example.org",
            password: "Circle of Life",
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            nc: "00000001",
            qop_auth: true,
            method: "GET",
            uri: "/dir/index.html",
        };
        assert_eq!(
            digest_response(DigestAlgorithm::Md5, &input),
            "8ca523f5e9506fed4657c9700eebdbec"
        );
        assert_eq!(
            digest_response(DigestAlgorithm::Sha256, &input),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    /// RFC 2617 §3.5, the example most devices were tested against.
    #[test]
    fn rfc_2617_example() {
        let challenge = DigestChallenge {
            realm: "testrealm@host.com".into(),
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093".into(),
            opaque: Some("5ccc069c403ebaf9f0171e9517f40e41".into()),
            algorithm: DigestAlgorithm::Md5,
            qop_auth: true,
            stale: false,
            userhash: false,
        };
        let header = answer_challenge(
            &challenge,
            &mufasa("Circle Of Life"),
            &DigestAnswer {
                method: "GET",
                uri: "/dir/index.html",
                cnonce: "0a4f113b",
                nonce_count: 1,
            },
        );
        assert_eq!(
            header,
            "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", \
             nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", \
             algorithm=MD5, response=\"6629fae49393a05397450978507c4ef1\", qop=auth, \
             nc=00000001, cnonce=\"0a4f113b\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""
        );
    }

    #[test]
    fn chooses_the_strongest_usable_challenge() {
        let chosen = choose_challenge([
            r#"Basic realm="cpe""#,
            r#"Digest realm="cpe", nonce="a", qop="auth,auth-int", algorithm=MD5"#,
            r#"Digest realm="cpe", nonce="b", qop="auth", algorithm=SHA-256, stale=TRUE"#,
        ]);
        let Some(Challenge::Digest(digest)) = chosen else {
            panic!("a digest challenge: {chosen:?}");
        };
        assert_eq!(
            (digest.nonce.as_str(), digest.algorithm, digest.stale),
            ("b", DigestAlgorithm::Sha256, true)
        );
        // Unknown algorithms, auth-int only and missing nonces are passed over.
        assert_eq!(
            choose_challenge([
                r#"Digest realm="x", nonce="n", algorithm=SHA-512-256"#,
                r#"Digest realm="x", nonce="n", qop="auth-int""#,
                r#"Digest realm="x""#,
                r#"Negotiate abc"#,
            ]),
            None
        );
        assert_eq!(
            choose_challenge([r#"Basic realm="cpe""#]),
            Some(Challenge::Basic {
                realm: "cpe".into()
            })
        );
    }

    #[test]
    fn rfc_2069_form_without_qop() {
        let challenge = DigestChallenge {
            realm: "r".into(),
            nonce: "n".into(),
            opaque: None,
            algorithm: DigestAlgorithm::Md5,
            qop_auth: false,
            stale: false,
            userhash: false,
        };
        let header = answer_challenge(
            &challenge,
            &mufasa("p"),
            &DigestAnswer {
                method: "GET",
                uri: "/",
                cnonce: "c",
                nonce_count: 1,
            },
        );
        let ha1 = DigestAlgorithm::Md5.hash("Mufasa:r:p");
        let ha2 = DigestAlgorithm::Md5.hash("GET:/");
        let expected = DigestAlgorithm::Md5.hash(&format!("{ha1}:n:{ha2}"));
        assert!(
            header.contains(&format!("response=\"{expected}\"")),
            "{header}"
        );
        assert!(!header.contains("qop"), "{header}");
    }

    #[test]
    fn basic_and_base64() {
        // RFC 7617 §2.
        assert_eq!(
            basic_header(&Credentials {
                username: "Aladdin".into(),
                password: "open sesame".into()
            }),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        for text in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            let encoded = base64_encode(text.as_bytes());
            assert_eq!(base64_decode(&encoded).as_deref(), Some(text.as_bytes()));
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_decode("a*b"), None);
    }

    #[test]
    fn credentials_never_show_the_password() {
        let shown = format!("{:?}", mufasa("Circle of Life"));
        assert!(!shown.contains("Circle"), "{shown}");
    }
}
