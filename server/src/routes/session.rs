//! The session layer: reads the session cookie of every portal request, checks it, and
//! records who is calling (`RequestIdentity`) for the server functions. Pages need a
//! session: anonymous visitors are sent to the sign-in page, and a renewed or cleared cookie
//! rides on the response.

use std::net::SocketAddr;

use app::auth::{
    RequestIdentity, SESSION_COOKIE, SessionCheck, check_session, clear_session_cookie,
    read_session_cookie, session_cookie,
};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::UiState;

/// Paths that never need a session and skip the database lookup.
fn is_asset(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path.starts_with("/favicon")
        || path == "/healthz"
        || path == "/readyz"
}

pub async fn attach_identity(
    State(state): State<UiState>,
    mut request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    if is_asset(&path) {
        return next.run(request).await;
    }
    let services = &state.services;
    let address = client_address(request.headers(), peer(&request), state.trust_forwarded_for);
    let token = read_session_cookie(
        request
            .headers()
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok()),
    )
    .map(str::to_owned);

    let now = chrono::Utc::now();
    let check = match check_session(&services.store, &services.tokens, token.as_deref(), now).await
    {
        Ok(check) => check,
        Err(error) => {
            tracing::error!(%error, "session check failed");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "The portal cannot reach its database. Try again in a moment.",
            )
                .into_response();
        }
    };
    let secure = services.secure_cookies;
    let (user, cookie) = match check {
        SessionCheck::Anonymous => (None, None),
        SessionCheck::Rejected => (None, Some(clear_session_cookie(secure))),
        SessionCheck::SignedIn {
            user,
            renewed_token,
        } => {
            let max_age = services.tokens.idle_timeout.num_seconds();
            (
                Some(user),
                renewed_token.map(|token| session_cookie(&token, max_age, secure)),
            )
        }
    };

    let is_page = request.method() == Method::GET && !path.starts_with("/api/");
    let is_public = state.public_paths.contains(&path.as_str());
    if is_page && user.is_none() && !is_public {
        let target = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
        let location = format!("/login?next={}", encode_query_value(target));
        return with_cookie(redirect(&location), cookie);
    }
    if is_page && user.is_some() && path == "/login" {
        return with_cookie(redirect("/"), cookie);
    }

    request
        .extensions_mut()
        .insert(RequestIdentity { user, address });
    with_cookie(next.run(request).await, cookie)
}

fn redirect(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// Adds our cookie unless the handler set the session cookie itself (sign-in, sign-out).
fn with_cookie(mut response: Response, cookie: Option<String>) -> Response {
    let Some(cookie) = cookie else {
        return response;
    };
    let prefix = format!("{SESSION_COOKIE}=");
    let handler_set_it = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|value| value.as_bytes().starts_with(prefix.as_bytes()));
    if !handler_set_it && let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn peer(request: &Request) -> Option<SocketAddr> {
    request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| *address)
}

/// The client's address: the peer's, or behind a trusted proxy the last hop the proxy added
/// to `X-Forwarded-For` (earlier entries are whatever the client claimed).
pub fn client_address(
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    trust_forwarded_for: bool,
) -> Option<String> {
    if trust_forwarded_for
        && let Some(forwarded) = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .rfind(|hop| !hop.is_empty())
    {
        return Some(forwarded.to_owned());
    }
    peer.map(|address| address.ip().to_string())
}

/// Percent-encodes a value for a query string (RFC 3986 unreserved characters pass).
fn encode_query_value(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_forwarded_address_counts_only_when_trusted() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.9"),
        );
        let peer = Some(SocketAddr::from(([10, 0, 0, 2], 4000)));
        assert_eq!(
            client_address(&headers, peer, true).as_deref(),
            Some("203.0.113.9")
        );
        assert_eq!(
            client_address(&headers, peer, false).as_deref(),
            Some("10.0.0.2")
        );
        assert_eq!(client_address(&HeaderMap::new(), None, true), None);
    }

    #[test]
    fn next_paths_are_encoded() {
        assert_eq!(
            encode_query_value("/audit?before=5&x=y z"),
            "/audit%3Fbefore%3D5%26x%3Dy%20z"
        );
    }
}
