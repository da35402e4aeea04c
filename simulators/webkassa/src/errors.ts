/**
 * Webkassa's refusals as it sends them: `{"Errors":[{"Code","Text"}]}`, Russian texts as in the legacy document
 * (research/webkassa.md §1.3). The simulator throws `WebkassaSimError`; the API routes write it in the envelope.
 */
export const ERROR_TEXTS: Readonly<Record<number, string>> = {
  [-1]: 'Неизвестная ошибка',
  1: 'Неверный логин и/или пароль',
  2: 'Срок действия сессии истек',
  3: 'Пользователь не авторизован',
  4: 'Нет доступа к операции',
  5: 'Нет доступа к кассе',
  6: 'Касса не зарегистрирована в системе или не доступна пользователю',
  7: 'Касса заблокирована',
  8: 'Недостаточно наличных в кассе для изъятия',
  9: 'Ошибка валидации данных',
  10: 'Касса не активирована',
  11: 'Продолжительность смены превышает 24 часа',
  12: 'Смена уже закрыта',
  13: 'Нет открытой смены',
  14: 'Дублирующийся код системы-источника',
  15: 'Смена не существует',
  16: 'Чек не зарегистрирован в данной смене',
  18: 'Касса работает в автономном режиме более 72 часов',
  19: 'Чек с указанным внешним номером не найден',
  505: 'Сервис временно недоступен на данном домене',
}

/** One Webkassa refusal; `detail` says which field, for code 9 (never echoes a secret). */
export class WebkassaSimError extends Error {
  readonly code: number
  /** Sent beside the errors for code 14 when the simulator is told to return the original. */
  readonly data?: unknown
  constructor(code: number, detail?: string, data?: unknown) {
    const text = ERROR_TEXTS[code] ?? ERROR_TEXTS[-1]!
    super(detail ? `${text}: ${detail}` : text)
    this.name = 'WebkassaSimError'
    this.code = code
    this.data = data
  }
}

/** A refusal of a `/__sim` control call (the kit's, shared by the simulators). */
export { ControlError } from '@kokdala/sim-kit'
