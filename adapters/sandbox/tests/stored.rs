//! The simulators keep their provider objects in a `SandboxObjects` store (issue 11, item 8):
//! two simulators built on one store, as two processes on one database (a restart, or two
//! replicas), see the same orders, cards, senders and business tokens, keep PayPal's
//! capture-once across both, and one tenant never sees another's objects.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

use std::collections::HashSet;
use std::sync::Arc;

use onramp_domain::ids::TenantId;
use onramp_domain::money::Money;
use onramp_domain::ports::{
    AttachCard, BspProvisioning, CardOnFile, ClearSecret, Clock, EmbeddedSignup, IdempotencyKey,
    NewCustomer, NewOrder, NewSender, OrderPayments, PaymentError, ProviderError, SandboxObjects,
    SenderState, SubscriptionStatus, TrialSubscription,
};
use onramp_sandbox::{
    InMemorySandboxObjects, SandboxBsp, SandboxCards, SandboxInbox, SandboxOrderStatus,
    SandboxOrders, SandboxSignup,
};
use time::OffsetDateTime;

struct Epoch;
impl Clock for Epoch {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH
    }
}

fn tenant(n: u128) -> TenantId {
    TenantId::new(uuid::Uuid::from_u128(n))
}

fn key(name: &str) -> IdempotencyKey {
    IdempotencyKey::derive(tenant(1), "session-1", 1, name)
}

fn store() -> Arc<dyn SandboxObjects> {
    Arc::new(InMemorySandboxObjects::default())
}

fn orders(store: &Arc<dyn SandboxObjects>, t: TenantId) -> SandboxOrders {
    SandboxOrders::stored_in("http://127.0.0.1:8080", store.clone()).for_tenant(t)
}

fn new_order(key_name: &str) -> NewOrder {
    NewOrder {
        tenant: tenant(1),
        order_ref: "ord-1".into(),
        plan: "pro".into(),
        amount: Money::new(4_900, "USD").unwrap(),
        return_url: None,
        cancel_url: None,
        key: key(key_name),
    }
}

fn refused_code<T: std::fmt::Debug>(result: Result<T, PaymentError>) -> String {
    match result {
        Err(PaymentError::Refused { code, .. }) => code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn an_order_created_before_a_restart_is_approved_and_captured_after_it() {
    let store = store();
    let before = orders(&store, tenant(1));
    let created = before.create_order(&new_order("create")).await.unwrap();
    drop(before);

    let after = orders(&store, tenant(1));
    // The same key still answers the same order.
    assert_eq!(
        after.create_order(&new_order("create")).await.unwrap(),
        created
    );
    after.approve(&created.provider_order).await.unwrap();
    let capture = after
        .capture_order(&created.provider_order, &key("capture"))
        .await
        .unwrap();
    assert_eq!(capture.amount, Money::new(4_900, "USD").unwrap());
    let stored = after.order(&created.provider_order).await.unwrap().unwrap();
    assert_eq!(stored.status, SandboxOrderStatus::Completed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn captures_racing_in_two_processes_make_exactly_one_capture() {
    let store = store();
    let processes = [orders(&store, tenant(1)), orders(&store, tenant(1))];
    let created = processes[0]
        .create_order(&new_order("create"))
        .await
        .unwrap();
    processes[1].approve(&created.provider_order).await.unwrap();

    let barrier = Arc::new(tokio::sync::Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|n| {
            let orders = processes[n % 2].clone();
            let barrier = Arc::clone(&barrier);
            let id = created.provider_order.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                orders
                    .capture_order(&id, &key(&format!("capture-{n}")))
                    .await
            })
        })
        .collect();
    let mut ids = HashSet::new();
    for task in tasks {
        ids.insert(task.await.unwrap().unwrap().capture_id);
    }
    assert_eq!(ids.len(), 1, "{ids:?}");
}

#[tokio::test]
async fn another_tenant_does_not_know_an_order() {
    let store = store();
    let created = orders(&store, tenant(1))
        .create_order(&new_order("create"))
        .await
        .unwrap();
    let other = orders(&store, tenant(2));
    assert_eq!(
        refused_code(other.approve(&created.provider_order).await),
        "RESOURCE_NOT_FOUND"
    );
    assert_eq!(
        refused_code(
            other
                .capture_order(&created.provider_order, &key("capture"))
                .await
        ),
        "RESOURCE_NOT_FOUND"
    );
    assert_eq!(other.order(&created.provider_order).await.unwrap(), None);
}

#[tokio::test]
async fn a_trial_started_before_a_restart_converts_after_it() {
    let store = store();
    let cards = |t| SandboxCards::stored_in(Arc::new(Epoch), store.clone()).for_tenant(t);
    let before = cards(tenant(1));
    let customer = before
        .create_customer(&NewCustomer {
            tenant: tenant(1),
            email: "ada@example.com".into(),
            phone: None,
            trial_ref: "trial-1".into(),
            key: key("customer"),
        })
        .await
        .unwrap();
    let attach = AttachCard {
        customer: customer.clone(),
        payment_method: "pm_card_visa".into(),
        key: key("attach"),
    };
    let card = before.attach_card(&attach).await.unwrap();
    let sub = before
        .start_trial(&TrialSubscription {
            customer: customer.clone(),
            price: "price_pro".into(),
            payment_method: card.payment_method.clone(),
            trial_days: 7,
            trial_ref: "trial-1".into(),
            key: key("trial"),
        })
        .await
        .unwrap();
    drop(before);

    let after = cards(tenant(1));
    // Keyed answers are replayed after the restart too.
    assert_eq!(after.attach_card(&attach).await.unwrap(), card);
    assert_eq!(
        after.trial_end_outcome(&sub.id).await.unwrap(),
        Some(SubscriptionStatus::Active)
    );
    let stored = after.subscription(&sub.id).await.unwrap().unwrap();
    assert_eq!(stored.status, SubscriptionStatus::Active);

    // Another tenant's account does not know the subscription.
    let other = cards(tenant(2));
    assert!(other.trial_end_outcome(&sub.id).await.is_err());
    assert_eq!(other.subscription(&sub.id).await.unwrap(), None);
}

#[tokio::test]
async fn a_sender_in_review_before_a_restart_is_reviewed_after_it() {
    let store = store();
    let bsp = |t| {
        SandboxBsp::stored_in(store.clone(), SandboxInbox::in_memory(), Arc::new(Epoch))
            .for_tenant(t)
    };
    let sender = NewSender {
        key: "waba-1".into(),
        display_name: "Acme Plumbing".into(),
        phone: "+12025550150".into(),
        details: vec![],
    };
    let created = bsp(tenant(1)).create_sender(&sender).await.unwrap();
    assert_eq!(created.state, SenderState::InProgress);

    let after = bsp(tenant(1));
    assert_eq!(
        after.sender(&created.id).await.unwrap().state,
        SenderState::Active
    );
    let other = bsp(tenant(2)).sender(&created.id).await;
    assert!(
        matches!(&other, Err(ProviderError::Rejected { code, .. }) if code == "sender_not_found"),
        "{other:?}"
    );
}

#[tokio::test]
async fn a_business_token_from_before_a_restart_still_works_and_no_secret_is_stored() {
    let store = store();
    let meta = |t| SandboxSignup::stored_in(Arc::new(Epoch), store.clone()).for_tenant(t);
    let before = meta(tenant(1));
    let finish = before.begin().await.unwrap();
    let token = before.exchange_code(&finish.code).await.unwrap();
    drop(before);

    let after = meta(tenant(1));
    let (waba, phone) = (finish.waba_id.as_str(), finish.phone_number_id.as_str());
    after
        .subscribe_webhooks(waba, &token.access_token)
        .await
        .unwrap();
    let pin = ClearSecret::new("123456");
    after
        .register_phone(phone, &token.access_token, &pin)
        .await
        .unwrap();
    assert!(after.waba(waba).await.unwrap().unwrap().registered);
    let again = after.exchange_code(&finish.code).await;
    assert!(
        matches!(&again, Err(ProviderError::Rejected { code, .. }) if code == "code_expired"),
        "a used code stays used: {again:?}"
    );
    let other = meta(tenant(2))
        .subscribe_webhooks(waba, &token.access_token)
        .await;
    assert!(
        matches!(other, Err(ProviderError::Unauthorized { .. })),
        "{other:?}"
    );

    // Codes, tokens and PINs are kept only as digests.
    let mut stored = String::new();
    for kind in ["meta.waba", "meta.phone_number", "meta.code", "meta.token"] {
        for object in store.list(tenant(1), kind, 100).await.unwrap() {
            stored.push_str(&format!("{} {}\n", object.id, object.value));
        }
    }
    assert!(stored.contains(waba), "{stored}");
    for secret in [finish.code.expose(), token.access_token.expose(), "123456"] {
        assert!(!stored.contains(secret), "{secret} is stored: {stored}");
    }
}
