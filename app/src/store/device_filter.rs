//! Turns a device query (`inventory::query::Filter`) into a SQL condition for SQLite or
//! PostgreSQL. Summary fields are indexed columns; tags and customers are an indexed EXISTS;
//! the values of the indexed parameters (`parameter_index`) an indexed IN; other parameter
//! values are read out of the JSON tree (`json_extract` / `->>`). Values are always bound,
//! never spliced into the SQL.

use chrono::{DateTime, Utc};
use sea_orm::{
    Condition, IdenStatic,
    sea_query::{Expr, ExprTrait, SimpleExpr},
};

use super::parameter_index::is_indexed;
use super::{
    DatabaseKind,
    entity::{device, device_presence},
};
use crate::inventory::query::{Comparison, Field, Filter, Op, Operand, SummaryField};

/// How a query is evaluated: on which database, at what time (for ages and "online"), and
/// whether the parameter index may be read (it is filled).
#[derive(Debug, Clone, Copy)]
pub struct Evaluation {
    pub kind: DatabaseKind,
    pub now: DateTime<Utc>,
    pub index_ready: bool,
}

/// The SQL condition `filter` stands for.
pub fn condition(filter: &Filter, at: Evaluation) -> Condition {
    match filter {
        Filter::And(terms) => terms
            .iter()
            .fold(Condition::all(), |all, term| all.add(condition(term, at))),
        Filter::Or(terms) => terms
            .iter()
            .fold(Condition::any(), |any, term| any.add(condition(term, at))),
        Filter::Not(inner) => condition(inner, at).not(),
        Filter::Compare(comparison) => Condition::all().add(compare(comparison, at)),
    }
}

/// How many of `filter`'s comparisons read the device's presence (last inform, online),
/// which lives in `device_presence`, and how many in all.
fn presence_reads(filter: &Filter) -> (usize, usize) {
    match filter {
        Filter::And(terms) | Filter::Or(terms) => terms
            .iter()
            .map(presence_reads)
            .fold((0, 0), |(p, n), (q, m)| (p + q, n + m)),
        Filter::Not(inner) => presence_reads(inner),
        Filter::Compare(comparison) => {
            let presence = matches!(
                comparison.field,
                Field::Online | Field::Summary(SummaryField::LastInform)
            );
            (usize::from(presence), 1)
        }
    }
}

/// Whether `filter` reads the presence table: a query with it must join it.
pub(super) fn reads_presence(filter: &Filter) -> bool {
    presence_reads(filter).0 > 0
}

/// Whether `filter` reads nothing but the presence table: a count can count its rows alone
/// (one per device).
pub(super) fn reads_only_presence(filter: &Filter) -> bool {
    let (presence, all) = presence_reads(filter);
    presence == all
}

/// Where a summary field is stored.
#[derive(Debug, Clone, Copy)]
enum SummaryColumn {
    Device(device::Column),
    Presence(device_presence::Column),
}

impl SummaryColumn {
    fn expr(self) -> Expr {
        match self {
            SummaryColumn::Device(column) => Expr::col((device::Entity, column)),
            SummaryColumn::Presence(column) => Expr::col((device_presence::Entity, column)),
        }
    }

    /// SQL text of the column, qualified, for custom expressions.
    fn sql(self) -> String {
        match self {
            SummaryColumn::Device(column) => format!("\"device\".\"{}\"", column.as_str()),
            SummaryColumn::Presence(column) => {
                format!("\"device_presence\".\"{}\"", column.as_str())
            }
        }
    }
}

fn summary_column(field: SummaryField) -> SummaryColumn {
    let column = match field {
        SummaryField::Id => device::Column::Id,
        SummaryField::SerialNumber => device::Column::SerialNumber,
        SummaryField::Oui => device::Column::Oui,
        SummaryField::ProductClass => device::Column::ProductClass,
        SummaryField::Manufacturer => device::Column::Manufacturer,
        SummaryField::SoftwareVersion => device::Column::SoftwareVersion,
        SummaryField::HardwareVersion => device::Column::HardwareVersion,
        SummaryField::IpAddress => device::Column::IpAddress,
        SummaryField::DataModel => device::Column::DataModel,
        SummaryField::Registered => device::Column::RegisteredAt,
        SummaryField::LastBoot => device::Column::LastBootAt,
        SummaryField::LastInform => {
            return SummaryColumn::Presence(device_presence::Column::LastInformAt);
        }
    };
    SummaryColumn::Device(column)
}

fn compare(comparison: &Comparison, at: Evaluation) -> SimpleExpr {
    let Evaluation { kind, now, .. } = at;
    let Comparison { field, op, value } = comparison;
    match field {
        Field::Online => {
            let wanted = matches!(
                (op, value),
                (Op::Eq, Operand::Bool(true)) | (Op::Ne, Operand::Bool(false))
            );
            let until = || {
                Expr::col((
                    device_presence::Entity,
                    device_presence::Column::OnlineUntil,
                ))
            };
            if wanted {
                until().gte(now)
            } else {
                until().is_null().or(until().lt(now))
            }
        }
        Field::Tag => {
            let (test, values) = text_test(kind, "\"device_tag\".\"tag\"", *op, value);
            let exists = Expr::cust_with_values(
                format!(
                    "EXISTS (SELECT 1 FROM \"device_tag\" WHERE \"device_tag\".\"device_id\" = \"device\".\"id\" AND {test})"
                ),
                values,
            );
            if *op == Op::Ne { exists.not() } else { exists }
        }
        Field::Customer => {
            // Usernames are stored lower-case: match them so.
            let value = match value {
                Operand::Text(text) => Operand::Text(text.to_lowercase()),
                Operand::Prefix(text) => Operand::Prefix(text.to_lowercase()),
                other => other.clone(),
            };
            let (test, values) = text_test(kind, "\"app_user\".\"username\"", *op, &value);
            let exists = Expr::cust_with_values(
                format!(
                    "EXISTS (SELECT 1 FROM \"customer_device\" JOIN \"app_user\" ON \"app_user\".\"id\" = \"customer_device\".\"user_id\" WHERE \"customer_device\".\"device_id\" = \"device\".\"id\" AND {test})"
                ),
                values,
            );
            if *op == Op::Ne { exists.not() } else { exists }
        }
        Field::Summary(summary) => {
            let column = summary_column(*summary);
            match value {
                Operand::Time(at) => ordered(column.expr(), *op, at.resolve(now)),
                Operand::Number { value, .. } if *summary == SummaryField::Id => {
                    ordered(column.expr(), *op, *value as i64)
                }
                Operand::Prefix(prefix) if *op == Op::Match && kind == DatabaseKind::Postgres => {
                    prefix_range(&column.sql(), prefix)
                }
                _ => {
                    let sql = column.sql();
                    let (test, values) = text_test(kind, &sql, *op, value);
                    let test = Expr::cust_with_values(test, values);
                    if *op == Op::Ne {
                        Expr::cust(format!("{sql} IS NULL")).or(test)
                    } else {
                        test
                    }
                }
            }
        }
        Field::Parameter(name) if at.index_ready && is_indexed(name) => {
            indexed_compare(kind, name, *op, value)
        }
        Field::Parameter(name) => parameter_compare(kind, name, *op, value),
    }
}

/// An indexed parameter's value compared, through `indexed_parameter`: the devices whose
/// row passes the test (by the (name, value) index), or for `!=` all the others (those
/// without the parameter included, as when the tree is read).
fn indexed_compare(kind: DatabaseKind, name: &str, op: Op, value: &Operand) -> SimpleExpr {
    const VALUE: &str = "\"indexed_parameter\".\"value\"";
    // The name is the first bound value, the test's come after it. Text compares in byte
    // order here (the column's collation on PostgreSQL), as SQLite compares it anyway.
    let (test, values): (String, Vec<sea_orm::Value>) = match (op, value) {
        (Op::Lt | Op::Le | Op::Gt | Op::Ge, Operand::Number { value: number, .. }) => {
            (numeric_test(kind, VALUE, op), vec![(*number).into()])
        }
        // SQLite's text test is a byte-order range already; PostgreSQL's would be a LIKE,
        // which a generic plan cannot serve from the index: a range on the `COLLATE "C"`
        // column instead.
        (Op::Match, Operand::Prefix(prefix)) if kind == DatabaseKind::Postgres => {
            match prefix_successor(prefix) {
                Some(upper) => (
                    format!("{VALUE} >= $2 AND {VALUE} < $3"),
                    vec![prefix.clone().into(), upper.into()],
                ),
                None => (format!("{VALUE} >= $2"), vec![prefix.clone().into()]),
            }
        }
        _ => {
            // `!=` is the complement of `=` below.
            let inner_op = if op == Op::Ne { Op::Eq } else { op };
            let (test, values) = text_test(kind, VALUE, inner_op, value);
            let test = match kind {
                DatabaseKind::Sqlite => test,
                DatabaseKind::Postgres => replace_last_placeholder(&test),
            };
            (test, values.into_iter().map(Into::into).collect())
        }
    };
    let membership = if op == Op::Ne { "NOT IN" } else { "IN" };
    let name_mark = match kind {
        DatabaseKind::Sqlite => "?",
        DatabaseKind::Postgres => "$1",
    };
    let mut bound: Vec<sea_orm::Value> = vec![name.to_owned().into()];
    bound.extend(values);
    Expr::cust_with_values(
        format!(
            "\"device\".\"id\" {membership} (SELECT \"indexed_parameter\".\"device_id\" FROM \"indexed_parameter\" WHERE \"indexed_parameter\".\"name\" = {name_mark} AND {test})"
        ),
        bound,
    )
}

/// `value_sql op number` with the text compared as a number; text that is not a number
/// never matches. The number is the last placeholder (`$2` on PostgreSQL: the value
/// expression's own argument, or the parameter name, is `$1`).
fn numeric_test(kind: DatabaseKind, value_sql: &str, op: Op) -> String {
    match kind {
        DatabaseKind::Sqlite => format!(
            "(CASE WHEN {value_sql} GLOB '[0-9]*' OR {value_sql} GLOB '-[0-9]*' THEN CAST({value_sql} AS REAL) END) {} ?",
            op.symbol()
        ),
        DatabaseKind::Postgres => format!(
            "(CASE WHEN {value_sql} ~ '^-?[0-9]+(\\.[0-9]+)?$' THEN ({value_sql})::double precision END) {} $2",
            op.symbol()
        ),
    }
}

/// "Starts with" on PostgreSQL as a range in byte order (`COLLATE "C"`): unlike LIKE, it
/// uses the `COLLATE "C"` indexes under any database collation and with generic plans.
fn prefix_range(sql: &str, prefix: &str) -> SimpleExpr {
    match prefix_successor(prefix) {
        Some(upper) => Expr::cust_with_values(
            format!("({sql} COLLATE \"C\" >= $1 AND {sql} COLLATE \"C\" < $2)"),
            [prefix.to_owned(), upper],
        ),
        // Empty, or only the last code point: everything from the prefix on.
        None => Expr::cust_with_values(format!("{sql} COLLATE \"C\" >= $1"), [prefix.to_owned()]),
    }
}

/// The smallest text above every text that starts with `prefix`, in code point order
/// (which is UTF-8 byte order): the prefix with its last code point raised by one.
fn prefix_successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // Skips the surrogate gap; a last code point that cannot rise is dropped.
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// `expr op value` for ordered values (times, ids).
fn ordered<V>(expr: Expr, op: Op, value: V) -> SimpleExpr
where
    V: Into<sea_orm::Value>,
{
    match op {
        Op::Eq => expr.eq(value),
        Op::Ne => expr.ne(value),
        Op::Lt => expr.lt(value),
        Op::Le => expr.lte(value),
        Op::Gt => expr.gt(value),
        // `~` is refused by the parser for times and ids.
        Op::Ge | Op::Match => expr.gte(value),
    }
}

/// A test of the text expression `sql` (SQL text) against `value`, with its bound values.
/// The placeholders are `?` for SQLite and `$n` for PostgreSQL (whose JSON `?` operator
/// would otherwise be ambiguous).
fn text_test(kind: DatabaseKind, sql: &str, op: Op, value: &Operand) -> (String, Vec<String>) {
    let placeholder = match kind {
        DatabaseKind::Sqlite => "?",
        DatabaseKind::Postgres => "$1",
    };
    let text = match value {
        Operand::Text(text) | Operand::Number { text, .. } => text.clone(),
        Operand::Prefix(prefix) => prefix.clone(),
        Operand::Regex(pattern) => pattern.clone(),
        Operand::Bool(b) => b.to_string(),
        Operand::Time(_) => String::new(),
    };
    match (op, value) {
        (Op::Match, Operand::Regex(_)) => match kind {
            DatabaseKind::Sqlite => (format!("{sql} REGEXP {placeholder}"), vec![text]),
            DatabaseKind::Postgres => (format!("{sql} ~ {placeholder}"), vec![text]),
        },
        (Op::Match, _) => match kind {
            // A range in byte order (SQLite's BINARY collation), which an index serves with
            // the prefix bound: GLOB's index use needs the pattern in the SQL text, and
            // bound values do not shape plans here (the query planner stability guarantee
            // is on, see `connect`).
            DatabaseKind::Sqlite => match prefix_successor(&text) {
                Some(upper) => (format!("({sql} >= ? AND {sql} < ?)"), vec![text, upper]),
                None => (format!("{sql} >= ?"), vec![text]),
            },
            DatabaseKind::Postgres => (
                format!("{sql} LIKE {placeholder}"),
                vec![format!("{}%", escape_like(&text))],
            ),
        },
        // Tags and text columns: `!=` is the negation of `=` (the caller adds NULLs).
        (Op::Eq | Op::Ne, _) => (
            format!(
                "{sql} {} {placeholder}",
                if op == Op::Eq { "=" } else { "<>" }
            ),
            vec![text],
        ),
        (Op::Lt | Op::Le | Op::Gt | Op::Ge, _) => {
            (format!("{sql} {} {placeholder}", op.symbol()), vec![text])
        }
    }
}

/// A parameter's value compared; devices without the parameter never match, except `!=`.
fn parameter_compare(kind: DatabaseKind, name: &str, op: Op, value: &Operand) -> SimpleExpr {
    // The value expression takes its own bound argument (the path or the name).
    let (value_sql, path) = match kind {
        DatabaseKind::Sqlite => (
            "json_extract(\"device\".\"parameters\", ?)".to_owned(),
            format!("$.\"{name}\".v"),
        ),
        DatabaseKind::Postgres => (
            "(\"device\".\"parameters\" -> $1 ->> 'v')".to_owned(),
            name.to_owned(),
        ),
    };
    match (op, value) {
        (Op::Lt | Op::Le | Op::Gt | Op::Ge, Operand::Number { value: number, .. }) => {
            // Numbers compare as numbers; text that is not a number never matches.
            let sql = numeric_test(kind, &value_sql, op);
            let values: Vec<sea_orm::Value> = match kind {
                // Each `?` is its own placeholder: the path is bound once per use.
                DatabaseKind::Sqlite => vec![
                    path.clone().into(),
                    path.clone().into(),
                    path.into(),
                    (*number).into(),
                ],
                DatabaseKind::Postgres => vec![path.into(), (*number).into()],
            };
            Expr::cust_with_values(sql, values)
        }
        _ => {
            let (test, bound): (String, Vec<String>) = match kind {
                // Each use of the value expression is followed by one compared value, and
                // each `?` is its own placeholder: the path is bound before each value.
                DatabaseKind::Sqlite => {
                    let (test, values) = text_test(kind, &value_sql, op, value);
                    let bound = values
                        .into_iter()
                        .flat_map(|value| [path.clone(), value])
                        .collect();
                    (test, bound)
                }
                DatabaseKind::Postgres => {
                    // The path is $1, the compared value $2.
                    let (test, values) = text_test(kind, &value_sql, op, value);
                    let mut bound = vec![path];
                    bound.extend(values);
                    (replace_last_placeholder(&test), bound)
                }
            };
            let test = Expr::cust_with_values(test, bound);
            if op == Op::Ne {
                let missing = match kind {
                    DatabaseKind::Sqlite => Expr::cust_with_values(
                        format!("{value_sql} IS NULL"),
                        [format!("$.\"{name}\".v")],
                    ),
                    DatabaseKind::Postgres => {
                        Expr::cust_with_values(format!("{value_sql} IS NULL"), [name.to_owned()])
                    }
                };
                missing.or(test)
            } else {
                test
            }
        }
    }
}

/// In a PostgreSQL test built by `text_test` (value as `$1`) whose left side already uses
/// `$1`, the value becomes `$2`.
fn replace_last_placeholder(test: &str) -> String {
    match test.rfind("$1") {
        Some(at) => format!("{}$2{}", &test[..at], &test[at + 2..]),
        None => test.to_owned(),
    }
}

/// Escapes LIKE's special characters with PostgreSQL's default escape, the backslash.
fn escape_like(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '%' | '_' | '\\' => format!("\\{c}"),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_become_ranges() {
        assert_eq!(prefix_successor("SIM00"), Some("SIM01".to_owned()));
        assert_eq!(prefix_successor("10.1."), Some("10.1/".to_owned()));
        assert_eq!(prefix_successor("a\u{D7FF}"), Some("a\u{E000}".to_owned()));
        assert_eq!(prefix_successor("a\u{10FFFF}"), Some("b".to_owned()));
        assert_eq!(prefix_successor(""), None);
        assert_eq!(prefix_successor("\u{10FFFF}"), None);
    }

    #[test]
    fn patterns_are_escaped() {
        assert_eq!(escape_like("50%_a\\"), "50\\%\\_a\\\\");
        assert_eq!(
            replace_last_placeholder("(x -> $1 ->> 'v') = $1"),
            "(x -> $1 ->> 'v') = $2"
        );
    }
}
