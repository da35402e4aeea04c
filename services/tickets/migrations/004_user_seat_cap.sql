-- select_seats as in 001, plus a cap on the seats one user holds for one event (issue 8): without it one account
-- could hold 1 000 open bookings × 10 seats, a tenth of the stadium, renewed every reservation window.
-- "Held" = RESERVED claims, which exist only in open (CREATED or PAYMENT_INITIATED) bookings: paying turns them
-- SOLD, cancelling and expiry delete them. p_max_user_seats NULL means no cap, and then nothing below costs anything.
--
-- Exactness: each user of the batch is locked with a transaction-scoped advisory lock of its own key space,
-- pg_advisory_xact_lock(2, user id mod 2^31 − 1) (class 1 is create booking's; one key for two users only makes
-- them take turns). Only select_seats adds RESERVED claims and it always holds the user's lock while it does, so
-- the count read after the lock, plus the claims this batch adds (tracked below), is exact: concurrent selects of
-- one user into different bookings take turns instead of each seeing room for one more. Release, cancel, expiry,
-- payment and refund only remove held seats and take no user lock: a removal racing with the count can only make
-- it too high, a refusal one seat early at worst, never a seat over the cap.
-- Deadlock freedom: the batch locks users in key order, then bookings in id order, then claims seats in id order.
-- No other transaction takes class-2 locks, and the others (cancel, release, payment) lock one booking and then
-- touch only that booking's claims, so the single global order of 001 still holds and no wait cycle can form.
-- Cost: with the cap on, per batch one more lock and one count (an index walk over the user's open bookings of
-- the event and their claims) per distinct user and event; per item a lookup in a small array.
-- The service sends a user's selects to one batch at a time (the batcher's key), so within a process a batch
-- never waits for another batch's user lock.
DROP FUNCTION select_seats(bigint[], bigint[], bigint[], integer);

CREATE FUNCTION select_seats(
  p_bookings bigint[], p_seats bigint[], p_users bigint[], p_max_seats integer, p_max_user_seats integer)
RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  results text[] := array_fill(NULL::text, ARRAY[cardinality(p_bookings)]);
  item record;
  b record;
  s record;
  owner bigint;
  seats_in_booking integer;
  -- Seats held per "user:event" of this batch: counted when first needed, then kept up to date as claims are added.
  hold_keys text[] := '{}';
  holds integer[] := '{}';
  hold integer;
BEGIN
  IF p_max_user_seats IS NOT NULL THEN
    PERFORM pg_advisory_xact_lock(2, k)
    FROM (SELECT DISTINCT (u % 2147483647)::integer AS k FROM unnest(p_users) AS u ORDER BY 1) AS sorted;
  END IF;
  PERFORM pg_advisory_xact_lock(id) FROM (SELECT DISTINCT unnest(p_bookings) AS id ORDER BY 1) AS sorted;
  FOR item IN
    SELECT t.i, t.booking_id, t.seat_id, t.user_id
    FROM unnest(p_bookings, p_seats, p_users) WITH ORDINALITY AS t(booking_id, seat_id, user_id, i)
    ORDER BY t.seat_id, t.i
  LOOP
    hold := NULL;
    SELECT user_id, event_id, status INTO b FROM booking WHERE id = item.booking_id;
    IF NOT FOUND THEN results[item.i] := 'BOOKING_NOT_FOUND'; CONTINUE; END IF;
    IF b.user_id <> item.user_id THEN results[item.i] := 'BOOKING_FORBIDDEN'; CONTINUE; END IF;
    SELECT event_id, price INTO s FROM seat WHERE id = item.seat_id;
    IF NOT FOUND THEN results[item.i] := 'SEAT_NOT_FOUND'; CONTINUE; END IF;
    IF s.event_id <> b.event_id THEN results[item.i] := 'SEAT_OF_OTHER_EVENT'; CONTINUE; END IF;
    IF b.status <> 'CREATED' THEN results[item.i] := 'BOOKING_NOT_EDITABLE'; CONTINUE; END IF;
    SELECT booking_id INTO owner FROM seat_claim WHERE seat_id = item.seat_id;
    -- Selecting a seat that is already in this booking is a repeat, not a conflict (even at the limits).
    IF owner = item.booking_id THEN results[item.i] := 'OK'; CONTINUE; END IF;
    SELECT count(*) INTO seats_in_booking FROM seat_claim WHERE booking_id = item.booking_id;
    IF seats_in_booking >= p_max_seats THEN results[item.i] := 'TOO_MANY_SEATS'; CONTINUE; END IF;
    IF p_max_user_seats IS NOT NULL THEN
      hold := array_position(hold_keys, item.user_id || ':' || b.event_id);
      IF hold IS NULL THEN
        -- First need of this user and event in the batch, so none of its claims is ours yet: the count is all.
        hold_keys := hold_keys || (item.user_id || ':' || b.event_id);
        holds := holds || (
          SELECT count(*)::integer FROM booking o JOIN seat_claim c ON c.booking_id = o.id
          WHERE o.user_id = item.user_id AND o.event_id = b.event_id
            AND o.status IN ('CREATED', 'PAYMENT_INITIATED') AND c.status = 'RESERVED');
        hold := cardinality(hold_keys);
      END IF;
      IF holds[hold] >= p_max_user_seats THEN results[item.i] := 'TOO_MANY_RESERVED_SEATS'; CONTINUE; END IF;
    END IF;
    INSERT INTO seat_claim (seat_id, event_id, booking_id, status, price)
    VALUES (item.seat_id, s.event_id, item.booking_id, 'RESERVED', s.price)
    ON CONFLICT (seat_id) DO NOTHING;
    IF FOUND THEN
      results[item.i] := 'OK';
      IF hold IS NOT NULL THEN holds[hold] := holds[hold] + 1; END IF;
    ELSE
      SELECT booking_id INTO owner FROM seat_claim WHERE seat_id = item.seat_id;
      results[item.i] := CASE WHEN owner = item.booking_id THEN 'OK' ELSE 'SEAT_NOT_FREE' END;
    END IF;
  END LOOP;
  RETURN results;
END
$$;
