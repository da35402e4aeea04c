-- What payments needs from outgoing webhooks (packages/core/src/webhooks owns these tables too):
-- endpoints named by the caller's key, so one URL can be registered more than once (one per secret); messages whose
-- body is the caller's bytes, with extra headers fixed when written; a de-duplication key and a subject per message;
-- and what the admin view's delivery statistics read.

-- A caller-chosen name for the endpoint (e.g. a hash of a merchant's URL and secret). Endpoints with a key may share
-- a URL; endpoints without one keep the old rule, one per URL, so a message can still name its target by URL.
ALTER TABLE webhook_endpoint ADD COLUMN key text UNIQUE;
ALTER TABLE webhook_endpoint DROP CONSTRAINT webhook_endpoint_url_key;
CREATE UNIQUE INDEX webhook_endpoint_url_unkeyed ON webhook_endpoint (url) WHERE key IS NULL;

-- Extra request headers, fixed when the message is written (a seed's X-Webhook-Event, X-Webhook-Timestamp and the
-- hex HMAC of the body in X-Webhook-Signature): name → value. Never a secret: a body signature is stored as the
-- signature, computed once from the caller's secret, which is not kept.
ALTER TABLE webhook_message ADD COLUMN headers jsonb NOT NULL DEFAULT '{}';
-- The caller's key for the event (unique per endpoint): the same event enqueued twice is one message.
ALTER TABLE webhook_message ADD COLUMN dedupe_key text;
CREATE UNIQUE INDEX webhook_message_dedupe ON webhook_message (endpoint_id, dedupe_key) WHERE dedupe_key IS NOT NULL;
-- What the message is about (`payment:A3F5D9E2B1C8`), so an operator lists and resends one thing's messages.
ALTER TABLE webhook_message ADD COLUMN subject text;
CREATE INDEX webhook_message_subject ON webhook_message (subject) WHERE subject IS NOT NULL;
-- Bulk resend and listing pick messages by creation time.
CREATE INDEX webhook_message_created ON webhook_message (created_at);
-- Delivery statistics read the attempts of a time window.
CREATE INDEX webhook_attempt_time ON webhook_attempt (attempted_at);
-- The backlog per endpoint (messages still being attempted) that the statistics show.
CREATE INDEX webhook_message_pending ON webhook_message (endpoint_id) WHERE status = 'pending';
