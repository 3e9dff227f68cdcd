-- A step appends its events and updates a few columns; the whole state is stored every few
-- events, not on every write (issue 11, item 4: storage grows with what happened, not with
-- the session's size). The state moves out of `aggregates` into a table of its own, written
-- when a write crosses a multiple of the aggregate's snapshot interval (16 for sessions,
-- verifications, stored webhooks and provider references, 1 for the rest: every write). A
-- read takes the stored state, or the initial one where none is stored, and folds the events
-- after `snapshots.version`. In its own table, a row update no longer copies the state: on
-- PostgreSQL every update writes a whole new row version, and the state was most of it.
CREATE TABLE snapshots (
    tenant_id TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    id        TEXT    COLLATE "C" NOT NULL,
    version   BIGINT  NOT NULL CHECK (version >= 0),
    state     JSONB   NOT NULL,
    PRIMARY KEY (tenant_id, kind, id)
);
INSERT INTO snapshots (tenant_id, kind, id, version, state)
    SELECT tenant_id, kind, id, version, state FROM aggregates;
ALTER TABLE aggregates DROP COLUMN state;
