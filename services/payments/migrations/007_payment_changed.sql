-- Every change of a payment, of its attempts or of its ledger is announced on channel `payment_changed` with the
-- payment's transaction_id, so every process's status cache forgets it (core change-feed.ts). A trigger, not the
-- code, so that no writer can forget it (refunds, reconciliation, an operator's SQL); pg_notify is sent only when
-- the change's transaction commits, and PostgreSQL folds identical notifications of one transaction into one.
-- A new payment is not announced: no cache can hold a payment that did not exist.
CREATE FUNCTION payment_changed_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'payment' THEN
    PERFORM pg_notify('payment_changed', NEW.transaction_id);
  ELSE
    PERFORM pg_notify('payment_changed', p.transaction_id) FROM payment p WHERE p.id = NEW.payment_id;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER payment_changed AFTER UPDATE ON payment
  FOR EACH ROW EXECUTE FUNCTION payment_changed_notify();
CREATE TRIGGER payment_attempt_changed AFTER INSERT OR UPDATE ON payment_attempt
  FOR EACH ROW EXECUTE FUNCTION payment_changed_notify();
CREATE TRIGGER payment_entry_changed AFTER INSERT OR UPDATE ON payment_entry
  FOR EACH ROW EXECUTE FUNCTION payment_changed_notify();
