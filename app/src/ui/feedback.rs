//! Shared bits of feedback: errors in words, the role gate, 403 and 404 pages.

use leptos::prelude::*;
use leptos_meta::Title;

use super::layout::current_user;
use crate::{error::AppError, model::Role};

/// Sets the HTTP status of the server-rendered page (no effect in the browser).
pub fn set_page_status(status: u16) {
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(status),
    ) {
        response.set_status(status);
    }
    #[cfg(not(feature = "ssr"))]
    let _ = status;
}

/// An error, in words for the person reading it.
#[component]
pub fn ErrorNote(error: AppError) -> impl IntoView {
    view! { <p class="notice notice-error" role="alert">{error.to_string()}</p> }
}

/// A table with a header row of `columns` (an empty name heads an actions column, named
/// for screen readers only) and `children` as its rows.
#[component]
pub fn DataTable(columns: &'static [&'static str], children: Children) -> impl IntoView {
    let headers = columns
        .iter()
        .map(|column| match *column {
            "" => view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> }
                .into_any(),
            name => view! { <th scope="col">{name}</th> }.into_any(),
        })
        .collect_view();
    view! {
        <table class="table">
            <thead>
                <tr>{headers}</tr>
            </thead>
            <tbody>{children()}</tbody>
        </table>
    }
}

/// A button that asks before it acts: the first click shows `question` with a confirming
/// and a cancelling button. `confirming` holds which row of a table is asking (one at a time).
#[component]
pub fn ConfirmButton(
    id: i64,
    confirming: RwSignal<Option<i64>>,
    label: &'static str,
    question: String,
    confirm_label: &'static str,
    on_confirm: Callback<()>,
) -> impl IntoView {
    view! {
        <Show
            when=move || confirming.get() == Some(id)
            fallback=move || view! {
                <button type="button" class="button button-small"
                    on:click=move |_| confirming.set(Some(id))>
                    {label}
                </button>
            }
        >
            <span class="confirm">
                {question.clone()}
                <button type="button" class="button button-small button-danger"
                    on:click=move |_| {
                        confirming.set(None);
                        on_confirm.run(());
                    }>
                    {confirm_label}
                </button>
                <button type="button" class="button button-small button-quiet"
                    on:click=move |_| confirming.set(None)>
                    "Cancel"
                </button>
            </span>
        </Show>
    }
    .into_any()
}

/// Shows `children` only to the given roles; everyone else gets a clear refusal. The server
/// functions behind the page check the role again: this only spares people a broken page.
#[component]
pub fn RoleGate(allowed: &'static [Role], children: Children) -> impl IntoView {
    match current_user() {
        Some(user) if allowed.contains(&user.role) => children().into_any(),
        _ => view! { <Forbidden/> }.into_any(),
    }
}

#[component]
pub fn Forbidden() -> impl IntoView {
    set_page_status(403);
    view! {
        <Title text="Not allowed"/>
        <section class="card refusal">
            <h1>"Not allowed"</h1>
            <p>"Your account does not have access to this page. If you need it, ask an administrator."</p>
            <a href="/">"Back to the start page"</a>
        </section>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    set_page_status(404);
    view! {
        <Title text="Page not found"/>
        <main class="standalone">
            <section class="card refusal">
                <h1>"Page not found"</h1>
                <p>"There is no page at this address. It may have moved, or the link may be mistyped."</p>
                <a href="/">"Go to the start page"</a>
            </section>
        </main>
    }
}
