-- Receipts module: shifts as we see them, and X/Z reports. Webkassa opens a shift with the first operation after a
-- Z report and blocks operations (code 11) once it is 24 h old, so we remember when each shift opened.
CREATE TABLE fiscal_shift (
  cashbox text NOT NULL REFERENCES fiscal_cashbox (znk),
  shift_number integer NOT NULL,
  -- When our first receipt of the shift left (the shift cannot be younger than that).
  opened_at timestamptz NOT NULL,
  closed_at timestamptz,
  PRIMARY KEY (cashbox, shift_number)
);
CREATE INDEX fiscal_shift_open ON fiscal_shift (cashbox) WHERE closed_at IS NULL;

CREATE TABLE fiscal_report (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  cashbox text NOT NULL REFERENCES fiscal_cashbox (znk),
  kind text NOT NULL CHECK (kind IN ('x', 'z')),
  -- Why: on request (X), scheduled, before a receipt, or after code 11 (Z).
  reason text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
  shift_number integer,
  data jsonb,
  error text,
  requested_at timestamptz NOT NULL,
  finished_at timestamptz
);
CREATE INDEX fiscal_report_cashbox ON fiscal_report (cashbox, id);
