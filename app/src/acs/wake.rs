//! `wake(device)`: get a device to open a session now, not at its next periodic inform.
//! Picks the method (an HTTP Connection Request, or a UDP one for a device behind NAT that
//! keeps a STUN binding), applies
//! the credentials (the device's own, else the configured default), keeps to the rate
//! limits, bounds the time, and says clearly why a device could not be reached.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex, OnceLock},
    time::Duration,
};

use chrono::{DateTime, SubsecRound, Utc};
use tokio::{
    net::UdpSocket,
    sync::{Semaphore, broadcast},
    time::Instant,
};

use super::{
    connection_request::{ConnectionRequester, WakeError, behind_nat, parse_url},
    udp_request::udp_connection_request,
    wait::wait_until,
    wake_limit::{Admission, WakeLimiter, WakeLimits},
};
use crate::{
    events::{DeviceEvent, EventBus, EventKind},
    http_auth::Credentials,
    store::{Store, WakeTarget},
};

#[derive(Debug, Clone)]
pub struct WakeSettings {
    /// How long one wake-up may take, the rate limiter's wait included.
    pub timeout: Duration,
    /// For devices without credentials of their own.
    pub default_credentials: Option<Credentials>,
    pub limits: WakeLimits,
    /// Connection Requests open at once, ACS-wide.
    pub max_in_flight: usize,
}

impl Default for WakeSettings {
    fn default() -> WakeSettings {
        WakeSettings {
            timeout: Duration::from_secs(5),
            default_credentials: None,
            limits: WakeLimits::default(),
            max_in_flight: 64,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WakeMethod {
    Http,
    /// TR-069 Annex G: repeated until the device's session begins (UDP has no answer).
    Udp,
}

/// How a device can be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Http(String),
    /// `host:port`
    Udp(String),
}

/// The way to a device (pure): UDP when it is behind NAT (it says so, or it reports a
/// private address while talking from a public one), HTTP otherwise.
pub fn choose_route(target: &WakeTarget) -> Result<Route, WakeError> {
    let uri = target
        .connection_request_url
        .as_deref()
        .map(parse_url)
        .transpose();
    let nat = match &uri {
        Ok(Some(uri)) => behind_nat(uri, target.seen_from.as_deref()),
        _ => None,
    };
    if target.nat_detected || nat.is_some() {
        return match &target.udp_address {
            Some(address) => Ok(Route::Udp(address.clone())),
            None => Err(nat.unwrap_or_else(|| WakeError::BehindNat {
                url: target.connection_request_url.clone().unwrap_or_default(),
                seen_from: target
                    .seen_from
                    .clone()
                    .unwrap_or_else(|| "an unknown address".to_owned()),
            })),
        };
    }
    match (uri?, &target.connection_request_url, &target.udp_address) {
        (Some(_), Some(url), _) => Ok(Route::Http(url.clone())),
        (_, _, Some(address)) => Ok(Route::Udp(address.clone())),
        _ => Err(WakeError::NoUrl),
    }
}

/// A device agreed to open a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Woken {
    pub method: WakeMethod,
    /// From sending to the device's yes (zero when it had been woken already).
    pub took: Duration,
    /// A wake-up sent moments ago is still on its way; no new request was sent.
    pub already_woken: bool,
}

#[derive(Clone, Debug)]
pub struct DeviceWaker {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    events: EventBus,
    requester: ConnectionRequester,
    settings: WakeSettings,
    limiter: Mutex<WakeLimiter>,
    in_flight: Semaphore,
    /// The STUN server's socket, when it runs: UDP Connection Requests leave from it.
    udp_socket: OnceLock<Arc<UdpSocket>>,
}

impl DeviceWaker {
    pub fn new(store: Store, events: EventBus, settings: WakeSettings) -> DeviceWaker {
        DeviceWaker {
            inner: Arc::new(Inner {
                store,
                events,
                requester: ConnectionRequester::new(),
                limiter: Mutex::new(WakeLimiter::new(settings.limits, Utc::now())),
                in_flight: Semaphore::new(settings.max_in_flight.max(1)),
                udp_socket: OnceLock::new(),
                settings,
            }),
        }
    }

    /// Sends UDP Connection Requests from this socket (the STUN server's).
    pub fn use_udp_socket(&self, socket: Arc<UdpSocket>) {
        let _ = self.inner.udp_socket.set(socket);
    }

    pub fn timeout(&self) -> Duration {
        self.inner.settings.timeout
    }

    /// Asks the device to open a session, within the configured timeout.
    pub async fn wake(&self, device_id: i64) -> Result<Woken, WakeError> {
        let inner = &self.inner;
        let deadline = Instant::now() + inner.settings.timeout;
        let target = inner
            .store
            .wake_target(device_id)
            .await
            .map_err(|e| WakeError::Store(e.to_string()))?
            .ok_or(WakeError::UnknownDevice)?;
        let route = choose_route(&target)?;
        let method = match route {
            Route::Http(_) => WakeMethod::Http,
            Route::Udp(_) => WakeMethod::Udp,
        };
        loop {
            let admission = inner
                .limiter
                .lock()
                .expect("the wake limiter lock is never poisoned")
                .admit(device_id, target.last_inform_at, Utc::now());
            match admission {
                Admission::Send => break,
                Admission::AlreadyWoken(_) => {
                    return Ok(Woken {
                        method,
                        took: Duration::ZERO,
                        already_woken: true,
                    });
                }
                Admission::WaitFor(pause) => {
                    if Instant::now() + pause >= deadline {
                        return Err(WakeError::Timeout(inner.settings.timeout));
                    }
                    tokio::time::sleep(pause).await;
                }
            }
        }
        let _permit = tokio::time::timeout_at(deadline, inner.in_flight.acquire())
            .await
            .map_err(|_| WakeError::Timeout(inner.settings.timeout))?
            .expect("the semaphore is never closed");
        let credentials = target
            .credentials
            .or_else(|| inner.settings.default_credentials.clone());
        let remaining = deadline.saturating_duration_since(Instant::now());
        // Taken before sending: a quick device's Inform may be recorded before the answer
        // reaches us, and it must count as the session this wake-up asked for.
        let sent_at = Utc::now();
        let outcome = match &route {
            Route::Http(url) => {
                inner
                    .requester
                    .send(url, credentials.as_ref(), remaining)
                    .await
            }
            Route::Udp(address) => {
                self.send_udp(device_id, address, credentials, sent_at, deadline)
                    .await
            }
        };
        match &outcome {
            Ok(took) => {
                inner
                    .limiter
                    .lock()
                    .expect("the wake limiter lock is never poisoned")
                    .woken(device_id, sent_at);
                tracing::info!(
                    device_id,
                    ?method,
                    took_ms = took.as_millis() as u64,
                    "device woken"
                );
            }
            Err(error) => {
                tracing::info!(device_id, code = error.code(), %error, "device not woken");
            }
        }
        outcome.map(|took| Woken {
            method,
            took,
            already_woken: false,
        })
    }

    /// Sends the UDP Connection Request, again and again (UDP loses packets; the same id
    /// each time, so the device acts once), until the device's session begins.
    async fn send_udp(
        &self,
        device_id: i64,
        address: &str,
        credentials: Option<Credentials>,
        sent_at: DateTime<Utc>,
        deadline: Instant,
    ) -> Result<Duration, WakeError> {
        let timeout = self.inner.settings.timeout;
        let started = Instant::now();
        let bad = |reason| WakeError::BadUrl {
            url: address.to_owned(),
            reason,
        };
        let destination = tokio::time::timeout_at(deadline, tokio::net::lookup_host(address))
            .await
            .map_err(|_| WakeError::Timeout(timeout))?
            .map_err(|_| bad("the UDP address is not host:port"))?
            .next()
            .ok_or_else(|| bad("the UDP address names no host"))?;
        let socket = match self.inner.udp_socket.get() {
            Some(socket) => socket.clone(),
            None => {
                let any: SocketAddr = if destination.is_ipv4() {
                    ([0, 0, 0, 0], 0).into()
                } else {
                    (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
                };
                Arc::new(
                    UdpSocket::bind(any)
                        .await
                        .map_err(|e| WakeError::Unreachable(e.to_string()))?,
                )
            }
        };
        let credentials = credentials.unwrap_or(Credentials {
            username: String::new(),
            password: String::new(),
        });
        let mut random = [0u8; 12];
        getrandom::fill(&mut random).expect("the operating system's random source failed");
        let id = u32::from_be_bytes([random[0], random[1], random[2], random[3]]);
        let cnonce = crate::hex::to_hex(&random[4..]);
        let datagram =
            udp_connection_request(address, &credentials, Utc::now().timestamp(), id, &cnonce);
        let mut receiver = self.inner.events.subscribe();
        let mut pause = Duration::from_millis(300);
        loop {
            if let Err(error) = socket.send_to(datagram.as_bytes(), destination).await {
                tracing::debug!(device_id, %error, "UDP Connection Request not sent");
            }
            let until = (Instant::now() + pause).min(deadline);
            if self
                .session_began(device_id, sent_at, &mut receiver, until)
                .await?
            {
                return Ok(started.elapsed());
            }
            if Instant::now() >= deadline {
                return Err(WakeError::Timeout(timeout));
            }
            pause = (pause * 2).min(Duration::from_secs(2));
        }
    }

    /// Whether the device's session began since `since`, waiting at most until `until`.
    async fn session_began(
        &self,
        device_id: i64,
        since: DateTime<Utc>,
        receiver: &mut broadcast::Receiver<Arc<DeviceEvent>>,
        until: Instant,
    ) -> Result<bool, WakeError> {
        // Microseconds: what PostgreSQL keeps of the clock.
        let since = since.trunc_subsecs(6);
        let store = &self.inner.store;
        let (began, ()) = wait_until(
            receiver,
            until,
            |event| {
                event.device_id == device_id
                    && matches!(event.kind, EventKind::Inform | EventKind::Registered)
            },
            || async {
                let last_inform_at = store
                    .last_inform_at(device_id)
                    .await
                    .map_err(|e| WakeError::Store(e.to_string()))?
                    .ok_or(WakeError::UnknownDevice)?;
                Ok::<_, WakeError>((last_inform_at >= since, ()))
            },
        )
        .await?;
        Ok(began)
    }

    /// Wakes the device and waits until its session begins (its Inform arrives, on this
    /// instance or another), or `patience` runs out.
    pub async fn wake_and_wait_for_session(
        &self,
        device_id: i64,
        patience: Duration,
    ) -> Result<Woken, WakeError> {
        // Listen before waking, so a quick device is not missed.
        let mut receiver = self.inner.events.subscribe();
        let asked_at = Utc::now();
        let deadline = Instant::now() + patience;
        let woken = self.wake(device_id).await?;
        if self
            .session_began(device_id, asked_at, &mut receiver, deadline)
            .await?
        {
            Ok(woken)
        } else {
            Err(WakeError::NoSession(patience))
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    fn target(
        url: Option<&str>,
        seen_from: &str,
        nat_detected: bool,
        udp: Option<&str>,
    ) -> WakeTarget {
        WakeTarget {
            connection_request_url: url.map(str::to_owned),
            seen_from: Some(seen_from.to_owned()),
            last_inform_at: DateTime::UNIX_EPOCH,
            credentials: None,
            nat_detected,
            udp_address: udp.map(str::to_owned),
        }
    }

    #[test]
    fn routes_follow_what_the_device_says_of_its_network() {
        let lan = Some("http://192.168.1.1:7547/");
        let public = Some("http://198.51.100.7:7547/");
        assert_eq!(
            choose_route(&target(public, "198.51.100.7", false, None)),
            Ok(Route::Http("http://198.51.100.7:7547/".into()))
        );
        // Behind NAT (by the addresses, or by its own NATDetected): UDP, if it can.
        assert_eq!(
            choose_route(&target(lan, "203.0.113.9", false, Some("203.0.113.9:3478"))),
            Ok(Route::Udp("203.0.113.9:3478".into()))
        );
        assert_eq!(
            choose_route(&target(lan, "10.0.0.1", true, Some("203.0.113.9:3478"))),
            Ok(Route::Udp("203.0.113.9:3478".into()))
        );
        assert!(matches!(
            choose_route(&target(lan, "203.0.113.9", false, None)),
            Err(WakeError::BehindNat { .. })
        ));
        assert!(matches!(
            choose_route(&target(None, "10.0.0.1", true, None)),
            Err(WakeError::BehindNat { .. })
        ));
        assert_eq!(
            choose_route(&target(None, "10.0.0.1", false, None)),
            Err(WakeError::NoUrl)
        );
        assert!(matches!(
            choose_route(&target(Some("ftp://x/"), "10.0.0.1", false, None)),
            Err(WakeError::BadUrl { .. })
        ));
    }
}
