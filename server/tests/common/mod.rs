//! The test harness: a real database (a temporary SQLite file, or a private schema in the
//! PostgreSQL at `DATABASE_URL_PG`), the real services and the real portal router, driven
//! without sockets through `tower::ServiceExt::oneshot`.

#![allow(dead_code)]

use std::{
    path::PathBuf,
    sync::atomic::{AtomicU32, Ordering},
};

use app::{services::Services, store::DeviceKey};
use axum::{
    Router,
    body::Body,
    http::{HeaderMap, Request, StatusCode, header},
};
use sea_orm::{ConnectionTrait, Database};
use server::{
    config::{Config, Layer},
    routes::ui_router,
    sim::device::SimDevice,
    startup::{self, FirstAdmin, Running, prepare, ui_state},
};
use tower::ServiceExt;

pub const ADMIN_PASSWORD: &str = "test-admin-password";
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates, for each named async test body `fn(Backend)`, one test per database.
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    $crate::common::within_time_limit(super::$name($crate::common::Backend::Sqlite)).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    $crate::common::within_time_limit(super::$name($crate::common::Backend::Postgres)).await
                }
            }
        )*
    };
}

/// Longer than any test takes on a loaded machine; a hang fails its test instead of CI's clock.
pub const TEST_TIME_LIMIT: std::time::Duration = std::time::Duration::from_secs(300);

pub async fn within_time_limit(test: impl std::future::Future<Output = ()>) {
    if tokio::time::timeout(TEST_TIME_LIMIT, test).await.is_err() {
        panic!("the test did not finish within {TEST_TIME_LIMIT:?}: something hangs");
    }
}

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "osprey_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A database of its own for one test; `cleanup` removes it.
pub struct TestDb {
    pub url: String,
    pub schema: Option<String>,
    directory: Option<PathBuf>,
}

impl TestDb {
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let directory = std::env::temp_dir().join(unique_name());
                std::fs::create_dir_all(&directory).expect("temporary directory");
                TestDb {
                    url: format!("sqlite://{}/osprey.db?mode=rwc", directory.display()),
                    schema: None,
                    directory: Some(directory),
                }
            }
            Backend::Postgres => {
                let url =
                    std::env::var("DATABASE_URL_PG").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
                let schema = unique_name();
                let db = Database::connect(&url).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL must be reachable at DATABASE_URL_PG ({url}): {e}")
                });
                db.execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
                    .await
                    .expect("create a test schema");
                TestDb {
                    url,
                    schema: Some(schema),
                    directory: None,
                }
            }
        }
    }

    pub async fn cleanup(self) {
        if let Some(directory) = &self.directory {
            let _ = std::fs::remove_dir_all(directory);
        }
        if let Some(schema) = &self.schema
            && let Ok(db) = Database::connect(&self.url).await
        {
            let _ = db
                .execute_unprepared(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
                .await;
        }
    }
}

/// What a test sees of a response.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    /// The session cookie this response sets (`name=value`), if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.set_cookie_header()
            .map(|value| value.split(';').next().unwrap_or_default().to_owned())
    }

    /// The whole `Set-Cookie` header for the session cookie.
    pub fn set_cookie_header(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("osprey_session="))
            .map(str::to_owned)
    }

    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    /// The `code` of an `AppError` body.
    pub fn error_code(&self) -> Option<String> {
        serde_json::from_str::<serde_json::Value>(&self.body)
            .ok()?
            .get("code")?
            .as_str()
            .map(str::to_owned)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub struct TestApp {
    pub router: Router,
    pub services: Services,
    pub first_admin: Option<FirstAdmin>,
    pub config: Config,
    pub db: TestDb,
}

impl TestApp {
    pub async fn new(backend: Backend) -> TestApp {
        TestApp::with_settings(backend, &[]).await
    }

    /// A portal on a fresh database with `settings` on top of the test defaults.
    pub async fn with_settings(backend: Backend, settings: &[(&'static str, &str)]) -> TestApp {
        let db = TestDb::new(backend).await;
        let mut layer: Layer = settings
            .iter()
            .map(|(k, v)| (*k, (*v).to_owned()))
            .collect();
        layer
            .entry("database_url")
            .or_insert_with(|| db.url.clone());
        layer
            .entry("admin_password")
            .or_insert_with(|| ADMIN_PASSWORD.to_owned());
        layer
            .entry("site_root")
            .or_insert_with(|| "/nonexistent-site".to_owned());
        let config = Config::resolve(&[layer]).expect("test configuration");
        let (services, first_admin) =
            prepare(&config, db.schema.as_deref(), "http://127.0.0.1:7547/")
                .await
                .expect("prepare the services");
        let router = ui_router(ui_state(&config, services.clone(), config.ui_listen));
        TestApp {
            router,
            services,
            first_admin,
            config,
            db,
        }
    }

    pub async fn finish(self) {
        self.db.cleanup().await;
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router never fails");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 10 * 1024 * 1024)
            .await
            .expect("read the body");
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// A page, as a browser asks for it.
    pub async fn page(&self, path: &str, cookie: Option<&str>) -> Reply {
        let mut request = Request::get(path).header(header::ACCEPT, "text/html");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).expect("request"))
            .await
    }

    /// A server function, as the hydrated portal calls it: a form-encoded POST.
    pub async fn call(&self, function: &str, cookie: Option<&str>, form: &str) -> Reply {
        let mut request = Request::post(format!("/api/{function}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::from(form.to_owned())).expect("request"))
            .await
    }

    /// A server function that takes JSON (its arguments as one object).
    pub async fn call_json(
        &self,
        function: &str,
        cookie: Option<&str>,
        arguments: serde_json::Value,
    ) -> Reply {
        let mut request = Request::post(format!("/api/{function}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(
            request
                .body(Body::from(arguments.to_string()))
                .expect("request"),
        )
        .await
    }

    /// Signs in and returns the session cookie to send back (`osprey_session=…`).
    pub async fn sign_in(&self, username: &str, password: &str) -> String {
        let reply = self
            .call(
                "login",
                None,
                &format!("username={username}&password={password}"),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "sign-in as {username}: {}",
            reply.body
        );
        reply.session_cookie().expect("a session cookie")
    }

    pub async fn admin(&self) -> String {
        self.sign_in("admin", ADMIN_PASSWORD).await
    }

    /// A stored user, who must exist.
    pub async fn user(&self, username: &str) -> app::store::StoredUser {
        self.services
            .store
            .user_by_name(username)
            .await
            .expect("read the user")
            .unwrap_or_else(|| panic!("no user {username}"))
    }

    /// Creates a user through the admin's server function and signs them in.
    pub async fn user_with_role(&self, username: &str, role: &str) -> String {
        let admin = self.admin().await;
        let password = format!("{username}-password-1");
        let reply = self
            .call(
                "create_user",
                Some(&admin),
                &format!("username={username}&role={role}&password={password}"),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "create {username}: {}",
            reply.body
        );
        self.sign_in(username, &password).await
    }
}

/// The whole server on port 0 (portal and CWMP) over `db`, with `extra` settings.
pub async fn start_server(db: &TestDb, extra: &[(&'static str, &str)]) -> Running {
    let mut layer: Layer = [
        ("database_url", db.url.clone()),
        ("ui_listen", "127.0.0.1:0".to_owned()),
        ("cwmp_listen", "127.0.0.1:0".to_owned()),
        ("admin_password", ADMIN_PASSWORD.to_owned()),
    ]
    .into_iter()
    .collect();
    for (key, value) in extra {
        layer.insert(key, (*value).to_owned());
    }
    let config = Config::resolve(&[layer]).expect("configuration");
    startup::start_with_schema(&config, db.schema.as_deref())
        .await
        .expect("start")
}

/// An HTTP request over a real socket (the API tests talk to a started server).
pub async fn http(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> Reply {
    let response = http_response(method, url, headers, body).await;
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .expect("read the body")
        .to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// The response itself, for streaming bodies (server-sent events).
pub async fn http_response(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> hyper::Response<hyper::body::Incoming> {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<axum::body::Bytes>>();
    let mut request = hyper::Request::builder().method(method).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request = request
        .body(http_body_util::Full::new(axum::body::Bytes::from(
            body.unwrap_or_default(),
        )))
        .expect("a request");
    client.request(request).await.expect("the server answers")
}

/// The id the server gave a simulated device (it has had its first session).
pub async fn registered_device_id(services: &Services, device: &SimDevice) -> i64 {
    services
        .store
        .device_by_key(&DeviceKey {
            oui: device.id.oui.clone(),
            product_class: device.id.product_class.clone(),
            serial_number: device.id.serial_number.clone(),
        })
        .await
        .expect("the store answers")
        .expect("registered")
        .id
}
