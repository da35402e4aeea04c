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
  /** Runs an operation of the token's account. */
  const as =
    (operation: (account: ReturnType<WebkassaSim['accounts']['accountOf']>, body: Body) => unknown) => (body: Body) =>
      operation(sim.accounts.accountOf(body.Token), body)

  return {
    authorize: (login, password) => run((body) => sim.authorize(body), { Login: login, Password: password }),
    check: (token, request) => run(as(sim.check), { Token: token, ...request }),
    xReport: (token, cashbox) => run(as(sim.xReport), { Token: token, CashboxUniqueNumber: cashbox }),
    zReport: (token, cashbox) => run(as(sim.zReport), { Token: token, CashboxUniqueNumber: cashbox }),
    cashboxes: (token) => run(as(sim.cashboxList), { Token: token }),
    shiftHistory: (token, cashbox, { skip, take }) =>
      run(as(sim.shiftHistory), { Token: token, CashboxUniqueNumber: cashbox, Skip: skip, Take: take }),
    checkHistory: (token, cashbox, shiftNumber, { skip, take }) =>
      run(as(sim.checkHistory), {
        Token: token,
        CashboxUniqueNumber: cashbox,
        ShiftNumber: shiftNumber,
        Skip: skip,
        Take: take,
      }),
    ticketByExternalNumber: (token, cashbox, externalCheckNumber, shiftNumber) =>
      run(as(sim.ticketByExternalNumber), {
        Token: token,
        CashboxUniqueNumber: cashbox,
        ExternalCheckNumber: externalCheckNumber,
        ShiftNumber: shiftNumber,
      }),
    checkHistoryByNumber: (token, cashbox, number, shiftNumber) =>
      run(as(sim.historyByNumber), {
        Token: token,
        CashboxUniqueNumber: cashbox,
        Number: number,
        ShiftNumber: shiftNumber,
      }),
    moneyOperation: (token, request) => run(as(sim.moneyOperation), { Token: token, ...request }),
    stats: () => ({}),
    close: async () => {},
  }
}
