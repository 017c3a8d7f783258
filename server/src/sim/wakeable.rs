//! A simulated device that can be woken: it serves a Connection Request endpoint on
//! 127.0.0.1 (HTTP, Digest with the credentials in its own tree, as a CPE checks them) and
//! opens a session when a request is accepted, besides its periodic sessions.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use app::http_auth::{Authority, Refusal, StoredSecret};
use axum::{
    Router,
    extract::State,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
    routing::any,
};
use tokio::{
    net::TcpListener,
    sync::{mpsc, watch},
    task::JoinHandle,
};

use super::{
    client::{Chaos, Dice, SimClient, SimError},
    device::SimDevice,
};

/// What the device has done so far, for tests and the simulator's report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WakeableReport {
    pub sessions: u32,
    /// Connection Requests accepted.
    pub woken: u32,
    /// Connection Requests refused (no or wrong credentials).
    pub refused: u32,
    pub last_error: Option<SimError>,
}

/// A running wakeable device. Dropping it leaves it running; `stop` ends it.
pub struct WakeableDevice {
    /// Its Connection Request URL.
    pub url: String,
    report: watch::Receiver<WakeableReport>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    device: Arc<tokio::sync::Mutex<SimDevice>>,
}

#[derive(Clone)]
struct Endpoint {
    /// (username, password) the device expects; refreshed after every session.
    credentials: Arc<Mutex<(String, String)>>,
    authority: Arc<Authority>,
    wake: mpsc::Sender<()>,
    report: Arc<watch::Sender<WakeableReport>>,
}

impl WakeableDevice {
    /// Binds a free port, sets the device's Connection Request URL to it, runs a first
    /// session at once, then one per `periodic` (if given) and one per accepted wake-up.
    pub async fn spawn(
        client: SimClient,
        mut device: SimDevice,
        periodic: Option<Duration>,
    ) -> std::io::Result<WakeableDevice> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/cr", listener.local_addr()?);
        device.set_connection_request_url(&url);
        let (report_sender, report) = watch::channel(WakeableReport::default());
        let report_sender = Arc::new(report_sender);
        let (stop, stopped) = watch::channel(false);
        let (wake, woken) = mpsc::channel(1);
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("the operating system's random source failed");
        let endpoint = Endpoint {
            credentials: Arc::new(Mutex::new(device.connection_request_credentials())),
            authority: Arc::new(Authority::new(
                &format!("{} CPE", device.id.product_class),
                &key,
                300,
                false,
            )),
            wake,
            report: report_sender.clone(),
        };
        let device = Arc::new(tokio::sync::Mutex::new(device));
        let server = {
            let router = Router::new()
                .fallback(any(connection_request))
                .with_state(endpoint.clone());
            let mut stopped = stopped.clone();
            tokio::spawn(async move {
                let _ = axum::serve(listener, router)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.wait_for(|stop| *stop).await;
                    })
                    .await;
            })
        };
        let runner = tokio::spawn(run_sessions(
            client,
            device.clone(),
            periodic,
            woken,
            stopped,
            endpoint,
        ));
        Ok(WakeableDevice {
            url,
            report,
            stop,
            tasks: vec![server, runner],
            device,
        })
    }

    pub fn report(&self) -> WakeableReport {
        self.report.borrow().clone()
    }

    /// Waits until the report satisfies `done`, at most `patience`.
    pub async fn wait_for(
        &mut self,
        patience: Duration,
        done: impl Fn(&WakeableReport) -> bool,
    ) -> Option<WakeableReport> {
        tokio::time::timeout(patience, self.report.wait_for(|report| done(report)))
            .await
            .ok()?
            .ok()
            .map(|report| report.clone())
    }

    /// The device, between sessions (waits for a running session to end).
    pub async fn device(&self) -> tokio::sync::MutexGuard<'_, SimDevice> {
        self.device.lock().await
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

async fn run_sessions(
    client: SimClient,
    device: Arc<tokio::sync::Mutex<SimDevice>>,
    periodic: Option<Duration>,
    mut woken: mpsc::Receiver<()>,
    mut stopped: watch::Receiver<bool>,
    endpoint: Endpoint,
) {
    let mut dice = Dice::new(1);
    let mut first = true;
    loop {
        if !first {
            let pause = periodic.unwrap_or(Duration::MAX);
            tokio::select! {
                request = woken.recv() => match request {
                    Some(()) => device.lock().await.connection_requested(),
                    None => return,
                },
                () = tokio::time::sleep(pause) => {}
                () = async { drop(stopped.wait_for(|stop| *stop).await) } => return,
            }
        }
        first = false;
        let mut device = device.lock().await;
        let outcome = client
            .run_session(&mut device, Chaos::default(), &mut dice)
            .await;
        // The ACS may have set new credentials in this session.
        *endpoint
            .credentials
            .lock()
            .expect("the credentials lock is never poisoned") =
            device.connection_request_credentials();
        endpoint.report.send_modify(|report| {
            report.sessions += 1;
            report.last_error = outcome.err();
        });
    }
}

async fn connection_request(
    State(endpoint): State<Endpoint>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let (username, password) = endpoint
        .credentials
        .lock()
        .expect("the credentials lock is never poisoned")
        .clone();
    let now = chrono::Utc::now().timestamp();
    // A device with no username set asks for nothing (some do ship like that).
    let verdict = if username.is_empty() {
        Ok(())
    } else {
        let authorization = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok());
        endpoint
            .authority
            .verify(authorization, method.as_str(), now, |name| {
                (name == username).then(|| StoredSecret::Password(password.clone()))
            })
            .map(|_| ())
    };
    match verdict {
        Ok(()) => {
            endpoint.report.send_modify(|report| report.woken += 1);
            // A wake-up already pending covers this one.
            let _ = endpoint.wake.try_send(());
            StatusCode::OK.into_response()
        }
        Err(refusal) => {
            if refusal != Refusal::Missing {
                endpoint.report.send_modify(|report| report.refused += 1);
            }
            let mut response = StatusCode::UNAUTHORIZED.into_response();
            for challenge in endpoint
                .authority
                .challenges(now, refusal == Refusal::Stale)
            {
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    response
                        .headers_mut()
                        .append(header::WWW_AUTHENTICATE, value);
                }
            }
            response
        }
    }
}
