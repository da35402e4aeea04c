import { coreErrors, type ErrorCatalogue, type ErrorCode, errorClass } from '@kokdala/core'

/**
 * Stable error codes of the payment center. Messages are Russian, as the seed's integrators read them; the seed's
 * envelope carries the HTTP status in `error_code`, and our stable code beside it in `code`.
 */
export const paymentErrors = {
  // Core's codes the payment center answers with, worded for its integrators.
  VALIDATION_FAILED: { status: 400, message: 'Неверные данные запроса' },
  BAD_REQUEST: { status: 400, message: 'Неверный запрос' },
  UNAUTHORIZED: { status: 401, message: 'Invalid API token' },
  NOT_FOUND: { status: 404, message: 'Не найдено' },
  RATE_LIMITED: { status: 429, message: 'Слишком много запросов, попробуйте позже' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Слишком большой запрос' },
  INTERNAL: { status: 500, message: 'Внутренняя ошибка сервера' },
  OVERLOADED: { status: 503, message: 'Сервис перегружен, попробуйте позже' },
  UNAVAILABLE: { status: 503, message: 'Сервис временно недоступен' },
} as const satisfies ErrorCatalogue

/** The error payments code throws: `new PaymentsError('NOT_FOUND')`; a misspelt code fails `tsc`. */
export const PaymentsError = errorClass({ ...coreErrors, ...paymentErrors }, 'PaymentsError')
export type PaymentsError = InstanceType<typeof PaymentsError>
export type PaymentsErrorCode = ErrorCode<typeof PaymentsError.catalogue>
