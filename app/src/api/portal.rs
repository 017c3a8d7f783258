//! Facts about this Osprey installation that the portal shows.

use leptos::prelude::*;

use crate::{error::AppError, model::PortalFacts};

#[server(endpoint = "portal_info")]
pub async fn portal_info() -> Result<PortalFacts, AppError> {
    let (services, _, _) = super::guard::require(crate::model::Role::STAFF).await?;
    Ok(PortalFacts {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        cwmp_url: services.cwmp_url.to_string(),
    })
}
