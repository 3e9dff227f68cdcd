//! `SandboxOrders` through the `OrderPayments` port: PayPal's create, approve, capture-once flow.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns unwrap as well

use std::collections::HashSet;
use std::sync::Arc;

use onramp_domain::ids::TenantId;
use onramp_domain::money::Money;
use onramp_domain::ports::{
    CaptureStatus, IdempotencyKey, NewOrder, OrderPayments, PaymentError, ProviderId,
};
use onramp_sandbox::{SandboxOrderStatus, SandboxOrders};

fn tenant() -> TenantId {
    TenantId::new(uuid::Uuid::from_u128(1))
}

fn key(name: &str) -> IdempotencyKey {
    IdempotencyKey::derive(tenant(), "session-1", 1, name)
}

fn new_order(order_ref: &str, key_name: &str) -> NewOrder {
    NewOrder {
        tenant: tenant(),
        order_ref: order_ref.into(),
        plan: "pro".into(),
        amount: Money::new(1_999, "USD").unwrap(),
        return_url: Some("https://app.example.com/done".into()),
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
async fn provider_is_sandbox_and_healthy() {
    let orders = SandboxOrders::default();
    assert_eq!(orders.provider(), ProviderId::Sandbox);
    orders.health_check().await.unwrap();
}

#[tokio::test]
async fn an_order_has_a_paypal_like_id_and_an_approve_link_on_the_public_url() {
    let orders = SandboxOrders::new("https://onramp.example.com/");
    let created = orders
        .create_order(&new_order("ord-1", "create"))
        .await
        .unwrap();
    let hex = created.provider_order.strip_prefix("SBX-").unwrap();
    assert_eq!(hex.len(), 16);
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)),
        "{hex}"
    );
    assert_eq!(
        created.approve_url,
        "https://onramp.example.com/v1/sandbox/paypal/orders/ord-1/approve"
    );
    assert_eq!(
        orders.provider_order_of("ord-1").await.unwrap(),
        Some(created.provider_order.clone())
    );
    let stored = orders
        .order(&created.provider_order)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, SandboxOrderStatus::Created);
    assert_eq!(
        stored.return_url.as_deref(),
        Some("https://app.example.com/done")
    );
}

#[tokio::test]
async fn the_default_approve_base_is_local() {
    let created = SandboxOrders::default()
        .create_order(&new_order("ord-1", "create"))
        .await
        .unwrap();
    assert_eq!(
        created.approve_url,
        "http://127.0.0.1:8080/v1/sandbox/paypal/orders/ord-1/approve"
    );
}

#[tokio::test]
async fn the_same_key_gives_the_same_order_and_a_new_key_a_new_one() {
    let orders = SandboxOrders::default();
    let first = orders
        .create_order(&new_order("ord-1", "create"))
        .await
        .unwrap();
    let again = orders
        .create_order(&new_order("ord-1", "create"))
        .await
        .unwrap();
    assert_eq!(again, first);
    let other = orders
        .create_order(&new_order("ord-2", "create-2"))
        .await
        .unwrap();
    assert_ne!(other.provider_order, first.provider_order);
}

#[tokio::test]
async fn an_order_not_approved_is_refused_at_capture() {
    let orders = SandboxOrders::default();
    let created = orders
        .create_order(&new_order("ord-1", "create"))
        .await
        .unwrap();
    assert_eq!(
        refused_code(
            orders
                .capture_order(&created.provider_order, &key("capture"))
                .await
        ),
        "ORDER_NOT_APPROVED"
    );
    assert_eq!(
        orders
            .order(&created.provider_order)
            .await
            .unwrap()
            .unwrap()
            .capture,
        None
    );
}

#[tokio::test]
async fn an_unknown_order_is_resource_not_found() {
    let orders = SandboxOrders::default();
    assert_eq!(
        refused_code(orders.approve("SBX-NOPE").await),
        "RESOURCE_NOT_FOUND"
    );
    assert_eq!(
        refused_code(orders.capture_order("SBX-NOPE", &key("capture")).await),
        "RESOURCE_NOT_FOUND"
    );
}

#[tokio::test]
async fn an_approved_order_captures_its_amount_once() {
    let orders = SandboxOrders::default();
    let created = orders
        .create_order(&new_order("ord-1", "create"))
        .await
        .unwrap();
    orders.approve(&created.provider_order).await.unwrap();
    assert_eq!(
        orders
            .order(&created.provider_order)
            .await
            .unwrap()
            .unwrap()
            .status,
        SandboxOrderStatus::Approved
    );

    let capture = orders
        .capture_order(&created.provider_order, &key("capture"))
        .await
        .unwrap();
    assert!(
        capture.capture_id.starts_with("CAPTURE-SBX-"),
        "{capture:?}"
    );
    assert_eq!(capture.status, CaptureStatus::Completed);
    assert_eq!(capture.amount, Money::new(1_999, "USD").unwrap());

    // Captured already: the same capture, under another key too; approving again is harmless.
    orders.approve(&created.provider_order).await.unwrap();
    let again = orders
        .capture_order(&created.provider_order, &key("capture-retry"))
        .await
        .unwrap();
    assert_eq!(again, capture);
    let stored = orders
        .order(&created.provider_order)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, SandboxOrderStatus::Completed);
    assert_eq!(stored.capture, Some(capture));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_captures_make_exactly_one_capture() {
    let orders = Arc::new(SandboxOrders::default());
    let created = orders
        .create_order(&new_order("ord-1", "create"))
        .await
        .unwrap();
    orders.approve(&created.provider_order).await.unwrap();

    let barrier = Arc::new(tokio::sync::Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|n| {
            let orders = Arc::clone(&orders);
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
