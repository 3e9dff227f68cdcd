-- Tenant-facing events (issue 12, item 1): what a tenant is told about its journeys, written
-- in the same transaction as the change each reports. Keep in step with
-- migrations/postgres/0014_tenant_events.sql.
--
-- `seq` orders the log: AUTOINCREMENT, so a sequence is never reused after retention deletes
-- the oldest rows (a reader's cursor stays valid). Times are unix microseconds, `data` JSON text.
CREATE TABLE tenant_events (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    event_type TEXT    NOT NULL,
    session_id TEXT,
    created_at INTEGER NOT NULL,
    data       TEXT    NOT NULL
) STRICT;

-- A tenant's log, in order (the listing; a type or time filter walks it).
CREATE INDEX tenant_events_by_tenant ON tenant_events (tenant_id, seq);
-- One event by id (redelivery, the events API).
CREATE UNIQUE INDEX tenant_events_by_id ON tenant_events (id);
-- A session's events, in order.
CREATE INDEX tenant_events_by_session ON tenant_events (tenant_id, session_id, seq)
    WHERE session_id IS NOT NULL;
