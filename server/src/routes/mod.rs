//! The two routers: the portal (pages, server functions, assets, health) and the CWMP
//! endpoint devices talk to. `fn ui_router(state)` so tests can drive it without sockets.

pub mod api;
mod body_limit;
mod cwmp;
mod health;
mod server_fn_status;
mod session;
mod uploads;

use std::sync::{Arc, LazyLock};

use app::{App, acs::endpoint::CwmpEndpoint, services::Services, shell};
use axum::{
    Router,
    extract::FromRef,
    http::{HeaderName, HeaderValue},
    middleware,
    routing::{get, post, put},
};
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower_http::{
    decompression::RequestDecompressionLayer, set_header::SetResponseHeaderLayer, trace::TraceLayer,
};

pub use session::client_address;

pub use body_limit::MAX_FORM_BYTES;

/// What the portal's handlers share.
#[derive(Clone, FromRef)]
pub struct UiState {
    pub leptos: LeptosOptions,
    pub services: Services,
    pub trust_forwarded_for: bool,
    /// For the session layer: page paths that need no session.
    pub public_paths: Arc<[&'static str]>,
}

/// The portal's routes, listed once per process. Listing them runs the app with resource
/// loading switched off through a process-wide flag (leptos_server's `SuppressResourceLoad`):
/// a page rendered elsewhere in the process while that flag is up waits forever for its data
/// (leptos issue 4773). Several routers in one process (the tests) made that a real hang.
static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));

pub fn ui_router(state: UiState) -> Router {
    let routes = ROUTES.clone();
    let services = state.services.clone();
    let leptos = state.leptos.clone();
    Router::new()
        .route("/healthz", get(health::alive))
        .route("/readyz", get(health::ready))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(services.clone()),
            move || shell(leptos.clone()),
        )
        .merge(api::api_router())
        .fallback(leptos_axum::file_and_error_handler::<UiState, _>(shell))
        .layer(middleware::from_fn(server_fn_status::map_error_status))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::attach_identity,
        ))
        .layer(middleware::from_fn(body_limit::limit_portal_body))
        .layer(security_header("x-content-type-options", "nosniff"))
        .layer(security_header("x-frame-options", "DENY"))
        .layer(security_header("referrer-policy", "same-origin"))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

fn security_header(name: &'static str, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(
        HeaderName::from_static(name),
        HeaderValue::from_static(value),
    )
}

/// The CWMP listener: devices POST their sessions to `/`.
pub fn cwmp_router(
    services: Services,
    endpoint: Arc<CwmpEndpoint>,
    max_body_bytes: usize,
) -> Router {
    let others = Router::new()
        .route("/healthz", get(health::alive))
        .route(
            "/upload/{device_id}/{kind}/{nonce}/{signature}",
            put(uploads::receive)
                .post(uploads::receive)
                .layer(middleware::from_fn_with_state(
                    uploads::MAX_UPLOAD_BYTES,
                    body_limit::limit_body,
                )),
        )
        .with_state(services);
    Router::new()
        .route("/", post(cwmp::post_session))
        .with_state(cwmp::CwmpRoute {
            endpoint,
            max_body_bytes,
        })
        .merge(others)
        // Outermost: the limits above apply to the decompressed body.
        .layer(RequestDecompressionLayer::new())
        .layer(TraceLayer::new_for_http())
}
