-- A select is written down before it is sent: a select whose answer was lost (a timeout) may still have been
-- applied by the provider, so the place may be in our order. 'sent': no answer yet, so it is sent again;
-- 'contested': sent again and refused (409), which it would be if the lost one had been applied; 'selected': the
-- provider answered 204, or the order's places_count showed the place joined it. Until a selection is 'selected'
-- or forgotten, the saga neither forgets it (it may be ours) nor submits or cancels the order while it could still
-- be joining (research §2.3).
ALTER TABLE provider_selection ADD COLUMN state text NOT NULL DEFAULT 'selected'
  CHECK (state IN ('sent', 'contested', 'selected'));

-- The same for confirm: once a confirm has been sent, the order may be CONFIRMED even if we never heard back, and
-- a confirmed order never gives its places back. A booking that gives up after that keeps its seats out of sale
-- until the provider's answer to a cancel tells the truth.
ALTER TABLE provider_order ADD COLUMN confirm_sent_at timestamptz;
