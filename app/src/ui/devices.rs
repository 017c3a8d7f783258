//! The device list: search with the query language, sort, page through any number of
//! devices without counting them. A plain GET form, so it works before hydration and every
//! search is a link people can share.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::feedback::{DataTable, ErrorNote, RoleGate};
use crate::{
    api::devices::list_devices,
    model::{DeviceListPage, Role},
    url_text::percent_encode,
};

/// (value, label) of the sort orders offered; the values are the API's.
const SORTS: &[(&str, &str)] = &[
    ("", "Registration (oldest first)"),
    ("-last_inform", "Last inform (newest first)"),
    ("serial_number", "Serial number"),
    ("product_class", "Product class"),
    ("manufacturer", "Manufacturer"),
    ("-registered", "Registration (newest first)"),
];

#[component]
pub fn DevicesPage() -> impl IntoView {
    view! {
        <RoleGate allowed=Role::STAFF>
            <DeviceList/>
        </RoleGate>
    }
}

#[component]
fn DeviceList() -> impl IntoView {
    let query = use_query_map();
    let search = move || query.read().get("q").unwrap_or_default();
    let sort = move || query.read().get("sort").unwrap_or_default();
    let cursor = move || query.read().get("cursor");
    let page = Resource::new(
        move || (search(), sort(), cursor()),
        |(q, sort, cursor)| list_devices(q, sort, cursor),
    );
    let options = SORTS
        .iter()
        .map(|(value, label)| {
            view! { <option value=*value selected=move || sort() == *value>{*label}</option> }
        })
        .collect_view();
    view! {
        <Title text="Devices"/>
        <h1>"Devices"</h1>
        <section class="card">
            <form method="get" action="/devices" class="form-row search-form" role="search">
                <div class="field grow">
                    <label for="device-search">"Search"</label>
                    <input
                        id="device-search"
                        name="q"
                        type="search"
                        value=search
                        placeholder="serial_number = SIM000000001 · tag = vip · online = false AND product_class = SimGW"
                        autocomplete="off"
                    />
                </div>
                <div class="field">
                    <label for="device-sort">"Sort by"</label>
                    <select id="device-sort" name="sort">{options}</select>
                </div>
                <button type="submit" class="button button-primary">"Search"</button>
            </form>
            <p class="muted small">
                "Fields: serial_number, product_class, manufacturer, software_version, ip_address, tag, online, last_inform (e.g. < -1d) or any parameter name. "
                "Operators: = != < <= > >= and ~ (starts with, or /regular expression/); AND, OR, NOT, parentheses."
            </p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <DeviceTable page search=search() sort=sort() paged=cursor().is_some()/> }.into_any(),
                        Err(error) => view! { <ErrorNote error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DeviceTable(page: DeviceListPage, search: String, sort: String, paged: bool) -> impl IntoView {
    if page.devices.is_empty() {
        let message = if search.is_empty() {
            "No device has contacted the ACS yet. Point a device's ACS URL at the address on the dashboard."
        } else {
            "No device matches this search."
        };
        return view! { <p class="muted" data-testid="no-devices">{message}</p> }.into_any();
    }
    let rows = page
        .devices
        .into_iter()
        .map(|device| {
            let status = if device.online { "Online" } else { "Offline" };
            view! {
                <tr>
                    <td data-label="Serial number"><a href=format!("/devices/{}", device.id)><code>{device.serial_number}</code></a></td>
                    <td data-label="Product class">{device.product_class}</td>
                    <td data-label="Manufacturer">{device.manufacturer}</td>
                    <td data-label="Software">{device.software_version.unwrap_or_default()}</td>
                    <td data-label="IP address">{device.ip_address.unwrap_or_default()}</td>
                    <td data-label="Last inform" class="nowrap">{device.last_inform}</td>
                    <td data-label="Status">
                        <span class=format!("status status-{}", status.to_lowercase())>{status}</span>
                    </td>
                    <td data-label="Tags">{device.tags.join(", ")}</td>
                </tr>
            }
            .into_any()
        })
        .collect_view();
    let link = |cursor: Option<&str>| {
        let mut url = format!(
            "/devices?q={}&sort={}",
            percent_encode(&search, false),
            percent_encode(&sort, false)
        );
        if let Some(cursor) = cursor {
            url.push_str("&cursor=");
            url.push_str(&percent_encode(cursor, false));
        }
        url
    };
    view! {
        <DataTable columns=&["Serial number", "Product class", "Manufacturer", "Software", "IP address", "Last inform", "Status", "Tags"]>
            {rows}
        </DataTable>
        <nav class="pager" aria-label="Device pages">
            {paged.then(|| view! { <a href=link(None)>"← First page"</a> })}
            {page.next.as_deref().map(|next| view! { <a href=link(Some(next))>"Next page →"</a> })}
        </nav>
    }
    .into_any()
}
