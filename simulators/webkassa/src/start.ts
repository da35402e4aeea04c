import { runSimulator } from '@kokdala/sim-kit'
import { buildWebkassaSimulatorApp, type WebkassaSimulatorOptions } from './app.ts'
import { WEBKASSA_SIM_DEMO } from './env.ts'

/** The simulator with the demo account and cashboxes on a free port of 127.0.0.1 (tests), closed by the caller. */
export function startWebkassaSimulator(options: Partial<WebkassaSimulatorOptions> = {}) {
  return runSimulator({
    name: 'webkassa',
    host: '127.0.0.1',
    port: 0,
    build: () =>
      buildWebkassaSimulatorApp({
        apiKeys: [WEBKASSA_SIM_DEMO.apiKey],
        accounts: [{ login: WEBKASSA_SIM_DEMO.login, password: WEBKASSA_SIM_DEMO.password }],
        cashboxes: [...WEBKASSA_SIM_DEMO.cashboxes],
        ...options,
      }),
  })
}

/** A simulator started by `startWebkassaSimulator`. */
export type StartedWebkassaSimulator = Awaited<ReturnType<typeof startWebkassaSimulator>>
