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
