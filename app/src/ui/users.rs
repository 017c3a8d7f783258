//! The admin's Users page: who can sign in, with which role; add, disable, reset.

use leptos::prelude::*;
use leptos_meta::Title;

use super::feedback::{ConfirmButton, DataTable, ErrorNote, RoleGate};
use crate::{
    api::users::{CreateUser, ResetPassword, SetUserDisabled, list_users},
    model::{NewPassword, Role, UserView},
};

#[component]
pub fn UsersPage() -> impl IntoView {
    view! {
        <RoleGate allowed=Role::ADMIN>
            <UsersPanel/>
        </RoleGate>
    }
}

#[component]
fn UsersPanel() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let set_disabled = ServerAction::<SetUserDisabled>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let users = Resource::new(
        move || {
            (
                create.version().get(),
                set_disabled.version().get(),
                reset.version().get(),
            )
        },
        |_| list_users(),
    );
    // The row whose password reset awaits confirmation.
    let confirming = RwSignal::new(None::<i64>);

    view! {
        <Title text="Users"/>
        <h1>"Users"</h1>

        <section class="card">
            <h2>"Add a user"</h2>
            <ActionForm action=create attr:class="form-row" attr:aria-label="Add a user">
                <label class="field">
                    <span>"Username"</span>
                    <input type="text" name="username" required maxlength="64" autocomplete="off"
                        autocapitalize="none" spellcheck="false"/>
                </label>
                <label class="field">
                    <span>"Role"</span>
                    <select name="role">
                        <option value="helpdesk" selected>"Helpdesk"</option>
                        <option value="admin">"Administrator"</option>
                        <option value="customer">"Customer"</option>
                    </select>
                </label>
                <label class="field">
                    <span>"Password"</span>
                    <input type="password" name="password" maxlength="200" autocomplete="new-password"
                        placeholder="Leave empty to generate one"/>
                </label>
                <button type="submit" class="button button-primary" disabled=move || create.pending().get()>
                    "Add user"
                </button>
            </ActionForm>
            {move || create.value().get().map(|outcome| match outcome {
                Ok(created) => view! { <PasswordNotice created verb="created"/> }.into_any(),
                Err(error) => view! { <ErrorNote error/> }.into_any(),
            })}
        </section>

        // One element around the outcomes of row actions: hydration needs a stable anchor
        // for content that comes and goes, and screen readers announce what appears.
        <div class="notices" aria-live="polite">
            {move || reset.value().get().map(|outcome| match outcome {
                Ok(created) => view! { <PasswordNotice created verb="given a new password"/> }.into_any(),
                Err(error) => view! { <ErrorNote error/> }.into_any(),
            })}
            {move || set_disabled.value().get().and_then(Result::err).map(|error| view! { <ErrorNote error/> })}
        </div>

        <section class="card">
            <h2>"All users"</h2>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(users) => view! {
                            <UsersTable users confirming set_disabled reset/>
                        }.into_any(),
                        Err(error) => view! { <ErrorNote error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn UsersTable(
    users: Vec<UserView>,
    confirming: RwSignal<Option<i64>>,
    set_disabled: ServerAction<SetUserDisabled>,
    reset: ServerAction<ResetPassword>,
) -> impl IntoView {
    let rows = users
        .into_iter()
        .map(|user| {
            let id = user.id;
            let disabled = user.disabled;
            let name = user.username.clone();
            view! {
                <tr class:row-disabled=disabled>
                    <td data-label="Username"><strong>{user.username}</strong></td>
                    <td data-label="Role">
                        <span class=format!("role-badge role-{}", user.role)>{user.role.label()}</span>
                    </td>
                    <td data-label="Status">{if disabled { "Disabled" } else { "Active" }}</td>
                    <td data-label="Created">{user.created_at}</td>
                    <td data-label="Last sign-in">{user.last_login_at.unwrap_or_else(|| "never".to_owned())}</td>
                    <td class="actions">
                        <button type="button" class="button button-small"
                            on:click=move |_| { set_disabled.dispatch(SetUserDisabled { id, disabled: !disabled }); }>
                            {if disabled { "Enable" } else { "Disable" }}
                        </button>
                        <ConfirmButton id confirming label="Reset password"
                            question=format!("Reset the password of {name}?") confirm_label="Reset"
                            on_confirm=Callback::new(move |()| { reset.dispatch(ResetPassword { id, password: None }); })/>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable columns=&["Username", "Role", "Status", "Created", "Last sign-in", ""]>{rows}</DataTable>
    }
}

/// Tells the admin the outcome, with a generated password shown this one time.
#[component]
fn PasswordNotice(created: NewPassword, verb: &'static str) -> impl IntoView {
    let NewPassword {
        username,
        generated,
    } = created;
    view! {
        <div class="notice notice-ok" role="status">
            <p>{format!("{username} was {verb}.")}</p>
            {generated.map(|password| view! {
                <p>
                    "Password: " <code class="copyable" data-testid="generated-password">{password}</code>
                    <br/>
                    <span class="small">"Copy it now and pass it on safely: it will not be shown again."</span>
                </p>
            })}
        </div>
    }
}
