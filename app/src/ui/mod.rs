//! The portal's pages and components. Compiled for both the server (rendering) and the
//! browser (hydration); anything server-only is behind `cfg(feature = "ssr")`.

mod api_access;
mod audit;
mod charts;
mod coming_soon;
mod customer;
mod dashboard;
mod device_page;
mod devices;
mod feedback;
mod layout;
mod live_events;
mod login;
mod users;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    components::{ParentRoute, Route, Router, Routes},
    path,
};

use self::{
    api_access::ApiPage,
    audit::AuditPage,
    coming_soon::{CampaignsPage, DiagnosticsPage, FilesPage, GroupsPage, TemplatesPage},
    customer::MyDevicePage,
    dashboard::HomePage,
    device_page::DevicePage,
    devices::DevicesPage,
    feedback::NotFound,
    layout::Shell,
    login::LoginPage,
    users::UsersPage,
};

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    layout::provide_current_user();
    // Effects run in the browser only: the attribute tells people and tests that the page
    // is interactive now.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="osprey" href="/pkg/osprey.css"/>
        <Title formatter=|page: String| if page.is_empty() { "Osprey".to_owned() } else { format!("{page} · Osprey") }/>
        <Router>
            <Routes fallback=|| view! { <NotFound/> }>
                <Route path=path!("login") view=LoginPage/>
                <ParentRoute path=path!("") view=Shell>
                    <Route path=path!("") view=HomePage/>
                    <Route path=path!("devices") view=DevicesPage/>
                    <Route path=path!("devices/:id") view=DevicePage/>
                    <Route path=path!("my/devices/:id") view=MyDevicePage/>
                    <Route path=path!("groups") view=GroupsPage/>
                    <Route path=path!("templates") view=TemplatesPage/>
                    <Route path=path!("campaigns") view=CampaignsPage/>
                    <Route path=path!("diagnostics") view=DiagnosticsPage/>
                    <Route path=path!("files") view=FilesPage/>
                    <Route path=path!("users") view=UsersPage/>
                    <Route path=path!("audit") view=AuditPage/>
                    <Route path=path!("api") view=ApiPage/>
                </ParentRoute>
            </Routes>
        </Router>
    }
}
