//! PostgreSQL batches bound as one array per column and unnested (`unnest($1::int8[], …)`),
//! rather than as a VALUES list of one parameter per value: one statement text and plan for
//! every batch size (each prepared once per connection), no limit of 65,535 parameters, and
//! nothing to bind, parse or set up per value (a 64-row VALUES list of 16 columns is 1,024
//! parameters, each an expression the executor prepares on every run).
//!
//! Such statements are bound with sqlx itself: SeaORM's values have no arrays whose
//! elements may be NULL.

use std::sync::Arc;

use super::StoreError;

/// The types of the arrays a batch binds.
#[derive(Debug, Clone, Copy)]
pub(super) enum PgType {
    Int8,
    Timestamptz,
    Text,
    Bool,
}

impl PgType {
    fn array(self) -> &'static str {
        match self {
            PgType::Int8 => "int8[]",
            PgType::Timestamptz => "timestamptz[]",
            PgType::Text => "text[]",
            PgType::Bool => "bool[]",
        }
    }
}

/// The columns of an event row, as both batches insert them.
pub(super) const EVENT_COLUMNS: [(&str, PgType); 4] = [
    ("device_id", PgType::Int8),
    ("at", PgType::Timestamptz),
    ("code", PgType::Text),
    ("command_key", PgType::Text),
];

/// `unnest` of one array parameter per column, numbered from `$first` on, as FROM item
/// `alias` with the columns' names.
pub(super) fn unnest_sql(alias: &str, columns: &[(&str, PgType)], first: usize) -> String {
    let arrays: Vec<String> = (first..)
        .zip(columns)
        .map(|(n, (_, kind))| format!("${n}::{}", kind.array()))
        .collect();
    let names: Vec<String> = columns
        .iter()
        .map(|(name, _)| format!(r#""{name}""#))
        .collect();
    format!(
        r#"unnest({}) AS "{alias}"({})"#,
        arrays.join(", "),
        names.join(", ")
    )
}

/// A statement sqlx ran that failed, as the store reports any other.
pub(super) fn query_error(error: sqlx::Error) -> StoreError {
    StoreError::Query(sea_orm::DbErr::Query(sea_orm::RuntimeErr::SqlxError(
        Arc::new(error),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_column_is_one_typed_array() {
        assert_eq!(
            unnest_sql("e", &EVENT_COLUMNS, 5),
            r#"unnest($5::int8[], $6::timestamptz[], $7::text[], $8::text[]) AS "e"("device_id", "at", "code", "command_key")"#
        );
    }
}
