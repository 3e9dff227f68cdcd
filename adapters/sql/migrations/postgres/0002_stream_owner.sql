-- Finds the tenant owning a stream whose id is unique world-wide (a provider's reference of a
-- delivery), to route webhooks that arrive on shared credentials (EventStore::stream_owner).
CREATE INDEX aggregates_by_id ON aggregates (kind, id);
