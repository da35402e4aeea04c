import { bindRuntime, createRuntime, defineService } from '@kokdala/core'
import { buildWebkassaSimulatorApp } from './app.ts'
import { webkassaSimulatorFromEnv } from './env.ts'

type WebkassaSimulatorSettings = ReturnType<typeof webkassaSimulatorFromEnv>

/** The Webkassa simulator as the platform's tools see it; it keeps its state in memory. */
export const webkassaSimulatorService = defineService<WebkassaSimulatorSettings>({
  name: 'webkassa',
  role: 'simulator',
  loadConfig: (env) => webkassaSimulatorFromEnv(env),
  address: ({ host, port, url }) => ({ host, port, url }),
  portVariable: 'WEBKASSA_SIM_PORT',
  /**
   * The fiscal service started beside it talks to it with its demo account (the environment wins where set). A
   * simulator's credentials: public on purpose, they only ever fiscalize fake receipts.
   */
  wire(env) {
    const { url, options } = webkassaSimulatorFromEnv(env)
    const [account] = options.accounts
    env.WEBKASSA_SIMULATOR_URL ??= url
    env.FISCAL_WEBKASSA_URL ??= url
    env.FISCAL_WEBKASSA_API_KEY ??= options.apiKeys[0]
    if (account) {
      env.FISCAL_WEBKASSA_LOGIN ??= account.login
      env.FISCAL_WEBKASSA_PASSWORD ??= account.password
    }
  },
  async build({ config }) {
    const app = await buildWebkassaSimulatorApp(config.options)
    const runtime = createRuntime(app.log)
    bindRuntime(app, runtime)
    return { app, runtime }
  },
  describe: ({ url, options }) => [
    `${url}/api/v4/Authorize   ${options.cashboxes.length} cashboxes   login ${options.accounts[0]?.login ?? '—'}`,
    `controls ${url}/__sim/cashboxes   inspection ${url}/__sim/receipts`,
  ],
})
