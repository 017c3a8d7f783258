//! The parameter tree: objects open one level at a time (each level is fetched when it is
//! opened), a search over names and values, values with their types, inline editing of
//! writable values (checked by type before sending) and "read again" on any object.

use std::collections::BTreeSet;

use leptos::prelude::*;

use super::{DeviceContext, run_tracked};
use crate::{
    api::device_page::{device_tree, run_device_action},
    model::{DeviceAction, ParameterInfo, TreeEntry, TreeLevel, TreeNode, check_typed_value},
    ui::feedback::ErrorNote,
};

/// Which objects are open: kept apart from the rendered levels so a refresh after an edit
/// redraws the tree as the person left it.
#[derive(Debug, Clone, Copy)]
struct OpenObjects(RwSignal<BTreeSet<String>>);

#[component]
pub fn TreeCard() -> impl IntoView {
    let DeviceContext { id, tracker } = expect_context::<DeviceContext>();
    provide_context(OpenObjects(RwSignal::new(BTreeSet::new())));
    let typed = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let matches = Resource::new(
        move || (search.get(), tracker.changed.get()),
        move |(text, _)| async move {
            if text.trim().is_empty() {
                None
            } else {
                Some(device_tree(id, String::new(), text).await)
            }
        },
    );
    view! {
        <section class="card" aria-labelledby="tree-title">
            <h2 id="tree-title">"Parameters"</h2>
            <form class="form-row" role="search"
                on:submit=move |event| {
                    event.prevent_default();
                    search.set(typed.get_untracked());
                }>
                <div class="field grow">
                    <label for="tree-search">"Find a parameter (name or value)"</label>
                    <input id="tree-search" type="search" autocomplete="off" placeholder="SSID, 192.168., UpTime…"
                        prop:value=move || typed.get()
                        on:input=move |event| typed.set(event_target_value(&event))/>
                </div>
                <button type="submit" class="button">"Find"</button>
                <Show when=move || !search.get().is_empty()>
                    <button type="button" class="button button-quiet"
                        on:click=move |_| { typed.set(String::new()); search.set(String::new()); }>
                        "Show the tree"
                    </button>
                </Show>
            </form>
            <Show
                when=move || search.get().trim().is_empty()
                fallback=move || view! {
                    <Transition fallback=|| view! { <p class="loading">"Searching…"</p> }>
                        {move || Suspend::new(async move {
                            match matches.await {
                                Some(Ok(level)) => view! { <SearchResults level/> }.into_any(),
                                Some(Err(error)) => view! { <ErrorNote error/> }.into_any(),
                                None => ().into_any(),
                            }
                        })}
                    </Transition>
                }
            >
                <div class="tree" role="tree" aria-label="Parameter tree">
                    <TreeLevelView path=String::new()/>
                </div>
            </Show>
        </section>
    }
}

#[component]
fn SearchResults(level: TreeLevel) -> impl IntoView {
    if level.entries.is_empty() {
        return view! { <p class="muted">"No parameter name or value contains this."</p> }
            .into_any();
    }
    let count = level.entries.len();
    let rows = level
        .entries
        .into_iter()
        .map(|entry| match entry.node {
            TreeNode::Parameter(info) => {
                view! { <ParameterRow name=entry.name.clone() label=entry.name info/> }.into_any()
            }
            TreeNode::Object { .. } => ().into_any(),
        })
        .collect_view();
    view! {
        <p class="muted small">
            {if level.truncated { format!("The first {count} matches:") } else { format!("{count} matches:") }}
        </p>
        <ul class="tree-level" role="group">{rows}</ul>
    }
    .into_any()
}

/// One level of the tree, fetched when shown and again after a task changed the device.
#[component]
fn TreeLevelView(path: String) -> AnyView {
    let DeviceContext { id, tracker } = expect_context::<DeviceContext>();
    let for_fetch = path.clone();
    let level = Resource::new(
        move || tracker.changed.get(),
        move |_| device_tree(id, for_fetch.clone(), String::new()),
    );
    view! {
        <Transition fallback=|| view! { <p class="loading small">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match level.await {
                    Ok(level) if level.entries.is_empty() => view! {
                        <p class="muted small">"Nothing read here yet."</p>
                    }.into_any(),
                    Ok(level) => view! {
                        <ul class="tree-level" role="group">
                            {level.entries.into_iter().map(|entry| view! { <TreeEntryView entry/> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn TreeEntryView(entry: TreeEntry) -> AnyView {
    let label = entry.label().to_owned();
    match entry.node {
        TreeNode::Object { parameters } => {
            view! { <ObjectRow name=entry.name label parameters/> }.into_any()
        }
        TreeNode::Parameter(info) => {
            view! { <ParameterRow name=entry.name label info/> }.into_any()
        }
    }
}

#[component]
fn ObjectRow(name: String, label: String, parameters: u32) -> AnyView {
    let DeviceContext { id, tracker } = expect_context::<DeviceContext>();
    let OpenObjects(open_objects) = expect_context::<OpenObjects>();
    let key = name.clone();
    let is_open = Memo::new(move |_| open_objects.with(|open| open.contains(&key)));
    let toggle_key = name.clone();
    let toggle = move |_| {
        open_objects.update(|open| {
            if !open.remove(&toggle_key) {
                open.insert(toggle_key.clone());
            }
        });
    };
    let refresh_name = name.clone();
    let refresh = move |_| {
        run_tracked(
            tracker,
            format!("Read {refresh_name} again"),
            false,
            run_device_action(
                id,
                DeviceAction::Refresh {
                    path: refresh_name.clone(),
                },
            ),
        );
    };
    let child = name.clone();
    view! {
        <li class="tree-object" role="treeitem" aria-expanded=move || is_open.get().to_string()>
            <div class="tree-row">
                <button type="button" class="tree-toggle" on:click=toggle title=name.clone()>
                    <span class="tree-caret" aria-hidden="true">{move || if is_open.get() { "▾" } else { "▸" }}</span>
                    {label}
                </button>
                <span class="muted small">{format!("{parameters} parameters")}</span>
                <button type="button" class="button button-small button-quiet" on:click=refresh
                    title="Ask the device for these values now">
                    "Refresh"
                </button>
            </div>
            <Show when=move || is_open.get()>
                <TreeLevelView path=child.clone()/>
            </Show>
        </li>
    }
    .into_any()
}

#[component]
fn ParameterRow(name: String, label: String, info: ParameterInfo) -> impl IntoView {
    let DeviceContext { id, tracker } = expect_context::<DeviceContext>();
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(info.value.clone().unwrap_or_default());
    let problem = RwSignal::new(None::<String>);
    let kind = info.kind.clone().unwrap_or_else(|| "xsd:string".to_owned());
    let shown_kind = kind.trim_start_matches("xsd:").to_owned();
    let value_text = if info.secret {
        "(secret: not read back)".to_owned()
    } else {
        match &info.value {
            None => "(not read yet)".to_owned(),
            Some(value) if value.is_empty() => "(empty)".to_owned(),
            Some(value) => value.clone(),
        }
    };
    let is_boolean = shown_kind.eq_ignore_ascii_case("boolean");
    let secret = info.secret;
    let save_name = name.clone();
    let save_kind = kind.clone();
    let save = move || {
        let value = draft.get_untracked();
        if let Err(message) = check_typed_value(&save_kind, &value) {
            problem.set(Some(message));
            return;
        }
        problem.set(None);
        editing.set(false);
        let label = if secret {
            format!("Set {save_name}")
        } else {
            format!("Set {} to {}", save_name, shorten(&value))
        };
        run_tracked(
            tracker,
            label,
            false,
            run_device_action(
                id,
                DeviceAction::SetValue {
                    name: save_name.clone(),
                    value,
                },
            ),
        );
    };
    let input_id = format!("edit-{}", name.replace('.', "-"));
    let edit_label = format!("New value of {name}");
    let title = name.clone();
    let start_value = info.value.clone().unwrap_or_default();
    view! {
        <li class="tree-parameter" role="treeitem" data-name=name>
            <div class="tree-row">
                <span class="parameter-name" title=title>{label}</span>
                <Show
                    when=move || editing.get()
                    fallback={
                        let value_text = value_text.clone();
                        move || view! { <span class="parameter-value" class:muted=secret>{value_text.clone()}</span> }
                    }
                >
                    <form class="inline-edit" on:submit={
                        let save = save.clone();
                        move |event| { event.prevent_default(); save(); }
                    }>
                        <label class="visually-hidden" for=input_id.clone()>{edit_label.clone()}</label>
                        {if is_boolean {
                            view! {
                                <select id=input_id.clone() on:change=move |event| draft.set(event_target_value(&event))>
                                    <option value="true" selected=move || matches!(draft.get().as_str(), "true" | "1")>"true"</option>
                                    <option value="false" selected=move || matches!(draft.get().as_str(), "false" | "0")>"false"</option>
                                </select>
                            }.into_any()
                        } else {
                            view! {
                                <input id=input_id.clone() type=if secret { "password" } else { "text" } autocomplete="off"
                                    prop:value=move || draft.get()
                                    on:input=move |event| { draft.set(event_target_value(&event)); problem.set(None); }/>
                            }.into_any()
                        }}
                        <button type="submit" class="button button-small button-primary">"Save"</button>
                        <button type="button" class="button button-small button-quiet"
                            on:click=move |_| { editing.set(false); problem.set(None); }>"Cancel"</button>
                    </form>
                </Show>
                <span class="parameter-type muted small">{shown_kind.clone()}</span>
                {info.writable.then(|| view! {
                    <Show when=move || !editing.get()>
                        <button type="button" class="button button-small button-quiet"
                            on:click={
                                let start_value = start_value.clone();
                                move |_| {
                                    draft.set(if secret { String::new() } else { start_value.clone() });
                                    editing.set(true);
                                }
                            }>
                            "Edit"
                        </button>
                    </Show>
                })}
            </div>
            {move || problem.get().map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
        </li>
    }
}

fn shorten(value: &str) -> String {
    if value.chars().count() > 40 {
        format!("{}…", value.chars().take(40).collect::<String>())
    } else {
        format!("'{value}'")
    }
}
