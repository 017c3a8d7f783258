//! Facts about this Osprey installation that the portal shows.

use leptos::prelude::*;

use crate::{error::AppError, model::PortalFacts};

#[server(endpoint = "portal_info")]
pub async fn portal_info() -> Result<PortalFacts, AppError> {
    use super::guard;

    let (services, _, _) = guard::require(crate::model::Role::STAFF).await?;
    let devices_registered = services
        .store
        .count_devices()
        .await
        .map_err(guard::internal)?;
    let devices_discovered = services
        .store
        .count_complete_devices()
        .await
        .map_err(guard::internal)?;
    Ok(PortalFacts {
        devices_registered,
        devices_discovered,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        cwmp_url: services.cwmp_url.to_string(),
    })
}
