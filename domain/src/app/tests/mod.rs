//! Application services against mockall mocks of their ports: what each use case reads, what it
//! commits, and what it does when a port fails.
//!
//! This module holds the fixtures and the session tests; `commit` tests the commit path
//! (conflicts, the decide cache, a store outage), `delivery` the code delivery jobs (fallback,
//! failover).

mod commit;
mod delivery;
mod replay;
mod seed;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use mockall::predicate::always;
use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

use super::jobs::JobOutcome;
use super::sessions::StartSession;
use super::verifications::StartVerification;

/// The stored kind of a code delivery job.
const DELIVER_CODE_JOB: &str = "verification.deliver";
use super::{
    Core, CoreError, FlowCatalog, IntegrationService, MailService, PaymentService, Services,
    SessionServiceError, VerificationService, VerificationServiceError,
};
use crate::decider::Decider;
use crate::flow::Flow;
use crate::ids::{JobId, SessionId, TenantId, VerificationId};
use crate::phone::PhoneNumber;
use crate::ports::*;
use crate::session::{SessionChannel, SessionCommand, SessionDecider};
use crate::verification::*;

const NOW: OffsetDateTime = datetime!(2026-11-21 10:00 UTC);

fn flow() -> Flow {
    Flow::from_toml(include_str!(
        "../../../../spec/flows/conversational-profile.toml"
    ))
    .unwrap()
}

/// Answers the store's reads, for answers and for decisions alike (the commit path decides on
/// `load_for_decide`, and confirms a decision that commits nothing on `load`).
fn reads<F>(store: &mut MockEventStore, read: F)
where
    F: Fn(TenantId, &StreamId) -> Result<Option<Loaded>, StoreError>
        + Clone
        + Send
        + Sync
        + 'static,
{
    let decide = read.clone();
    store
        .expect_load_for_decide()
        .returning(move |t, s| decide(t, s));
    store.expect_load().returning(move |t, s| read(t, s));
}

fn tenant() -> TenantId {
    TenantId::new(Uuid::from_u128(1))
}

fn phone() -> PhoneNumber {
    PhoneNumber::parse("+12025550123", None).unwrap()
}

/// Services over the given store and sender, with a fixed clock, counting ids, code 123456 and
/// transparent "secrets" (the real ones are tested in onramp-secrets).
fn services(store: MockEventStore, sender: MockVerificationSender) -> Services {
    let mut clock = MockClock::new();
    clock.expect_now().returning(|| NOW);
    let counter = Arc::new(AtomicU64::new(100));
    let mut ids = MockIdGen::new();
    ids.expect_new_id()
        .returning(move || Uuid::from_u128(u128::from(counter.fetch_add(1, Ordering::SeqCst))));
    let mut codes = MockCodeGenerator::new();
    codes
        .expect_otp()
        .returning(|| OtpCode::parse("123456").unwrap());
    let mut secrets = MockSecrets::new();
    secrets.expect_keyed_hash().returning(|_, data| {
        let mut h = [0u8; 32];
        for (i, b) in data.iter().enumerate() {
            h[i % 32] = h[i % 32].wrapping_mul(31).wrapping_add(*b);
        }
        h
    });
    secrets.expect_encrypt().returning(|p, _| p.to_vec());
    secrets.expect_decrypt().returning(|c, _| Ok(c.to_vec()));
    let sender: Arc<dyn VerificationSender> = Arc::new(sender);
    let mut senders = MockSenderDirectory::new();
    senders
        .expect_sender()
        .returning(move |_, provider| Ok((provider == ProviderId::Telnyx).then(|| sender.clone())));
    let core = Core {
        store: Arc::new(store),
        clock: Arc::new(clock),
        ids: Arc::new(ids),
        flows: Arc::new(FlowCatalog::new([flow()])),
    };
    let secrets: Arc<dyn crate::ports::Secrets> = Arc::new(secrets);
    let verifications = VerificationService {
        core: core.clone(),
        senders: Arc::new(senders),
        failover: crate::failover::FailoverPolicy::default(),
        codes: Arc::new(codes),
        secrets: Arc::clone(&secrets),
        policy: VerificationPolicy::default(),
        quota: QuotaPolicy::default(),
    };
    Services::compose(
        verifications,
        super::Standalone {
            payments: PaymentService {
                core: core.clone(),
                providers: Arc::new(crate::ports::MockPaymentDirectory::new()),
            },
            mail: MailService {
                core: core.clone(),
                mailer: Arc::new(crate::ports::MockMailer::new()),
            },
            outbound: super::OutboundService {
                core: core.clone(),
                secrets: Arc::clone(&secrets),
                sender: Arc::new(crate::ports::MockWebhookSender::new()),
                events: Arc::new(crate::ports::MockTenantEventLog::new()),
            },
            integrations: IntegrationService { core, secrets },
        },
        Arc::new(crate::ports::MockWhatsAppDirectory::new()),
        super::whatsapp::WhatsAppPolicy::default(),
        super::end_users::EndUserPolicy::default(),
    )
}

fn loaded(
    kind: AggregateKind,
    id: impl ToString,
    version: u64,
    state: serde_json::Value,
) -> Loaded {
    Loaded {
        stream: StreamId::new(kind, id),
        version,
        snapshot: Snapshot {
            status: "x".into(),
            flow_id: None,
            phone: None,
            external_ref: None,
            session_id: None,
            created_at: NOW,
            updated_at: NOW,
            state,
        },
        pending: Vec::new(),
    }
}

fn started_session(id: SessionId) -> serde_json::Value {
    let f = flow();
    let d = SessionDecider::new(&f);
    let start = SessionCommand::Start {
        id,
        channel: SessionChannel::Web,
        phone: None,
        external_ref: None,
        at: NOW,
    };
    let events = d.decide(&Default::default(), &start).unwrap();
    serde_json::to_value(d.fold(&events)).unwrap()
}

/// A pending verification whose first code went out by voice (delivery 1 queued).
fn voice_verification(id: VerificationId) -> (serde_json::Value, QuotaState) {
    let d = VerificationDecider::default();
    let start = VerificationCommand::Start {
        id,
        phone: phone(),
        session_id: None,
        channel: None,
        code_hash: CodeHash([1; 32]),
        quota: SendAllowance::Allowed,
        at: NOW,
    };
    let events = d.decide(&Default::default(), &start).unwrap();
    let q = QuotaDecider::default();
    let quota = q.fold(
        &q.decide(&QuotaState::default(), &QuotaCommand::Reserve { at: NOW })
            .unwrap(),
    );
    (serde_json::to_value(d.fold(&events)).unwrap(), quota)
}

#[tokio::test]
async fn starting_a_session_commits_one_new_stream_and_its_inactivity_timer() {
    let mut store = MockEventStore::new();
    store
        .expect_commit()
        .withf(|c| {
            c.streams.len() == 1
                && c.streams[0].expected_version == 0
                && c.streams[0].events.len() == 1
                && c.streams[0].events[0].event_type == "session.started"
                && c.jobs.len() == 1
                && c.jobs[0].kind == "session.expire"
                && c.jobs[0].timer_key.is_some()
                && c.jobs[0].run_at == NOW + time::Duration::days(7)
        })
        .times(1)
        .returning(|_| Ok(()));
    let s = services(store, MockVerificationSender::new());
    let input = StartSession {
        flow_id: "conversational-profile".into(),
        channel: SessionChannel::Web,
        phone: None,
        external_ref: None,
    };
    let view = s.sessions.start_session(tenant(), input).await.unwrap();
    assert_eq!(view.current_step.as_deref(), Some("welcome"));
}

#[tokio::test]
async fn an_unknown_template_commits_nothing() {
    let mut store = MockEventStore::new();
    store.expect_commit().times(0);
    let s = services(store, MockVerificationSender::new());
    let input = StartSession {
        flow_id: "nope".into(),
        channel: SessionChannel::Web,
        phone: None,
        external_ref: None,
    };
    assert!(matches!(
        s.sessions.start_session(tenant(), input).await,
        Err(SessionServiceError::Core(CoreError::TemplateNotFound(_)))
    ));
}

#[tokio::test]
async fn another_tenants_session_is_not_found() {
    let mut store = MockEventStore::new();
    store
        .expect_load()
        .with(mockall::predicate::eq(tenant()), always())
        .returning(|_, _| Ok(None));
    let s = services(store, MockVerificationSender::new());
    assert!(matches!(
        s.sessions
            .session(tenant(), SessionId::new(Uuid::from_u128(9)))
            .await,
        Err(SessionServiceError::Core(CoreError::SessionNotFound))
    ));
}

#[tokio::test]
async fn a_spent_send_quota_refuses_the_verification_and_commits_nothing() {
    let mut store = MockEventStore::new();
    let q = QuotaDecider::default();
    let mut quota = QuotaState::default();
    for i in 0..5 {
        let events = q
            .decide(
                &quota,
                &QuotaCommand::Reserve {
                    at: NOW - time::Duration::minutes(i),
                },
            )
            .unwrap();
        quota = events.iter().fold(quota, |s, e| q.evolve(s, e));
    }
    let quota = serde_json::to_value(quota).unwrap();
    reads(&mut store, move |_, _| {
        Ok(Some(loaded(
            AggregateKind::PhoneQuota,
            "+12025550123",
            5,
            quota.clone(),
        )))
    });
    store.expect_commit().times(0);
    let s = services(store, MockVerificationSender::new());
    let r = s
        .verifications
        .start_verification(
            tenant(),
            StartVerification {
                phone: phone(),
                channel: None,
                session_id: None,
            },
        )
        .await;
    assert!(
        matches!(
            r,
            Err(VerificationServiceError::Verification(
                VerificationError::RateLimited { .. }
            ))
        ),
        "{r:?}"
    );
}

#[tokio::test]
async fn an_inactivity_timer_that_fires_early_re_arms_itself_after_the_last_activity() {
    let id = SessionId::new(Uuid::from_u128(7));
    let mut store = MockEventStore::new();
    let state = started_session(id);
    reads(&mut store, move |_, _| {
        Ok(Some(loaded(AggregateKind::Session, id, 1, state.clone())))
    });
    store
        .expect_commit()
        .withf(|c| {
            c.streams.is_empty()
                && c.complete_job == Some(JobId::new(Uuid::from_u128(56)))
                && c.jobs.len() == 1
                && c.jobs[0].kind == "session.expire"
                && c.jobs[0].run_at == NOW + time::Duration::days(7)
        })
        .times(1)
        .returning(|_| Ok(()));
    let s = services(store, MockVerificationSender::new());
    let job = ClaimedJob {
        id: JobId::new(Uuid::from_u128(56)),
        tenant: tenant(),
        kind: "session.expire".into(),
        payload: json!({ "session_id": id }),
        attempts: 1,
        max_attempts: 5,
    };
    assert_eq!(
        s.run_job(&job, |_| time::Duration::seconds(1))
            .await
            .unwrap(),
        JobOutcome::Done
    );
}
