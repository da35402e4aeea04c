-- Event 1's places live at the external Event Provider: each local seat keeps the provider's place id.
ALTER TABLE seat ADD COLUMN external_id uuid UNIQUE;

-- A claim without a booking is a seat taken outside Biletter: sold at the provider before our last reset (the
-- provider is never reset), or a refunded event-1 ticket that a CONFIRMED provider order can never give back.
-- It is not FREE and cannot be selected or released.
ALTER TABLE seat_claim ALTER COLUMN booking_id DROP NOT NULL;

-- AUTHORIZED: the gateway holds the buyer's money; we capture only after the tickets are secured.
ALTER TABLE payment DROP CONSTRAINT payment_status_check;
ALTER TABLE payment ADD CONSTRAINT payment_status_check
  CHECK (status IN ('INITIATED', 'AUTHORIZED', 'PAID', 'FAILED', 'CANCELLED', 'REFUND_PENDING', 'REFUNDED'));
-- The order id the gateway sees. Gateways keep order ids unique per merchant forever, beyond our resets and
-- databases, so it is the payment id plus a random suffix, fixed at insert so that a retried init repeats it.
ALTER TABLE payment ADD COLUMN gateway_order_id text UNIQUE;
UPDATE payment SET gateway_order_id = id::text WHERE gateway_order_id IS NULL;
ALTER TABLE payment ALTER COLUMN gateway_order_id SET NOT NULL;

-- The provider leg of a booking (one provider order per booking). No foreign key to booking on purpose: reset
-- truncates bookings, but the provider is never reset, so orders still open there must be followed to the end.
CREATE TABLE provider_order (
  booking_id bigint PRIMARY KEY,
  order_id uuid NOT NULL UNIQUE,
  status text NOT NULL CHECK (status IN ('STARTED', 'SUBMITTED', 'CONFIRMED', 'CANCELLED')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX provider_order_open ON provider_order (booking_id) WHERE status IN ('STARTED', 'SUBMITTED');

-- Places the provider confirmed (204) as selected into a booking's order.
CREATE TABLE provider_selection (
  booking_id bigint NOT NULL,
  seat_id bigint NOT NULL,
  place_id uuid NOT NULL,
  selected_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (booking_id, seat_id)
);
CREATE INDEX provider_selection_place ON provider_selection (place_id);

-- Release of a seat: a claim with no booking is not the user's to release.
CREATE OR REPLACE FUNCTION release_seat(p_seat bigint, p_user bigint)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  claimed_by bigint;
  b record;
BEGIN
  SELECT booking_id INTO claimed_by FROM seat_claim WHERE seat_id = p_seat;
  IF NOT FOUND THEN
    IF EXISTS (SELECT 1 FROM seat WHERE id = p_seat) THEN RETURN 'SEAT_NOT_RESERVED'; END IF;
    RETURN 'SEAT_NOT_FOUND';
  END IF;
  IF claimed_by IS NULL THEN RETURN 'SEAT_FORBIDDEN'; END IF;
  PERFORM pg_advisory_xact_lock(claimed_by);
  SELECT user_id, status INTO b FROM booking WHERE id = claimed_by;
  IF b.user_id <> p_user THEN RETURN 'SEAT_FORBIDDEN'; END IF;
  IF b.status <> 'CREATED' THEN RETURN 'BOOKING_NOT_EDITABLE'; END IF;
  DELETE FROM seat_claim WHERE seat_id = p_seat AND booking_id = claimed_by AND status = 'RESERVED';
  -- Released or re-claimed by someone else between the read and the lock.
  IF NOT FOUND THEN RETURN 'SEAT_NOT_RESERVED'; END IF;
  RETURN 'OK';
END
$$;

-- The test gateway receives the same order ids as a real one.
ALTER TABLE test_gateway_payment ALTER COLUMN order_id TYPE text;
