import type { ErrorCatalogue } from '@kokdala/core'

/** The receipts module's error codes (merged into the service's catalogue in src/errors.ts). */
export const receiptErrors = {
  RECEIPT_NOT_FOUND: { status: 404, message: 'No such receipt' },
  RECEIPT_INVALID: { status: 400, message: 'The receipt is not valid' },
  RECEIPT_CONFLICT: {
    status: 409,
    message: 'A receipt with this external_id exists with other content; an external id names one receipt',
  },
  PAYMENT_EVENT_INVALID: { status: 400, message: 'The payments event cannot be fiscalized as sent' },
  WEBHOOK_ID_REUSED: {
    status: 409,
    message: 'This webhook-id was received before with another event; a message id names one message',
  },
  NO_CASHBOX: { status: 503, message: 'No cashbox is configured: set FISCAL_CASHBOXES' },
  CASHBOX_NOT_FOUND: { status: 404, message: 'No such cashbox in FISCAL_CASHBOXES' },
  REPORT_NOT_FOUND: { status: 404, message: 'No such report' },
  RECEIPT_NOT_RETRYABLE: {
    status: 409,
    message: 'Only a receipt that needs a person (needs_attention or failed) can be retried',
  },
  RETURN_BASIS_MISSING: {
    status: 409,
    message: 'This return cannot be retried until its original sale receipt is fiscalized',
  },
} as const satisfies ErrorCatalogue
