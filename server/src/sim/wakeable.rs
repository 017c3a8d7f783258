//! A simulated device that can be woken: it serves a Connection Request endpoint on
//! 127.0.0.1 (HTTP, Digest with the credentials in its own tree, as a CPE checks them) and
//! opens a session when a request is accepted, besides its periodic sessions.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use std::net::SocketAddr;

use app::{
    acs::udp_request::check_udp_connection_request,
    http_auth::{Authority, Credentials, Refusal, StoredSecret},
    stun::{Transaction, binding_request, parse_binding_response},
};
use axum::{
    Router,
    extract::State,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
    routing::any,
};
use tokio::{
    net::{TcpListener, UdpSocket},
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
        Ok(WakeableDevice::launch(
            client,
            device,
            periodic,
            url,
            |endpoint, mut stopped| {
                let router = Router::new()
                    .fallback(any(connection_request))
                    .with_state(endpoint);
                tokio::spawn(async move {
                    let _ = axum::serve(listener, router)
                        .with_graceful_shutdown(async move {
                            let _ = stopped.wait_for(|stop| *stop).await;
                        })
                        .await;
                })
            },
        ))
    }

    /// A device behind a simulated NAT: its Connection Request URL is a private address
    /// nobody can reach, it says `NATDetected`, and it keeps a STUN binding with the ACS's
    /// STUN server at `stun_server` (username `stun-<serial>`). Only UDP Connection Requests
    /// through that binding wake it. The URL it returns is its UDP address.
    pub async fn spawn_behind_nat(
        client: SimClient,
        mut device: SimDevice,
        stun_server: SocketAddr,
        periodic: Option<Duration>,
    ) -> std::io::Result<WakeableDevice> {
        let socket = UdpSocket::bind("127.0.0.1:0").await?;
        let stun_username = format!("stun-{}", device.id.serial_number);
        let mapped = stun_binding(&socket, stun_server, &stun_username).await?;
        device.set_connection_request_url("http://192.168.1.1:7547/");
        for (suffix, value) in [
            ("ManagementServer.STUNEnable", "true".to_owned()),
            (
                "ManagementServer.STUNServerAddress",
                stun_server.ip().to_string(),
            ),
            (
                "ManagementServer.STUNServerPort",
                stun_server.port().to_string(),
            ),
            ("ManagementServer.STUNUsername", stun_username),
            ("ManagementServer.NATDetected", "true".to_owned()),
            (
                "ManagementServer.UDPConnectionRequestAddress",
                mapped.to_string(),
            ),
        ] {
            device.set_value_ending(suffix, &value);
        }
        Ok(WakeableDevice::launch(
            client,
            device,
            periodic,
            mapped.to_string(),
            |endpoint, stopped| tokio::spawn(listen_udp(socket, endpoint, stopped)),
        ))
    }

    /// The parts both kinds share: the report, the wake-up channel, the session runner.
    fn launch(
        client: SimClient,
        device: SimDevice,
        periodic: Option<Duration>,
        url: String,
        listen: impl FnOnce(Endpoint, watch::Receiver<bool>) -> JoinHandle<()>,
    ) -> WakeableDevice {
        let (report_sender, report) = watch::channel(WakeableReport::default());
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
            report: Arc::new(report_sender),
        };
        let device = Arc::new(tokio::sync::Mutex::new(device));
        let listener = listen(endpoint.clone(), stopped.clone());
        let runner = tokio::spawn(run_sessions(
            client,
            device.clone(),
            periodic,
            woken,
            stopped,
            endpoint,
        ));
        WakeableDevice {
            url,
            report,
            stop,
            tasks: vec![listener, runner],
            device,
        }
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
    // A device that accepted a reboot (or reset) comes back by itself once restarted, as
    // real ones do: "1 BOOT" (or "0 BOOTSTRAP") without waiting for a wake-up.
    let mut restarted = false;
    loop {
        if restarted {
            tokio::time::sleep(Duration::from_millis(300)).await;
        } else if !first {
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
        restarted = outcome.is_ok() && device.restarted();
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

/// Asks the STUN server where this socket is seen from (three tries, a second each).
async fn stun_binding(
    socket: &UdpSocket,
    server: SocketAddr,
    username: &str,
) -> std::io::Result<SocketAddr> {
    let mut id = [0u8; 12];
    getrandom::fill(&mut id).expect("the operating system's random source failed");
    let transaction = Transaction::Modern(id);
    let request = binding_request(transaction, Some(username), false);
    let mut buffer = [0u8; 1500];
    for _ in 0..3 {
        socket.send_to(&request, server).await?;
        if let Ok(Ok((length, _))) =
            tokio::time::timeout(Duration::from_secs(1), socket.recv_from(&mut buffer)).await
            && let Ok(mapped) = parse_binding_response(&buffer[..length], transaction)
        {
            return Ok(mapped);
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "the STUN server did not answer",
    ))
}

/// Receives UDP Connection Requests; each signed, fresh, new request id wakes the device
/// once (repeats of one request carry the same id).
async fn listen_udp(socket: UdpSocket, endpoint: Endpoint, mut stopped: watch::Receiver<bool>) {
    let mut buffer = [0u8; 2048];
    let mut seen_ids = std::collections::VecDeque::with_capacity(16);
    loop {
        let received = tokio::select! {
            received = socket.recv_from(&mut buffer) => received,
            () = async { drop(stopped.wait_for(|stop| *stop).await) } => return,
        };
        let Ok((length, _)) = received else { continue };
        let datagram = String::from_utf8_lossy(&buffer[..length]);
        let (username, password) = endpoint
            .credentials
            .lock()
            .expect("the credentials lock is never poisoned")
            .clone();
        let credentials = Credentials { username, password };
        let now = chrono::Utc::now().timestamp();
        match check_udp_connection_request(&datagram, &credentials, now, 60) {
            Ok(request) if seen_ids.contains(&request.id) => {}
            Ok(request) => {
                if seen_ids.len() == 16 {
                    seen_ids.pop_front();
                }
                seen_ids.push_back(request.id);
                endpoint.report.send_modify(|report| report.woken += 1);
                let _ = endpoint.wake.try_send(());
            }
            Err(_) => endpoint.report.send_modify(|report| report.refused += 1),
        }
    }
}
