-- Keyed jobs can be re-armed while they run (enqueueKeyed): the worker finishes a job only if no one re-armed it
-- meanwhile, which it tells by this counter.
ALTER TABLE job ADD COLUMN version integer NOT NULL DEFAULT 0;
