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
-- No foreign keys here on purpose: claims are written only by select_seats, which has just read the seat and
-- locked the booking, and an FK check would take one more row lock (and WAL record) on the hottest write path.
CREATE TABLE seat_claim (
  seat_id bigint PRIMARY KEY,
  event_id bigint NOT NULL,
  booking_id bigint NOT NULL,
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

-- Adds seats to bookings, a batch of requests in one transaction (one round trip, one commit). Each item gets
-- its own outcome code; checks run in this order: booking exists, ownership (403) before any state, seat exists
-- and belongs to the event, booking editable, anti-fraud limit, then the claim itself.
-- Bookings are locked with transaction-scoped advisory locks keyed by booking id (every transaction that changes
-- a booking takes the same lock): unlike FOR UPDATE they write nothing to the table or the WAL.
-- Deadlock freedom: first every booking of the batch is locked in id order, then seats are claimed in id order.
-- A transaction waiting for a booking has claimed nothing yet, and claims are taken in one global order, so no
-- wait cycle can form between batches, nor with cancel/release/payment, which lock a single booking.
-- The booking lock serialises selects into one booking (exact seat limit) and orders them against cancel.
CREATE FUNCTION select_seats(p_bookings bigint[], p_seats bigint[], p_users bigint[], p_max_seats integer)
RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  results text[] := array_fill(NULL::text, ARRAY[cardinality(p_bookings)]);
  item record;
  b record;
  s record;
  owner bigint;
  seats_in_booking integer;
BEGIN
  PERFORM pg_advisory_xact_lock(id) FROM (SELECT DISTINCT unnest(p_bookings) AS id ORDER BY 1) AS sorted;
  FOR item IN
    SELECT t.i, t.booking_id, t.seat_id, t.user_id
    FROM unnest(p_bookings, p_seats, p_users) WITH ORDINALITY AS t(booking_id, seat_id, user_id, i)
    ORDER BY t.seat_id, t.i
  LOOP
    SELECT user_id, event_id, status INTO b FROM booking WHERE id = item.booking_id;
    IF NOT FOUND THEN results[item.i] := 'BOOKING_NOT_FOUND'; CONTINUE; END IF;
    IF b.user_id <> item.user_id THEN results[item.i] := 'BOOKING_FORBIDDEN'; CONTINUE; END IF;
    SELECT event_id, price INTO s FROM seat WHERE id = item.seat_id;
    IF NOT FOUND THEN results[item.i] := 'SEAT_NOT_FOUND'; CONTINUE; END IF;
    IF s.event_id <> b.event_id THEN results[item.i] := 'SEAT_OF_OTHER_EVENT'; CONTINUE; END IF;
    IF b.status <> 'CREATED' THEN results[item.i] := 'BOOKING_NOT_EDITABLE'; CONTINUE; END IF;
    SELECT booking_id INTO owner FROM seat_claim WHERE seat_id = item.seat_id;
    -- Selecting a seat that is already in this booking is a repeat, not a conflict (even at the limit).
    IF owner = item.booking_id THEN results[item.i] := 'OK'; CONTINUE; END IF;
    SELECT count(*) INTO seats_in_booking FROM seat_claim WHERE booking_id = item.booking_id;
    IF seats_in_booking >= p_max_seats THEN results[item.i] := 'TOO_MANY_SEATS'; CONTINUE; END IF;
    INSERT INTO seat_claim (seat_id, event_id, booking_id, status, price)
    VALUES (item.seat_id, s.event_id, item.booking_id, 'RESERVED', s.price)
    ON CONFLICT (seat_id) DO NOTHING;
    IF FOUND THEN
      results[item.i] := 'OK';
    ELSE
      SELECT booking_id INTO owner FROM seat_claim WHERE seat_id = item.seat_id;
      results[item.i] := CASE WHEN owner = item.booking_id THEN 'OK' ELSE 'SEAT_NOT_FREE' END;
    END IF;
  END LOOP;
  RETURN results;
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
