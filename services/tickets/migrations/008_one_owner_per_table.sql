-- One owner per table (docs/adr/0005-one-owner-per-table.md): every table is written by exactly one module, and each
-- module empties its own tables on reset. A foreign key from the payments module's `payment` to the bookings
-- module's `booking` made that impossible: PostgreSQL refuses `TRUNCATE booking` unless `payment` is truncated in
-- the same statement. No key crosses a module boundary, as `seat_claim` and `provider_order` already had none:
-- a payment is created only inside the transaction that holds its booking's lock and has just read it, and both
-- leave together on reset.
ALTER TABLE payment DROP CONSTRAINT IF EXISTS payment_booking_id_fkey;
