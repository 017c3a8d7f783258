//! The audit log page: every change a person made, newest first.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::feedback::{DataTable, ErrorNote, RoleGate};
use crate::{
    api::audit::list_audit,
    model::{AuditPage as Page, Role},
};

#[component]
pub fn AuditPage() -> impl IntoView {
    view! {
        <RoleGate allowed=Role::ADMIN>
            <AuditPanel/>
        </RoleGate>
    }
}

#[component]
fn AuditPanel() -> impl IntoView {
    let query = use_query_map();
    let before = move || {
        query
            .read()
            .get("before")
            .and_then(|v| v.parse::<i64>().ok())
    };
    let page = Resource::new(before, list_audit);
    view! {
        <Title text="Audit log"/>
        <h1>"Audit log"</h1>
        <section class="card">
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <AuditTable page paged=before().is_some()/> }.into_any(),
                        Err(error) => view! { <ErrorNote error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AuditTable(page: Page, paged: bool) -> impl IntoView {
    if page.entries.is_empty() {
        return view! { <p class="muted">"Nothing has been recorded yet."</p> }.into_any();
    }
    let rows = page
        .entries
        .into_iter()
        .map(|entry| {
            view! {
                <tr>
                    <td data-label="When" class="nowrap">{entry.at}</td>
                    <td data-label="Who">{entry.actor}</td>
                    <td data-label="Action"><code>{entry.action}</code></td>
                    <td data-label="Target">{entry.target.unwrap_or_default()}</td>
                    <td data-label="Detail">{entry.detail}</td>
                    <td data-label="Address">{entry.address.unwrap_or_default()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable columns=&["When", "Who", "Action", "Target", "Detail", "Address"]>{rows}</DataTable>
        <nav class="pager" aria-label="Audit log pages">
            {paged.then(|| view! { <a href="/audit">"← Newest"</a> })}
            {page.older.map(|older| view! { <a href=format!("/audit?before={older}")>"Older entries →"</a> })}
        </nav>
    }
    .into_any()
}
