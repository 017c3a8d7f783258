//! Merging what a session read into a device's stored parameter tree.
//!
//! The tree is the largest thing a device has (hundreds of parameters, tens of kilobytes of
//! JSON), and a task or an Inform usually reads a handful of them. So a merge does not read
//! the tree: the database applies a JSON merge patch of the changed entries in place
//! (`json_patch` on SQLite, a per-entry `||` on PostgreSQL), and the summary columns that
//! follow the tree (the Inform digest, the periodic interval) are worked out from the patch
//! and, when the patch touches a parameter the Inform carries, from those few entries
//! alone. Only a merge that removes objects (DeleteObject, a shrunken discovery) reads and
//! rewrites the whole tree. The rows of the indexed parameters (`parameter_index`) change in
//! the same transaction as the tree.

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter,
    QuerySelect, Statement,
    sea_query::{Expr, SimpleExpr},
};
use serde::{Serialize, Serializer, ser::SerializeMap};

use super::{
    DatabaseKind, Store, StoreError,
    devices::{
        INTERVAL_PARAMETERS, ParameterTree, StoredParameter, TreeChanges, WRITE_ATTEMPTS,
        inform_interval, read_tree, tree_digest, write_tree,
    },
    entity::device,
    parameter_index::IndexChanges,
};

/// The columns a merge reads instead of the tree.
#[derive(Debug, FromQueryResult)]
struct MergeHead {
    parameters_version: i64,
    inform_names: Option<String>,
}

/// What a merge does to a summary column that follows the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Follow<T> {
    /// The patch does not touch what the column is computed from.
    Keep,
    Set(T),
}

/// One entry of the merge patch: the fields the update carries. A value comes with its
/// type, `null` when unknown (which removes a stored type, as assigning `None` would); the
/// writable flag only when known, so a value read by GetParameterValues keeps the flag
/// GetParameterNames found.
struct PatchEntry<'a>(&'a StoredParameter);

impl Serialize for PatchEntry<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let update = self.0;
        let mut map = serializer.serialize_map(None)?;
        if let Some(value) = &update.value {
            map.serialize_entry("v", value)?;
            map.serialize_entry("t", &update.kind)?;
        }
        if let Some(writable) = update.writable {
            map.serialize_entry("w", &writable)?;
        }
        map.serialize_entry("at", &update.read_at)?;
        map.end()
    }
}

struct Patch<'a>(&'a ParameterTree);

impl Serialize for Patch<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(
            self.0
                .iter()
                .map(|(name, update)| (name, PatchEntry(update))),
        )
    }
}

/// The merge patch (RFC 7396) of `updates`, as JSON text.
pub(super) fn patch_json(updates: &ParameterTree) -> String {
    // Strings, numbers and booleans only: serialising cannot fail.
    serde_json::to_string(&Patch(updates)).unwrap_or_else(|_| "{}".to_owned())
}

/// The expression that applies a merge patch (the one bound value) to the stored tree.
pub(super) fn patched_tree(kind: DatabaseKind, patch: String) -> SimpleExpr {
    match kind {
        DatabaseKind::Sqlite => Expr::cust_with_values(r#"json_patch("parameters", ?)"#, [patch]),
        // `||` on jsonb merges one level only: each entry is merged on its own, and a `null`
        // in the patch removes the field as in a merge patch.
        DatabaseKind::Postgres => Expr::cust_with_values(
            r#""parameters" || COALESCE((SELECT jsonb_object_agg(p.key, jsonb_strip_nulls(COALESCE("device"."parameters" -> p.key, '{}'::jsonb) || p.value)) FROM jsonb_each(CAST($1 AS jsonb)) AS p), '{}'::jsonb)"#,
            [patch],
        ),
    }
}

/// The periodic interval after the merge: set when the patch carries an interval value.
pub(super) fn interval_after(updates: &ParameterTree) -> Follow<Option<i64>> {
    let touched = INTERVAL_PARAMETERS
        .iter()
        .any(|name| updates.get(*name).is_some_and(|p| p.value.is_some()));
    if touched {
        Follow::Set(inform_interval(updates))
    } else {
        Follow::Keep
    }
}

/// The Inform names whose stored entries the digest needs after the merge (none when the
/// patch carries every value an Inform does); `None` when the patch changes no value an
/// Inform carries, so the digest stays as it is.
fn digest_inputs<'a>(names: &'a str, updates: &ParameterTree) -> Option<Vec<&'a str>> {
    let mut names: Vec<&str> = names.split('\n').filter(|name| !name.is_empty()).collect();
    let carries_value = |name: &str| updates.get(name).is_some_and(|p| p.value.is_some());
    if !names.iter().any(|name| carries_value(name)) {
        return None;
    }
    names.retain(|name| !carries_value(name));
    Some(names)
}

/// The digest after the merge, from the patch's values and the stored entries of the other
/// Inform names (`stored`, in the order of `inputs`, as `digest_inputs` gave them).
fn digest_after(
    names: &str,
    updates: &ParameterTree,
    inputs: &[&str],
    stored: Vec<Option<StoredParameter>>,
) -> Option<String> {
    let names = || names.split('\n').filter(|name| !name.is_empty());
    let mut merged: ParameterTree = inputs
        .iter()
        .zip(stored)
        .filter_map(|(name, entry)| Some(((*name).to_owned(), entry?)))
        .collect();
    // Only the Inform's own names: a discovery's patch carries hundreds of others.
    for name in names() {
        if let Some(update) = updates.get(name).filter(|p| p.value.is_some()) {
            merged.insert(name.to_owned(), update.clone());
        }
    }
    tree_digest(&merged, names())
}

/// A statement that reads the stored entries of `names` as one JSON array (`null` for a
/// missing one). `None` when a name cannot be spelt as a JSON path safely.
fn read_entries_sql(kind: DatabaseKind, device_id: i64, names: &[&str]) -> Option<Statement> {
    if names.iter().any(|name| name.contains(['"', '\\'])) {
        return None;
    }
    let (backend, items): (DbBackend, Vec<String>) = match kind {
        DatabaseKind::Sqlite => (
            DbBackend::Sqlite,
            names
                .iter()
                .map(|_| r#"json_extract("parameters", ?)"#.to_owned())
                .collect(),
        ),
        DatabaseKind::Postgres => (
            DbBackend::Postgres,
            (1..=names.len())
                .map(|i| format!(r#""parameters" -> ${i}"#))
                .collect(),
        ),
    };
    let (array, id_mark) = match kind {
        DatabaseKind::Sqlite => (format!("json_array({})", items.join(", ")), "?".to_owned()),
        DatabaseKind::Postgres => (
            format!("CAST(jsonb_build_array({}) AS text)", items.join(", ")),
            format!("${}", names.len() + 1),
        ),
    };
    let mut values: Vec<sea_orm::Value> = names
        .iter()
        .map(|name| match kind {
            DatabaseKind::Sqlite => format!("$.\"{name}\"").into(),
            DatabaseKind::Postgres => (*name).to_owned().into(),
        })
        .collect();
    values.push(device_id.into());
    Some(Statement::from_sql_and_values(
        backend,
        format!(r#"SELECT {array} AS "entries" FROM "device" WHERE "id" = {id_mark}"#),
        values,
    ))
}

impl Store {
    /// Merges parameters read in a session into the tree; `tree_complete` marks the end of
    /// a full discovery. Retries when another session wrote the tree in between.
    ///
    /// Most sessions learn nothing: that case returns at once, and the write is boxed, so
    /// that its state (kilobytes) is not part of every caller's future.
    pub async fn merge_parameters(
        &self,
        device_id: i64,
        changes: &TreeChanges,
        tree_complete: bool,
    ) -> Result<(), StoreError> {
        if changes.is_empty() && !tree_complete {
            return Ok(());
        }
        Box::pin(self.merge_changes(device_id, changes, tree_complete)).await
    }

    /// `merge_parameters` when there is something to write.
    async fn merge_changes(
        &self,
        device_id: i64,
        changes: &TreeChanges,
        tree_complete: bool,
    ) -> Result<(), StoreError> {
        if !changes.removed.is_empty() {
            return self.rewrite_tree(device_id, changes, tree_complete).await;
        }
        let patch = patch_json(&changes.updates);
        let interval = interval_after(&changes.updates);
        let index = IndexChanges::of_patch(&changes.updates);
        for _ in 0..WRITE_ATTEMPTS {
            let Some(head) = device::Entity::find_by_id(device_id)
                .select_only()
                .column(device::Column::ParametersVersion)
                .column(device::Column::InformNames)
                .into_model::<MergeHead>()
                .one(&self.db)
                .await?
            else {
                return Ok(());
            };
            let names = head.inform_names.as_deref().unwrap_or_default();
            let digest = match digest_inputs(names, &changes.updates) {
                None => Follow::Keep,
                Some(inputs) => match self.stored_entries(device_id, &inputs).await? {
                    Some(stored) => {
                        Follow::Set(digest_after(names, &changes.updates, &inputs, stored))
                    }
                    // Unreadable names: no digest, so the next Inform takes the full path.
                    None => Follow::Set(None),
                },
            };

            let mut update = device::Entity::update_many()
                .col_expr(
                    device::Column::Parameters,
                    patched_tree(self.kind, patch.clone()),
                )
                .col_expr(
                    device::Column::ParametersVersion,
                    Expr::value(head.parameters_version + 1),
                );
            if tree_complete {
                update = update.col_expr(device::Column::TreeComplete, Expr::value(true));
            }
            if let Follow::Set(interval) = interval {
                update = update.col_expr(device::Column::InformInterval, Expr::value(interval));
            }
            // The digest follows what the merge left: a refresh reading the same values
            // keeps the next Inform on the cheap path, a changed value sends it the full
            // way (so the tree shows what the device says again).
            if let Follow::Set(digest) = digest {
                update = update.col_expr(device::Column::InformDigest, Expr::value(digest));
            }
            let update = update
                .filter(device::Column::Id.eq(device_id))
                .filter(device::Column::ParametersVersion.eq(head.parameters_version));
            if self.update_tree(update, device_id, &index).await? == 1 {
                return Ok(());
            }
        }
        Err(StoreError::Contended("parameter tree"))
    }

    /// The stored entries of `names`, in order; `None` when they cannot be asked for.
    async fn stored_entries(
        &self,
        device_id: i64,
        names: &[&str],
    ) -> Result<Option<Vec<Option<StoredParameter>>>, StoreError> {
        // The patch carries every value the digest needs: nothing to ask for.
        if names.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let Some(statement) = read_entries_sql(self.kind, device_id, names) else {
            return Ok(None);
        };
        let Some(row) = self.db.query_one_raw(statement).await? else {
            return Ok(Some(vec![None; names.len()]));
        };
        let text: Option<String> = row.try_get("", "entries")?;
        let entries = serde_json::from_str(text.as_deref().unwrap_or("[]")).map_err(|error| {
            StoreError::Corrupt {
                what: "parameter tree",
                value: error.to_string(),
            }
        })?;
        Ok(Some(entries))
    }

    /// The merge that removes objects: the whole tree is read, changed and written back.
    async fn rewrite_tree(
        &self,
        device_id: i64,
        changes: &TreeChanges,
        tree_complete: bool,
    ) -> Result<(), StoreError> {
        for _ in 0..WRITE_ATTEMPTS {
            let Some(row) = device::Entity::find_by_id(device_id).one(&self.db).await? else {
                return Ok(());
            };
            let mut tree = read_tree(&row.parameters)?;
            for object in &changes.removed {
                tree.retain(|name, _| !name.starts_with(object.as_str()));
            }
            for (name, update) in &changes.updates {
                let entry = tree.entry(name.clone()).or_insert_with(|| update.clone());
                entry.read_at = update.read_at;
                if update.value.is_some() {
                    entry.value.clone_from(&update.value);
                    entry.kind.clone_from(&update.kind);
                }
                if update.writable.is_some() {
                    entry.writable = update.writable;
                }
            }
            let digest = row
                .inform_names
                .as_deref()
                .and_then(|names| tree_digest(&tree, names.split('\n')));
            let update = device::Entity::update_many()
                .col_expr(device::Column::Parameters, Expr::value(write_tree(&tree)))
                .col_expr(
                    device::Column::ParametersVersion,
                    Expr::value(row.parameters_version + 1),
                )
                .col_expr(
                    device::Column::TreeComplete,
                    Expr::value(row.tree_complete || tree_complete),
                )
                .col_expr(
                    device::Column::InformInterval,
                    Expr::value(inform_interval(&tree)),
                )
                .col_expr(device::Column::InformDigest, Expr::value(digest))
                .filter(device::Column::Id.eq(device_id))
                .filter(device::Column::ParametersVersion.eq(row.parameters_version));
            let index = IndexChanges::of_tree(&tree);
            if self.update_tree(update, device_id, &index).await? == 1 {
                return Ok(());
            }
        }
        Err(StoreError::Contended("parameter tree"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(value: Option<&str>, kind: Option<&str>, writable: Option<bool>) -> StoredParameter {
        StoredParameter {
            value: value.map(str::to_owned),
            kind: kind.map(str::to_owned),
            writable,
            read_at: 7,
        }
    }

    fn tree(entries: &[(&str, StoredParameter)]) -> ParameterTree {
        entries
            .iter()
            .map(|(name, p)| ((*name).to_owned(), p.clone()))
            .collect()
    }

    #[test]
    fn the_patch_carries_only_what_the_update_knows() {
        let updates = tree(&[
            ("A.Value", update(Some("1"), Some("xsd:int"), None)),
            ("A.Untyped", update(Some("x"), None, None)),
            ("A.Flag", update(None, None, Some(true))),
        ]);
        let patch: serde_json::Value = serde_json::from_str(&patch_json(&updates)).unwrap();
        assert_eq!(
            patch,
            serde_json::json!({
                "A.Value": {"v": "1", "t": "xsd:int", "at": 7},
                "A.Untyped": {"v": "x", "t": null, "at": 7},
                "A.Flag": {"w": true, "at": 7},
            })
        );
    }

    #[test]
    fn the_interval_follows_only_a_patch_that_carries_it() {
        let name = INTERVAL_PARAMETERS[0];
        assert_eq!(
            interval_after(&tree(&[("A.B", update(Some("1"), None, None))])),
            Follow::Keep
        );
        assert_eq!(
            interval_after(&tree(&[(name, update(None, None, Some(true)))])),
            Follow::Keep
        );
        assert_eq!(
            interval_after(&tree(&[(name, update(Some("600"), None, None))])),
            Follow::Set(Some(600))
        );
        assert_eq!(
            interval_after(&tree(&[(name, update(Some("never"), None, None))])),
            Follow::Set(None)
        );
    }

    #[test]
    fn the_digest_is_recomputed_only_when_an_inform_value_changes() {
        let names = "D.SoftwareVersion\nD.Uptime\nD.Url";
        let elsewhere = tree(&[("D.Other", update(Some("1"), Some("xsd:int"), None))]);
        assert_eq!(digest_inputs(names, &elsewhere), None);
        let flag_only = tree(&[("D.Url", update(None, None, Some(false)))]);
        assert_eq!(digest_inputs(names, &flag_only), None);

        let version = tree(&[(
            "D.SoftwareVersion",
            update(Some("2.0"), Some("xsd:string"), None),
        )]);
        assert_eq!(
            digest_inputs(names, &version),
            Some(vec!["D.Uptime", "D.Url"])
        );
        let stored = vec![
            Some(update(Some("5"), Some("xsd:unsignedInt"), None)),
            Some(update(Some("http://x"), Some("xsd:string"), Some(false))),
        ];
        let full = tree(&[
            (
                "D.SoftwareVersion",
                update(Some("2.0"), Some("xsd:string"), None),
            ),
            ("D.Uptime", update(Some("5"), Some("xsd:unsignedInt"), None)),
            ("D.Url", update(Some("http://x"), Some("xsd:string"), None)),
        ]);
        assert_eq!(
            digest_after(names, &version, &["D.Uptime", "D.Url"], stored.clone()),
            tree_digest(&full, names.split('\n'))
        );
        assert!(digest_after(names, &version, &["D.Uptime", "D.Url"], stored).is_some());
        // A discovery reads every value an Inform carries: the digest comes from the patch.
        let every = tree(&[
            (
                "D.SoftwareVersion",
                update(Some("2.0"), Some("xsd:string"), None),
            ),
            ("D.Uptime", update(Some("6"), Some("xsd:unsignedInt"), None)),
            ("D.Url", update(Some("http://y"), Some("xsd:string"), None)),
        ]);
        assert_eq!(digest_inputs(names, &every), Some(Vec::new()));
        assert_eq!(
            digest_after(names, &every, &[], Vec::new()),
            tree_digest(&every, names.split('\n'))
        );
        // A stored entry missing: no digest, as `tree_digest` says.
        assert_eq!(
            digest_after(names, &version, &["D.Uptime", "D.Url"], vec![None, None]),
            None
        );
    }

    #[test]
    fn entries_are_read_by_bound_paths_only() {
        let names = ["D.A", "D.B"];
        let sqlite = read_entries_sql(DatabaseKind::Sqlite, 3, &names).unwrap();
        assert_eq!(sqlite.sql.matches('?').count(), 3, "{}", sqlite.sql);
        let pg = read_entries_sql(DatabaseKind::Postgres, 3, &names).unwrap();
        assert!(
            pg.sql.contains("$3") && !pg.sql.contains("$4"),
            "{}",
            pg.sql
        );
        assert!(read_entries_sql(DatabaseKind::Sqlite, 3, &["D.\"A"]).is_none());
    }
}
