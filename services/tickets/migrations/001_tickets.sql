-- Biletter: users, events (active and archive in one table), seats, bookings, seat claims, payments.

CREATE TABLE app_user (
  id bigint PRIMARY KEY,
  email text NOT NULL UNIQUE,
  -- Lower-case hex SHA-256 of the UTF-8 password, as in the HackLoad data set.
  password_hash text NOT NULL,
  first_name text NOT NULL,
  surname text NOT NULL,
  birthday date,
  registered_at timestamptz NOT NULL,
  is_active boolean NOT NULL DEFAULT true,
  last_logged_in timestamptz
);

CREATE TABLE event (
  id bigint PRIMARY KEY,
  title text NOT NULL,
  description text NOT NULL,
  type text NOT NULL,
  -- Local time without zone, as the data set gives it.
  starts_at timestamp NOT NULL,
  provider text NOT NULL,
  archived boolean NOT NULL,
  search tsvector GENERATED ALWAYS AS (to_tsvector('russian', title || ' ' || description)) STORED
);
CREATE INDEX event_search ON event USING gin (search);
CREATE INDEX event_starts_at ON event (starts_at);
CREATE INDEX event_active ON event (id) WHERE NOT archived;

-- An event's seating, materialised on first use (event 1's stadium at seed time).
CREATE TABLE hall (
  event_id bigint PRIMARY KEY REFERENCES event (id),
  layout text NOT NULL,
  rows integer NOT NULL,
  seats_per_row integer NOT NULL,
  first_seat_id bigint NOT NULL,
  last_seat_id bigint NOT NULL
);

CREATE TABLE seat (
  id bigint PRIMARY KEY,
  event_id bigint NOT NULL REFERENCES event (id),
  row integer NOT NULL,
  number integer NOT NULL,
  price bigint NOT NULL CHECK (price >= 0), -- tiyn
  UNIQUE (event_id, row, number)
);

CREATE TABLE booking (
  id bigserial PRIMARY KEY,
  user_id bigint NOT NULL REFERENCES app_user (id),
  event_id bigint NOT NULL REFERENCES event (id),
  status text NOT NULL CHECK (status IN ('CREATED', 'PAYMENT_INITIATED', 'CONFIRMED', 'CANCELLED')),
  seat_count integer NOT NULL DEFAULT 0 CHECK (seat_count >= 0),
  cancel_reason text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  -- Unpaid bookings release their seats at this moment.
  expires_at timestamptz NOT NULL,
  -- Optional Idempotency-Key of the create request: a retry returns the same booking.
  idempotency_key text
);
CREATE INDEX booking_user ON booking (user_id, status);
CREATE UNIQUE INDEX booking_idempotency ON booking (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX booking_event ON booking (event_id);
CREATE INDEX booking_open_expiry ON booking (expires_at) WHERE status IN ('CREATED', 'PAYMENT_INITIATED');

-- A seat is FREE exactly when it has no claim; the primary key makes a second claim impossible,
-- so no seat can ever be in two bookings, and reset is a TRUNCATE.
CREATE TABLE seat_claim (
  seat_id bigint PRIMARY KEY REFERENCES seat (id),
  event_id bigint NOT NULL,
  booking_id bigint NOT NULL REFERENCES booking (id),
  status text NOT NULL CHECK (status IN ('RESERVED', 'SOLD')),
  price bigint NOT NULL, -- tiyn, copied so that totals do not depend on later price changes
  claimed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX seat_claim_booking ON seat_claim (booking_id);
CREATE INDEX seat_claim_event_status ON seat_claim (event_id, status, seat_id);

-- One payment per booking; its id is the orderId the gateway and the callbacks carry.
CREATE TABLE payment (
  id bigserial PRIMARY KEY,
  booking_id bigint NOT NULL UNIQUE REFERENCES booking (id),
  amount bigint NOT NULL CHECK (amount > 0), -- tiyn
  status text NOT NULL CHECK (status IN ('INITIATED', 'PAID', 'FAILED', 'CANCELLED', 'REFUND_PENDING', 'REFUNDED')),
  gateway text NOT NULL,
  gateway_payment_id text UNIQUE,
  payment_url text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

-- Adds a seat to a booking in one round trip. Order of checks: booking exists, ownership (403) before any
-- state, seat exists and belongs to the event, booking editable, anti-fraud limit, then the claim itself.
-- The booking row lock serialises selects into one booking (exact seat_count) and orders them against cancel.
CREATE FUNCTION select_seat(p_booking bigint, p_seat bigint, p_user bigint, p_max_seats integer)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  b record;
  s record;
  owner bigint;
BEGIN
  SELECT user_id, event_id, status, seat_count INTO b FROM booking WHERE id = p_booking FOR UPDATE;
  IF NOT FOUND THEN RETURN 'BOOKING_NOT_FOUND'; END IF;
  IF b.user_id <> p_user THEN RETURN 'BOOKING_FORBIDDEN'; END IF;
  SELECT event_id, price INTO s FROM seat WHERE id = p_seat;
  IF NOT FOUND THEN RETURN 'SEAT_NOT_FOUND'; END IF;
  IF s.event_id <> b.event_id THEN RETURN 'SEAT_OF_OTHER_EVENT'; END IF;
  IF b.status <> 'CREATED' THEN RETURN 'BOOKING_NOT_EDITABLE'; END IF;
  IF b.seat_count >= p_max_seats THEN
    -- Repeating a select of a seat already in this booking is fine even at the limit.
    IF EXISTS (SELECT 1 FROM seat_claim WHERE seat_id = p_seat AND booking_id = p_booking) THEN RETURN 'OK'; END IF;
    RETURN 'TOO_MANY_SEATS';
  END IF;
  INSERT INTO seat_claim (seat_id, event_id, booking_id, status, price)
  VALUES (p_seat, s.event_id, p_booking, 'RESERVED', s.price)
  ON CONFLICT (seat_id) DO NOTHING;
  IF NOT FOUND THEN
    SELECT booking_id INTO owner FROM seat_claim WHERE seat_id = p_seat;
    -- Selecting a seat that is already in this booking is a repeat, not a conflict.
    IF owner = p_booking THEN RETURN 'OK'; END IF;
    RETURN 'SEAT_NOT_FREE';
  END IF;
  UPDATE booking SET seat_count = seat_count + 1, updated_at = now() WHERE id = p_booking;
  RETURN 'OK';
END
$$;

-- Frees a reserved seat of one of the user's editable bookings.
CREATE FUNCTION release_seat(p_seat bigint, p_user bigint)
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
  SELECT user_id, status INTO b FROM booking WHERE id = claimed_by FOR UPDATE;
  IF b.user_id <> p_user THEN RETURN 'SEAT_FORBIDDEN'; END IF;
  IF b.status <> 'CREATED' THEN RETURN 'BOOKING_NOT_EDITABLE'; END IF;
  DELETE FROM seat_claim WHERE seat_id = p_seat AND booking_id = claimed_by AND status = 'RESERVED';
  -- Released or re-claimed by someone else between the read and the lock.
  IF NOT FOUND THEN RETURN 'SEAT_NOT_RESERVED'; END IF;
  UPDATE booking SET seat_count = seat_count - 1, updated_at = now() WHERE id = claimed_by;
  RETURN 'OK';
END
$$;

-- The test-mode payment gateway's own records: it behaves like an external gateway that happens to live here.
CREATE TABLE test_gateway_payment (
  id text PRIMARY KEY,
  order_id bigint NOT NULL UNIQUE,
  amount bigint NOT NULL,
  description text NOT NULL,
  status text NOT NULL CHECK (status IN ('PENDING', 'PAID', 'FAILED', 'CANCELLED', 'REFUNDED')),
  success_url text NOT NULL,
  fail_url text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
