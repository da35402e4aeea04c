import type { WebkassaHttpClient, WebkassaResult } from '@kokdala/webkassa'
import { WebkassaSimError } from './errors.ts'
import type { WebkassaSim } from './simulator.ts'

type Body = Record<string, unknown>

/**
 * The simulator's second front end: a `WebkassaClient` calling the state machine in process, for unit tests that
 * want Webkassa's answers without a port. Same bodies as the HTTP client, answers passed through JSON as on the
 * wire; no API key, no faults, no sequencing (calls cannot overlap: each runs to its end synchronously). What
 * needs the network — drops, timeouts, 505, overlapping calls — is the HTTP simulator's.
 */
export function createInProcessWebkassaClient(sim: WebkassaSim): WebkassaHttpClient {
  function run<T>(operation: (body: Body) => unknown, body: Body): Promise<WebkassaResult<T>> {
    try {
      return Promise.resolve({ kind: 'ok', data: JSON.parse(JSON.stringify(operation(body))) as T })
    } catch (error) {
      if (!(error instanceof WebkassaSimError)) return Promise.reject(error)
      const errors = [{ Code: error.code, Text: error.message }]
      return Promise.resolve(
        error.data === undefined
          ? { kind: 'errors', errors }
          : { kind: 'errors', errors, data: JSON.parse(JSON.stringify(error.data)) as T },
      )
    }
  }

  type AccountOperation = (account: ReturnType<WebkassaSim['accounts']['accountOf']>, body: Body) => unknown
  /** Runs an operation of the token's account on `{ Token, …fields }`, the body its endpoint takes. */
  const call = <T>(operation: AccountOperation, token: string, fields: object = {}) =>
    run<T>((body) => operation(sim.accounts.accountOf(body.Token), body), { Token: token, ...fields })
  /** The same for an operation on one cashbox: `{ Token, CashboxUniqueNumber, …fields }`. */
  const atCashbox = <T>(operation: AccountOperation, token: string, cashbox: string, fields: object = {}) =>
    call<T>(operation, token, { CashboxUniqueNumber: cashbox, ...fields })

  return {
    authorize: (login, password) => run((body) => sim.authorize(body), { Login: login, Password: password }),
    check: (token, request) => call(sim.check, token, request),
    xReport: (token, cashbox) => atCashbox(sim.xReport, token, cashbox),
    zReport: (token, cashbox) => atCashbox(sim.zReport, token, cashbox),
    cashboxes: (token) => call(sim.cashboxList, token),
    shiftHistory: (token, cashbox, { skip, take }) =>
      atCashbox(sim.shiftHistory, token, cashbox, { Skip: skip, Take: take }),
    checkHistory: (token, cashbox, shiftNumber, { skip, take }) =>
      atCashbox(sim.checkHistory, token, cashbox, { ShiftNumber: shiftNumber, Skip: skip, Take: take }),
    ticketByExternalNumber: (token, cashbox, externalCheckNumber, shiftNumber) =>
      atCashbox(sim.ticketByExternalNumber, token, cashbox, {
        ExternalCheckNumber: externalCheckNumber,
        ShiftNumber: shiftNumber,
      }),
    checkHistoryByNumber: (token, cashbox, number, shiftNumber) =>
      atCashbox(sim.historyByNumber, token, cashbox, { Number: number, ShiftNumber: shiftNumber }),
    moneyOperation: (token, request) => call(sim.moneyOperation, token, request),
    stats: () => ({}),
    close: async () => {},
  }
}
