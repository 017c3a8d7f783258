//! Server functions answer every error with 500; this layer reads the `AppError` in the body
//! and sets the status it stands for (401, 403, 422, 429, ...), so logs, proxies and API
//! clients see the truth.

use app::error::AppError;
use axum::{
    body::Body,
    extract::Request,
    http::{HeaderName, StatusCode},
    middleware::Next,
    response::Response,
};
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

/// Error bodies are small JSON objects; anything bigger is passed through untouched.
const MAX_ERROR_BODY: usize = 16 * 1024;

pub async fn map_error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_server_fn_error = response
        .headers()
        .contains_key(HeaderName::from_static(SERVER_FN_ERROR_HEADER));
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR || !is_server_fn_error {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::from("error body too large"));
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(error.status())
    {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}
