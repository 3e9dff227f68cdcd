-- Bytes stored per journey (issue 11, item 4; measured by bench/storage.sh).
--
-- The listing indexes of `aggregates` were declared newest first (created_at DESC, id DESC):
-- every new row went to the index's left edge, where each page split leaves two half-full pages.
-- In ascending order new rows append at the right edge and pages fill; listings, newest first,
-- scan the same index backwards. The indexes of optional columns (flow, phone, the tenant's
-- reference, the session) only hold the rows that have one: a listing filters on `col = value`,
-- which implies `col IS NOT NULL`, so both engines still use them.
DROP INDEX aggregates_newest;
DROP INDEX aggregates_by_status;
DROP INDEX aggregates_by_flow;
DROP INDEX aggregates_by_phone;
DROP INDEX aggregates_by_reference;
DROP INDEX aggregates_by_session;
CREATE INDEX aggregates_newest       ON aggregates (tenant_id, kind, created_at, id);
CREATE INDEX aggregates_by_status    ON aggregates (tenant_id, kind, status, created_at, id);
CREATE INDEX aggregates_by_flow      ON aggregates (tenant_id, kind, flow_id, created_at, id)
    WHERE flow_id IS NOT NULL;
CREATE INDEX aggregates_by_phone     ON aggregates (tenant_id, kind, phone, created_at, id)
    WHERE phone IS NOT NULL;
CREATE INDEX aggregates_by_reference ON aggregates (tenant_id, kind, external_ref, created_at, id)
    WHERE external_ref IS NOT NULL;
CREATE INDEX aggregates_by_session   ON aggregates (tenant_id, kind, session_id, created_at, id)
    WHERE session_id IS NOT NULL;

-- Events are only ever read by their primary key: clustered on it (WITHOUT ROWID) the table is
-- its own index, where it was a rowid table plus a second B-tree repeating every key.
CREATE TABLE events_by_stream (
    tenant_id   TEXT    NOT NULL,
    stream_kind TEXT    NOT NULL,
    stream_id   TEXT    NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    event_type  TEXT    NOT NULL,
    payload     TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, stream_kind, stream_id, version)
) STRICT, WITHOUT ROWID;
INSERT INTO events_by_stream (tenant_id, stream_kind, stream_id, version, event_type, payload, recorded_at)
    SELECT tenant_id, stream_kind, stream_id, version, event_type, payload, recorded_at FROM events;
DROP TABLE events;
ALTER TABLE events_by_stream RENAME TO events;
