-- Bytes stored per journey (issue 11, item 4). Half of a journey's projection rows are read by
-- id only, never listed (its phone quota, its delivery's provider reference), yet every
-- listing index held them. Each index now holds the kinds that use it, its condition written
-- word for word as the store's queries add it (ops/reads.rs `kind_in`), so that both engines
-- see that a query implies it:
-- - the listing indexes: the kinds the application lists (AggregateKind::LISTED);
-- - the owner lookup across tenants: the kinds routed by id (AggregateKind::ROUTED);
-- - the age index: stored webhooks, the only kind retention deletes by age.
-- Listing another kind, or looking up another kind's owner, stays correct, without an index.
DROP INDEX aggregates_newest;
DROP INDEX aggregates_by_status;
DROP INDEX aggregates_by_flow;
DROP INDEX aggregates_by_phone;
DROP INDEX aggregates_by_reference;
DROP INDEX aggregates_by_session;
DROP INDEX aggregates_by_id;
DROP INDEX aggregates_by_kind_age;
CREATE INDEX aggregates_newest       ON aggregates (tenant_id, kind, created_at, id)
    WHERE kind IN ('session', 'verification', 'integration', 'webhook_event', 'trial', 'customer', 'waba_account');
CREATE INDEX aggregates_by_status    ON aggregates (tenant_id, kind, status, created_at, id)
    WHERE kind IN ('session', 'verification', 'integration', 'webhook_event', 'trial', 'customer', 'waba_account');
CREATE INDEX aggregates_by_flow      ON aggregates (tenant_id, kind, flow_id, created_at, id)
    WHERE flow_id IS NOT NULL
      AND kind IN ('session', 'verification', 'integration', 'webhook_event', 'trial', 'customer', 'waba_account');
CREATE INDEX aggregates_by_phone     ON aggregates (tenant_id, kind, phone, created_at, id)
    WHERE phone IS NOT NULL
      AND kind IN ('session', 'verification', 'integration', 'webhook_event', 'trial', 'customer', 'waba_account');
CREATE INDEX aggregates_by_reference ON aggregates (tenant_id, kind, external_ref, created_at, id)
    WHERE external_ref IS NOT NULL
      AND kind IN ('session', 'verification', 'integration', 'webhook_event', 'trial', 'customer', 'waba_account');
CREATE INDEX aggregates_by_session   ON aggregates (tenant_id, kind, session_id, created_at, id)
    WHERE session_id IS NOT NULL
      AND kind IN ('session', 'verification', 'integration', 'webhook_event', 'trial', 'customer', 'waba_account');
CREATE INDEX aggregates_by_id        ON aggregates (kind, id)
    WHERE kind IN ('provider_ref', 'session_token', 'whatsapp_ref', 'payment_ref');
CREATE INDEX aggregates_webhooks_by_age ON aggregates (created_at, tenant_id, id)
    WHERE kind = 'webhook_event';
