import { coreErrors, type ErrorCatalogue, type ErrorCode, errorClass } from '@kokdala/core'
import { receiptErrors } from './modules/receipts/errors.ts'

/** Stable error codes of the fiscal service; the envelope is core's `{ error: { code, message } }`. */
export const fiscalErrors = {
  ADMIN_API_DISABLED: { status: 403, message: 'The admin API is off: set FISCAL_ADMIN_TOKEN' },
  ADMIN_UNAUTHORIZED: { status: 401, message: 'The admin token is missing or wrong' },
  // The tokens module.
  WEBKASSA_NOT_CONFIGURED: {
    status: 503,
    message: 'Webkassa credentials are not configured: set FISCAL_WEBKASSA_LOGIN, _PASSWORD and _API_KEY',
  },
  WEBKASSA_AUTH_BLOCKED: {
    status: 409,
    message: 'Webkassa refused the login and password; logins are paused until the block ends',
  },
  WEBKASSA_AUTH_FAILED: { status: 502, message: 'Webkassa did not issue a token' },
  ...receiptErrors,
} as const satisfies ErrorCatalogue

/** The error fiscal code throws: `new FiscalError('WEBKASSA_AUTH_BLOCKED')`; a misspelt code fails `tsc`. */
export const FiscalError = errorClass({ ...coreErrors, ...fiscalErrors }, 'FiscalError')
export type FiscalError = InstanceType<typeof FiscalError>
export type FiscalErrorCode = ErrorCode<typeof FiscalError.catalogue>
