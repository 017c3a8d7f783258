//! HTTP authentication both ways (pure, no I/O): the ACS answering a device's challenge when
//! it sends a Connection Request, and the ACS challenging devices that open sessions.
//! Basic (RFC 7617) and Digest (RFC 7616: MD5 and SHA-256, `-sess` variants, qop=auth, and
//! the RFC 2069 form without qop that old devices still send).

mod digest;
mod header;
mod verify;

pub use digest::{
    Challenge, Credentials, DigestAlgorithm, DigestAnswer, DigestChallenge, answer_challenge,
    basic_header, choose_challenge,
};
pub use header::{HeaderError, parse_auth_params};
pub use verify::{Authenticated, Authority, Refusal, StoredSecret, claimed_username};

/// The `WWW-Authenticate` values of a response, in order (a server may send several).
pub fn www_authenticate(headers: &http::HeaderMap) -> Vec<String> {
    headers
        .get_all(http::header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .map(str::to_owned)
        .collect()
}
