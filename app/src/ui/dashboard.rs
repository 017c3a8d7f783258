//! The start page: a dashboard for staff, "my devices" for customers.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{
    customer::MyDevices, feedback::ErrorNote, layout::current_user, live_events::LiveEvents,
};
use crate::{api::portal::portal_info, model::Role};

#[component]
pub fn HomePage() -> impl IntoView {
    match current_user() {
        Some(user) if user.role == Role::Customer => view! { <MyDevices/> }.into_any(),
        Some(user) => view! { <Dashboard username=user.username/> }.into_any(),
        None => ().into_any(),
    }
}

#[component]
fn Dashboard(username: String) -> impl IntoView {
    let info = Resource::new(|| (), |_| portal_info());
    view! {
        <Title text="Dashboard"/>
        <h1>"Dashboard"</h1>
        <p class="muted">"Welcome, " {username} "."</p>
        <div class="cards">
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
            <section class="card">
                <h2>"Devices"</h2>
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match info.await {
                            Ok(info) => view! {
                                <p class="figure" data-testid="devices-registered">{info.devices_registered}</p>
                                <p class="muted">
                                    "registered, " {info.devices_discovered} " with their parameters read. "
                                    "Software versions, informs per minute and faults will show here next."
                                </p>
                            }.into_any(),
                            Err(error) => view! { <ErrorNote error/> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
            <LiveEvents/>
        </div>
    }
}
