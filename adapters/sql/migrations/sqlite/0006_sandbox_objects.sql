-- The sandbox's simulated provider objects (issue 11, item 8): PayPal orders, Stripe customers,
-- payment methods, authorizations and subscriptions, BSP senders, Embedded Signup codes, and the
-- providers' idempotency-key answers. Kept here rather than in the server's memory, so that the
-- orders, trials and accounts that name them still find them after a restart or on another
-- replica. A document per (tenant, kind, id); `version` is the compare-and-set guard of every
-- change; `seq` keeps the order of insertion for listings. Keep in step with
-- migrations/postgres/0006_sandbox_objects.sql.
CREATE TABLE sandbox_objects (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    id        TEXT    NOT NULL,
    version   INTEGER NOT NULL CHECK (version >= 1),
    value     TEXT    NOT NULL,
    UNIQUE (tenant_id, kind, id)
) STRICT;

CREATE INDEX sandbox_objects_in_order ON sandbox_objects (tenant_id, kind, seq);
