-- Every change of the Webkassa session row is announced on channel `webkassa_session_changed` with its account id,
-- so every process's copy of the row (tokens/repository.ts) is emptied: a lease taken or a token stored by one
-- process is seen by the others as soon as it commits. A trigger, not the code, so that no writer can forget it (an
-- operator's SQL included); pg_notify is sent only when the change's transaction commits.
CREATE FUNCTION webkassa_session_changed_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('webkassa_session_changed', NEW.account_id);
  RETURN NULL;
END
$$;

CREATE TRIGGER webkassa_session_changed AFTER INSERT OR UPDATE ON webkassa_session
  FOR EACH ROW EXECUTE FUNCTION webkassa_session_changed_notify();
