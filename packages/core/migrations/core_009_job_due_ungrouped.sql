-- The polling claim takes due ungrouped jobs in run order beside the groups' heads (jobs/worker.ts
-- DUE_CANDIDATES). Grouped jobs are due at once when queued, so in `job_due` they come first: without this index a
-- claim would step over every queued grouped job to reach the ungrouped ones.
CREATE INDEX job_due_ungrouped ON job (run_at, id) WHERE status = 'pending' AND group_key IS NULL;
