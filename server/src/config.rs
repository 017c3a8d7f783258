//! Configuration: command-line flags, then `OSPREY_*` environment variables, then an optional
//! TOML file, then defaults (the first that gives a key wins). Every value is checked once
//! here, and a bad one stops the start with a one-line error that names the key.

use std::{
    collections::BTreeMap,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    path::PathBuf,
};

use clap::Parser;

/// The keys, in the spelling of the TOML file. Flags are `--key-with-dashes`, environment
/// variables `OSPREY_KEY_IN_CAPITALS`.
pub const KEYS: &[&str] = &[
    "database_url",
    "ui_listen",
    "cwmp_listen",
    "public_url",
    "cwmp_url",
    "site_root",
    "log_level",
    "log_format",
    "session_idle_minutes",
    "trust_forwarded_for",
    "cwmp_max_body_bytes",
    "cwmp_session_timeout_seconds",
    "register_unknown_devices",
    "admin_password",
    "connection_request_username",
    "connection_request_password",
    "connection_request_timeout_seconds",
    "connection_requests_per_second",
    "cwmp_auth",
    "cwmp_username",
    "cwmp_password",
    "cwmp_auth_realm",
    "cwmp_allow_basic",
    "stun_listen",
    "provision_connection_request_credentials",
    "cwmp_tls_certificate",
    "cwmp_tls_key",
    "cwmp_tls_client_ca",
    "ui_tls_certificate",
    "ui_tls_key",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration error: {key} (--{flag} / OSPREY_{env}): {message}", flag = .key.replace('_', "-"), env = .key.to_uppercase())]
    Invalid { key: &'static str, message: String },
    #[error("configuration error: {path}: {message}")]
    File { path: String, message: String },
}

fn invalid(key: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        message: message.into(),
    }
}

/// The command line. Each flag also reads its `OSPREY_*` variable.
#[derive(Debug, Default, Parser)]
#[command(
    name = "osprey",
    version,
    about = "Osprey: a TR-069 (CWMP) auto-configuration server with its operator portal"
)]
pub struct Flags {
    /// TOML file with any of the keys below (flags and environment win over it).
    #[arg(long, env = "OSPREY_CONFIG")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://PATH?mode=rwc or postgres://USER@HOST:PORT/DB.
    #[arg(long, env = "OSPREY_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Address the portal listens on.
    #[arg(long, env = "OSPREY_UI_LISTEN")]
    pub ui_listen: Option<String>,
    /// Address the CWMP endpoint (for devices) listens on.
    #[arg(long, env = "OSPREY_CWMP_LISTEN")]
    pub cwmp_listen: Option<String>,
    /// The portal's URL as people reach it (https:// makes cookies Secure).
    #[arg(long, env = "OSPREY_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The ACS URL devices are given.
    #[arg(long, env = "OSPREY_CWMP_URL")]
    pub cwmp_url: Option<String>,
    /// Directory with the built portal assets (pkg/, favicon).
    #[arg(long, env = "OSPREY_SITE_ROOT")]
    pub site_root: Option<String>,
    /// Log filter: error, warn, info, debug, trace, or directives like info,app=debug.
    #[arg(long, env = "OSPREY_LOG_LEVEL")]
    pub log_level: Option<String>,
    /// Log format: text or json.
    #[arg(long, env = "OSPREY_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Minutes of inactivity after which a portal session ends.
    #[arg(long, env = "OSPREY_SESSION_IDLE_MINUTES")]
    pub session_idle_minutes: Option<String>,
    /// Take the client address from X-Forwarded-For (only behind a trusted proxy).
    #[arg(long, env = "OSPREY_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: Option<String>,
    /// Largest CWMP request body accepted (after decompression), in bytes.
    #[arg(long, env = "OSPREY_CWMP_MAX_BODY_BYTES")]
    pub cwmp_max_body_bytes: Option<String>,
    /// Seconds a CWMP session may stay idle before it is dropped.
    #[arg(long, env = "OSPREY_CWMP_SESSION_TIMEOUT_SECONDS")]
    pub cwmp_session_timeout_seconds: Option<String>,
    /// Register devices on their first Inform (true) or refuse unknown ones (false).
    #[arg(long, env = "OSPREY_REGISTER_UNKNOWN_DEVICES")]
    pub register_unknown_devices: Option<String>,
    /// Connection Request username for devices without credentials of their own (the
    /// password comes from OSPREY_CONNECTION_REQUEST_PASSWORD or the file, never a flag).
    #[arg(long, env = "OSPREY_CONNECTION_REQUEST_USERNAME")]
    pub connection_request_username: Option<String>,
    /// Seconds a Connection Request may take before the device counts as unreachable.
    #[arg(long, env = "OSPREY_CONNECTION_REQUEST_TIMEOUT_SECONDS")]
    pub connection_request_timeout_seconds: Option<String>,
    /// Connection Requests the ACS sends per second at most (bulk actions queue behind it).
    #[arg(long, env = "OSPREY_CONNECTION_REQUESTS_PER_SECOND")]
    pub connection_requests_per_second: Option<String>,
    /// Who may open a CWMP session: open, shared (cwmp_username / cwmp_password) or
    /// per_device (credentials added by admins; unknown usernames are listed for approval).
    #[arg(long, env = "OSPREY_CWMP_AUTH")]
    pub cwmp_auth: Option<String>,
    /// The username every device presents under the shared policy (the password comes
    /// from OSPREY_CWMP_PASSWORD or the file, never a flag).
    #[arg(long, env = "OSPREY_CWMP_USERNAME")]
    pub cwmp_username: Option<String>,
    /// The realm of the ACS's challenges (per-device credentials are stored for it).
    #[arg(long, env = "OSPREY_CWMP_AUTH_REALM")]
    pub cwmp_auth_realm: Option<String>,
    /// Accept HTTP Basic from devices too (sends the password in the clear without TLS).
    #[arg(long, env = "OSPREY_CWMP_ALLOW_BASIC")]
    pub cwmp_allow_basic: Option<String>,
    /// UDP address of the STUN server for devices behind NAT (e.g. 0.0.0.0:3478); off when
    /// not set.
    #[arg(long, env = "OSPREY_STUN_LISTEN")]
    pub stun_listen: Option<String>,
    /// Give each device Connection Request credentials of its own at BOOTSTRAP (true).
    #[arg(long, env = "OSPREY_PROVISION_CONNECTION_REQUEST_CREDENTIALS")]
    pub provision_connection_request_credentials: Option<String>,
    /// PEM certificate chain for the CWMP listener: with the key, devices talk HTTPS.
    #[arg(long, env = "OSPREY_CWMP_TLS_CERTIFICATE")]
    pub cwmp_tls_certificate: Option<String>,
    /// PEM private key for the CWMP listener.
    #[arg(long, env = "OSPREY_CWMP_TLS_KEY")]
    pub cwmp_tls_key: Option<String>,
    /// PEM CA bundle: devices must present a client certificate it vouches for.
    #[arg(long, env = "OSPREY_CWMP_TLS_CLIENT_CA")]
    pub cwmp_tls_client_ca: Option<String>,
    /// PEM certificate chain for the portal listener.
    #[arg(long, env = "OSPREY_UI_TLS_CERTIFICATE")]
    pub ui_tls_certificate: Option<String>,
    /// PEM private key for the portal listener.
    #[arg(long, env = "OSPREY_UI_TLS_KEY")]
    pub ui_tls_key: Option<String>,
}

/// Raw values by key, before checking: one layer (flags+environment, or the file).
pub type Layer = BTreeMap<&'static str, String>;

impl Flags {
    pub fn layer(&self) -> Layer {
        let pairs = [
            ("database_url", &self.database_url),
            ("ui_listen", &self.ui_listen),
            ("cwmp_listen", &self.cwmp_listen),
            ("public_url", &self.public_url),
            ("cwmp_url", &self.cwmp_url),
            ("site_root", &self.site_root),
            ("log_level", &self.log_level),
            ("log_format", &self.log_format),
            ("session_idle_minutes", &self.session_idle_minutes),
            ("trust_forwarded_for", &self.trust_forwarded_for),
            ("cwmp_max_body_bytes", &self.cwmp_max_body_bytes),
            (
                "cwmp_session_timeout_seconds",
                &self.cwmp_session_timeout_seconds,
            ),
            ("register_unknown_devices", &self.register_unknown_devices),
            (
                "connection_request_username",
                &self.connection_request_username,
            ),
            (
                "connection_request_timeout_seconds",
                &self.connection_request_timeout_seconds,
            ),
            (
                "connection_requests_per_second",
                &self.connection_requests_per_second,
            ),
            ("cwmp_auth", &self.cwmp_auth),
            ("cwmp_username", &self.cwmp_username),
            ("cwmp_auth_realm", &self.cwmp_auth_realm),
            ("cwmp_allow_basic", &self.cwmp_allow_basic),
            ("stun_listen", &self.stun_listen),
            (
                "provision_connection_request_credentials",
                &self.provision_connection_request_credentials,
            ),
            ("cwmp_tls_certificate", &self.cwmp_tls_certificate),
            ("cwmp_tls_key", &self.cwmp_tls_key),
            ("cwmp_tls_client_ca", &self.cwmp_tls_client_ca),
            ("ui_tls_certificate", &self.ui_tls_certificate),
            ("ui_tls_key", &self.ui_tls_key),
        ];
        pairs
            .into_iter()
            .filter_map(|(key, value)| value.clone().map(|value| (key, value)))
            .collect()
    }
}

/// Reads a TOML configuration file into a layer. Unknown keys are refused: a typo must not
/// silently leave a default in place.
pub fn parse_file(path: &str, text: &str) -> Result<Layer, ConfigError> {
    let file_error = |message: String| ConfigError::File {
        path: path.to_owned(),
        message,
    };
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| file_error(e.message().to_owned()))?;
    let mut layer = Layer::new();
    for (name, value) in table {
        let key = KEYS
            .iter()
            .copied()
            .find(|key| *key == name)
            .ok_or_else(|| {
                file_error(format!("unknown key '{name}' (known: {})", KEYS.join(", ")))
            })?;
        let value = match value {
            toml::Value::String(text) => text,
            toml::Value::Integer(n) => n.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(file_error(format!(
                    "{key}: expected a string, number or boolean, found {}",
                    other.type_str()
                )));
            }
        };
        layer.insert(key, value);
    }
    Ok(layer)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The checked configuration the server runs with.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    pub database_url: String,
    pub ui_listen: SocketAddr,
    pub cwmp_listen: SocketAddr,
    pub public_url: String,
    /// The ACS URL devices are given, when configured; otherwise derived from the listener.
    pub cwmp_url: Option<String>,
    pub site_root: PathBuf,
    pub log_level: String,
    pub log_format: LogFormat,
    pub session_idle_minutes: u32,
    pub trust_forwarded_for: bool,
    pub cwmp_max_body_bytes: usize,
    pub cwmp_session_timeout_seconds: u32,
    pub register_unknown_devices: bool,
    /// The first admin's password (only used when there are no users yet).
    pub admin_password: Option<String>,
    /// Connection Request credentials for devices without their own.
    pub connection_request_default: Option<app::http_auth::Credentials>,
    pub connection_request_timeout_seconds: u32,
    pub connection_requests_per_second: u32,
    pub cwmp_auth: CwmpAuth,
    pub cwmp_auth_realm: String,
    pub cwmp_allow_basic: bool,
    /// The STUN server's UDP address, when it runs.
    pub stun_listen: Option<SocketAddr>,
    pub provision_connection_request_credentials: bool,
    /// TLS on the CWMP listener (devices), when configured.
    pub cwmp_tls: Option<crate::tls::TlsFiles>,
    /// TLS on the portal listener, when configured.
    pub ui_tls: Option<crate::tls::TlsFiles>,
}

/// Who may open a CWMP session (see `app::acs::cwmp_auth`).
#[derive(Clone, PartialEq, Eq)]
pub enum CwmpAuth {
    Open,
    Shared { username: String, password: String },
    PerDevice,
}

impl std::fmt::Debug for CwmpAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CwmpAuth::Open => f.write_str("Open"),
            CwmpAuth::Shared { username, .. } => write!(f, "Shared({username}, ***)"),
            CwmpAuth::PerDevice => f.write_str("PerDevice"),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &app::store::redact_url(&self.database_url))
            .field("ui_listen", &self.ui_listen)
            .field("cwmp_listen", &self.cwmp_listen)
            .field("public_url", &self.public_url)
            .field("cwmp_url", &self.cwmp_url)
            .field("site_root", &self.site_root)
            .field("log_level", &self.log_level)
            .field("log_format", &self.log_format)
            .field("session_idle_minutes", &self.session_idle_minutes)
            .field("trust_forwarded_for", &self.trust_forwarded_for)
            .field("cwmp_max_body_bytes", &self.cwmp_max_body_bytes)
            .field(
                "cwmp_session_timeout_seconds",
                &self.cwmp_session_timeout_seconds,
            )
            .field("register_unknown_devices", &self.register_unknown_devices)
            .field(
                "admin_password",
                &self.admin_password.as_ref().map(|_| "***"),
            )
            .field(
                "connection_request_default",
                &self.connection_request_default,
            )
            .field(
                "connection_request_timeout_seconds",
                &self.connection_request_timeout_seconds,
            )
            .field(
                "connection_requests_per_second",
                &self.connection_requests_per_second,
            )
            .field("cwmp_auth", &self.cwmp_auth)
            .field("cwmp_auth_realm", &self.cwmp_auth_realm)
            .field("cwmp_allow_basic", &self.cwmp_allow_basic)
            .field("stun_listen", &self.stun_listen)
            .field(
                "provision_connection_request_credentials",
                &self.provision_connection_request_credentials,
            )
            .field("cwmp_tls", &self.cwmp_tls)
            .field("ui_tls", &self.ui_tls)
            .finish()
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/osprey.db?mode=rwc";

impl Config {
    /// Reads flags, environment and the file they name.
    pub fn load() -> Result<Config, ConfigError> {
        let flags = Flags::parse();
        let file = match &flags.config {
            Some(path) => {
                let shown = path.display().to_string();
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
                    path: shown.clone(),
                    message: e.to_string(),
                })?;
                parse_file(&shown, &text)?
            }
            None => Layer::new(),
        };
        let mut env_only = Layer::new();
        if let Ok(password) = std::env::var("OSPREY_ADMIN_PASSWORD") {
            env_only.insert("admin_password", password);
        }
        if let Ok(password) = std::env::var("OSPREY_CONNECTION_REQUEST_PASSWORD") {
            env_only.insert("connection_request_password", password);
        }
        if let Ok(password) = std::env::var("OSPREY_CWMP_PASSWORD") {
            env_only.insert("cwmp_password", password);
        }
        Config::resolve(&[flags.layer(), env_only, file])
    }

    /// Checks the merged layers (earlier layers win) and fills in defaults.
    pub fn resolve(layers: &[Layer]) -> Result<Config, ConfigError> {
        let get = |key: &'static str| {
            layers
                .iter()
                .find_map(|layer| layer.get(key))
                .map(String::as_str)
        };

        let database_url = get("database_url")
            .unwrap_or(DEFAULT_DATABASE_URL)
            .to_owned();
        if app::store::DatabaseKind::of_url(&database_url).is_none() {
            return Err(invalid(
                "database_url",
                format!(
                    "'{}' is neither sqlite:… nor postgres://…",
                    app::store::redact_url(&database_url)
                ),
            ));
        }
        let ui_listen = parse_address("ui_listen", get("ui_listen").unwrap_or("127.0.0.1:3000"))?;
        let cwmp_listen =
            parse_address("cwmp_listen", get("cwmp_listen").unwrap_or("0.0.0.0:7547"))?;

        let cwmp_tls = tls_files(
            ("cwmp_tls_certificate", get("cwmp_tls_certificate")),
            ("cwmp_tls_key", get("cwmp_tls_key")),
            get("cwmp_tls_client_ca"),
        )?;
        let ui_tls = tls_files(
            ("ui_tls_certificate", get("ui_tls_certificate")),
            ("ui_tls_key", get("ui_tls_key")),
            None,
        )?;
        let public_url = match get("public_url") {
            Some(url) => parse_http_url("public_url", url)?,
            None if ui_tls.is_some() => format!("https://{}/", reachable(ui_listen)),
            None => format!("http://{}/", reachable(ui_listen)),
        };
        let cwmp_url = get("cwmp_url")
            .map(|url| parse_http_url("cwmp_url", url))
            .transpose()?;

        let log_level = get("log_level").unwrap_or("info").to_owned();
        tracing_subscriber::EnvFilter::try_new(&log_level).map_err(|e| {
            invalid(
                "log_level",
                format!("'{log_level}' is not a log filter: {e}"),
            )
        })?;
        let log_format = match get("log_format").unwrap_or("text") {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(invalid(
                    "log_format",
                    format!("'{other}' is not text or json"),
                ));
            }
        };

        let session_idle_minutes = match get("session_idle_minutes") {
            None => 30,
            Some(text) => text
                .parse::<u32>()
                .ok()
                .filter(|minutes| (1..=1440).contains(minutes))
                .ok_or_else(|| {
                    invalid(
                        "session_idle_minutes",
                        format!("'{text}' is not a whole number of minutes from 1 to 1440"),
                    )
                })?,
        };
        let trust_forwarded_for =
            parse_bool("trust_forwarded_for", get("trust_forwarded_for"), false)?;
        let register_unknown_devices = parse_bool(
            "register_unknown_devices",
            get("register_unknown_devices"),
            true,
        )?;
        let cwmp_max_body_bytes = parse_number(
            "cwmp_max_body_bytes",
            get("cwmp_max_body_bytes"),
            1024 * 1024,
            4096..=256 * 1024 * 1024,
        )?;
        let cwmp_session_timeout_seconds = parse_number(
            "cwmp_session_timeout_seconds",
            get("cwmp_session_timeout_seconds"),
            30,
            5..=3600,
        )?;

        let admin_password = get("admin_password").map(str::to_owned);
        if let Some(password) = &admin_password {
            app::auth::validate_new_password(password, "admin")
                .map_err(|message| invalid("admin_password", message))?;
        }

        let connection_request_default = match (
            get("connection_request_username"),
            get("connection_request_password"),
        ) {
            (None, None) => None,
            (Some(username), Some(password)) if !username.is_empty() => {
                Some(app::http_auth::Credentials {
                    username: username.to_owned(),
                    password: password.to_owned(),
                })
            }
            (Some(_), Some(_)) => {
                return Err(invalid("connection_request_username", "is empty"));
            }
            (Some(_), None) => {
                return Err(invalid(
                    "connection_request_password",
                    "is missing: set it with the username (environment or file)",
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "connection_request_username",
                    "is missing: set it with the password",
                ));
            }
        };
        let connection_request_timeout_seconds = parse_number(
            "connection_request_timeout_seconds",
            get("connection_request_timeout_seconds"),
            5,
            1..=60,
        )?;
        let connection_requests_per_second = parse_number(
            "connection_requests_per_second",
            get("connection_requests_per_second"),
            50,
            1..=10_000,
        )?;

        let cwmp_auth = match get("cwmp_auth").unwrap_or("open") {
            "open" => CwmpAuth::Open,
            "per_device" => CwmpAuth::PerDevice,
            "shared" => match (get("cwmp_username"), get("cwmp_password")) {
                (Some(username), Some(password))
                    if !username.is_empty() && !password.is_empty() =>
                {
                    CwmpAuth::Shared {
                        username: username.to_owned(),
                        password: password.to_owned(),
                    }
                }
                _ => {
                    return Err(invalid(
                        "cwmp_auth",
                        "shared needs cwmp_username and cwmp_password (environment or file)",
                    ));
                }
            },
            other => {
                return Err(invalid(
                    "cwmp_auth",
                    format!("'{other}' is not open, shared or per_device"),
                ));
            }
        };
        let cwmp_auth_realm = get("cwmp_auth_realm").unwrap_or("Osprey").to_owned();
        if cwmp_auth_realm.is_empty() || cwmp_auth_realm.contains(['"', '\\']) {
            return Err(invalid(
                "cwmp_auth_realm",
                "must be non-empty, without quotes or backslashes",
            ));
        }
        let cwmp_allow_basic = parse_bool("cwmp_allow_basic", get("cwmp_allow_basic"), false)?;
        let stun_listen = get("stun_listen")
            .filter(|text| !text.is_empty())
            .map(|text| parse_address("stun_listen", text))
            .transpose()?;
        let provision_connection_request_credentials = parse_bool(
            "provision_connection_request_credentials",
            get("provision_connection_request_credentials"),
            true,
        )?;

        Ok(Config {
            database_url,
            ui_listen,
            cwmp_listen,
            public_url,
            cwmp_url,
            site_root: PathBuf::from(get("site_root").unwrap_or("target/site")),
            log_level,
            log_format,
            session_idle_minutes,
            trust_forwarded_for,
            cwmp_max_body_bytes,
            cwmp_session_timeout_seconds: u32::try_from(cwmp_session_timeout_seconds).unwrap_or(30),
            register_unknown_devices,
            admin_password,
            connection_request_default,
            connection_request_timeout_seconds: u32::try_from(connection_request_timeout_seconds)
                .unwrap_or(5),
            connection_requests_per_second: u32::try_from(connection_requests_per_second)
                .unwrap_or(50),
            cwmp_auth,
            cwmp_auth_realm,
            cwmp_allow_basic,
            stun_listen,
            provision_connection_request_credentials,
            cwmp_tls,
            ui_tls,
        })
    }

    /// The ACS URL for devices: the configured one, or the CWMP listener's bound address.
    pub fn cwmp_url_for(&self, bound: SocketAddr) -> String {
        self.cwmp_url.clone().unwrap_or_else(|| {
            let scheme = if self.cwmp_tls.is_some() {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{}/", reachable(bound))
        })
    }

    /// Cookies get `Secure` when people reach the portal over TLS.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

fn parse_bool(key: &'static str, text: Option<&str>, default: bool) -> Result<bool, ConfigError> {
    match text {
        None => Ok(default),
        Some("true" | "1" | "yes") => Ok(true),
        Some("false" | "0" | "no") => Ok(false),
        Some(other) => Err(invalid(key, format!("'{other}' is not true or false"))),
    }
}

fn parse_number(
    key: &'static str,
    text: Option<&str>,
    default: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, ConfigError> {
    let Some(text) = text else {
        return Ok(default);
    };
    text.parse::<usize>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| {
            invalid(
                key,
                format!(
                    "'{text}' is not a whole number from {} to {}",
                    range.start(),
                    range.end()
                ),
            )
        })
}

fn parse_address(key: &'static str, text: &str) -> Result<SocketAddr, ConfigError> {
    text.parse().map_err(|_| {
        invalid(
            key,
            format!("'{text}' is not an address like 127.0.0.1:3000 or [::]:7547"),
        )
    })
}

fn parse_http_url(key: &'static str, text: &str) -> Result<String, ConfigError> {
    let rest = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"))
        .ok_or_else(|| invalid(key, format!("'{text}' must start with http:// or https://")))?;
    if rest.is_empty() || rest.starts_with('/') || text.chars().any(char::is_whitespace) {
        return Err(invalid(key, format!("'{text}' has no host")));
    }
    Ok(text.to_owned())
}

/// The address to tell people: a wildcard listen address is reached as localhost.
/// A listener's certificate and key come together; a client CA needs both.
fn tls_files(
    (certificate_key, certificate): (&'static str, Option<&str>),
    (key_key, key): (&'static str, Option<&str>),
    client_ca: Option<&str>,
) -> Result<Option<crate::tls::TlsFiles>, ConfigError> {
    let present = |value: Option<&str>| value.filter(|v| !v.is_empty()).map(str::to_owned);
    match (present(certificate), present(key)) {
        (Some(certificate), Some(key)) => Ok(Some(crate::tls::TlsFiles {
            certificate,
            key,
            client_ca: present(client_ca),
        })),
        (None, None) if present(client_ca).is_some() => Err(invalid(
            "cwmp_tls_client_ca",
            "needs cwmp_tls_certificate and cwmp_tls_key",
        )),
        (None, None) => Ok(None),
        (Some(_), None) => Err(invalid(
            key_key,
            "is missing: give the certificate's key too",
        )),
        (None, Some(_)) => Err(invalid(
            certificate_key,
            "is missing: give the key's certificate too",
        )),
    }
}

fn reachable(address: SocketAddr) -> String {
    if address.ip().is_unspecified() {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), address.port()).to_string()
    } else {
        address.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(pairs: &[(&'static str, &str)]) -> Layer {
        pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_make_a_working_lab_setup() {
        let config = Config::resolve(&[]).unwrap();
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.ui_listen.to_string(), "127.0.0.1:3000");
        assert_eq!(config.cwmp_listen.to_string(), "0.0.0.0:7547");
        assert_eq!(config.public_url, "http://127.0.0.1:3000/");
        assert_eq!(
            config.cwmp_url_for(config.cwmp_listen),
            "http://127.0.0.1:7547/"
        );
        assert_eq!(config.log_format, LogFormat::Text);
        assert_eq!(config.session_idle_minutes, 30);
        assert!(!config.secure_cookies());
    }

    #[test]
    fn earlier_layers_win() {
        let config = Config::resolve(&[
            layer(&[("ui_listen", "0.0.0.0:8080")]),
            layer(&[("ui_listen", "127.0.0.1:1"), ("log_format", "json")]),
        ])
        .unwrap();
        assert_eq!(config.ui_listen.to_string(), "0.0.0.0:8080");
        assert_eq!(config.log_format, LogFormat::Json);
    }

    #[test]
    fn bad_values_name_their_key_in_one_line() {
        let cases = [
            (
                "ui_listen",
                "localhost",
                "ui_listen (--ui-listen / OSPREY_UI_LISTEN)",
            ),
            ("database_url", "mysql://x", "database_url"),
            ("log_format", "yaml", "log_format"),
            ("log_level", "info,[", "log_level"),
            ("session_idle_minutes", "0", "session_idle_minutes"),
            ("public_url", "ftp://x", "public_url"),
            ("trust_forwarded_for", "maybe", "trust_forwarded_for"),
            ("admin_password", "short", "admin_password"),
            ("cwmp_max_body_bytes", "10", "cwmp_max_body_bytes"),
            (
                "cwmp_session_timeout_seconds",
                "x",
                "cwmp_session_timeout_seconds",
            ),
            (
                "register_unknown_devices",
                "perhaps",
                "register_unknown_devices",
            ),
        ];
        for (key, value, expected) in cases {
            let error = Config::resolve(&[layer(&[(key, value)])])
                .unwrap_err()
                .to_string();
            assert!(error.contains(expected), "{key}: {error}");
            assert!(!error.contains('\n'), "{key}: {error}");
        }
    }

    #[test]
    fn connection_request_defaults_come_in_pairs_and_stay_hidden() {
        let config = Config::resolve(&[layer(&[
            ("connection_request_username", "acs"),
            ("connection_request_password", "s3cret-pass"),
        ])])
        .unwrap();
        let default = config.connection_request_default.clone().unwrap();
        assert_eq!(
            (default.username.as_str(), default.password.as_str()),
            ("acs", "s3cret-pass")
        );
        assert!(!format!("{config:?}").contains("s3cret"));
        assert_eq!(config.connection_request_timeout_seconds, 5);
        for half in [
            ("connection_request_username", "acs"),
            ("connection_request_password", "x"),
        ] {
            let error = Config::resolve(&[layer(&[half])]).unwrap_err();
            assert!(error.to_string().contains("missing"), "{error}");
        }
        assert!(Config::resolve(&[layer(&[("connection_request_timeout_seconds", "0")])]).is_err());
    }

    #[test]
    fn https_public_urls_make_cookies_secure() {
        let config =
            Config::resolve(&[layer(&[("public_url", "https://acs.example.net/")])]).unwrap();
        assert!(config.secure_cookies());
    }

    #[test]
    fn files_are_read_and_unknown_keys_refused() {
        let layer = parse_file(
            "osprey.toml",
            "ui_listen = \"0.0.0.0:3000\"\nsession_idle_minutes = 60\ntrust_forwarded_for = true\n",
        )
        .unwrap();
        let config = Config::resolve(&[layer]).unwrap();
        assert_eq!(config.session_idle_minutes, 60);
        assert!(config.trust_forwarded_for);

        let error = parse_file("osprey.toml", "ui_listn = \"x\"")
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown key 'ui_listn'"), "{error}");
        let error = parse_file("osprey.toml", "ui_listen = [1]")
            .unwrap_err()
            .to_string();
        assert!(error.contains("ui_listen"), "{error}");
        assert!(parse_file("osprey.toml", "not toml at all").is_err());
    }

    #[test]
    fn debug_output_hides_secrets() {
        let config = Config::resolve(&[layer(&[
            ("database_url", "postgres://osprey:hunter2hunter2@db/osprey"),
            ("admin_password", "a very good password"),
        ])])
        .unwrap();
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("very good"),
            "{shown}"
        );
    }
}
