-- Outbound webhooks (issue 12, item 2). Keep in step with
-- migrations/sqlite/0012_webhook_deliveries.sql (see it for what each table holds).
-- Booleans are 0 or 1, as on SQLite, so the statements are shared.
CREATE TABLE webhook_endpoints (
    tenant_id   uuid   NOT NULL,
    id          uuid   NOT NULL,
    event_types TEXT,
    enabled     BIGINT NOT NULL,
    ordered     BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE webhook_messages (
    tenant_id       uuid        NOT NULL,
    endpoint_id     uuid        NOT NULL,
    event_seq       BIGINT      NOT NULL,
    session_id      TEXT,
    status          TEXT        NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        BIGINT      NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    locked_until    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (endpoint_id, event_seq)
);

CREATE INDEX webhook_messages_due ON webhook_messages (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_messages_by_endpoint ON webhook_messages (tenant_id, endpoint_id, status, event_seq);
CREATE INDEX webhook_messages_by_session ON webhook_messages (endpoint_id, session_id, event_seq)
    WHERE status = 'pending';
CREATE INDEX webhook_messages_by_age ON webhook_messages (created_at);

CREATE TABLE webhook_attempts (
    id           BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    uuid        NOT NULL,
    endpoint_id  uuid        NOT NULL,
    event_seq    BIGINT      NOT NULL,
    attempt      BIGINT      NOT NULL,
    attempted_at TIMESTAMPTZ NOT NULL,
    status_code  BIGINT,
    latency_ms   BIGINT      NOT NULL,
    response     TEXT        NOT NULL,
    error        TEXT,
    outcome      TEXT        NOT NULL
);

CREATE INDEX webhook_attempts_by_endpoint ON webhook_attempts (tenant_id, endpoint_id, id);

-- The fan-out, once per statement that writes tenant-facing events (`onramp_commit`'s one
-- insert, or the statements of a transaction's commit), over the rows it wrote.
CREATE FUNCTION onramp_route_tenant_events() RETURNS trigger
LANGUAGE plpgsql
AS $fn$
BEGIN
    INSERT INTO webhook_messages (tenant_id, endpoint_id, event_seq, session_id, status, attempts,
        next_attempt_at, created_at, updated_at)
    SELECT e.tenant_id, w.id, e.seq, e.session_id, 'pending', 0, e.created_at, e.created_at,
        e.created_at
    FROM written e JOIN webhook_endpoints w ON w.tenant_id = e.tenant_id
    WHERE w.enabled = 1
      AND (w.event_types IS NULL OR strpos(w.event_types, ',' || e.event_type || ',') > 0);
    RETURN NULL;
END
$fn$;

CREATE TRIGGER tenant_events_route AFTER INSERT ON tenant_events
    REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION onramp_route_tenant_events();
