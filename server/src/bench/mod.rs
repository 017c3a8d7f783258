//! The benchmark behind `make bench`: a release server in its own process on a fresh
//! database, driven from this process over loopback by simulated devices, measured, and
//! reported as a table and one JSON line per scenario.
//!
//! Scenarios (the numbers of the benchmark issue): 3, a BOOTSTRAP storm of new devices
//! whose whole trees are read; 1, periodic informs with no pending work; 2, the same with
//! one GetParameterValues per session queued through the REST API; and the ceiling, scenario
//! 1 against a trivial endpoint on the same HTTP stack with no database, measured in
//! five-second slices taken in turns with each database's scenario 1 (this machine's speed
//! moves within minutes, and a share of the ceiling means something only between figures
//! taken at one speed: each pair of slices gives a share, and the median is reported); 4,
//! the inventory: a million synthetic devices seeded in bulk, then the device list's first
//! page, searches and counts through the REST API and the portal's server-rendered page; 5,
//! the server's memory idle with them.

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
    /// Sessions per second as a share of the ceiling's (scenario 1 and 2). For scenario 1,
    /// measured in slices taken in turns with the ceiling's, the median of the slices'
    /// shares; for scenario 2, against the ceiling's rate over all its slices.
    pub share_of_ceiling: Option<f64>,
    /// Each of scenario 1's slices' share, in the order they were measured.
    pub slice_shares: Vec<f64>,
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

    /// CPU seconds spent since the start by the server, the load generator and the database.
    fn spent(&self, server: &ServerProcess) -> CpuSpent {
        CpuSpent {
            server: server.cpu_seconds() - self.server,
            load: self
                .load
                .zip(process::cpu_seconds_of(std::process::id()))
                .map(|(before, after)| after - before),
            database: self
                .database
                .as_ref()
                .zip(process::postgres_cpu_seconds())
                .map(|(before, after)| process::postgres_cpu_between(before, &after)),
        }
    }
}

/// CPU seconds a scenario (or the sum of its slices) took from each process that does its
/// work; `None` where a process was not measured.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CpuSpent {
    server: f64,
    load: Option<f64>,
    database: Option<f64>,
}

impl CpuSpent {
    fn absorb(&mut self, other: CpuSpent) {
        let sum = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
        };
        self.server += other.server;
        self.load = sum(self.load, other.load);
        self.database = sum(self.database, other.database);
    }

    /// Per 1,000 `sessions`: server, load generator, database.
    fn per_1000(&self, sessions: usize) -> [Option<f64>; 3] {
        let per_1000 = |seconds: f64| round(seconds * 1000.0 / sessions.max(1) as f64, 3);
        [
            Some(per_1000(self.server)),
            self.load.map(per_1000),
            self.database.map(per_1000),
        ]
    }
}

impl Report {
    fn new(
        scenario: &'static str,
        db: &'static str,
        config: &BenchConfig,
        Measured { stats, cpu }: &Measured,
        server: &ServerProcess,
    ) -> Report {
        let [server_cpu, load_cpu, db_cpu] = cpu.per_1000(stats.sessions);
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
            slice_shares: Vec::new(),
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

/// A target of the load: a process, its devices and a client to reach it.
struct Target<'a> {
    process: &'a ServerProcess,
    client: &'a SimClient,
    fleet: &'a Arc<Fleet>,
    /// Whose CPU counts besides the process's and the load generator's.
    database: Option<BenchDatabase>,
}

/// A run of load and the CPU it took (or the sum of several runs').
#[derive(Default)]
struct Measured {
    stats: LoadStats,
    cpu: CpuSpent,
}

impl Measured {
    /// Adds another run's figures to these, as if both had been one run.
    fn absorb(&mut self, other: Measured) {
        self.stats.absorb(other.stats);
        self.cpu.absorb(other.cpu);
    }
}

impl Target<'_> {
    /// The load until `until` (with a task queued before each session if `queuer`), and
    /// the CPU it took.
    async fn measure(
        &self,
        concurrency: usize,
        until: Until,
        queuer: Option<Arc<TaskQueuer>>,
    ) -> Measured {
        let cpu = CpuMeter::start(self.process, self.database);
        let stats = load::run(self.client, self.fleet.clone(), concurrency, until, queuer).await;
        Measured {
            stats,
            cpu: cpu.spent(self.process),
        }
    }

    /// Periodic load, no task, for `length` from now.
    async fn measure_for(&self, concurrency: usize, length: Duration) -> Measured {
        let until = Until::Deadline(Instant::now() + length);
        self.measure(concurrency, until, None).await
    }

    /// One round in which every device informs once, not timed. A failure in it is a
    /// failure all the same: the result keeps its errors, and nothing else.
    async fn warm_up(&self, concurrency: usize) -> Measured {
        let round = self.measure(concurrency, Until::EachOnce, None).await;
        Measured {
            stats: LoadStats {
                errors: round.stats.errors,
                first_errors: round.stats.first_errors,
                ..LoadStats::default()
            },
            cpu: CpuSpent::default(),
        }
    }
}

/// The trivial endpoint the ceiling is measured on, as a process of its own.
async fn start_ceiling(config: &BenchConfig) -> Result<ServerProcess, BenchError> {
    let address = free_port()?;
    ServerProcess::start(
        &config.own_binary,
        &["ceiling", "--listen", &address.to_string()],
        &[],
        address,
        address,
        address,
    )
    .await
}

/// How long a slice of the periodic scenario and of the ceiling is.
const SLICE: Duration = Duration::from_secs(5);

/// `total` cut into slices of about [`SLICE`] each (one if it is shorter).
fn slices(total: Duration) -> Vec<Duration> {
    let count = (total.as_secs_f64() / SLICE.as_secs_f64()).round().max(1.0) as u32;
    vec![total / count; count as usize]
}

/// The middle value (the mean of the two middle ones for an even count).
fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[middle]),
        _ => Some((sorted[middle - 1] + sorted[middle]) / 2.0),
    }
}

/// Scenario 1 and the ceiling in alternating slices, each pair measured side by side (the
/// first of a pair alternates too, so neither always follows the other). Returns both
/// scenarios' figures over all their slices, and each pair's share of the ceiling.
///
/// Each device informs once on each side before the first slice, unmeasured: a device's
/// first periodic Inform after its BOOTSTRAP takes the full path, which reads it and lets
/// the process remember it, and a 5 s slice on a slow minute does not reach every device.
/// What is measured is the steady state, in which every device has informed before.
async fn measure_periodic_with_ceiling(
    config: &BenchConfig,
    osprey: &Target<'_>,
    ceiling: &Target<'_>,
) -> (Measured, Measured, Vec<f64>) {
    let concurrency = config.concurrency;
    let mut periodic = osprey.warm_up(concurrency).await;
    let mut trivial = ceiling.warm_up(concurrency).await;
    let mut shares = Vec::new();
    for (index, length) in slices(config.duration).into_iter().enumerate() {
        let (ours, theirs) = if index % 2 == 0 {
            let ours = osprey.measure_for(concurrency, length).await;
            (ours, ceiling.measure_for(concurrency, length).await)
        } else {
            let theirs = ceiling.measure_for(concurrency, length).await;
            (osprey.measure_for(concurrency, length).await, theirs)
        };
        shares.push(ours.stats.per_second() / theirs.stats.per_second().max(f64::EPSILON));
        periodic.absorb(ours);
        trivial.absorb(theirs);
    }
    (periodic, trivial, shares)
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
                warn_if_autovacuum_is_off(&admin).await;
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

/// Says so when the PostgreSQL server does not vacuum by itself, as a test machine's may
/// be set up: every periodic Inform leaves a dead version of a presence row and an entry
/// in each of its indexes, which only vacuum clears, so a long run drifts away from what a
/// production database (autovacuum on, its default) would give. (In 30 s runs on
/// 2026-12-07 the two settings gave the same figures.)
async fn warn_if_autovacuum_is_off(admin: &sea_orm::DatabaseConnection) {
    let statement = sea_orm::Statement::from_string(
        admin.get_database_backend(),
        "SELECT current_setting('autovacuum') AS setting",
    );
    let setting = admin
        .query_one_raw(statement)
        .await
        .ok()
        .flatten()
        .and_then(|row| row.try_get::<String>("", "setting").ok());
    if setting.as_deref() == Some("off") {
        eprintln!(
            "osprey-bench: autovacuum is off on this PostgreSQL server (its default is on): \
             what periodic Informs leave dead is not cleared during the run"
        );
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

    let osprey = Target {
        process: &server,
        client: &client,
        fleet: &fleet,
        database: Some(database),
    };

    // 3: every device arrives new at once; each tree is read by the engine.
    let storm = osprey
        .measure(config.concurrency, Until::EachOnce, None)
        .await;
    reports.push(Report::new("bootstrap_storm", db, config, &storm, &server));
    let http = HttpClient::default();
    let base = format!("http://{}", server.ui);
    let token = create_token(&http, &base).await?;
    let registered = count_devices(&http, &base, &token).await?;
    if registered != u64::from(config.devices) {
        return Err(BenchError::Check(format!(
            "{registered} of {} devices registered after the storm ({:?})",
            config.devices, storm.stats.first_errors
        )));
    }

    // 1: periodic informs, no pending work, and the ceiling beside it (each waits idle
    // while the other is measured).
    let endpoint = start_ceiling(config).await?;
    let ceiling_client = SimClient::new(&format!("http://{}/", endpoint.cwmp))
        .map_err(|e| BenchError::Http(e.to_string()))?;
    let ceiling_fleet = Arc::new(Fleet::new(0, config.devices));
    let ceiling_target = Target {
        process: &endpoint,
        client: &ceiling_client,
        fleet: &ceiling_fleet,
        database: None,
    };
    let (periodic, ceiling, shares) =
        measure_periodic_with_ceiling(config, &osprey, &ceiling_target).await;
    let mut periodic_report = Report::new("periodic", db, config, &periodic, &server);
    periodic_report.share_of_ceiling = median(&shares).map(|share| round(share, 3));
    periodic_report.slice_shares = shares.iter().map(|share| round(*share, 3)).collect();
    reports.push(periodic_report);
    let ceiling = Report::new("ceiling", "none", config, &ceiling, &endpoint);
    drop(endpoint);
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
    let with_task_run = osprey
        .measure(
            config.concurrency,
            Until::Deadline(Instant::now() + config.duration),
            Some(queuer),
        )
        .await;
    let with_task = &with_task_run.stats;
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
        &with_task_run,
        &server,
    ));
    for report in &mut reports {
        if matches!(report.scenario, "periodic" | "periodic_with_task") {
            report.share_of_ceiling.get_or_insert(round(
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
        .stats
        .first_errors
        .iter()
        .chain(&periodic.stats.first_errors)
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

/// The table people read. The ceiling column of scenario 1 is the median of its slices'
/// shares, with the lowest and highest in brackets.
pub fn print_table(reports: &[Report]) {
    println!(
        "{:<20} {:<7} {:>8} {:>9} {:>9} {:>8} {:>8} {:>8} {:>7} {:>9} {:>9} {:>9} {:>8} {:>14} {:>9}",
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
    for r in reports {
        let optional = |value: Option<f64>, places: usize| {
            value.map_or("-".to_owned(), |v| format!("{v:.places$}"))
        };
        println!(
            "{:<20} {:<7} {:>8} {:>9.1} {:>9.2} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>9} {:>9} {:>9} {:>8} {:>14} {:>9}",
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
            ceiling_cell(r),
            percent(r.cpu_share_of_ceiling),
        );
    }
}

fn percent(share: Option<f64>) -> String {
    share.map_or("-".to_owned(), |s| format!("{:.0}%", s * 100.0))
}

/// The share of the ceiling, with the lowest and highest slice's when there were several.
fn ceiling_cell(report: &Report) -> String {
    let shares = &report.slice_shares;
    let low = shares.iter().copied().reduce(f64::min);
    let high = shares.iter().copied().reduce(f64::max);
    match low.zip(high) {
        Some((low, high)) if shares.len() > 1 => format!(
            "{} ({:.0}–{:.0})",
            percent(report.share_of_ceiling),
            low * 100.0,
            high * 100.0
        ),
        _ => percent(report.share_of_ceiling),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_is_cut_into_slices_of_about_five_seconds() {
        assert_eq!(slices(Duration::from_secs(60)), vec![SLICE; 12]);
        assert_eq!(
            slices(Duration::from_secs(22)),
            vec![Duration::from_millis(5500); 4]
        );
        assert_eq!(slices(Duration::from_secs(2)), vec![Duration::from_secs(2)]);
    }

    #[test]
    fn the_median_takes_the_middle_or_the_mean_of_the_two_middle_values() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[0.5, 0.2, 0.9]), Some(0.5));
        assert_eq!(median(&[1.0, 0.25, 0.75, 0.5]), Some(0.625));
    }
}
