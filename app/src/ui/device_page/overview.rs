//! WAN, LAN and Wi-Fi at a glance: the same cards for TR-098 and TR-181 devices.

use leptos::prelude::*;

use crate::model::{DeviceOverview, OverviewSection, WifiNetwork};

#[component]
pub fn OverviewCards(overview: DeviceOverview) -> impl IntoView {
    if overview == DeviceOverview::default() {
        return view! {
            <section class="card">
                <h2>"Connection overview"</h2>
                <p class="muted">"Nothing to show yet: the WAN, LAN and Wi-Fi parameters have not been read from this device."</p>
            </section>
        }
        .into_any();
    }
    let DeviceOverview { wan, lan, wifi } = overview;
    view! {
        <div class="cards overview" data-testid="device-overview">
            <SectionCard title="WAN" sections=wan empty="No WAN connection reported."/>
            <SectionCard title="LAN" sections=lan empty="No LAN settings reported."/>
            <WifiCard networks=wifi/>
        </div>
    }
    .into_any()
}

#[component]
fn SectionCard(
    title: &'static str,
    sections: Vec<OverviewSection>,
    empty: &'static str,
) -> impl IntoView {
    let body = if sections.is_empty() {
        view! { <p class="muted">{empty}</p> }.into_any()
    } else {
        sections
            .into_iter()
            .map(|section| {
                let facts = section
                    .facts
                    .into_iter()
                    .map(|fact| view! { <dt>{fact.label}</dt><dd>{fact.value}</dd> })
                    .collect_view();
                view! {
                    <h3 class="small-heading" title=section.path>{section.title}</h3>
                    <dl class="facts">{facts}</dl>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <section class="card">
            <h2>{title}</h2>
            {body}
        </section>
    }
}

#[component]
fn WifiCard(networks: Vec<WifiNetwork>) -> impl IntoView {
    let body = if networks.is_empty() {
        view! { <p class="muted">"No Wi-Fi network reported."</p> }.into_any()
    } else {
        let rows = networks
            .into_iter()
            .map(|network| {
                let state = match network.enabled {
                    Some(true) => "On",
                    Some(false) => "Off",
                    None => "",
                };
                view! {
                    <tr>
                        <td data-label="Network"><strong>{network.ssid}</strong></td>
                        <td data-label="Band">{network.band.unwrap_or_default()}</td>
                        <td data-label="Channel">{network.channel.unwrap_or_default()}</td>
                        <td data-label="Security">{network.security.unwrap_or_default()}</td>
                        <td data-label="State">{state}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="table table-compact">
                <thead><tr>
                    <th scope="col">"Network"</th><th scope="col">"Band"</th><th scope="col">"Channel"</th>
                    <th scope="col">"Security"</th><th scope="col">"State"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="card card-wide">
            <h2>"Wi-Fi"</h2>
            {body}
        </section>
    }
}
