//! The portal's requests are small forms. Anything larger is refused with 413 and a message,
//! whether it announces its size (Content-Length) or streams without one.

use axum::{
    body::Body,
    extract::Request,
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

pub const MAX_FORM_BYTES: usize = 64 * 1024;

fn too_large() -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "The request is too large: the portal accepts at most {} KiB.",
            MAX_FORM_BYTES / 1024
        ),
    )
        .into_response()
}

pub async fn limit_body(request: Request, next: Next) -> Response {
    let announced = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    match announced {
        Some(length) if length > MAX_FORM_BYTES as u64 => return too_large(),
        Some(_) => return next.run(request).await,
        None => {}
    }
    // No length given: read at most the limit, then hand the handler what was read.
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(_) => too_large(),
    }
}
