//! The frame around every signed-in page: top bar, navigation by role, content.
//!
//! Who is signed in is known before the page renders: the server's session layer found it,
//! and the page carries it to the browser (`SharedValue`), so no page waits on a request to
//! learn it, and nothing suspends around the router's outlet (nested suspense across routes
//! breaks hydration in Leptos 0.8).

use leptos::prelude::*;
use leptos_router::components::{A, Outlet, Redirect};

use crate::{
    api::session::Logout,
    model::{Role, SignedInUser},
};

/// The signed-in user of this page load, or `None` on the sign-in page.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub Option<SignedInUser>);

/// Reads the user the session layer attached to the request (server), or the copy the
/// server put into the page (browser, while hydrating).
pub fn provide_current_user() {
    let user = SharedValue::new(user_of_request).into_inner();
    provide_context(CurrentUser(user));
}

fn user_of_request() -> Option<SignedInUser> {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>().and_then(|parts| {
            parts
                .extensions
                .get::<crate::auth::RequestIdentity>()
                .and_then(|identity| identity.user.clone())
        })
    }
    #[cfg(not(feature = "ssr"))]
    None
}

pub fn current_user() -> Option<SignedInUser> {
    use_context::<CurrentUser>().and_then(|current| current.0)
}

/// Sends the browser to `target` with a full page load: after signing in or out every bit
/// of client state must start afresh.
pub fn reload_to(target: &str) {
    #[cfg(not(feature = "ssr"))]
    {
        let _ = window().location().set_href(target);
    }
    #[cfg(feature = "ssr")]
    let _ = target;
}

struct NavItem {
    href: &'static str,
    label: &'static str,
    roles: &'static [Role],
}

const NAV: &[NavItem] = &[
    NavItem {
        href: "/",
        label: "Dashboard",
        roles: Role::STAFF,
    },
    NavItem {
        href: "/",
        label: "My devices",
        roles: Role::CUSTOMER,
    },
    NavItem {
        href: "/devices",
        label: "Devices",
        roles: Role::STAFF,
    },
    NavItem {
        href: "/groups",
        label: "Groups",
        roles: Role::STAFF,
    },
    NavItem {
        href: "/templates",
        label: "Templates",
        roles: Role::STAFF,
    },
    NavItem {
        href: "/campaigns",
        label: "Campaigns",
        roles: Role::STAFF,
    },
    NavItem {
        href: "/diagnostics",
        label: "Diagnostics",
        roles: Role::STAFF,
    },
    NavItem {
        href: "/files",
        label: "Files",
        roles: Role::STAFF,
    },
    NavItem {
        href: "/api",
        label: "API",
        roles: Role::STAFF,
    },
    NavItem {
        href: "/users",
        label: "Users",
        roles: Role::ADMIN,
    },
    NavItem {
        href: "/audit",
        label: "Audit log",
        roles: Role::ADMIN,
    },
];

#[component]
pub fn Shell() -> impl IntoView {
    match current_user() {
        Some(user) => view! { <Frame user/> }.into_any(),
        None => view! { <Redirect path="/login"/> }.into_any(),
    }
}

#[component]
fn Frame(user: SignedInUser) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            reload_to("/login");
        }
    });
    let links = NAV
        .iter()
        .filter(|item| item.roles.contains(&user.role))
        .map(|item| view! { <A href=item.href exact=true>{item.label}</A> })
        .collect_view();
    view! {
        <div class="frame">
            <header class="topbar">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    "Osprey"
                </a>
                <div class="who">
                    <span class="who-name">{user.username.clone()}</span>
                    <span class=format!("role-badge role-{}", user.role)>{user.role.label()}</span>
                    <ActionForm action=logout attr:class="inline-form">
                        <button type="submit" class="button button-quiet">"Sign out"</button>
                    </ActionForm>
                </div>
            </header>
            <nav class="sidebar" aria-label="Main">{links}</nav>
            <main class="content">
                <Outlet/>
            </main>
        </div>
    }
}
