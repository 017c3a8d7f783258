//! The ceiling: a trivial CWMP endpoint on the same HTTP stack (axum, hyper, tokio) that
//! answers every Inform with a canned InformResponse and every empty POST with 204, with no
//! database and no parsing beyond a glance. What it reaches is what the machine and the
//! stack allow; the ACS's figures are read as a fraction of it.

use std::net::SocketAddr;

use axum::{
    Router,
    body::Bytes,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};

const INFORM_RESPONSE: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/" "#,
    r#"xmlns:soap-enc="http://schemas.xmlsoap.org/soap/encoding/" "#,
    r#"xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" "#,
    r#"xmlns:cwmp="urn:dslforum-org:cwmp-1-0"><soap-env:Header>"#,
    r#"<cwmp:ID soap-env:mustUnderstand="1">1</cwmp:ID></soap-env:Header><soap-env:Body>"#,
    r#"<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse>"#,
    r#"</soap-env:Body></soap-env:Envelope>"#,
);

async fn answer(body: Bytes) -> Response {
    if body.windows(6).any(|window| window == b"Inform") {
        (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/xml; charset=utf-8"),
                (header::SET_COOKIE, "osprey_cwmp=ceiling; Path=/; HttpOnly"),
            ],
            INFORM_RESPONSE,
        )
            .into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    }
}

/// Serves the trivial endpoint on `address` until the process ends.
pub async fn serve(address: SocketAddr) -> std::io::Result<()> {
    let router = Router::new()
        .route("/", post(answer))
        .route("/healthz", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(address).await?;
    axum::serve(listener, router).await
}
