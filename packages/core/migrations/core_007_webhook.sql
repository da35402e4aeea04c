-- Outgoing webhooks (packages/core/src/webhooks owns these tables): endpoints with their signing secrets, the
-- messages written in the caller's transaction (the outbox; a `webhook.deliver` job carries each one), and one row
-- per delivery attempt. Times come from the service's injectable clock, never now(), so tests can move time.
CREATE TABLE webhook_endpoint (
  id bigserial PRIMARY KEY,
  -- One endpoint per URL, so a message can name its target by URL as well as by id.
  url text NOT NULL UNIQUE,
  description text NOT NULL DEFAULT '',
  -- Set when the endpoint is disabled (it answered 410 Gone, or an operator said so): it gets no more attempts,
  -- its messages go dead at once and can be resent once it is enabled again.
  disabled_reason text,
  disabled_at timestamptz,
  created_at timestamptz NOT NULL,
  CHECK ((disabled_reason IS NULL) = (disabled_at IS NULL))
);

CREATE TABLE webhook_endpoint_secret (
  id bigserial PRIMARY KEY,
  endpoint_id bigint NOT NULL REFERENCES webhook_endpoint (id) ON DELETE CASCADE,
  -- `whsec_<base64>`; the receiver holds the same text.
  secret text NOT NULL,
  created_at timestamptz NOT NULL,
  -- NULL while current. A rotated-out secret still signs until then (its grace period), beside the new one, so the
  -- receiver can switch at any moment within it.
  expires_at timestamptz
);
CREATE INDEX webhook_endpoint_secret_endpoint ON webhook_endpoint_secret (endpoint_id);

CREATE TABLE webhook_message (
  id bigserial PRIMARY KEY,
  -- Sent as `webhook-id`, the same on every attempt and resend: the receiver's de-duplication key.
  public_id text NOT NULL UNIQUE,
  endpoint_id bigint NOT NULL REFERENCES webhook_endpoint (id) ON DELETE CASCADE,
  event_type text NOT NULL,
  -- The exact JSON text sent, fixed when written, so every attempt sends (and signs) the same bytes.
  body text NOT NULL,
  -- pending: attempts go on; delivered: a 2xx came; dead: out of attempts, or the endpoint is disabled.
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
  last_error text,
  created_at timestamptz NOT NULL,
  finished_at timestamptz,
  CHECK ((status = 'pending') = (finished_at IS NULL))
);
-- purgeDeliveredWebhooks walks delivered messages by age; dead letters are listed per endpoint.
CREATE INDEX webhook_message_delivered ON webhook_message (finished_at) WHERE status = 'delivered';
CREATE INDEX webhook_message_dead ON webhook_message (endpoint_id) WHERE status = 'dead';

CREATE TABLE webhook_attempt (
  id bigserial PRIMARY KEY,
  message_id bigint NOT NULL REFERENCES webhook_message (id) ON DELETE CASCADE,
  attempted_at timestamptz NOT NULL,
  -- The HTTP status answered; NULL when no answer came (refused connection, timeout: see error).
  response_status integer,
  error text,
  latency_ms integer NOT NULL,
  -- The start of the answer (at most 1 KB), enough to see why a receiver refused.
  response_body text
);
CREATE INDEX webhook_attempt_message ON webhook_attempt (message_id);
