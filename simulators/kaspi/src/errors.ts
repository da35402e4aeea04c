/**
 * The terminal's refusals: `statusCode` other than 0 with an `errorText`. The real codes are not public; these are
 * the simulator's, stable so tests and operators can tell refusals apart. Business refusals come with HTTP 200 (the
 * terminal answered, it said no); a request it cannot read gets HTTP 400; a refused access token HTTP 401.
 */
export const TERMINAL_ERRORS = {
  BAD_REQUEST: { statusCode: 1, errorText: 'Invalid request parameters' },
  BUSY: { statusCode: 2, errorText: 'Terminal is busy with another operation' },
  PROCESS_NOT_FOUND: { statusCode: 3, errorText: 'Process not found' },
  TRANSACTION_NOT_FOUND: { statusCode: 4, errorText: 'Transaction not found' },
  REFUND_EXCEEDS: { statusCode: 5, errorText: 'Refund amount exceeds the amount available for refund' },
  PROCESS_FINISHED: { statusCode: 6, errorText: 'Process is already finished' },
  ACCESS_DENIED: { statusCode: 7, errorText: 'Invalid access token' },
  NO_TERMINAL: { statusCode: 8, errorText: 'No terminal at this address' },
  INTERNAL: { statusCode: 9, errorText: 'Internal error' },
} as const

export type TerminalErrorCode = keyof typeof TERMINAL_ERRORS

/** A refusal the handlers throw; the app's error handler writes it in the terminal's envelope. */
export class TerminalError extends Error {
  readonly code: TerminalErrorCode
  readonly httpStatus: number
  constructor(code: TerminalErrorCode, detail?: string, httpStatus = 200) {
    super(detail ? `${TERMINAL_ERRORS[code].errorText}: ${detail}` : TERMINAL_ERRORS[code].errorText)
    this.name = 'TerminalError'
    this.code = code
    this.httpStatus = httpStatus
  }
}

/** The terminal's envelope for a refusal. */
export function terminalErrorBody(error: TerminalError) {
  return { statusCode: TERMINAL_ERRORS[error.code].statusCode, errorText: error.message }
}

/** A refusal of a `/__sim` control call (the kit's, shared by the simulators). */
export { ControlError } from '@kokdala/sim-kit'
