//! History tabs: the device's events, the tasks run on it, and its faults.

use leptos::prelude::*;

use super::DeviceContext;
use crate::{
    api::device_page::device_history,
    model::{HistoryEntry, HistoryKind},
    ui::feedback::{DataTable, ErrorNote},
};

const TABS: [(HistoryKind, &str); 3] = [
    (HistoryKind::Events, "Events"),
    (HistoryKind::Tasks, "Tasks"),
    (HistoryKind::Faults, "Faults"),
];

#[component]
pub fn HistoryCard() -> impl IntoView {
    let DeviceContext { id, tracker } = expect_context::<DeviceContext>();
    let tab = RwSignal::new(HistoryKind::Events);
    let entries = Resource::new(
        move || {
            (
                tab.get(),
                tracker.changed.get(),
                tracker.items.with(Vec::len),
            )
        },
        move |(kind, _, _)| device_history(id, kind),
    );
    let buttons = TABS
        .iter()
        .map(|(kind, label)| {
            let kind = *kind;
            view! {
                <button type="button" role="tab" class="tab"
                    aria-selected=move || (tab.get() == kind).to_string()
                    on:click=move |_| tab.set(kind)>
                    {*label}
                </button>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            <div class="tabs" role="tablist" aria-label="History">{buttons}</div>
            <div role="tabpanel">
                <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match entries.await {
                            Ok(entries) => view! { <HistoryTable entries kind=tab.get_untracked()/> }.into_any(),
                            Err(error) => view! { <ErrorNote error/> }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </section>
    }
}

#[component]
fn HistoryTable(entries: Vec<HistoryEntry>, kind: HistoryKind) -> impl IntoView {
    if entries.is_empty() {
        let message = match kind {
            HistoryKind::Events => "No events recorded yet.",
            HistoryKind::Tasks => "No task has been queued for this device.",
            HistoryKind::Faults => "No faults: the device has done everything asked of it.",
        };
        return view! { <p class="muted">{message}</p> }.into_any();
    }
    let rows = entries
        .into_iter()
        .map(|entry| {
            let status = entry.status.unwrap_or_default();
            view! {
                <tr>
                    <td data-label="When" class="nowrap">{entry.at}</td>
                    <td data-label="What">{entry.title}</td>
                    <td data-label="Details">{entry.detail}</td>
                    <td data-label="Status">
                        {(!status.is_empty()).then(|| view! { <span class=format!("task-status task-{status}")>{status.clone()}</span> })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! { <DataTable columns=&["When", "What", "Details", "Status"]>{rows}</DataTable> }
        .into_any()
}
