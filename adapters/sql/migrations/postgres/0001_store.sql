-- Onramp store, PostgreSQL flavour. Keep in step with migrations/sqlite/0001_store.sql: the
-- queries in src/ops are shared by both engines.
--
-- Conventions: ids are TEXT (hyphenated UUIDs; aggregate ids may also be E.164 numbers) with the
-- "C" collation where they order listings, so both engines sort them bytewise; timestamps are
-- TIMESTAMPTZ (microseconds); JSON is JSONB. Every table carries tenant_id.

CREATE TABLE tenants (
    id           TEXT        NOT NULL PRIMARY KEY,
    name         TEXT        NOT NULL,
    api_key_hash TEXT        NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL
);

-- Append-only: the audit log. The primary key is the optimistic-concurrency guard.
CREATE TABLE events (
    tenant_id   TEXT        NOT NULL,
    stream_kind TEXT        NOT NULL,
    stream_id   TEXT        NOT NULL,
    version     BIGINT      NOT NULL CHECK (version >= 1),
    event_type  TEXT        NOT NULL,
    payload     JSONB       NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, stream_kind, stream_id, version)
);

-- One projection row per aggregate, written in the same transaction as its events.
CREATE TABLE aggregates (
    tenant_id    TEXT        NOT NULL,
    kind         TEXT        NOT NULL,
    id           TEXT        COLLATE "C" NOT NULL,
    version      BIGINT      NOT NULL CHECK (version >= 0),
    status       TEXT        NOT NULL,
    flow_id      TEXT,
    phone        TEXT,
    external_ref TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    state        JSONB       NOT NULL,
    PRIMARY KEY (tenant_id, kind, id)
);

CREATE INDEX aggregates_newest       ON aggregates (tenant_id, kind, created_at DESC, id DESC);
CREATE INDEX aggregates_by_status    ON aggregates (tenant_id, kind, status, created_at DESC, id DESC);
CREATE INDEX aggregates_by_flow      ON aggregates (tenant_id, kind, flow_id, created_at DESC, id DESC);
CREATE INDEX aggregates_by_phone     ON aggregates (tenant_id, kind, phone, created_at DESC, id DESC);
CREATE INDEX aggregates_by_reference ON aggregates (tenant_id, kind, external_ref, created_at DESC, id DESC);

-- The outbox and timers. Pending = done_at IS NULL AND dead_at IS NULL.
CREATE TABLE jobs (
    id           TEXT        NOT NULL PRIMARY KEY,
    tenant_id    TEXT        NOT NULL,
    kind         TEXT        NOT NULL,
    payload      JSONB       NOT NULL,
    run_at       TIMESTAMPTZ NOT NULL,
    timer_key    TEXT,
    attempts     BIGINT      NOT NULL DEFAULT 0,
    max_attempts BIGINT      NOT NULL,
    locked_until TIMESTAMPTZ,
    last_error   TEXT,
    done_at      TIMESTAMPTZ,
    dead_at      TIMESTAMPTZ
);

-- At most one pending timer per (tenant, key); also serves cancellation.
CREATE UNIQUE INDEX jobs_pending_timer ON jobs (tenant_id, timer_key)
    WHERE done_at IS NULL AND dead_at IS NULL;
-- The claim scan.
CREATE INDEX jobs_due ON jobs (run_at)
    WHERE done_at IS NULL AND dead_at IS NULL;

CREATE TABLE idempotency_keys (
    tenant_id       TEXT        NOT NULL,
    request_key     TEXT        NOT NULL,
    fingerprint     TEXT        NOT NULL,
    status          TEXT        NOT NULL CHECK (status IN ('in_progress', 'done')),
    response_status BIGINT,
    response_body   BYTEA,
    locked_until    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, request_key)
);
