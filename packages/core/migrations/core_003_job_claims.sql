-- Who holds a running job's lease. A worker that restarts under the same identity takes back, at once, the jobs its
-- previous incarnation held when it died, instead of leaving them hidden until their lease runs out. NULL whenever
-- the job is not running (waiting, retrying, finished).
ALTER TABLE job ADD COLUMN claimed_by text;
-- Dead jobs are few and are counted on every metrics scrape.
CREATE INDEX job_dead ON job (kind) WHERE status = 'dead';
