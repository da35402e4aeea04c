-- The job/outbox table every service shares: rows are written in the same transaction as the state change
-- they belong to, and claimed by workers with FOR UPDATE SKIP LOCKED.
CREATE TABLE job (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  payload jsonb NOT NULL DEFAULT '{}',
  -- A job with a key is enqueued once: a second enqueue with the same key is a no-op.
  dedupe_key text UNIQUE,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'dead')),
  -- '-infinity' = due at once. Enqueueing never reads a clock, so the worker's (injectable) clock alone decides
  -- when a job is due, and jobs due at once run in the order they were added.
  run_at timestamptz NOT NULL DEFAULT '-infinity',
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX job_due ON job (run_at) WHERE status = 'pending';
