//! Request bodies are bounded: anything larger is refused with 413 and a message, whether it
//! announces its size (Content-Length) or streams without one, and after decompression.

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The portal's requests are small forms.
pub const MAX_FORM_BYTES: usize = 64 * 1024;
/// API requests may carry a thousand parameter values.
pub const MAX_API_BYTES: usize = 1024 * 1024;

/// The portal listener's limit: forms are small, API bodies larger.
pub async fn limit_portal_body(request: Request, next: Next) -> Response {
    let max = if request.uri().path().starts_with("/api/v1/") {
        MAX_API_BYTES
    } else {
        MAX_FORM_BYTES
    };
    limit_body(State(max), request, next).await
}

fn too_large(max: usize) -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "The request is too large: at most {} KiB is accepted.",
            max / 1024
        ),
    )
        .into_response()
}

/// Use with `middleware::from_fn_with_state(max_bytes, limit_body)`.
pub async fn limit_body(State(max): State<usize>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    match read_body(&parts.headers, body, max).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(refusal) => refusal,
    }
}

/// The whole body, or a 413 if it is larger than `max`: refused at once if it announces
/// more, else read up to the limit whatever was announced (a decompressed body can be
/// larger than its Content-Length). For a handler that reads its body itself (the CWMP
/// endpoint), without the middleware's second body and boxed future per request.
pub async fn read_body(headers: &HeaderMap, body: Body, max: usize) -> Result<Bytes, Response> {
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if announced.is_some_and(|length| length > max as u64) {
        return Err(too_large(max));
    }
    axum::body::to_bytes(body, max)
        .await
        .map_err(|_| too_large(max))
}
