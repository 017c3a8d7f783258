//! The actions card: wake, reboot, factory reset (confirmed by typing the serial number),
//! firmware download; each followed live in the progress list.

use leptos::prelude::*;

use super::{DeviceContext, progress::ProgressList, run_tracked};
use crate::{api::device_page::run_device_action, model::DeviceAction};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asking {
    Nothing,
    Reboot,
    FactoryReset,
    Firmware,
}

#[component]
pub fn ActionsCard(serial: String, wakeable: bool) -> impl IntoView {
    let DeviceContext { id, tracker } = expect_context::<DeviceContext>();
    let asking = RwSignal::new(Asking::Nothing);
    let typed_serial = RwSignal::new(String::new());
    let firmware_url = RwSignal::new(String::new());
    let run = move |label: &str, action: DeviceAction, restarts: bool| {
        asking.set(Asking::Nothing);
        run_tracked(
            tracker,
            label.to_owned(),
            restarts,
            run_device_action(id, action),
        );
    };
    let serial_for_check = serial.clone();
    let serial_matches = Memo::new(move |_| typed_serial.get().trim() == serial_for_check);
    let reboot_question =
        format!("Restart {serial}? The customer's connection drops for a minute or two.");
    let reset_question = format!(
        "A factory reset erases every setting on {serial}: the customer loses Wi-Fi names, passwords and port forwards. Type the serial number to confirm."
    );
    view! {
        <section class="card" aria-labelledby="actions-title">
            <h2 id="actions-title">"Actions"</h2>
            <div class="button-row">
                <button type="button" class="button" disabled=!wakeable
                    title=if wakeable { "Ask the device to contact Osprey now" } else { "The device has not reported a Connection Request URL" }
                    on:click=move |_| run("Connection request", DeviceAction::ConnectionRequest, false)>
                    "Connection request"
                </button>
                <button type="button" class="button" on:click=move |_| asking.set(Asking::Reboot)>"Reboot"</button>
                <button type="button" class="button" on:click=move |_| asking.set(Asking::Firmware)>"Firmware upgrade"</button>
                <button type="button" class="button button-danger" on:click=move |_| asking.set(Asking::FactoryReset)>"Factory reset"</button>
            </div>
            <Show when=move || asking.get() == Asking::Reboot>
                <div class="confirm-panel" role="group" aria-label="Confirm reboot">
                    <p>{reboot_question.clone()}</p>
                    <button type="button" class="button button-danger" on:click=move |_| run("Reboot", DeviceAction::Reboot, true)>"Reboot now"</button>
                    <button type="button" class="button button-quiet" on:click=move |_| asking.set(Asking::Nothing)>"Cancel"</button>
                </div>
            </Show>
            <Show when=move || asking.get() == Asking::FactoryReset>
                <form class="confirm-panel" aria-label="Confirm factory reset"
                    on:submit=move |event| {
                        event.prevent_default();
                        let confirm_serial = typed_serial.get_untracked();
                        typed_serial.set(String::new());
                        run("Factory reset", DeviceAction::FactoryReset { confirm_serial }, true);
                    }>
                    <p>{reset_question.clone()}</p>
                    <label class="field">
                        <span>"Serial number"</span>
                        <input type="text" autocomplete="off" spellcheck="false"
                            prop:value=move || typed_serial.get()
                            on:input=move |event| typed_serial.set(event_target_value(&event))/>
                    </label>
                    <button type="submit" class="button button-danger" disabled=move || !serial_matches.get()>"Erase and reset"</button>
                    <button type="button" class="button button-quiet" on:click=move |_| asking.set(Asking::Nothing)>"Cancel"</button>
                </form>
            </Show>
            <Show when=move || asking.get() == Asking::Firmware>
                <form class="confirm-panel" aria-label="Firmware upgrade"
                    on:submit=move |event| {
                        event.prevent_default();
                        let url = firmware_url.get_untracked().trim().to_owned();
                        run("Firmware upgrade", DeviceAction::Download { url }, true);
                    }>
                    <label class="field grow">
                        <span>"Firmware image URL (http, https or ftp, reachable by the device)"</span>
                        <input type="url" required placeholder="https://files.example.net/fw/router-2.4.1.bin"
                            prop:value=move || firmware_url.get()
                            on:input=move |event| firmware_url.set(event_target_value(&event))/>
                    </label>
                    <button type="submit" class="button button-primary">"Send to the device"</button>
                    <button type="button" class="button button-quiet" on:click=move |_| asking.set(Asking::Nothing)>"Cancel"</button>
                </form>
            </Show>
            <ProgressList tracker/>
        </section>
    }
}
