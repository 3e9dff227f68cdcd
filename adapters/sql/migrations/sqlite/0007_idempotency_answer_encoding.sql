-- Stored answers are deflated (issue 11, item 4: bytes per journey). `response_encoding` says how
-- `response_body` is stored: NULL as sent, 'zlib' deflated in the zlib format (RFC 1950).
-- Records written before this migration keep NULL and read back as they are.
ALTER TABLE idempotency_keys ADD COLUMN response_encoding TEXT;
