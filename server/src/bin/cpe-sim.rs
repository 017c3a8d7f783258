//! `cpe-sim`: simulates a fleet of CPEs against an ACS over real HTTP. Each device runs a
//! session (BOOTSTRAP on first contact, then PERIODIC) every `interval` seconds, answering
//! every request with a correct response; `--fault-percent` and `--drop-percent` inject
//! misbehaviour. Stops by itself after `--cycles` rounds or `--duration` seconds.
//!
//! Example: `cpe-sim --url http://127.0.0.1:7547/ --devices 1000 --concurrency 64 --cycles 3`
//! With `--wakeable`, each device also serves a Connection Request endpoint and opens a
//! session when the ACS wakes it: `cpe-sim --wakeable --devices 5 --cr-username cpe`.

use std::{
    process::ExitCode,
    sync::Arc,
    time::{Duration, Instant},
};

use clap::{Parser, ValueEnum};
use server::sim::{
    client::{Chaos, Dice, SimClient},
    device::SimDevice,
    model::DataModel,
    wakeable::WakeableDevice,
};
use tokio::{sync::Semaphore, task::JoinSet};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Profile {
    Tr098,
    Tr181,
    /// Half of each.
    Mixed,
}

#[derive(Debug, Parser)]
#[command(
    name = "cpe-sim",
    version,
    about = "Simulates CPEs running CWMP sessions against an ACS"
)]
struct Args {
    /// The ACS URL.
    #[arg(long, default_value = "http://127.0.0.1:7547/")]
    url: String,
    /// Number of devices (1 to 100,000).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    devices: u32,
    /// Index of the first device (serial numbers follow from it).
    #[arg(long, default_value_t = 0)]
    first: u32,
    /// Sessions in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Seconds between a device's sessions (0: back to back).
    #[arg(long, default_value_t = 0)]
    interval: u64,
    /// Rounds of sessions (each device once per round).
    #[arg(long, default_value_t = 1)]
    cycles: u32,
    /// Stop after this many seconds, whatever the cycles.
    #[arg(long)]
    duration: Option<u64>,
    /// Data model of the devices.
    #[arg(long, value_enum, default_value_t = Profile::Mixed)]
    profile: Profile,
    /// Answer this share of requests (percent) with a fault.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    fault_percent: u8,
    /// Drop this share of sessions (percent) midway.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    drop_percent: u8,
    /// The devices have reached this ACS before (an earlier run registered them): each
    /// opens with a periodic Inform instead of BOOTSTRAP.
    #[arg(long)]
    known: bool,
    /// Each device serves a Connection Request endpoint on 127.0.0.1 (a free port, Digest
    /// authentication) and opens a session when woken, besides one every `--interval`
    /// seconds. Runs until `--duration` or Ctrl-C; `--cycles` does not apply.
    #[arg(long)]
    wakeable: bool,
    /// The Connection Request username the wakeable devices expect (none: no authentication).
    #[arg(long, default_value = "")]
    cr_username: String,
    /// The Connection Request password the wakeable devices expect.
    #[arg(long, env = "CPE_SIM_CR_PASSWORD", default_value = "")]
    cr_password: String,
    /// With --wakeable: put the devices behind a simulated NAT, reachable only by UDP
    /// Connection Requests through a binding with the ACS's STUN server at this address.
    #[arg(long)]
    stun_server: Option<std::net::SocketAddr>,
    /// The username devices present when the ACS asks (default: each its serial number).
    #[arg(long)]
    acs_username: Option<String>,
    /// The password devices present when the ACS asks.
    #[arg(long, env = "CPE_SIM_ACS_PASSWORD", default_value = "")]
    acs_password: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let client = match SimClient::new(&args.url) {
        Ok(client) => client,
        Err(error) => {
            eprintln!("cpe-sim: {error}");
            return ExitCode::from(2);
        }
    };
    let chaos = Chaos {
        fault_percent: args.fault_percent,
        drop_percent: args.drop_percent,
    };
    let deadline = args
        .duration
        .map(|seconds| Instant::now() + Duration::from_secs(seconds));
    let limit = Arc::new(Semaphore::new(args.concurrency.max(1)));
    let mut devices: Vec<SimDevice> = (args.first..args.first + args.devices)
        .map(|index| {
            let model = match args.profile {
                Profile::Tr098 => DataModel::Tr098,
                Profile::Tr181 => DataModel::Tr181,
                Profile::Mixed if index % 2 == 0 => DataModel::Tr098,
                Profile::Mixed => DataModel::Tr181,
            };
            let mut device = SimDevice::new(index, model);
            let username = args
                .acs_username
                .clone()
                .unwrap_or_else(|| device.id.serial_number.clone());
            device.set_acs_credentials(&username, &args.acs_password);
            if args.known {
                device.assume_known();
            }
            device
        })
        .collect();

    if args.wakeable {
        return run_wakeable(&args, client, devices).await;
    }

    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut failures = 0usize;
    let mut first_errors = Vec::new();
    for cycle in 0..args.cycles {
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            break;
        }
        let round_started = Instant::now();
        let mut tasks = JoinSet::new();
        for (slot, mut device) in devices.drain(..).enumerate() {
            let client = client.clone();
            let limit = limit.clone();
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await.ok();
                let mut dice = Dice::new(u64::from(cycle) << 32 | slot as u64);
                let began = Instant::now();
                let outcome = client.run_session(&mut device, chaos, &mut dice).await;
                (slot, device, began.elapsed(), outcome)
            });
        }
        let mut finished = Vec::with_capacity(tasks.len());
        while let Some(joined) = tasks.join_next().await {
            let Ok((slot, device, elapsed, outcome)) = joined else {
                failures += 1;
                continue;
            };
            latencies.push(elapsed);
            if let Err(error) = outcome {
                failures += 1;
                if first_errors.len() < 5 {
                    first_errors.push(format!("{}: {error}", device.id.serial_number));
                }
            }
            finished.push((slot, device));
        }
        finished.sort_by_key(|(slot, _)| *slot);
        devices = finished.into_iter().map(|(_, device)| device).collect();
        let wait = Duration::from_secs(args.interval).saturating_sub(round_started.elapsed());
        if cycle + 1 < args.cycles && !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * p).round() as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "sessions={} failed={} seconds={elapsed:.2} sessions_per_second={:.1} p50_ms={:.1} p95_ms={:.1} p99_ms={:.1}",
        latencies.len(),
        failures,
        latencies.len() as f64 / elapsed.max(f64::EPSILON),
        percentile(0.50),
        percentile(0.95),
        percentile(0.99),
    );
    for error in &first_errors {
        eprintln!("  {error}");
    }
    let injected = args.fault_percent > 0 || args.drop_percent > 0;
    if failures > 0 && !injected {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `--wakeable`: every device waits for Connection Requests (and its periodic interval).
async fn run_wakeable(args: &Args, client: SimClient, devices: Vec<SimDevice>) -> ExitCode {
    let periodic = (args.interval > 0).then(|| Duration::from_secs(args.interval));
    let mut running = Vec::with_capacity(devices.len());
    for mut device in devices {
        device.set_connection_request_credentials(&args.cr_username, &args.cr_password);
        let serial = device.id.serial_number.clone();
        let spawned = match args.stun_server {
            Some(stun) => {
                WakeableDevice::spawn_behind_nat(client.clone(), device, stun, periodic).await
            }
            None => WakeableDevice::spawn(client.clone(), device, periodic).await,
        };
        match spawned {
            Ok(wakeable) => {
                println!("{serial} {}", wakeable.url);
                running.push((serial, wakeable));
            }
            Err(error) => {
                eprintln!("cpe-sim: cannot serve {serial}'s Connection Requests: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    let stop = async {
        match args.duration {
            Some(seconds) => tokio::time::sleep(Duration::from_secs(seconds)).await,
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    stop.await;
    let mut failed = false;
    for (serial, wakeable) in running {
        let report = wakeable.report();
        println!(
            "{serial} sessions={} woken={} refused={}",
            report.sessions, report.woken, report.refused
        );
        if let Some(error) = &report.last_error {
            eprintln!("  {serial}: {error}");
            failed = true;
        }
        wakeable.stop().await;
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
