//! The HTTP adapter of the CWMP endpoint: cookie in, body in, answer out. The session logic
//! is `app::acs::endpoint`.

use std::{net::SocketAddr, sync::Arc};

use app::acs::endpoint::{CwmpEndpoint, SESSION_COOKIE};
use axum::{
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::Response,
};

use super::body_limit;

/// What the CWMP route needs: the endpoint and the largest body it reads (after
/// decompression; larger is a 413).
#[derive(Clone)]
pub struct CwmpRoute {
    pub endpoint: Arc<CwmpEndpoint>,
    pub max_body_bytes: usize,
}

pub async fn post_session(State(route): State<CwmpRoute>, request: Request) -> Response {
    let CwmpRoute {
        endpoint,
        max_body_bytes,
    } = route;
    let (parts, body) = request.into_parts();
    let body = match body_limit::read_body(&parts.headers, body, max_body_bytes).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let cookie = session_cookie(&parts.headers);
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip().to_string());
    let now = chrono::Utc::now();
    let authorization = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    let answer = match endpoint
        .admit(cookie.as_deref(), authorization, peer.as_deref(), now)
        .await
    {
        Ok(admitted) => {
            endpoint
                .handle(cookie.as_deref(), peer, admitted, &body, now)
                .await
        }
        Err(refusal) => refusal,
    };

    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() =
        StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    if answer.status != 204 {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(answer.content_type),
        );
    }
    if let Some(key) = answer.session_cookie
        && let Ok(value) =
            HeaderValue::from_str(&format!("{SESSION_COOKIE}={key}; Path=/; HttpOnly"))
    {
        headers.insert(header::SET_COOKIE, value);
    }
    for challenge in &answer.challenges {
        if let Ok(value) = HeaderValue::from_str(challenge) {
            headers.append(header::WWW_AUTHENTICATE, value);
        }
    }
    response
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}
