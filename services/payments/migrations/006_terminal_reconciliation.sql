-- The daily reconciliation of the terminals' transactions against the ledger (module `terminals`), refunds included.

-- The ledger's refund row a terminal refund carries out. Unique: one ledger refund is sent to a terminal at most once.
-- The ledger row itself gets the terminal's refund process id in `payment_entry.terminal_reference` once the terminal
-- has answered (the row is written before the terminal call, under the payment's lock).
ALTER TABLE kaspi_terminal_refund ADD COLUMN entry_id bigint;
CREATE UNIQUE INDEX kaspi_terminal_refund_entry ON kaspi_terminal_refund (entry_id);
CREATE INDEX kaspi_terminal_refund_process ON kaspi_terminal_refund (terminal_id, process_id);
-- Refund rows by the terminal's id of the refund: how a terminal's refund transaction finds its ledger row.
CREATE INDEX payment_entry_refund_reference ON payment_entry (terminal_reference) WHERE kind = 'refund';
CREATE INDEX payment_entry_refund_created ON payment_entry (created_at) WHERE kind = 'refund';

-- One scheduled run per local day. The row is the single-flight claim across processes: the process whose INSERT (or
-- take-over of a run whose lease lapsed — its process died) succeeds runs it; the others see the row and skip.
CREATE TABLE terminal_reconciliation (
  -- The local day reconciled (PAYMENTS_TIMEZONE), and the instants it spans.
  day date PRIMARY KEY,
  period_from timestamptz NOT NULL,
  period_to timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  -- Who runs it and until when the claim holds; a failed run is tried again once its lease has lapsed.
  worker text NOT NULL,
  lease_until timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 1,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  mismatches integer,
  unreadable integer,
  -- The report as the admin API shows it (amounts in tenge).
  report jsonb,
  error text,
  CHECK (period_from < period_to)
);
