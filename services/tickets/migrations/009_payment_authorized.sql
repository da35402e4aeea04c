-- The expiry sweep leaves bookings whose payment is AUTHORIZED to their sagas. It used to ask with a join from
-- `booking` to `payment`; now each module reads only its own tables (docs/adr/0005-one-owner-per-table.md), so the
-- sweep first asks the payments module for the bookings whose money is held. They are few at any moment (a saga
-- captures or voids within seconds), and this index answers without reading the payment table.
CREATE INDEX payment_authorized ON payment (booking_id) WHERE status = 'AUTHORIZED';
