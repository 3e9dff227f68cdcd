//! End-user session tokens (P-TOK-1 end to end): several devices at once, the idle timeout and
//! refresh, revocation, platforms kept apart until linked; and the steps an end user may not
//! answer.

use serde_json::json;

use onramp_tests::{backends, spawn_app};

use crate::assert_problem;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_tokens_idle_out_refresh_revoke_and_stay_on_their_platform() {
    let app = spawn_app(backends()[0]).await;
    let started = app
        .post_session("conversational-profile", Some("+12025550172"))
        .await;
    let sid = crate::id_of(&started);
    let issue = |platform: &'static str| {
        let app = &app;
        let sid = sid.clone();
        async move {
            let r = app
                .post(
                    &format!("/v1/sessions/{sid}/tokens"),
                    &json!({ "platform": platform }),
                )
                .await;
            assert_eq!(r.status, 201, "{:?}", r.body);
            r.body["token"].as_str().unwrap().to_owned()
        }
    };
    // Two devices at once.
    let phone_token = issue("web").await;
    let laptop_token = issue("web").await;
    for t in [&phone_token, &laptop_token] {
        let r = app.end_user(t, "web", "/v1/me/session", None).await;
        assert_eq!((r.status, r.body["id"].as_str()), (200, Some(sid.as_str())));
    }
    // Another platform's header, a forged secret, no platform: refused alike.
    assert_problem(
        &app.end_user(&phone_token, "partner-app", "/v1/me/session", None)
            .await,
        401,
        "SESSION_TOKEN_INVALID",
    );
    let last = if phone_token.ends_with('0') { '1' } else { '0' };
    let forged = format!("{}{last}", &phone_token[..phone_token.len() - 1]);
    assert_problem(
        &app.end_user(&forged, "web", "/v1/me/session", None).await,
        401,
        "SESSION_TOKEN_INVALID",
    );

    // 59 minutes idle is fine; refresh gives a new text and restarts the hour.
    app.clock.advance(59 * 60);
    let refreshed = app
        .end_user(
            &phone_token,
            "web",
            "/v1/me/token/refresh",
            Some(&json!({})),
        )
        .await;
    assert_eq!(refreshed.status, 200, "{:?}", refreshed.body);
    let phone_token2 = refreshed.body["token"].as_str().unwrap().to_owned();
    assert_problem(
        &app.end_user(&phone_token, "web", "/v1/me/session", None)
            .await,
        401,
        "SESSION_TOKEN_INVALID",
    );
    // An hour and a second later, the laptop's token (idle since the start) is refused; the
    // refreshed one, idle for 61 minutes minus 59, lives on.
    app.clock.advance(61);
    assert_problem(
        &app.end_user(&laptop_token, "web", "/v1/me/session", None)
            .await,
        401,
        "SESSION_TOKEN_INVALID",
    );
    assert_eq!(
        app.end_user(&phone_token2, "web", "/v1/me/session", None)
            .await
            .status,
        200
    );

    // Cross-platform: refused until the tenant links the platforms.
    let exchange = json!({ "platform": "partner-app" });
    assert_problem(
        &app.end_user(
            &phone_token2,
            "web",
            "/v1/me/token/exchange",
            Some(&exchange),
        )
        .await,
        403,
        "PLATFORMS_NOT_LINKED",
    );
    let linked = app
        .put(
            "/v1/platforms/links",
            &json!({ "a": "web", "b": "partner-app" }),
        )
        .await;
    assert_eq!(linked.status, 200, "{:?}", linked.body);
    let partner = app
        .end_user(
            &phone_token2,
            "web",
            "/v1/me/token/exchange",
            Some(&exchange),
        )
        .await;
    assert_eq!(partner.status, 201, "{:?}", partner.body);
    let partner_token = partner.body["token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.end_user(&partner_token, "partner-app", "/v1/me/session", None)
            .await
            .status,
        200
    );
    assert_problem(
        &app.end_user(&partner_token, "web", "/v1/me/session", None)
            .await,
        401,
        "SESSION_TOKEN_INVALID",
    );

    // Revocation: this device only.
    assert_eq!(
        app.end_user(
            &phone_token2,
            "web",
            "/v1/me/token/revoke",
            Some(&json!({}))
        )
        .await
        .status,
        204
    );
    assert_problem(
        &app.end_user(&phone_token2, "web", "/v1/me/session", None)
            .await,
        401,
        "SESSION_TOKEN_INVALID",
    );
    assert_eq!(
        app.end_user(&partner_token, "partner-app", "/v1/me/session", None)
            .await
            .status,
        200
    );

    // Another tenant's API cannot see the session the token opens.
    let (_, other_key) = app.create_tenant("other").await;
    let r = app
        .get_as(&other_key, &format!("/v1/sessions/{sid}/messages"))
        .await;
    assert_problem(&r, 404, "ONBOARDING_SESSION_NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_end_user_cannot_answer_a_step_only_the_tenant_may_answer() {
    let app = spawn_app(backends()[0]).await;
    let started = app
        .post_session("platform-setup", Some("+12025550176"))
        .await;
    let sid = crate::id_of(&started);
    let token = app
        .post(
            &format!("/v1/sessions/{sid}/tokens"),
            &json!({ "platform": "web" }),
        )
        .await;
    let token = token.body["token"].as_str().unwrap().to_owned();
    let welcome = app
        .end_user(
            &token,
            "web",
            "/v1/me/session/steps/welcome",
            Some(&json!({ "answers": {} })),
        )
        .await;
    assert_eq!(welcome.status, 200, "{:?}", welcome.body);
    let admin = app
        .end_user(
            &token,
            "web",
            "/v1/me/session/steps/admin_phone",
            Some(&json!({ "answers": { "verification_id": "01a1ff35-f002-70c5-8205-d81fb98136de" } })),
        )
        .await;
    assert_problem(&admin, 403, "STEP_ADMIN_ONLY");
}
