-- Onramp store, SQLite flavour. Keep in step with migrations/postgres/0001_store.sql: the queries
-- in src/ops are shared by both engines.
--
-- Conventions: ids are TEXT (hyphenated UUIDs; aggregate ids may also be E.164 numbers),
-- timestamps are INTEGER unix microseconds UTC (they sort like the instants they encode),
-- JSON is TEXT. Every table carries tenant_id.

CREATE TABLE tenants (
    id           TEXT    NOT NULL PRIMARY KEY,
    name         TEXT    NOT NULL,
    api_key_hash TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL
) STRICT;

-- Append-only: the audit log. The primary key is the optimistic-concurrency guard.
CREATE TABLE events (
    tenant_id   TEXT    NOT NULL,
    stream_kind TEXT    NOT NULL,
    stream_id   TEXT    NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    event_type  TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, stream_kind, stream_id, version)
) STRICT;

-- One projection row per aggregate, written in the same transaction as its events.
CREATE TABLE aggregates (
    tenant_id    TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    version      INTEGER NOT NULL CHECK (version >= 0),
    status       TEXT    NOT NULL,
    flow_id      TEXT,
    phone        TEXT,
    external_ref TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    state        TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, kind, id)
) STRICT;

CREATE INDEX aggregates_newest       ON aggregates (tenant_id, kind, created_at DESC, id DESC);
CREATE INDEX aggregates_by_status    ON aggregates (tenant_id, kind, status, created_at DESC, id DESC);
CREATE INDEX aggregates_by_flow      ON aggregates (tenant_id, kind, flow_id, created_at DESC, id DESC);
CREATE INDEX aggregates_by_phone     ON aggregates (tenant_id, kind, phone, created_at DESC, id DESC);
CREATE INDEX aggregates_by_reference ON aggregates (tenant_id, kind, external_ref, created_at DESC, id DESC);

-- The outbox and timers. Pending = done_at IS NULL AND dead_at IS NULL.
CREATE TABLE jobs (
    id           TEXT    NOT NULL PRIMARY KEY,
    tenant_id    TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    run_at       INTEGER NOT NULL,
    timer_key    TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    locked_until INTEGER,
    last_error   TEXT,
    done_at      INTEGER,
    dead_at      INTEGER
) STRICT;

-- At most one pending timer per (tenant, key); also serves cancellation.
CREATE UNIQUE INDEX jobs_pending_timer ON jobs (tenant_id, timer_key)
    WHERE done_at IS NULL AND dead_at IS NULL;
-- The claim scan.
CREATE INDEX jobs_due ON jobs (run_at)
    WHERE done_at IS NULL AND dead_at IS NULL;

CREATE TABLE idempotency_keys (
    tenant_id       TEXT    NOT NULL,
    request_key     TEXT    NOT NULL,
    fingerprint     TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('in_progress', 'done')),
    response_status INTEGER,
    response_body   BLOB,
    locked_until    INTEGER,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, request_key)
) STRICT;
