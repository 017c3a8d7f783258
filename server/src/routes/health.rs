//! Liveness and readiness for load balancers and orchestrators.

use app::services::Services;
use axum::{extract::State, http::StatusCode};

/// The process is up and answering.
pub async fn alive() -> &'static str {
    "ok"
}

/// The process can do its work: the database answers.
pub async fn ready(State(services): State<Services>) -> (StatusCode, &'static str) {
    match services.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
