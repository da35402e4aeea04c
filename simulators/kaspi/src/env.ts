import { loadConfig } from '@kokdala/core'
import { controlRoutesEnabled, listenSettings, type RunnableSimulator, SimControlSettings } from '@kokdala/sim-kit'
import { Type } from 'typebox'
import { buildKaspiSimulatorApp, type KaspiSimulatorApp, type KaspiSimulatorOptions } from './app.ts'
import { defaultAccessToken, TERMINAL_ID } from './terminals.ts'

const millis = (description: string) => Type.Integer({ minimum: 0, maximum: 3_600_000, default: 0, description })

/** The simulator's environment, read with core `loadConfig` (every problem listed at start). */
export const KaspiSimulatorConfig = Type.Object({
  ...listenSettings('KASPI_SIM', 9003),
  /** Terminals at start, ids 1..N. */
  KASPI_SIM_TERMINALS: Type.Integer({ minimum: 0, maximum: 1000, default: 4 }),
  /** Access tokens other than the derived `kaspi-sim-token-<id>`: "1=secret,2=other". */
  KASPI_SIM_ACCESS_TOKENS: Type.Optional(
    Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}=[^,=\\s]{1,512}(,[A-Za-z0-9_-]{1,64}=[^,=\\s]{1,512})*$' }),
  ),
  KASPI_SIM_AUTO_PAY_MS: millis(
    'the customer pays the asked amount with Gold (and confirms refunds) after this; 0: never',
  ),
  KASPI_SIM_PAYMENT_TIMEOUT_MS: millis('a payment nobody pays ends fail after this; 0: never'),
  KASPI_SIM_QR_DELAY_MS: millis('the QR reaches the screen (and the camera) this long after the payment starts'),
  ...SimControlSettings,
})

/** Where and how the simulator runs, from environment variables (main.ts, `kokdala serve kaspi`, `kokdala start`). */
export function kaspiSimulatorFromEnv(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(KaspiSimulatorConfig, env)
  const port = config.KASPI_SIM_PORT
  const host = config.KASPI_SIM_HOST
  const tokens = new Map(
    (config.KASPI_SIM_ACCESS_TOKENS?.split(',') ?? []).map((pair) => pair.split('=') as [string, string]),
  )
  const terminals = Array.from({ length: config.KASPI_SIM_TERMINALS }, (_, i) => String(i + 1)).map((id) => ({
    id,
    accessToken: tokens.get(id) ?? defaultAccessToken(id),
  }))
  for (const id of tokens.keys()) {
    if (!TERMINAL_ID.test(id)) throw new Error(`KASPI_SIM_ACCESS_TOKENS: bad terminal id ${id}`)
  }
  const options: KaspiSimulatorOptions = {
    terminals,
    autoPayMs: config.KASPI_SIM_AUTO_PAY_MS,
    paymentTimeoutMs: config.KASPI_SIM_PAYMENT_TIMEOUT_MS,
    qrDelayMs: config.KASPI_SIM_QR_DELAY_MS,
    controlRoutes: controlRoutesEnabled(config),
  }
  return { port, host, url: `http://${host}:${port}`, options }
}

/** The simulator as the sim-kit runner starts it (`main.ts`). */
export function kaspiSimulator(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<KaspiSimulatorOptions> = {},
): RunnableSimulator<KaspiSimulatorApp> {
  const { port, host, url, options } = kaspiSimulatorFromEnv(env)
  return {
    name: 'Kaspi terminals simulator',
    port,
    host,
    url,
    build: () => buildKaspiSimulatorApp({ ...options, ...overrides }),
    describe: (app) => `(${app.kaspi.store.list().length} terminals)`,
  }
}
