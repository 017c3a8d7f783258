//! The error every server function returns. It crosses the wire as JSON, so the browser can
//! tell "please sign in" from "not allowed" from "that field is wrong" and act on each; the
//! server maps each variant to its HTTP status in one place (`AppError::status`).

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum AppError {
    /// No valid session: the caller must sign in (again).
    #[error("Please sign in.")]
    Unauthenticated,
    /// Signed in, but the role does not allow this.
    #[error("You do not have permission to do this.")]
    Forbidden,
    /// A field of the request is not acceptable; `field` names it for the form.
    #[error("{message}")]
    Invalid { field: String, message: String },
    /// The request could not be read at all (malformed or missing arguments).
    #[error("The request could not be understood: {message}")]
    BadRequest { message: String },
    #[error("{message}")]
    NotFound { message: String },
    /// The change conflicts with the current state (a duplicate name, the last admin, ...).
    #[error("{message}")]
    Conflict { message: String },
    /// Login throttling: too many recent failures.
    #[error("Too many failed sign-in attempts. Try again in {} minutes.", retry_after_secs.div_ceil(60))]
    TooManyAttempts { retry_after_secs: u64 },
    /// The browser could not reach the server.
    #[error("The server could not be reached. Check your connection and try again.")]
    Unreachable { detail: String },
    /// Something failed on the server; the details are in the server log, not here.
    #[error("Something went wrong on the server. The error has been logged.")]
    Internal,
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        AppError::Conflict {
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        AppError::NotFound {
            message: message.into(),
        }
    }

    /// The HTTP status the server answers with for this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::Invalid { .. } => 422,
            AppError::BadRequest { .. } => 400,
            AppError::NotFound { .. } => 404,
            AppError::Conflict { .. } => 409,
            AppError::TooManyAttempts { .. } => 429,
            AppError::Unreachable { .. } => 503,
            AppError::Internal => 500,
        }
    }

    /// The form field this error is about, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                AppError::BadRequest { message }
            }
            // On the server this means the request body could not be decoded.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(message) => AppError::BadRequest { message },
            ServerFnErrorErr::Request(detail) => AppError::Unreachable { detail },
            _ => AppError::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_round_trip_as_json_with_a_code() {
        let error = AppError::TooManyAttempts {
            retry_after_secs: 600,
        };
        let json = serde_json_like(&error);
        assert!(json.contains("\"code\":\"too_many_attempts\""), "{json}");
        assert_eq!(
            error.to_string(),
            "Too many failed sign-in attempts. Try again in 10 minutes."
        );
    }

    #[test]
    fn malformed_arguments_become_bad_requests() {
        let error = AppError::from_server_fn_error(ServerFnErrorErr::Args("missing field".into()));
        assert_eq!(error.status(), 400);
    }

    fn serde_json_like(error: &AppError) -> String {
        String::from_utf8(error.ser().to_vec()).unwrap_or_default()
    }
}
