-- Ordered groups (src/jobs/README.md): a job may belong to a group, a queue of its own (one per cashbox, one per
-- payment). Only the group's earliest unfinished job may run, so its jobs run one at a time and in order; a dead job
-- stops its group until an operator retries or discards it.
ALTER TABLE job ADD COLUMN group_key text;
-- The job's place in its group, from one sequence. Enqueues into a group take its lock (locks.ts `jobGroup`) until
-- they commit, so places follow commit order: whoever sees a job of the group sees every job placed before it.
CREATE SEQUENCE job_group_position;
ALTER TABLE job ADD COLUMN group_position bigint;
ALTER TABLE job ADD CONSTRAINT job_group_placed CHECK ((group_key IS NULL) = (group_position IS NULL));
-- A discarded job is a dead job an operator gave up on: kept for the record, it no longer stops its group.
ALTER TABLE job DROP CONSTRAINT job_status_check;
ALTER TABLE job ADD CONSTRAINT job_status_check CHECK (status IN ('pending', 'done', 'dead', 'discarded'));
-- The claim asks, for each grouped candidate, whether an earlier job of its group is still unfinished.
CREATE INDEX job_group_unfinished ON job (group_key, group_position)
  WHERE group_key IS NOT NULL AND status IN ('pending', 'dead');

-- One row per run of a job: written when a worker claims it, completed when the run ends. A row with no outcome is a
-- run in progress, or one whose worker died. No foreign key: a reset empties job with TRUNCATE, which a referencing
-- table would refuse, and clearing jobs removes their attempts in the same statement (jobs/admin.ts).
CREATE TABLE job_attempt (
  id bigserial PRIMARY KEY,
  job_id bigint NOT NULL,
  -- The job's attempt counter for this run: 1 for the first try, 2 for the first retry; a RetryLater wait does
  -- not count, so a job that waited and ran again shows the same number twice.
  attempt integer NOT NULL,
  worker_id text,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  -- done: the handler finished; failed: it threw and the job will retry; dead: it threw with no retry left;
  -- waiting: it asked to run again later (RetryLater), using no retry.
  outcome text CHECK (outcome IN ('done', 'failed', 'dead', 'waiting')),
  -- The error's message, cut to 2 000 characters.
  error text,
  CHECK ((outcome IS NULL) = (finished_at IS NULL))
);
CREATE INDEX job_attempt_job ON job_attempt (job_id);
