//! The database: SeaORM entities, and repositories that speak in domain types.
//!
//! Invariants: nothing outside `store` sees an entity; every function works on SQLite and
//! PostgreSQL alike; timestamps are UTC.

mod api_tokens;
mod audit;
mod connect;
mod customers;
mod cwmp_credentials;
mod dashboard;
mod device_filter;
mod device_list;
mod device_secrets;
mod devices;
mod entity;
mod files;
mod heartbeat_events;
mod inform_cache;
mod inform_check;
mod parameter_index;
mod pg_arrays;
mod settings;
mod summary_writer;
mod synthetic;
mod tasks;
mod tree_merge;
mod unchanged_inform;
mod users;

pub use api_tokens::{NewApiToken, StoredApiToken};
pub use audit::{AuditAction, AuditRecord, FailureCounts};
pub use connect::{DatabaseKind, redact_url};
pub use customers::ClaimOutcome;
pub use cwmp_credentials::{AuthAttempt, CwmpCredentialInfo, MAX_AUTH_ATTEMPTS_KEPT};
pub use dashboard::{ActivityMinute, FleetSnapshot, minute_of};
pub use device_list::{
    Cursor, DevicePage, DeviceQuery, DeviceSort, ListedDevice, MAX_PAGE_SIZE, SortKey, is_tag,
};
pub use device_secrets::WakeTarget;
pub use devices::{
    DeviceKey, InformOutcome, InformRecord, InformedDevice, ParameterTree, StoredDevice,
    StoredParameter, TreeChanges, online_deadline,
};
pub use files::StoredFileInfo;
pub use inform_check::{InformCheck, InformStart};
pub use parameter_index::{INDEXED_PARAMETERS, is_indexed};
pub use synthetic::{SYNTHETIC_CLASSES, SYNTHETIC_VERSIONS, synthetic_serial};
pub use tasks::{StoredTask, TaskFilter, TaskStatus};
pub use users::{NewUser, StoredUser};

use sea_orm::DatabaseConnection;

/// Why a database operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {url}: {source}")]
    Connect { url: String, source: sea_orm::DbErr },
    #[error("cannot prepare the database directory {path}: {source}")]
    Directory {
        path: String,
        source: std::io::Error,
    },
    #[error("database migration failed: {0}")]
    Migrate(sea_orm::DbErr),
    #[error("database query failed: {0}")]
    Query(#[from] sea_orm::DbErr),
    /// A unique value is taken already (e.g. a username).
    #[error("{0} already exists")]
    Duplicate(String),
    /// Concurrent sessions kept overwriting the same row; the write was given up.
    #[error("the {0} kept changing under concurrent writes")]
    Contended(&'static str),
    /// A row holds a value the code cannot read: a bug or a hand-edited database.
    #[error("unreadable {what} in the database: {value}")]
    Corrupt { what: &'static str, value: String },
    /// A part of the store stopped (the runtime is shutting down).
    #[error("{0}")]
    Unavailable(&'static str),
}

/// The handle every repository function hangs off. Cheap to clone (a pool inside).
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    kind: DatabaseKind,
    /// Periodic Informs' summary writes, committed together.
    summaries: summary_writer::SummaryWriter,
    /// What this process remembers of the devices that informed it (a hint, checked).
    inform_cache: std::sync::Arc<inform_cache::InformCache>,
    /// Whether searches may read `indexed_parameter` yet.
    parameter_index: parameter_index::IndexState,
}

impl Store {
    pub fn kind(&self) -> DatabaseKind {
        self.kind
    }

    /// The connection, for the rare caller (tests, health checks) that needs it raw.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Whether searches on the indexed parameters read the index (not every tree) yet.
    pub fn parameter_index_ready(&self) -> bool {
        self.parameter_index.is_ready()
    }

    /// Makes searches read the trees (`false`) or the index again, as while it is being
    /// filled: for tests that compare the two.
    #[doc(hidden)]
    pub fn use_parameter_index(&self, ready: bool) {
        self.parameter_index.set(ready);
    }

    /// Whether this process remembers the device `key` names, so that its periodic Informs
    /// may skip reading it: for tests.
    #[doc(hidden)]
    pub fn is_remembered(&self, key: &DeviceKey) -> bool {
        self.inform_cache.contains(key)
    }

    /// Whether the database answers: the readiness check.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.db.ping().await.map_err(StoreError::Query)
    }
}

/// True when a database error is a unique-constraint violation, on either backend.
fn is_unique_violation(error: &sea_orm::DbErr) -> bool {
    matches!(
        error.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}
