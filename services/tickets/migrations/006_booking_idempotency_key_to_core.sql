-- Idempotency-Key of create booking moves to the shared idempotency_key table (core_004), which also tells a
-- retry from a key reused with another body. Keys still within their 24 h are carried over as answered
-- requests, so a retry that spans the upgrade still gets its booking instead of a second one. The fingerprint is
-- core's requestFingerprint('POST /api/bookings', {}, {}, { event_id }) written out in SQL: SHA-256 of the
-- JSON text ["POST /api/bookings",{},{},{"event_id":N}]; the scope is the plugin's 'user:<id>'.
INSERT INTO idempotency_key (scope, route, key, fingerprint, response_status, response_headers, response_body,
  created_at, expires_at)
SELECT 'user:' || user_id, 'POST /api/bookings', idempotency_key,
  encode(sha256(convert_to('["POST /api/bookings",{},{},{"event_id":' || event_id || '}]', 'UTF8')), 'hex'),
  201, '{"content-type": "application/json; charset=utf-8"}', '{"id":' || id || '}',
  created_at, created_at + interval '24 hours'
FROM booking
WHERE idempotency_key IS NOT NULL AND created_at > now() - interval '24 hours'
ON CONFLICT DO NOTHING;

DROP INDEX booking_idempotency;
ALTER TABLE booking DROP COLUMN idempotency_key;
