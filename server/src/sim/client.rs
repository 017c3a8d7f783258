//! Runs simulated devices' sessions against an ACS over real HTTP/1.1 (keep-alive, the
//! session cookie), with optional fault injection: answer a share of requests with a fault,
//! or drop a share of sessions midway.

use app::{
    cwmp::{CwmpFault, CwmpVersion, FaultCode, Header, Message, decode, encode, types::Event},
    http_auth::{
        Challenge, Credentials, DigestAnswer, answer_challenge, basic_header, choose_challenge,
        www_authenticate,
    },
};
use http_body_util::{BodyExt, Full};
use hyper::{Request, StatusCode, body::Bytes, header};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};

use super::{device::SimDevice, model::DataModel};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    #[error("{0} is not an http:// URL")]
    Url(String),
    #[error("HTTP failed: {0}")]
    Http(String),
    #[error("the ACS answered {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the ACS sent something unreadable: {0}")]
    Decode(String),
    #[error("the ACS broke the protocol: {0}")]
    Protocol(String),
    #[error("the session was dropped on purpose (fault injection)")]
    Dropped,
}

/// Fault injection, in percent of requests / sessions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Chaos {
    pub fault_percent: u8,
    pub drop_percent: u8,
}

/// What one session did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionReport {
    /// Requests from the ACS that were answered (including with injected faults).
    pub requests_answered: u32,
}

/// A small deterministic generator for fault injection (no global randomness in tests).
#[derive(Debug, Clone)]
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Dice {
        Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// True with `percent` % probability.
    pub fn roll(&mut self, percent: u8) -> bool {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 100) < u64::from(percent)
    }
}

#[derive(Clone)]
pub struct SimClient {
    http: Client<HttpConnector, Full<Bytes>>,
    url: hyper::Uri,
}

impl SimClient {
    pub fn new(url: &str) -> Result<SimClient, SimError> {
        let uri: hyper::Uri = url.parse().map_err(|_| SimError::Url(url.to_owned()))?;
        if uri.scheme_str() != Some("http") {
            return Err(SimError::Url(url.to_owned()));
        }
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let http = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(1024)
            .build(connector);
        Ok(SimClient { http, url: uri })
    }

    /// Runs one session for `device`, from Inform to the ACS's empty answer.
    pub async fn run_session(
        &self,
        device: &mut SimDevice,
        chaos: Chaos,
        dice: &mut Dice,
    ) -> Result<SessionReport, SimError> {
        let version = match device.model {
            DataModel::Tr098 => CwmpVersion::V1_0,
            DataModel::Tr181 => CwmpVersion::V1_2,
        };
        let inform = device.inform(chrono::Utc::now(), 0);
        let events: Vec<Event> = match &inform {
            Message::Inform(inform) => inform.events.clone(),
            _ => Vec::new(),
        };
        let outcome = self.converse(device, version, inform, chaos, dice).await;
        match &outcome {
            Ok(_) => device.session_succeeded(),
            Err(_) => device.session_failed(events),
        }
        // Accepted uploads go out after the session, as a CPE does (HTTP PUT).
        for (url, file_type) in std::mem::take(&mut device.pending_uploads) {
            self.put_file(&url, device.upload_content(&file_type))
                .await?;
        }
        outcome
    }

    async fn put_file(&self, url: &str, content: String) -> Result<(), SimError> {
        let request = Request::put(url)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Full::new(Bytes::from(content)))
            .map_err(|e| SimError::Http(e.to_string()))?;
        let response = self
            .http
            .request(request)
            .await
            .map_err(|e| SimError::Http(e.to_string()))?;
        if !response.status().is_success() {
            return Err(SimError::Status {
                status: response.status().as_u16(),
                body: format!("upload to {url} refused"),
            });
        }
        Ok(())
    }

    async fn converse(
        &self,
        device: &mut SimDevice,
        version: CwmpVersion,
        inform: Message,
        chaos: Chaos,
        dice: &mut Dice,
    ) -> Result<SessionReport, SimError> {
        let mut report = SessionReport::default();
        let header = Header {
            id: Some("1".to_owned()),
            ..Header::default()
        };
        let envelope = encode(version, &header, Some(&inform));
        let (mut status, mut body, mut cookie, challenges) =
            self.post(None, None, envelope.clone()).await?;
        if status == StatusCode::UNAUTHORIZED {
            // The ACS asks who we are: answer with ManagementServer.Username / Password.
            let authorization = answer_acs_challenge(device, &self.url, &challenges)?;
            (status, body, cookie, _) = self.post(None, Some(&authorization), envelope).await?;
        }
        let cookie = cookie.take();
        loop {
            if status == StatusCode::NO_CONTENT {
                return Ok(report);
            }
            if status != StatusCode::OK {
                return Err(SimError::Status {
                    status: status.as_u16(),
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
            }
            let decoded = decode(&body).map_err(|e| SimError::Decode(e.to_string()))?;
            let reply = match decoded.message {
                Some(Message::InformResponse { .. }) => String::new(),
                Some(Message::Fault(fault)) => {
                    return Err(SimError::Protocol(format!(
                        "the ACS sent fault {}",
                        fault.code
                    )));
                }
                Some(request) => {
                    if dice.roll(chaos.drop_percent) {
                        return Err(SimError::Dropped);
                    }
                    report.requests_answered += 1;
                    let answer = if dice.roll(chaos.fault_percent) {
                        Message::Fault(CwmpFault::new(FaultCode::INTERNAL_ERROR))
                    } else {
                        device.answer(&request)
                    };
                    let header = Header {
                        id: decoded.header.id.clone(),
                        ..Header::default()
                    };
                    encode(version, &header, Some(&answer))
                }
                None => return Err(SimError::Protocol("an empty envelope".to_owned())),
            };
            let (next_status, next_body, _, _) = self.post(cookie.as_deref(), None, reply).await?;
            status = next_status;
            body = next_body;
        }
    }

    async fn post(
        &self,
        cookie: Option<&str>,
        authorization: Option<&str>,
        body: String,
    ) -> Result<Posted, SimError> {
        let mut request = Request::post(self.url.clone())
            .header(header::CONTENT_TYPE, "text/xml; charset=utf-8")
            .header("SOAPAction", "");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(authorization) = authorization {
            request = request.header(header::AUTHORIZATION, authorization);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| SimError::Http(e.to_string()))?;
        let response = self
            .http
            .request(request)
            .await
            .map_err(|e| SimError::Http(e.to_string()))?;
        let status = response.status();
        let cookie = response
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .map(str::to_owned);
        let challenges = www_authenticate(response.headers());
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| SimError::Http(e.to_string()))?
            .to_bytes();
        Ok((status, body, cookie, challenges))
    }
}

/// Status, body, session cookie and `WWW-Authenticate` challenges of one answer.
type Posted = (StatusCode, Bytes, Option<String>, Vec<String>);

/// The `Authorization` answering the ACS's challenge with the device's ACS credentials.
fn answer_acs_challenge(
    device: &SimDevice,
    url: &hyper::Uri,
    challenges: &[String],
) -> Result<String, SimError> {
    let credentials = Credentials {
        username: device
            .value_ending("ManagementServer.Username")
            .unwrap_or_default()
            .to_owned(),
        password: device
            .value_ending("ManagementServer.Password")
            .unwrap_or_default()
            .to_owned(),
    };
    let mut cnonce = [0u8; 8];
    getrandom::fill(&mut cnonce).map_err(|e| SimError::Http(e.to_string()))?;
    let cnonce = app::hex::to_hex(&cnonce);
    match choose_challenge(challenges.iter().map(String::as_str)) {
        Some(Challenge::Digest(digest)) => Ok(answer_challenge(
            &digest,
            &credentials,
            &DigestAnswer {
                method: "POST",
                uri: url.path_and_query().map_or("/", |pq| pq.as_str()),
                cnonce: &cnonce,
                nonce_count: 1,
            },
        )),
        Some(Challenge::Basic { .. }) => Ok(basic_header(&credentials)),
        None => Err(SimError::Status {
            status: 401,
            body: format!("no usable challenge in {challenges:?}"),
        }),
    }
}
