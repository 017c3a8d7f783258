//! The start page: a dashboard for staff, "my devices" for customers.
//!
//! The figures come from pre-aggregated rows (see `api::portal::dashboard`) and are read again
//! every few seconds once the page is hydrated; faults and events also arrive live.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{
    charts::{BarChart, LineChart},
    customer::MyDevices,
    feedback::ErrorNote,
    layout::current_user,
    live_events::LiveEvents,
};
use crate::{
    api::portal::{dashboard, portal_info},
    model::{DashboardData, FaultLine, FleetFigures, Role, VersionCount, quote_query_value},
    url_text::percent_encode,
};

/// How often a hydrated dashboard reads its figures again.
const REFRESH_SECONDS: u64 = 10;

#[component]
pub fn HomePage() -> impl IntoView {
    match current_user() {
        Some(user) if user.role == Role::Customer => view! { <MyDevices/> }.into_any(),
        Some(user) => view! { <Dashboard username=user.username/> }.into_any(),
        None => ().into_any(),
    }
}

/// A signal that ticks every `seconds` in the browser (never on the server).
fn ticker(seconds: u64) -> RwSignal<u32> {
    let tick = RwSignal::new(0u32);
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || tick.update(|n| *n = n.wrapping_add(1)),
            std::time::Duration::from_secs(seconds),
        );
        on_cleanup(move || {
            if let Ok(handle) = handle {
                handle.clear();
            }
        });
    });
    tick
}

#[component]
fn Dashboard(username: String) -> impl IntoView {
    let info = Resource::new(|| (), |_| portal_info());
    let tick = ticker(REFRESH_SECONDS);
    let data = Resource::new(move || tick.get(), |_| dashboard());
    view! {
        <Title text="Dashboard"/>
        <h1>"Dashboard"</h1>
        <p class="muted">"Welcome, " {username} "."</p>
        <Transition fallback=|| view! { <p class="loading">"Loading the figures…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => view! { <DashboardFigures data/> }.into_any(),
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                }
            })}
        </Transition>
        <div class="cards">
            <LiveEvents/>
            <section class="card">
                <h2>"Connect your devices"</h2>
                <p>"Set this as the ACS URL on your CPEs (TR-069 / CWMP):"</p>
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match info.await {
                            Ok(info) => view! {
                                <p><code class="copyable">{info.cwmp_url}</code></p>
                                <p class="muted small">"Osprey " {info.version}</p>
                            }.into_any(),
                            Err(error) => view! { <ErrorNote error/> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </div>
    }
}

#[component]
fn DashboardFigures(data: DashboardData) -> impl IntoView {
    let DashboardData {
        figures,
        figures_at,
        informs_per_minute,
        faults_per_hour,
        latest_faults,
    } = data;
    let versions = figures
        .as_ref()
        .map(|figures| figures.versions.clone())
        .unwrap_or_default();
    let figures_view = match figures {
        Some(figures) => view! { <FleetTiles figures at=figures_at.unwrap_or_default()/> }.into_any(),
        None => view! {
            <p class="muted" data-testid="figures-pending">"Counting the devices: the figures appear within a minute of the server starting."</p>
        }
        .into_any(),
    };
    view! {
        {figures_view}
        <div class="cards">
            <section class="card" aria-labelledby="informs-title">
                <h2 id="informs-title">"Informs per minute"</h2>
                <LineChart series=informs_per_minute title="Informs per minute" unit="informs"/>
            </section>
            <section class="card" aria-labelledby="faults-title">
                <h2 id="faults-title">"Faults per hour"</h2>
                <BarChart series=faults_per_hour title="Faults per hour" unit="faults"/>
            </section>
        </div>
        <div class="cards">
            <VersionsCard versions/>
            <FaultsCard faults=latest_faults/>
        </div>
    }
}

/// The device list's address for a search.
fn devices_link(query: &str) -> String {
    if query.is_empty() {
        "/devices".to_owned()
    } else {
        format!("/devices?q={}", percent_encode(query, false))
    }
}

#[component]
fn FleetTiles(figures: FleetFigures, at: String) -> impl IntoView {
    let tiles: [(&str, u64, &str, &str); 5] = [
        ("Devices", figures.total, "devices-total", ""),
        ("Online", figures.online, "devices-online", "online = true"),
        (
            "Offline",
            figures.offline(),
            "devices-offline",
            "online = false",
        ),
        ("New today", figures.new_today, "devices-new-today", ""),
        (
            "With open faults",
            figures.with_open_faults,
            "devices-with-faults",
            "",
        ),
    ];
    let tiles = tiles
        .into_iter()
        .map(|(label, value, testid, query)| {
            let figure = view! { <span class="stat-figure" data-testid=testid>{value}</span> };
            let body = if query.is_empty() && label != "Devices" {
                view! { {figure}<span class="stat-label">{label}</span> }.into_any()
            } else {
                view! {
                    {figure}
                    <a class="stat-label" href=devices_link(query)>{label}</a>
                }
                .into_any()
            };
            view! { <li class="stat">{body}</li> }
        })
        .collect_view();
    view! {
        <section aria-labelledby="fleet-title">
            <h2 id="fleet-title" class="visually-hidden">"The fleet"</h2>
            <ul class="stats">{tiles}</ul>
            <p class="muted small">
                {figures.discovered} " with their parameters read · counted at " {at}
                " · online means informed within the device's periodic interval · new today: since 00:00 UTC"
            </p>
        </section>
    }
}

#[component]
fn VersionsCard(versions: Vec<VersionCount>) -> impl IntoView {
    let largest = versions.iter().map(|v| v.devices).max().unwrap_or(1).max(1);
    let body = if versions.is_empty() {
        view! { <p class="muted">"No device has reported a software version yet."</p> }.into_any()
    } else {
        let rows = versions
            .into_iter()
            .map(|version| {
                // The longest bar takes 70% of the cell; the count follows it.
                let share = version.devices as f64 * 70.0 / largest as f64;
                let query = format!(
                    "product_class = {} AND software_version = {}",
                    quote_query_value(&version.product_class),
                    quote_query_value(&version.software_version)
                );
                view! {
                    <tr>
                        <td data-label="Product class">{version.product_class}</td>
                        <td data-label="Software">
                            {if version.software_version.is_empty() { "unknown".to_owned() } else { version.software_version }}
                        </td>
                        <td data-label="Devices" class="bar-cell">
                            <span class="bar" style=format!("width: {share:.1}%") aria-hidden="true"></span>
                            <a href=devices_link(&query)>{version.devices}</a>
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="table versions" data-testid="software-versions">
                <thead><tr><th scope="col">"Product class"</th><th scope="col">"Software"</th><th scope="col">"Devices"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="card" aria-labelledby="versions-title">
            <h2 id="versions-title">"Software versions by product class"</h2>
            {body}
        </section>
    }
}

#[component]
fn FaultsCard(faults: Vec<FaultLine>) -> impl IntoView {
    let body = if faults.is_empty() {
        view! { <p class="muted" data-testid="no-faults">"No open faults: every task ended well or was dismissed."</p> }.into_any()
    } else {
        let items = faults
            .into_iter()
            .map(|fault| {
                view! {
                    <li>
                        <time class="muted small">{fault.at}</time>
                        <a href=format!("/devices/{}", fault.device_id)><code>{fault.serial_number}</code></a>
                        <span>{fault.method} ": " {fault.reason}</span>
                    </li>
                }
            })
            .collect_view();
        view! { <ul class="fault-list" data-testid="latest-faults">{items}</ul> }.into_any()
    };
    view! {
        <section class="card" aria-labelledby="faults-list-title">
            <h2 id="faults-list-title">"Latest faults"</h2>
            {body}
        </section>
    }
}
