//! `wake(device)`: get a device to open a session now, not at its next periodic inform.
//! Picks the method (HTTP Connection Request today; UDP through STUN is to come), applies
//! the credentials (the device's own, else the configured default), keeps to the rate
//! limits, bounds the time, and says clearly why a device could not be reached.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{SubsecRound, Utc};
use tokio::{sync::Semaphore, time::Instant};

use super::{
    connection_request::{ConnectionRequester, WakeError, behind_nat, parse_url},
    wake_limit::{Admission, WakeLimiter, WakeLimits},
};
use crate::{
    events::{EventBus, EventKind},
    http_auth::Credentials,
    store::Store,
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

/// How often the database is asked whether a session began (another instance may run it).
const SESSION_POLL_EVERY: Duration = Duration::from_secs(1);

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
                settings,
            }),
        }
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
        let url = target.connection_request_url.ok_or(WakeError::NoUrl)?;
        let uri = parse_url(&url)?;
        if let Some(nat) = behind_nat(&uri, target.seen_from.as_deref()) {
            return Err(nat);
        }
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
                        method: WakeMethod::Http,
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
        let outcome = inner
            .requester
            .send(&url, credentials.as_ref(), remaining)
            .await;
        match &outcome {
            Ok(took) => {
                inner
                    .limiter
                    .lock()
                    .expect("the wake limiter lock is never poisoned")
                    .woken(device_id, sent_at);
                tracing::info!(device_id, took_ms = took.as_millis() as u64, "device woken");
            }
            Err(error) => {
                tracing::info!(device_id, code = error.code(), %error, "device not woken");
            }
        }
        outcome.map(|took| Woken {
            method: WakeMethod::Http,
            took,
            already_woken: false,
        })
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
        loop {
            let target = self
                .inner
                .store
                .wake_target(device_id)
                .await
                .map_err(|e| WakeError::Store(e.to_string()))?
                .ok_or(WakeError::UnknownDevice)?;
            // Microseconds: what PostgreSQL keeps of the clock.
            if target.last_inform_at >= asked_at.trunc_subsecs(6) {
                return Ok(woken);
            }
            if Instant::now() >= deadline {
                return Err(WakeError::NoSession(patience));
            }
            let next_poll = (Instant::now() + SESSION_POLL_EVERY).min(deadline);
            loop {
                tokio::select! {
                    received = receiver.recv() => match received {
                        Ok(event) if event.device_id == device_id
                            && matches!(event.kind, EventKind::Inform | EventKind::Registered) => return Ok(woken),
                        Ok(_) => continue,
                        Err(_) => {
                            tokio::time::sleep_until(next_poll).await;
                            break;
                        }
                    },
                    () = tokio::time::sleep_until(next_poll) => break,
                }
            }
        }
    }
}
