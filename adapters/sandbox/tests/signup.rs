//! `SandboxSignup` through the `EmbeddedSignup` port: Meta's single-use code, business tokens
//! bound to their WABA, the PIN rules, call counts and failures on purpose.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

use std::sync::{Arc, Mutex};

use onramp_domain::ports::{
    BusinessToken, ClearSecret, ClientChannel, Clock, EmbeddedSignup, OutboundMessage,
    ProviderError, ProviderId,
};
use onramp_sandbox::{
    SIGNUP_OUTAGE_REASON, SandboxFinish, SandboxSignup, SignupOperation, TOKEN_LIFETIME_SECS, magic,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use SignupOperation::{
    ExchangeCode, RefreshToken, RegisterPhone, SendAsClient, ShareCreditLine, SubscribeWebhooks,
};

/// A clock the test moves.
struct TestClock(Mutex<OffsetDateTime>);

impl Clock for TestClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

impl TestClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

fn meta() -> (Arc<TestClock>, SandboxSignup) {
    let clock = Arc::new(TestClock(Mutex::new(datetime!(2026-03-01 12:00:00 UTC))));
    (clock.clone(), SandboxSignup::new(clock))
}

async fn exchanged(meta: &SandboxSignup) -> (SandboxFinish, BusinessToken) {
    let finish = meta.begin().await.unwrap();
    let token = meta.exchange_code(&finish.code).await.unwrap();
    (finish, token)
}

fn pin(text: &str) -> ClearSecret {
    ClearSecret::new(text)
}

fn code_of<T: std::fmt::Debug>(result: Result<T, ProviderError>) -> String {
    match result {
        Err(ProviderError::Rejected { code, .. }) => code,
        Err(ProviderError::Unauthorized { .. }) => "unauthorized".into(),
        Err(ProviderError::Unavailable { reason, .. }) => format!("unavailable: {reason}"),
        other => panic!("expected a failure, got {other:?}"),
    }
}

fn hello(key: &str, to: &str) -> OutboundMessage {
    OutboundMessage {
        key: key.into(),
        to: to.into(),
        text: "Hello from your client".into(),
    }
}

#[tokio::test]
async fn begin_mints_meta_shaped_ids_and_a_fresh_code() {
    let (_, meta) = meta();
    assert_eq!(meta.provider(), ProviderId::Sandbox);
    let first = meta.begin().await.unwrap();
    let second = meta.begin().await.unwrap();
    for id in [
        first.waba_id.as_str(),
        first.phone_number_id.as_str(),
        first.business_id.as_str(),
    ] {
        assert_eq!(id.len(), 15, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_digit()), "{id}");
    }
    let uuid = first.code.expose().strip_prefix("sbx_code_").unwrap();
    uuid::Uuid::parse_str(uuid).unwrap();
    assert_ne!(first.code, second.code);
    assert_ne!(first.waba_id, second.waba_id);
    assert_eq!(first.ids().waba_id, first.waba_id);
    let waba = meta.waba(first.waba_id.as_str()).await.unwrap().unwrap();
    assert_eq!(waba.phone_number_id, first.phone_number_id);
    assert!(!waba.webhooks_subscribed && !waba.registered);
    assert_eq!(waba.allocation_config_id, None);
    assert!(meta.waba("1").await.unwrap().is_none());
}

#[tokio::test]
async fn a_code_is_exchanged_once_for_a_sixty_day_token() {
    let (_, meta) = meta();
    let finish = meta.begin().await.unwrap();
    let token = meta.exchange_code(&finish.code).await.unwrap();
    let hex = token
        .access_token
        .expose()
        .strip_prefix("sbx_token_")
        .unwrap();
    assert_eq!(hex.len(), 32);
    assert_eq!(token.expires_in, Some(5_184_000));
    assert_eq!(TOKEN_LIFETIME_SECS, 60 * 24 * 3600);
    assert_eq!(
        code_of(meta.exchange_code(&finish.code).await),
        "code_expired"
    );
    let waba = finish.waba_id.as_str();
    assert_eq!(meta.calls(ExchangeCode, waba), 2);
    assert_eq!(meta.successes(ExchangeCode, waba), 1);
}

#[tokio::test]
async fn an_unknown_or_expired_code_is_code_expired() {
    let (clock, meta) = meta();
    let unknown = meta.exchange_code(&ClearSecret::new("sbx_code_nope")).await;
    assert_eq!(code_of(unknown), "code_expired");
    let finish = meta.begin().await.unwrap();
    clock.advance(Duration::seconds(29));
    let fresh = meta.begin().await.unwrap();
    clock.advance(Duration::seconds(1));
    assert_eq!(
        code_of(meta.exchange_code(&finish.code).await),
        "code_expired",
        "30 s after begin"
    );
    meta.exchange_code(&fresh.code).await.unwrap();
}

#[tokio::test]
async fn racing_exchanges_of_one_code_succeed_once() {
    let (_, meta) = meta();
    let finish = meta.begin().await.unwrap();
    let attempts = (0..8).map(|_| {
        let meta = meta.clone();
        let code = finish.code.clone();
        tokio::spawn(async move { meta.exchange_code(&code).await.is_ok() })
    });
    let mut won = 0;
    for attempt in attempts {
        won += u32::from(attempt.await.unwrap());
    }
    assert_eq!(won, 1);
    assert_eq!(meta.successes(ExchangeCode, finish.waba_id.as_str()), 1);
}

#[tokio::test]
async fn the_steps_accept_only_the_token_of_their_waba() {
    let (_, meta) = meta();
    let (finish, token) = exchanged(&meta).await;
    let (other, other_token) = exchanged(&meta).await;
    let waba = finish.waba_id.as_str();
    let phone = finish.phone_number_id.as_str();
    let stranger = ClearSecret::new("sbx_token_00000000000000000000000000000000");

    for wrong in [&other_token.access_token, &stranger] {
        assert_eq!(
            code_of(meta.subscribe_webhooks(waba, wrong).await),
            "unauthorized"
        );
        assert_eq!(
            code_of(meta.register_phone(phone, wrong, &pin("123456")).await),
            "unauthorized"
        );
    }
    let unknown_number = meta
        .register_phone("999", &token.access_token, &pin("123456"))
        .await;
    assert_eq!(code_of(unknown_number), "unauthorized");
    assert!(!meta.waba(waba).await.unwrap().unwrap().webhooks_subscribed);

    meta.subscribe_webhooks(waba, &token.access_token)
        .await
        .unwrap();
    meta.register_phone(phone, &token.access_token, &pin("123456"))
        .await
        .unwrap();
    let state = meta.waba(waba).await.unwrap().unwrap();
    assert!(state.webhooks_subscribed && state.registered);
    assert!(
        !meta
            .waba(other.waba_id.as_str())
            .await
            .unwrap()
            .unwrap()
            .registered
    );
    assert_eq!(meta.calls(SubscribeWebhooks, waba), 3);
    assert_eq!(meta.successes(SubscribeWebhooks, waba), 1);
    assert_eq!(meta.calls(RegisterPhone, waba), 3);
    assert_eq!(meta.successes(RegisterPhone, waba), 1);
}

#[tokio::test]
async fn the_pin_must_be_six_digits_and_stays_the_first_one() {
    let (_, meta) = meta();
    let (finish, token) = exchanged(&meta).await;
    let phone = finish.phone_number_id.as_str();
    let token = &token.access_token;
    for bad in ["12345", "1234567", "12345a", "", "１２３４５６"] {
        assert_eq!(
            code_of(meta.register_phone(phone, token, &pin(bad)).await),
            "invalid_pin",
            "{bad:?}"
        );
    }
    assert!(
        !meta
            .waba(finish.waba_id.as_str())
            .await
            .unwrap()
            .unwrap()
            .registered
    );
    meta.register_phone(phone, token, &pin("000123"))
        .await
        .unwrap();
    meta.register_phone(phone, token, &pin("000123"))
        .await
        .unwrap();
    assert_eq!(
        code_of(meta.register_phone(phone, token, &pin("654321")).await),
        "invalid_pin",
        "two-step verification keeps the first PIN"
    );
}

#[tokio::test]
async fn the_credit_line_answers_one_allocation_per_waba() {
    let (_, meta) = meta();
    let (finish, _) = exchanged(&meta).await;
    let (other, _) = exchanged(&meta).await;
    let waba = finish.waba_id.as_str();
    let allocation = meta.share_credit_line(waba, "USD").await.unwrap();
    assert!(
        allocation.bytes().all(|b| b.is_ascii_digit()),
        "{allocation}"
    );
    assert_eq!(
        meta.share_credit_line(waba, "USD").await.unwrap(),
        allocation
    );
    let elsewhere = meta
        .share_credit_line(other.waba_id.as_str(), "EUR")
        .await
        .unwrap();
    assert_ne!(elsewhere, allocation);
    assert_eq!(
        meta.waba(waba).await.unwrap().unwrap().allocation_config_id,
        Some(allocation)
    );
    for currency in ["usd", "US", "USDT", ""] {
        assert_eq!(
            code_of(meta.share_credit_line(waba, currency).await),
            "invalid_parameter",
            "{currency:?}"
        );
    }
    assert_eq!(
        code_of(meta.share_credit_line("123", "USD").await),
        "invalid_parameter"
    );
    assert_eq!(meta.calls(ShareCreditLine, waba), 6);
    assert_eq!(meta.successes(ShareCreditLine, waba), 2);
}

#[tokio::test]
async fn a_refreshed_token_acts_for_the_same_waba_and_tokens_expire_after_sixty_days() {
    let (clock, meta) = meta();
    let (finish, token) = exchanged(&meta).await;
    let waba = finish.waba_id.as_str();
    clock.advance(Duration::days(59));
    let refreshed = meta.refresh_token(&token.access_token).await.unwrap();
    assert_ne!(refreshed.access_token, token.access_token);
    assert_eq!(refreshed.expires_in, Some(TOKEN_LIFETIME_SECS));
    meta.subscribe_webhooks(waba, &token.access_token)
        .await
        .unwrap();
    clock.advance(Duration::days(1));
    assert_eq!(
        code_of(meta.subscribe_webhooks(waba, &token.access_token).await),
        "unauthorized",
        "the first token is 60 days old"
    );
    assert_eq!(
        code_of(meta.refresh_token(&token.access_token).await),
        "unauthorized"
    );
    meta.subscribe_webhooks(waba, &refreshed.access_token)
        .await
        .unwrap();
    let unknown = meta.refresh_token(&ClearSecret::new("sbx_token_x")).await;
    assert_eq!(code_of(unknown), "unauthorized");
    assert_eq!(meta.calls(RefreshToken, waba), 2);
    assert_eq!(meta.successes(RefreshToken, waba), 1);
}

#[tokio::test]
async fn sending_as_a_client_needs_its_token_and_a_registered_number() {
    let (_, meta) = meta();
    let (finish, token) = exchanged(&meta).await;
    let (_, other_token) = exchanged(&meta).await;
    let phone = finish.phone_number_id.as_str();
    let channel = ClientChannel {
        phone_number_id: phone.into(),
        token: token.access_token.clone(),
    };
    let to = "+12025550123";
    assert_eq!(
        code_of(meta.send_as_client(&channel, &hello("m-1", to)).await),
        "graph_error"
    );
    meta.register_phone(phone, &token.access_token, &pin("123456"))
        .await
        .unwrap();
    let wrong = ClientChannel {
        phone_number_id: phone.into(),
        token: other_token.access_token,
    };
    assert_eq!(
        code_of(meta.send_as_client(&wrong, &hello("m-1", to)).await),
        "unauthorized"
    );

    let sent = meta.send_as_client(&channel, &hello("m-1", to)).await;
    let again = meta.send_as_client(&channel, &hello("m-1", to)).await;
    assert_eq!(sent.unwrap().provider_ref, "wamid.sbx_m-1");
    assert_eq!(again.unwrap().provider_ref, "wamid.sbx_m-1");
    let not_joined = meta
        .send_as_client(&channel, &hello("m-2", magic::WHATSAPP_NOT_JOINED))
        .await;
    assert_eq!(code_of(not_joined), "not_joined");

    let messages = meta.client_messages(phone);
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].to, to);
    assert_eq!(messages[0].text, "Hello from your client");
    let waba = finish.waba_id.as_str();
    assert_eq!(meta.calls(SendAsClient, waba), 5);
    assert_eq!(meta.successes(SendAsClient, waba), 2);
}

#[tokio::test]
async fn fail_next_makes_an_operation_unavailable_without_using_the_code() {
    let (_, meta) = meta();
    let finish = meta.begin().await.unwrap();
    meta.fail_next(ExchangeCode, 2);
    for _ in 0..2 {
        assert_eq!(
            code_of(meta.exchange_code(&finish.code).await),
            format!("unavailable: {SIGNUP_OUTAGE_REASON}")
        );
    }
    let token = meta.exchange_code(&finish.code).await.unwrap();
    let waba = finish.waba_id.as_str();
    assert_eq!(meta.calls(ExchangeCode, waba), 3);
    assert_eq!(meta.successes(ExchangeCode, waba), 1);

    meta.fail_next(SubscribeWebhooks, 5);
    meta.fail_next(SubscribeWebhooks, 1);
    assert!(
        code_of(meta.subscribe_webhooks(waba, &token.access_token).await)
            .starts_with("unavailable")
    );
    assert!(!meta.waba(waba).await.unwrap().unwrap().webhooks_subscribed);
    meta.subscribe_webhooks(waba, &token.access_token)
        .await
        .unwrap();
    // Other operations were never affected.
    meta.share_credit_line(waba, "USD").await.unwrap();

    meta.fail_next(RegisterPhone, 3);
    meta.fail_next(RegisterPhone, 0);
    meta.register_phone(
        finish.phone_number_id.as_str(),
        &token.access_token,
        &pin("123456"),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn clones_share_the_same_wabas() {
    let (_, meta) = meta();
    let finish = meta.clone().begin().await.unwrap();
    meta.clone().exchange_code(&finish.code).await.unwrap();
    assert_eq!(meta.successes(ExchangeCode, finish.waba_id.as_str()), 1);
    assert!(format!("{meta:?}").contains("wabas: 1"));
    assert!(!format!("{finish:?}").contains(finish.code.expose()));
}
