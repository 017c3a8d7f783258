//! The session cookie: HttpOnly (scripts cannot read it), SameSite=Strict (other sites
//! cannot make the browser send it), Secure when the portal is served over TLS.

pub const SESSION_COOKIE: &str = "osprey_session";

/// The `Set-Cookie` value that stores `token` for `max_age_secs`.
pub fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    session_cookie("", 0, secure)
}

/// The session token from a request's `Cookie` headers, if there is one.
pub fn read_session_cookie<'a>(
    cookie_headers: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    cookie_headers
        .into_iter()
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_locked_down() {
        let cookie = session_cookie("abc", 1800, true);
        assert_eq!(
            cookie,
            "osprey_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=1800; Secure"
        );
        assert!(!session_cookie("abc", 1800, false).contains("Secure"));
        assert!(clear_session_cookie(false).contains("Max-Age=0"));
    }

    #[test]
    fn the_token_is_found_among_other_cookies() {
        assert_eq!(
            read_session_cookie(["a=1; osprey_session=tok; b=2"]),
            Some("tok")
        );
        assert_eq!(
            read_session_cookie(["a=1", "osprey_session=tok"]),
            Some("tok")
        );
        assert_eq!(read_session_cookie(["osprey_session="]), None);
        assert_eq!(read_session_cookie(["osprey_sessionx=1"]), None);
    }
}
