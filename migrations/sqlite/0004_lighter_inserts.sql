-- Retention looks only at finished jobs: a partial index holds just those, so that recording
-- a new delivery no longer writes to it.
DROP INDEX jobs_finished;
CREATE INDEX jobs_finished ON jobs (updated_at) WHERE state IN ('done', 'failed');
