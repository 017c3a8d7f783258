//! `osprey`: the server. Reads the configuration, starts, prints how to sign in, and runs
//! until Ctrl-C or SIGTERM.

use std::process::ExitCode;

use server::{
    config::Config,
    startup::{self, Running},
    telemetry,
};

/// mimalloc instead of glibc's malloc: a profile of periodic Informs had a fifth of the
/// server's samples in glibc's allocator (`malloc_consolidate`, `unlink_chunk`: many small
/// buffers freed across threads). Alternating runs of the benchmark: server CPU per 1,000
/// sessions 10–25% lower on both databases (see the README's Performance section).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::load() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("osprey: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log_level, config.log_format);
    tracing::debug!(?config, "configuration");

    let running = match startup::start(&config).await {
        Ok(running) => running,
        Err(error) => {
            eprintln!("osprey: {error}");
            return ExitCode::FAILURE;
        }
    };
    print_banner(&config, &running);
    wait_for_stop_signal().await;
    tracing::info!("stopping");
    running.shutdown().await;
    ExitCode::SUCCESS
}

/// Tells the person who started Osprey where it is and how to sign in. The generated
/// password goes to standard output once and never to the log.
fn print_banner(config: &Config, running: &Running) {
    let portal = if config.ui_listen.port() == 0 {
        format!("http://{}/", running.ui_address)
    } else {
        config.public_url.clone()
    };
    println!();
    println!("  Osprey {} is running.", env!("CARGO_PKG_VERSION"));
    println!("    Portal:    {portal}");
    println!(
        "    ACS URL:   {}   (for devices; listening on {})",
        running.services.cwmp_url, running.cwmp_address
    );
    println!(
        "    Database:  {}",
        app::store::redact_url(&config.database_url)
    );
    match &running.first_admin {
        Some(admin) => {
            println!();
            println!("  First start: created the administrator account.");
            println!("    Username:  {}", admin.username);
            match &admin.generated_password {
                Some(password) => {
                    println!("    Password:  {password}");
                    println!("  This password is shown only now. Sign in and keep it safe.");
                }
                None => println!("    Password:  the one in OSPREY_ADMIN_PASSWORD"),
            }
        }
        None => println!(
            "  Sign in with your account (the first administrator is '{}').",
            startup::FIRST_ADMIN
        ),
    }
    println!();
}

async fn wait_for_stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
