-- Idempotency-Key records of mutating requests (packages/core/src/idempotency.ts owns this table). One row per key
-- of one principal on one route: in flight (a lease, no answer yet) or done (the answer to replay). Times come from
-- the service's injectable clock, never now(), so tests can run leases and expiry out.
CREATE TABLE idempotency_key (
  -- Whose key it is ('user:42'): two principals never see each other's answers.
  scope text NOT NULL,
  -- 'POST /api/bookings': the same key on another route is another key.
  route text NOT NULL,
  key text NOT NULL,
  -- SHA-256 of the route, path parameters, query and canonical body: tells a retry from a reused key.
  fingerprint text NOT NULL,
  -- The in-flight marker: who holds the key and until when; both NULL once the answer is stored.
  lease_token text,
  locked_until timestamptz,
  response_status integer,
  response_headers jsonb,
  response_body text,
  created_at timestamptz NOT NULL,
  -- After this the key is forgotten: a request with it runs anew, and the cleanup deletes the row.
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (scope, route, key),
  CHECK ((response_status IS NULL) = (lease_token IS NOT NULL AND locked_until IS NOT NULL))
);
CREATE INDEX idempotency_key_expiry ON idempotency_key (expires_at);
