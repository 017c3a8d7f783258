//! `migrate`: apply or inspect Osprey's schema by hand. The server applies pending migrations
//! by itself at start, so this is for operators who want to migrate before a rolling upgrade.
//!
//! Usage: `migrate [up|down [N]|status|fresh]`, database from `OSPREY_DATABASE_URL`
//! (or `DATABASE_URL`).

use migrations::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::Database;

const USAGE: &str = "usage: migrate [up | down [N] | status | fresh]\n\
    The database comes from OSPREY_DATABASE_URL (or DATABASE_URL), e.g.\n  \
    sqlite://data/osprey.db?mode=rwc\n  postgres://user@host:5432/osprey";

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Err(message) = run().await {
        eprintln!("migrate: {message}");
        std::process::exit(2);
    }
}

async fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = std::env::var("OSPREY_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .map_err(|_| format!("no database given\n{USAGE}"))?;
    let db = Database::connect(&url)
        .await
        .map_err(|e| format!("cannot connect to the database: {e}"))?;
    let steps = |arg: Option<&String>| -> Result<Option<u32>, String> {
        arg.map(|n| {
            n.parse()
                .map_err(|_| format!("'{n}' is not a number of steps\n{USAGE}"))
        })
        .transpose()
    };
    let outcome = match args.first().map(String::as_str) {
        None | Some("up") => Migrator::up(&db, None).await,
        Some("down") => Migrator::down(&db, steps(args.get(1))?.or(Some(1))).await,
        Some("status") => Migrator::status(&db).await,
        Some("fresh") => Migrator::fresh(&db).await,
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return Ok(());
        }
        Some(other) => return Err(format!("unknown command '{other}'\n{USAGE}")),
    };
    outcome.map_err(|e| format!("migration failed: {e}"))
}
