//! The device list: search with the query language plus filters, sort, page through any
//! number of devices without counting them, select devices for a bulk action, export what
//! matches as CSV. A plain GET form, so it works before hydration and every search is a link
//! people can share.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::feedback::{ErrorNote, RoleGate};
use crate::{
    api::devices::{device_filter_options, list_devices, run_bulk_action},
    model::{BulkAction, BulkOutcome, DeviceFilters, DeviceListPage, Role, combine_device_query},
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

/// The bulk action in flight or done: (selected ids, action) → outcome.
type BulkRun = Action<(Vec<i64>, BulkAction), Result<BulkOutcome, crate::error::AppError>>;

/// The list's address parameters: the search, the filters and the sort.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct ListState {
    search: String,
    filters: DeviceFilters,
    sort: String,
}

impl ListState {
    fn query(&self) -> String {
        combine_device_query(&self.search, &self.filters)
    }

    /// The list's own address with these parameters, at `cursor`.
    fn link(&self, cursor: Option<&str>) -> String {
        let mut url = "/devices?".to_owned();
        for (name, value) in [
            ("q", &self.search),
            ("online", &self.filters.online),
            ("product_class", &self.filters.product_class),
            ("software_version", &self.filters.software_version),
            ("tag", &self.filters.tag),
            ("sort", &self.sort),
        ] {
            if !value.is_empty() {
                url.push_str(&format!("{name}={}&", percent_encode(value, false)));
            }
        }
        if let Some(cursor) = cursor {
            url.push_str(&format!("cursor={}", percent_encode(cursor, false)));
        }
        url.trim_end_matches(['&', '?']).to_owned()
    }

    /// The same list as CSV, every matching device (the REST API streams it).
    fn export_link(&self) -> String {
        format!(
            "/api/v1/devices/export.csv?q={}&sort={}",
            percent_encode(&self.query(), false),
            percent_encode(&self.sort, false)
        )
    }
}

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
    let read = move |name: &str| query.read().get(name).unwrap_or_default();
    let state = Memo::new(move |_| ListState {
        search: read("q"),
        filters: DeviceFilters {
            online: read("online"),
            product_class: read("product_class"),
            software_version: read("software_version"),
            tag: read("tag"),
        },
        sort: read("sort"),
    });
    let cursor = move || query.read().get("cursor");
    // The selection and the bulk action live here, above the list that is read again after
    // each action (so tags show at once), keeping both the selection and the outcome.
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    let run = Action::new(move |(ids, action): &(Vec<i64>, BulkAction)| {
        run_bulk_action(ids.clone(), action.clone())
    });
    Effect::new(move |_| {
        state.track();
        query.read().get("cursor");
        selected.set(BTreeSet::new());
    });
    let page = Resource::new(
        move || (state.get(), cursor(), run.version().get()),
        |(state, cursor, _)| list_devices(state.query(), state.sort, cursor),
    );
    let options = Resource::new(|| (), |_| device_filter_options());
    let current = state.get_untracked();
    let sorts = SORTS
        .iter()
        .map(|(value, label)| {
            view! { <option value=*value selected=move || state.get().sort == *value>{*label}</option> }
        })
        .collect_view();
    let online_choices = [("", "Any"), ("true", "Online"), ("false", "Offline")]
        .into_iter()
        .map(|(value, label)| {
            view! { <option value=value selected=move || state.get().filters.online == value>{label}</option> }
        })
        .collect_view();
    view! {
        <Title text="Devices"/>
        <h1>"Devices"</h1>
        <section class="card">
            <form method="get" action="/devices" class="search-form" role="search">
                <div class="form-row">
                    <div class="field grow">
                        <label for="device-search">"Search"</label>
                        <input
                            id="device-search"
                            name="q"
                            type="search"
                            value=current.search.clone()
                            placeholder="serial_number = SIM000000001 · tag = vip · ip_address ~ 10.1."
                            autocomplete="off"
                        />
                    </div>
                    <div class="field">
                        <label for="device-sort">"Sort by"</label>
                        <select id="device-sort" name="sort">{sorts}</select>
                    </div>
                </div>
                <div class="form-row filters">
                    <div class="field">
                        <label for="filter-online">"Status"</label>
                        <select id="filter-online" name="online">{online_choices}</select>
                    </div>
                    <div class="field">
                        <label for="filter-class">"Product class"</label>
                        <input id="filter-class" name="product_class" list="product-classes" autocomplete="off"
                            value=current.filters.product_class.clone()/>
                    </div>
                    <div class="field">
                        <label for="filter-version">"Software version"</label>
                        <input id="filter-version" name="software_version" list="software-versions" autocomplete="off"
                            value=current.filters.software_version.clone()/>
                    </div>
                    <div class="field">
                        <label for="filter-tag">"Tag"</label>
                        <input id="filter-tag" name="tag" autocomplete="off" value=current.filters.tag.clone()/>
                    </div>
                    <button type="submit" class="button button-primary">"Search"</button>
                    <a class="button button-quiet" href="/devices">"Clear"</a>
                </div>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let options = options.await.unwrap_or_default();
                        view! {
                            <datalist id="product-classes">
                                {options.product_classes.into_iter().map(|c| view! { <option value=c/> }).collect_view()}
                            </datalist>
                            <datalist id="software-versions">
                                {options.software_versions.into_iter().map(|v| view! { <option value=v/> }).collect_view()}
                            </datalist>
                        }
                    })}
                </Suspense>
            </form>
            <details class="muted small">
                <summary>"How to search"</summary>
                <p>
                    "Fields: serial_number, product_class, manufacturer, software_version, ip_address, tag, customer, online, last_inform (e.g. < -1d) or any parameter name. "
                    "Operators: = != < <= > >= and ~ (starts with, or /regular expression/); AND, OR, NOT, parentheses. "
                    "The filters are added to the search with AND. "
                    "Searches on WAN addresses, MAC addresses, PPPoE usernames and SSIDs (TR-098 and TR-181 names) are indexed; "
                    "one on another parameter reads every device's parameters and takes seconds on a large fleet."
                </p>
            </details>
            {move || run.value().get().map(|result| match result {
                Ok(outcome) => view! { <BulkResult outcome/> }.into_any(),
                Err(error) => view! { <ErrorNote error/> }.into_any(),
            })}
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(page) => view! { <DeviceTable page state=state.get_untracked() paged=cursor().is_some() selected run/> }.into_any(),
                        Err(error) => view! { <ErrorNote error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn DeviceTable(
    page: DeviceListPage,
    state: ListState,
    paged: bool,
    selected: RwSignal<BTreeSet<i64>>,
    run: BulkRun,
) -> impl IntoView {
    if page.devices.is_empty() {
        let message = if state.query().is_empty() {
            "No device has contacted the ACS yet. Point a device's ACS URL at the address on the dashboard."
        } else {
            "No device matches this search."
        };
        return view! { <p class="muted" data-testid="no-devices">{message}</p> }.into_any();
    }
    let page_ids: Vec<i64> = page.devices.iter().map(|device| device.id).collect();
    let all_selected = {
        let page_ids = page_ids.clone();
        move || selected.with(|set| page_ids.iter().all(|id| set.contains(id)))
    };
    let rows = page
        .devices
        .into_iter()
        .map(|device| {
            let id = device.id;
            let status = if device.online { "Online" } else { "Offline" };
            let serial = device.serial_number.clone();
            view! {
                <tr class:selected=move || selected.with(|set| set.contains(&id))>
                    <td class="select-cell">
                        <input type="checkbox" aria-label=format!("Select {serial}")
                            prop:checked=move || selected.with(|set| set.contains(&id))
                            on:change=move |event| {
                                let on = event_target_checked(&event);
                                selected.update(|set| { if on { set.insert(id); } else { set.remove(&id); } });
                            }/>
                    </td>
                    <td data-label="Serial number"><a href=format!("/devices/{id}")><code>{device.serial_number}</code></a></td>
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
        })
        .collect_view();
    let headers = [
        ("Serial number", Some("serial_number")),
        ("Product class", Some("product_class")),
        ("Manufacturer", Some("manufacturer")),
        ("Software", None),
        ("IP address", None),
        ("Last inform", Some("-last_inform")),
        ("Status", None),
        ("Tags", None),
    ]
    .into_iter()
    .map(|(label, sort)| match sort {
        Some(sort) => {
            let sorted = state.sort == sort;
            let link = ListState {
                sort: sort.to_owned(),
                ..state.clone()
            }
            .link(None);
            view! {
                <th scope="col" aria-sort=if sorted { "ascending" } else { "none" }>
                    <a href=link class:sorted=sorted>{label}{if sorted { " ▲" } else { "" }}</a>
                </th>
            }
            .into_any()
        }
        None => view! { <th scope="col">{label}</th> }.into_any(),
    })
    .collect_view();
    let toggle_all = {
        let page_ids = page_ids.clone();
        move |event: leptos::ev::Event| {
            let on = event_target_checked(&event);
            selected.update(|set| {
                for id in &page_ids {
                    if on {
                        set.insert(*id);
                    } else {
                        set.remove(id);
                    }
                }
            });
        }
    };
    let first_link = state.link(None);
    let next_link = page.next.as_deref().map(|next| state.link(Some(next)));
    view! {
        <div class="list-tools">
            <BulkBar selected run/>
            <a class="button button-quiet" href=state.export_link() download="devices.csv"
                title="Every device that matches, not only this page">"Export CSV"</a>
        </div>
        <table class="table device-table">
            <thead>
                <tr>
                    <th scope="col" class="select-cell">
                        <input type="checkbox" aria-label="Select every device on this page"
                            prop:checked=all_selected on:change=toggle_all/>
                    </th>
                    {headers}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        <nav class="pager" aria-label="Device pages">
            {paged.then(|| view! { <a href=first_link>"← First page"</a> })}
            {next_link.map(|next| view! { <a href=next>"Next page →"</a> })}
        </nav>
    }
    .into_any()
}

/// The actions on the selected devices; reboot asks once more.
#[component]
fn BulkBar(selected: RwSignal<BTreeSet<i64>>, run: BulkRun) -> impl IntoView {
    let choice = RwSignal::new("add_tag".to_owned());
    let tag = RwSignal::new(String::new());
    let confirming = RwSignal::new(false);
    let wants_tag = move || matches!(choice.get().as_str(), "add_tag" | "remove_tag");
    let chosen = move || -> BulkAction {
        match choice.get_untracked().as_str() {
            "add_tag" => BulkAction::AddTag {
                tag: tag.get_untracked().trim().to_owned(),
            },
            "remove_tag" => BulkAction::RemoveTag {
                tag: tag.get_untracked().trim().to_owned(),
            },
            "connection_request" => BulkAction::ConnectionRequest,
            "reboot" => BulkAction::Reboot,
            _ => BulkAction::Refresh,
        }
    };
    let submit = move || {
        let ids: Vec<i64> = selected.get_untracked().into_iter().collect();
        confirming.set(false);
        run.dispatch((ids, chosen()));
    };
    let count = move || selected.with(BTreeSet::len);
    view! {
        <form class="bulk-bar" aria-label="Bulk action on the selected devices"
            on:submit=move |event| {
                event.prevent_default();
                if choice.get_untracked() == "reboot" && !confirming.get_untracked() {
                    confirming.set(true);
                } else {
                    submit();
                }
            }>
            <span class="bulk-count" data-testid="selected-count">
                {move || match count() { 0 => "No device selected".to_owned(), 1 => "1 device selected".to_owned(), n => format!("{n} devices selected") }}
            </span>
            <label class="visually-hidden" for="bulk-action">"Action"</label>
            <select id="bulk-action" on:change=move |event| { confirming.set(false); choice.set(event_target_value(&event)); }>
                <option value="add_tag">"Add tag"</option>
                <option value="remove_tag">"Remove tag"</option>
                <option value="refresh">"Read all parameters again"</option>
                <option value="connection_request">"Connection request"</option>
                <option value="reboot">"Reboot"</option>
            </select>
            <Show when=wants_tag>
                <label class="visually-hidden" for="bulk-tag">"Tag to add or remove"</label>
                <input id="bulk-tag" placeholder="tag" autocomplete="off"
                    prop:value=move || tag.get() on:input=move |event| tag.set(event_target_value(&event))/>
            </Show>
            <button type="submit" class="button" class:button-danger=move || confirming.get()
                disabled=move || count() == 0 || run.pending().get()>
                {move || if confirming.get() { format!("Reboot {} devices now", count()) } else { "Apply".to_owned() }}
            </button>
            <Show when=move || confirming.get()>
                <button type="button" class="button button-quiet" on:click=move |_| confirming.set(false)>"Cancel"</button>
            </Show>
        </form>
    }
}

#[component]
fn BulkResult(outcome: BulkOutcome) -> impl IntoView {
    let failed = outcome.failed;
    view! {
        <div class="notice notice-ok" role="status" data-testid="bulk-result">
            <p>{outcome.message}</p>
            {(!failed.is_empty()).then(|| view! {
                <p>"Not applied:"</p>
                <ul>{failed.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}</ul>
            })}
        </div>
    }
}
