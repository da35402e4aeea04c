import { loadConfig } from '@kokdala/core'
import { controlRoutesEnabled, listenSettings, type RunnableSimulator, SimControlSettings } from '@kokdala/sim-kit'
import { Type } from 'typebox'
import { buildWebkassaSimulatorApp, type WebkassaSimulatorApp, type WebkassaSimulatorOptions } from './app.ts'

/**
 * The demo account `kokdala start` uses: the fiscal service's demo profile sends these values, so they are
 * development defaults, never anything real.
 */
export const WEBKASSA_SIM_DEMO = {
  login: 'demo@kokdala.kz',
  password: 'demo-password',
  apiKey: 'demo-integrator-key',
  cashboxes: ['SWK00000001', 'SWK00000002', 'SWK00000003'],
} as const

const list = (pattern: string) => `^${pattern}(,${pattern})*$`

/** The simulator's environment, read with core `loadConfig` (every problem listed at start). */
export const WebkassaSimulatorConfig = Type.Object({
  ...listenSettings('WEBKASSA_SIM', 9004),
  /** Integrator keys accepted in `x-api-key`, comma-separated. */
  WEBKASSA_SIM_API_KEYS: Type.String({ pattern: list('[^,\\s]{1,200}'), default: WEBKASSA_SIM_DEMO.apiKey }),
  WEBKASSA_SIM_LOGIN: Type.String({ minLength: 1, maxLength: 254, default: WEBKASSA_SIM_DEMO.login }),
  WEBKASSA_SIM_PASSWORD: Type.String({ minLength: 1, maxLength: 200, default: WEBKASSA_SIM_DEMO.password }),
  /** Cashbox unique numbers (ZNK), comma-separated; the account may use all of them. */
  WEBKASSA_SIM_CASHBOXES: Type.String({
    pattern: list('[A-Za-z0-9_-]{1,32}'),
    default: WEBKASSA_SIM_DEMO.cashboxes.join(','),
  }),
  /** Token lifetime; 0 = until the next login only. */
  WEBKASSA_SIM_TOKEN_TTL_MS: Type.Integer({ minimum: 0, maximum: 30 * 86_400_000, default: 86_400_000 }),
  /** How long each cashbox operation takes (the per-cashbox physical limit benchmarks measure against). */
  WEBKASSA_SIM_CASHBOX_LATENCY_MS: Type.Integer({ minimum: 0, maximum: 600_000, default: 0 }),
  ...SimControlSettings,
})

/** Where and how the simulator runs, from environment variables (main.ts, `kokdala serve webkassa`, `kokdala start`). */
export function webkassaSimulatorFromEnv(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(WebkassaSimulatorConfig, env)
  const host = config.WEBKASSA_SIM_HOST
  const port = config.WEBKASSA_SIM_PORT
  const cashboxes = [...new Set(config.WEBKASSA_SIM_CASHBOXES.split(','))]
  const options: WebkassaSimulatorOptions = {
    apiKeys: config.WEBKASSA_SIM_API_KEYS.split(','),
    accounts: [{ login: config.WEBKASSA_SIM_LOGIN, password: config.WEBKASSA_SIM_PASSWORD, cashboxes }],
    cashboxes,
    initialFaults: {
      tokenTtlMs: config.WEBKASSA_SIM_TOKEN_TTL_MS,
      cashboxLatencyMs: config.WEBKASSA_SIM_CASHBOX_LATENCY_MS,
    },
    controlRoutes: controlRoutesEnabled(config),
  }
  return { host, port, url: `http://${host}:${port}`, options }
}

/** The simulator as the sim-kit runner starts it (`main.ts`). */
export function webkassaSimulator(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<WebkassaSimulatorOptions> = {},
): RunnableSimulator<WebkassaSimulatorApp> {
  const { port, host, url, options } = webkassaSimulatorFromEnv(env)
  return {
    name: 'Webkassa simulator',
    port,
    host,
    url,
    build: () => buildWebkassaSimulatorApp({ ...options, ...overrides }),
    describe: (app) => `(${app.webkassa.sim.cashboxes.list().length} cashboxes)`,
  }
}
