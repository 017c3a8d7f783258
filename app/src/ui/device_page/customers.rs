//! Which customer accounts see this device: admins link and unlink them; staff make a claim
//! code for the customer to link the device themselves.

use leptos::prelude::*;

use super::DeviceContext;
use crate::{
    api::device_page::{CreateClaimCode, LinkCustomer, UnlinkCustomer},
    model::Role,
    ui::{feedback::ErrorNote, layout::current_user},
};

#[component]
pub fn CustomersCard(customers: Vec<String>) -> impl IntoView {
    let DeviceContext { id, .. } = expect_context::<DeviceContext>();
    let is_admin = current_user().is_some_and(|user| user.role == Role::Admin);
    let link = ServerAction::<LinkCustomer>::new();
    let unlink = ServerAction::<UnlinkCustomer>::new();
    let claim = ServerAction::<CreateClaimCode>::new();
    let linked = RwSignal::new(customers);
    // Keep the list in step with what the admin did, without reloading the page.
    Effect::new(move |_| {
        if let Some(Ok(())) = link.value().get() {
            let name = link
                .input()
                .get()
                .map(|input| input.username.trim().to_owned());
            if let Some(name) = name {
                linked.update(|list| {
                    if !list.contains(&name) {
                        list.push(name);
                        list.sort();
                    }
                });
            }
        }
    });
    let list = move || {
        let names = linked.get();
        if names.is_empty() {
            return view! { <p class="muted" data-testid="no-customers">"No customer account sees this device."</p> }.into_any();
        }
        names
            .into_iter()
            .map(|name| {
                let for_unlink = name.clone();
                view! {
                    <li>
                        <strong>{name.clone()}</strong>
                        {is_admin.then(|| view! {
                            <button type="button" class="button button-small button-quiet"
                                on:click=move |_| {
                                    unlink.dispatch(UnlinkCustomer { id, username: for_unlink.clone() });
                                    let gone = for_unlink.clone();
                                    linked.update(|list| list.retain(|n| *n != gone));
                                }>
                                "Unlink"
                            </button>
                        })}
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <section class="card" aria-labelledby="customers-title">
            <h2 id="customers-title">"Customer access"</h2>
            <ul class="plain-list">{list}</ul>
            {is_admin.then(|| view! {
                <ActionForm action=link attr:class="form-row" attr:aria-label="Link a customer account">
                    <input type="hidden" name="id" value=id.to_string()/>
                    <label class="field">
                        <span>"Customer username"</span>
                        <input type="text" name="username" required autocomplete="off" autocapitalize="none" spellcheck="false"/>
                    </label>
                    <button type="submit" class="button">"Link account"</button>
                </ActionForm>
            })}
            <div aria-live="polite">
                {move || link.value().get().and_then(Result::err).map(|error| view! { <ErrorNote error/> })}
                {move || unlink.value().get().and_then(Result::err).map(|error| view! { <ErrorNote error/> })}
            </div>
            <p class="muted small">
                "A customer can also link the device to their own account with its serial number and a claim code. "
                "Making a new code replaces the old one; a code works once and for 30 days."
            </p>
            <button type="button" class="button" on:click=move |_| { claim.dispatch(CreateClaimCode { id }); }>
                "Make a claim code"
            </button>
            <div aria-live="polite">
                {move || claim.value().get().map(|outcome| match outcome {
                    Ok(issued) => view! {
                        <div class="notice notice-ok" role="status">
                            <p>"Claim code for " <strong>{issued.serial_number}</strong> ": "
                                <code class="copyable" data-testid="claim-code">{issued.code}</code></p>
                            <p class="small">"Give it to the customer now: it is not shown again. It expires " {issued.expires} "."</p>
                        </div>
                    }.into_any(),
                    Err(error) => view! { <ErrorNote error/> }.into_any(),
                })}
            </div>
        </section>
    }
}
