-- Bytes stored per journey (issue 11, item 4; measured by bench/storage.sh).
--
-- The listing indexes of `aggregates` were declared newest first (created_at DESC, id DESC):
-- every new row went to the index's left edge, where each page split leaves two half-full pages.
-- In ascending order new rows append at the right edge, where B-tree splits leave full pages;
-- listings, newest first, scan the same index backwards. The indexes of optional columns (flow,
-- phone, the tenant's reference, the session) only hold the rows that have one: a listing
-- filters on `col = value`, which implies `col IS NOT NULL`, so the planner still uses them.
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

-- A step updates its projection row in place. With room left on each page the new version stays
-- on the same page (a heap-only tuple) and the indexes, whose columns rarely change, get no new
-- entries; vacuum's page pruning then reclaims the old version without a full vacuum.
ALTER TABLE aggregates SET (fillfactor = 70);
