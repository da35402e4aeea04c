-- Reset erases bookings and payments (the HackLoad harness calls it every 15 minutes), but never the record of money
-- that moved: a payment that held, took or gave back a buyer's money is copied here, with its booking, before the
-- tables are emptied. Payment ids are never reused (sequences survive reset), so the id is the key.
CREATE TABLE payment_archive (
  payment_id bigint PRIMARY KEY,
  booking_id bigint NOT NULL,
  user_id bigint NOT NULL,
  event_id bigint NOT NULL,
  booking_status text NOT NULL,
  seat_ids bigint[] NOT NULL,
  amount bigint NOT NULL, -- tiyn
  status text NOT NULL,
  gateway text NOT NULL,
  gateway_order_id text NOT NULL,
  gateway_payment_id text,
  created_at timestamptz NOT NULL,
  archived_at timestamptz NOT NULL
);
