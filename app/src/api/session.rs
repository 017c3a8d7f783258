//! Signing in and out, and who is signed in.

use leptos::prelude::*;

use crate::{error::AppError, model::SignedInUser};

/// Signs in and sets the session cookie. A plain form post (no WASM yet) is redirected to
/// `next` (a local path) or the dashboard; the portal itself reloads the page.
#[server(endpoint = "login")]
pub async fn login(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use super::guard;
    use crate::auth::{LoginError, session_cookie, sign_in};

    let (services, identity) = guard::context().await?;
    let now = chrono::Utc::now();
    match sign_in(
        &services,
        &username,
        &password,
        identity.address.as_deref(),
        now,
    )
    .await
    {
        Ok(signed_in) => {
            tracing::info!(user = %signed_in.user.username, "signed in");
            guard::set_cookie(&session_cookie(
                &signed_in.token,
                services.tokens.idle_timeout.num_seconds(),
                services.secure_cookies,
            ));
            redirect_plain_form_post(safe_next(next.as_deref()));
            Ok(())
        }
        Err(LoginError::Throttled { retry_after_secs }) => {
            Err(AppError::TooManyAttempts { retry_after_secs })
        }
        Err(LoginError::WrongCredentials) => {
            Err(AppError::invalid("password", "Wrong username or password."))
        }
        Err(LoginError::Disabled) => Err(AppError::invalid(
            "username",
            "This account is disabled. Ask an administrator to enable it.",
        )),
        Err(error @ (LoginError::Store(_) | LoginError::Hashing(_))) => Err(guard::internal(error)),
    }
}

/// Signs out: ends every session of this user (all browsers) and clears the cookie.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use super::guard;
    use crate::{auth::clear_session_cookie, store::AuditAction};

    let (services, identity) = guard::context().await?;
    if let Some(user) = &identity.user {
        let now = chrono::Utc::now();
        services
            .store
            .revoke_sessions(user.id)
            .await
            .map_err(guard::internal)?;
        services
            .audit(
                &identity.actor(""),
                AuditAction::Logout,
                Some(&user.username),
                "signed out",
                now,
            )
            .await
            .map_err(guard::internal)?;
    }
    guard::set_cookie(&clear_session_cookie(services.secure_cookies));
    redirect_plain_form_post("/login");
    Ok(())
}

/// Redirects a browser that posted a form without the WASM loaded. The hydrated portal gets
/// a plain answer instead and reloads the page itself: a client-side navigation would keep
/// the signed-out state the page was rendered with.
#[cfg(feature = "ssr")]
fn redirect_plain_form_post(path: &str) {
    let accepts_html = use_context::<http::request::Parts>()
        .and_then(|parts| parts.headers.get(http::header::ACCEPT).cloned())
        .and_then(|accept| {
            accept
                .to_str()
                .ok()
                .map(|accept| accept.contains("text/html"))
        })
        .unwrap_or(false);
    if accepts_html {
        leptos_axum::redirect(path);
    }
}

/// The signed-in user, or `Unauthenticated`.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<SignedInUser, AppError> {
    let (_, user, _) = super::guard::require(&crate::model::Role::ALL).await?;
    Ok(user)
}

/// Where to go after signing in: a local path only, so a crafted link cannot send a
/// freshly signed-in person to another site.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/login")
                && path.len() <= 2000
                && path.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            path
        }
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(safe_next(Some("/users")), "/users");
        assert_eq!(safe_next(Some("/audit?before=10")), "/audit?before=10");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/a b",
            "",
            "/login",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
