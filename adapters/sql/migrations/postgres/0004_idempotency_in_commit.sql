-- Idempotency records are written by the commit of the request's effects (issue 11, item 2):
-- no separate in-progress row, a holder per attempt, a short lease for a request that committed
-- and has not answered yet, and an expiry (24 hours). Records of the old shape expire within a
-- day anyway; they are dropped with the old table.
DROP TABLE idempotency_keys;

CREATE TABLE idempotency_keys (
    tenant_id       TEXT    NOT NULL,
    request_key     TEXT    NOT NULL,
    fingerprint     TEXT    NOT NULL,
    holder          TEXT    NOT NULL,
    response_status BIGINT,
    response_body   BYTEA,
    secret_withheld BIGINT      NOT NULL DEFAULT 0,
    lease_until     TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, request_key)
);

CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
