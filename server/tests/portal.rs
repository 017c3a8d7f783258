//! The portal over HTTP: health, sign-in, sessions, roles, users, the audit log and bad
//! input, each on SQLite and on PostgreSQL.

mod common;

use axum::{
    body::Body,
    http::{Request, StatusCode, header},
};
use chrono::{Duration, Utc};
use common::{ADMIN_PASSWORD, Backend, TestApp};

on_both_databases!(
    health_checks_answer,
    the_first_admin_is_created_once,
    signing_in_sets_a_locked_down_cookie,
    wrong_passwords_are_refused_and_audited,
    repeated_failures_throttle_the_account,
    pages_need_a_session,
    tampered_and_expired_tokens_send_people_to_sign_in,
    signing_out_ends_the_session_everywhere,
    roles_are_checked_on_the_server,
    disabling_a_user_ends_their_sessions,
    the_last_admin_stays,
    password_resets_replace_the_password,
    the_audit_log_pages_newest_first,
    bad_input_gets_clear_errors,
    unknown_pages_are_404_for_signed_in_people,
    sessions_are_renewed_past_half_life,
);

async fn health_checks_answer(backend: Backend) {
    let app = TestApp::new(backend).await;
    let alive = app.page("/healthz", None).await;
    assert_eq!((alive.status, alive.body.as_str()), (StatusCode::OK, "ok"));
    let ready = app.page("/readyz", None).await;
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (StatusCode::OK, "ready")
    );
    assert_eq!(alive.headers.get("x-frame-options").unwrap(), "DENY");
    app.finish().await;
}

async fn the_first_admin_is_created_once(backend: Backend) {
    // Without OSPREY_ADMIN_PASSWORD the password is generated and handed back once.
    let db = common::TestDb::new(backend).await;
    let layer = [("database_url", db.url.clone())].into_iter().collect();
    let config = server::config::Config::resolve(&[layer]).unwrap();
    let (services, first) = server::startup::prepare(&config, db.schema.as_deref(), "http://x/")
        .await
        .unwrap();
    let first = first.expect("the first start creates the admin");
    assert_eq!(first.username, "admin");
    let password = first.generated_password.expect("a generated password");
    assert_eq!(password.len(), 16);

    let (_, again) = server::startup::prepare(&config, db.schema.as_deref(), "http://x/")
        .await
        .unwrap();
    assert_eq!(
        again, None,
        "a second start must not create or print anything"
    );
    assert_eq!(services.store.count_users().await.unwrap(), 1);
    let audit = services.store.audit_page(None, 10).await.unwrap();
    assert_eq!(audit[0].action, "admin_bootstrapped");
    db.cleanup().await;
}

async fn signing_in_sets_a_locked_down_cookie(backend: Backend) {
    let app = TestApp::new(backend).await;
    let reply = app
        .call(
            "login",
            None,
            &format!("username=Admin&password={ADMIN_PASSWORD}"),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let cookie = reply.set_cookie_header().unwrap();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=1800"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP must not get Secure cookies: {cookie}"
    );

    let session = reply.session_cookie().unwrap();
    let me = app.call("current_user", Some(&session), "").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["username"], "admin");
    assert_eq!(me.json()["role"], "admin");

    let audit = app.services.store.audit_page(None, 1).await.unwrap();
    assert_eq!(audit[0].action, "login");
    app.finish().await;

    let app = TestApp::with_settings(backend, &[("public_url", "https://acs.example.net/")]).await;
    let reply = app
        .call(
            "login",
            None,
            &format!("username=admin&password={ADMIN_PASSWORD}"),
        )
        .await;
    assert!(reply.set_cookie_header().unwrap().contains("; Secure"));
    app.finish().await;
}

async fn wrong_passwords_are_refused_and_audited(backend: Backend) {
    let app = TestApp::new(backend).await;
    for (username, password) in [("admin", "wrong-password"), ("nobody", "whatever-it-is")] {
        let reply = app
            .call(
                "login",
                None,
                &format!("username={username}&password={password}"),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            reply.body
        );
        assert_eq!(reply.error_code().as_deref(), Some("invalid"));
        assert_eq!(reply.json()["message"], "Wrong username or password.");
        assert_eq!(reply.session_cookie(), None);
    }
    let audit = app.services.store.audit_page(None, 10).await.unwrap();
    let failures: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "login_failed")
        .collect();
    assert_eq!(failures.len(), 2);
    assert_eq!(failures[0].target.as_deref(), Some("nobody"));
    assert_eq!(failures[1].detail, "wrong password");
    app.finish().await;
}

async fn repeated_failures_throttle_the_account(backend: Backend) {
    let app = TestApp::new(backend).await;
    for _ in 0..5 {
        let reply = app
            .call("login", None, "username=admin&password=guess-guess")
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Even the right password is refused now, without being checked.
    let reply = app
        .call(
            "login",
            None,
            &format!("username=admin&password={ADMIN_PASSWORD}"),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    assert_eq!(reply.error_code().as_deref(), Some("too_many_attempts"));
    assert_eq!(reply.session_cookie(), None);
    app.finish().await;
}

async fn pages_need_a_session(backend: Backend) {
    let app = TestApp::new(backend).await;
    let reply = app.page("/audit?before=5", None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location(), Some("/login?next=/audit%3Fbefore%3D5"));

    let login = app.page("/login", None).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("Sign in"), "{}", login.body);

    let me = app.call("current_user", None, "").await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert_eq!(me.error_code().as_deref(), Some("unauthenticated"));

    // Signed in, the sign-in page sends you on.
    let admin = app.admin().await;
    let reply = app.page("/login", Some(&admin)).await;
    assert_eq!(
        (reply.status, reply.location()),
        (StatusCode::SEE_OTHER, Some("/"))
    );
    let home = app.page("/", Some(&admin)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Dashboard"));
    app.finish().await;
}

async fn tampered_and_expired_tokens_send_people_to_sign_in(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.admin().await;
    let tampered = format!("{}x", admin);
    let expired_token = app.services.tokens.issue(
        1,
        "admin",
        app::model::Role::Admin,
        0,
        Utc::now() - Duration::hours(3),
        Utc::now() - Duration::hours(2),
    );
    for cookie in [
        tampered,
        format!("osprey_session={expired_token}"),
        "osprey_session=garbage".to_owned(),
    ] {
        let reply = app.page("/users", Some(&cookie)).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{cookie}");
        assert_eq!(reply.location(), Some("/login?next=/users"));
        let cleared = reply
            .set_cookie_header()
            .expect("the bad cookie is cleared");
        assert!(cleared.contains("Max-Age=0"), "{cleared}");

        let call = app.call("list_users", Some(&cookie), "").await;
        assert_eq!(call.status, StatusCode::UNAUTHORIZED);
    }
    app.finish().await;
}

async fn signing_out_ends_the_session_everywhere(backend: Backend) {
    let app = TestApp::new(backend).await;
    let first_browser = app.admin().await;
    let second_browser = app.admin().await;
    let reply = app.call("logout", Some(&first_browser), "").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.set_cookie_header().unwrap().contains("Max-Age=0"));
    for cookie in [&first_browser, &second_browser] {
        let me = app.call("current_user", Some(cookie), "").await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    }
    let audit = app.services.store.audit_page(None, 1).await.unwrap();
    assert_eq!(audit[0].action, "logout");
    app.finish().await;
}

async fn roles_are_checked_on_the_server(backend: Backend) {
    let app = TestApp::new(backend).await;
    let helpdesk = app.user_with_role("helen", "helpdesk").await;
    let customer = app.user_with_role("carl", "customer").await;

    for function in ["list_users", "list_audit"] {
        let reply = app.call(function, Some(&helpdesk), "").await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "helpdesk → {function}");
        assert_eq!(reply.error_code().as_deref(), Some("forbidden"));
    }
    let reply = app
        .call(
            "create_user",
            Some(&helpdesk),
            "username=x&role=admin&password=",
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = app.call("portal_info", Some(&customer), "").await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "customers see no staff facts"
    );
    let reply = app.call("portal_info", Some(&helpdesk), "").await;
    assert_eq!(reply.status, StatusCode::OK);
    let reply = app.call("list_devices", Some(&customer), "q=&sort=").await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "customers list no devices"
    );
    let reply = app.call("list_devices", Some(&helpdesk), "q=&sort=").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    // A search that does not parse says where.
    let reply = app
        .call("list_devices", Some(&helpdesk), "q=serial_number+%3D&sort=")
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    assert!(reply.body.contains("at character"), "{}", reply.body);
    let page = app.page("/devices", Some(&helpdesk)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("No device has contacted the ACS yet"),
        "{}",
        page.body
    );

    for (cookie, path) in [
        (&helpdesk, "/users"),
        (&helpdesk, "/audit"),
        (&customer, "/devices"),
        (&customer, "/users"),
    ] {
        let page = app.page(path, Some(cookie)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.body.contains("Not allowed"), "{path}");
        assert!(!page.body.contains("Add a user"), "{path}");
    }
    let home = app.page("/", Some(&customer)).await;
    assert!(home.body.contains("My devices"));
    assert!(
        !home.body.contains("href=\"/devices\""),
        "customers get no staff navigation"
    );
    app.finish().await;
}

async fn disabling_a_user_ends_their_sessions(backend: Backend) {
    let app = TestApp::new(backend).await;
    let helpdesk = app.user_with_role("helen", "helpdesk").await;
    let admin = app.admin().await;
    let helen = app.user("helen").await;

    let reply = app
        .call(
            "set_user_disabled",
            Some(&admin),
            &format!("id={}&disabled=true", helen.id),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(
        app.call("current_user", Some(&helpdesk), "").await.status,
        StatusCode::UNAUTHORIZED
    );
    let login = app
        .call("login", None, "username=helen&password=helen-password-1")
        .await;
    assert_eq!(login.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(login.body.contains("disabled"), "{}", login.body);

    let reply = app
        .call(
            "set_user_disabled",
            Some(&admin),
            &format!("id={}&disabled=false", helen.id),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    app.sign_in("helen", "helen-password-1").await;
    let actions: Vec<_> = app
        .services
        .store
        .audit_page(None, 5)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.contains(&"user_disabled".to_owned())
            && actions.contains(&"user_enabled".to_owned()),
        "{actions:?}"
    );
    app.finish().await;
}

async fn the_last_admin_stays(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.admin().await;
    let me = app.user("admin").await;
    let reply = app
        .call(
            "set_user_disabled",
            Some(&admin),
            &format!("id={}&disabled=true", me.id),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(
        reply.json()["message"],
        "You cannot disable your own account."
    );

    let _ = app.user_with_role("root2", "admin").await;
    let second = app.sign_in("root2", "root2-password-1").await;
    let reply = app
        .call(
            "set_user_disabled",
            Some(&second),
            &format!("id={}&disabled=true", me.id),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "two admins: one may go");
    let root2 = app.user("root2").await;
    assert_eq!(app.services.store.count_active_admins().await.unwrap(), 1);
    assert!(root2.role == app::model::Role::Admin);
    app.finish().await;
}

async fn password_resets_replace_the_password(backend: Backend) {
    let app = TestApp::new(backend).await;
    let old_session = app.user_with_role("helen", "helpdesk").await;
    let admin = app.admin().await;
    let helen = app.user("helen").await;

    let weak = app
        .call(
            "reset_password",
            Some(&admin),
            &format!("id={}&password=short", helen.id),
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(weak.json()["field"], "password");

    let reply = app
        .call(
            "reset_password",
            Some(&admin),
            &format!("id={}&password=", helen.id),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let generated = reply.json()["generated"].as_str().unwrap().to_owned();
    assert_eq!(
        app.call("current_user", Some(&old_session), "")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let old = app
        .call("login", None, "username=helen&password=helen-password-1")
        .await;
    assert_eq!(old.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.sign_in("helen", &generated).await;

    let missing = app
        .call("reset_password", Some(&admin), "id=999999&password=")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    app.finish().await;
}

async fn the_audit_log_pages_newest_first(backend: Backend) {
    let app = TestApp::new(backend).await;
    for attempt in 0..60 {
        app.call(
            "login",
            None,
            &format!("username=nobody{attempt}&password=not-a-password"),
        )
        .await;
    }
    let admin = app.admin().await;
    let first = app.call("list_audit", Some(&admin), "").await.json();
    let entries = first["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 50);
    assert_eq!(entries[0]["action"], "login");
    let older = first["older"].as_i64().expect("a next page");
    let second = app
        .call("list_audit", Some(&admin), &format!("before={older}"))
        .await
        .json();
    let rest = second["entries"].as_array().unwrap();
    // 60 failures + the bootstrap entry + the login = 62 entries.
    assert_eq!(rest.len(), 12);
    assert!(second["older"].is_null());
    assert_eq!(rest.last().unwrap()["action"], "admin_bootstrapped");

    let page = app.page("/audit", Some(&admin)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("login_failed"));
    app.finish().await;
}

async fn bad_input_gets_clear_errors(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.admin().await;

    let missing = app.call("login", None, "username=admin").await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.body);
    assert_eq!(missing.error_code().as_deref(), Some("bad_request"));

    let garbage = app
        .call("set_user_disabled", Some(&admin), "id=abc&disabled=maybe")
        .await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST, "{}", garbage.body);

    // Too large, announced (Content-Length) or not (a streamed body).
    let huge = format!("username=admin&password={}", "x".repeat(200 * 1024));
    let announced = Request::post("/api/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, huge.len())
        .body(Body::from(huge.clone()))
        .unwrap();
    let streamed = app.call("login", None, &huge).await;
    for reply in [app.send(announced).await, streamed] {
        assert_eq!(
            reply.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            reply.body
        );
        assert!(reply.body.contains("too large"), "{}", reply.body);
    }

    for (form, field) in [
        ("username=bad%20name&role=helpdesk&password=", "username"),
        ("username=ok&role=root&password=", "role"),
        ("username=ok&role=helpdesk&password=short", "password"),
        ("username=admin&role=helpdesk&password=", "username"),
    ] {
        let reply = app.call("create_user", Some(&admin), form).await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{form}: {}",
            reply.body
        );
        assert_eq!(reply.json()["field"], field, "{form}");
    }

    let unknown_function = app.call("no_such_function", Some(&admin), "").await;
    assert!(
        unknown_function.status.is_client_error(),
        "{:?}",
        unknown_function.status
    );

    // A body that is not a form at all.
    let request = Request::post("/api/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(vec![0xff, 0xfe, 0x00, 0x01]))
        .unwrap();
    let reply = app.send(request).await;
    assert!(
        reply.status.is_client_error(),
        "{:?} {}",
        reply.status,
        reply.body
    );
    app.finish().await;
}

async fn unknown_pages_are_404_for_signed_in_people(backend: Backend) {
    let app = TestApp::new(backend).await;
    let admin = app.admin().await;
    let reply = app.page("/no/such/page", Some(&admin)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.body.contains("Page not found"));
    // Anonymous visitors learn nothing about which addresses exist.
    let reply = app.page("/no/such/page", None).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let asset = app.page("/pkg/missing.js", None).await;
    assert_eq!(asset.status, StatusCode::NOT_FOUND);
    app.finish().await;
}

async fn sessions_are_renewed_past_half_life(backend: Backend) {
    let app = TestApp::new(backend).await;
    let _ = app.admin().await;
    let admin = app.user("admin").await;
    let now = Utc::now();
    // Issued 20 minutes ago with a 30-minute life: past half.
    let old = app.services.tokens.issue(
        admin.id,
        "admin",
        admin.role,
        admin.token_version,
        now - Duration::minutes(20),
        now - Duration::minutes(20),
    );
    let reply = app.page("/", Some(&format!("osprey_session={old}"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    let renewed = reply.session_cookie().expect("a renewed cookie");
    assert_ne!(renewed, format!("osprey_session={old}"));
    let fresh = app.admin().await;
    let reply = app.page("/", Some(&fresh)).await;
    assert_eq!(reply.session_cookie(), None, "a fresh token is not renewed");
    app.finish().await;
}
