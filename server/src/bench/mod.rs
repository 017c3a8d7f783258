//! The benchmark behind `make bench`: a release server in its own process on a fresh
//! database, driven from this process over loopback by simulated devices, measured, and
//! reported as a table and one JSON line per scenario.
//!
//! Scenarios (the numbers of the benchmark issue): 3, a BOOTSTRAP storm of new devices
//! whose whole trees are read; 1, periodic informs with no pending work; 2, the same with
//! one GetParameterValues per session queued through the REST API; and the ceiling, scenario
//! 1 against a trivial endpoint on the same HTTP stack with no database, measured right
//! after each database's scenario 1 (this machine's speed moves within minutes, and a share
//! of the ceiling means something only between figures taken at one speed); 4, the inventory:
//! a million synthetic devices seeded in bulk, then the device list's first page, searches
//! and counts through the REST API and the portal's server-rendered page; 5, the server's
//! memory idle with them.

pub mod ceiling;
mod http;
mod inventory;
mod load;
mod process;

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use sea_orm::{ConnectionTrait, Database};
use serde::Serialize;

use self::{
    http::HttpClient,
    load::{Fleet, LoadStats, TaskQueuer, Until},
    process::{ServerProcess, free_port},
};
use crate::sim::client::SimClient;

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("cannot start the server: {0}")]
    Start(String),
    #[error("HTTP: {0}")]
    Http(String),
    #[error("database: {0}")]
    Database(String),
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Check(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchDatabase {
    Sqlite,
    Postgres,
}

impl BenchDatabase {
    pub fn label(self) -> &'static str {
        match self {
            BenchDatabase::Sqlite => "sqlite",
            BenchDatabase::Postgres => "pg",
        }
    }
}

#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// The server binary (a release build).
    pub osprey: PathBuf,
    /// This program, started again as the ceiling endpoint.
    pub own_binary: PathBuf,
    pub databases: Vec<BenchDatabase>,
    /// An existing PostgreSQL database to connect to, to create the benchmark's own.
    pub pg_url: String,
    pub devices: u32,
    pub concurrency: usize,
    pub duration: Duration,
    /// Devices seeded for the inventory scenario (0: skipped).
    pub inventory_devices: u32,
}

/// One scenario's figures; printed as a table row and as a JSON line.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scenario: &'static str,
    pub db: &'static str,
    pub devices: u32,
    pub concurrency: usize,
    pub seconds: f64,
    pub sessions: usize,
    pub sessions_per_s: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub errors: usize,
    /// Server CPU seconds per 1,000 sessions (user + system).
    pub cpu_s_per_1000: Option<f64>,
    /// The load generator's (this process's) CPU seconds per 1,000 sessions.
    pub load_cpu_s_per_1000: Option<f64>,
    /// PostgreSQL's CPU seconds per 1,000 sessions, when it runs on this machine (SQLite's
    /// work is the server's own).
    pub db_cpu_s_per_1000: Option<f64>,
    pub rss_mib: Option<f64>,
    /// Sessions per second as a share of the ceiling's (scenario 1 and 2).
    pub share_of_ceiling: Option<f64>,
    /// The share of the ceiling the CPU per session allows (scenario 1 and 2): the
    /// ceiling's CPU per session (its endpoint and the load generator) over this
    /// scenario's (server, load generator, PostgreSQL). What the share would be if both
    /// kept the machine busy; the gap to `share_of_ceiling` is time the machine idled
    /// while sessions waited. It moves less with the machine's speed than either rate.
    pub cpu_share_of_ceiling: Option<f64>,
}

/// CPU readings at the start of a scenario, of every process that does its work.
pub(crate) struct CpuMeter {
    server: f64,
    load: Option<f64>,
    database: Option<std::collections::HashMap<u32, f64>>,
}

impl CpuMeter {
    /// Readings now; `database` when the scenario runs on PostgreSQL.
    pub(crate) fn start(server: &ServerProcess, database: Option<BenchDatabase>) -> CpuMeter {
        CpuMeter {
            server: server.cpu_seconds(),
            load: process::cpu_seconds_of(std::process::id()),
            database: matches!(database, Some(BenchDatabase::Postgres))
                .then(process::postgres_cpu_seconds)
                .flatten(),
        }
    }

    /// CPU seconds per 1,000 `sessions` since the start: server, load generator, database.
    fn per_1000(&self, server: &ServerProcess, sessions: usize) -> [Option<f64>; 3] {
        let per_1000 = |seconds: f64| round(seconds * 1000.0 / sessions.max(1) as f64, 3);
        let load = self
            .load
            .zip(process::cpu_seconds_of(std::process::id()))
            .map(|(before, after)| per_1000(after - before));
        let database = self
            .database
            .as_ref()
            .zip(process::postgres_cpu_seconds())
            .map(|(before, after)| per_1000(process::postgres_cpu_between(before, &after)));
        [
            Some(per_1000(server.cpu_seconds() - self.server)),
            load,
            database,
        ]
    }
}

impl Report {
    fn new(
        scenario: &'static str,
        db: &'static str,
        config: &BenchConfig,
        stats: &LoadStats,
        server: &ServerProcess,
        cpu: &CpuMeter,
    ) -> Report {
        let [server_cpu, load_cpu, db_cpu] = cpu.per_1000(server, stats.sessions);
        Report {
            scenario,
            db,
            devices: config.devices,
            concurrency: config.concurrency,
            seconds: round(stats.elapsed.as_secs_f64(), 2),
            sessions: stats.sessions,
            sessions_per_s: round(stats.per_second(), 1),
            p50_ms: round(stats.percentile_ms(0.50), 2),
            p95_ms: round(stats.percentile_ms(0.95), 2),
            p99_ms: round(stats.percentile_ms(0.99), 2),
            errors: stats.errors,
            cpu_s_per_1000: server_cpu,
            load_cpu_s_per_1000: load_cpu,
            db_cpu_s_per_1000: db_cpu,
            rss_mib: Some(round(server.rss_mib(), 1)),
            share_of_ceiling: None,
            cpu_share_of_ceiling: None,
        }
    }

    /// CPU seconds per 1,000 sessions of every process measured.
    fn total_cpu_s_per_1000(&self) -> Option<f64> {
        Some(
            self.cpu_s_per_1000?
                + self.load_cpu_s_per_1000?
                + self.db_cpu_s_per_1000.unwrap_or(0.0),
        )
    }
}

pub(crate) fn round(value: f64, places: i32) -> f64 {
    let factor = 10f64.powi(places);
    (value * factor).round() / factor
}

const ADMIN_PASSWORD: &str = "bench-admin-password";

/// Runs every scenario on every configured database, each with the ceiling beside it.
pub async fn run(config: &BenchConfig) -> Result<Vec<Report>, BenchError> {
    let mut reports = Vec::new();
    for database in &config.databases {
        reports.extend(run_on(config, *database).await?);
        if config.inventory_devices > 0 {
            reports.extend(inventory::run(config, *database).await?);
        }
    }
    Ok(reports)
}

async fn run_ceiling(config: &BenchConfig) -> Result<Report, BenchError> {
    let address = free_port()?;
    let endpoint = ServerProcess::start(
        &config.own_binary,
        &["ceiling", "--listen", &address.to_string()],
        &[],
        address,
        address,
        address,
    )
    .await?;
    let client = SimClient::new(&format!("http://{address}/"))
        .map_err(|e| BenchError::Http(e.to_string()))?;
    let fleet = Arc::new(Fleet::new(0, config.devices));
    let cpu = CpuMeter::start(&endpoint, None);
    let stats = load::run(
        &client,
        fleet,
        config.concurrency,
        Until::Deadline(Instant::now() + config.duration),
        None,
    )
    .await;
    Ok(Report::new(
        "ceiling", "none", config, &stats, &endpoint, &cpu,
    ))
}

/// A fresh database: a SQLite file in a temporary directory, or a new PostgreSQL database.
pub(crate) struct FreshDatabase {
    url: String,
    drop: Option<(String, String)>,
    directory: Option<PathBuf>,
}

impl FreshDatabase {
    pub(crate) async fn create(
        database: BenchDatabase,
        pg_url: &str,
    ) -> Result<FreshDatabase, BenchError> {
        let name = format!("osprey_bench_{}", std::process::id());
        match database {
            BenchDatabase::Sqlite => {
                let directory = std::env::temp_dir().join(&name);
                let _ = std::fs::remove_dir_all(&directory);
                std::fs::create_dir_all(&directory).map_err(|e| BenchError::Io(e.to_string()))?;
                Ok(FreshDatabase {
                    url: format!("sqlite://{}/osprey.db?mode=rwc", directory.display()),
                    drop: None,
                    directory: Some(directory),
                })
            }
            BenchDatabase::Postgres => {
                let admin = Database::connect(pg_url)
                    .await
                    .map_err(|e| BenchError::Database(format!("{pg_url}: {e}")))?;
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await;
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .map_err(|e| BenchError::Database(e.to_string()))?;
                let base = pg_url.rsplit_once('/').map_or(pg_url, |(base, _)| base);
                Ok(FreshDatabase {
                    url: format!("{base}/{name}"),
                    drop: Some((pg_url.to_owned(), name)),
                    directory: None,
                })
            }
        }
    }

    pub(crate) async fn remove(self) {
        if let Some(directory) = self.directory {
            let _ = std::fs::remove_dir_all(directory);
        }
        if let Some((admin_url, name)) = self.drop
            && let Ok(admin) = Database::connect(&admin_url).await
        {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
}

async fn run_on(config: &BenchConfig, database: BenchDatabase) -> Result<Vec<Report>, BenchError> {
    let fresh = FreshDatabase::create(database, &config.pg_url).await?;
    let outcome = run_scenarios(config, database, &fresh.url).await;
    fresh.remove().await;
    outcome
}

async fn run_scenarios(
    config: &BenchConfig,
    database: BenchDatabase,
    url: &str,
) -> Result<Vec<Report>, BenchError> {
    let db = database.label();
    let server = start_osprey(config, url).await?;
    let client = SimClient::new(&format!("http://{}/", server.cwmp))
        .map_err(|e| BenchError::Http(e.to_string()))?;
    let fleet = Arc::new(Fleet::new(0, config.devices));
    let mut reports = Vec::new();

    // 3: every device arrives new at once; each tree is read by the engine.
    let cpu = CpuMeter::start(&server, Some(database));
    let storm = load::run(
        &client,
        fleet.clone(),
        config.concurrency,
        Until::EachOnce,
        None,
    )
    .await;
    reports.push(Report::new(
        "bootstrap_storm",
        db,
        config,
        &storm,
        &server,
        &cpu,
    ));
    let http = HttpClient::default();
    let base = format!("http://{}", server.ui);
    let token = create_token(&http, &base).await?;
    let registered = count_devices(&http, &base, &token).await?;
    if registered != u64::from(config.devices) {
        return Err(BenchError::Check(format!(
            "{registered} of {} devices registered after the storm ({:?})",
            config.devices, storm.first_errors
        )));
    }

    // 1: periodic informs, no pending work.
    let cpu = CpuMeter::start(&server, Some(database));
    let periodic = load::run(
        &client,
        fleet.clone(),
        config.concurrency,
        Until::Deadline(Instant::now() + config.duration),
        None,
    )
    .await;
    reports.push(Report::new(
        "periodic", db, config, &periodic, &server, &cpu,
    ));
    // The ceiling, right after: the server waits idle meanwhile.
    let ceiling = run_ceiling(config).await?;
    let ceiling_per_s = ceiling.sessions_per_s;
    let ceiling_cpu = ceiling.total_cpu_s_per_1000();
    reports.push(ceiling);

    // 2: the same, each session carrying one task queued through the API just before.
    let targets = device_targets(&http, &base, &token, &fleet).await?;
    let queuer = Arc::new(TaskQueuer {
        http,
        url: base,
        token,
        targets,
    });
    let cpu = CpuMeter::start(&server, Some(database));
    let with_task = load::run(
        &client,
        fleet,
        config.concurrency,
        Until::Deadline(Instant::now() + config.duration),
        Some(queuer),
    )
    .await;
    let expected = with_task.sessions as u64 - with_task.errors as u64;
    if with_task.errors == 0 && with_task.requests_answered < expected {
        return Err(BenchError::Check(format!(
            "{} of {expected} sessions carried their task",
            with_task.requests_answered
        )));
    }
    reports.push(Report::new(
        "periodic_with_task",
        db,
        config,
        &with_task,
        &server,
        &cpu,
    ));
    for report in &mut reports {
        if matches!(report.scenario, "periodic" | "periodic_with_task") {
            report.share_of_ceiling = Some(round(
                report.sessions_per_s / ceiling_per_s.max(f64::EPSILON),
                3,
            ));
            report.cpu_share_of_ceiling = ceiling_cpu
                .zip(report.total_cpu_s_per_1000())
                .map(|(ceiling, scenario)| round(ceiling / scenario.max(f64::EPSILON), 3));
        }
    }
    for report in &reports {
        if report.errors > 0 {
            eprintln!(
                "bench: {} on {db}: {} errors",
                report.scenario, report.errors
            );
        }
    }
    for error in storm
        .first_errors
        .iter()
        .chain(&periodic.first_errors)
        .chain(&with_task.first_errors)
        .take(5)
    {
        eprintln!("  {error}");
    }
    Ok(reports)
}

/// The release server on the database at `url`, on free loopback ports.
pub(crate) async fn start_osprey(
    config: &BenchConfig,
    url: &str,
) -> Result<ServerProcess, BenchError> {
    let (ui, cwmp) = (free_port()?, free_port()?);
    ServerProcess::start(
        &config.osprey,
        &[],
        &[
            ("OSPREY_DATABASE_URL", url.to_owned()),
            ("OSPREY_UI_LISTEN", ui.to_string()),
            ("OSPREY_CWMP_LISTEN", cwmp.to_string()),
            ("OSPREY_ADMIN_PASSWORD", ADMIN_PASSWORD.to_owned()),
            ("OSPREY_LOG_LEVEL", "warn".to_owned()),
            ("OSPREY_SITE_ROOT", "/nonexistent-site".to_owned()),
        ],
        ui,
        cwmp,
        ui,
    )
    .await
}

/// Signs in as the first admin and creates an API token; returns its secret.
async fn create_token(http: &HttpClient, base: &str) -> Result<String, BenchError> {
    Ok(sign_in_with_token(http, base).await?.0)
}

/// Signs in as the first admin; returns a new API token's secret and the portal cookie.
async fn sign_in_with_token(http: &HttpClient, base: &str) -> Result<(String, String), BenchError> {
    let form = [("content-type", "application/x-www-form-urlencoded")];
    let login = http
        .send(
            "POST",
            &format!("{base}/api/login"),
            &form,
            format!("username=admin&password={ADMIN_PASSWORD}"),
        )
        .await?;
    let cookie = login
        .cookies
        .iter()
        .find(|c| c.starts_with("osprey_session="))
        .cloned()
        .ok_or_else(|| {
            BenchError::Check(format!("sign-in failed: {} {}", login.status, login.body))
        })?;
    let created = http
        .send(
            "POST",
            &format!("{base}/api/create_api_token"),
            &[form[0], ("cookie", &cookie)],
            "name=bench&role=admin".to_owned(),
        )
        .await?;
    let secret = serde_json::from_str::<serde_json::Value>(&created.body)
        .ok()
        .and_then(|json| json["secret"].as_str().map(str::to_owned))
        .ok_or_else(|| BenchError::Check(format!("token creation failed: {}", created.body)))?;
    Ok((secret, cookie))
}

async fn api_get(
    http: &HttpClient,
    url: &str,
    token: &str,
) -> Result<serde_json::Value, BenchError> {
    let answer = http
        .send(
            "GET",
            url,
            &[("authorization", &format!("Bearer {token}"))],
            String::new(),
        )
        .await?;
    if answer.status != 200 {
        return Err(BenchError::Check(format!(
            "GET {url}: {} {}",
            answer.status, answer.body
        )));
    }
    serde_json::from_str(&answer.body).map_err(|e| BenchError::Check(format!("GET {url}: {e}")))
}

async fn count_devices(http: &HttpClient, base: &str, token: &str) -> Result<u64, BenchError> {
    Ok(
        api_get(http, &format!("{base}/api/v1/devices/count"), token).await?["count"]
            .as_u64()
            .unwrap_or(0),
    )
}

/// Each fleet slot's device id (read page by page through the API) and a parameter to read.
async fn device_targets(
    http: &HttpClient,
    base: &str,
    token: &str,
    fleet: &Fleet,
) -> Result<Vec<(i64, String)>, BenchError> {
    let mut ids = std::collections::HashMap::new();
    let mut cursor = String::new();
    loop {
        let page = api_get(
            http,
            &format!("{base}/api/v1/devices?limit=1000&cursor={cursor}"),
            token,
        )
        .await?;
        for device in page["devices"].as_array().into_iter().flatten() {
            if let (Some(serial), Some(id)) =
                (device["serial_number"].as_str(), device["id"].as_i64())
            {
                ids.insert(serial.to_owned(), id);
            }
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    let mut targets = Vec::with_capacity(fleet.len());
    for slot in 0..fleet.len() {
        let serial = fleet.serial(slot).await;
        let id = *ids
            .get(&serial)
            .ok_or_else(|| BenchError::Check(format!("{serial} is not in the device list")))?;
        targets.push((id, format!("{}DeviceInfo.UpTime", fleet.root(slot).await)));
    }
    Ok(targets)
}

/// The table people read.
pub fn print_table(reports: &[Report]) {
    println!(
        "{:<20} {:<7} {:>8} {:>9} {:>9} {:>8} {:>8} {:>8} {:>7} {:>9} {:>9} {:>9} {:>8} {:>8} {:>9}",
        "scenario",
        "db",
        "sessions",
        "per s",
        "seconds",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "errors",
        "cpu/1000",
        "load/1000",
        "db/1000",
        "rss MiB",
        "ceiling",
        "cpu allows"
    );
    let percent =
        |share: Option<f64>| share.map_or("-".to_owned(), |s| format!("{:.0}%", s * 100.0));
    for r in reports {
        let optional = |value: Option<f64>, places: usize| {
            value.map_or("-".to_owned(), |v| format!("{v:.places$}"))
        };
        println!(
            "{:<20} {:<7} {:>8} {:>9.1} {:>9.2} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>9} {:>9} {:>9} {:>8} {:>8} {:>9}",
            r.scenario,
            r.db,
            r.sessions,
            r.sessions_per_s,
            r.seconds,
            r.p50_ms,
            r.p95_ms,
            r.p99_ms,
            r.errors,
            optional(r.cpu_s_per_1000, 3),
            optional(r.load_cpu_s_per_1000, 3),
            optional(r.db_cpu_s_per_1000, 3),
            optional(r.rss_mib, 1),
            percent(r.share_of_ceiling),
            percent(r.cpu_share_of_ceiling),
        );
    }
}
