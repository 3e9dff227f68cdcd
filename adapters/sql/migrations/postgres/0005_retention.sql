-- Retention (issue 11, item 7): done jobs and stored webhooks are deleted by age, oldest first.
CREATE INDEX jobs_done ON jobs (done_at) WHERE done_at IS NOT NULL;
CREATE INDEX aggregates_by_kind_age ON aggregates (kind, created_at);
