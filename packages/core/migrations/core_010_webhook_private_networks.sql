-- Whether an endpoint's deliveries may connect to loopback, private and link-local addresses: the registration's
-- `allowPrivateNetworks`, kept so that the connection refuses a NAME resolving to such an address unless it was
-- allowed (the URL check at registration sees only the name; packages/core/src/webhooks/address-guard.ts).
ALTER TABLE webhook_endpoint ADD COLUMN allow_private_networks boolean NOT NULL DEFAULT false;

-- Endpoints registered before: one whose host is `localhost` or a private address written out could only have been
-- registered with the setting on, so it keeps it. Others start refused; `ensureWebhookEndpoint` sets the flag from
-- its caller's setting the next time the key is used (payments does so at start for its fiscal feed).
UPDATE webhook_endpoint SET allow_private_networks = true
WHERE url ~* '^https?://(localhost|127\.|10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|169\.254\.|0\.|\[(::1?|f[cd][0-9a-f]*:.*|fe[89ab][0-9a-f]*:.*)\])([:/?#]|$)';
