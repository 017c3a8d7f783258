//! One device, for helpdesk staff: who and what it is, WAN/LAN/Wi-Fi at a glance, actions
//! with live progress, the parameter tree, history, and which customers see it.

mod actions;
mod customers;
mod history;
mod overview;
pub mod progress;
mod tree;

use std::future::Future;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use self::{
    actions::ActionsCard, customers::CustomersCard, history::HistoryCard, overview::OverviewCards,
    progress::Tracker, tree::TreeCard,
};
use super::{
    feedback::{ErrorNote, RoleGate},
    live_events::{open_event_stream, read_activity},
};
use crate::{
    api::device_page::{get_device_detail, get_task_progress},
    error::AppError,
    model::{ActionStarted, DeviceDetail, Role},
};

#[component]
pub fn DevicePage() -> impl IntoView {
    view! {
        <RoleGate allowed=Role::STAFF>
            <DeviceView/>
        </RoleGate>
    }
}

/// The device page's shared state: which device, and the actions in flight on it.
#[derive(Debug, Clone, Copy)]
pub struct DeviceContext {
    pub id: i64,
    pub tracker: Tracker,
}

/// Runs a server call for an action, follows it in the tracker, and asks once where its
/// task stands (it may have ended before the event stream could tell).
pub fn run_tracked<F>(tracker: Tracker, label: String, restarts: bool, call: F)
where
    F: Future<Output = Result<ActionStarted, AppError>> + 'static,
{
    let key = tracker.start(label, restarts);
    leptos::task::spawn_local(async move {
        let answer = call.await;
        let task_id = answer.as_ref().ok().and_then(|started| started.task_id);
        tracker.answered(key, answer);
        if let Some(task_id) = task_id
            && let Ok(progress) = get_task_progress(task_id).await
        {
            tracker.progressed(progress);
        }
    });
}

/// Opens the device's event stream and feeds the tracker.
pub fn follow_device(id: i64, tracker: Tracker) -> RwSignal<bool> {
    let connected = RwSignal::new(false);
    open_event_stream(
        format!("/api/v1/events?device={id}"),
        connected,
        move |kind, data| {
            if let Some(activity) = read_activity(kind, &data) {
                tracker.observed(&activity);
            }
        },
    );
    connected
}

/// The device id in the page's address (`/devices/:id`, `/my/devices/:id`), when it is one.
pub fn route_device_id() -> Option<i64> {
    use_params_map()
        .read_untracked()
        .get("id")
        .and_then(|id| id.parse::<i64>().ok())
        .filter(|id| *id > 0)
}

#[component]
fn DeviceView() -> impl IntoView {
    let Some(id) = route_device_id() else {
        return view! {
            <Title text="Device"/>
            <h1>"Device"</h1>
            <ErrorNote error=AppError::NotFound { message: "This is not a device address. Find the device on the Devices page.".to_owned() }/>
        }
        .into_any();
    };
    let tracker = Tracker::new();
    provide_context(DeviceContext { id, tracker });
    let connected = follow_device(id, tracker);
    // The page is drawn once from the first read; the figures that change (status, summary,
    // overview) are read again after each action, in place, so open tree levels, forms being
    // filled in and the chosen history tab stay as the person left them.
    let first = Resource::new(|| (), move |_| get_device_detail(id));
    let latest = Resource::new(
        move || tracker.changed.get(),
        move |_| get_device_detail(id),
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading the device…"</p> }>
            {move || Suspend::new(async move {
                match first.await {
                    Ok(device) => view! { <DeviceBody device latest connected/> }.into_any(),
                    Err(error) => view! {
                        <Title text="Device"/>
                        <h1>"Device"</h1>
                        <ErrorNote error/>
                        <p><a href="/devices">"Back to the device list"</a></p>
                    }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

type DeviceResource = Resource<Result<DeviceDetail, AppError>>;

/// Draws `render` from the device's latest read, keeping the previous drawing while a new
/// read is on its way.
fn from_latest<V: IntoView + 'static>(
    latest: DeviceResource,
    render: impl Fn(DeviceDetail) -> V + Send + Sync + Copy + 'static,
) -> impl IntoView {
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match latest.await {
                    Ok(device) => render(device).into_any(),
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DeviceBody(
    device: DeviceDetail,
    latest: DeviceResource,
    connected: RwSignal<bool>,
) -> impl IntoView {
    let title = format!("{} · {}", device.serial_number, device.product_class);
    let serial = device.serial_number.clone();
    let customers = device.customers.clone();
    let wakeable = device.wakeable;
    view! {
        <Title text=title/>
        <nav class="breadcrumb" aria-label="Breadcrumb"><a href="/devices">"Devices"</a> " / " {device.serial_number.clone()}</nav>
        <div class="page-head">
            <h1>{device.serial_number.clone()}</h1>
            {from_latest(latest, |device| {
                let status = if device.online { "Online" } else { "Offline" };
                view! { <span class=format!("status status-{}", status.to_lowercase()) data-testid="device-status">{status}</span> }
            })}
            <span class="muted small live-dot" class:live-on=move || connected.get()>
                {move || if connected.get() { "Live" } else { "Connecting…" }}
            </span>
        </div>
        <div class="cards">
            {from_latest(latest, |device| view! { <SummaryCard device/> })}
            {view! { <ActionsCard serial wakeable/> }.into_any()}
        </div>
        {from_latest(latest, |device| view! { <OverviewCards overview=device.overview/> })}
        {view! { <TreeCard/> }.into_any()}
        {view! { <HistoryCard/> }.into_any()}
        {view! { <CustomersCard customers/> }.into_any()}
    }
    .into_any()
}

#[component]
fn SummaryCard(device: DeviceDetail) -> impl IntoView {
    let facts: Vec<(&'static str, String)> = [
        (
            "Model",
            Some(format!("{} {}", device.manufacturer, device.product_class)),
        ),
        ("Serial number", Some(device.serial_number)),
        ("OUI", Some(device.oui)),
        ("Software", device.software_version),
        ("Hardware", device.hardware_version),
        ("Data model", device.data_model),
        ("IP address", device.ip_address),
        ("Uptime", device.uptime),
        ("Last inform", Some(device.last_inform)),
        ("Registered", Some(device.registered)),
        (
            "Customer",
            Some(if device.customers.is_empty() {
                "none linked".to_owned()
            } else {
                device.customers.join(", ")
            }),
        ),
        (
            "Tags",
            Some(if device.tags.is_empty() {
                "none".to_owned()
            } else {
                device.tags.join(", ")
            }),
        ),
    ]
    .into_iter()
    .filter_map(|(label, value)| value.map(|value| (label, value)))
    .collect();
    let rows = facts
        .into_iter()
        .map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="summary-title">
            <h2 id="summary-title">"Summary"</h2>
            <dl class="facts" data-testid="device-summary">{rows}</dl>
            {(!device.tree_complete).then(|| view! {
                <p class="muted small">"Osprey is still reading this device's parameters; the tree fills in after its next session."</p>
            })}
        </section>
    }
}
