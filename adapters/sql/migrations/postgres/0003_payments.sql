-- Trials, orders and customer accounts belong to an onboarding session: list them by it
-- (ListQuery::session_id). Like flow_id and external_ref, the column is fixed by a stream's
-- first write. Keep in step with migrations/sqlite/0003_payments.sql.
ALTER TABLE aggregates ADD COLUMN session_id TEXT;
CREATE INDEX aggregates_by_session ON aggregates (tenant_id, kind, session_id, created_at DESC, id DESC);
