-- Tenant-facing events (issue 12, item 1): what a tenant is told about its journeys, written
-- in the same transaction as the change each reports. Keep in step with
-- migrations/sqlite/0011_tenant_events.sql.
--
-- `seq` orders the log (an identity: never reused, so a reader's cursor stays valid after
-- retention deletes the oldest rows). `data` is `json`, as the other documents nothing queries
-- inside (0012_compact_rows.sql).
CREATE TABLE tenant_events (
    seq        BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  uuid        NOT NULL,
    id         uuid        NOT NULL,
    event_type TEXT        NOT NULL,
    session_id TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    data       json        NOT NULL
);

-- A tenant's log, in order (the listing; a type or time filter walks it).
CREATE INDEX tenant_events_by_tenant ON tenant_events (tenant_id, seq);
-- One event by id (redelivery, the events API).
CREATE UNIQUE INDEX tenant_events_by_id ON tenant_events (id);
-- A session's events, in order.
CREATE INDEX tenant_events_by_session ON tenant_events (tenant_id, session_id, seq)
    WHERE session_id IS NOT NULL;

-- `onramp_commit` as in 0013_commit_function.sql, with the tenant-facing events: the document
-- gains "tenant_events": [{"id": uuid, "type", "session_id", "at": µs, "data"}], in order
-- (a document without it writes none). `onramp_commit_group` calls it by name: unchanged.
CREATE OR REPLACE FUNCTION onramp_commit(c json) RETURNS void
LANGUAGE plpgsql
AS $fn$
DECLARE
    -- Each level of the document is parsed once (`json_to_record`, `json_to_recordset`): an
    -- operator such as `->>` on `json` parses the whole text again on every use.
    v_commit   record;
    v_record   record;
    v_write    record;
    v_version  bigint;
    v_changed  bigint;
BEGIN
    SELECT * INTO v_commit FROM json_to_record(c) AS x(tenant uuid, now bigint, idempotency json,
        streams json, tenant_events json, cancel_timers json, jobs json, complete_job uuid);

    -- The request's record first: an attempt that lost the key to another stops before writing.
    IF json_typeof(v_commit.idempotency) = 'object' THEN
        SELECT * INTO v_record FROM json_to_record(v_commit.idempotency) AS x(key text,
            fingerprint text, holder text, status bigint, body text, encoding text,
            withheld bigint, lease_until bigint, expires_at bigint, now bigint);
        INSERT INTO idempotency_keys (tenant_id, request_key, fingerprint, holder, response_status,
            response_body, response_encoding, secret_withheld, lease_until, expires_at, created_at)
        VALUES (v_commit.tenant, v_record.key, v_record.fingerprint, v_record.holder,
            v_record.status, decode(v_record.body, 'hex'), v_record.encoding, v_record.withheld,
            onramp_micros(v_record.lease_until), onramp_micros(v_record.expires_at),
            onramp_micros(v_record.now))
        ON CONFLICT (tenant_id, request_key) DO UPDATE SET
            fingerprint = excluded.fingerprint, holder = excluded.holder,
            response_status = excluded.response_status, response_body = excluded.response_body,
            response_encoding = excluded.response_encoding,
            secret_withheld = excluded.secret_withheld, lease_until = excluded.lease_until,
            expires_at = excluded.expires_at, created_at = excluded.created_at
        WHERE idempotency_keys.holder = excluded.holder
           OR idempotency_keys.expires_at <= excluded.created_at
           OR (idempotency_keys.response_status IS NULL
               AND idempotency_keys.lease_until <= excluded.created_at
               AND idempotency_keys.fingerprint = excluded.fingerprint);
        GET DIAGNOSTICS v_changed = ROW_COUNT;
        IF v_changed <> 1 THEN
            RAISE EXCEPTION 'the idempotency key is held by another attempt' USING ERRCODE = 'ORC02';
        END IF;
    END IF;

    FOR v_write IN SELECT * FROM json_to_recordset(v_commit.streams) AS x(kind text, id text,
            expected bigint, status text, flow_id text, phone text, external_ref text,
            session_id text, created_at bigint, updated_at bigint, store_state boolean,
            state json, events json) LOOP
        v_version := v_write.expected + json_array_length(v_write.events);
        IF v_write.expected = 0 THEN
            -- Also accepts a version-0 row left by an event-less write.
            INSERT INTO aggregates (tenant_id, kind, id, version, status, flow_id, phone,
                external_ref, session_id, created_at, updated_at)
            VALUES (v_commit.tenant, v_write.kind, v_write.id, v_version, v_write.status,
                v_write.flow_id, v_write.phone, v_write.external_ref, v_write.session_id,
                onramp_micros(v_write.created_at), onramp_micros(v_write.updated_at))
            ON CONFLICT (tenant_id, kind, id) DO UPDATE SET
                version = excluded.version, status = excluded.status, flow_id = excluded.flow_id,
                phone = excluded.phone, external_ref = excluded.external_ref,
                session_id = excluded.session_id, created_at = excluded.created_at,
                updated_at = excluded.updated_at
            WHERE aggregates.version = 0;
        ELSE
            -- Flow, external reference, session and creation time never change after the first
            -- write: not rewritten, so the listing indexes on them are left alone.
            UPDATE aggregates SET version = v_version, status = v_write.status,
                phone = v_write.phone, updated_at = onramp_micros(v_write.updated_at)
            WHERE tenant_id = v_commit.tenant AND kind = v_write.kind AND id = v_write.id
              AND version = v_write.expected;
        END IF;
        GET DIAGNOSTICS v_changed = ROW_COUNT;
        IF v_changed <> 1 THEN
            RAISE EXCEPTION '% % (expected version %)', v_write.kind, v_write.id, v_write.expected
                USING ERRCODE = 'ORC01';
        END IF;
        IF v_write.store_state THEN
            INSERT INTO snapshots (tenant_id, kind, id, version, state)
            VALUES (v_commit.tenant, v_write.kind, v_write.id, v_version, v_write.state)
            ON CONFLICT (tenant_id, kind, id) DO UPDATE SET version = excluded.version, state = excluded.state;
        END IF;
        -- The row update above holds the stream; the events' primary key is the second guard.
        INSERT INTO events (tenant_id, stream_kind, stream_id, version, event_type, payload, recorded_at)
        SELECT v_commit.tenant, v_write.kind, v_write.id, v_write.expected + e.n, e.type,
            e.payload, onramp_micros(e.at)
        FROM ROWS FROM (json_to_recordset(v_write.events) AS (type text, payload json, at bigint))
            WITH ORDINALITY AS e(type, payload, at, n);
    END LOOP;

    -- The tenant-facing events, in the document's order: their sequence follows it.
    IF json_array_length(v_commit.tenant_events) > 0 THEN
        INSERT INTO tenant_events (tenant_id, id, event_type, session_id, created_at, data)
        SELECT v_commit.tenant, e.id, e.type, e.session_id, onramp_micros(e.at), e.data
        FROM ROWS FROM (json_to_recordset(v_commit.tenant_events) AS (id uuid, type text,
            session_id text, at bigint, data json)) WITH ORDINALITY AS e(id, type, session_id,
            at, data, n)
        ORDER BY e.n;
    END IF;

    -- Cancellations first: a commit that cancels a timer and schedules it anew keeps the new one.
    IF json_array_length(v_commit.cancel_timers) > 0 THEN
        DELETE FROM jobs
        WHERE tenant_id = v_commit.tenant AND done_at IS NULL AND dead_at IS NULL
          AND timer_key IN (SELECT json_array_elements_text(v_commit.cancel_timers));
    END IF;

    -- One at a time: a timer key scheduled twice in one commit keeps the later job.
    IF json_array_length(v_commit.jobs) > 0 THEN
        FOR v_write IN SELECT * FROM json_to_recordset(v_commit.jobs) AS x(id uuid, kind text,
                payload json, run_at bigint, timer_key text, max_attempts bigint) LOOP
            INSERT INTO jobs (id, tenant_id, kind, payload, run_at, timer_key, attempts, max_attempts)
            VALUES (v_write.id, v_commit.tenant, v_write.kind, v_write.payload,
                onramp_micros(v_write.run_at), v_write.timer_key, 0, v_write.max_attempts)
            ON CONFLICT (tenant_id, timer_key) WHERE done_at IS NULL AND dead_at IS NULL DO UPDATE SET
                id = excluded.id, kind = excluded.kind, payload = excluded.payload,
                run_at = excluded.run_at, attempts = 0, max_attempts = excluded.max_attempts,
                locked_until = NULL, last_error = NULL;
        END LOOP;
    END IF;

    -- A job no longer pending (replaced, cancelled or already completed) is left alone: the
    -- stream versions, not the job row, guard against recording an effect twice.
    IF v_commit.complete_job IS NOT NULL THEN
        UPDATE jobs SET done_at = onramp_micros(v_commit.now), locked_until = NULL
        WHERE tenant_id = v_commit.tenant AND id = v_commit.complete_job AND done_at IS NULL;
    END IF;
END
$fn$;
