//! `osprey-bench`: the benchmark `make bench` runs. It starts the release server on a fresh
//! database, drives it with simulated devices from this process, and prints a table and
//! one JSON line per scenario. `--quick` runs everything small (CI proves it still works;
//! no figure is asserted).
//!
//! `osprey-bench ceiling --listen ADDR` is the trivial endpoint it measures as the ceiling.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode, time::Duration};

use clap::{Parser, Subcommand, ValueEnum};
use server::bench::{self, BenchConfig, BenchDatabase};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Db {
    Sqlite,
    Pg,
    Both,
}

#[derive(Debug, Parser)]
#[command(
    name = "osprey-bench",
    about = "Measures Osprey under simulated devices"
)]
struct Args {
    #[command(subcommand)]
    command: Option<Command>,
    /// Which database(s) to run the scenarios on.
    #[arg(long, value_enum, default_value_t = Db::Both)]
    db: Db,
    /// Everything small, in well under three minutes.
    #[arg(long)]
    quick: bool,
    /// The server binary (default: `osprey` beside this program).
    #[arg(long)]
    osprey: Option<PathBuf>,
    /// A PostgreSQL database to connect to; the benchmark creates and drops its own.
    #[arg(
        long,
        env = "DATABASE_URL_PG",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    pg_url: String,
    /// Devices (default 10,000; 300 with --quick).
    #[arg(long)]
    devices: Option<u32>,
    /// Sessions in flight (default 64; 16 with --quick).
    #[arg(long)]
    concurrency: Option<usize>,
    /// Devices seeded for the inventory scenario (default 1,000,000; 20,000 with --quick;
    /// 0 skips it).
    #[arg(long)]
    inventory: Option<u32>,
    /// Seconds of each timed scenario (default 60; 5 with --quick).
    #[arg(long)]
    seconds: Option<u64>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the trivial ceiling endpoint (started by the benchmark itself).
    Ceiling {
        #[arg(long)]
        listen: SocketAddr,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(Command::Ceiling { listen }) = args.command {
        return match bench::ceiling::serve(listen).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("osprey-bench ceiling: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let own_binary = match std::env::current_exe() {
        Ok(path) => path,
        Err(error) => {
            eprintln!("osprey-bench: cannot find itself: {error}");
            return ExitCode::FAILURE;
        }
    };
    let osprey = args
        .osprey
        .unwrap_or_else(|| own_binary.with_file_name("osprey"));
    let config = BenchConfig {
        osprey,
        own_binary,
        databases: match args.db {
            Db::Sqlite => vec![BenchDatabase::Sqlite],
            Db::Pg => vec![BenchDatabase::Postgres],
            Db::Both => vec![BenchDatabase::Sqlite, BenchDatabase::Postgres],
        },
        pg_url: args.pg_url,
        devices: args
            .devices
            .unwrap_or(if args.quick { 300 } else { 10_000 }),
        concurrency: args.concurrency.unwrap_or(if args.quick { 16 } else { 64 }),
        inventory_devices: args
            .inventory
            .unwrap_or(if args.quick { 20_000 } else { 1_000_000 }),
        duration: Duration::from_secs(args.seconds.unwrap_or(if args.quick { 5 } else { 60 })),
    };
    eprintln!(
        "osprey-bench: {} devices, {} in flight, {} s per timed scenario, on {}",
        config.devices,
        config.concurrency,
        config.duration.as_secs(),
        config
            .databases
            .iter()
            .map(|db| db.label())
            .collect::<Vec<_>>()
            .join(" and ")
    );
    match bench::run(&config).await {
        Ok(reports) => {
            bench::print_table(&reports);
            for report in &reports {
                println!("{}", serde_json::to_string(report).unwrap_or_default());
            }
            if reports.iter().any(|r| r.errors > 0) {
                eprintln!("osprey-bench: some sessions failed (see above)");
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("osprey-bench: {error}");
            ExitCode::FAILURE
        }
    }
}
