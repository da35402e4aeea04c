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
  // Kaspi terminals (module `terminals`): the seed's two errors keep its status 400 and its words.
  TERMINALS_BUSY: { status: 400, message: 'Все терминалы заняты, попробуйте позже' },
  TERMINAL_UNAVAILABLE: { status: 400, message: 'Терминал недоступен. Проверьте подключение к сети терминалов' },
  TERMINAL_NOT_FOUND: { status: 404, message: 'Терминал не найден' },
  TERMINAL_NAME_TAKEN: { status: 409, message: 'Терминал с таким именем уже есть' },
  TERMINAL_PROCESS_NOT_FOUND: { status: 404, message: 'Оплата на терминале не найдена' },
  TERMINAL_REFUND_NOT_POSSIBLE: { status: 409, message: 'Возврат невозможен: оплата на терминале не завершена' },
  TERMINAL_REFUND_REFUSED: { status: 422, message: 'Терминал отклонил возврат' },
  // Webhooks (module `webhooks`).
  WEBHOOK_ENDPOINT_NOT_FOUND: { status: 404, message: 'Адрес для webhook не найден' },
  WEBHOOK_MESSAGE_NOT_FOUND: { status: 404, message: 'Уведомление не найдено' },
  WEBHOOK_MESSAGE_PENDING: { status: 409, message: 'Уведомление ещё доставляется: повторная отправка не нужна' },
  ADMIN_API_DISABLED: { status: 403, message: 'Административный API выключен: задайте PAYMENTS_ADMIN_TOKEN' },
  // The payments module (payments, attempts, refunds), in the seed's words where it has them.
  AMOUNT_INVALID: { status: 400, message: 'Сумма должна быть числом с не более чем двумя знаками после запятой' },
  AMOUNT_NOT_POSITIVE: { status: 400, message: 'Сумма должна быть больше 0' },
  AMOUNT_TOO_LARGE: { status: 400, message: 'Сумма превышает допустимый максимум' },
  CURRENCY_NOT_SUPPORTED: { status: 400, message: 'Валюта не поддерживается' },
  PAYMENT_NOT_FOUND: { status: 404, message: 'Транзакция не найдена' },
  PAYMENT_METHOD_UNKNOWN: { status: 400, message: 'Неизвестный способ оплаты' },
  PAYMENT_NOT_PAYABLE: { status: 409, message: 'Платеж нельзя оплатить в текущем статусе' },
  PAYMENT_IN_PROGRESS: { status: 409, message: 'Платеж уже обрабатывается на терминале, попробуйте позже' },
  PAYMENT_NOT_CANCELLABLE: { status: 409, message: 'Платеж нельзя отменить в текущем статусе' },
  REFUND_NOT_ALLOWED: { status: 409, message: 'Возврат невозможен: по платежу нет полученных средств' },
  REFUND_AMOUNT_TOO_LARGE: { status: 400, message: 'Сумма возврата больше суммы, доступной к возврату' },
  // The sources module (API tokens) and its admin endpoints.
  SOURCE_NAME_INVALID: { status: 400, message: 'Имя источника: латиница, цифры, «_», «.», «-», до 64 символов' },
  SOURCE_NOT_FOUND: { status: 404, message: 'Источник не найден' },
  ADMIN_UNAUTHORIZED: { status: 401, message: 'Неверный токен администратора' },
} as const satisfies ErrorCatalogue

/** The error payments code throws: `new PaymentsError('NOT_FOUND')`; a misspelt code fails `tsc`. */
export const PaymentsError = errorClass({ ...coreErrors, ...paymentErrors }, 'PaymentsError')
export type PaymentsError = InstanceType<typeof PaymentsError>
export type PaymentsErrorCode = ErrorCode<typeof PaymentsError.catalogue>
