-- Receipts module: fiscal receipts, their send attempts, each payment's progress, the payments events received,
-- and the cashboxes' parking. Money in tiyn (bigint).

-- A cashbox the service fiscalizes on (FISCAL_CASHBOXES) and whether its queue is parked (Webkassa codes 4, 5, 6,
-- 7, 10, 18, 1404, or 1 for the account): its jobs are kept and probed now and then, nothing is dropped.
CREATE TABLE fiscal_cashbox (
  znk text PRIMARY KEY,
  parked_at timestamptz,
  parked_code integer,
  parked_reason text,
  updated_at timestamptz NOT NULL
);

-- How much of a payment has receipts: the next event is compared with these to find the money newly received or
-- refunded (one receipt per delta). All of a payment's receipts go to one cashbox, so a return queues behind its sale.
CREATE TABLE fiscal_payment (
  transaction_id text PRIMARY KEY,
  cashbox text NOT NULL,
  sale_tiyn bigint NOT NULL DEFAULT 0 CHECK (sale_tiyn >= 0),
  commission_tiyn bigint NOT NULL DEFAULT 0 CHECK (commission_tiyn >= 0),
  return_tiyn bigint NOT NULL DEFAULT 0 CHECK (return_tiyn >= 0),
  sales integer NOT NULL DEFAULT 0,
  returns integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE fiscal_receipt (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- Webkassa's idempotency key, fixed before the first send and never changed (numbers.ts).
  external_number text NOT NULL UNIQUE CHECK (length(external_number) <= 50),
  source text NOT NULL CHECK (source IN ('payment', 'api')),
  transaction_id text REFERENCES fiscal_payment (transaction_id),
  -- POST /api/receipts: the caller's external id, the key of its idempotency.
  caller_id text,
  kind text NOT NULL CHECK (kind IN ('sale', 'sale_return')),
  cashbox text NOT NULL REFERENCES fiscal_cashbox (znk),
  status text NOT NULL CHECK (status IN ('pending', 'sending', 'fiscalized', 'recovering', 'needs_attention', 'failed')),
  -- Lines and payments as stored before the first send (tiyn as decimal strings); every retry sends exactly these.
  content jsonb NOT NULL,
  total_tiyn bigint NOT NULL CHECK (total_tiyn > 0),
  commission_tiyn bigint NOT NULL DEFAULT 0,
  -- A return: the sale it returns (its fiscal facts give ReturnBasisDetails); NULL for a return without one (blocked).
  original_id bigint REFERENCES fiscal_receipt (id),
  -- A sale: how much of it return receipts cover.
  returned_tiyn bigint NOT NULL DEFAULT 0,
  -- Sends (requests that left), and failed rounds counted towards giving the receipt to a person.
  attempts integer NOT NULL DEFAULT 0,
  failures integer NOT NULL DEFAULT 0,
  last_error_code integer,
  last_error text,
  -- Fiscal facts once fiscalized.
  check_number text,
  fiscal_time text,
  shift_number integer,
  check_order_number integer,
  offline boolean,
  ticket_url text,
  registration_number text,
  -- The total Webkassa's history shows under our number, when it was read (duplicates, recovery).
  webkassa_total_tiyn bigint,
  fiscalized_via text CHECK (fiscalized_via IN ('answer', 'duplicate', 'recovery')),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  fiscalized_at timestamptz,
  CHECK ((source = 'payment') = (transaction_id IS NOT NULL)),
  CHECK ((source = 'api') = (caller_id IS NOT NULL))
);
CREATE UNIQUE INDEX fiscal_receipt_caller ON fiscal_receipt (caller_id) WHERE caller_id IS NOT NULL;
CREATE INDEX fiscal_receipt_payment ON fiscal_receipt (transaction_id, id) WHERE transaction_id IS NOT NULL;
CREATE INDEX fiscal_receipt_status ON fiscal_receipt (status, id);
-- Least-loaded cashbox: unfinished receipts per cashbox.
CREATE INDEX fiscal_receipt_open ON fiscal_receipt (cashbox) WHERE status IN ('pending', 'sending', 'recovering');

-- One row per send or lookup round of a receipt: when, and what came of it.
CREATE TABLE fiscal_receipt_attempt (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  receipt_id bigint NOT NULL REFERENCES fiscal_receipt (id),
  attempt integer NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz,
  outcome text,
  error text,
  UNIQUE (receipt_id, attempt)
);

-- Payments events received at POST /api/payment-events, de-duplicated by the message id and by what they say.
CREATE TABLE fiscal_payment_event (
  webhook_id text PRIMARY KEY,
  transaction_id text NOT NULL,
  event text NOT NULL,
  status text NOT NULL,
  paid_tiyn bigint NOT NULL,
  refunded_tiyn bigint NOT NULL,
  receipts integer NOT NULL,
  received_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX fiscal_payment_event_change
  ON fiscal_payment_event (transaction_id, status, paid_tiyn, refunded_tiyn);
