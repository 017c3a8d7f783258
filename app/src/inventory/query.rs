//! The device query language of `?q=`: a small filter over summary fields, tags, online
//! state and parameter values. Pure: text in, a checked syntax tree out; the store turns the
//! tree into SQL for SQLite or PostgreSQL.
//!
//! ```text
//! query      := or
//! or         := and ("OR" and)*
//! and        := unary ("AND" unary)*
//! unary      := "NOT" unary | "(" or ")" | comparison
//! comparison := field op value
//! op         := "=" | "!=" | "<" | "<=" | ">" | ">=" | "~"
//! value      := "double-quoted text" | bare-word
//! ```
//!
//! Keywords are case-insensitive. A field with a dot is a parameter path
//! (`Device.DeviceInfo.ModelName`); the others are named in `SummaryField`, plus `tag` and
//! `online`. `~` matches a prefix (`serial ~ CPE1`), or a regular expression when the value is
//! written between slashes (`serial ~ "/^CPE[0-9]+$/"`). Times take RFC 3339, a date
//! (`2026-11-01`), or an age relative to now (`last_inform > -1h`; units s, m, h, d). `<` and
//! `>` compare numerically when the value is a number, as text otherwise.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use crate::cwmp::types::is_parameter_path;

/// Longest query accepted, in bytes.
pub const MAX_QUERY_LEN: usize = 2_000;
/// Most comparisons in one query.
pub const MAX_COMPARISONS: usize = 32;
/// Deepest nesting of parentheses and NOT.
pub const MAX_DEPTH: usize = 16;
/// Longest regular expression accepted, in bytes.
pub const MAX_PATTERN_LEN: usize = 200;

/// A parsed query.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Compare(Comparison),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub field: Field,
    pub op: Op,
    pub value: Operand,
}

/// The device's columns a query can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SummaryField {
    Id,
    SerialNumber,
    Oui,
    ProductClass,
    Manufacturer,
    SoftwareVersion,
    HardwareVersion,
    IpAddress,
    DataModel,
    LastInform,
    Registered,
    LastBoot,
}

impl SummaryField {
    /// Every field with the names a query may use for it (the first is the canonical one).
    pub const ALL: [(SummaryField, &'static [&'static str]); 12] = [
        (SummaryField::Id, &["id"]),
        (SummaryField::SerialNumber, &["serial_number", "serial"]),
        (SummaryField::Oui, &["oui"]),
        (SummaryField::ProductClass, &["product_class"]),
        (SummaryField::Manufacturer, &["manufacturer"]),
        (SummaryField::SoftwareVersion, &["software_version"]),
        (SummaryField::HardwareVersion, &["hardware_version"]),
        (SummaryField::IpAddress, &["ip_address", "ip"]),
        (SummaryField::DataModel, &["data_model"]),
        (SummaryField::LastInform, &["last_inform", "last_inform_at"]),
        (SummaryField::Registered, &["registered", "registered_at"]),
        (SummaryField::LastBoot, &["last_boot", "last_boot_at"]),
    ];

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(field, _)| *field == self)
            .map_or("?", |(_, names)| names[0])
    }

    fn by_name(name: &str) -> Option<SummaryField> {
        let name = name.to_ascii_lowercase();
        Self::ALL
            .iter()
            .find(|(_, names)| names.contains(&name.as_str()))
            .map(|(field, _)| *field)
    }

    pub fn is_time(self) -> bool {
        matches!(
            self,
            SummaryField::LastInform | SummaryField::Registered | SummaryField::LastBoot
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Summary(SummaryField),
    Tag,
    /// The username of a customer account linked to the device.
    Customer,
    Online,
    Parameter(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `~`: prefix, or regular expression.
    Match,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Match => "~",
        }
    }

    fn is_ordering(self) -> bool {
        matches!(self, Op::Lt | Op::Le | Op::Gt | Op::Ge)
    }
}

/// A value, already checked against its field.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Text(String),
    /// A number, compared numerically by `<`/`>` (kept as written for `=`).
    Number {
        text: String,
        value: f64,
    },
    Bool(bool),
    Time(TimeRef),
    Prefix(String),
    Regex(String),
}

/// A point in time: absolute, or an age resolved when the query runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeRef {
    At(DateTime<Utc>),
    Ago(Duration),
}

impl TimeRef {
    pub fn resolve(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            TimeRef::At(at) => at,
            TimeRef::Ago(age) => now - age,
        }
    }
}

/// Why a query was refused; `position` is the byte offset where the problem starts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at {position}: {message}")]
pub struct QueryError {
    pub position: usize,
    pub message: String,
}

fn fail<T>(position: usize, message: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError {
        position,
        message: message.into(),
    })
}

/// Parses a query; an empty (or blank) query is `None`: every device.
pub fn parse(text: &str) -> Result<Option<Filter>, QueryError> {
    if text.len() > MAX_QUERY_LEN {
        return fail(
            MAX_QUERY_LEN,
            format!("the query is longer than {MAX_QUERY_LEN} characters"),
        );
    }
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Ok(None);
    }
    let mut parser = Parser {
        tokens,
        next: 0,
        comparisons: 0,
        end: text.len(),
    };
    let filter = parser.or(0)?;
    if let Some(token) = parser.peek() {
        return fail(
            token.at,
            format!("unexpected {}: expected AND, OR or the end", token.kind),
        );
    }
    Ok(Some(filter))
}

#[derive(Debug, Clone, PartialEq)]
enum TokenKind {
    Open,
    Close,
    And,
    Or,
    Not,
    Op(Op),
    /// A bare word, or quoted text (`quoted`: keywords and field names do not apply).
    Word {
        text: String,
        quoted: bool,
    },
}

impl std::fmt::Display for TokenKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenKind::Open => f.write_str("'('"),
            TokenKind::Close => f.write_str("')'"),
            TokenKind::And => f.write_str("AND"),
            TokenKind::Or => f.write_str("OR"),
            TokenKind::Not => f.write_str("NOT"),
            TokenKind::Op(op) => write!(f, "'{}'", op.symbol()),
            TokenKind::Word { text, .. } => write!(f, "'{text}'"),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    kind: TokenKind,
    at: usize,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || "._-+:*/@#%,".contains(c)
}

fn tokenize(text: &str) -> Result<Vec<Token>, QueryError> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let kind = match c {
            c if c.is_whitespace() => continue,
            '(' => TokenKind::Open,
            ')' => TokenKind::Close,
            '=' => TokenKind::Op(Op::Eq),
            '~' => TokenKind::Op(Op::Match),
            '!' => match chars.next() {
                Some((_, '=')) => TokenKind::Op(Op::Ne),
                _ => return fail(at, "'!' must be followed by '=' ('!=')"),
            },
            '<' | '>' => {
                let or_equal = chars.next_if(|(_, c)| *c == '=').is_some();
                TokenKind::Op(match (c, or_equal) {
                    ('<', false) => Op::Lt,
                    ('<', true) => Op::Le,
                    ('>', false) => Op::Gt,
                    _ => Op::Ge,
                })
            }
            '"' => {
                let mut value = String::new();
                loop {
                    match chars.next() {
                        None => return fail(at, "this quoted text is not closed"),
                        Some((_, '"')) => break,
                        Some((escape_at, '\\')) => match chars.next() {
                            Some((_, c @ ('"' | '\\'))) => value.push(c),
                            _ => {
                                return fail(
                                    escape_at,
                                    "only \\\" and \\\\ may be escaped in quoted text",
                                );
                            }
                        },
                        Some((_, c)) => value.push(c),
                    }
                }
                TokenKind::Word {
                    text: value,
                    quoted: true,
                }
            }
            c if is_word_char(c) => {
                let mut word = String::from(c);
                while let Some((_, c)) = chars.next_if(|(_, c)| is_word_char(*c)) {
                    word.push(c);
                }
                match word.to_ascii_uppercase().as_str() {
                    "AND" => TokenKind::And,
                    "OR" => TokenKind::Or,
                    "NOT" => TokenKind::Not,
                    _ => TokenKind::Word {
                        text: word,
                        quoted: false,
                    },
                }
            }
            other => return fail(at, format!("unexpected character '{other}'")),
        };
        tokens.push(Token { kind, at });
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    comparisons: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn take(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).cloned();
        self.next += 1;
        token
    }

    fn or(&mut self, depth: usize) -> Result<Filter, QueryError> {
        let mut terms = vec![self.and(depth)?];
        while self.peek().is_some_and(|t| t.kind == TokenKind::Or) {
            self.next += 1;
            terms.push(self.and(depth)?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Filter::Or(terms)
        })
    }

    fn and(&mut self, depth: usize) -> Result<Filter, QueryError> {
        let mut terms = vec![self.unary(depth)?];
        while self.peek().is_some_and(|t| t.kind == TokenKind::And) {
            self.next += 1;
            terms.push(self.unary(depth)?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Filter::And(terms)
        })
    }

    fn unary(&mut self, depth: usize) -> Result<Filter, QueryError> {
        let Some(token) = self.take() else {
            return fail(self.end, "the query ends where a condition was expected");
        };
        if depth >= MAX_DEPTH && matches!(token.kind, TokenKind::Not | TokenKind::Open) {
            return fail(
                token.at,
                format!("the query nests deeper than {MAX_DEPTH} levels"),
            );
        }
        match token.kind {
            TokenKind::Not => Ok(Filter::Not(Box::new(self.unary(depth + 1)?))),
            TokenKind::Open => {
                let inner = self.or(depth + 1)?;
                match self.take() {
                    Some(Token {
                        kind: TokenKind::Close,
                        ..
                    }) => Ok(inner),
                    Some(other) => fail(other.at, format!("expected ')', found {}", other.kind)),
                    None => fail(token.at, "this '(' is not closed"),
                }
            }
            TokenKind::Word { text, quoted: _ } => {
                self.comparisons += 1;
                if self.comparisons > MAX_COMPARISONS {
                    return fail(
                        token.at,
                        format!("a query may hold at most {MAX_COMPARISONS} comparisons"),
                    );
                }
                self.comparison(&text, token.at)
            }
            other => fail(token.at, format!("expected a field name, found {other}")),
        }
    }

    fn comparison(&mut self, name: &str, at: usize) -> Result<Filter, QueryError> {
        let field = read_field(name, at)?;
        let op = match self.take() {
            Some(Token {
                kind: TokenKind::Op(op),
                ..
            }) => op,
            Some(other) => {
                return fail(
                    other.at,
                    format!(
                        "expected an operator (=, !=, <, <=, >, >=, ~) after '{name}', found {}",
                        other.kind
                    ),
                );
            }
            None => return fail(self.end, format!("expected an operator after '{name}'")),
        };
        let (value, value_at) = match self.take() {
            Some(Token {
                kind: TokenKind::Word { text, .. },
                at,
            }) => (text, at),
            Some(other) => {
                return fail(
                    other.at,
                    format!(
                        "expected a value after '{}', found {}",
                        op.symbol(),
                        other.kind
                    ),
                );
            }
            None => {
                return fail(
                    self.end,
                    format!("expected a value after '{}'", op.symbol()),
                );
            }
        };
        let value = read_operand(&field, op, value, value_at)?;
        Ok(Filter::Compare(Comparison { field, op, value }))
    }
}

fn read_field(name: &str, at: usize) -> Result<Field, QueryError> {
    if name.contains('.') {
        if !is_parameter_path(name) || name.ends_with('.') {
            return fail(
                at,
                format!("'{name}' is not a parameter name (like Device.DeviceInfo.ModelName)"),
            );
        }
        return Ok(Field::Parameter(name.to_owned()));
    }
    match name.to_ascii_lowercase().as_str() {
        "tag" | "tags" => Ok(Field::Tag),
        "customer" | "customers" => Ok(Field::Customer),
        "online" => Ok(Field::Online),
        _ => SummaryField::by_name(name)
            .map(Field::Summary)
            .ok_or_else(|| {
                let known: Vec<&str> = SummaryField::ALL.iter().map(|(_, n)| n[0]).collect();
                QueryError {
                    position: at,
                    message: format!(
                        "unknown field '{name}': use a parameter name or one of {}, tag, customer, online",
                        known.join(", ")
                    ),
                }
            }),
    }
}

fn read_operand(field: &Field, op: Op, value: String, at: usize) -> Result<Operand, QueryError> {
    let not_for = |what: &str| fail(at, format!("'{}' cannot be used with {what}", op.symbol()));
    match field {
        Field::Online => {
            if !matches!(op, Op::Eq | Op::Ne) {
                return not_for("online (use = or !=)");
            }
            match value.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Ok(Operand::Bool(true)),
                "false" | "no" | "0" => Ok(Operand::Bool(false)),
                _ => fail(at, "online is true or false"),
            }
        }
        Field::Tag if op.is_ordering() => not_for("tag (use =, != or ~)"),
        Field::Customer if op.is_ordering() => not_for("customer (use =, != or ~)"),
        Field::Summary(summary) if summary.is_time() => {
            if op == Op::Match {
                return not_for("a time (use <, >, = or !=)");
            }
            read_time(&value, at).map(Operand::Time)
        }
        Field::Summary(SummaryField::Id) => {
            if op == Op::Match {
                return not_for("id");
            }
            match value.parse::<i64>() {
                Ok(id) => Ok(Operand::Number {
                    text: value,
                    value: id as f64,
                }),
                Err(_) => fail(at, format!("id is a whole number, not '{value}'")),
            }
        }
        _ if op == Op::Match => read_pattern(value, at),
        _ => Ok(match value.parse::<f64>() {
            Ok(number) if number.is_finite() => Operand::Number {
                text: value,
                value: number,
            },
            _ => Operand::Text(value),
        }),
    }
}

fn read_pattern(value: String, at: usize) -> Result<Operand, QueryError> {
    if let Some(pattern) = value
        .strip_prefix('/')
        .and_then(|rest| rest.strip_suffix('/'))
    {
        if pattern.is_empty() || pattern.len() > MAX_PATTERN_LEN {
            return fail(
                at,
                format!("a regular expression holds 1 to {MAX_PATTERN_LEN} characters"),
            );
        }
        if let Err(error) = regex::Regex::new(pattern) {
            let first_line = error.to_string();
            let reason = first_line.lines().last().unwrap_or("invalid").trim();
            return fail(at, format!("invalid regular expression: {reason}"));
        }
        return Ok(Operand::Regex(pattern.to_owned()));
    }
    if value.is_empty() {
        return fail(at, "'~' needs a prefix or a /regular expression/");
    }
    Ok(Operand::Prefix(value))
}

fn read_time(value: &str, at: usize) -> Result<TimeRef, QueryError> {
    if let Some(age) = value.strip_prefix('-') {
        let (digits, unit) = age.split_at(age.len().saturating_sub(1));
        let seconds_per = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3_600,
            "d" => 86_400,
            _ => 0,
        };
        if let (Ok(count), true) = (digits.parse::<i64>(), seconds_per > 0)
            && let Some(seconds) = count.checked_mul(seconds_per)
            && seconds <= 100 * 365 * 86_400
        {
            return Ok(TimeRef::Ago(Duration::seconds(seconds)));
        }
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Ok(TimeRef::At(at.with_timezone(&Utc)));
    }
    if let Ok(day) = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        && let Some(midnight) = day.and_hms_opt(0, 0, 0)
    {
        return Ok(TimeRef::At(midnight.and_utc()));
    }
    fail(
        at,
        format!(
            "'{value}' is not a time: use 2026-11-01, 2026-11-01T08:00:00Z or an age like -1h, -7d"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compare(field: Field, op: Op, value: Operand) -> Filter {
        Filter::Compare(Comparison { field, op, value })
    }

    fn text(value: &str) -> Operand {
        Operand::Text(value.to_owned())
    }

    #[test]
    fn queries_parse_into_trees() {
        let serial = || Field::Summary(SummaryField::SerialNumber);
        let cases: Vec<(&str, Filter)> = vec![
            ("serial = CPE1", compare(serial(), Op::Eq, text("CPE1"))),
            (
                "SERIAL_NUMBER != \"a b\"",
                compare(serial(), Op::Ne, text("a b")),
            ),
            (
                "serial ~ CPE",
                compare(serial(), Op::Match, Operand::Prefix("CPE".into())),
            ),
            (
                "serial ~ \"/^CPE[0-9]+$/\"",
                compare(serial(), Op::Match, Operand::Regex("^CPE[0-9]+$".into())),
            ),
            (
                "Device.DeviceInfo.UpTime >= 3600",
                compare(
                    Field::Parameter("Device.DeviceInfo.UpTime".into()),
                    Op::Ge,
                    Operand::Number {
                        text: "3600".into(),
                        value: 3600.0,
                    },
                ),
            ),
            (
                "online = true",
                compare(Field::Online, Op::Eq, Operand::Bool(true)),
            ),
            (
                "last_inform > -1h",
                compare(
                    Field::Summary(SummaryField::LastInform),
                    Op::Gt,
                    Operand::Time(TimeRef::Ago(Duration::hours(1))),
                ),
            ),
            (
                "registered < 2026-11-01",
                compare(
                    Field::Summary(SummaryField::Registered),
                    Op::Lt,
                    Operand::Time(TimeRef::At(
                        DateTime::parse_from_rfc3339("2026-11-01T00:00:00Z")
                            .unwrap()
                            .with_timezone(&Utc),
                    )),
                ),
            ),
            (
                "tag = vip and (oui = 00D09E or not online = false)",
                Filter::And(vec![
                    compare(Field::Tag, Op::Eq, text("vip")),
                    Filter::Or(vec![
                        compare(Field::Summary(SummaryField::Oui), Op::Eq, text("00D09E")),
                        Filter::Not(Box::new(compare(
                            Field::Online,
                            Op::Eq,
                            Operand::Bool(false),
                        ))),
                    ]),
                ]),
            ),
            (
                "a.b = 1 OR c.d = 2 AND e.f = 3",
                Filter::Or(vec![
                    compare(
                        Field::Parameter("a.b".into()),
                        Op::Eq,
                        Operand::Number {
                            text: "1".into(),
                            value: 1.0,
                        },
                    ),
                    Filter::And(vec![
                        compare(
                            Field::Parameter("c.d".into()),
                            Op::Eq,
                            Operand::Number {
                                text: "2".into(),
                                value: 2.0,
                            },
                        ),
                        compare(
                            Field::Parameter("e.f".into()),
                            Op::Eq,
                            Operand::Number {
                                text: "3".into(),
                                value: 3.0,
                            },
                        ),
                    ]),
                ]),
            ),
        ];
        for (query, expected) in cases {
            assert_eq!(parse(query), Ok(Some(expected)), "{query}");
        }
        assert_eq!(parse("   "), Ok(None));
    }

    #[test]
    fn bad_queries_say_where_and_why() {
        let cases = [
            ("serial", 6, "expected an operator"),
            ("serial =", 8, "expected a value"),
            ("serial = a b", 11, "unexpected 'b'"),
            ("colour = red", 0, "unknown field 'colour'"),
            ("(serial = a", 0, "not closed"),
            ("serial = \"a", 9, "not closed"),
            ("serial ! a", 7, "'!=')"),
            ("online = maybe", 9, "true or false"),
            ("online > true", 9, "cannot be used with online"),
            ("customer > carol", 11, "cannot be used with customer"),
            ("last_inform > yesterday", 14, "is not a time"),
            ("last_inform ~ 2026", 14, "cannot be used with a time"),
            ("serial ~ \"/[a/\"", 9, "invalid regular expression"),
            ("id = abc", 5, "whole number"),
            ("Device..X = 1", 0, "not a parameter name"),
            ("serial = a AND", 14, "ends where a condition"),
            ("= a", 0, "expected a field name"),
            ("serial = a; drop", 10, "unexpected character ';'"),
            ("tag < x", 6, "cannot be used with tag"),
        ];
        for (query, position, message) in cases {
            let error = parse(query).expect_err(query);
            assert_eq!(error.position, position, "{query}: {error}");
            assert!(error.message.contains(message), "{query}: {error}");
        }
    }

    #[test]
    fn limits_hold() {
        let long = "serial = a OR ".repeat(MAX_COMPARISONS) + "serial = b";
        assert!(parse(&long).unwrap_err().message.contains("at most"));
        let deep = "(".repeat(MAX_DEPTH + 1) + "serial = a" + &")".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).unwrap_err().message.contains("deeper"));
        let huge = "x".repeat(MAX_QUERY_LEN + 1);
        assert!(parse(&huge).unwrap_err().message.contains("longer"));
        let ok = "(".repeat(MAX_DEPTH) + "serial = a" + &")".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
    }
}
