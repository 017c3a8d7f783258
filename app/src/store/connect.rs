//! Opening the database and bringing its schema up to date.

use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use super::{Store, StoreError};

/// Which database engine a URL names. Both are compiled in; the URL picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    pub fn of_url(url: &str) -> Option<DatabaseKind> {
        if url.starts_with("sqlite:") {
            Some(DatabaseKind::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(DatabaseKind::Postgres)
        } else {
            None
        }
    }
}

/// Any number would do as long as every Osprey instance uses the same one.
const MIGRATION_LOCK_KEY: i64 = 0x05_9E_E7_54_70;

impl Store {
    /// Opens the database at `url` and applies pending migrations. With PostgreSQL, `schema`
    /// (when given) becomes the search path: tests use it to get a private schema each.
    pub async fn open(url: &str, schema: Option<&str>) -> Result<Store, StoreError> {
        let kind = DatabaseKind::of_url(url).ok_or_else(|| StoreError::Connect {
            url: redact_url(url),
            source: sea_orm::DbErr::Custom(
                "the URL must start with sqlite: or postgres://".to_owned(),
            ),
        })?;
        if kind == DatabaseKind::Sqlite {
            create_sqlite_directory(url)?;
        }

        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10))
            // sqlx pings a connection on every checkout by default: a round trip to
            // PostgreSQL, a hand-off to and from the connection's thread with SQLite, for
            // each statement. Only a connection idle for a while may have been dropped by
            // the server, a proxy or a firewall; one used a moment ago has not.
            .test_before_acquire_if_idle_for(Duration::from_secs(30));
        match kind {
            DatabaseKind::Sqlite => {
                options.max_connections(8).map_sqlx_sqlite_opts(|opts| {
                    // WAL lets readers proceed while one writer commits; NORMAL sync is
                    // durable across process crashes, which is what an embedded ACS needs.
                    opts.journal_mode(SqliteJournalMode::Wal)
                        .synchronous(SqliteSynchronous::Normal)
                        .busy_timeout(Duration::from_secs(5))
                        .foreign_keys(true)
                        // For the device query language's `~ /regular expression/`.
                        .with_regexp()
                });
            }
            DatabaseKind::Postgres => {
                options.max_connections(16);
                if let Some(schema) = schema {
                    options.set_schema_search_path(schema.to_owned());
                }
            }
        }

        let db = Database::connect(options)
            .await
            .map_err(|source| StoreError::Connect {
                url: redact_url(url),
                source,
            })?;
        let store = Store {
            summaries: super::summary_writer::SummaryWriter::start(db.clone(), kind),
            inform_cache: Default::default(),
            db,
            kind,
            parameter_index: Default::default(),
        };
        store.migrate().await?;
        store.prepare_parameter_index().await?;
        if !store.has_stable_plans().await? {
            tracing::warn!(
                "this SQLite was built without SQLITE_ENABLE_QPSG (see .cargo/config.toml): \
                 every single-row query is compiled again on each run, which costs throughput"
            );
        }
        Ok(store)
    }

    /// Whether SQLite was built with the query planner stability guarantee on (see
    /// `.cargo/config.toml`); PostgreSQL plans as it always did, so it says true.
    pub async fn has_stable_plans(&self) -> Result<bool, StoreError> {
        if self.kind != DatabaseKind::Sqlite {
            return Ok(true);
        }
        let options = self
            .db
            .query_all_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Sqlite,
                "PRAGMA compile_options",
            ))
            .await?;
        Ok(options.iter().any(|row| {
            row.try_get_by_index::<String>(0)
                .is_ok_and(|option| option == "ENABLE_QPSG")
        }))
    }

    /// Applies pending migrations. Several instances starting together against one
    /// PostgreSQL database take turns through an advisory lock instead of racing.
    async fn migrate(&self) -> Result<(), StoreError> {
        match self.kind {
            DatabaseKind::Sqlite => Migrator::up(&self.db, None)
                .await
                .map_err(StoreError::Migrate),
            DatabaseKind::Postgres => {
                let txn = self.db.begin().await.map_err(StoreError::Migrate)?;
                txn.execute_unprepared(&format!(
                    "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
                ))
                .await
                .map_err(StoreError::Migrate)?;
                Migrator::up(&txn, None)
                    .await
                    .map_err(StoreError::Migrate)?;
                txn.commit().await.map_err(StoreError::Migrate)
            }
        }
    }
}

/// SQLite creates the file but not its directory; the default lives under `./data/`.
fn create_sqlite_directory(url: &str) -> Result<(), StoreError> {
    let Some(path) = sqlite_file_path(url) else {
        return Ok(());
    };
    let Some(parent) = std::path::Path::new(path).parent() else {
        return Ok(());
    };
    if parent.as_os_str().is_empty() {
        return Ok(());
    }
    std::fs::create_dir_all(parent).map_err(|source| StoreError::Directory {
        path: parent.display().to_string(),
        source,
    })
}

/// The file behind a SQLite URL, or `None` for an in-memory database.
fn sqlite_file_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// The URL with any password replaced, fit for logs and error messages.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_log() {
        assert_eq!(
            redact_url("postgres://osprey:s3cret@db:5432/osprey"),
            "postgres://osprey:***@db:5432/osprey"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(
            redact_url("sqlite://data/osprey.db"),
            "sqlite://data/osprey.db"
        );
    }

    #[test]
    fn sqlite_paths_are_found_in_urls() {
        assert_eq!(
            sqlite_file_path("sqlite://data/osprey.db?mode=rwc"),
            Some("data/osprey.db")
        );
        assert_eq!(
            sqlite_file_path("sqlite:///var/lib/osprey.db"),
            Some("/var/lib/osprey.db")
        );
        assert_eq!(sqlite_file_path("sqlite::memory:"), None);
    }

    #[test]
    fn kinds_come_from_the_scheme() {
        assert_eq!(
            DatabaseKind::of_url("sqlite::memory:"),
            Some(DatabaseKind::Sqlite)
        );
        assert_eq!(
            DatabaseKind::of_url("postgresql://x/y"),
            Some(DatabaseKind::Postgres)
        );
        assert_eq!(DatabaseKind::of_url("mysql://x/y"), None);
    }
}
