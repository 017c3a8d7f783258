//! Starting Osprey: open the database, make sure the first admin exists, bind both
//! listeners, serve until told to stop. Tests call `start` with port 0 and their own
//! database, exactly as `main` does.

use std::{net::SocketAddr, sync::Arc};

use app::{
    acs::endpoint::{CwmpEndpoint, EndpointConfig},
    acs::{
        cwmp_auth::{CwmpAuthPolicy, CwmpGate},
        stun_server::StunServer,
        uploads::UploadSigner,
        wake::{DeviceWaker, WakeSettings},
        wake_limit::WakeLimits,
    },
    auth::{
        LoginThrottle, TokenKeys, generate_password, generate_secret, hash_password_off_thread,
    },
    events::EventBus,
    http_auth::StoredSecret,
    services::{Actor, Services},
    store::{AuditAction, NewUser, Store, StoreError},
};
use chrono::Duration;
use leptos::prelude::LeptosOptions;
use tokio::{
    net::{TcpListener, UdpSocket},
    sync::watch,
    task::JoinHandle,
};

use axum::serve::ListenerExt;

use crate::{
    config::{Config, CwmpAuth},
    dashboard_job::keep_dashboard_figures,
    routes::{UiState, cwmp_router, ui_router},
    tls::{ServerConfig, TlsError, TlsFiles, TlsListener, server_config},
};

/// How long after sign-in a session may be renewed before the password is asked again.
const MAX_SESSION_HOURS: i64 = 12;
const SIGNING_KEY_SETTING: &str = "session_signing_key";
pub const FIRST_ADMIN: &str = "admin";

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {address} ({what}): {source}")]
    Bind {
        what: &'static str,
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot create the first administrator: {0}")]
    FirstAdmin(String),
    #[error("TLS for the {what} listener: {source}")]
    Tls {
        what: &'static str,
        source: TlsError,
    },
}

/// The first administrator, created on this start because there were no users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstAdmin {
    pub username: String,
    /// The generated password, to print once; `None` when it came from the configuration.
    pub generated_password: Option<String>,
}

/// A started server. Dropping it does not stop it: call `shutdown`.
pub struct Running {
    pub ui_address: SocketAddr,
    endpoint: Arc<CwmpEndpoint>,
    pub cwmp_address: SocketAddr,
    /// The STUN server's address, when it runs.
    pub stun_address: Option<SocketAddr>,
    pub first_admin: Option<FirstAdmin>,
    pub services: Services,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// CWMP sessions in progress.
    pub fn cwmp_live_sessions(&self) -> usize {
        self.endpoint.live_sessions()
    }

    /// Stops accepting connections, lets requests in flight finish, and waits.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        self.services.events.close();
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

pub async fn start(config: &Config) -> Result<Running, StartError> {
    start_with_schema(config, None).await
}

/// Like `start`; with PostgreSQL, `schema` confines the server to one schema (tests).
pub async fn start_with_schema(
    config: &Config,
    schema: Option<&str>,
) -> Result<Running, StartError> {
    // TLS files are read first: a mistake there stops the start before anything runs.
    let tls_for = |what, files: Option<&TlsFiles>| {
        files
            .map(server_config)
            .transpose()
            .map_err(|source| StartError::Tls { what, source })
    };
    let ui_tls = tls_for("portal", config.ui_tls.as_ref())?;
    let cwmp_tls = tls_for("CWMP", config.cwmp_tls.as_ref())?;
    let ui_listener = bind("portal", config.ui_listen).await?;
    let cwmp_listener = bind("CWMP", config.cwmp_listen).await?;
    let ui_address = local_address(&ui_listener, "portal", config.ui_listen)?;
    let cwmp_address = local_address(&cwmp_listener, "CWMP", config.cwmp_listen)?;
    let cwmp_url = config.cwmp_url_for(cwmp_address);

    let (services, first_admin) = prepare(config, schema, &cwmp_url).await?;
    let ui = ui_router(ui_state(config, services.clone(), ui_address));
    let endpoint = Arc::new(CwmpEndpoint::new(
        services.store.clone(),
        services.events.clone(),
        EndpointConfig {
            register_unknown: config.register_unknown_devices,
            idle_timeout: Duration::seconds(i64::from(config.cwmp_session_timeout_seconds)),
            gate: services.cwmp_gate.clone(),
            provision_connection_requests: config.provision_connection_request_credentials,
        },
    ));
    let cwmp = cwmp_router(
        services.clone(),
        endpoint.clone(),
        config.cwmp_max_body_bytes,
    );

    let (stop, stopped) = watch::channel(false);
    let mut tasks = vec![
        serve_maybe_tls(
            ("portal", ui_listener, ui_address),
            ui_tls,
            ui,
            stopped.clone(),
        ),
        serve_maybe_tls(
            ("CWMP", cwmp_listener, cwmp_address),
            cwmp_tls,
            cwmp,
            stopped.clone(),
        ),
        expire_tasks_every_minute(services.store.clone(), stopped.clone()),
        keep_dashboard_figures(services.clone(), stopped.clone()),
    ];
    let stun_address = match config.stun_listen {
        Some(address) => {
            let socket = UdpSocket::bind(address)
                .await
                .map_err(|source| StartError::Bind {
                    what: "STUN",
                    address,
                    source,
                })?;
            let bound = local_address_udp(&socket, address);
            let socket = Arc::new(socket);
            services.waker.use_udp_socket(socket.clone());
            let server = StunServer::new(socket, services.store.clone());
            tasks.push(tokio::spawn(server.serve(stopped)));
            tracing::info!(stun_address = %bound, "STUN server listening");
            Some(bound)
        }
        None => None,
    };
    tracing::info!(%ui_address, %cwmp_address, "Osprey is listening");
    if config.cwmp_auth == CwmpAuth::Open && !cwmp_address.ip().is_loopback() {
        tracing::warn!(
            %cwmp_address,
            "devices are not authenticated (cwmp_auth = open): any device can claim any serial number; use shared or per_device in production"
        );
    }
    Ok(Running {
        ui_address,
        endpoint,
        cwmp_address,
        stun_address,
        first_admin,
        services,
        stop,
        tasks,
    })
}

/// The portal's router state for `config`, serving assets from its site root.
pub fn ui_state(config: &Config, services: Services, ui_address: SocketAddr) -> UiState {
    let leptos = LeptosOptions::builder()
        .output_name("osprey")
        .site_root(config.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(ui_address)
        .build();
    UiState {
        leptos,
        services,
        trust_forwarded_for: config.trust_forwarded_for,
        public_paths: Arc::from(["/login"]),
    }
}

/// Opens the database, loads the shared signing key and makes sure an admin exists: all
/// that the routers need, without binding anything (tests drive the routers directly).
pub async fn prepare(
    config: &Config,
    schema: Option<&str>,
    cwmp_url: &str,
) -> Result<(Services, Option<FirstAdmin>), StartError> {
    let store = Store::open(&config.database_url, schema).await?;
    let secret = store
        .setting_or_insert(SIGNING_KEY_SETTING, generate_secret)
        .await?;
    let tokens = TokenKeys::new(
        secret.as_bytes(),
        Duration::minutes(i64::from(config.session_idle_minutes)),
        Duration::hours(MAX_SESSION_HOURS),
    );
    let events = EventBus::new();
    let waker = DeviceWaker::new(
        store.clone(),
        events.clone(),
        WakeSettings {
            timeout: std::time::Duration::from_secs(u64::from(
                config.connection_request_timeout_seconds,
            )),
            default_credentials: config.connection_request_default.clone(),
            limits: WakeLimits {
                per_second: config.connection_requests_per_second,
                ..WakeLimits::default()
            },
            ..WakeSettings::default()
        },
    );
    let cwmp_gate = CwmpGate::new(
        cwmp_auth_policy(config),
        &config.cwmp_auth_realm,
        format!("{secret}:cwmp-digest-nonces").as_bytes(),
        config.cwmp_allow_basic,
    );
    let services = Services {
        store,
        tokens: Arc::new(tokens),
        throttle: LoginThrottle::default(),
        secure_cookies: config.secure_cookies(),
        cwmp_url: cwmp_url.into(),
        events,
        uploads: UploadSigner::new(secret.as_bytes()),
        waker,
        cwmp_gate,
    };
    let first_admin = ensure_first_admin(&services, config.admin_password.as_deref()).await?;
    Ok((services, first_admin))
}

fn cwmp_auth_policy(config: &Config) -> CwmpAuthPolicy {
    match &config.cwmp_auth {
        CwmpAuth::Open => CwmpAuthPolicy::Open,
        CwmpAuth::PerDevice => CwmpAuthPolicy::PerDevice,
        CwmpAuth::Shared { username, password } => CwmpAuthPolicy::Shared {
            username: username.clone(),
            secret: StoredSecret::hash(username, &config.cwmp_auth_realm, password),
        },
    }
}

fn local_address_udp(socket: &UdpSocket, asked: SocketAddr) -> SocketAddr {
    socket.local_addr().unwrap_or(asked)
}

async fn bind(what: &'static str, address: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(address)
        .await
        .map_err(|source| StartError::Bind {
            what,
            address,
            source,
        })
}

fn local_address(
    listener: &TcpListener,
    what: &'static str,
    address: SocketAddr,
) -> Result<SocketAddr, StartError> {
    listener.local_addr().map_err(|source| StartError::Bind {
        what,
        address,
        source,
    })
}

/// Serves `router` on `listener`, through TLS when there is a configuration for it.
fn serve_maybe_tls(
    (what, listener, local): (&'static str, TcpListener, SocketAddr),
    tls: Option<Arc<ServerConfig>>,
    router: axum::Router,
    stopped: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let Some(tls) = tls else {
        // Without TCP_NODELAY a page streamed in several writes waits on the peer's delayed
        // ACK: 40 ms on every server-rendered page.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        return serve(what, listener, router, stopped);
    };
    tracing::info!(listener = what, "TLS on");
    // `tap_io` gives axum the peer address for `ConnectInfo` (nothing is tapped).
    let listener = TlsListener::new(listener, local, tls).tap_io(|_| {});
    serve(what, listener, router, stopped)
}

fn serve<L>(
    what: &'static str,
    listener: L,
    router: axum::Router,
    mut stopped: watch::Receiver<bool>,
) -> JoinHandle<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
    for<'a> SocketAddr: axum::extract::connect_info::Connected<axum::serve::IncomingStream<'a, L>>,
{
    tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<SocketAddr>();
        let shutdown = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        if let Err(error) = axum::serve(listener, service)
            .with_graceful_shutdown(shutdown)
            .await
        {
            tracing::error!(%error, listener = what, "listener failed");
        }
    })
}

/// Ends queued tasks whose deadline passed. Every instance runs it; the update is idempotent.
fn expire_tasks_every_minute(store: Store, mut stopped: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = tick.tick() => match store.expire_tasks(chrono::Utc::now()).await {
                    Ok(0) => {}
                    Ok(expired) => tracing::info!(expired, "queued tasks expired"),
                    Err(error) => tracing::warn!(%error, "expiring tasks failed; trying again in a minute"),
                },
                _ = stopped.changed() => {
                    if *stopped.borrow() {
                        return;
                    }
                }
            }
        }
    })
}

/// Creates `admin` when there are no users at all, with the configured password or a
/// generated one. Instances starting together race safely: the unique username decides.
async fn ensure_first_admin(
    services: &Services,
    configured_password: Option<&str>,
) -> Result<Option<FirstAdmin>, StartError> {
    if services.store.count_users().await? > 0 {
        return Ok(None);
    }
    let generated = configured_password.is_none().then(generate_password);
    let password = configured_password
        .map(str::to_owned)
        .or_else(|| generated.clone())
        .unwrap_or_default();
    let hash = hash_password_off_thread(password)
        .await
        .map_err(|e| StartError::FirstAdmin(e.to_string()))?;
    let now = chrono::Utc::now();
    let created = services
        .store
        .create_user(
            NewUser {
                username: FIRST_ADMIN,
                password_hash: &hash,
                role: app::model::Role::Admin,
            },
            now,
        )
        .await;
    match created {
        Ok(_) => {}
        // Another instance made it first: it prints the password, not us.
        Err(StoreError::Duplicate(_)) => return Ok(None),
        Err(error) => return Err(error.into()),
    }
    let system = Actor {
        id: None,
        name: "system".to_owned(),
        address: None,
    };
    let how = if generated.is_some() {
        "generated password"
    } else {
        "password from OSPREY_ADMIN_PASSWORD"
    };
    services
        .audit(
            &system,
            AuditAction::AdminBootstrapped,
            Some(FIRST_ADMIN),
            format!("first administrator created ({how})"),
            now,
        )
        .await?;
    Ok(Some(FirstAdmin {
        username: FIRST_ADMIN.to_owned(),
        generated_password: generated,
    }))
}
