//! The API page: tokens for machines (admins create and revoke them; a secret is shown
//! once) and a readable reference of the REST API, from its OpenAPI document.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{
    feedback::{ConfirmButton, DataTable, ErrorNote, RoleGate},
    layout::current_user,
};
use crate::{
    api::tokens::{CreateApiToken, RevokeApiToken, api_reference, list_api_tokens},
    model::{ApiOperation, ApiTokenView, NewApiToken, Role},
};

/// The groups of the reference, in reading order.
const TAGS: [(&str, &str); 6] = [
    ("devices", "Devices"),
    ("tasks", "Tasks"),
    ("faults", "Faults"),
    ("events", "Events"),
    ("files", "Files"),
    ("meta", "The document"),
];

#[component]
pub fn ApiPage() -> impl IntoView {
    let is_admin = current_user().is_some_and(|user| user.role == Role::Admin);
    view! {
        <RoleGate allowed=Role::STAFF>
            <Title text="API"/>
            <h1>"API"</h1>
            <p class="muted">
                "Other systems (OSS/BSS, billing, ticketing) drive Osprey through its REST API under "
                <code>"/api/v1"</code>", with an API token sent as "
                <code>"Authorization: Bearer osp_…"</code>". The full description is the "
                <a href="/api/v1/openapi.json">"OpenAPI document"</a>"."
            </p>
            {is_admin.then(|| view! { <TokensPanel/> })}
            <ReferencePanel/>
        </RoleGate>
    }
}

#[component]
fn TokensPanel() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    let confirming = RwSignal::new(None::<i64>);
    view! {
        <section class="card">
            <h2>"API tokens"</h2>
            <ActionForm action=create attr:class="form-row" attr:aria-label="Create an API token">
                <label class="field">
                    <span>"Name"</span>
                    <input type="text" name="name" required maxlength="64" autocomplete="off"
                        placeholder="e.g. billing-system"/>
                </label>
                <label class="field">
                    <span>"Acts as"</span>
                    <select name="role">
                        <option value="helpdesk" selected>"Helpdesk"</option>
                        <option value="admin">"Administrator"</option>
                    </select>
                </label>
                <button type="submit" class="button button-primary" disabled=move || create.pending().get()>
                    "Create token"
                </button>
            </ActionForm>
            <div class="notices" aria-live="polite">
                {move || create.value().get().map(|outcome| match outcome {
                    Ok(created) => view! { <SecretNotice created/> }.into_any(),
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                })}
                {move || revoke.value().get().and_then(Result::err).map(|error| view! { <ErrorNote error/> })}
            </div>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(tokens) if tokens.is_empty() => view! {
                            <p class="muted">"No tokens yet."</p>
                        }.into_any(),
                        Ok(tokens) => view! { <TokensTable tokens confirming revoke/> }.into_any(),
                        Err(error) => view! { <ErrorNote error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn TokensTable(
    tokens: Vec<ApiTokenView>,
    confirming: RwSignal<Option<i64>>,
    revoke: ServerAction<RevokeApiToken>,
) -> impl IntoView {
    let rows = tokens
        .into_iter()
        .map(|token| {
            let id = token.id;
            let revoked = token.revoked_at.is_some();
            let name = token.name.clone();
            view! {
                <tr class:row-disabled=revoked>
                    <td data-label="Name"><strong>{token.name}</strong></td>
                    <td data-label="Acts as">
                        <span class=format!("role-badge role-{}", token.role)>{token.role.label()}</span>
                    </td>
                    <td data-label="Token"><code>{format!("{}…", token.prefix)}</code></td>
                    <td data-label="Created">{format!("{} by {}", token.created_at, token.created_by)}</td>
                    <td data-label="Last used">{token.last_used_at.unwrap_or_else(|| "never".to_owned())}</td>
                    <td data-label="Status">
                        {token.revoked_at.map_or_else(|| "Active".to_owned(), |at| format!("Revoked {at}"))}
                    </td>
                    <td class="actions">
                        {(!revoked).then(|| view! {
                            <ConfirmButton id confirming label="Revoke"
                                question=format!("Revoke {name}? Systems using it stop working at once.")
                                confirm_label="Revoke"
                                on_confirm=Callback::new(move |()| { revoke.dispatch(RevokeApiToken { id }); })/>
                        })}
                    </td>
                </tr>
            }
            // Erased: the full type of this row is too deep for the compiler's layout pass.
            .into_any()
        })
        .collect_view();
    view! {
        <DataTable columns=&["Name", "Acts as", "Token", "Created", "Last used", "Status", ""]>{rows}</DataTable>
    }
}

/// The new token's secret, shown this one time.
#[component]
fn SecretNotice(created: NewApiToken) -> impl IntoView {
    view! {
        <div class="notice notice-ok" role="status">
            <p>{format!("Token {} was created.", created.name)}</p>
            <p>
                <code class="copyable" data-testid="api-token-secret">{created.secret}</code>
                <br/>
                <span class="small">"Copy it now into the system that will use it: it will not be shown again."</span>
            </p>
        </div>
    }
}

#[component]
fn ReferencePanel() -> impl IntoView {
    let reference = Resource::new(|| (), |_| api_reference());
    view! {
        <section class="card">
            <h2>"Reference"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match reference.await {
                        Ok(operations) => view! { <Reference operations/> }.into_any(),
                        Err(error) => view! { <ErrorNote error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Reference(operations: Vec<ApiOperation>) -> impl IntoView {
    TAGS.iter()
        .map(|(tag, title)| {
            let group: Vec<ApiOperation> = operations
                .iter()
                .filter(|op| op.tag == *tag)
                .cloned()
                .collect();
            view! {
                <h3 class="reference-group">{*title}</h3>
                <div class="operations">
                    {group.into_iter().map(|op| view! { <Operation op/> }).collect_view()}
                </div>
            }
            .into_any()
        })
        .collect_view()
}

#[component]
fn Operation(op: ApiOperation) -> impl IntoView {
    let parameters = (!op.parameters.is_empty()).then(|| {
        let rows = op
            .parameters
            .into_iter()
            .map(|p| {
                view! {
                    <tr>
                        <td><code>{p.name}</code></td>
                        <td class="muted">{p.location}</td>
                        <td>{p.description}</td>
                    </tr>
                }
            })
            .collect_view();
        view! { <table class="table table-compact"><tbody>{rows}</tbody></table> }.into_any()
    });
    view! {
        <details class="operation">
            <summary>
                <span class=format!("method method-{}", op.method.to_lowercase())>{op.method.clone()}</span>
                <code class="operation-path">{op.path}</code>
                <span class="operation-summary">{op.summary}</span>
            </summary>
            <div class="operation-body">
                <p>{op.description}</p>
                {parameters}
            </div>
        </details>
    }
    .into_any()
}
