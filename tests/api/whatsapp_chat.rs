//! Issue 5, "Done when" 2: the `conversational-profile` journey over the sandbox WhatsApp
//! channel, linked to the web by a code and finished there, with its whole message history;
//! and the end-user tokens the link gives (P-LNK-1, P-TOK-1 end to end).
//!
//! This file holds the journey and the link codes; `tokens` holds the end-user tokens.

mod tokens;

use serde_json::{Value, json};

use onramp_tests::{TestApp, backends, spawn_app};

use crate::assert_problem;

/// Sends `text` from `phone` on the sandbox WhatsApp; answers the bot's replies.
async fn say(app: &TestApp, phone: &str, text: &str) -> (Value, Vec<String>) {
    let r = app
        .post(
            "/v1/sandbox/whatsapp/inbound",
            &json!({ "from": phone, "text": text }),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let replies = r.body["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    (r.body["session"].clone(), replies)
}

/// The 6-digit code of the `nth` (from 1) link-code message sent to `phone` over WhatsApp,
/// waiting for it (messages go out through the outbox).
async fn link_code(app: &TestApp, phone: &str, nth: usize) -> String {
    let mut text = None;
    for _ in 0..200 {
        let links: Vec<String> = app
            .sandbox_whatsapp(phone)
            .await
            .iter()
            .filter_map(|m| m["text"].as_str().map(str::to_owned))
            .filter(|t| t.starts_with("Your link code"))
            .collect();
        if let Some(t) = links.get(nth - 1) {
            text = Some(t.clone());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let text = text.unwrap_or_else(|| panic!("no link code {nth} reached {phone}"));
    text.split_whitespace()
        .map(|w| w.trim_end_matches('.'))
        .find(|w| w.len() == 6 && w.chars().all(|c| c.is_ascii_digit()))
        .unwrap_or_else(|| panic!("no code in {text:?}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversational_profile_runs_over_whatsapp_then_finishes_on_the_web() {
    for backend in backends() {
        let app = spawn_app(backend).await;
        let phone = "+12025550171";

        // A first message starts the person's session and gets the welcome prompt.
        let (session, replies) = say(&app, phone, "Hi").await;
        let sid = session["id"].as_str().unwrap().to_owned();
        assert_eq!(session["flow_id"], "conversational-profile");
        assert_eq!(session["channel"], "whatsapp");
        assert!(replies[0].contains("What brings you here"), "{replies:?}");

        // A choice by an unknown reply is refused in chat; by number it is answered.
        let (_, replies) = say(&app, phone, "maybe").await;
        assert!(replies[0].contains("number from 1 to 2"), "{replies:?}");
        let (session, replies) = say(&app, phone, "2").await;
        assert_eq!(session["answers"]["welcome"]["choice"], "personal_help");
        assert_eq!(session["current_step"], "phone");
        assert!(replies[0].contains("6-digit code"), "{replies:?}");

        // The phone step: the code goes out by SMS and is answered in chat.
        let code = app.wait_for_code(phone, 1).await;
        let (_, replies) = say(&app, phone, &crate::wrong_code(&code)).await;
        assert!(replies[0].contains("not right"), "{replies:?}");
        let (session, replies) = say(&app, phone, &code).await;
        assert_eq!(session["phone_verified"], true, "{session:?}");
        assert_eq!(session["current_step"], "consent");
        assert!(replies[0].contains("Reply YES"), "{replies:?}");

        let (session, _) = say(&app, phone, "yes").await;
        assert_eq!(session["current_step"], "goal");
        // A choice by its label.
        let (session, _) = say(&app, phone, "Organise my documents").await;
        assert_eq!(session["answers"]["goal"]["choice"], "organise");
        // Self-employed: the conditional income-complexity step is asked.
        let (session, replies) = say(&app, phone, "2").await;
        assert_eq!(session["current_step"], "income_complexity");
        assert!(replies[0].contains("describe your income"), "{replies:?}");

        // One session per person, found by phone.
        let found = app
            .get(&format!(
                "/v1/sessions/find?phone={}",
                phone.replace('+', "%2B")
            ))
            .await;
        assert_eq!(
            (found.status, found.body["id"].as_str()),
            (200, Some(sid.as_str()))
        );

        // The person moves to the web: a link code is sent over WhatsApp, never answered.
        let link = app
            .post(&format!("/v1/sessions/{sid}/links"), &json!({}))
            .await;
        assert_eq!(link.status, 202, "{:?}", link.body);
        assert_eq!(link.body["expires_in_seconds"], 300);
        assert!(!link.body.to_string().contains("code\""), "{:?}", link.body);
        let code = link_code(&app, phone, 1).await;

        // A wrong code is counted; the right one gives a web token for this session.
        let wrong = app
            .post(
                "/v1/links/verify",
                &json!({ "phone": phone, "code": crate::wrong_code(&code), "platform": "web" }),
            )
            .await;
        assert_problem(&wrong, 422, "LINK_CODE_INCORRECT");
        let token = app
            .post(
                "/v1/links/verify",
                &json!({ "phone": phone, "code": code, "platform": "web" }),
            )
            .await;
        assert_eq!(token.status, 201, "{:?}", token.body);
        assert_eq!(token.body["session_id"], sid.as_str());
        let web = token.body["token"].as_str().unwrap().to_owned();
        // The code links once.
        let again = app
            .post(
                "/v1/links/verify",
                &json!({ "phone": phone, "code": code, "platform": "web" }),
            )
            .await;
        assert_problem(&again, 410, "LINK_CODE_EXPIRED");

        // The web finishes the journey with the token.
        let me = app.end_user(&web, "web", "/v1/me/session", None).await;
        assert_eq!(
            (me.status, me.body["current_step"].as_str()),
            (200, Some("income_complexity"))
        );
        for (step, answers) in [
            ("income_complexity", json!({ "choice": "simple" })),
            ("confidence", json!({ "choice": "high" })),
            ("complete", json!({ "confirmed": true })),
        ] {
            let r = app
                .end_user(
                    &web,
                    "web",
                    &format!("/v1/me/session/steps/{step}"),
                    Some(&json!({ "answers": answers })),
                )
                .await;
            assert_eq!(r.status, 200, "{step}: {:?}", r.body);
        }
        let done = app.get_session(&sid).await;
        assert_eq!(done.body["status"], "completed", "{:?}", done.body);
        // organise 1 + self_employed 0 + simple 2 + high 4 = 7: advanced.
        assert_eq!(done.body["capability"]["level"], "advanced");

        // The whole history: user and bot messages on WhatsApp, the web's answers, in order,
        // the link code masked.
        let history = app.get(&format!("/v1/sessions/{sid}/messages")).await;
        assert_eq!(history.status, 200, "{:?}", history.body);
        let messages = history.body["data"].as_array().unwrap();
        let by = |author: &str, channel: &str| {
            messages
                .iter()
                .filter(|m| m["author"] == author && m["channel"] == channel)
                .count()
        };
        assert_eq!(by("user", "whatsapp"), 8, "{messages:?}");
        assert_eq!(by("bot", "whatsapp"), 9, "{messages:?}");
        assert_eq!(by("user", "web"), 3, "{messages:?}");
        let seqs: Vec<u64> = messages
            .iter()
            .map(|m| m["seq"].as_u64().unwrap())
            .collect();
        assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
        assert_eq!(messages[0]["text"], "Hi");
        let link_message = messages
            .iter()
            .find(|m| m["text"].as_str().unwrap().contains("link code"))
            .unwrap();
        let kept = link_message["text"].as_str().unwrap();
        assert!(
            !kept.contains(&code) && kept.contains("••••••") && kept.contains("5 minutes"),
            "{link_message:?}"
        );
        // Every bot message was sent through the sandbox channel (by the outbox, after the
        // answer: waited for, under load the worker may lag behind the requests).
        let sent = app.wait_for_whatsapp(phone, by("bot", "whatsapp")).await;
        assert_eq!(sent.len(), by("bot", "whatsapp"), "{sent:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_code_expires_after_300_seconds_and_locks_after_5_wrong_codes() {
    let app = spawn_app(backends()[0]).await;
    let phone = "+12025550173";
    let (session, _) = say(&app, phone, "hello").await;
    let sid = session["id"].as_str().unwrap().to_owned();
    let verify = |code: String| {
        let app = &app;
        async move {
            app.post("/v1/links/verify", &json!({ "phone": phone, "code": code }))
                .await
        }
    };
    assert_problem(&verify("123456".into()).await, 404, "LINK_CODE_NOT_FOUND");
    assert_eq!(
        app.post(&format!("/v1/sessions/{sid}/links"), &json!({}))
            .await
            .status,
        202
    );
    let code = link_code(&app, phone, 1).await;
    app.clock.advance(301);
    assert_problem(&verify(code).await, 410, "LINK_CODE_EXPIRED");
    assert_eq!(
        app.post(&format!("/v1/sessions/{sid}/links"), &json!({}))
            .await
            .status,
        202
    );
    let code = link_code(&app, phone, 2).await;
    for left in (0..5).rev() {
        let r = verify(crate::wrong_code(&code)).await;
        assert_problem(&r, 422, "LINK_CODE_INCORRECT");
        assert_eq!(r.body["checks_remaining"], left);
    }
    assert_problem(&verify(code).await, 423, "LINK_CODE_LOCKED");
}
