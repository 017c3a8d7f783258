//! HTTP Connection Requests (TR-069 §3.2.2): an HTTP GET to the URL the device reported,
//! answered with 200/204 once the device agrees to open a session. The device challenges
//! with Digest (Basic on some); we answer once, and once more when the nonce was stale.
//! Every step is bounded by the caller's timeout.

use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty, Limited};
use hyper::{Request, StatusCode, Uri, body::Bytes, header};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};

use crate::http_auth::{
    Challenge, Credentials, DigestAnswer, answer_challenge, basic_header, choose_challenge,
    www_authenticate,
};

/// Why a device could not be woken. Each says what an operator can do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WakeError {
    #[error("there is no such device")]
    UnknownDevice,
    #[error("the device has not reported a Connection Request URL yet")]
    NoUrl,
    #[error("the Connection Request URL `{url}` is not usable: {reason}")]
    BadUrl { url: String, reason: &'static str },
    #[error(
        "the device is behind NAT: it reports {url} but talks from {seen_from}; it can only \
         be reached through UDP Connection Requests (STUN), which it has not set up"
    )]
    BehindNat { url: String, seen_from: String },
    #[error("could not reach the device: {0}")]
    Unreachable(String),
    #[error("the device did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the device asks for credentials and none are configured for it")]
    NoCredentials,
    #[error("the device refused the Connection Request credentials")]
    AuthFailed,
    #[error("the device asks for an authentication Osprey does not speak: {0}")]
    UnsupportedChallenge(String),
    #[error("the device answered HTTP {0}")]
    Refused(u16),
    #[error("the device was woken but no session began within {0:?}")]
    NoSession(Duration),
    #[error("the database failed: {0}")]
    Store(String),
}

impl WakeError {
    /// A short stable code for APIs and logs.
    pub fn code(&self) -> &'static str {
        match self {
            WakeError::UnknownDevice => "unknown_device",
            WakeError::NoUrl => "no_url",
            WakeError::BadUrl { .. } => "bad_url",
            WakeError::BehindNat { .. } => "behind_nat",
            WakeError::Unreachable(_) => "unreachable",
            WakeError::Timeout(_) => "timeout",
            WakeError::NoCredentials => "no_credentials",
            WakeError::AuthFailed => "auth_failed",
            WakeError::UnsupportedChallenge(_) => "unsupported_challenge",
            WakeError::Refused(_) => "refused",
            WakeError::NoSession(_) => "no_session",
            WakeError::Store(_) => "store",
        }
    }
}

/// Bodies of Connection Request answers are read (so the connection can be reused) up to
/// this size; devices send nothing or a line of text.
const MAX_ANSWER_BYTES: usize = 16 * 1024;

/// Sends Connection Requests. One per process: it keeps connections to devices alive.
#[derive(Clone, Debug)]
pub struct ConnectionRequester {
    http: Client<HttpConnector, Empty<Bytes>>,
}

impl Default for ConnectionRequester {
    fn default() -> ConnectionRequester {
        ConnectionRequester::new()
    }
}

impl ConnectionRequester {
    pub fn new() -> ConnectionRequester {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        let http = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(2)
            .build(connector);
        ConnectionRequester { http }
    }

    /// Asks the device at `url` to open a session. Returns how long the device took to agree.
    pub async fn send(
        &self,
        url: &str,
        credentials: Option<&Credentials>,
        timeout: Duration,
    ) -> Result<Duration, WakeError> {
        let uri = parse_url(url)?;
        let started = Instant::now();
        tokio::time::timeout(timeout, self.exchange(&uri, credentials))
            .await
            .map_err(|_| WakeError::Timeout(timeout))??;
        Ok(started.elapsed())
    }

    async fn exchange(
        &self,
        uri: &Uri,
        credentials: Option<&Credentials>,
    ) -> Result<(), WakeError> {
        let mut answer = self.get(uri, None).await?;
        // The first answer to a challenge, and one more if the device says the nonce was stale.
        for attempt in 0..2 {
            if answer.status.is_success() {
                return Ok(());
            }
            if answer.status != StatusCode::UNAUTHORIZED {
                return Err(WakeError::Refused(answer.status.as_u16()));
            }
            let challenge = choose_challenge(answer.challenges.iter().map(String::as_str))
                .ok_or_else(|| WakeError::UnsupportedChallenge(answer.challenges.join(" | ")))?;
            if attempt == 1 && !matches!(&challenge, Challenge::Digest(d) if d.stale) {
                return Err(WakeError::AuthFailed);
            }
            let credentials = credentials.ok_or(WakeError::NoCredentials)?;
            let authorization = authorization_for(&challenge, credentials, uri);
            answer = self.get(uri, Some(&authorization)).await?;
        }
        if answer.status.is_success() {
            Ok(())
        } else if answer.status == StatusCode::UNAUTHORIZED {
            Err(WakeError::AuthFailed)
        } else {
            Err(WakeError::Refused(answer.status.as_u16()))
        }
    }

    async fn get(&self, uri: &Uri, authorization: Option<&str>) -> Result<Answer, WakeError> {
        let mut request = Request::get(uri.clone()).header(header::USER_AGENT, "Osprey ACS");
        if let Some(authorization) = authorization {
            request = request.header(header::AUTHORIZATION, authorization);
        }
        let request = request
            .body(Empty::new())
            .map_err(|e| WakeError::Unreachable(e.to_string()))?;
        let response = self
            .http
            .request(request)
            .await
            .map_err(|e| WakeError::Unreachable(describe_client_error(&e)))?;
        let status = response.status();
        let challenges = www_authenticate(response.headers());
        // Read what little there is, so the connection can carry the authenticated retry.
        let _ = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await;
        Ok(Answer { status, challenges })
    }
}

struct Answer {
    status: StatusCode,
    challenges: Vec<String>,
}

fn authorization_for(challenge: &Challenge, credentials: &Credentials, uri: &Uri) -> String {
    match challenge {
        Challenge::Digest(digest) => answer_challenge(
            digest,
            credentials,
            &DigestAnswer {
                method: "GET",
                uri: uri.path_and_query().map_or("/", |pq| pq.as_str()),
                cnonce: &random_cnonce(),
                nonce_count: 1,
            },
        ),
        Challenge::Basic { .. } => basic_header(credentials),
    }
}

fn random_cnonce() -> String {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    crate::hex::to_hex(&bytes)
}

/// The URL as a request target: absolute http:// with a host.
pub fn parse_url(url: &str) -> Result<Uri, WakeError> {
    let bad = |reason| WakeError::BadUrl {
        url: url.to_owned(),
        reason,
    };
    let uri: Uri = url.trim().parse().map_err(|_| bad("it is not a URL"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => return Err(bad("https Connection Requests are not supported yet")),
        _ => return Err(bad("it must start with http://")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("it names no host"));
    }
    Ok(uri)
}

/// The device talks to us from a public address but reports a private one for Connection
/// Requests: a NAT stands between, and a TCP request would only time out.
pub fn behind_nat(uri: &Uri, seen_from: Option<&str>) -> Option<WakeError> {
    let reported: std::net::IpAddr = uri.host()?.trim_matches(['[', ']']).parse().ok()?;
    let seen: std::net::IpAddr = seen_from?.parse().ok()?;
    (is_private(reported) && !is_private(seen)).then(|| WakeError::BehindNat {
        url: uri.to_string(),
        seen_from: seen.to_string(),
    })
}

fn is_private(address: std::net::IpAddr) -> bool {
    match address {
        std::net::IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xC0) == 64
        }
        std::net::IpAddr::V6(v6) => {
            v6.is_loopback()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

fn describe_client_error(error: &hyper_util::client::legacy::Error) -> String {
    use std::error::Error;
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_plain_http_with_a_host() {
        assert!(parse_url("http://10.0.0.1:7547/cr").is_ok());
        for url in ["", "ftp://x/", "https://x/", "/relative", "http:///path"] {
            assert!(
                matches!(parse_url(url), Err(WakeError::BadUrl { .. })),
                "{url}"
            );
        }
    }

    #[test]
    fn tells_a_device_behind_nat() {
        let uri = parse_url("http://192.168.1.1:7547/").unwrap();
        assert!(matches!(
            behind_nat(&uri, Some("203.0.113.9")),
            Some(WakeError::BehindNat { .. })
        ));
        // Carrier-grade NAT space counts as private too.
        let cgnat = parse_url("http://100.64.3.2:7547/").unwrap();
        assert!(behind_nat(&cgnat, Some("198.51.100.1")).is_some());
        // Same private network (a lab, a management VLAN): reachable.
        assert_eq!(behind_nat(&uri, Some("192.168.1.1")), None);
        assert_eq!(behind_nat(&uri, None), None);
        let public = parse_url("http://198.51.100.7:7547/").unwrap();
        assert_eq!(behind_nat(&public, Some("198.51.100.7")), None);
        // Host names are not judged.
        let named = parse_url("http://cpe.example/").unwrap();
        assert_eq!(behind_nat(&named, Some("198.51.100.7")), None);
    }
}
