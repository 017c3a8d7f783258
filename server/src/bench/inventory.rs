//! Scenarios 4 and 5: the inventory at scale. Synthetic devices are seeded in bulk (through
//! the store, before the server starts), then each request is timed 50 times, one after the
//! other: the device list's first page, searches and counts through the REST API, and the
//! portal's server-rendered Devices page and dashboard. Counting the fleet for the
//! dashboard's snapshot (a background job) is timed once. The server's memory is read idle,
//! with them all in the database, and again at the end.

use std::time::{Duration, Instant};

use app::store::{SYNTHETIC_CLASSES, SYNTHETIC_VERSIONS, Store};
use sea_orm::ConnectionTrait;

use super::{
    BenchConfig, BenchDatabase, BenchError, FreshDatabase, Report, http::HttpClient, round,
    sign_in_with_token, start_osprey,
};

/// Timed requests per query.
const REPEATS: usize = 50;
/// Timed requests of the search that reads every tree.
const SLOW_REPEATS: usize = 10;

pub async fn run(config: &BenchConfig, database: BenchDatabase) -> Result<Vec<Report>, BenchError> {
    let fresh = FreshDatabase::create(database, &config.pg_url).await?;
    let outcome = measure(config, database, &fresh.url).await;
    fresh.remove().await;
    outcome
}

async fn measure(
    config: &BenchConfig,
    database: BenchDatabase,
    url: &str,
) -> Result<Vec<Report>, BenchError> {
    let db = database.label();
    let count = config.inventory_devices;
    let seeding = Instant::now();
    let store = Store::open(url, None)
        .await
        .map_err(|e| BenchError::Database(e.to_string()))?;
    store
        .insert_synthetic_devices(0, count, chrono::Utc::now())
        .await
        .map_err(|e| BenchError::Database(e.to_string()))?;
    // A production database has its statistics and visibility map kept by (auto)vacuum;
    // a freshly seeded one has neither, and its plans and counts would say nothing true.
    let maintenance = match database {
        BenchDatabase::Sqlite => "ANALYZE",
        BenchDatabase::Postgres => "VACUUM ANALYZE device, device_presence, indexed_parameter",
    };
    sea_orm::Database::connect(url)
        .await
        .map_err(|e| BenchError::Database(e.to_string()))?
        .execute_unprepared(maintenance)
        .await
        .map_err(|e| BenchError::Database(e.to_string()))?;
    eprintln!(
        "osprey-bench: {count} devices seeded on {db} in {:.1} s (then {maintenance})",
        seeding.elapsed().as_secs_f64()
    );
    // What the dashboard's background job costs at this size (it runs every 20x that).
    let counting = Instant::now();
    store
        .count_fleet(chrono::Utc::now())
        .await
        .map_err(|e| BenchError::Database(e.to_string()))?;
    let fleet_ms = round(counting.elapsed().as_secs_f64() * 1000.0, 1);
    drop(store);
    let server = start_osprey(config, url).await?;
    // Let start-up settle before reading the idle figure.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss = server.rss_mib();
    let http = HttpClient::default();
    let base = format!("http://{}", server.ui);
    let (token, cookie) = sign_in_with_token(&http, &base).await?;
    let bearer = format!("Bearer {token}");
    let (class, _, _) = SYNTHETIC_CLASSES[0];
    let version = SYNTHETIC_VERSIONS[3];
    let search = encode(&format!(
        "product_class = {class} AND software_version = {version}"
    ));
    // Indexed parameters (`store::INDEXED_PARAMETERS`): an SSID within a product class, and
    // a PPPoE username alone, as helpdesk staff look a customer's device up.
    let parameter = encode(&format!(
        "product_class = {class} AND InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID = home-00015"
    ));
    let username = encode(
        "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.Username = customer0000015@isp.example",
    );
    // One that is not indexed: every tree of the product class is read.
    let unindexed = encode(&format!(
        "product_class = {class} AND InternetGatewayDevice.DeviceInfo.UpTime = 15"
    ));
    let serial = encode("serial_number ~ BENCH00001234");
    let queries: Vec<(&'static str, String, bool)> = vec![
        (
            "inventory_first_page",
            "/api/v1/devices?limit=50".to_owned(),
            false,
        ),
        (
            "inventory_search",
            format!("/api/v1/devices?limit=50&q={search}"),
            false,
        ),
        (
            "inventory_serial_prefix",
            format!("/api/v1/devices?limit=50&q={serial}"),
            false,
        ),
        (
            "inventory_parameter",
            format!("/api/v1/devices?limit=50&q={parameter}"),
            false,
        ),
        (
            "inventory_parameter_username",
            format!("/api/v1/devices?limit=50&q={username}"),
            false,
        ),
        (
            "inventory_parameter_unindexed",
            format!("/api/v1/devices?limit=50&q={unindexed}"),
            false,
        ),
        ("inventory_count", "/api/v1/devices/count".to_owned(), false),
        (
            "inventory_count_search",
            format!("/api/v1/devices/count?q={search}"),
            false,
        ),
        (
            "inventory_count_online",
            format!("/api/v1/devices/count?q={}", encode("online = true")),
            false,
        ),
        ("portal_devices_page", "/devices".to_owned(), true),
        ("portal_dashboard", "/".to_owned(), true),
        (
            "portal_devices_search",
            format!("/devices?q={search}"),
            true,
        ),
    ];
    let mut reports = Vec::new();
    for (scenario, path, portal) in queries {
        let url = format!("{base}{path}");
        let headers: Vec<(&str, &str)> = if portal {
            vec![("cookie", cookie.as_str()), ("accept", "text/html")]
        } else {
            vec![("authorization", bearer.as_str())]
        };
        // A search that reads every tree takes a second a time at a million devices.
        let repeats = if scenario == "inventory_parameter_unindexed" {
            SLOW_REPEATS
        } else {
            REPEATS
        };
        let mut latencies = Vec::with_capacity(repeats);
        let mut errors = 0;
        let started = Instant::now();
        for _ in 0..repeats {
            let began = Instant::now();
            let answer = http.send("GET", &url, &headers, String::new()).await?;
            latencies.push(began.elapsed());
            if answer.status != 200 {
                errors += 1;
                if errors == 1 {
                    eprintln!(
                        "osprey-bench: {scenario}: {} {}",
                        answer.status,
                        answer.body.chars().take(200).collect::<String>()
                    );
                }
            }
        }
        latencies.sort();
        let percentile = |p: f64| {
            let index = ((latencies.len() as f64 - 1.0) * p).round() as usize;
            round(latencies[index].as_secs_f64() * 1000.0, 2)
        };
        let elapsed = started.elapsed().as_secs_f64();
        reports.push(Report {
            scenario,
            db,
            devices: count,
            concurrency: 1,
            seconds: round(elapsed, 2),
            sessions: repeats,
            sessions_per_s: round(repeats as f64 / elapsed.max(f64::EPSILON), 1),
            p50_ms: percentile(0.50),
            p95_ms: percentile(0.95),
            p99_ms: percentile(0.99),
            errors,
            cpu_s_per_1000: None,
            load_cpu_s_per_1000: None,
            db_cpu_s_per_1000: None,
            rss_mib: Some(round(server.rss_mib(), 1)),
            share_of_ceiling: None,
            slice_shares: Vec::new(),
            cpu_share_of_ceiling: None,
        });
    }
    reports.push(Report {
        scenario: "dashboard_fleet_count",
        db,
        devices: count,
        concurrency: 1,
        seconds: round(fleet_ms / 1000.0, 2),
        sessions: 1,
        sessions_per_s: 0.0,
        p50_ms: fleet_ms,
        p95_ms: fleet_ms,
        p99_ms: fleet_ms,
        errors: 0,
        cpu_s_per_1000: None,
        load_cpu_s_per_1000: None,
        db_cpu_s_per_1000: None,
        rss_mib: None,
        share_of_ceiling: None,
        slice_shares: Vec::new(),
        cpu_share_of_ceiling: None,
    });
    reports.push(Report {
        scenario: "memory_idle",
        db,
        devices: count,
        concurrency: 0,
        seconds: 0.0,
        sessions: 0,
        sessions_per_s: 0.0,
        p50_ms: 0.0,
        p95_ms: 0.0,
        p99_ms: 0.0,
        errors: 0,
        cpu_s_per_1000: None,
        load_cpu_s_per_1000: None,
        db_cpu_s_per_1000: None,
        rss_mib: Some(round(idle_rss, 1)),
        share_of_ceiling: None,
        slice_shares: Vec::new(),
        cpu_share_of_ceiling: None,
    });
    Ok(reports)
}

fn encode(text: &str) -> String {
    app::url_text::percent_encode(text, false)
}
