-- Bytes stored per journey (issue 11, item 4). The tenant id is in every row and every index
-- entry of the tables a journey writes; as TEXT it took 37 bytes, as UUID it takes 16. Tenant
-- ids are UUIDs (the API makes them), so every stored one converts. The store binds and reads
-- them through `DbTenant` (src/tenant_column.rs). SQLite keeps TEXT.
ALTER TABLE aggregates       ALTER COLUMN tenant_id TYPE uuid USING tenant_id::uuid;
ALTER TABLE snapshots        ALTER COLUMN tenant_id TYPE uuid USING tenant_id::uuid;
ALTER TABLE events           ALTER COLUMN tenant_id TYPE uuid USING tenant_id::uuid;
ALTER TABLE jobs             ALTER COLUMN tenant_id TYPE uuid USING tenant_id::uuid;
ALTER TABLE idempotency_keys ALTER COLUMN tenant_id TYPE uuid USING tenant_id::uuid;
