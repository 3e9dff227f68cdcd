//! P-TEN-1: no store query of one tenant returns another's data.

use std::collections::BTreeMap;

use onramp_domain::ids::TenantId;
use onramp_domain::ports::{
    AggregateKind, Commit, EventStore, IdempotencyRecord, IdempotencyStore, ListQuery,
    NewTenantEvent, Snapshot, StoredResponse, StreamId, TenantEventLog, TenantEventQuery,
};
use onramp_sql::SqlStore;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::json;

use super::support::*;

/// One of the two tenants of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    A,
    B,
}

/// A write to an aggregate; ids, statuses, flows, phones, references and sessions come from tiny
/// pools so the two tenants collide on all of them.
#[derive(Debug, Clone)]
struct Write {
    owner: Owner,
    kind: AggregateKind,
    id: u8,
    status: u8,
    flow: u8,
    phone: u8,
    reference: u8,
    session: u8,
    created: u8,
    events: u64,
}

/// A request under an idempotency key, finished or left running.
#[derive(Debug, Clone)]
struct Request {
    owner: Owner,
    key: u8,
    fingerprint: u8,
    finish: bool,
}

fn owner() -> impl Strategy<Value = Owner> {
    prop_oneof![Just(Owner::A), Just(Owner::B)]
}

fn write() -> impl Strategy<Value = Write> {
    let kind = prop_oneof![
        Just(AggregateKind::Session),
        Just(AggregateKind::Verification),
        Just(AggregateKind::Trial)
    ];
    (
        owner(),
        kind,
        0..3_u8,
        0..2_u8,
        0..2_u8,
        0..2_u8,
        0..2_u8,
        0..2_u8,
        0..4_u8,
        1..3_u64,
    )
        .prop_map(
            |(owner, kind, id, status, flow, phone, reference, session, created, events)| Write {
                owner,
                kind,
                id,
                status,
                flow,
                phone,
                reference,
                session,
                created,
                events,
            },
        )
}

fn request() -> impl Strategy<Value = Request> {
    (owner(), 0..3_u8, 0..2_u8, any::<bool>()).prop_map(|(owner, key, fingerprint, finish)| {
        Request {
            owner,
            key,
            fingerprint,
            finish,
        }
    })
}

fn snapshot_of(w: &Write, tenant: TenantId) -> Snapshot {
    Snapshot {
        status: format!("status-{}", w.status),
        flow_id: Some(format!("flow-{}", w.flow)),
        phone: Some(format!("+44770090000{}", w.phone)),
        external_ref: Some(format!("ref-{}", w.reference)),
        session_id: Some(format!("session-{}", w.session)),
        created_at: at(i64::from(w.created)),
        updated_at: at(i64::from(w.created)),
        state: json!({ "tenant": tenant.to_string() }),
    }
}

#[test]
fn p_ten_1_no_store_query_of_one_tenant_returns_anothers_data() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // One database per engine for all cases: every case uses two fresh tenants.
    let dbs = runtime.block_on(backends());
    let config = Config {
        cases: 16,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let cases = (
        proptest::collection::vec(write(), 1..24),
        proptest::collection::vec(request(), 0..10),
    );
    let result = runner.run(&cases, |(writes, requests)| {
        runtime.block_on(async {
            for db in &dbs {
                check(&db.store, db.label, &writes, &requests).await?;
            }
            Ok(())
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

async fn check(
    store: &SqlStore,
    label: &str,
    writes: &[Write],
    requests: &[Request],
) -> Result<(), TestCaseError> {
    let tenants = BTreeMap::from([(Owner::A, tenant()), (Owner::B, tenant())]);
    // The model: latest version and snapshot per (owner, kind, id).
    let mut model: BTreeMap<(Owner, AggregateKind, u8), (u64, Snapshot)> = BTreeMap::new();
    // The tenant-facing events told: owner, session, id.
    let mut told: Vec<(Owner, u8, uuid::Uuid)> = Vec::new();
    for w in writes {
        let t = tenants[&w.owner];
        let stream = StreamId::new(w.kind, format!("agg-{}", w.id));
        let expected = model.get(&(w.owner, w.kind, w.id)).map_or(0, |(v, _)| *v);
        let mut write = append(&stream, expected, w.events, snapshot_of(w, t));
        for e in &mut write.events {
            e.payload = json!({ "tenant": t.to_string() });
        }
        // Each write tells its tenant one event of the write's session.
        let mut commit = commit_of(t, write);
        let event_id = uuid::Uuid::new_v4();
        commit.tenant_events.push(NewTenantEvent {
            id: event_id,
            event_type: "session.started",
            session_id: Some(format!("session-{}", w.session)),
            created_at: at(i64::from(w.created)),
            data: json!({ "tenant": t.to_string() }),
        });
        store
            .commit(commit)
            .await
            .map_err(|e| TestCaseError::fail(format!("{label}: commit: {e:?}")))?;
        told.push((w.owner, w.session, event_id));
        // A stream's flow, external reference, session and creation time are fixed by its first
        // write (the `Snapshot` contract); later writes keep them.
        let mut snapshot = snapshot_of(w, t);
        if let Some((v, first)) = model.get(&(w.owner, w.kind, w.id))
            && *v > 0
        {
            snapshot.flow_id.clone_from(&first.flow_id);
            snapshot.external_ref.clone_from(&first.external_ref);
            snapshot.session_id.clone_from(&first.session_id);
            snapshot.created_at = first.created_at;
        }
        model.insert((w.owner, w.kind, w.id), (expected + w.events, snapshot));
    }

    for (&owner, &t) in &tenants {
        let mine = json!({ "tenant": t.to_string() });
        for kind in [
            AggregateKind::Session,
            AggregateKind::Verification,
            AggregateKind::Trial,
        ] {
            for id in 0..3_u8 {
                let stream = StreamId::new(kind, format!("agg-{id}"));
                let loaded = store
                    .load(t, &stream)
                    .await
                    .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
                let expected = model.get(&(owner, kind, id));
                prop_assert_eq!(
                    loaded.as_ref().map(|l| (l.version, &l.snapshot)),
                    expected.map(|(v, s)| (*v, s)),
                    "{}",
                    label
                );
                let events = store
                    .events(t, &stream, 0, 100)
                    .await
                    .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
                prop_assert_eq!(
                    events.len() as u64,
                    expected.map_or(0, |(v, _)| *v),
                    "{}",
                    label
                );
                prop_assert!(
                    events.iter().all(|e| e.payload == mine),
                    "{}: another tenant's event",
                    label
                );
            }
            let filters = [
                ListQuery::default(),
                ListQuery {
                    status: Some("status-0".into()),
                    ..ListQuery::default()
                },
                ListQuery {
                    flow_id: Some("flow-1".into()),
                    ..ListQuery::default()
                },
                ListQuery {
                    phone: Some("+447700900000".into()),
                    ..ListQuery::default()
                },
                ListQuery {
                    external_ref: Some("ref-1".into()),
                    ..ListQuery::default()
                },
                ListQuery {
                    session_id: Some("session-1".into()),
                    ..ListQuery::default()
                },
            ];
            for filter in filters {
                let mut query = ListQuery {
                    limit: 2,
                    ..filter.clone()
                };
                let mut seen = 0;
                loop {
                    let page = store
                        .list(t, kind, &query)
                        .await
                        .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
                    prop_assert!(
                        page.items.iter().all(|l| l.snapshot.state == mine),
                        "{}: another tenant's row",
                        label
                    );
                    seen += page.items.len();
                    match page.next_cursor {
                        Some(c) => query.cursor = Some(c),
                        None => break,
                    }
                }
                let matches = |s: &Snapshot| {
                    filter.status.as_ref().is_none_or(|v| *v == s.status)
                        && filter
                            .flow_id
                            .as_ref()
                            .is_none_or(|v| s.flow_id.as_ref() == Some(v))
                        && filter
                            .phone
                            .as_ref()
                            .is_none_or(|v| s.phone.as_ref() == Some(v))
                        && filter
                            .external_ref
                            .as_ref()
                            .is_none_or(|v| s.external_ref.as_ref() == Some(v))
                        && filter
                            .session_id
                            .as_ref()
                            .is_none_or(|v| s.session_id.as_ref() == Some(v))
                };
                let expected = model
                    .iter()
                    .filter(|((o, k, _), (_, s))| *o == owner && *k == kind && matches(s))
                    .count();
                prop_assert_eq!(seen, expected, "{}: {:?}", label, filter);
            }
        }
    }

    // Tenant-facing events: each tenant lists and finds only its own.
    for (&owner, &t) in &tenants {
        let mine = json!({ "tenant": t.to_string() });
        for session in [None, Some(0_u8), Some(1)] {
            let mut query = TenantEventQuery {
                session_id: session.map(|s| format!("session-{s}")),
                ascending: true,
                limit: 3,
                ..TenantEventQuery::default()
            };
            let mut seen = Vec::new();
            loop {
                let page = store
                    .tenant_events(t, &query)
                    .await
                    .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
                prop_assert!(
                    page.iter().all(|e| e.data == mine),
                    "{}: another tenant's event",
                    label
                );
                let Some(last) = page.last() else { break };
                query.cursor = Some(last.sequence);
                seen.extend(page.iter().map(|e| e.id));
            }
            let expected: Vec<uuid::Uuid> = told
                .iter()
                .filter(|(o, s, _)| *o == owner && session.is_none_or(|x| x == *s))
                .map(|(_, _, id)| *id)
                .collect();
            prop_assert_eq!(seen, expected, "{}: session {:?}", label, session);
        }
        for (o, _, id) in &told {
            let found = store
                .tenant_event(t, *id)
                .await
                .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert_eq!(found.is_some(), *o == owner, "{}", label);
        }
    }

    // Idempotency keys: each tenant sees only its own history of a key.
    let mut keys: BTreeMap<(Owner, u8), (u8, bool)> = BTreeMap::new();
    for (n, r) in requests.iter().enumerate() {
        let t = tenants[&r.owner];
        let key = format!("key-{}", r.key);
        let fingerprint = format!("fp-{}", r.fingerprint);
        let body = t.to_string().into_bytes();
        let got = store
            .idempotency_entry(t, &key, at(0))
            .await
            .map_err(|e| TestCaseError::fail(format!("{e:?}")))?
            .map(|e| (e.fingerprint, e.answer));
        let expected = keys.get(&(r.owner, r.key)).map(|(fp, finished)| {
            let answer = finished.then(|| StoredResponse {
                status: 200,
                body: body.clone(),
            });
            (format!("fp-{fp}"), answer)
        });
        prop_assert_eq!(&got, &expected, "{}", label);
        if got.is_none() {
            keys.insert((r.owner, r.key), (r.fingerprint, r.finish));
            let mut commit = Commit::new(t);
            commit.idempotency = Some(IdempotencyRecord {
                key,
                fingerprint,
                holder: format!("attempt-{n}"),
                answer: r.finish.then_some(StoredResponse { status: 200, body }),
                secret_withheld: false,
                now: at(0),
                lease_until: at(3_600),
                expires_at: at(86_400),
            });
            store
                .commit(commit)
                .await
                .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        }
    }
    Ok(())
}
