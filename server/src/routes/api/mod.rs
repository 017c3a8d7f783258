//! The REST API under `/api/v1`: JSON in and out, authenticated by API token or portal
//! session, role-checked, changes audited, documented by the OpenAPI document it serves.
//!
//! The route table below is the one source of the routes: the router is built from it and
//! a test checks that the OpenAPI document describes exactly these routes.

mod caller;
mod cwmp_credentials;
mod devices;
mod error;
mod events;
mod files;
mod tasks;
mod views;
mod wake;

use app::services::Services;
use axum::{Json, Router, extract::FromRef, routing};

pub use error::ApiError;

/// Builds the route list (`ROUTES`, method and path) and the router from one table. OpenAPI
/// and axum 0.8 write path parameters alike (`{id}`), so one path serves both.
macro_rules! api_routes {
    ($($method:ident $path:literal => $handler:expr),* $(,)?) => {
        /// Every route of the API: (method, path as in the OpenAPI document).
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        fn routes<S>() -> Router<S>
        where
            Services: FromRef<S>,
            S: Clone + Send + Sync + 'static,
        {
            Router::new()$(.route($path, routing::$method($handler)))*
        }
    };
}

api_routes! {
    get "/api/v1/openapi.json" => || async { Json(app::openapi::document()) },
    get "/api/v1/devices" => devices::list,
    get "/api/v1/devices/count" => devices::count,
    get "/api/v1/devices/export.csv" => devices::export_csv,
    get "/api/v1/devices/{id}" => devices::one,
    delete "/api/v1/devices/{id}" => devices::delete,
    get "/api/v1/devices/{id}/parameters" => devices::parameters,
    post "/api/v1/devices/{id}/tags" => devices::tags,
    post "/api/v1/devices/{id}/wake" => wake::wake,
    put "/api/v1/devices/{id}/connection-request-credentials" => wake::set_credentials,
    delete "/api/v1/devices/{id}/connection-request-credentials" => wake::clear_credentials,
    get "/api/v1/connection-request-defaults" => wake::list_defaults,
    put "/api/v1/connection-request-defaults/{product_class}" => wake::set_default,
    delete "/api/v1/connection-request-defaults/{product_class}" => wake::clear_default,
    post "/api/v1/devices/{id}/tasks" => tasks::queue,
    get "/api/v1/devices/{id}/tasks" => tasks::list_for_device,
    get "/api/v1/devices/{id}/faults" => tasks::faults_for_device,
    get "/api/v1/devices/{id}/files" => files::list_for_device,
    get "/api/v1/files/{id}" => files::download,
    get "/api/v1/tasks" => tasks::list,
    get "/api/v1/tasks/{id}" => tasks::one,
    post "/api/v1/tasks/{id}/cancel" => tasks::cancel,
    post "/api/v1/tasks/{id}/retry" => tasks::retry,
    get "/api/v1/faults" => tasks::faults,
    post "/api/v1/faults/{id}/retry" => tasks::retry,
    post "/api/v1/faults/{id}/clear" => tasks::clear_fault,
    get "/api/v1/events" => events::stream,
    get "/api/v1/cwmp-credentials" => cwmp_credentials::list,
    post "/api/v1/cwmp-credentials" => cwmp_credentials::add,
    delete "/api/v1/cwmp-credentials/{username}" => cwmp_credentials::delete,
    get "/api/v1/cwmp-auth-attempts" => cwmp_credentials::attempts,
    delete "/api/v1/cwmp-auth-attempts/{username}" => cwmp_credentials::dismiss_attempt,
}

/// The API's router; unknown paths under `/api/v1` answer a JSON 404 (not the portal's
/// HTML one).
pub fn api_router<S>() -> Router<S>
where
    Services: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    routes().route(
        "/api/v1/{*rest}",
        routing::any(|| async {
            ApiError::not_found("There is no such API endpoint; see /api/v1/openapi.json.")
        }),
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    #[test]
    fn the_openapi_document_describes_exactly_the_routes() {
        let document = app::openapi::document();
        let documented: BTreeSet<(String, String)> = document["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .expect("a path item")
                    .keys()
                    .map(|method| (method.clone(), path.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let routed: BTreeSet<(String, String)> = super::ROUTES
            .iter()
            .map(|(method, path)| ((*method).to_owned(), (*path).to_owned()))
            .collect();
        assert_eq!(documented, routed);
    }
}
