-- A payment's id is the orderId of the buyer's return URLs (the contract types it int64). It is drawn at random
-- from [2^52, 2^53) instead of a sequence, so that it can neither be guessed nor tell how many payments there were.
ALTER TABLE payment ALTER COLUMN id DROP DEFAULT;

-- Amounts initiated at the payment gateway, one row per gateway order. The gateway counts every started amount
-- against the team's limit per UTC day and is not reset with us, so this ledger lives apart from the payments that
-- POST /api/reset truncates: the remaining daily budget is the limit minus the sum of today's rows.
CREATE TABLE gateway_initiation (
  gateway_order_id text PRIMARY KEY,
  amount bigint NOT NULL CHECK (amount > 0), -- tiyn
  initiated_at timestamptz NOT NULL
);
CREATE INDEX gateway_initiation_day ON gateway_initiation (initiated_at);
