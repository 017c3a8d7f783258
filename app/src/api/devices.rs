//! The device list for staff: the REST API's query language, sort keys and keyset pages.

use leptos::prelude::*;

use crate::{error::AppError, model::DeviceListPage};

/// Rows per page of the portal's list.
pub const DEVICE_PAGE_SIZE: u64 = 50;

/// Devices matching `q` (the query language) in `sort` order, after `cursor`.
#[server(endpoint = "list_devices")]
pub async fn list_devices(
    q: String,
    sort: String,
    cursor: Option<String>,
) -> Result<DeviceListPage, AppError> {
    use super::guard;
    use crate::{
        inventory::query,
        model::{DeviceRow, Role},
        store::{Cursor, DeviceQuery, DeviceSort},
    };

    let (services, _, _) = guard::require(Role::STAFF).await?;
    let filter = query::parse(&q).map_err(|error| {
        AppError::invalid(
            "q",
            format!(
                "The search has a problem at character {}: {}",
                error.position + 1,
                error.message
            ),
        )
    })?;
    let sort = match sort.trim() {
        "" => DeviceSort::default(),
        text => DeviceSort::parse(text)
            .ok_or_else(|| AppError::invalid("sort", format!("'{text}' is not a sort order")))?,
    };
    let after = match cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(token) => Some(Cursor::decode(token, sort).ok_or_else(|| {
            AppError::invalid(
                "cursor",
                "This page link is out of date: start from the first page.",
            )
        })?),
    };
    let now = chrono::Utc::now();
    let page = services
        .store
        .list_devices(&DeviceQuery {
            filter: filter.as_ref(),
            sort,
            after,
            limit: DEVICE_PAGE_SIZE,
            now,
        })
        .await
        .map_err(guard::internal)?;
    Ok(DeviceListPage {
        devices: page
            .devices
            .into_iter()
            .map(|listed| {
                let online = listed.device.is_online(now);
                let device = listed.device;
                DeviceRow {
                    id: device.id,
                    serial_number: device.key.serial_number,
                    product_class: device.key.product_class,
                    manufacturer: device.manufacturer,
                    software_version: device.software_version,
                    ip_address: device.ip_address,
                    last_inform: guard::display_second(device.last_inform_at),
                    online,
                    tags: listed.tags,
                }
            })
            .collect(),
        next: page.next.map(|cursor| cursor.encode()),
    })
}
