//! The customer's pages: their own devices (claimed with a code or linked by the provider),
//! and one device: is it online, what are the Wi-Fi networks called, change a Wi-Fi
//! password, restart it. Nothing of anyone else's device is reachable: the server checks
//! every call against the customer's links.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{
    device_page::{
        follow_device,
        progress::{ProgressList, Tracker},
        route_device_id, run_tracked,
    },
    feedback::{ErrorNote, RoleGate},
    layout::reload_to,
};
use crate::{
    api::customer::{ClaimDevice, my_device, my_devices, run_customer_action},
    error::AppError,
    model::{CustomerAction, CustomerDeviceView, CustomerWifi, Role, check_wifi_password},
};

/// The start page of a customer.
#[component]
pub fn MyDevices() -> impl IntoView {
    let claim = ServerAction::<ClaimDevice>::new();
    let devices = Resource::new(move || claim.version().get(), |_| my_devices());
    Effect::new(move |_| {
        if let Some(Ok(device_id)) = claim.value().get() {
            reload_to(&format!("/my/devices/{device_id}"));
        }
    });
    view! {
        <Title text="My devices"/>
        <h1>"My devices"</h1>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match devices.await {
                    Ok(devices) if devices.is_empty() => view! {
                        <section class="card">
                            <p data-testid="no-devices">"No device is linked to your account yet."</p>
                            <p class="muted">"Add yours below with the serial number on its label and the claim code your provider gave you, or ask your provider to link it."</p>
                        </section>
                    }.into_any(),
                    Ok(devices) => view! {
                        <div class="cards">
                            {devices.into_iter().map(|device| view! { <DeviceTile device/> }).collect_view()}
                        </div>
                    }.into_any(),
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                }
            })}
        </Transition>
        <section class="card">
            <h2>"Add a device"</h2>
            <ActionForm action=claim attr:class="form-row" attr:aria-label="Add a device">
                <label class="field">
                    <span>"Serial number"</span>
                    <input type="text" name="serial_number" required autocomplete="off" spellcheck="false"/>
                </label>
                <label class="field">
                    <span>"Claim code"</span>
                    <input type="text" name="code" required autocomplete="off" spellcheck="false" placeholder="ABCD-EFGH-JKMN"/>
                </label>
                <button type="submit" class="button button-primary" disabled=move || claim.pending().get()>"Add device"</button>
            </ActionForm>
            <div aria-live="polite">
                {move || claim.value().get().and_then(Result::err).map(|error| view! { <ErrorNote error/> })}
            </div>
        </section>
    }
}

#[component]
fn DeviceTile(device: CustomerDeviceView) -> impl IntoView {
    let status = if device.online { "Online" } else { "Offline" };
    let networks: Vec<String> = device.wifi.iter().map(|w| w.ssid.clone()).collect();
    view! {
        <section class="card">
            <h2><a href=format!("/my/devices/{}", device.id)>{device.name}</a></h2>
            <p>
                <span class=format!("status status-{}", status.to_lowercase())>{status}</span>
                " · serial number " <code>{device.serial_number}</code>
            </p>
            <p class="muted">{if networks.is_empty() { "No Wi-Fi network reported.".to_owned() } else { format!("Wi-Fi: {}", networks.join(", ")) }}</p>
            <a class="button" href=format!("/my/devices/{}", device.id)>"Manage"</a>
        </section>
    }
}

#[component]
pub fn MyDevicePage() -> impl IntoView {
    view! {
        <RoleGate allowed=Role::CUSTOMER>
            <MyDeviceView/>
        </RoleGate>
    }
}

#[component]
fn MyDeviceView() -> impl IntoView {
    let Some(id) = route_device_id() else {
        return view! {
            <ErrorNote error=AppError::NotFound { message: "This device is not linked to your account.".to_owned() }/>
        }
        .into_any();
    };
    let tracker = Tracker::new();
    let device = Resource::new(move || tracker.changed.get(), move |_| my_device(id));
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading your device…"</p> }>
            {move || Suspend::new(async move {
                match device.await {
                    Ok(device) => view! { <MyDeviceBody device tracker/> }.into_any(),
                    Err(error) => view! {
                        <Title text="My device"/>
                        <h1>"My device"</h1>
                        <div data-testid="device-refused"><ErrorNote error/></div>
                        <p><a href="/">"Back to my devices"</a></p>
                    }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn MyDeviceBody(device: CustomerDeviceView, tracker: Tracker) -> impl IntoView {
    let id = device.id;
    // Live progress only once the server agreed this is the customer's device.
    follow_device(id, tracker);
    let status = if device.online { "Online" } else { "Offline" };
    let confirming = RwSignal::new(false);
    let networks = device
        .wifi
        .into_iter()
        .map(|network| view! { <WifiNetworkCard id network tracker/> })
        .collect_view();
    view! {
        <Title text=device.name.clone()/>
        <nav class="breadcrumb" aria-label="Breadcrumb"><a href="/">"My devices"</a> " / " {device.name.clone()}</nav>
        <div class="page-head">
            <h1>{device.name}</h1>
            <span class=format!("status status-{}", status.to_lowercase()) data-testid="device-status">{status}</span>
        </div>
        <p class="muted">"Serial number " <code>{device.serial_number}</code> " · last contact " {device.last_inform}</p>
        <div class="cards">{networks}</div>
        <section class="card">
            <h2>"Restart"</h2>
            <p class="muted">"Restarting takes a minute or two; your internet and Wi-Fi stop meanwhile."</p>
            <Show
                when=move || confirming.get()
                fallback=move || view! { <button type="button" class="button" on:click=move |_| confirming.set(true)>"Restart the router"</button> }
            >
                <div class="confirm-panel" role="group" aria-label="Confirm restart">
                    <p>"Restart now?"</p>
                    <button type="button" class="button button-danger" on:click=move |_| {
                        confirming.set(false);
                        run_tracked(tracker, "Restart".to_owned(), true, run_customer_action(id, CustomerAction::Reboot));
                    }>"Restart now"</button>
                    <button type="button" class="button button-quiet" on:click=move |_| confirming.set(false)>"Cancel"</button>
                </div>
            </Show>
        </section>
        <section class="card">
            <h2>"What is happening"</h2>
            <ProgressList tracker/>
        </section>
    }
}

#[component]
fn WifiNetworkCard(id: i64, network: CustomerWifi, tracker: Tracker) -> impl IntoView {
    let password = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let index = network.network;
    let input_id = format!("wifi-password-{index}");
    let ssid = network.ssid.clone();
    let state = match network.enabled {
        Some(false) => " (off)",
        _ => "",
    };
    view! {
        <section class="card" data-testid="wifi-network">
            <h2>{network.ssid.clone()}</h2>
            <p class="muted">{format!("{}{state}", network.band.clone().unwrap_or_else(|| "Wi-Fi".to_owned()))}</p>
            {if network.can_set_password {
                view! {
                    <form class="form-row" aria-label=format!("New password for {ssid}")
                        on:submit=move |event| {
                            event.prevent_default();
                            let value = password.get_untracked();
                            if let Err(message) = check_wifi_password(&value) {
                                problem.set(Some(message));
                                return;
                            }
                            problem.set(None);
                            password.set(String::new());
                            run_tracked(
                                tracker,
                                format!("New Wi-Fi password for {ssid}"),
                                false,
                                run_customer_action(id, CustomerAction::SetWifiPassword { network: index, password: value }),
                            );
                        }>
                        <label class="field grow" for=input_id.clone()>
                            <span>"New Wi-Fi password"</span>
                            <input id=input_id.clone() type="password" autocomplete="new-password" minlength="8" maxlength="64"
                                prop:value=move || password.get()
                                on:input=move |event| { password.set(event_target_value(&event)); problem.set(None); }/>
                        </label>
                        <button type="submit" class="button button-primary">"Change password"</button>
                    </form>
                    {move || problem.get().map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
                }.into_any()
            } else {
                view! { <p class="muted small">"This network's password cannot be changed here."</p> }.into_any()
            }}
        </section>
    }
}
