//! The sign-in page. Works before the WASM loads (a plain form post) and after.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::layout::reload_to;
use crate::api::session::{Login, safe_next};

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = move || login.value().get().and_then(Result::err);
    Effect::new(move |_| {
        if let Some(Ok(())) = login.value().get() {
            reload_to(safe_next(Some(&next())));
        }
    });
    view! {
        <Title text="Sign in"/>
        <main class="standalone">
            <section class="card login-card">
                <h1 class="login-title">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    "Osprey"
                </h1>
                <p class="muted">"Sign in to manage your devices."</p>
                <ActionForm action=login attr:class="stack" attr:aria-label="Sign in">
                    <input type="hidden" name="next" prop:value=next/>
                    <label class="field">
                        <span>"Username"</span>
                        <input type="text" name="username" required autocomplete="username"
                            autocapitalize="none" spellcheck="false" maxlength="64"/>
                    </label>
                    <label class="field">
                        <span>"Password"</span>
                        <input type="password" name="password" required autocomplete="current-password"
                            maxlength="200"/>
                    </label>
                    {move || error().map(|error| view! {
                        <p class="notice notice-error" role="alert">{error.to_string()}</p>
                    })}
                    <button type="submit" class="button button-primary" disabled=move || login.pending().get()>
                        {move || if login.pending().get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </ActionForm>
            </section>
        </main>
    }
}
