-- Outbound webhooks (issue 12, item 2). Keep in step with
-- migrations/postgres/0015_webhook_deliveries.sql.
--
-- `webhook_endpoints` is the route of each endpoint (its aggregate's projection, written by the
-- commit with each change): which events it takes (`event_types` ",a,b," or NULL for all),
-- whether it is enabled, whether a session's events go in order. Booleans are 0 or 1.
CREATE TABLE webhook_endpoints (
    tenant_id   TEXT    NOT NULL,
    id          TEXT    NOT NULL,
    event_types TEXT,
    enabled     INTEGER NOT NULL,
    ordered     INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
) STRICT;

-- One message per (endpoint, event): `pending` (due at `next_attempt_at`, leased until
-- `locked_until` while an attempt runs), `delivered` or `failed` (given up: a dead letter).
CREATE TABLE webhook_messages (
    tenant_id       TEXT    NOT NULL,
    endpoint_id     TEXT    NOT NULL,
    event_seq       INTEGER NOT NULL,
    session_id      TEXT,
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    locked_until    INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (endpoint_id, event_seq)
) STRICT;

-- The claim scan.
CREATE INDEX webhook_messages_due ON webhook_messages (next_attempt_at) WHERE status = 'pending';
-- An endpoint's messages by status (the dead letters), newest first.
CREATE INDEX webhook_messages_by_endpoint ON webhook_messages (tenant_id, endpoint_id, status, event_seq);
-- An ordered endpoint's earlier pending message of a session.
CREATE INDEX webhook_messages_by_session ON webhook_messages (endpoint_id, session_id, event_seq)
    WHERE status = 'pending';
-- Retention.
CREATE INDEX webhook_messages_by_age ON webhook_messages (created_at);

-- Every attempt: what the endpoint answered, or why it did not.
CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id    TEXT    NOT NULL,
    endpoint_id  TEXT    NOT NULL,
    event_seq    INTEGER NOT NULL,
    attempt      INTEGER NOT NULL,
    attempted_at INTEGER NOT NULL,
    status_code  INTEGER,
    latency_ms   INTEGER NOT NULL,
    response     TEXT    NOT NULL,
    error        TEXT,
    outcome      TEXT    NOT NULL
) STRICT;

CREATE INDEX webhook_attempts_by_endpoint ON webhook_attempts (tenant_id, endpoint_id, id);

-- The fan-out: each tenant-facing event queues one message per enabled endpoint of its tenant
-- whose route takes it, in the transaction that writes the event (no event is lost between
-- its commit and its delivery). Due at once: at the event's time.
CREATE TRIGGER tenant_events_route AFTER INSERT ON tenant_events BEGIN
    INSERT INTO webhook_messages (tenant_id, endpoint_id, event_seq, session_id, status, attempts,
        next_attempt_at, created_at, updated_at)
    SELECT NEW.tenant_id, w.id, NEW.seq, NEW.session_id, 'pending', 0, NEW.created_at,
        NEW.created_at, NEW.created_at
    FROM webhook_endpoints w
    WHERE w.tenant_id = NEW.tenant_id AND w.enabled = 1
      AND (w.event_types IS NULL OR instr(w.event_types, ',' || NEW.event_type || ',') > 0);
END;
