//! A session's whole audit trail: its own events and those of its phone verifications (each
//! provider call, failover, circuit breaker trip and fallback with its reason; issue 3).

use crate::ids::{SessionId, TenantId};
use crate::ports::{AggregateKind, ListQuery, StoredEvent, StreamId};

use super::sessions::session_stream;
use super::{SessionService, SessionServiceError};

/// Most events read per stream for one audit trail.
const MAX_EVENTS_PER_STREAM: u32 = 1000;

impl SessionService {
    /// The session's events and its verifications' events, in the order they were recorded.
    /// Payload fields holding ciphertext (`sealed_code`) are left out.
    ///
    /// # Errors
    /// [`CoreError::SessionNotFound`](crate::app::CoreError::SessionNotFound) (also for another tenant's session).
    pub async fn session_audit(
        &self,
        tenant: TenantId,
        id: SessionId,
    ) -> Result<Vec<StoredEvent>, SessionServiceError> {
        self.core.load_session(tenant, id).await?;
        let mut streams = vec![session_stream(id)];
        let mut cursor = None;
        loop {
            let page = self
                .core
                .store
                .list(
                    tenant,
                    AggregateKind::Verification,
                    &ListQuery {
                        external_ref: Some(id.to_string()),
                        limit: 100,
                        cursor: cursor.clone(),
                        ..ListQuery::default()
                    },
                )
                .await?;
            streams.extend(
                page.items
                    .iter()
                    .map(|l| StreamId::new(AggregateKind::Verification, &l.stream.id)),
            );
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        let mut trail = Vec::new();
        for stream in &streams {
            trail.extend(
                self.core
                    .store
                    .events(tenant, stream, 0, MAX_EVENTS_PER_STREAM)
                    .await?,
            );
        }
        trail.sort_by_key(|e| e.recorded_at);
        for e in &mut trail {
            if let Some(o) = e.payload.as_object_mut() {
                o.remove("sealed_code");
            }
        }
        Ok(trail)
    }
}
