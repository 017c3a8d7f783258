//! Pages whose features are still being built: they say what they will do.

use leptos::prelude::*;
use leptos_meta::Title;

use super::feedback::RoleGate;
use crate::model::Role;

#[component]
fn ComingSoon(title: &'static str, summary: &'static str) -> impl IntoView {
    view! {
        <RoleGate allowed=Role::STAFF>
            <Title text=title/>
            <h1>{title}</h1>
            <section class="card coming-soon">
                <p><strong>"Coming soon."</strong> " " {summary}</p>
            </section>
        </RoleGate>
    }
}

#[component]
pub fn GroupsPage() -> impl IntoView {
    view! { <ComingSoon title="Groups" summary="Group devices by a saved search or by hand, to configure and upgrade them together."/> }
}

#[component]
pub fn TemplatesPage() -> impl IntoView {
    view! { <ComingSoon title="Templates" summary="Reusable sets of parameter values and objects, applied to a device or a group."/> }
}

#[component]
pub fn CampaignsPage() -> impl IntoView {
    view! { <ComingSoon title="Campaigns" summary="Firmware upgrades in waves, with failure thresholds and maintenance windows."/> }
}

#[component]
pub fn DiagnosticsPage() -> impl IntoView {
    view! { <ComingSoon title="Diagnostics" summary="Ping, traceroute and speed tests run by the device, and live parameter charts."/> }
}

#[component]
pub fn FilesPage() -> impl IntoView {
    view! { <ComingSoon title="Files" summary="Firmware images and configuration files to send to devices."/> }
}
